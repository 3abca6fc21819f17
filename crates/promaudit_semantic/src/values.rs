//! Value inference: for every expression, what its samples measure (dimension, scale, per
//! second) and the interval they lie in. Scaling by constants is followed, so
//! `x_bytes / 1024 / 1024` is known to be in MiB and `x_ratio * 100` in percent.

use crate::unit::{Dimension, Unit};
use crate::MetricFacts;
use promql_parser::parser::{token, AggregateExpr, BinaryExpr, Call, Expr};
use foldhash::{HashMap, HashMapExt};

/// What a value measures: `value × scale` is the quantity in the dimension's base unit.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Measure {
    pub dimension: Dimension,
    pub scale: f64,
    /// The value is a rate: the quantity per second.
    pub per_second: bool,
}

impl Measure {
    pub fn of(unit: Unit) -> Option<Measure> {
        let dimension = unit.dimension();
        (dimension != Dimension::Unknown).then(|| Measure { dimension, scale: unit.scale_to_base(), per_second: false })
    }

    /// The measure after multiplying values by `1 / factor`. Only unit conversions rescale
    /// (`/ 1024`, `* 100`, `* 1000`); any other factor (`* 0.8`, `/ 2`) takes a share of the
    /// same unit. Converting a rate to per minute or hour loses the measure.
    fn rescaled(self, factor: f64) -> Option<Measure> {
        if !is_conversion_factor(factor) {
            return Some(self);
        }
        if self.per_second && [60.0, 3600.0, 86400.0].iter().any(|t| (factor * t - 1.0).abs() < 1e-9) {
            return None;
        }
        self.scaled(factor)
    }

    fn scaled(self, factor: f64) -> Option<Measure> {
        let scale = self.scale * factor;
        (scale.is_finite() && scale > 0.0).then_some(Measure { scale, ..self })
    }

    fn per_second(self) -> Measure {
        Measure { per_second: true, ..self }
    }

    /// Seconds per second (busy time, CPU time) are a plain ratio; joules per second are watts.
    fn normalized(self) -> Measure {
        match (self.dimension, self.per_second) {
            (Dimension::Time, true) => Measure { dimension: Dimension::Fraction, per_second: false, ..self },
            (Dimension::Energy, true) => Measure { dimension: Dimension::Power, per_second: false, ..self },
            _ => self,
        }
    }

    /// Same dimension and rate-ness, though perhaps a different scale.
    pub fn commensurable(self, other: Measure) -> bool {
        let (a, b) = (self.normalized(), other.normalized());
        a.dimension == b.dimension && a.per_second == b.per_second
    }

    /// Same dimension, rate-ness and scale.
    pub fn same(self, other: Measure) -> bool {
        self.commensurable(other) && (self.scale / other.scale - 1.0).abs() < 1e-9
    }

    /// "MiB", "seconds per second", "a percentage (0-100)", …
    pub fn describe(self) -> String {
        let base = self.unit_name().map_or_else(|| format!("{} × {}", base_name(self.dimension), self.scale), str::to_string);
        if self.per_second {
            format!("{base} per second")
        } else {
            base
        }
    }

    /// "in MiB", "a ratio (0-1)": `describe` ready to follow a noun.
    pub fn phrase(self) -> String {
        let described = self.describe();
        if described.starts_with("a ") {
            described
        } else {
            format!("in {described}")
        }
    }

