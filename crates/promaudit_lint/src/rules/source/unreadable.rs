use crate::context::FileContext;
use crate::declare_rule;
use crate::registry::{Rule, RuleMeta};
use promaudit_diagnostics::Diagnostic;

declare_rule! {
    /// ## What it finds
    /// Files that cannot be read as text: binary files, files that are not valid UTF-8, and
    /// files too large to check.
    ///
    /// ## Why it matters
    /// Prometheus, Grafana and Kubernetes read these files as UTF-8 YAML or JSON. A file that is
    /// not valid UTF-8 is rejected by all of them, and nothing in it is checked.
    ///
    /// ## Example
    /// A rule file saved as UTF-16 by a Windows editor, or a `.yml` that is really a gzip archive.
    ///
    /// ## Fix
    /// Save the file as UTF-8, or exclude it from the checked paths.
    pub Unreadable {
        code: "source/unreadable",
        category: Correctness,
        severity: Error,
        summary: "A file is binary, not UTF-8, or too large to check",
    }
}

impl Rule for Unreadable {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &FileContext, out: &mut Vec<Diagnostic>) {
        if let Some((span, reason)) = &cx.unreadable {
            out.push(Self::META.diagnostic(*span, format!("cannot check this file: {reason}")).with_help("save the file as UTF-8 text, or leave it out of the checked paths"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{check_bytes, Checker};
    use std::path::Path;

    #[test]
    fn reports_the_first_invalid_byte() {
        let report = check_bytes(Path::new("a.yml"), b"groups:\n- name: \xff\n".to_vec(), &Checker::default());
        let found: Vec<_> = report.diagnostics.iter().filter(|d| d.code == Unreadable::META.code).collect();
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].span.start, 16);
        // The span covers the replacement character of the lossy copy, not half of it.
        assert_eq!(&report.file.text[found[0].span.start..found[0].span.end], "\u{fffd}");
        assert!(found[0].message.contains("0xFF"));
    }

    #[test]
    fn reports_binary_files_at_the_nul_byte() {
        let report = check_bytes(Path::new("a.yml"), b"ab\0cd".to_vec(), &Checker::default());
        assert_eq!(report.diagnostics.len(), 1);
        assert_eq!(report.diagnostics[0].span.start, 2);
        // After an invalid byte, the lossy copy's offsets are not the file's bytes.
        let report = check_bytes(Path::new("a.yml"), b"\xff\xffa\0".to_vec(), &Checker::default());
        assert_eq!(report.diagnostics[0].span, promaudit_diagnostics::Span::empty(report.file.text.len()));
    }

    #[test]
    fn utf8_text_is_readable() {
        let report = check_bytes(Path::new("a.yml"), "groups: []\n".as_bytes().to_vec(), &Checker::default());
        assert!(report.diagnostics.iter().all(|d| d.code != Unreadable::META.code));
    }
}
