use crate::context::{expr_label, FileContext};
use crate::declare_rule;
use crate::registry::{Rule, RuleMeta};
use promaudit_diagnostics::Diagnostic;
use promaudit_semantic::Dimension;
use promql_parser::parser::{token, Expr};

declare_rule! {
    /// ## What it finds
    /// A value that is not in bytes (DCGM's framebuffer gauges are in MiB, `x_bytes / 1024 /
    /// 1024` is in MiB) compared with a threshold written out in bytes, such as
    /// `8 * 1024 * 1024 * 1024`.
    ///
    /// ## Why it matters
    /// The threshold is 1,048,576 times too large (or small): `DCGM_FI_DEV_FB_USED > 8 * 1024 *
    /// 1024 * 1024` asks for 8 PiB of GPU memory and never fires.
    ///
    /// ## Example
    /// ```yaml
    /// expr: DCGM_FI_DEV_FB_USED > 70 * 1024 * 1024 * 1024
    /// ```
    ///
    /// ## Fix
    /// Write the threshold in the value's unit (`70 * 1024` MiB), or convert the value to bytes
    /// first (`DCGM_FI_DEV_FB_USED * 1024 * 1024 > 70 * 1024 * 1024 * 1024`).
    pub ThresholdScale {
        code: "units/threshold-scale",
        category: Correctness,
        severity: Warning,
        summary: "A threshold written in bytes is compared with a value in another byte unit",
    }
}

impl Rule for ThresholdScale {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &FileContext, out: &mut Vec<Diagnostic>) {
        for (query, parsed) in cx.parsed_queries() {
            let values = query.values(parsed, cx.catalog);
            parsed.walk(&mut |visit| {
                let Expr::Binary(binary) = visit.expr else { return };
                if !binary.op.is_comparison_operator() {
                    return;
                }
                let (value, threshold, t) = match (values.of(&binary.lhs).constant, values.of(&binary.rhs).constant) {
                    (None, Some(t)) => (binary.lhs.as_ref(), binary.rhs.as_ref(), t),
                    (Some(t), None) => (binary.rhs.as_ref(), binary.lhs.as_ref(), t),
                    _ => return,
                };
                let Some(measure) = values.of(value).measure.filter(|m| m.dimension == Dimension::Data && !m.per_second) else { return };
                // `70 * 1024` MiB is 70 GiB, fine; `70 * 1024^3` MiB would be 70 PiB.
                if measure.scale == 1.0 || !multiplies_by_1024(threshold) || t.abs() * measure.scale < PEBIBYTE {
                    return;
                }
                let unit = measure.describe();
                let message = format!("{} is in {unit}, but the threshold is written in bytes: it is {} times too large", expr_label(value), measure.scale);
                out.push(Self::META.diagnostic(query.file_span(parsed.span_of(threshold)), message).with_help(format!("write the threshold in {unit}, or convert the value to bytes first")));
            });
        }
    }
}

const PEBIBYTE: f64 = 1125899906842624.0;

/// A constant built with `* 1024` or `1024 ^ n`: the author converted a threshold to bytes.
fn multiplies_by_1024(expr: &Expr) -> bool {
    match expr {
        Expr::Paren(p) => multiplies_by_1024(&p.expr),
        Expr::Binary(b) if matches!(b.op.id(), token::T_MUL | token::T_POW) => {
            is_1024(&b.lhs) || is_1024(&b.rhs) || multiplies_by_1024(&b.lhs) || multiplies_by_1024(&b.rhs)
        }
        _ => false,
    }
}

fn is_1024(expr: &Expr) -> bool {
    matches!(expr, Expr::NumberLiteral(n) if n.val == 1024.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::snapshot_with_catalog;

    const CATALOG: &str = "# HELP fb_used Framebuffer memory used (in MiB).\n# TYPE fb_used gauge\nfb_used 1\n# TYPE mem_available_bytes gauge\nmem_available_bytes 1\n";

    #[test]
    fn mib_against_bytes() {
        let text = "groups:\n- name: a\n  rules:\n  - alert: A\n    expr: max(fb_used) > 70 * 1024 * 1024 * 1024\n  - alert: B\n    expr: mem_available_bytes / 1024 / 1024 < 2 * 1024^3\n";
        insta::assert_snapshot!(snapshot_with_catalog(&ThresholdScale, "r.yml", text, CATALOG));
    }

    #[test]
    fn thresholds_in_the_values_unit() {
        let text = "groups:\n- name: a\n  rules:\n  - alert: A\n    expr: fb_used > 70 * 1024\n  - alert: B\n    expr: mem_available_bytes < 2 * 1024 * 1024 * 1024\n  - alert: C\n    expr: fb_used * 1024 * 1024 > 8 * 1024 * 1024 * 1024\n";
        assert_eq!(snapshot_with_catalog(&ThresholdScale, "r.yml", text, CATALOG), "");
    }
}
