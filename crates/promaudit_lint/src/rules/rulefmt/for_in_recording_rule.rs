use crate::context::FileContext;
use crate::declare_rule;
use crate::registry::{Rule, RuleMeta};
use promaudit_diagnostics::Diagnostic;

declare_rule! {
    /// ## What it finds
    /// `for:` or `keep_firing_for:` on a recording rule.
    ///
    /// ## Why it matters
    /// Only alerts have a pending or keep-firing state. Prometheus rejects the file with
    /// "invalid field 'for' in recording rule"; usually an alert was meant.
    ///
    /// ## Example
    /// ```yaml
    /// - record: job:errors:rate5m
    ///   expr: sum by (job) (rate(errors_total[5m]))
    ///   for: 5m
    /// ```
    ///
    /// ## Fix
    /// Remove the field, or turn the rule into an alert (`alert:` instead of `record:`).
    pub ForInRecordingRule {
        code: "rulefmt/for-in-recording-rule",
        category: Correctness,
        severity: Error,
        summary: "A recording rule sets `for` or `keep_firing_for`",
    }
}

impl Rule for ForInRecordingRule {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &FileContext, out: &mut Vec<Diagnostic>) {
        for rule in cx.rule_files().flat_map(|f| &f.groups).flat_map(|g| &g.rules) {
            let Some(record) = rule.record.as_ref().filter(|_| rule.alert.is_none()) else { continue };
            for (field, value) in [("for", &rule.for_), ("keep_firing_for", &rule.keep_firing_for)] {
                if let Some(value) = value {
                    out.push(
                        Self::META
                            .diagnostic(value.span, format!("`{field}` has no meaning on recording rule `{}`; Prometheus rejects the whole file", record.value))
                            .with_help(format!("remove `{field}:`, or make this an alert if it should fire")),
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
    fn for_on_record() {
        insta::assert_snapshot!(snapshot(&ForInRecordingRule, "r.yml", "groups:\n  - name: yolo\n    rules:\n      - record: Hello\n        expr: 1\n        for: 1m\n"));
    }

    #[test]
    fn keep_firing_for_on_record() {
        insta::assert_snapshot!(snapshot(&ForInRecordingRule, "r.yml", "groups:\n  - name: yolo\n    rules:\n      - record: Hello\n        expr: 1\n        keep_firing_for: 1m\n"));
    }

    #[test]
    fn for_on_alert() {
        assert!(snapshot(&ForInRecordingRule, "r.yml", "groups:\n  - name: yolo\n    rules:\n      - alert: Hello\n        expr: 1\n        for: 1m\n").is_empty());
    }
}
