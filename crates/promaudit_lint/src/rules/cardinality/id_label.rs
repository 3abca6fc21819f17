use crate::context::FileContext;
use crate::declare_rule;
use crate::registry::{Rule, RuleMeta};
use promaudit_diagnostics::Diagnostic;
use promaudit_semantic::MetricFacts;
use promql_parser::parser::{Expr, LabelModifier};

declare_rule! {
    /// ## What it finds
    /// Aggregations that keep a label whose values are unbounded by nature — request, trace,
    /// span, session or user ids, client IP addresses, full URLs, and the labels
    /// `cardinality.high_cardinality_labels` in `.promaudit.yaml` adds — in `by (…)`, or a label
    /// the catalog counts over 1,000 distinct values for on the aggregated metric.
    ///
    /// ## Why it matters
    /// Every distinct value becomes a series of the result. Grouped by a request id, a recording
    /// rule writes one new series per request, and the Prometheus that evaluates it runs out of
    /// memory; a dashboard panel draws thousands of lines.
    ///
    /// ## Example
    /// ```yaml
    /// expr: sum by (trace_id) (rate(http_requests_total[5m]))
    /// ```
    ///
    /// ## Fix
    /// Group by bounded labels (`route`, `status`, `service`); keep ids in logs and traces, where
    /// exemplars can link them.
    pub IdLabel {
        code: "cardinality/id-label",
        category: Performance,
        severity: Warning,
        summary: "An aggregation keeps an unbounded id-like label",
    }
}

/// Label names whose values are one per request, user or client.
const UNBOUNDED: &[&str] = &[
    "request_id", "requestid", "trace_id", "traceid", "span_id", "spanid", "session_id", "sessionid", "user_id", "userid", "customer_id",
    "client_ip", "remote_addr", "remote_ip", "source_ip", "ip_address", "url", "full_url", "email",
];

/// Distinct values from which a label counts as high-cardinality in the catalog.
const HIGH_CARDINALITY: u64 = 1000;

impl Rule for IdLabel {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &FileContext, out: &mut Vec<Diagnostic>) {
        for (query, parsed) in cx.server_queries() {
            parsed.walk(&mut |visit| {
                let Expr::Aggregate(aggregate) = visit.expr else { return };
                let (Some(LabelModifier::Include(labels)), Some(clause)) = (&aggregate.modifier, &visit.spans.grouping) else { return };
                let metric = promaudit_semantic::first_selector(&aggregate.expr);
                for (label, span) in labels.labels.iter().zip(clause.labels.iter().map(|(_, s)| *s)) {
                    let counted = metric.and_then(|m| cx.catalog.label_values_count(m, label)).filter(|&n| n >= HIGH_CARDINALITY);
                    let message = if let Some(values) = counted {
                        format!("grouping by `{label}` makes one series per distinct value, and `{}` has {values} of them", metric.unwrap_or_default())
                    } else if UNBOUNDED.contains(&label.to_ascii_lowercase().as_str()) {
                        format!("grouping by `{label}` makes one series per distinct value: unbounded, it grows until Prometheus runs out of memory")
                    } else if cx.config.high_cardinality_labels.contains(label) {
                        format!("grouping by `{label}` makes one series per distinct value, and the configuration lists it among the high-cardinality labels")
                    } else {
                        continue;
                    };
                    out.push(Self::META.diagnostic(query.file_span(span), message).with_help("group by bounded labels (route, status, service) and keep ids in logs or traces"));
                }
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::snapshot;

    #[test]
    fn grouping_by_a_trace_id() {
        insta::assert_snapshot!(snapshot(&IdLabel, "r.yml", "groups:\n- name: a\n  rules:\n  - record: trace:requests:rate5m\n    expr: sum by (service, trace_id) (rate(requests_total[5m]))\n"));
    }

    #[test]
    fn label_with_many_values_in_the_catalog() {
        let mut catalog = "# TYPE requests_total counter\n".to_string();
        for i in 0..1500 {
            catalog.push_str(&format!("requests_total{{path=\"/item/{i}\"}} 1\n"));
        }
        let text = "groups:\n- name: a\n  rules:\n  - record: path:requests:rate5m\n    expr: sum by (path) (rate(requests_total[5m]))\n";
        insta::assert_snapshot!(crate::testing::snapshot_with_catalog(&IdLabel, "r.yml", text, &catalog));
    }

    #[test]
    fn labels_the_configuration_names() {
        let text = "groups:\n- name: a\n  rules:\n  - record: tenant:requests:rate5m\n    expr: sum by (tenant_id, route) (rate(requests_total[5m]))\n";
        insta::assert_snapshot!(crate::testing::snapshot_with_config(&IdLabel, "r.yml", text, "cardinality:\n  high_cardinality_labels: [tenant_id]\n"));
        assert!(snapshot(&IdLabel, "r.yml", text).is_empty());
    }

    #[test]
    fn bounded_labels_pass() {
        assert!(snapshot(&IdLabel, "r.yml", "groups:\n- name: a\n  rules:\n  - record: a:b:c\n    expr: sum by (service, route, status) (rate(requests_total[5m]))\n").is_empty());
    }
}