    fn unit_name(self) -> Option<&'static str> {
        let names: &[(f64, &str)] = match self.dimension {
            Dimension::Time => &[(1.0, "seconds"), (1e-3, "milliseconds"), (1e-6, "microseconds"), (1e-9, "nanoseconds"), (60.0, "minutes"), (3600.0, "hours"), (86400.0, "days")],
            Dimension::Data => &[(1.0, "bytes"), (1024.0, "KiB"), (1048576.0, "MiB"), (1073741824.0, "GiB"), (1099511627776.0, "TiB"), (1e3, "kB"), (1e6, "MB"), (1e9, "GB"), (0.125, "bits")],
            Dimension::Fraction => &[(1.0, "a ratio (0-1)"), (0.01, "a percentage (0-100)")],
            Dimension::Frequency => &[(1.0, "Hz"), (1e3, "kHz"), (1e6, "MHz"), (1e9, "GHz")],
            Dimension::Energy => &[(1.0, "joules"), (1e-3, "millijoules"), (3.6e6, "kWh")],
            Dimension::Power => &[(1.0, "watts"), (1e-3, "milliwatts"), (1e3, "kW")],
            Dimension::Voltage => &[(1.0, "volts")],
            Dimension::Temperature => &[(1.0, "degrees Celsius")],
            Dimension::Count => &[(1.0, "a count")],
            Dimension::Unknown => &[],
        };
        names.iter().find(|(scale, _)| (self.scale / scale - 1.0).abs() < 1e-9).map(|(_, name)| *name)
    }
}

/// 1024ⁿ, 1000ⁿ, 100, 8 (bits), 60, 3600, 86400 (time), or the reciprocal of one.
fn is_conversion_factor(factor: f64) -> bool {
    let factor = if factor < 1.0 { 1.0 / factor } else { factor };
    let close = |c: f64| (factor / c - 1.0).abs() < 1e-9;
    [8.0, 60.0, 100.0, 3600.0, 86400.0].into_iter().any(close) || (1..=4).any(|n| close(1024f64.powi(n)) || close(1000f64.powi(n)))
}

fn base_name(dimension: Dimension) -> &'static str {
    match dimension {
        Dimension::Time => "seconds",
        Dimension::Data => "bytes",
        Dimension::Fraction => "ratio",
        Dimension::Frequency => "Hz",
        Dimension::Energy => "joules",
        Dimension::Power => "watts",
        Dimension::Voltage => "volts",
        Dimension::Temperature => "degrees Celsius",
        Dimension::Count => "count",
        Dimension::Unknown => "unknown unit",
    }
}

/// A closed interval of possible values; infinite ends mean unbounded.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Interval {
    pub low: f64,
    pub high: f64,
}

impl Interval {
    pub const ANY: Interval = Interval { low: f64::NEG_INFINITY, high: f64::INFINITY };
    pub const NON_NEGATIVE: Interval = Interval { low: 0.0, high: f64::INFINITY };

    pub fn new(low: f64, high: f64) -> Interval {
        if low.is_nan() || high.is_nan() || low > high {
            Interval::ANY
        } else {
            Interval { low, high }
        }
    }

    fn point(value: f64) -> Interval {
        Interval::new(value, value)
    }

    pub fn is_bounded(self) -> bool {
        self.low.is_finite() || self.high.is_finite()
    }

    fn non_negative(self) -> bool {
        self.low >= 0.0
    }

    fn hull(self, other: Interval) -> Interval {
        Interval::new(self.low.min(other.low), self.high.max(other.high))
    }

    fn add(self, other: Interval) -> Interval {
        Interval::new(self.low + other.low, self.high + other.high)
    }

    fn neg(self) -> Interval {
        Interval::new(-self.high, -self.low)
    }

    fn mul(self, other: Interval) -> Interval {
        let products = [self.low * other.low, self.low * other.high, self.high * other.low, self.high * other.high];
        // 0 × ∞ is NaN: the bound is lost.
        if products.iter().any(|p| p.is_nan()) {
            return Interval::ANY;
        }
        Interval::new(products.iter().copied().fold(f64::INFINITY, f64::min), products.iter().copied().fold(f64::NEG_INFINITY, f64::max))
    }

    fn scale(self, factor: f64) -> Interval {
        self.mul(Interval::point(factor))
    }

