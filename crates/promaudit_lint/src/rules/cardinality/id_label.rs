use crate::context::FileContext;
use crate::declare_rule;
use crate::registry::{Rule, RuleMeta};
use promaudit_diagnostics::Diagnostic;
use promaudit_semantic::MetricFacts;
use promql_parser::parser::{Expr, LabelModifier};

declare_rule! {
    /// ## What it finds
    /// Aggregations that keep a label whose values are unbounded by nature — request, trace,
    /// span, session, user or customer ids and client addresses, and the labels
    /// `cardinality.high_cardinality_labels` in `.promaudit.yaml` adds — in `by (…)`, or a label
    /// the catalog counts over 1,000 distinct values for on the aggregated metric. A name alone
    /// is evidence only when it says the value is new for each request, trace, session, user or
    /// client: `url`, `path` or `ip` are as often a handful of routes or nodes, and are reported
    /// only from the catalog's count or the configuration.
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

/// Label names (lower case, without `_`) whose values are one per request, user or client, with
/// what each value stands for. Only names that say so: instrumentation often fills `url` or `ip`
/// with a route template or a node's address, which are bounded.
const UNBOUNDED: &[(&str, &str)] = &[
    ("requestid", "request"),
    ("traceid", "trace"),
    ("spanid", "span"),
    ("sessionid", "session"),
    ("userid", "user"),
    ("customerid", "customer"),
    ("clientip", "client address"),
    ("remoteaddr", "client address"),
    ("remoteip", "client address"),
    ("sourceip", "client address"),
];

/// What each value of `label` stands for when its name says it is a per-request or per-client id.
fn id_kind(label: &str) -> Option<&'static str> {
    let key: String = label.chars().filter(|&c| c != '_').map(|c| c.to_ascii_lowercase()).collect();
    UNBOUNDED.iter().find(|(name, _)| *name == key).map(|&(_, kind)| kind)
}

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
                    } else if let Some(kind) = id_kind(label) {
                        format!("grouping by `{label}` makes one series per {kind}: its name says each {kind} brings a new value, so the result grows without bound")
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
    fn id_names_in_any_case() {
        assert_eq!(id_kind("requestId"), Some("request"));
        assert_eq!(id_kind("Client_IP"), Some("client address"));
    }

    #[test]
    fn url_and_ip_are_not_ids_by_name() {
        for label in ["url", "ip", "ip_address", "path", "email"] {
            let text = format!("groups:\n- name: a\n  rules:\n  - record: a:b:c\n    expr: sum by ({label}) (rate(requests_total[5m]))\n");
            assert!(snapshot(&IdLabel, "r.yml", &text).is_empty(), "{label}");
        }
    }

    #[test]
    fn bounded_labels_pass() {
        assert!(snapshot(&IdLabel, "r.yml", "groups:\n- name: a\n  rules:\n  - record: a:b:c\n    expr: sum by (service, route, status) (rate(requests_total[5m]))\n").is_empty());
    }
}
