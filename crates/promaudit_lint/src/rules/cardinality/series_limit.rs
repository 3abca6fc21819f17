use crate::context::FileContext;
use crate::declare_rule;
use crate::registry::{Rule, RuleMeta};
use promaudit_diagnostics::Diagnostic;

declare_rule! {
    /// ## What it finds
    /// Queries whose result, estimated from the catalog's series and label value counts, has
    /// more series than the limit (`--series-limit`, 10,000 by default): a recording rule that
    /// aggregates by `pod` over a 40,000-series metric, a panel that draws every series of it.
    ///
    /// ## Why it matters
    /// A recording rule writes every result series back into the TSDB at every evaluation; an
    /// alert with 10,000 series floods Alertmanager the day it fires; a panel with that many
    /// lines times out or freezes the browser.
    ///
    /// ## Example
    /// ```yaml
    /// record: pod:http_requests:rate5m
    /// expr: sum by (pod, path) (rate(http_requests_total[5m]))
    /// ```
    ///
    /// ## Fix
    /// Aggregate to what the consumer needs (`sum by (service)`), or filter first.
    pub SeriesLimit {
        code: "cardinality/series-limit",
        category: Performance,
        severity: Warning,
        summary: "A query returns more series than the series limit",
    }
}

impl Rule for SeriesLimit {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &FileContext, out: &mut Vec<Diagnostic>) {
        for (query, parsed) in cx.server_queries() {
            let Some(series) = promaudit_semantic::estimate_series(&parsed.expr, cx.catalog).filter(|&n| n > cx.series_limit) else { continue };
            let message = format!("{} returns about {series} series, over the limit of {}", query.site.role.describe(), cx.series_limit);
            let help = "aggregate to the labels the consumer needs (`sum by (service)`), or filter with more matchers";
            out.push(Self::META.diagnostic(query.file_span(parsed.root_span()), message).with_help(help));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::snapshot_with_catalog;

    /// 12,000 series of `requests_total`: 3,000 pods × 4 routes.
    fn catalog() -> String {
        let mut text = "# TYPE requests_total counter\n".to_string();
        for pod in 0..3000 {
            for route in ["a", "b", "c", "d"] {
                text.push_str(&format!("requests_total{{pod=\"p{pod}\",route=\"{route}\"}} 1\n"));
            }
        }
        text
    }

    #[test]
    fn per_pod_recording_rule() {
        let text = "groups:\n- name: a\n  rules:\n  - record: pod_route:requests:rate5m\n    expr: sum by (pod, route) (rate(requests_total[5m]))\n";
        insta::assert_snapshot!(snapshot_with_catalog(&SeriesLimit, "r.yml", text, &catalog()));
    }

    #[test]
    fn aggregated_or_filtered() {
        let text = "groups:\n- name: a\n  rules:\n  - record: route:requests:rate5m\n    expr: sum by (route) (rate(requests_total[5m]))\n  - record: a:requests:rate5m\n    expr: rate(requests_total{route=\"a\"}[5m])\n";
        assert_eq!(snapshot_with_catalog(&SeriesLimit, "r.yml", text, &catalog()), "");
    }
}