    /// Sums of values from this interval: the sign is kept, the magnitude is not.
    fn summed(self) -> Interval {
        if self.low >= 0.0 {
            Interval::new(self.low, f64::INFINITY)
        } else if self.high <= 0.0 {
            Interval::new(f64::NEG_INFINITY, self.high)
        } else {
            Interval::ANY
        }
    }
}

/// What is known about the values of one expression.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Quantity {
    /// `None` when the unit is unknown or the expression mixes units.
    pub measure: Option<Measure>,
    pub range: Interval,
    /// A number known before evaluation (`1024 * 1024`); constants take the unit of what they
    /// are combined with.
    pub constant: Option<f64>,
    /// A raw counter, before `rate()` or `increase()`.
    pub counter: bool,
}

impl Quantity {
    const UNKNOWN: Quantity = Quantity { measure: None, range: Interval::ANY, constant: None, counter: false };

    fn constant(value: f64) -> Quantity {
        Quantity { range: Interval::point(value), constant: Some(value), ..Quantity::UNKNOWN }
    }

    fn measured(measure: Option<Measure>, range: Interval) -> Quantity {
        Quantity { measure, range, ..Quantity::UNKNOWN }
    }

    fn count(range: Interval) -> Quantity {
        Quantity::measured(Measure::of(Unit::Count), range)
    }

    /// The same values with the counter flag dropped, as any function or operator leaves them.
    fn derived(self) -> Quantity {
        Quantity { counter: false, constant: None, ..self }
    }

    /// Always zero: a zero of any unit, which adds to anything (`x * 0` in a label join).
    fn is_zero(self) -> bool {
        self.range == Interval::point(0.0)
    }
}

/// The quantity of every sub-expression of one parsed query.
pub struct ValueFacts {
    by_node: HashMap<*const Expr, Quantity>,
}

impl ValueFacts {
    /// The quantity of `expr`, a node of the expression the facts were inferred over.
    pub fn of(&self, expr: &Expr) -> Quantity {
        self.by_node.get(&(expr as *const Expr)).copied().unwrap_or(Quantity::UNKNOWN)
    }
}

/// Infers the quantity of `expr` and of every node below it, bottom-up, once.
pub fn infer_values(expr: &Expr, facts: &dyn MetricFacts) -> ValueFacts {
    let mut inference = Inference { facts, by_node: HashMap::new() };
    inference.infer(expr);
    ValueFacts { by_node: inference.by_node }
}

struct Inference<'a> {
    facts: &'a dyn MetricFacts,
    by_node: HashMap<*const Expr, Quantity>,
}

