use crate::context::FileContext;
use crate::declare_rule;
use crate::registry::{Rule, RuleMeta};
use promaudit_diagnostics::{Diagnostic, Span};

declare_rule! {
    /// ## What it finds
    /// A rule with neither `record:` nor `alert:`.
    ///
    /// ## Why it matters
    /// Prometheus rejects the file with "one of 'record' or 'alert' must be set", and none of
    /// its rules are loaded. Often the key is misspelt (`alerts:`, `recording:`) or mis-indented.
    ///
    /// ## Example
    /// ```yaml
    /// rules:
    ///   - expr: up == 0
    /// ```
    ///
    /// ## Fix
    /// Name the rule: `alert: InstanceDown` for an alert, or `record: job:up:sum` for a
    /// recording rule.
    pub MissingRecordOrAlert {
        code: "rulefmt/missing-record-or-alert",
        category: Correctness,
        severity: Error,
        summary: "A rule has neither `record` nor `alert`",
    }
}

impl Rule for MissingRecordOrAlert {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &FileContext, out: &mut Vec<Diagnostic>) {
        for rule in cx.rule_files().flat_map(|f| &f.groups).flat_map(|g| &g.rules) {
            if rule.record.is_none() && rule.alert.is_none() {
                // The rule's first key: the `- ` item itself spans the whole rule.
                let at = rule.expr_key.unwrap_or(Span::new(rule.span.start, rule.span.start));
                out.push(
                    Self::META
                        .diagnostic(at, "rule has neither `record:` nor `alert:`; Prometheus rejects the whole file")
                        .with_help("add `alert: <Name>` for an alerting rule or `record: <level:metric:operation>` for a recording rule"),
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
    fn neither_set() {
        let text = "groups:\n  - name: yolo\n    rules:\n      - expr: 1\n";
        insta::assert_snapshot!(snapshot(&MissingRecordOrAlert, "r.yml", text));
    }

    #[test]
    fn named_rules_pass() {
        let text = "groups:\n  - name: yolo\n    rules:\n      - record: a:b\n        expr: 1\n";
        assert!(snapshot(&MissingRecordOrAlert, "r.yml", text).is_empty());
    }
}
