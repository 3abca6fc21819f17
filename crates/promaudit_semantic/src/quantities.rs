//! What an expression measures, independent of how it is written: "the 95th percentile of
//! `x_seconds`", "the ratio of `errors_total` to `requests_total`". Alerts, SLOs and dashboard
//! panels that measure the same quantity can then be compared, whatever their grouping.

use promql_parser::label::{MatchOp, METRIC_NAME};
use promql_parser::parser::{token, Expr, VectorSelector};

#[derive(Clone, Debug, PartialEq)]
pub enum Quantity {
    /// `histogram_quantile(q, … histogram_bucket …)`, by the histogram's name without `_bucket`.
    Quantile { histogram: String, quantile: f64 },
    /// A ratio of two rates or increases, by the numerator's and denominator's metrics.
    Ratio { numerator: String, denominator: String },
}

impl Quantity {
    /// "the p95 of `x_seconds`", "the ratio of `errors_total` to `requests_total`".
    pub fn describe(&self) -> String {
        match self {
            Quantity::Quantile { histogram, quantile } => format!("p{} of `{histogram}`", quantile * 100.0),
            Quantity::Ratio { numerator, denominator } => format!("the ratio of `{numerator}` to `{denominator}`"),
        }
    }
}

/// The quantity `expr` measures, and the factor its value carries (100 for `… * 100`).
pub fn measured_quantity(expr: &Expr) -> Option<(Quantity, f64)> {
    match expr {
        Expr::Paren(p) => measured_quantity(&p.expr),
        Expr::Aggregate(a) if matches!(a.op.id(), token::T_MAX | token::T_MIN | token::T_AVG) => measured_quantity(&a.expr),
        Expr::Binary(b) if b.op.id() == token::T_MUL => match (number(&b.lhs), number(&b.rhs)) {
            (Some(c), None) => measured_quantity(&b.rhs).map(|(q, f)| (q, f * c)),
            (None, Some(c)) => measured_quantity(&b.lhs).map(|(q, f)| (q, f * c)),
            _ => None,
        },
        Expr::Binary(b) if b.op.id() == token::T_DIV => {
            let numerator = counted_metric(&b.lhs)?;
            let denominator = counted_metric(&b.rhs)?;
            Some((Quantity::Ratio { numerator, denominator }, 1.0))
        }
        Expr::Call(call) if call.func.name == "histogram_quantile" => {
            let quantile = number(call.args.args.first()?)?;
            let bucket = first_selector(call.args.args.get(1)?)?;
            let histogram = selector_name(bucket)?.strip_suffix("_bucket")?.to_string();
            Some((Quantity::Quantile { histogram, quantile }, 1.0))
        }
        _ => None,
    }
}

/// The metric under `sum(rate(m[…]))` and the like: a single counted metric.
fn counted_metric(expr: &Expr) -> Option<String> {
    match expr {
        Expr::Paren(p) => counted_metric(&p.expr),
        Expr::Aggregate(a) if a.op.id() == token::T_SUM => counted_metric(&a.expr),
        Expr::Call(call) if matches!(call.func.name, "rate" | "increase" | "irate") => selector_name(first_selector(call.args.args.first()?)?).map(str::to_string),
        _ => None,
    }
}

fn number(expr: &Expr) -> Option<f64> {
    match expr {
        Expr::NumberLiteral(n) => Some(n.val),
        Expr::Paren(p) => number(&p.expr),
        _ => None,
    }
}

fn first_selector(expr: &Expr) -> Option<&VectorSelector> {
    match expr {
        Expr::VectorSelector(vs) => Some(vs),
        Expr::MatrixSelector(ms) => Some(&ms.vs),
        Expr::Paren(p) => first_selector(&p.expr),
        Expr::Aggregate(a) => first_selector(&a.expr),
        Expr::Call(c) => c.args.args.iter().find_map(|a| first_selector(a)),
        Expr::Subquery(s) => first_selector(&s.expr),
        _ => None,
    }
}

fn selector_name(vs: &VectorSelector) -> Option<&str> {
    vs.name.as_deref().or_else(|| vs.matchers.matchers.iter().find(|m| m.name == METRIC_NAME && m.op == MatchOp::Equal).map(|m| m.value.as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quantity(query: &str) -> Option<(Quantity, f64)> {
        measured_quantity(&promql_parser::parser::parse(query).unwrap())
    }

    #[test]
    fn quantiles_and_ratios_whatever_the_grouping() {
        let p95 = Quantity::Quantile { histogram: "latency_seconds".into(), quantile: 0.95 };
        assert_eq!(quantity("histogram_quantile(0.95, sum(rate(latency_seconds_bucket[5m])) by (le))"), Some((p95.clone(), 1.0)));
        assert_eq!(quantity("histogram_quantile(0.95, sum by (le, model) (rate(latency_seconds_bucket{job=\"a\"}[5m])))"), Some((p95, 1.0)));
        let errors = Quantity::Ratio { numerator: "errors_total".into(), denominator: "requests_total".into() };
        assert_eq!(quantity("sum(rate(errors_total[5m])) by (m) / sum(rate(requests_total[5m])) by (m)"), Some((errors.clone(), 1.0)));
        assert_eq!(quantity("sum(rate(errors_total[5m])) / sum(rate(requests_total[5m])) * 100"), Some((errors, 100.0)));
        assert_eq!(quantity("rate(errors_total[5m])"), None);
    }
}
