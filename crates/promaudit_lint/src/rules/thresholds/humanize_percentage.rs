use crate::context::{alert_value, expr_label, FileContext};
use crate::declare_rule;
use crate::registry::{Rule, RuleMeta};
use promaudit_semantic::Dimension;
use promaudit_diagnostics::{Diagnostic, Span};

declare_rule! {
    /// ## What it finds
    /// Alert annotations that format `$value` with `humanizePercentage` when the alerting
    /// expression's value is already a percentage (0-100), by the catalog's unit.
    ///
    /// ## Why it matters
    /// `humanizePercentage` multiplies by 100: a GPU at 95% utilization is announced as
    /// "9500%". The page that wakes someone up reads as nonsense.
    ///
    /// ## Example
    /// ```yaml
    /// expr: DCGM_FI_DEV_GPU_UTIL > 90
    /// annotations:
    ///   description: "GPU busy at {{ $value | humanizePercentage }}"
    /// ```
    ///
    /// ## Fix
    /// Print the number with a percent sign: `{{ $value | printf "%.0f" }}%`, or compare a
    /// ratio (0-1) and keep `humanizePercentage`.
    pub HumanizePercentage {
        code: "thresholds/humanize-percentage",
        category: Correctness,
        severity: Warning,
        summary: "`humanizePercentage` formats a value that is already a percentage",
    }
}

impl Rule for HumanizePercentage {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &FileContext, out: &mut Vec<Diagnostic>) {
        for rule in cx.rule_files().flat_map(|f| &f.groups).flat_map(|g| &g.rules).filter(|r| r.alert.is_some()) {
            let Some(expr) = &rule.expr else { continue };
            let Some((query, parsed)) = cx.parsed_query_of(expr) else { continue };
            let value = alert_value(&parsed.expr);
            let measure = query.values(parsed, cx.catalog).of(value).measure;
            if !measure.is_some_and(|m| m.dimension == Dimension::Fraction && !m.per_second && m.scale == 0.01) {
                continue;
            }
            let subject = expr_label(value);
            for (name, text) in &rule.annotations {
                let Some(at) = text.value.find("humanizePercentage") else { continue };
                let span = text.file_span(Span::new(at, at + "humanizePercentage".len()));
                out.push(
                    Self::META
                        .diagnostic(span, format!("{subject} is already a percentage (0-100): `humanizePercentage` in annotation `{}` multiplies it by 100 again", name.value))
                        .with_help("write `{{ $value | printf \"%.0f\" }}%`"),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::snapshot_with_catalog;

    const CATALOG: &str = "# HELP util GPU utilization (in %).\n# TYPE util gauge\nutil 50\n# TYPE busy_ratio gauge\nbusy_ratio 0.5\n";

    #[test]
    fn percent_value_humanized_as_a_ratio() {
        let text = "groups:\n- name: a\n  rules:\n  - alert: Busy\n    expr: util > 90\n    annotations:\n      description: \"busy at {{ $value | humanizePercentage }}\"\n";
        insta::assert_snapshot!(snapshot_with_catalog(&HumanizePercentage, "r.yml", text, CATALOG));
    }

    #[test]
    fn ratio_value_humanized() {
        let text = "groups:\n- name: a\n  rules:\n  - alert: Busy\n    expr: busy_ratio > 0.9\n    annotations:\n      description: \"busy at {{ $value | humanizePercentage }}\"\n";
        assert!(snapshot_with_catalog(&HumanizePercentage, "r.yml", text, CATALOG).is_empty());
    }
}
