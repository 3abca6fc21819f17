//! Series-count estimates: how many series an expression reads and returns, from the catalog's
//! series counts and label value counts. Estimates assume label values spread evenly; they are
//! meant to tell 10 from 10,000, not 10 from 12.

use crate::MetricFacts;
use promql_parser::label::{MatchOp, METRIC_NAME};
use promql_parser::parser::{token, AggregateExpr, BinaryExpr, Expr, LabelModifier, VectorMatchCardinality, VectorSelector};

/// About how many series `expr` returns; `None` when a metric it reads was never counted.
pub fn estimate_series(expr: &Expr, facts: &dyn MetricFacts) -> Option<u64> {
    match expr {
        Expr::VectorSelector(vs) => selected(vs, facts),
        Expr::MatrixSelector(ms) => selected(&ms.vs, facts),
        Expr::Paren(p) => estimate_series(&p.expr, facts),
        Expr::Subquery(s) => estimate_series(&s.expr, facts),
        Expr::Unary(u) => estimate_series(&u.expr, facts),
        Expr::NumberLiteral(_) | Expr::StringLiteral(_) => Some(1),
        Expr::Extension(_) => None,
        Expr::Aggregate(agg) => aggregated(agg, facts),
        Expr::Call(call) => match call.func.name {
            "vector" | "time" | "pi" | "scalar" | "absent" | "absent_over_time" => Some(1),
            "histogram_quantile" | "histogram_fraction" => {
                let input = call.args.args.last()?;
                let buckets = first_selector(input).and_then(|name| facts.label_values_count(name, "le")).filter(|&n| n > 0).unwrap_or(1);
                Some(estimate_series(input, facts)?.div_ceil(buckets))
            }
            _ => call.args.args.iter().find(|a| !matches!(a.as_ref(), Expr::NumberLiteral(_) | Expr::StringLiteral(_))).map_or(Some(1), |a| estimate_series(a, facts)),
        },
        Expr::Binary(binary) => joined(binary, facts),
    }
}

/// The name of the first selector under `expr`.
pub fn first_selector(expr: &Expr) -> Option<&str> {
    match expr {
        Expr::VectorSelector(vs) => selector_name(vs),
        Expr::MatrixSelector(ms) => selector_name(&ms.vs),
        Expr::Paren(p) => first_selector(&p.expr),
        Expr::Subquery(s) => first_selector(&s.expr),
        Expr::Unary(u) => first_selector(&u.expr),
        Expr::Aggregate(a) => first_selector(&a.expr),
        Expr::Call(c) => c.args.args.iter().find_map(|a| first_selector(a)),
        Expr::Binary(b) => first_selector(&b.lhs).or_else(|| first_selector(&b.rhs)),
        _ => None,
    }
}

fn selector_name(vs: &VectorSelector) -> Option<&str> {
    vs.name.as_deref().or_else(|| vs.matchers.matchers.iter().find(|m| m.name == METRIC_NAME && m.op == MatchOp::Equal).map(|m| m.value.as_str()))
}

/// The metric's series count, divided by the value count of each label an equality pins.
fn selected(vs: &VectorSelector, facts: &dyn MetricFacts) -> Option<u64> {
    let name = selector_name(vs)?;
    let mut series = facts.series_count(name)?;
    for matcher in vs.matchers.matchers.iter().filter(|m| m.op == MatchOp::Equal && m.name != METRIC_NAME) {
        if let Some(values) = facts.label_values_count(name, &matcher.name).filter(|&n| n > 0) {
            series = series.div_ceil(values);
        }
    }
    Some(series)
}

