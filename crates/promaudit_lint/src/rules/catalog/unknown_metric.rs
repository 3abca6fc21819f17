use crate::context::{selector_name, selector_of, FileContext};
use crate::declare_rule;
use crate::registry::{Rule, RuleMeta};
use promaudit_diagnostics::Diagnostic;

declare_rule! {
    /// ## What it finds
    /// Selectors naming a metric the catalog does not have: a typo, a metric renamed by a new
    /// exporter version, or one that no exporter exposes at all. Only checked when a catalog is
    /// given (`--catalog`); names with a `:` are recording rules and are left to the rule graph.
    ///
    /// ## Why it matters
    /// A selector for a metric that does not exist returns nothing. An alert on it never fires,
    /// a dashboard panel stays empty, and nobody notices until the incident it was meant for.
    ///
    /// ## Example
    /// ```yaml
    /// expr: nvidia_gpu_utilization_percent > 90
    /// ```
    /// dcgm-exporter calls this `DCGM_FI_DEV_GPU_UTIL`; nvidia_gpu_exporter
    /// `nvidia_smi_utilization_gpu_ratio` (0-1).
    ///
    /// ## Fix
    /// Use the name the exporter exposes; the message suggests the closest one in the catalog.
    pub UnknownMetric {
        code: "catalog/unknown-metric",
        category: Correctness,
        severity: Warning,
        summary: "A selector names a metric that is not in the catalog",
    }
}

impl Rule for UnknownMetric {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &FileContext, out: &mut Vec<Diagnostic>) {
        if !cx.user_catalog {
            return;
        }
        let recorded = cx.recorded_names();
        for (query, parsed) in cx.parsed_queries() {
            parsed.walk(&mut |visit| {
                let Some(name) = selector_of(visit.expr).and_then(selector_name) else { return };
                if name.contains(':') || recorded.contains(name) || cx.catalog.resolve_series_name(name).is_some() {
                    return;
                }
                let span = query.file_span(visit.spans.name.unwrap_or(visit.spans.node));
                let mut diagnostic = Self::META.diagnostic(span, format!("`{name}` is not in the metric catalog: this selector in {} matches no series", query.site.role.describe()));
                diagnostic = match cx.suggestions.for_name(cx.catalog, name) {
                    Some(close) => diagnostic.with_help(format!("did you mean `{close}`?")),
                    None => diagnostic.with_help("check the exporter's metric names; add the metric to the catalog if it is new"),
                };
                out.push(diagnostic);
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::snapshot_with_catalog;

    const CATALOG: &str = "# TYPE http_requests_total counter\nhttp_requests_total{code=\"200\"} 1\n";

    #[test]
    fn typo_gets_a_suggestion() {
        let text = "groups:\n- name: a\n  rules:\n  - alert: A\n    expr: rate(http_request_total[5m]) > 1\n";
        insta::assert_snapshot!(snapshot_with_catalog(&UnknownMetric, "r.yml", text, CATALOG));
    }

    #[test]
    fn known_metrics_and_recording_rules_pass() {
        let text = "groups:\n- name: a\n  rules:\n  - record: job:http:rate5m\n    expr: rate(http_requests_total[5m])\n  - alert: A\n    expr: job:http:rate5m > 1\n";
        assert!(snapshot_with_catalog(&UnknownMetric, "r.yml", text, CATALOG).is_empty());
    }
}
