use crate::context::{selector_name, FileContext};
use crate::declare_rule;
use crate::registry::{Rule, RuleMeta};
use promaudit_diagnostics::Diagnostic;
use promaudit_semantic::MetricFacts;
use promaudit_source::artifact::{QueryRole, QuerySite, SloFormat};
use promql_parser::parser::Expr;
use std::collections::HashSet;

declare_rule! {
    /// ## What it finds
    /// SLI queries (Sloth, OpenSLO, the seed's SLI list) that sum counters before taking their
    /// rate — `rate(sum(http_requests_total)[5m:])` — or divide raw counters without any rate:
    /// `sum(http_requests_total{code=~"5.."}) / sum(http_requests_total)`. A counter is known by
    /// the catalog's type, or by the `_total` suffix of a metric the catalog does not know.
    ///
    /// ## Why it matters
    /// `rate()` repairs counter resets per series. Summed first, one instance restarting drops
    /// the sum, and `rate` reads the drop as a reset of the whole sum: the window counts the
    /// remaining total again and the error ratio jumps. Raw counters divide the totals since each
    /// process started: the ratio barely moves during an incident, and the SLO never burns.
    ///
    /// ## Example
    /// ```yaml
    /// error_query: rate(sum(http_requests_total{code=~"5.."})[{{.window}}:])
    /// total_query: sum(http_requests_total)
    /// ```
    ///
    /// ## Fix
    /// Rate each series, then sum: `sum(rate(http_requests_total{code=~"5.."}[{{.window}}]))`.
    pub RateThenSum {
        code: "slo/rate-then-sum",
        category: Correctness,
        severity: Error,
        summary: "An SLI sums counters before rating them, or divides raw counters",
    }
}

const RATE_FUNCTIONS: &[&str] = &["rate", "irate", "increase"];

impl Rule for RateThenSum {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &FileContext, out: &mut Vec<Diagnostic>) {
        // Pyrra's indicators name bare selectors and Pyrra writes the rate around them.
        let sli_sites: Vec<_> = cx.slo_specs().filter(|s| s.format != SloFormat::Pyrra).flat_map(|s| s.slos.iter().flat_map(|slo| &slo.queries)).collect();
        let is_sli = |site: &QuerySite| matches!(site.role, QueryRole::SliQuery { .. }) || sli_sites.iter().any(|s| std::ptr::eq(*s, site));
        for (query, parsed) in cx.parsed_queries().filter(|(q, _)| is_sli(q.site)) {
            let under_subquery = nodes_under_subqueries(&parsed.expr);
            parsed.walk(&mut |visit| match visit.expr {
                Expr::Call(call) if RATE_FUNCTIONS.contains(&call.func.name) => {
                    let Some(Expr::Subquery(subquery)) = call.args.args.first().map(|a| a.as_ref()) else { return };
                    if !matches!(unparenthesized(&subquery.expr), Expr::Aggregate(_)) {
                        return;
                    }
                    let name = call.func.name;
                    let message = format!("`{name}` over an aggregation: one series restarting drops the sum, `{name}` takes the drop for a counter reset, and the ratio jumps");
                    out.push(Self::META.diagnostic(query.file_span(visit.spans.name.unwrap_or(visit.spans.node)), message).with_help(format!("take `{name}` of each series first, then aggregate: `sum({name}(metric[window]))`")));
                }
                Expr::VectorSelector(selector) if !under_subquery.contains(&(visit.expr as *const Expr)) => {
                    let Some(name) = selector_name(selector) else { return };
                    if !is_counter(cx.catalog, name) {
                        return;
                    }
                    let message = format!("`{name}` is a counter read raw: the ratio divides totals since each process started, and barely moves during an incident");
                    out.push(Self::META.diagnostic(query.file_span(visit.spans.node), message).with_help(format!("divide rates over the SLI window: `rate({name}[window])`")));
                }
                _ => {}
            });
        }
    }
}

fn is_counter(catalog: &promaudit_catalog::Catalog, name: &str) -> bool {
    match catalog.value_of(name) {
        Some(value) => value.counter,
        None => name.ends_with("_total"),
    }
}

fn unparenthesized(expr: &Expr) -> &Expr {
    match expr {
        Expr::Paren(p) => unparenthesized(&p.expr),
        other => other,
    }
}

/// Nodes inside a subquery's expression: instant selectors there are rated by the subquery's
/// caller, not read raw.
fn nodes_under_subqueries(expr: &Expr) -> HashSet<*const Expr> {
    let mut found = HashSet::new();
    let mut stack = vec![(expr, false)];
    while let Some((node, inside)) = stack.pop() {
        if inside {
            found.insert(node as *const Expr);
        }
        let inside = inside || matches!(node, Expr::Subquery(_));
        stack.extend(promaudit_promql::children(node).into_iter().map(|child| (child, inside)));
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::snapshot;

    #[test]
    fn summed_before_rate_and_raw_counters() {
        let text = "version: prometheus/v1\nservice: api\nslos:\n- name: a\n  objective: 99.9\n  sli:\n    events:\n      error_query: rate(sum(http_requests_total{code=~\"5..\"})[{{.window}}:])\n      total_query: sum(http_requests_total)\n- name: b\n  objective: 99.9\n  sli:\n    events:\n      error_query: sum(rate(http_requests_total{code=~\"5..\"}[{{.window}}]))\n      total_query: sum(rate(http_requests_total[{{.window}}]))\n";
        insta::assert_snapshot!(snapshot(&RateThenSum, "slo.yml", text));
    }

    #[test]
    fn pyrra_selectors_and_gauges_pass() {
        let pyrra = "apiVersion: pyrra.dev/v1alpha1\nkind: ServiceLevelObjective\nmetadata:\n  name: api\nspec:\n  target: \"99\"\n  window: 4w\n  indicator:\n    ratio:\n      errors:\n        metric: http_requests_total{code=~\"5..\"}\n      total:\n        metric: http_requests_total\n";
        assert!(snapshot(&RateThenSum, "slo.yml", pyrra).is_empty());
        let gauge = "version: prometheus/v1\nservice: api\nslos:\n- name: a\n  objective: 99.9\n  sli:\n    raw:\n      error_ratio_query: avg_over_time(slo:error_ratio[{{.window}}]) / max(up)\n";
        assert!(snapshot(&RateThenSum, "slo.yml", gauge).is_empty());
    }
}
