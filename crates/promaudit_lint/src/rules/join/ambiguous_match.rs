use crate::context::{selector_name, selector_of, FileContext};
use crate::declare_rule;
use crate::registry::{Rule, RuleMeta};
use promaudit_catalog::Catalog;
use promaudit_diagnostics::Diagnostic;
use promql_parser::label::{MatchOp, METRIC_NAME};
use promql_parser::parser::{token, Expr, LabelModifier, VectorMatchCardinality};
use std::collections::BTreeSet;

declare_rule! {
    /// ## What it finds
    /// One-to-one vector matching (`a + on(x) b` without `group_left`/`group_right`) where the
    /// catalog shows that one side has several series for the same matching labels: they differ
    /// in a label that `on(…)` leaves out (or that `ignoring(…)` drops).
    ///
    /// ## Why it matters
    /// Prometheus refuses to guess which series to pair: every evaluation fails with "found
    /// duplicate series for the match group" (many-to-one) or "many-to-many matching not
    /// allowed". A recording rule then records nothing, an alert never evaluates.
    ///
    /// ## Example
    /// ```yaml
    /// - record: joined
    ///   expr: join_1 + on(a) join_2
    /// ```
    /// when `join_2` has the series `{a="1",b="3"}` and `{a="1",b="4"}`.
    ///
    /// ## Fix
    /// Aggregate the side with several series away (`sum by (a) (join_2)`), add the
    /// distinguishing label to `on(…)`, or say which side is the "many" with
    /// `group_left`/`group_right`.
    pub AmbiguousMatch {
        code: "join/ambiguous-match",
        category: Correctness,
        severity: Warning,
        summary: "One-to-one matching where a side has several series per match group",
    }
}

impl Rule for AmbiguousMatch {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &FileContext, out: &mut Vec<Diagnostic>) {
        if cx.catalog.is_empty() {
            return;
        }
        for (query, parsed) in cx.parsed_queries() {
            parsed.walk(&mut |visit| {
                let Expr::Binary(binary) = visit.expr else { return };
                let Some(modifier) = &binary.modifier else { return };
                let set_operation = matches!(binary.op.id(), token::T_LAND | token::T_LOR | token::T_LUNLESS);
                if set_operation || modifier.card != VectorMatchCardinality::OneToOne {
                    return;
                }
                let Some(matching) = &modifier.matching else { return };
                let sides = [("left-hand", binary.lhs.as_ref()), ("right-hand", binary.rhs.as_ref())];
                let ambiguous: Vec<(&str, String, String)> = sides.iter().filter_map(|(side, expr)| distinguishing_label(expr, matching, cx.catalog).map(|(metric, label)| (*side, metric, label))).collect();
                let Some((side, metric, label)) = ambiguous.first() else { return };
                let span = visit.spans.grouping.as_ref().map_or(visit.spans.node, |clause| clause.span);
                let failure = if ambiguous.len() == 2 { "many-to-many matching not allowed" } else { "found duplicate series for the match group" };
                out.push(
                    Self::META
                        .diagnostic(query.file_span(span), format!("the {side} side `{metric}` has several series per match group (they differ in `{label}`): every evaluation fails with \"{failure}\""))
                        .with_help(format!("aggregate `{label}` away on the {side} side, match on `{label}` too, or use group_left/group_right")),
                );
            });
        }
    }
}

/// The metric and a label that tells apart series sharing the same matching labels, when the
/// side is a plain selector (or a function keeping its series) of a metric the catalog knows.
fn distinguishing_label(expr: &Expr, matching: &LabelModifier, catalog: &Catalog) -> Option<(String, String)> {
    let selector = series_selector(expr)?;
    let name = selector_name(selector)?;
    let (family, _) = catalog.resolve_series_name(name).filter(|(f, _)| !f.origin.is_builtin())?;
    let pinned: BTreeSet<&str> = selector.matchers.matchers.iter().filter(|m| m.op == MatchOp::Equal).map(|m| m.name.as_str()).collect();
    let listed: BTreeSet<&str> = matching.labels().labels.iter().map(String::as_str).collect();
    family
        .labels
        .iter()
        .filter(|(label, stats)| stats.distinct > 1 && label.as_str() != METRIC_NAME && label.as_str() != "le" && !pinned.contains(label.as_str()))
        // `on(x)` matches on x only: any other label can tell series apart. `ignoring(x)` drops x.
        .find(|(label, _)| match matching {
            LabelModifier::Include(_) => !listed.contains(label.as_str()),
            LabelModifier::Exclude(_) => listed.contains(label.as_str()),
        })
        .map(|(label, _)| (name.to_string(), label.clone()))
}

/// The selector under functions that keep one output series per input series.
fn series_selector(expr: &Expr) -> Option<&promql_parser::parser::VectorSelector> {
    match expr {
        Expr::Paren(p) => series_selector(&p.expr),
        Expr::Call(call) if !matches!(call.func.name, "absent" | "absent_over_time" | "vector" | "scalar" | "label_replace" | "label_join") => series_selector(call.args.args.iter().find(|a| selector_of(a).is_some())?),
        _ => selector_of(expr),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::snapshot_with_catalog;

    const CATALOG: &str = "join_1{a=\"1\",b=\"2\"} 1\njoin_2{a=\"1\",b=\"3\"} 2\njoin_2{a=\"1\",b=\"4\"} 3\n";

    #[test]
    fn one_side_has_two_series_per_group() {
        insta::assert_snapshot!(snapshot_with_catalog(&AmbiguousMatch, "r.yml", "groups:\n  - name: bad-example\n    rules:\n      - record: joined\n        expr: join_1 + on(a) join_2\n", CATALOG));
    }

    #[test]
    fn unique_sides_and_explicit_grouping_pass() {
        let text = "groups:\n  - name: ok\n    rules:\n      - record: a\n        expr: join_1 + on(a) sum by (a) (join_2)\n      - record: b\n        expr: join_1 + on(a) group_right join_2\n      - record: c\n        expr: join_1 + on(a, b) join_2{b=\"3\"}\n";
        assert!(snapshot_with_catalog(&AmbiguousMatch, "r.yml", text, CATALOG).is_empty());
    }
}