impl Inference<'_> {
    fn infer(&mut self, expr: &Expr) -> Quantity {
        let quantity = match expr {
            Expr::NumberLiteral(n) => Quantity::constant(n.val),
            Expr::StringLiteral(_) | Expr::Extension(_) => Quantity::UNKNOWN,
            Expr::VectorSelector(vs) => self.selector(vs),
            Expr::MatrixSelector(ms) => self.selector(&ms.vs),
            Expr::Paren(p) => self.infer(&p.expr),
            Expr::Subquery(s) => self.infer(&s.expr),
            Expr::Unary(u) => {
                let inner = self.infer(&u.expr);
                Quantity { range: inner.range.neg(), constant: inner.constant.map(|c| -c), ..inner.derived() }
            }
            Expr::Aggregate(agg) => self.aggregate(agg),
            Expr::Call(call) => self.call(call),
            Expr::Binary(binary) => self.binary(binary),
        };
        self.by_node.insert(expr as *const Expr, quantity);
        quantity
    }

    fn selector(&self, vs: &promql_parser::parser::VectorSelector) -> Quantity {
        let name = vs.name.clone().or_else(|| {
            vs.matchers.matchers.iter().find(|m| m.name == promql_parser::label::METRIC_NAME && m.op == promql_parser::label::MatchOp::Equal).map(|m| m.value.clone())
        });
        let Some(value) = name.and_then(|n| self.facts.value_of(&n)) else { return Quantity::UNKNOWN };
        let range = value.range.map_or(Interval::ANY, |(low, high)| Interval::new(low, high));
        let measure = Measure::of(value.unit).map(|m| if value.per_second { m.per_second() } else { m });
        Quantity { measure, range, constant: None, counter: value.counter }
    }

    fn aggregate(&mut self, agg: &AggregateExpr) -> Quantity {
        if let Some(param) = &agg.param {
            self.infer(param);
        }
        let input = self.infer(&agg.expr).derived();
        match agg.op.id() {
            token::T_SUM => Quantity { range: input.range.summed(), ..input },
            token::T_COUNT | token::T_COUNT_VALUES => Quantity::count(Interval::new(1.0, f64::INFINITY)),
            token::T_GROUP => Quantity::constant(1.0).derived(),
            token::T_STDDEV => Quantity { range: Interval::NON_NEGATIVE, ..input },
            token::T_STDVAR => Quantity::measured(None, Interval::NON_NEGATIVE),
            // avg, min, max, quantile, topk, bottomk, limitk: values stay within their input's.
            _ => input,
        }
    }

    fn call(&mut self, call: &Call) -> Quantity {
        let args: Vec<Quantity> = call.args.args.iter().map(|a| self.infer(a)).collect();
        let first = args.first().copied().unwrap_or(Quantity::UNKNOWN);
        let last = args.last().copied().unwrap_or(Quantity::UNKNOWN);
        let constant_arg = |i: usize| args.get(i).and_then(|a| a.constant);
        let counter_range = |q: Quantity| if q.counter { Interval::NON_NEGATIVE } else { Interval::ANY };
        let bounded = |low: f64, high: f64| Quantity::measured(None, Interval::new(low, high));
        match call.func.name {
            "rate" | "irate" => Quantity::measured(first.measure.map(Measure::per_second), counter_range(first)),
            "increase" => Quantity::measured(first.measure, counter_range(first)),
            "deriv" => Quantity::measured(first.measure.map(Measure::per_second), Interval::ANY),
            "delta" | "idelta" | "predict_linear" => Quantity::measured(first.measure, Interval::ANY),
            "avg_over_time" | "min_over_time" | "max_over_time" | "last_over_time" | "first_over_time" | "quantile_over_time" | "mad_over_time" => last.derived(),
            "sum_over_time" => Quantity { range: first.range.summed(), ..first.derived() },
            "stddev_over_time" => Quantity { range: Interval::NON_NEGATIVE, ..first.derived() },
            "count_over_time" => Quantity::count(Interval::new(1.0, f64::INFINITY)),
            "changes" | "resets" => Quantity::count(Interval::NON_NEGATIVE),
            "absent" | "absent_over_time" | "present_over_time" => bounded(1.0, 1.0),
            "abs" => Quantity { range: Interval::new(0.0, first.range.low.abs().max(first.range.high.abs())), ..first.derived() },
            "ceil" | "floor" | "round" | "scalar" | "vector" | "sort" | "sort_desc" | "sort_by_label" | "sort_by_label_desc" | "label_replace" | "label_join" => {
                Quantity { counter: first.counter, ..first }
            }
            "clamp" => clamped(first, constant_arg(1), constant_arg(2)),
            "clamp_min" => clamped(first, constant_arg(1), None),
            "clamp_max" => clamped(first, None, constant_arg(1)),
            "histogram_quantile" => Quantity::measured(self.observed_measure(call.args.args.last().map(|a| a.as_ref())), Interval::ANY),
            "histogram_fraction" => Quantity::measured(Measure::of(Unit::Ratio), Interval::new(0.0, 1.0)),
            "time" | "timestamp" => Quantity::measured(Measure::of(Unit::Seconds), Interval::NON_NEGATIVE),
            "minute" => bounded(0.0, 59.0),
            "hour" => bounded(0.0, 23.0),
            "day_of_week" => bounded(0.0, 6.0),
            "day_of_month" | "days_in_month" => bounded(1.0, 31.0),
            "day_of_year" => bounded(1.0, 366.0),
            "month" => bounded(1.0, 12.0),
            _ => Quantity::UNKNOWN,
        }
    }

    /// The unit a histogram observes, from the first bucket selector under `expr`.
    fn observed_measure(&self, expr: Option<&Expr>) -> Option<Measure> {
        let mut found = None;
        let mut stack: Vec<&Expr> = expr.into_iter().collect();
        while let Some(expr) = stack.pop() {
            match expr {
                Expr::VectorSelector(vs) => found = vs.name.as_deref(),
                Expr::MatrixSelector(ms) => found = ms.vs.name.as_deref(),
                Expr::Paren(p) => stack.push(&p.expr),
                Expr::Aggregate(a) => stack.push(&a.expr),
                Expr::Call(c) => stack.extend(c.args.args.iter().map(|a| a.as_ref())),
                Expr::Subquery(s) => stack.push(&s.expr),
                _ => {}
            }
            if found.is_some() {
                break;
            }
        }
        Measure::of(self.facts.value_of(found?)?.observed)
    }

    fn binary(&mut self, binary: &BinaryExpr) -> Quantity {
        let lhs = self.infer(&binary.lhs);
        let rhs = self.infer(&binary.rhs);
        let op = binary.op.id();
        if let (Some(a), Some(b)) = (lhs.constant, rhs.constant) {
            if let Some(value) = fold(op, a, b) {
                return Quantity::constant(value);
            }
        }
        let returns_bool = binary.modifier.as_ref().is_some_and(|m| m.return_bool);
        match op {
            token::T_LAND | token::T_LUNLESS => lhs,
            token::T_LOR => or(lhs, rhs),
            _ if binary.op.is_comparison_operator() && returns_bool => Quantity::measured(None, Interval::new(0.0, 1.0)),
            // A filter keeps the vector side's samples as they are.
            _ if binary.op.is_comparison_operator() => if lhs.constant.is_some() { rhs } else { lhs },
            token::T_ADD => additive(lhs, rhs),
            token::T_SUB => additive(lhs, Quantity { range: rhs.range.neg(), constant: rhs.constant.map(|c| -c), ..rhs }),
            token::T_MUL => product(lhs, rhs),
            token::T_DIV => quotient(lhs, rhs),
            _ => Quantity::UNKNOWN,
        }
    }
}

