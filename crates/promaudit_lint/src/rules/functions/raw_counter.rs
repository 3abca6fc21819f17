use crate::context::{selector_name, selector_of, FileContext};
use crate::declare_rule;
use crate::registry::{Rule, RuleMeta};
use promaudit_catalog::{MetricKind, SeriesRole};
use promaudit_diagnostics::Diagnostic;
use promql_parser::parser::{token, Expr};

declare_rule! {
    /// ## What it finds
    /// A counter compared with a threshold as it is, without `rate()` or `increase()`, by the
    /// catalog's (or built-in knowledge's) type: `node_network_receive_errs_total > 10`, or its
    /// raw totals aggregated first: `sum(http_requests_total) > 1000`.
    ///
    /// ## Why it matters
    /// A counter only goes up (until its process restarts). Compared raw, the condition turns
    /// true once the total passes the threshold and stays true for the life of the process: the
    /// alert fires forever after one burst, and stops after every restart. A sum of totals is no
    /// better: it grows with uptime and drops whenever one of its processes restarts.
    ///
    /// ## Example
    /// ```yaml
    /// expr: node_network_receive_errs_total > 10
    /// ```
    ///
    /// ## Fix
    /// Compare the change: `increase(node_network_receive_errs_total[5m]) > 10`, or
    /// `rate(…[5m]) > 0.1` per second.
    pub RawCounter {
        code: "functions/raw-counter",
        category: Suspicious,
        severity: Warning,
        summary: "A counter is compared with a threshold without rate() or increase()",
    }
}

impl Rule for RawCounter {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &FileContext, out: &mut Vec<Diagnostic>) {
        for (query, parsed) in cx.server_queries() {
            let mut selector_spans = std::collections::HashMap::new();
            parsed.walk(&mut |visit| {
                if let Expr::VectorSelector(_) = visit.expr {
                    selector_spans.insert(visit.expr as *const Expr, visit.spans.node);
                }
            });
            parsed.walk(&mut |visit| {
                let Expr::Binary(binary) = visit.expr else { return };
                let comparison = matches!(binary.op.id(), token::T_GTR | token::T_GTE | token::T_LSS | token::T_LTE);
                if !comparison || !matches!(binary.rhs.as_ref(), Expr::NumberLiteral(n) if n.val != 0.0) {
                    return;
                }
                let Some((selector, aggregation)) = raw_value(&binary.lhs) else { return };
                let Some(name) = selector_of(selector).and_then(selector_name) else { return };
                let Some((family, SeriesRole::Sample | SeriesRole::Total)) = cx.catalog.resolve_series_name(name) else { return };
                if family.kind != MetricKind::Counter {
                    return;
                }
                let Some(&span) = selector_spans.get(&(selector as *const Expr)) else { return };
                let (message, help) = match aggregation {
                    None => (
                        format!("`{name}` is a counter: compared raw, the condition stays true from the first time the total passes the threshold until the process restarts"),
                        format!("compare its change: `increase({name}[5m])` or `rate({name}[5m])`"),
                    ),
                    Some(op) => (
                        format!("`{name}` is a counter: `{op}` of its raw totals grows with uptime and drops at every restart, so the condition says how long the processes ran, not what happens now"),
                        format!("aggregate its change: `{op}(increase({name}[5m]))` or `{op}(rate({name}[5m]))`"),
                    ),
                };
                out.push(Self::META.diagnostic(query.file_span(span), message).with_help(help));
            });
        }
    }
}

/// The counter selector a compared value reads as it is: directly, or through parentheses and
/// aggregations that pass sample values on (`sum`, `max`, `topk`, …), with the outermost such
/// aggregation's name.
fn raw_value(expr: &Expr) -> Option<(&Expr, Option<String>)> {
    match expr {
        Expr::VectorSelector(_) => Some((expr, None)),
        Expr::Paren(paren) => raw_value(&paren.expr),
        Expr::Aggregate(agg) if matches!(agg.op.id(), token::T_SUM | token::T_AVG | token::T_MIN | token::T_MAX | token::T_TOPK | token::T_BOTTOMK | token::T_QUANTILE) => {
            let (selector, _) = raw_value(&agg.expr)?;
            Some((selector, Some(agg.op.to_string())))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::snapshot_with_catalog;

    const CATALOG: &str = "# TYPE errs_total counter\nerrs_total 1\n";

    #[test]
    fn raw_counter_threshold() {
        insta::assert_snapshot!(snapshot_with_catalog(&RawCounter, "r.yml", "groups:\n- name: a\n  rules:\n  - alert: A\n    expr: errs_total > 10\n", CATALOG));
    }

    #[test]
    fn aggregated_raw_counter_threshold() {
        insta::assert_snapshot!(snapshot_with_catalog(&RawCounter, "r.yml", "groups:\n- name: a\n  rules:\n  - alert: A\n    expr: sum by (job) ((errs_total)) > 1000\n", CATALOG));
    }

    #[test]
    fn rates_and_zero_checks_pass() {
        let text = "groups:\n- name: a\n  rules:\n  - alert: A\n    expr: increase(errs_total[5m]) > 10\n  - alert: B\n    expr: errs_total > 0\n  - alert: C\n    expr: sum(rate(errs_total[5m])) > 10\n  - alert: D\n    expr: count(errs_total) > 10\n";
        assert!(snapshot_with_catalog(&RawCounter, "r.yml", text, CATALOG).is_empty());
    }
}
