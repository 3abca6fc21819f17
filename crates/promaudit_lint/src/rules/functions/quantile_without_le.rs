use crate::context::FileContext;
use crate::declare_rule;
use crate::registry::{Rule, RuleMeta};
use crate::context::CheckedQuery;
use promaudit_diagnostics::{Diagnostic, Edit, Fix};
use promaudit_promql::NodeSpans;
use promql_parser::parser::{Expr, LabelModifier};

declare_rule! {
    /// ## What it finds
    /// `histogram_quantile` over an expression that has lost the `le` label, typically an
    /// aggregation without `le` in its `by (…)`.
    ///
    /// ## Why it matters
    /// `histogram_quantile` computes the quantile from the buckets, which are told apart by `le`.
    /// Without it there are no buckets and the result is empty: the latency panel is blank and the
    /// latency alert never fires.
    ///
    /// ## Example
    /// ```yaml
    /// expr: histogram_quantile(0.95, sum by (job) (rate(http_request_duration_seconds_bucket[5m])))
    /// ```
    ///
    /// ## Fix
    /// Keep `le`: `sum by (job, le) (rate(http_request_duration_seconds_bucket[5m]))`.
    pub QuantileWithoutLe {
        code: "functions/quantile-without-le",
        category: Correctness,
        severity: Error,
        summary: "`histogram_quantile` over an expression without the `le` label",
        fix: "adds `le` to the aggregation's `by (…)`, or aggregates `by (le)`",
    }
}

impl Rule for QuantileWithoutLe {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &FileContext, out: &mut Vec<Diagnostic>) {
        for (query, parsed) in cx.parsed_queries() {
            let mut quantile_inputs = Vec::new();
            parsed.walk(&mut |visit| {
                if let Expr::Call(call) = visit.expr {
                    if call.func.name == "histogram_quantile" {
                        if let Some(input) = call.args.args.get(1) {
                            quantile_inputs.push((input.as_ref() as *const Expr, visit.spans.node));
                        }
                    }
                }
            });
            if quantile_inputs.is_empty() {
                continue;
            }
            // The input node's own spans point at what dropped `le` (the `by (…)` clause).
            parsed.walk(&mut |visit| {
                let Some((_, call_span)) = quantile_inputs.iter().find(|(input, _)| std::ptr::eq(*input, visit.expr)) else { return };
                if !cx.labels(query, visit.expr).lacks("le") {
                    return;
                }
                let culprit = visit.spans.grouping.as_ref().map_or(visit.spans.node, |clause| clause.span);
                let diagnostic = Self::META
                    .diagnostic(query.file_span(culprit), "this drops the `le` label that `histogram_quantile` needs: the result is always empty")
                    .with_label(query.file_span(*call_span), "the quantile is computed here")
                    .with_help("keep the buckets: add `le` to the `by (…)` clause");
                out.push(match keep_le(query, visit.expr, visit.spans) {
                    Some(fix) => diagnostic.with_fix(fix),
                    None => diagnostic,
                });
            });
        }
    }
}

/// Adds `le` to an aggregation's `by (…)`, or gives an aggregation without a clause `by (le)`.
/// Other inputs (`without (le)`, a function dropping the label) have no one obvious fix.
fn keep_le(query: &CheckedQuery, expr: &Expr, spans: &NodeSpans) -> Option<Fix> {
    let Expr::Aggregate(aggregate) = expr else { return None };
    match (&aggregate.modifier, &spans.grouping) {
        (Some(LabelModifier::Include(_)), Some(clause)) => {
            let edit = match clause.labels.last() {
                Some((_, last)) => Edit::insert(query.file_span(*last).end, ", le"),
                // `by ()`: right after the opening parenthesis.
                None => Edit::insert(query.file_span(clause.span).end - 1, "le"),
            };
            Some(Fix::new("Add `le` to `by (…)`", vec![edit]))
        }
        (None, None) => Some(Fix::new("Aggregate `by (le)`", vec![Edit::insert(query.file_span(spans.name?).end, " by (le)")])),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{check, fixed, snapshot};

    #[test]
    fn aggregation_without_le() {
        insta::assert_snapshot!(snapshot(&QuantileWithoutLe, "r.yml", "groups:\n- name: a\n  rules:\n  - record: job:x:p95\n    expr: histogram_quantile(0.95, sum by (job) (rate(x_bucket[5m])))\n"));
    }

    #[test]
    fn aggregation_with_le() {
        assert!(snapshot(&QuantileWithoutLe, "r.yml", "groups:\n- name: a\n  rules:\n  - record: job:x:p95\n    expr: histogram_quantile(0.95, sum(rate(x_bucket[5m])) by (le, job))\n").is_empty());
    }

    #[test]
    fn the_fix_adds_le_to_by_or_aggregates_by_le() {
        let text = |expr: &str| format!("groups:\n- name: a\n  rules:\n  - record: job:x:p95\n    expr: |\n      {expr}\n");
        let fix = |expr: &str| fixed(&QuantileWithoutLe, "r.yml", &text(expr), "");
        assert_eq!(fix("histogram_quantile(0.95, sum by (job) (rate(x_bucket[5m])))"), text("histogram_quantile(0.95, sum by (job, le) (rate(x_bucket[5m])))"));
        assert_eq!(fix("histogram_quantile(0.95, sum(rate(x_bucket[5m])) by ())"), text("histogram_quantile(0.95, sum(rate(x_bucket[5m])) by (le))"));
        assert_eq!(fix("histogram_quantile(0.9, max(rate(x_bucket[5m])))"), text("histogram_quantile(0.9, max by (le)(rate(x_bucket[5m])))"));
    }

    #[test]
    fn without_le_has_no_mechanical_fix() {
        assert!(check(&QuantileWithoutLe, "r.yml", "groups:\n- name: a\n  rules:\n  - record: a:b\n    expr: histogram_quantile(0.9, sum without (le) (rate(x_bucket[5m])))\n").iter().all(|d| d.fix.is_none()));
    }
}
