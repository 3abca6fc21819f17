use crate::context::{selector_name, selector_of, FileContext};
use crate::declare_rule;
use crate::registry::{Rule, RuleMeta};
use promaudit_diagnostics::{Diagnostic, Severity};
use promaudit_source::artifact::QueryRole;

declare_rule! {
    /// ## What it finds
    /// Selectors in rules, SLOs and promtool tests' expressions naming a recorded series
    /// (`level:metric:operations`) that no recording rule among the checked files writes, the
    /// catalog does not hold and no promtool test among the checked files feeds as an input
    /// series (some exporters expose names with colons). A warning when a near name is recorded
    /// (a typo); otherwise an info, since repositories often read series recorded elsewhere
    /// (another repository, configuration management, a server's own rules). Reported when the
    /// checked files define recording rules or a
    /// catalog was given. Dashboards are left out: they are shared between setups whose rules
    /// live elsewhere (kube-prometheus' Windows dashboards read rules from an add-on).
    ///
    /// ## Why it matters
    /// The selector matches nothing: the alert never fires, the panel shows "No data", the SLO
    /// computes nothing. A renamed or deleted recording rule leaves these behind silently.
    ///
    /// ## Example
    /// ```yaml
    /// expr: job:http_requests:rate5n > 100   # the rule records job:http_requests:rate5m
    /// ```
    ///
    /// ## Fix
    /// Use the recorded name, or add the recording rule.
    pub UndefinedRecordingRule {
        code: "graph/undefined-recording-rule",
        category: Correctness,
        severity: Warning,
        summary: "A selector reads a recorded series no recording rule writes",
    }
}

impl Rule for UndefinedRecordingRule {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &FileContext, out: &mut Vec<Diagnostic>) {
        let graph = &cx.project.graph;
        if !graph.has_definitions() && !cx.user_catalog {
            return;
        }
        for (query, parsed) in cx.parsed_queries().filter(|(q, _)| !matches!(q.site.role, QueryRole::PanelTarget { .. } | QueryRole::TemplateVariable { .. })) {
            parsed.walk(&mut |visit| {
                let Some(name) = selector_of(visit.expr).and_then(selector_name) else { return };
                if !name.contains(':') || graph.is_defined(name) || cx.project.removed_recordings.contains_key(name) || cx.catalog.resolve_series_name(name).is_some() {
                    return;
                }
                let span = query.file_span(visit.spans.name.unwrap_or(visit.spans.node));
                // A near name the checked rules record is a typo; otherwise the series may well be
                // recorded by another repository or server.
                let typo = cx.suggestions.for_name(cx.catalog, name).filter(|s| graph.is_defined(s));
                out.push(match typo {
                    Some(suggestion) => Self::META
                        .diagnostic(span, format!("no recording rule writes `{name}`, but `{suggestion}` is recorded: this selector in {} matches nothing", query.site.role.describe()))
                        .with_help(format!("did you mean `{suggestion}`?")),
                    None => {
                        let mut diagnostic = Self::META
                            .diagnostic(span, format!("no checked file records `{name}`: unless another repository or server records it, this selector in {} matches nothing", query.site.role.describe()))
                            .with_help("check the series exists, or add the repository that records it to the check");
                        diagnostic.severity = Severity::Info;
                        diagnostic
                    }
                });
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::check_project;

    #[test]
    fn typo_in_a_recorded_name() {
        let rules = "groups:\n- name: a\n  rules:\n  - record: job:http_requests:rate5m\n    expr: sum by (job) (rate(http_requests_total[5m]))\n";
        let alerts = "groups:\n- name: b\n  rules:\n  - alert: Busy\n    expr: job:http_requests:rate5n > 100\n  - alert: Fine\n    expr: job:http_requests:rate5m > 100\n";
        insta::assert_snapshot!(check_project(&UndefinedRecordingRule, &[("rules.yml", rules), ("alerts.yml", alerts)], "alerts.yml"));
    }

    #[test]
    fn a_promtool_test_input_series_exists() {
        let rules = "groups:\n- name: a\n  rules:\n  - record: job:up:sum\n    expr: sum by (job) (up)\n  - alert: Slow\n    expr: exporter:latency:seconds > 1\n";
        let test = "rule_files: [rules.yml]\ntests:\n  - input_series:\n      - series: 'exporter:latency:seconds{job=\"a\"}'\n        values: 2\n    promql_expr_test:\n      - expr: exporter:latency:seconds + job:up:sum + job:up:summ\n        eval_time: 1m\n";
        let files = [("rules.yml", rules), ("rules_test.yml", test)];
        assert_eq!(check_project(&UndefinedRecordingRule, &files, "rules.yml"), "");
        // The test's own expression is checked too: the typo reads nothing the test feeds.
        insta::assert_snapshot!(check_project(&UndefinedRecordingRule, &files, "rules_test.yml"), @r"
        rules_test.yml:7:55: warning[graph/undefined-recording-rule]: no recording rule writes `job:up:summ`, but `job:up:sum` is recorded: this selector in the `promql_expr_test` of test 1 matches nothing
          |       - expr: exporter:latency:seconds + job:up:sum + job:up:summ
          |                                                       ^^^^^^^^^^^
          = help: did you mean `job:up:sum`?
        ");
    }
}
