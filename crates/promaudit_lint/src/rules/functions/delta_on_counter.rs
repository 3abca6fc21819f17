use crate::context::{selector_name, selector_of, FileContext};
use crate::declare_rule;
use crate::registry::{Rule, RuleMeta};
use promaudit_diagnostics::Diagnostic;
use promql_parser::parser::Expr;

declare_rule! {
    /// ## What it finds
    /// `delta` and `idelta` applied to a counter, by the catalog's (or built-in knowledge's)
    /// type: `delta(http_requests_total[5m])`.
    ///
    /// ## Why it matters
    /// These functions are for gauges: they take the difference between samples as it is. A
    /// counter drops to zero when its process restarts, and across that drop the difference is
    /// a large negative number: the alert misses the window's events, or a panel dips below zero.
    /// `increase()` and `rate()` detect the reset and add the lost total back.
    ///
    /// ## Example
    /// ```yaml
    /// expr: delta(http_requests_total[5m]) > 10
    /// ```
    ///
    /// ## Fix
    /// Use `increase(http_requests_total[5m])` for the change over the window, or `irate()`
    /// for the per-second change between the last two samples.
    pub DeltaOnCounter {
        code: "functions/delta-on-counter",
        category: Correctness,
        severity: Warning,
        summary: "A gauge function (delta, idelta) is applied to a counter",
    }
}

impl Rule for DeltaOnCounter {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &FileContext, out: &mut Vec<Diagnostic>) {
        for (query, parsed) in cx.parsed_queries() {
            parsed.walk(&mut |visit| {
                let Expr::Call(call) = visit.expr else { return };
                let alternative = match call.func.name {
                    "delta" => "increase",
                    "idelta" => "irate",
                    _ => return,
                };
                let Some(name) = call.args.args.first().and_then(|a| selector_of(a)).and_then(selector_name) else { return };
                let Some((family, role)) = cx.catalog.resolve_series_name(name) else { return };
                if !family.series_value(role).counter {
                    return;
                }
                let span = query.file_span(visit.spans.name.unwrap_or(visit.spans.node));
                out.push(
                    Self::META
                        .diagnostic(span, format!("`{name}` is a counter: `{}` takes its drop to zero at a restart as a large negative change", call.func.name))
                        .with_help(format!("use `{alternative}({name}[…])`, which adds back what a reset lost")),
                );
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::snapshot_with_catalog;

    const CATALOG: &str = "# TYPE queue_depth gauge\nqueue_depth 1\n# TYPE req_total counter\nreq_total 1\n# TYPE latency_seconds histogram\nlatency_seconds_count 1\n";

    #[test]
    fn delta_of_a_counter_and_of_a_histogram_count() {
        let text = "groups:\n- name: a\n  rules:\n  - record: a:b:c\n    expr: delta(req_total[5m])\n  - record: a:b:d\n    expr: idelta(latency_seconds_count[5m])\n";
        insta::assert_snapshot!(snapshot_with_catalog(
            &DeltaOnCounter,
            "r.yml",
            text,
            CATALOG
        ));
    }

    #[test]
    fn delta_of_a_gauge_and_increase_of_a_counter_pass() {
        let text = "groups:\n- name: a\n  rules:\n  - record: a:b:c\n    expr: delta(queue_depth[5m]) + increase(req_total[5m]) + delta(unknown_total[5m])\n";
        assert!(snapshot_with_catalog(&DeltaOnCounter, "r.yml", text, CATALOG).is_empty());
    }
}
