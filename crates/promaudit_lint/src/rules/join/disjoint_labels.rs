use crate::context::FileContext;
use crate::declare_rule;
use crate::registry::{Rule, RuleMeta};
use promaudit_diagnostics::Diagnostic;
use promaudit_semantic::LabelSet;
use promql_parser::label::METRIC_NAME;
use promql_parser::parser::{token, Expr};
use std::collections::BTreeSet;

declare_rule! {
    /// ## What it finds
    /// Binary operations between two vectors without `on(…)` or `ignoring(…)` whose label sets
    /// are known exactly and differ, such as `sum by (job) (a) / sum by (instance) (b)`.
    ///
    /// ## Why it matters
    /// Without `on`/`ignoring`, series match only when all their labels are equal. Two sides
    /// with different label sets never match, so the result is always empty: the ratio panel
    /// shows nothing and the alert can never fire.
    ///
    /// ## Example
    /// ```yaml
    /// expr: sum by (job) (rate(errors_total[5m])) / sum by (job, instance) (rate(requests_total[5m]))
    /// ```
    ///
    /// ## Fix
    /// Aggregate both sides by the same labels, or say which labels to match with `on(…)`.
    pub DisjointLabels {
        code: "join/disjoint-labels",
        category: Correctness,
        severity: Error,
        summary: "Vector matching without `on(…)` between label sets that cannot be equal",
    }
}

impl Rule for DisjointLabels {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &FileContext, out: &mut Vec<Diagnostic>) {
        for (query, parsed) in cx.parsed_queries() {
            parsed.walk(&mut |visit| {
                let Expr::Binary(binary) = visit.expr else { return };
                if binary.modifier.as_ref().is_some_and(|m| m.matching.is_some()) || matches!(binary.op.id(), token::T_LOR | token::T_LUNLESS | token::T_LAND) {
                    return;
                }
                if [&binary.lhs, &binary.rhs].iter().any(|side| side.value_type() != promql_parser::parser::value::ValueType::Vector) {
                    return;
                }
                let (Some(lhs), Some(rhs)) = (exact(cx.labels(query, &binary.lhs)), exact(cx.labels(query, &binary.rhs))) else { return };
                if lhs == rhs {
                    return;
                }
                let describe = |set: &BTreeSet<String>| if set.is_empty() { "no labels".to_string() } else { format!("({})", set.iter().cloned().collect::<Vec<_>>().join(", ")) };
                let shared: Vec<String> = lhs.intersection(&rhs).cloned().collect();
                let help = if shared.is_empty() { "aggregate both sides by the same labels".to_string() } else { format!("match on the shared labels: `on({})`, or aggregate both sides alike", shared.join(", ")) };
                let span = query.file_span(visit.spans.op.unwrap_or(visit.spans.node));
                out.push(Self::META.diagnostic(span, format!("the left-hand side has {} and the right-hand side {}: without `on(…)` no series ever match, so the result is always empty", describe(&lhs), describe(&rhs))).with_help(help));
            });
        }
    }
}

/// The labels a side carries when known exactly, the metric name aside (matching ignores it).
fn exact(set: LabelSet) -> Option<BTreeSet<String>> {
    if !set.is_exact() {
        return None;
    }
    let mut labels = set.certain;
    labels.remove(METRIC_NAME);
    Some(labels)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::snapshot;

    #[test]
    fn differently_aggregated_sides() {
        insta::assert_snapshot!(snapshot(&DisjointLabels, "r.yml", "groups:\n- name: a\n  rules:\n  - record: job:err:ratio\n    expr: sum by (job) (rate(e[5m])) / sum by (job, instance) (rate(r[5m]))\n"));
    }

    #[test]
    fn matching_aggregations_and_explicit_on_pass() {
        let text = "groups:\n- name: a\n  rules:\n  - record: a:b:c\n    expr: sum by (job) (rate(e[5m])) / sum by (job) (rate(r[5m]))\n  - record: a:b:d\n    expr: sum by (job) (e) / on(job) sum by (job, instance) (r)\n  - record: a:b:e\n    expr: sum(e) / sum(r)\n";
        assert!(snapshot(&DisjointLabels, "r.yml", text).is_empty());
    }
}
