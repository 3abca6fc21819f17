use crate::context::FileContext;
use crate::declare_rule;
use crate::registry::{Rule, RuleMeta};
use promaudit_diagnostics::Diagnostic;

declare_rule! {
    /// ## What it finds
    /// A rule that sets both `record:` and `alert:`.
    ///
    /// ## Why it matters
    /// A rule is either a recording rule or an alerting rule. Prometheus rejects the file with
    /// "only one of 'record' and 'alert' must be set", and none of its rules are loaded.
    ///
    /// ## Example
    /// ```yaml
    /// - record: job:errors:rate5m
    ///   alert: HighErrors
    ///   expr: sum by (job) (rate(errors_total[5m]))
    /// ```
    ///
    /// ## Fix
    /// Split it: a recording rule that stores the expression, and an alert that compares the
    /// recorded series with a threshold.
    pub RecordAndAlert {
        code: "rulefmt/record-and-alert",
        category: Correctness,
        severity: Error,
        summary: "A rule sets both `record` and `alert`",
    }
}

impl Rule for RecordAndAlert {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &FileContext, out: &mut Vec<Diagnostic>) {
        for rule in cx.rule_files().flat_map(|f| &f.groups).flat_map(|g| &g.rules) {
            if let (Some(record), Some(alert)) = (&rule.record, &rule.alert) {
                out.push(
                    Self::META
                        .diagnostic(alert.span, format!("rule sets both `record: {}` and `alert: {}`; only one of them may be set", record.value, alert.value))
                        .with_label(record.span, "recording rule name set here")
                        .with_help("split it into a recording rule and an alert that uses the recorded series"),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::snapshot;

    #[test]
    fn both_set() {
        let text = "groups:\n  - name: yolo\n    rules:\n      - record: Hi\n        alert: Hello\n        expr: 1\n";
        insta::assert_snapshot!(snapshot(&RecordAndAlert, "r.yml", text));
    }

    #[test]
    fn one_set() {
        let text = "groups:\n  - name: yolo\n    rules:\n      - alert: Hello\n        expr: 1\n";
        assert!(snapshot(&RecordAndAlert, "r.yml", text).is_empty());
    }
}
