use crate::context::{selector_name, selector_of, FileContext};
use crate::declare_rule;
use crate::registry::{Rule, RuleMeta};
use promaudit_catalog::{MetricKind, SeriesRole};
use promaudit_diagnostics::Diagnostic;
use promql_parser::parser::{token, Expr};

declare_rule! {
    /// ## What it finds
    /// A counter compared with a threshold as it is, without `rate()` or `increase()`, by the
    /// catalog's (or built-in knowledge's) type: `node_network_receive_errs_total > 10`.
    ///
    /// ## Why it matters
    /// A counter only goes up (until its process restarts). Compared raw, the condition turns
    /// true once the total passes the threshold and stays true for the life of the process: the
    /// alert fires forever after one burst, and stops after every restart.
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
                let Expr::VectorSelector(_) = binary.lhs.as_ref() else { return };
                let Some(name) = selector_of(&binary.lhs).and_then(selector_name) else { return };
                let Some((family, SeriesRole::Sample | SeriesRole::Total)) = cx.catalog.resolve_series_name(name) else { return };
                if family.kind != MetricKind::Counter {
                    return;
                }
                let Some(&span) = selector_spans.get(&(binary.lhs.as_ref() as *const Expr)) else { return };
                out.push(
                    Self::META
                        .diagnostic(query.file_span(span), format!("`{name}` is a counter: compared raw, the condition stays true from the first time the total passes the threshold until the process restarts"))
                        .with_help(format!("compare its change: `increase({name}[5m])` or `rate({name}[5m])`")),
                );
            });
        }
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
    fn rates_and_zero_checks_pass() {
        let text = "groups:\n- name: a\n  rules:\n  - alert: A\n    expr: increase(errs_total[5m]) > 10\n  - alert: B\n    expr: errs_total > 0\n";
        assert!(snapshot_with_catalog(&RawCounter, "r.yml", text, CATALOG).is_empty());
    }
}