fn clamped(input: Quantity, low: Option<f64>, high: Option<f64>) -> Quantity {
    let low = low.map_or(input.range.low, |l| input.range.low.max(l));
    let high = high.map_or(input.range.high, |h| input.range.high.min(h));
    Quantity { range: Interval::new(low, high.max(low)), ..input.derived() }
}

fn fold(op: promql_parser::parser::token::TokenId, a: f64, b: f64) -> Option<f64> {
    let value = match op {
        token::T_ADD => a + b,
        token::T_SUB => a - b,
        token::T_MUL => a * b,
        token::T_DIV => a / b,
        token::T_POW => a.powf(b),
        token::T_MOD => a % b,
        _ => return None,
    };
    Some(value)
}

fn or(lhs: Quantity, rhs: Quantity) -> Quantity {
    let measure = match (lhs.measure, rhs.measure) {
        (Some(a), Some(b)) if a.same(b) => Some(a),
        (Some(a), None) if rhs.constant.is_some() => Some(a),
        (None, Some(b)) if lhs.constant.is_some() => Some(b),
        _ => None,
    };
    Quantity::measured(measure, lhs.range.hull(rhs.range))
}

/// `a + b` (and `a - b`, with `b` negated): a constant takes the other side's unit.
fn additive(lhs: Quantity, rhs: Quantity) -> Quantity {
    let measure = match (lhs.measure, rhs.measure) {
        (Some(a), Some(b)) if a.same(b) => Some(a),
        (m, None) if rhs.constant.is_some() || rhs.is_zero() => m,
        (None, m) if lhs.constant.is_some() || lhs.is_zero() => m,
        _ => None,
    };
    Quantity::measured(measure, lhs.range.add(rhs.range))
}

