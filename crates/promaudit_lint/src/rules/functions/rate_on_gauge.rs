use crate::context::{selector_name, selector_of, FileContext};
use crate::declare_rule;
use crate::registry::{Rule, RuleMeta};
use promaudit_catalog::{MetricKind, SeriesRole};
use promaudit_diagnostics::Diagnostic;
use promql_parser::parser::Expr;

declare_rule! {
    /// ## What it finds
    /// `rate`, `irate`, `increase` and `resets` applied to a gauge, by the catalog's type.
    ///
    /// ## Why it matters
    /// These functions assume a counter: every decrease is taken for a counter reset and added
    /// back. On a gauge that goes up and down (memory, queue depth, temperature) the result is
    /// inflated nonsense.
    ///
    /// ## Example
    /// ```yaml
    /// expr: rate(container_memory_usage_bytes[5m]) > 1e6
    /// ```
    ///
    /// ## Fix
    /// Use `deriv()` for the per-second change of a gauge, or `delta()` for the change over the
    /// window.
    pub RateOnGauge {
        code: "functions/rate-on-gauge",
        category: Correctness,
        severity: Warning,
        summary: "A counter function is applied to a gauge",
    }
}

impl Rule for RateOnGauge {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &FileContext, out: &mut Vec<Diagnostic>) {
        for (query, parsed) in cx.parsed_queries() {
            parsed.walk(&mut |visit| {
                let Expr::Call(call) = visit.expr else { return };
                let alternative = match call.func.name {
                    "rate" | "irate" => "deriv",
                    "increase" => "delta",
                    "resets" => "changes",
                    _ => return,
                };
                let Some(name) = call.args.args.first().and_then(|a| selector_of(a)).and_then(selector_name) else { return };
                let Some((family, SeriesRole::Sample)) = cx.catalog.resolve_series_name(name) else { return };
                if family.kind != MetricKind::Gauge {
                    return;
                }
                let span = query.file_span(visit.spans.name.unwrap_or(visit.spans.node));
                out.push(
                    Self::META
                        .diagnostic(span, format!("`{}` treats every decrease of `{name}` as a counter reset, but `{name}` is a gauge", call.func.name))
                        .with_help(format!("use `{alternative}({name}[…])` for a gauge")),
                );
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::snapshot_with_catalog;

    const CATALOG: &str = "# TYPE mem_bytes gauge\nmem_bytes 1\n# TYPE req_total counter\nreq_total 1\n";

    #[test]
    fn rate_of_a_gauge() {
        insta::assert_snapshot!(snapshot_with_catalog(&RateOnGauge, "r.yml", "groups:\n- name: a\n  rules:\n  - record: a:b:c\n    expr: rate(mem_bytes[5m])\n", CATALOG));
    }

    #[test]
    fn rate_of_a_counter() {
        assert!(snapshot_with_catalog(&RateOnGauge, "r.yml", "groups:\n- name: a\n  rules:\n  - record: a:b:c\n    expr: rate(req_total[5m])\n", CATALOG).is_empty());
    }
}
