use crate::context::{expr_label, FileContext};
use crate::declare_rule;
use crate::registry::{Rule, RuleMeta};
use promaudit_diagnostics::Diagnostic;
use promaudit_semantic::{Dimension, Interval, Quantity};
use promql_parser::parser::{token, BinaryExpr, Expr};

declare_rule! {
    /// ## What it finds
    /// Comparisons with a threshold the compared value can never reach, judged by the value
    /// range promaudit infers through units, functions, aggregations and arithmetic: a ratio
    /// (0-1) compared with `> 90`, a percentage (0-100) with `> 100`, a rate or a count with a
    /// negative number, `count(…) == 0` or `< 1` (`count` of nothing is no series, not 0),
    /// `hour() > 24`.
    ///
    /// ## Why it matters
    /// The comparison is always false (the alert can never fire) or always true (it fires for
    /// every series, all the time). Mixing up ratios and percentages is the usual cause; an
    /// outage alert written as `count(up{job="x"}) == 0` is the classic one: when every target
    /// is gone, `count` returns nothing and the alert stays silent.
    ///
    /// ## Example
    /// ```yaml
    /// expr: nvidia_smi_utilization_gpu_ratio > 90
    /// ```
    ///
    /// ## Fix
    /// Compare in the value's unit: `nvidia_smi_utilization_gpu_ratio > 0.9`. For "nothing
    /// left", use `absent(up{job="x"} == 1)`.
    pub OutOfRange {
        code: "thresholds/out-of-range",
        category: Correctness,
        severity: Error,
        summary: "A comparison threshold lies outside the value's possible range",
    }
}

impl Rule for OutOfRange {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &FileContext, out: &mut Vec<Diagnostic>) {
        for (query, parsed) in cx.parsed_queries() {
            let values = query.values(parsed, cx.catalog);
            parsed.walk(&mut |visit| {
                let Expr::Binary(binary) = visit.expr else { return };
                let Some((value, threshold, op)) = compared(binary, &|e| values.of(e)) else { return };
                let quantity = values.of(value);
                let Some(verdict) = verdict(op, quantity.range, threshold) else { return };
                let Some(description) = describe(quantity) else { return };
                let span = parsed.span_of(if std::ptr::eq(value, binary.lhs.as_ref()) { &binary.rhs } else { &binary.lhs });
                let subject = expr_label(value);
                let message = format!("{subject} {description}, so this comparison with {threshold} {verdict}");
                out.push(Self::META.diagnostic(query.file_span(span), message).with_help(help(value, quantity, threshold)));
            });
        }
    }
}

/// The vector side of a comparison with a finite constant, the constant, and the operator as if
/// the vector were on the left. `> +Inf` and `< -Inf` are the idioms for an alert switched off,
/// not unit mix-ups, and NaN compares false with everything.
fn compared<'e>(binary: &'e BinaryExpr, quantity: &dyn Fn(&Expr) -> Quantity) -> Option<(&'e Expr, f64, token::TokenId)> {
    if !binary.op.is_comparison_operator() {
        return None;
    }
    let (lhs, rhs) = (quantity(&binary.lhs), quantity(&binary.rhs));
    match (lhs.constant, rhs.constant) {
        (None, Some(t)) if t.is_finite() => Some((&binary.lhs, t, binary.op.id())),
        (Some(t), None) if t.is_finite() => Some((&binary.rhs, t, mirrored(binary.op.id()))),
        _ => None,
    }
}

fn mirrored(op: token::TokenId) -> token::TokenId {
    match op {
        token::T_GTR => token::T_LSS,
        token::T_LSS => token::T_GTR,
        token::T_GTE => token::T_LTE,
        token::T_LTE => token::T_GTE,
        other => other,
    }
}

/// "can never be true" or "is always true" when the range decides the comparison. A filter
/// that keeps every non-negative value (`count(…) > 0`, `x >= 0`) is a harmless idiom, often
/// there to drop NaN, and is left alone.
fn verdict(op: token::TokenId, range: Interval, t: f64) -> Option<&'static str> {
    let (low, high) = (range.low, range.high);
    if matches!(op, token::T_GTR | token::T_GTE) && t <= 0.0 && low >= 0.0 {
        return None;
    }
    match op {
        token::T_GTR if t >= high => Some("can never be true"),
        token::T_GTE if t > high => Some("can never be true"),
        token::T_LSS if t <= low => Some("can never be true"),
        token::T_LTE if t < low => Some("can never be true"),
        token::T_EQLC if t < low || t > high => Some("can never be true"),
        token::T_LSS if t > high => Some("is always true"),
        token::T_GTR if t < low => Some("is always true"),
        _ => None,
    }
}

