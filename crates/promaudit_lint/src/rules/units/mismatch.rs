use crate::context::{expr_label, FileContext};
use crate::declare_rule;
use crate::registry::{Rule, RuleMeta};
use promaudit_diagnostics::Diagnostic;
use promaudit_semantic::{Dimension, Measure};
use promql_parser::parser::{token, Expr};

declare_rule! {
    /// ## What it finds
    /// Two series added, subtracted or compared while they measure different things or the
    /// same thing at different scales: bytes against seconds, MiB against bytes, a ratio (0-1)
    /// against a percentage (0-100), a rate against a total. Units come from the catalog
    /// (`# UNIT`, the name suffix, help text such as "in MiB") and follow the expression's
    /// arithmetic, so `x_bytes / 1024 / 1024` is known to be MiB.
    ///
    /// ## Why it matters
    /// The result is a number without meaning: the comparison is off by a factor of 1,048,576
    /// or 100 and fires always or never, the sum adds apples to pears.
    ///
    /// ## Example
    /// ```yaml
    /// expr: DCGM_FI_DEV_FB_USED > node_memory_MemAvailable_bytes
    /// ```
    ///
    /// ## Fix
    /// Bring both sides to the same unit first: `DCGM_FI_DEV_FB_USED * 1024 * 1024 >
    /// node_memory_MemAvailable_bytes`.
    pub Mismatch {
        code: "units/mismatch",
        category: Correctness,
        severity: Warning,
        summary: "Values of different units are added, subtracted or compared",
    }
}

impl Rule for Mismatch {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &FileContext, out: &mut Vec<Diagnostic>) {
        for (query, parsed) in cx.parsed_queries() {
            let values = query.values(parsed, cx.catalog);
            parsed.walk(&mut |visit| {
                let Expr::Binary(binary) = visit.expr else { return };
                let op = binary.op.id();
                let verb = match op {
                    token::T_ADD => "adds",
                    token::T_SUB => "subtracts",
                    _ if binary.op.is_comparison_operator() => "compares",
                    _ => return,
                };
                let (lhs, rhs) = (values.of(&binary.lhs), values.of(&binary.rhs));
                if lhs.constant.is_some() || rhs.constant.is_some() {
                    return;
                }
                let (Some(a), Some(b)) = (lhs.measure, rhs.measure) else { return };
                if a.same(b) {
                    return;
                }
                let span = visit.spans.op.unwrap_or(visit.spans.node);
                let message = format!(
                    "{verb} {}, {}, and {}, {}: {}",
                    expr_label(&binary.lhs),
                    a.phrase(),
                    expr_label(&binary.rhs),
                    b.phrase(),
                    consequence(a, b)
                );
                out.push(Self::META.diagnostic(query.file_span(span), message).with_help(fix(a, b)));
            });
        }
    }
}

fn consequence(a: Measure, b: Measure) -> String {
    if !a.commensurable(b) {
        return "the result means nothing".into();
    }
    let factor = (a.scale / b.scale).max(b.scale / a.scale);
    format!("the sides differ by a factor of {}", format_factor(factor))
}

fn fix(a: Measure, b: Measure) -> String {
    if a.per_second != b.per_second && a.dimension == b.dimension {
        return "take `rate()` (or `increase()`) of both sides, or of neither".into();
    }
    if !a.commensurable(b) {
        return "check that both sides read the metrics you meant; values of different dimensions cannot be compared".into();
    }
    if a.dimension == Dimension::Fraction {
        return "multiply the ratio by 100, or divide the percentage by 100, so both sides use the same scale".into();
    }
    let factor = a.scale / b.scale;
    if factor > 1.0 {
        format!("multiply the left side by {} (or divide the right side by it)", format_factor(factor))
    } else {
        format!("multiply the right side by {} (or divide the left side by it)", format_factor(1.0 / factor))
    }
}

/// 1048576 as `1024 * 1024`, 1000 as `1000`: the form people write in PromQL.
pub(crate) fn format_factor(factor: f64) -> String {
    let rounded = factor.round();
    let mut powers = 0;
    let mut rest = rounded;
    while rest >= 1024.0 && rest % 1024.0 == 0.0 {
        rest /= 1024.0;
        powers += 1;
    }
    if powers >= 2 && rest == 1.0 {
        return vec!["1024"; powers].join(" * ");
    }
    format!("{rounded}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::snapshot_with_catalog;

    const CATALOG: &str = "# HELP fb_used Framebuffer memory used (in MiB).\n# TYPE fb_used gauge\nfb_used 1\n# TYPE mem_available_bytes gauge\nmem_available_bytes 1\n# TYPE busy_ratio gauge\nbusy_ratio 0.5\n# HELP util GPU utilization (in %).\n# TYPE util gauge\nutil 50\n# TYPE latency_seconds gauge\nlatency_seconds 1\n# TYPE sent_bytes_total counter\nsent_bytes_total 1\n# TYPE cpu_seconds_total counter\ncpu_seconds_total 1\n";

    #[test]
    fn different_units_and_scales() {
        let text = "groups:\n- name: a\n  rules:\n  - alert: A\n    expr: fb_used > mem_available_bytes\n  - alert: B\n    expr: busy_ratio > util\n  - alert: C\n    expr: latency_seconds + mem_available_bytes > 0\n  - alert: D\n    expr: rate(sent_bytes_total[5m]) > mem_available_bytes\n";
        insta::assert_snapshot!(snapshot_with_catalog(&Mismatch, "r.yml", text, CATALOG));
    }

    #[test]
    fn same_units_after_conversion() {
        let text = "groups:\n- name: a\n  rules:\n  - alert: A\n    expr: fb_used * 1024 * 1024 > mem_available_bytes\n  - alert: B\n    expr: busy_ratio * 100 > util\n  - alert: C\n    expr: mem_available_bytes / 1024 / 1024 < fb_used\n  - alert: D\n    expr: rate(cpu_seconds_total[5m]) > busy_ratio\n  - alert: E\n    expr: util > 90\n  - alert: F\n    expr: rate(sent_bytes_total[5m]) + on() group_right() (count(util) * 0) > 0\n";
        assert_eq!(snapshot_with_catalog(&Mismatch, "r.yml", text, CATALOG), "");
    }
}
