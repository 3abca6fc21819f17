use crate::context::FileContext;
use crate::declare_rule;
use crate::registry::{Rule, RuleMeta};
use promaudit_diagnostics::Diagnostic;
use promql_parser::parser::{Expr, LabelModifier};

declare_rule! {
    /// ## What it finds
    /// Aggregations that keep a label whose values are unbounded by nature — request, trace,
    /// span, session or user ids, client IP addresses, full URLs — in `by (…)`.
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

impl Rule for IdLabel {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &FileContext, out: &mut Vec<Diagnostic>) {
        for (query, parsed) in cx.parsed_queries() {
            parsed.walk(&mut |visit| {
                let Expr::Aggregate(aggregate) = visit.expr else { return };
                let (Some(LabelModifier::Include(labels)), Some(clause)) = (&aggregate.modifier, &visit.spans.grouping) else { return };
                for (label, span) in labels.labels.iter().zip(clause.labels.iter().map(|(_, s)| *s)) {
                    if UNBOUNDED.contains(&label.to_ascii_lowercase().as_str()) {
                        out.push(
                            Self::META
                                .diagnostic(query.file_span(span), format!("grouping by `{label}` makes one series per distinct value: unbounded, it grows until Prometheus runs out of memory"))
                                .with_help("group by bounded labels (route, status, service) and keep ids in logs or traces"),
                        );
                    }
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
    fn bounded_labels_pass() {
        assert!(snapshot(&IdLabel, "r.yml", "groups:\n- name: a\n  rules:\n  - record: a:b:c\n    expr: sum by (service, route, status) (rate(requests_total[5m]))\n").is_empty());
    }
}
