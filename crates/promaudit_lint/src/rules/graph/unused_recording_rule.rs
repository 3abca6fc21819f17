use crate::context::FileContext;
use crate::declare_rule;
use crate::registry::{Rule, RuleMeta};
use promaudit_diagnostics::Diagnostic;

declare_rule! {
    /// ## What it finds
    /// Recording rules whose series no alert, recording rule, dashboard panel or SLO among the
    /// checked files reads.
    ///
    /// ## Why it matters
    /// Every recording rule costs an evaluation and new series, forever. Unused ones are often
    /// leftovers of a renamed alert or a deleted dashboard. (They may serve dashboards kept
    /// elsewhere: this is a note, not a warning.)
    ///
    /// ## Example
    /// ```yaml
    /// - record: job:http_requests:rate1m   # nothing reads it
    /// ```
    ///
    /// ## Fix
    /// Delete it, or check it together with the dashboards and alerts that use it.
    pub UnusedRecordingRule {
        code: "graph/unused-recording-rule",
        category: Performance,
        severity: Info,
        summary: "A recording rule's series is read by nothing among the checked files",
    }
}

impl Rule for UnusedRecordingRule {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &FileContext, out: &mut Vec<Diagnostic>) {
        for rule in cx.rule_files().flat_map(|f| &f.groups).flat_map(|g| &g.rules) {
            let Some(record) = rule.record.as_ref().filter(|_| rule.alert.is_none()) else { continue };
            if cx.project.graph.is_used(&record.value) {
                continue;
            }
            out.push(Self::META.diagnostic(record.span, format!("nothing among the checked files reads `{}`", record.value)).with_help("delete the rule, or check it together with the dashboards and alerts that use it"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::check_project;

    #[test]
    fn read_and_unread_rules() {
        let rules = "groups:\n- name: a\n  rules:\n  - record: job:requests:rate5m\n    expr: sum by (job) (rate(requests_total[5m]))\n  - record: job:requests:rate1h\n    expr: sum by (job) (rate(requests_total[1h]))\n";
        let dashboard = "{\"panels\": [{\"title\": \"Requests\", \"targets\": [{\"expr\": \"job:requests:rate5m\"}]}]}";
        insta::assert_snapshot!(check_project(&UnusedRecordingRule, &[("rules.yml", rules), ("dashboard.json", dashboard)], "rules.yml"));
    }
}
