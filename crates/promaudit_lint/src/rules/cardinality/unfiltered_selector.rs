use crate::context::{selector_name, selector_of, FileContext};
use crate::declare_rule;
use crate::registry::{Rule, RuleMeta};
use promaudit_diagnostics::Diagnostic;
use promaudit_semantic::MetricFacts;
use promql_parser::label::{MatchOp, METRIC_NAME};

declare_rule! {
    /// ## What it finds
    /// A selector with no matcher that narrows it (only the metric name, or only negative
    /// matchers) on a metric with more series than the series limit (`--series-limit`, 10,000
    /// by default), by the catalog's count.
    ///
    /// ## Why it matters
    /// Every evaluation loads every series of the metric, whatever the aggregation around it
    /// keeps. On a big metric that is the query that shows up in Prometheus' slow query log,
    /// and in the memory graph of every rule evaluation.
    ///
    /// ## Example
    /// ```yaml
    /// expr: sum(rate(container_cpu_usage_seconds_total[5m])) by (namespace)
    /// ```
    ///
    /// ## Fix
    /// Select only what the query is about: `container_cpu_usage_seconds_total{job="kubelet",
    /// container!=""}`, or read a recording rule that already aggregated it.
    pub UnfilteredSelector {
        code: "cardinality/unfiltered-selector",
        category: Performance,
        severity: Warning,
        summary: "A selector reads every series of a big metric",
    }
}

impl Rule for UnfilteredSelector {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &FileContext, out: &mut Vec<Diagnostic>) {
        for (query, parsed) in cx.server_queries() {
            parsed.walk(&mut |visit| {
                let Some(selector) = selector_of(visit.expr) else { return };
                let Some(name) = selector_name(selector) else { return };
                let narrows = selector.matchers.matchers.iter().any(|m| m.name != METRIC_NAME && matches!(&m.op, MatchOp::Equal) || matches!(&m.op, MatchOp::Re(re) if m.name != METRIC_NAME && !re.is_match("") && m.value != ".+"));
                if narrows {
                    return;
                }
                let Some(series) = cx.catalog.series_count(name).filter(|&n| n > cx.series_limit) else { return };
                let span = visit.spans.name.unwrap_or(visit.spans.node);
                let message = format!("`{name}` has {series} series and this selector reads all of them at every evaluation");
                out.push(Self::META.diagnostic(query.file_span(span), message).with_help("add matchers for what the query is about (`job`, `namespace`, …), or read a recording rule that aggregates it"));
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::snapshot_with_catalog;

    fn catalog() -> String {
        let mut text = "# TYPE requests_total counter\n".to_string();
        for pod in 0..12_000 {
            text.push_str(&format!("requests_total{{pod=\"p{pod}\",job=\"j{}\"}} 1\n", pod % 3));
        }
        text
    }

    #[test]
    fn whole_metric_read() {
        let text = "groups:\n- name: a\n  rules:\n  - alert: A\n    expr: sum(rate(requests_total{pod!=\"x\"}[5m])) > 1\n";
        insta::assert_snapshot!(snapshot_with_catalog(&UnfilteredSelector, "r.yml", text, &catalog()));
    }

    #[test]
    fn narrowed_selectors() {
        let text = "groups:\n- name: a\n  rules:\n  - alert: A\n    expr: sum(rate(requests_total{job=\"j1\"}[5m])) > 1\n  - alert: B\n    expr: sum(rate(requests_total{pod=~\"p1.*\"}[5m])) > 1\n";
        assert_eq!(snapshot_with_catalog(&UnfilteredSelector, "r.yml", text, &catalog()), "");
    }
}