fn aggregated(agg: &AggregateExpr, facts: &dyn MetricFacts) -> Option<u64> {
    let input = estimate_series(&agg.expr, facts)?;
    let groups = match &agg.modifier {
        None => 1,
        Some(LabelModifier::Exclude(_)) => input,
        Some(LabelModifier::Include(labels)) => {
            let metric = first_selector(&agg.expr);
            // A label the metric lacks groups nothing; an uncounted one could split every series.
            let product = labels.labels.iter().try_fold(1u64, |product, label| {
                let values = metric.and_then(|m| facts.label_values_count(m, label))?;
                Some(product.saturating_mul(values.max(1)))
            });
            product.unwrap_or(input)
        }
    };
    let per_group = match (agg.op.id(), agg.param.as_deref()) {
        (token::T_TOPK | token::T_BOTTOMK | token::T_LIMITK, Some(Expr::NumberLiteral(k))) => k.val.max(0.0) as u64,
        (token::T_TOPK | token::T_BOTTOMK | token::T_LIMITK | token::T_COUNT_VALUES, _) => return Some(input),
        _ => 1,
    };
    Some(groups.saturating_mul(per_group).min(input))
}

fn joined(binary: &BinaryExpr, facts: &dyn MetricFacts) -> Option<u64> {
    let lhs = estimate_series(&binary.lhs, facts);
    let rhs = estimate_series(&binary.rhs, facts);
    let scalar = |e: &Expr| e.value_type() == promql_parser::parser::value::ValueType::Scalar;
    match (scalar(&binary.lhs), scalar(&binary.rhs)) {
        (true, true) => return Some(1),
        (true, false) => return rhs,
        (false, true) => return lhs,
        _ => {}
    }
    match binary.op.id() {
        token::T_LAND | token::T_LUNLESS => lhs,
        token::T_LOR => Some(lhs?.saturating_add(rhs?)),
        _ => match binary.modifier.as_ref().map(|m| &m.card) {
            Some(VectorMatchCardinality::ManyToOne(_)) => lhs,
            Some(VectorMatchCardinality::OneToMany(_)) => rhs,
            // One-to-one: each result series pairs one series of each side.
            _ => match (lhs, rhs) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            },
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    struct Facts;

    impl MetricFacts for Facts {
        fn labels_of(&self, _: &str) -> Option<BTreeSet<String>> {
            None
        }

        fn value_of(&self, _: &str) -> Option<crate::SeriesValue> {
            None
        }

        fn series_count(&self, metric: &str) -> Option<u64> {
            match metric {
                "requests_total" => Some(40_000),
                "latency_seconds_bucket" => Some(12_000),
                _ => None,
            }
        }

        fn label_values_count(&self, _: &str, label: &str) -> Option<u64> {
            match label {
                "pod" => Some(2_000),
                "status" => Some(5),
                "route" => Some(4),
                "le" => Some(12),
                "user_id" => Some(0),
                _ => None,
            }
        }
    }

    fn estimate(query: &str) -> Option<u64> {
        estimate_series(&promql_parser::parser::parse(query).unwrap(), &Facts)
    }

    #[test]
    fn selectors_and_aggregations() {
        assert_eq!(estimate("requests_total"), Some(40_000));
        assert_eq!(estimate("requests_total{status=\"500\"}"), Some(8_000));
        assert_eq!(estimate("sum(rate(requests_total[5m]))"), Some(1));
        assert_eq!(estimate("sum by (status, route) (rate(requests_total[5m]))"), Some(20));
        assert_eq!(estimate("sum by (pod) (requests_total)"), Some(2_000));
        assert_eq!(estimate("sum by (user_id) (requests_total)"), Some(1));
        assert_eq!(estimate("sum by (unknown) (requests_total)"), Some(40_000));
        assert_eq!(estimate("topk(5, requests_total)"), Some(5));
        assert_eq!(estimate("unknown_metric"), None);
    }

    #[test]
    fn histograms_and_joins() {
        assert_eq!(estimate("histogram_quantile(0.9, rate(latency_seconds_bucket[5m]))"), Some(1_000));
        assert_eq!(estimate("rate(requests_total[5m]) / on(pod) group_left sum by (pod) (requests_total)"), Some(40_000));
        assert_eq!(estimate("requests_total > 5"), Some(40_000));
    }
}
