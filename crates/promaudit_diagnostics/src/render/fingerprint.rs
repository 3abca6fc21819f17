//! A finding's identity by content, not position: what baselines match on and what SARIF calls
//! a partial fingerprint. Lines added above a finding do not change it; a second copy of the same
//! defect in the same file has the same fingerprint and is told apart by counting.

use crate::Diagnostic;

/// FNV-1a over the rule code, the file's path (as the caller names it: relative to a baseline,
/// or to the working directory), the text under the span and the message. Stable across runs,
/// machines and Rust versions, unlike `std`'s hasher.
pub fn fingerprint(path: &str, text: &str, diagnostic: &Diagnostic) -> String {
    let spanned = text.get(diagnostic.span.start..diagnostic.span.end).unwrap_or("");
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for part in [diagnostic.code, path, spanned, &diagnostic.message] {
        for byte in part.bytes().chain([0]) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    format!("{hash:016x}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Severity, Span};

    #[test]
    fn lines_added_above_do_not_change_it_but_the_content_does() {
        let finding = |text: &str, message: &str| {
            let at = text.find("irate").unwrap();
            fingerprint("alerts.yml", text, &Diagnostic::new("functions/irate-in-alert", Severity::Warning, Span::new(at, at + 5), message))
        };
        let before = finding("expr: irate(x[5m]) > 1\n", "uses irate");
        assert_eq!(before, finding("# a new comment\n\nexpr: irate(x[5m]) > 1\n", "uses irate"));
        assert_ne!(before, finding("expr: irate(x[5m]) > 1\n", "uses irate in alert `B`"));
        // Pinned: a baseline written by one version must match in the next.
        assert_eq!(before, "e65ff625a4f1dd8c");
    }
}
