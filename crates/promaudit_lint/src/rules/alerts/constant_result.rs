use crate::context::FileContext;
use crate::declare_rule;
use crate::registry::{Rule, RuleMeta};
use promaudit_diagnostics::Diagnostic;
use promaudit_semantic::ValueFacts;
use promql_parser::parser::{token, value::ValueType, BinaryExpr, Expr};

declare_rule! {
    /// ## What it finds
    /// Alerts whose firing is decided by constants, not by their metrics: an expression that
    /// ends in `or vector(0)` (any constant fallback) returns a series at every evaluation, so
    /// the alert always fires; a comparison between constants (`vector(0) > 0`) is always
    /// false, so the part of the expression it filters is always empty and the alert never
    /// fires.
    ///
    /// ## Why it matters
    /// `or vector(0)` is the right idiom in a recording rule or a panel, where it fills a gap
    /// with zero; in an alert it makes the alert page forever. A constant comparison is usually
    /// a fallback moved to the wrong side of an operator: the alert is dead and nobody notices.
    ///
    /// ## Example
    /// ```yaml
    /// - alert: QueueBacklog
    ///   expr: (queue_depth > 100) or vector(0)
    /// ```
    ///
    /// ## Fix
    /// Drop the fallback from the alert (an absent series is better caught by `absent()`), or
    /// put it inside the comparison: `(sum(queue_depth) or vector(0)) > 100`.
    pub ConstantResult {
        code: "alerts/constant-result",
        category: Correctness,
        severity: Error,
        summary: "An alert's expression always or never returns a series, whatever its metrics",
    }
}

impl Rule for ConstantResult {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &FileContext, out: &mut Vec<Diagnostic>) {
        for (_, alert, query, parsed) in cx.parsed_alerts() {
            let values = query.values(parsed, cx.catalog);
            let root = unparenthesized(&parsed.expr);
            let never = always_empty(root, values);
            parsed.walk(&mut |visit| {
                let Expr::Binary(binary) = visit.expr else { return };
                let span = query.file_span(visit.spans.op.unwrap_or(visit.spans.node));
                if std::ptr::eq(visit.expr, root) && binary.op.id() == token::T_LOR && is_constant_vector(&binary.rhs, values) {
                    let message = format!("alert `{}` ends in `or {}`, a constant fallback: the expression returns a series at every evaluation, so the alert always fires", alert.value, binary.rhs);
                    out.push(Self::META.diagnostic(span, message).with_help("drop the fallback, or move it inside the comparison: `(sum(x) or vector(0)) > threshold`"));
                } else if never && constant_comparison(binary, values) == Some(false) {
                    let message = format!("`{}` compares two constants and is always false: alert `{}` never fires", visit.expr, alert.value);
                    out.push(Self::META.diagnostic(span, message).with_help("compare the metric, not its fallback: `(sum(x) or vector(0)) > 0`"));
                }
            });
        }
    }
}

fn unparenthesized(expr: &Expr) -> &Expr {
    match expr {
        Expr::Paren(p) => unparenthesized(&p.expr),
        other => other,
    }
}

/// A vector whose value is known before evaluation: `vector(0)`, `vector(1) * 2`.
fn is_constant_vector(expr: &Expr, values: &ValueFacts) -> bool {
    expr.value_type() == ValueType::Vector && values.of(expr).constant.is_some()
}

/// The outcome of a filtering comparison between two constants, one a vector.
fn constant_comparison(binary: &BinaryExpr, values: &ValueFacts) -> Option<bool> {
    if !binary.op.is_comparison_operator()
        || binary.modifier.as_ref().is_some_and(|m| m.return_bool)
    {
        return None;
    }
    let (a, b) = (
        values.of(&binary.lhs).constant?,
        values.of(&binary.rhs).constant?,
    );
    let holds = match binary.op.id() {
        token::T_EQLC => a == b,
        token::T_NEQ => a != b,
        token::T_LSS => a < b,
        token::T_LTE => a <= b,
        token::T_GTR => a > b,
        token::T_GTE => a >= b,
        _ => return None,
    };
    Some(holds)
}

/// Whether `expr` returns no series at any evaluation because a constant comparison filters
/// everything out and the operators above it keep the emptiness.
fn always_empty(expr: &Expr, values: &ValueFacts) -> bool {
    match expr {
        Expr::Paren(p) => always_empty(&p.expr, values),
        Expr::Aggregate(agg) => always_empty(&agg.expr, values),
        Expr::Binary(binary) if constant_comparison(binary, values) == Some(false) => true,
        Expr::Binary(binary) => match binary.op.id() {
            token::T_LOR => always_empty(&binary.lhs, values) && always_empty(&binary.rhs, values),
            token::T_LUNLESS => always_empty(&binary.lhs, values),
            _ => always_empty(&binary.lhs, values) || always_empty(&binary.rhs, values),
        },
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::snapshot;

    #[test]
    fn always_and_never_firing() {
        let text = "groups:\n- name: a\n  rules:\n  - alert: Always\n    expr: (queue_depth > 100) or vector(0)\n  - alert: Never\n    expr: sum(queue_depth or vector(0)) > 0 and vector(0) > 0\n";
        insta::assert_snapshot!(snapshot(&ConstantResult, "r.yml", text));
    }

    #[test]
    fn fallbacks_that_leave_the_condition_alone() {
        let text = "groups:\n- name: a\n  rules:\n  - alert: Backlog\n    expr: (sum(queue_depth) or vector(0)) > 100\n  - alert: Heartbeat\n    expr: vector(1)\n  - alert: Either\n    expr: x > 1 or vector(0) > 1 or y > 2\n  - alert: True\n    expr: x > 1 and vector(1) > 0\n  - record: r\n    expr: x or vector(0)\n";
        assert_eq!(snapshot(&ConstantResult, "r.yml", text), "");
    }
}
