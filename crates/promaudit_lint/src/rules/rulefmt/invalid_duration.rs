use crate::context::FileContext;
use crate::declare_rule;
use crate::names::is_duration;
use crate::registry::{Rule, RuleMeta};
use promaudit_diagnostics::Diagnostic;

declare_rule! {
    /// ## What it finds
    /// `for`, `keep_firing_for`, group `interval` and `query_offset` values that are not
    /// Prometheus durations (`5m`, `1h30m`, `90s`).
    ///
    /// ## Why it matters
    /// Prometheus rejects the file. Values like `5 min`, `300` or `1.5h` look plausible in review.
    ///
    /// ## Example
    /// ```yaml
    /// for: 5 minutes
    /// ```
    ///
    /// ## Fix
    /// Write a duration: integers with the units `ms`, `s`, `m`, `h`, `d`, `w`, `y`, largest
    /// unit first, e.g. `5m` or `1h30m`.
    pub InvalidDuration {
        code: "rulefmt/invalid-duration",
        category: Correctness,
        severity: Error,
        summary: "A duration field is not a Prometheus duration",
    }
}

impl Rule for InvalidDuration {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &FileContext, out: &mut Vec<Diagnostic>) {
        for group in cx.rule_files().flat_map(|f| &f.groups) {
            let rule_fields = group.rules.iter().flat_map(|r| [("for", &r.for_), ("keep_firing_for", &r.keep_firing_for)]);
            for (field, value) in std::iter::once(("interval", &group.interval)).chain(rule_fields) {
                let Some(value) = value else { continue };
                if !is_duration(value.value.trim()) {
                    out.push(
                        Self::META
                            .diagnostic(value.span, format!("`{field}: {}` is not a duration; Prometheus rejects the file", value.value))
                            .with_help("write an integer with a unit, largest unit first: `30s`, `5m`, `1h30m`"),
                    );
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::snapshot;

    #[test]
    fn prose_duration() {
        insta::assert_snapshot!(snapshot(&InvalidDuration, "r.yml", "groups:\n  - name: a\n    interval: 1.5m\n    rules:\n      - alert: A\n        expr: up == 0\n        for: 5 min\n"));
    }

    #[test]
    fn real_durations() {
        assert!(snapshot(&InvalidDuration, "r.yml", "groups:\n  - name: a\n    interval: 30s\n    rules:\n      - alert: A\n        expr: up == 0\n        for: 1h30m\n").is_empty());
    }

    #[test]
    fn zero_alone_needs_no_unit() {
        assert!(snapshot(&InvalidDuration, "r.yml", "groups:\n  - name: a\n    rules:\n      - alert: A\n        expr: up == 0\n        for: \"0\"\n").is_empty());
        assert!(!snapshot(&InvalidDuration, "r.yml", "groups:\n  - name: a\n    rules:\n      - alert: A\n        expr: up == 0\n        for: 10\n").is_empty());
    }
}
