use crate::context::FileContext;
use crate::declare_rule;
use crate::registry::{Rule, RuleMeta};
use promaudit_diagnostics::Diagnostic;

declare_rule! {
    /// ## What it finds
    /// An alert whose `severity` label is not one of the levels `alerts.severities` in
    /// `.promaudit.yaml` lists. Runs only when that list is configured.
    ///
    /// ## Why it matters
    /// Routing trees match severities exactly: `severity: crit` or `severity: Critical` matches
    /// no `severity="critical"` route, so the alert falls through to the default receiver, and
    /// inhibition rules keyed on the level do not apply.
    ///
    /// ## Example
    /// ```yaml
    /// # .promaudit.yaml: alerts: {severities: [critical, warning, info]}
    /// - alert: DiskFull
    ///   labels: {severity: crit}
    /// ```
    ///
    /// ## Fix
    /// Use one of the configured levels: `severity: critical`.
    pub UnknownSeverity {
        code: "alerts/unknown-severity",
        category: Correctness,
        severity: Warning,
        summary: "An alert's `severity` is not one of the configured levels",
    }
}

impl Rule for UnknownSeverity {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &FileContext, out: &mut Vec<Diagnostic>) {
        let Some(levels) = &cx.config.alerts.severities else { return };
        for rule in cx.rule_files().flat_map(|f| &f.groups).flat_map(|g| &g.rules) {
            let Some(alert) = &rule.alert else { continue };
            let Some((_, value)) = rule.labels.iter().find(|(key, _)| key.value == "severity") else { continue };
            if levels.contains(&value.value) || value.value.contains("{{") {
                continue;
            }
            let close = levels.iter().find(|level| level.eq_ignore_ascii_case(&value.value) || level.starts_with(value.value.as_str()));
            let help = close.map_or_else(|| format!("use one of: {}", levels.join(", ")), |level| format!("write `severity: {level}`"));
            let message = format!("alert `{}` has severity `{}`, which is not one of the configured levels ({}): routes matching the levels exactly never see it", alert.value, value.value, levels.join(", "));
            out.push(Self::META.diagnostic(value.span, message).with_help(help));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{snapshot, snapshot_with_config};

    const RULES: &str = "groups:\n- name: a\n  rules:\n  - alert: DiskFull\n    expr: x < 0.05\n    labels: {severity: crit}\n  - alert: Down\n    expr: up == 0\n    labels:\n      severity: \"page\"\n  - alert: Fine\n    expr: up == 0\n    labels: {severity: warning}\n";

    #[test]
    fn severities_outside_the_configured_levels() {
        insta::assert_snapshot!(snapshot_with_config(&UnknownSeverity, "r.yml", RULES, "alerts:\n  severities: [critical, warning, info]\n"));
    }

    #[test]
    fn any_severity_without_a_configured_list() {
        assert_eq!(snapshot(&UnknownSeverity, "r.yml", RULES), "");
    }
}