/// What the range says about the value; `None` for a value that is always infinite
/// (`clamp_max(x, -Inf)`), too odd to explain as a unit mistake.
fn describe(quantity: Quantity) -> Option<String> {
    let Interval { low, high } = quantity.range;
    let measure = quantity.measure.filter(|m| !m.per_second);
    if let Some(m) = measure.filter(|m| m.dimension == Dimension::Fraction && low == 0.0 && high * m.scale == 1.0) {
        return Some(format!("is {}", m.describe()));
    }
    let unit = quantity.measure.filter(|m| !matches!(m.dimension, Dimension::Count | Dimension::Fraction)).map(|m| format!(" (in {})", m.describe())).unwrap_or_default();
    Some(match (low.is_finite(), high.is_finite()) {
        (true, true) if low == high => format!("is always {low}{unit}"),
        (true, true) => format!("ranges from {low} to {high}{unit}"),
        (true, false) => format!("is never below {low}{unit}"),
        (false, true) => format!("is never above {high}{unit}"),
        _ => return None,
    })
}

fn help(value: &Expr, quantity: Quantity, t: f64) -> String {
    let fraction_scale = quantity.measure.filter(|m| m.dimension == Dimension::Fraction && !m.per_second).map(|m| m.scale);
    if is_count(value) && t < 1.0 {
        return "`count()` of no series is no series, not 0: test for absence with `absent(…)` instead".into();
    }
    match fraction_scale {
        Some(scale) if scale == 1.0 && t > 1.0 && t <= 100.0 => format!("the value is a ratio: write {}, or multiply it by 100 first", t / 100.0),
        Some(scale) if scale == 0.01 && t > 0.0 && t < 1.0 => format!("the value is a percentage: write {}", t * 100.0),
        _ => "compare with a threshold inside the value's range, or fix the expression's unit".into(),
    }
}

fn is_count(expr: &Expr) -> bool {
    match expr {
        Expr::Paren(p) => is_count(&p.expr),
        Expr::Aggregate(agg) => agg.op.id() == token::T_COUNT,
        Expr::Call(call) => call.func.name == "count_over_time",
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::snapshot_with_catalog;

    const CATALOG: &str = "# TYPE requests_total counter\nrequests_total{job=\"api\"} 1\n# TYPE gpu_utilization_ratio gauge\ngpu_utilization_ratio 0.5\n# HELP util GPU utilization (in %).\n# TYPE util gauge\nutil 50\n";

    #[test]
    fn ratio_compared_as_percent() {
        let text = "groups:\n- name: a\n  rules:\n  - alert: A\n    expr: max(gpu_utilization_ratio) > 90\n  - alert: B\n    expr: util > 100\n";
        insta::assert_snapshot!(snapshot_with_catalog(&OutOfRange, "r.yml", text, CATALOG));
    }

    #[test]
    fn thresholds_in_range() {
        let text = "groups:\n- name: a\n  rules:\n  - alert: A\n    expr: gpu_utilization_ratio > 0.9\n  - alert: B\n    expr: util > 90\n  - alert: C\n    expr: gpu_utilization_ratio * 100 > 90\n  - alert: D\n    expr: (count(gpu_utilization_ratio) or vector(0)) == 0\n  - alert: E\n    expr: sum(rate(requests_total[5m])) >= 0\n";
        assert!(snapshot_with_catalog(&OutOfRange, "r.yml", text, CATALOG).is_empty());
    }

    #[test]
    fn ranges_through_arithmetic_and_aggregation() {
        let text = "groups:\n- name: a\n  rules:\n  - alert: Scaled\n    expr: (1 - avg(gpu_utilization_ratio)) * 100 > 100\n  - alert: Gone\n    expr: count(requests_total{job=\"api\"}) == 0\n  - alert: Negative\n    expr: 0 > sum(rate(requests_total[5m]))\n  - alert: Night\n    expr: hour() > 24\n";
        insta::assert_snapshot!(snapshot_with_catalog(&OutOfRange, "r.yml", text, CATALOG));
    }

    #[test]
    fn infinite_thresholds_and_values_are_not_judged() {
        let text = "groups:\n- name: a\n  rules:\n  - alert: A\n    expr: foo > Inf\n  - alert: B\n    expr: x > 1e309\n  - alert: C\n    expr: clamp_max(x, -Inf) > 0\n  - alert: D\n    expr: -Inf < x\n  - alert: E\n    expr: x > NaN\n";
        assert!(snapshot_with_catalog(&OutOfRange, "r.yml", text, CATALOG).is_empty());
    }
}
