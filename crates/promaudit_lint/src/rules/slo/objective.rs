use crate::context::FileContext;
use crate::declare_rule;
use crate::registry::{Rule, RuleMeta};
use promaudit_diagnostics::Diagnostic;
use promaudit_source::artifact::{Artifact, SloFormat};

declare_rule! {
    /// ## What it finds
    /// SLO objectives outside what their tool means by them. Sloth and Pyrra take a percentage
    /// in (0, 100]: `0.999` there means 0.999%, not 99.9%. OpenSLO takes a ratio in (0, 1):
    /// `99.9` there is impossible. An objective of 100 leaves no error budget at all.
    ///
    /// ## Why it matters
    /// A 0.999% objective is met by a service that fails almost every request: the SLO never
    /// burns and never alerts. A 100% objective burns its whole budget on the first error and
    /// pages forever.
    ///
    /// ## Example
    /// ```yaml
    /// objective: 0.999   # Sloth: percent
    /// ```
    ///
    /// ## Fix
    /// `objective: 99.9` (Sloth, Pyrra), `target: 0.999` (OpenSLO).
    pub Objective {
        code: "slo/objective",
        category: Correctness,
        severity: Error,
        summary: "An SLO objective is outside the range its tool reads it in",
    }
}

impl Rule for Objective {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &FileContext, out: &mut Vec<Diagnostic>) {
        for spec in cx.extraction.artifacts.iter().filter_map(|a| if let Artifact::SloSpec(s) = a { Some(s) } else { None }) {
            for slo in &spec.slos {
                let Some(objective) = &slo.objective else { continue };
                let Ok(value) = objective.value.trim().trim_end_matches('%').parse::<f64>() else { continue };
                let Some((message, help)) = judge(spec.format, value) else { continue };
                out.push(Self::META.diagnostic(objective.span, message).with_help(help));
            }
        }
    }
}

fn judge(format: SloFormat, value: f64) -> Option<(String, String)> {
    let percent = !matches!(format, SloFormat::OpenSlo);
    if percent {
        if value > 0.0 && value < 1.0 {
            return Some((format!("{value} is a percentage here: the objective is {value}%, met by a service that fails almost every request"), format!("write {}", value * 100.0)));
        }
        if value <= 0.0 || value > 100.0 {
            return Some((format!("{value} is not a percentage in (0, 100]"), "write the objective as a percentage, such as 99.9".into()));
        }
        if value == 100.0 {
            return Some(("an objective of 100% leaves no error budget: the first error burns all of it".into(), "leave a budget, such as 99.9".into()));
        }
    } else if value <= 0.0 || value >= 1.0 {
        let help = if value > 1.0 && value <= 100.0 { format!("OpenSLO targets are ratios: write {}", value / 100.0) } else { "write the target as a ratio in (0, 1), such as 0.999".into() };
        return Some((format!("{value} is not a ratio in (0, 1)"), help));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::snapshot;

    #[test]
    fn objectives_in_the_wrong_scale() {
        let text = "version: prometheus/v1\nservice: api\nslos:\n- name: a\n  objective: 0.999\n  sli:\n    raw:\n      error_ratio_query: x\n- name: b\n  objective: 100\n  sli:\n    raw:\n      error_ratio_query: x\n- name: c\n  objective: 99.9\n  sli:\n    raw:\n      error_ratio_query: x\n";
        insta::assert_snapshot!(snapshot(&Objective, "slo.yml", text));
    }
}
