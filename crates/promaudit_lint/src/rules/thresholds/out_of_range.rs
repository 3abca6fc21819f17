use crate::context::{bounded_unit, FileContext};
use crate::declare_rule;
use crate::registry::{Rule, RuleMeta};
use promaudit_catalog::Unit;
use promaudit_diagnostics::Diagnostic;
use promql_parser::parser::{token, Expr};

declare_rule! {
    /// ## What it finds
    /// Comparisons with a threshold the compared value can never reach, by its unit: a ratio
    /// (0-1) compared with `> 90`, a percentage (0-100) with `> 100`, either with a negative
    /// number.
    ///
    /// ## Why it matters
    /// The comparison is always false (the alert can never fire) or always true (it fires for
    /// every series, all the time). Mixing up ratios and percentages is the usual cause.
    ///
    /// ## Example
    /// ```yaml
    /// expr: nvidia_smi_utilization_gpu_ratio > 90
    /// ```
    ///
    /// ## Fix
    /// Compare in the value's unit: `nvidia_smi_utilization_gpu_ratio > 0.9`.
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
            let mut literal_spans = std::collections::HashMap::new();
            parsed.walk(&mut |visit| {
                if let Expr::NumberLiteral(_) = visit.expr {
                    literal_spans.insert(visit.expr as *const Expr, visit.spans.node);
                }
            });
            parsed.walk(&mut |visit| {
                let Expr::Binary(binary) = visit.expr else { return };
                let (Expr::NumberLiteral(threshold), value) = (binary.rhs.as_ref(), binary.lhs.as_ref()) else { return };
                let Some((unit, metric)) = bounded_unit(value, cx.catalog) else { return };
                let Some((low, high)) = unit.value_range() else { return };
                let t = threshold.val;
                let verdict = match binary.op.id() {
                    token::T_GTR if t >= high => "can never be true",
                    token::T_GTE if t > high => "can never be true",
                    token::T_LSS if t <= low => "can never be true",
                    token::T_LTE if t < low => "can never be true",
                    token::T_LSS if t > high => "is always true",
                    token::T_GTR if t < low => "is always true",
                    _ => return,
                };
                let Some(&span) = literal_spans.get(&(binary.rhs.as_ref() as *const Expr)) else { return };
                let help = if unit == Unit::Ratio && t > 1.0 && t <= 100.0 { format!("`{metric}` is a ratio: write {}", t / 100.0) } else if unit == Unit::Percent && t > 0.0 && t < 1.0 { format!("`{metric}` is in percent: write {}", t * 100.0) } else { format!("`{metric}` ranges from {low} to {high}") };
                out.push(Self::META.diagnostic(query.file_span(span), format!("`{metric}` is a {} value, so comparing it with {t} {verdict}", unit.as_str())).with_help(help));
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::snapshot_with_catalog;

    const CATALOG: &str = "# TYPE gpu_utilization_ratio gauge\ngpu_utilization_ratio 0.5\n# HELP util GPU utilization (in %).\n# TYPE util gauge\nutil 50\n";

    #[test]
    fn ratio_compared_as_percent() {
        let text = "groups:\n- name: a\n  rules:\n  - alert: A\n    expr: max(gpu_utilization_ratio) > 90\n  - alert: B\n    expr: util > 100\n";
        insta::assert_snapshot!(snapshot_with_catalog(&OutOfRange, "r.yml", text, CATALOG));
    }

    #[test]
    fn thresholds_in_range() {
        let text = "groups:\n- name: a\n  rules:\n  - alert: A\n    expr: gpu_utilization_ratio > 0.9\n  - alert: B\n    expr: util > 90\n";
        assert!(snapshot_with_catalog(&OutOfRange, "r.yml", text, CATALOG).is_empty());
    }
}
