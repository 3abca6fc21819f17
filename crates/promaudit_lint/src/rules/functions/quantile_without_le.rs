use crate::context::FileContext;
use crate::declare_rule;
use crate::registry::{Rule, RuleMeta};
use promaudit_diagnostics::Diagnostic;
use promaudit_semantic::infer_labels;
use promql_parser::parser::Expr;

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
                if !infer_labels(visit.expr, cx.catalog).lacks("le") {
                    return;
                }
                let culprit = visit.spans.grouping.as_ref().map_or(visit.spans.node, |clause| clause.span);
                out.push(
                    Self::META
                        .diagnostic(query.file_span(culprit), "this drops the `le` label that `histogram_quantile` needs: the result is always empty")
                        .with_label(query.file_span(*call_span), "the quantile is computed here")
                        .with_help("keep the buckets: add `le` to the `by (…)` clause"),
                );
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::snapshot;

    #[test]
    fn aggregation_without_le() {
        insta::assert_snapshot!(snapshot(&QuantileWithoutLe, "r.yml", "groups:\n- name: a\n  rules:\n  - record: job:x:p95\n    expr: histogram_quantile(0.95, sum by (job) (rate(x_bucket[5m])))\n"));
    }

    #[test]
    fn aggregation_with_le() {
        assert!(snapshot(&QuantileWithoutLe, "r.yml", "groups:\n- name: a\n  rules:\n  - record: job:x:p95\n    expr: histogram_quantile(0.95, sum(rate(x_bucket[5m])) by (le, job))\n").is_empty());
    }
}