/// Multiplying by a constant rescales; by a ratio or a count keeps the other side's dimension;
/// by zero leaves a zero of no unit.
fn product(lhs: Quantity, rhs: Quantity) -> Quantity {
    if lhs.constant == Some(0.0) || rhs.constant == Some(0.0) {
        return Quantity::measured(None, Interval::point(0.0));
    }
    let range = lhs.range.mul(rhs.range);
    let measure = match (lhs.constant, rhs.constant) {
        (Some(c), _) => rhs.measure.and_then(|m| m.rescaled(1.0 / c)),
        (_, Some(c)) => lhs.measure.and_then(|m| m.rescaled(1.0 / c)),
        _ => match (lhs.measure, rhs.measure) {
            (Some(a), Some(b)) if is_plain_factor(b) => a.scaled(b.scale),
            (Some(a), Some(b)) if is_plain_factor(a) => b.scaled(a.scale),
            _ => None,
        },
    };
    Quantity::measured(measure, range)
}

/// A ratio or a count: multiplying by it keeps the other factor's dimension.
fn is_plain_factor(measure: Measure) -> bool {
    matches!(measure.dimension, Dimension::Fraction | Dimension::Count) && !measure.per_second
}

/// Dividing by a constant rescales; a quantity by one of its own kind is a ratio; by a count
/// (events, or events per second over events per second) it is an average of the same unit.
fn quotient(lhs: Quantity, rhs: Quantity) -> Quantity {
    if let Some(c) = rhs.constant {
        let range = if c == 0.0 { Interval::ANY } else { lhs.range.scale(1.0 / c) };
        return Quantity::measured(lhs.measure.and_then(|m| m.rescaled(c)), range);
    }
    let range = if lhs.range.non_negative() && rhs.range.non_negative() { Interval::NON_NEGATIVE } else { Interval::ANY };
    let measure = match (lhs.measure, rhs.measure) {
        (Some(a), Some(b)) if a.dimension == b.dimension && a.per_second == b.per_second => Measure::of(Unit::Ratio).and_then(|r| r.scaled(a.scale / b.scale)),
        (Some(a), Some(b)) if b.dimension == Dimension::Count && a.per_second == b.per_second => {
            Measure { per_second: false, ..a }.scaled(1.0 / b.scale)
        }
        _ => None,
    };
    Quantity::measured(measure, range)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SeriesValue;
    use std::collections::BTreeSet;

    struct Facts;

    impl MetricFacts for Facts {
        fn labels_of(&self, _: &str) -> Option<BTreeSet<String>> {
            None
        }

        fn value_of(&self, metric: &str) -> Option<SeriesValue> {
            let gauge = |unit, range| Some(SeriesValue { unit, observed: unit, counter: false, per_second: false, range });
            match metric {
                "memory_used_bytes" => gauge(Unit::Bytes, Some((0.0, f64::INFINITY))),
                "fb_used" => gauge(Unit::Mebibytes, None),
                "utilization_ratio" => gauge(Unit::Ratio, Some((0.0, 1.0))),
                "utilization_percent" => gauge(Unit::Percent, Some((0.0, 100.0))),
                "link_speed_bytes" => Some(SeriesValue { unit: Unit::Bytes, observed: Unit::Bytes, counter: false, per_second: true, range: None }),
                "requests_total" => Some(SeriesValue { unit: Unit::Count, observed: Unit::Count, counter: true, per_second: false, range: Some((0.0, f64::INFINITY)) }),
                "latency_seconds_bucket" => Some(SeriesValue { unit: Unit::Count, observed: Unit::Seconds, counter: true, per_second: false, range: Some((0.0, f64::INFINITY)) }),
                "latency_seconds_sum" => Some(SeriesValue { unit: Unit::Seconds, observed: Unit::Seconds, counter: true, per_second: false, range: Some((0.0, f64::INFINITY)) }),
                "latency_seconds_count" => Some(SeriesValue { unit: Unit::Count, observed: Unit::Seconds, counter: true, per_second: false, range: Some((0.0, f64::INFINITY)) }),
                _ => None,
            }
        }

        fn series_count(&self, _: &str) -> Option<u64> {
            None
        }

        fn label_values_count(&self, _: &str, _: &str) -> Option<u64> {
            None
        }
    }

    fn quantity(query: &str) -> Quantity {
        let expr = promql_parser::parser::parse(query).unwrap();
        infer_values(&expr, &Facts).of(&expr)
    }

    fn unit(query: &str) -> String {
        quantity(query).measure.map_or("unknown".into(), Measure::describe)
    }

    #[test]
    fn constants_rescale() {
        assert_eq!(unit("memory_used_bytes / 1024 / 1024"), "MiB");
        assert_eq!(unit("memory_used_bytes / (1024 * 1024 * 1024)"), "GiB");
        assert_eq!(unit("fb_used * 1024 * 1024"), "bytes");
        assert_eq!(unit("utilization_ratio * 100"), "a percentage (0-100)");
        assert_eq!(unit("100 * (1 - utilization_ratio)"), "a percentage (0-100)");
        assert_eq!(quantity("(1 - utilization_ratio) * 100").range, Interval::new(0.0, 100.0));
        assert_eq!(unit("memory_used_bytes * 0.8"), "bytes");
        assert_eq!(unit("rate(requests_total[5m]) * 60"), "unknown");
    }

    #[test]
    fn rates_and_averages() {
        assert_eq!(unit("rate(requests_total[5m])"), "a count per second");
        assert_eq!(unit("rate(latency_seconds_sum[5m]) / rate(latency_seconds_count[5m])"), "seconds");
        assert_eq!(unit("histogram_quantile(0.9, sum by (le) (rate(latency_seconds_bucket[5m])))"), "seconds");
        assert_eq!(unit("sum(rate(requests_total[5m])) / sum(rate(requests_total[5m]))"), "a ratio (0-1)");
        assert_eq!(quantity("sum(rate(requests_total[5m]))").range, Interval::NON_NEGATIVE);
        assert_eq!(unit("link_speed_bytes * 8"), "bits per second");
    }

    #[test]
    fn mixed_units_are_unknown() {
        assert_eq!(unit("memory_used_bytes + fb_used"), "unknown");
        assert_eq!(unit("memory_used_bytes + 5"), "bytes");
        assert_eq!(unit("utilization_ratio or utilization_percent"), "unknown");
    }

    #[test]
    fn times_zero_is_a_zero_of_no_unit() {
        assert_eq!(unit("count(requests_total) * 0"), "unknown");
        assert_eq!(quantity("0 * memory_used_bytes").range, Interval::new(0.0, 0.0));
        assert_eq!(unit("rate(requests_total[5m]) + on() group_right() (count(memory_used_bytes) * 0)"), "a count per second");
    }

    #[test]
    fn ranges_follow_functions_and_aggregations() {
        assert_eq!(quantity("count(requests_total)").range, Interval::new(1.0, f64::INFINITY));
        assert_eq!(quantity("count(requests_total) or vector(0)").range, Interval::NON_NEGATIVE);
        assert_eq!(quantity("clamp_max(memory_used_bytes, 10)").range, Interval::new(0.0, 10.0));
        assert_eq!(quantity("max(utilization_ratio)").range, Interval::new(0.0, 1.0));
        assert_eq!(quantity("hour()").range, Interval::new(0.0, 23.0));
        assert!(!quantity("delta(memory_used_bytes[5m])").range.is_bounded());
        assert!(quantity("requests_total").counter && !quantity("sum(requests_total)").counter);
    }
}
