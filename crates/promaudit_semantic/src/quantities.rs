//! What an expression measures, independent of how it is written: "the 95th percentile of
//! `x_seconds`", "the ratio of `errors_total` to `requests_total`". Alerts, SLOs and dashboard
//! panels that measure the same quantity can then be compared, whatever their grouping.

use promql_parser::label::{MatchOp, Matcher, METRIC_NAME};
use promql_parser::parser::{token, Expr, VectorSelector};

#[derive(Clone, Debug, PartialEq)]
pub enum Quantity {
    /// `histogram_quantile(q, … histogram_bucket …)`, by the histogram's name without `_bucket`.
    Quantile { histogram: String, quantile: f64 },
    /// A ratio of two rates or increases, by the numerator's and denominator's metrics. A ratio
    /// of a metric to itself is told apart by `selection`, the matchers only its numerator has:
    /// the error ratio (`code=~"5.."`) and the success ratio (`code!~"5.."`) of
    /// `http_requests_total` are different quantities.
    Ratio { numerator: String, denominator: String, selection: Vec<Matcher> },
}

impl Quantity {
    /// "the p95 of `x_seconds`", "the ratio of `errors_total` to `requests_total`", "the share
    /// of `http_requests_total` with `code=~"5.."`".
    pub fn describe(&self) -> String {
        match self {
            Quantity::Quantile { histogram, quantile } => format!("the p{} of `{histogram}`", quantile * 100.0),
            Quantity::Ratio { numerator, denominator, selection } if selection.is_empty() => format!("the ratio of `{numerator}` to `{denominator}`"),
            Quantity::Ratio { denominator, selection, .. } => {
                let selected: Vec<String> = selection.iter().map(Matcher::to_string).collect();
                format!("the share of `{denominator}` with `{}`", selected.join(", "))
            }
        }
    }

    /// One minus this quantity: the success ratio of an error ratio and back, when the numerator
    /// selects its series by one matcher that can be negated (`code=~"5.."` and `code!~"5.."`).
    pub fn complement(&self) -> Option<Quantity> {
        let Quantity::Ratio { numerator, denominator, selection } = self else { return None };
        let [matcher] = selection.as_slice() else { return None };
        let op = match &matcher.op {
            MatchOp::Equal => MatchOp::NotEqual,
            MatchOp::NotEqual => MatchOp::Equal,
            MatchOp::Re(re) => MatchOp::NotRe(re.clone()),
            MatchOp::NotRe(re) => MatchOp::Re(re.clone()),
        };
        let negated = Matcher { op, ..matcher.clone() };
        Some(Quantity::Ratio { numerator: numerator.clone(), denominator: denominator.clone(), selection: vec![negated] })
    }
}

/// The ratio of the series `numerator`'s first selector reads to those `denominator`'s reads,
/// for SLO specs that give the two queries apart.
pub fn ratio_between(numerator: &Expr, denominator: &Expr) -> Option<Quantity> {
    ratio(first_selector(numerator)?, first_selector(denominator)?)
}

/// The ratio of two selectors' series; for a metric over itself, with the numerator's own
/// matchers as its selection.
fn ratio(numerator: &VectorSelector, denominator: &VectorSelector) -> Option<Quantity> {
    let (name, over) = (selector_name(numerator)?, selector_name(denominator)?);
    let selection = if name == over {
        let own = |m: &&Matcher| m.name != METRIC_NAME && !denominator.matchers.matchers.contains(m);
        let mut selection: Vec<Matcher> = numerator.matchers.matchers.iter().filter(own).cloned().collect();
        selection.sort_by(|a, b| a.name.cmp(&b.name));
        selection
    } else {
        Vec::new()
    };
    Some(Quantity::Ratio { numerator: name.to_string(), denominator: over.to_string(), selection })
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
        Expr::Binary(b) if b.op.id() == token::T_DIV => Some((ratio(counted_selector(&b.lhs)?, counted_selector(&b.rhs)?)?, 1.0)),
        Expr::Call(call) if call.func.name == "histogram_quantile" => {
            let quantile = number(call.args.args.first()?)?;
            let bucket = first_selector(call.args.args.get(1)?)?;
            let histogram = selector_name(bucket)?.strip_suffix("_bucket")?.to_string();
            Some((Quantity::Quantile { histogram, quantile }, 1.0))
        }
        _ => None,
    }
}

/// The selector under `sum(rate(m[…]))` and the like: a single counted metric.
fn counted_selector(expr: &Expr) -> Option<&VectorSelector> {
    match expr {
        Expr::Paren(p) => counted_selector(&p.expr),
        Expr::Aggregate(a) if a.op.id() == token::T_SUM => counted_selector(&a.expr),
        Expr::Call(call) if matches!(call.func.name, "rate" | "increase" | "irate") => first_selector(call.args.args.first()?),
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
        let errors = Quantity::Ratio { numerator: "errors_total".into(), denominator: "requests_total".into(), selection: Vec::new() };
        assert_eq!(quantity("sum(rate(errors_total[5m])) by (m) / sum(rate(requests_total[5m])) by (m)"), Some((errors.clone(), 1.0)));
        assert_eq!(quantity("sum(rate(errors_total[5m])) / sum(rate(requests_total[5m])) * 100"), Some((errors, 100.0)));
        assert_eq!(quantity("rate(errors_total[5m])"), None);
    }

    #[test]
    fn a_metric_over_itself_is_told_apart_by_its_matchers() {
        let (errors, _) = quantity("sum(rate(http_requests_total{code=~\"5..\", job=\"a\"}[5m])) / sum(rate(http_requests_total{job=\"a\"}[5m]))").unwrap();
        let (successes, _) = quantity("sum(rate(http_requests_total{code!~\"5..\"}[5m])) / sum(rate(http_requests_total[5m]))").unwrap();
        assert_ne!(errors, successes);
        assert_eq!(errors.describe(), "the share of `http_requests_total` with `code=~\"5..\"`");
        assert_eq!(errors.complement(), Some(successes.clone()));
        assert_eq!(successes.complement(), Some(errors));
        let (two, _) = quantity("sum(rate(x_total{code=\"500\", method=\"GET\"}[5m])) / sum(rate(x_total[5m]))").unwrap();
        assert_eq!(two.complement(), None);
    }
}
