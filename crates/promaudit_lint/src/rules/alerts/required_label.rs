use crate::context::FileContext;
use crate::declare_rule;
use crate::registry::{Rule, RuleMeta};
use promaudit_diagnostics::Diagnostic;

declare_rule! {
    /// ## What it finds
    /// Alerting rules without a label the configuration requires: `severity` by default, and
    /// whatever `alerts.required_labels` in `.promaudit.yaml` lists (`team`, `service`, …).
    ///
    /// ## Why it matters
    /// Alertmanager routes on labels, and `severity` is the one every routing tree, silence and
    /// inhibition rule expects: without it the alert falls through to the default receiver,
    /// is not inhibited by its critical sibling, and cannot be told from a warning. Labels like
    /// `team` decide who is paged; an alert without one pages nobody in particular.
    ///
    /// ## Example
    /// ```yaml
    /// - alert: DiskFull
    ///   expr: node_filesystem_avail_bytes / node_filesystem_size_bytes < 0.05
    /// ```
    ///
    /// ## Fix
    /// `labels: {severity: critical}` (or your routing tree's levels).
    pub RequiredLabel {
        code: "alerts/required-label",
        category: Style,
        severity: Info,
        summary: "An alert lacks a label the configuration requires (by default `severity`)",
    }
}

impl Rule for RequiredLabel {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &FileContext, out: &mut Vec<Diagnostic>) {
        for rule in cx.rule_files().flat_map(|f| &f.groups).flat_map(|g| &g.rules) {
            let Some(alert) = &rule.alert else { continue };
            for required in &cx.config.alerts.required_labels {
                if rule.labels.iter().any(|(key, _)| key.value == *required) {
                    continue;
                }
                let (message, help) = if required == "severity" {
                    (format!("alert `{}` has no `severity` label: Alertmanager routes and inhibits on it", alert.value), "add `labels: {severity: …}` with one of your routing tree's levels".to_string())
                } else {
                    (format!("alert `{}` has no `{required}` label, which this repository's alerts must carry to be routed", alert.value), format!("add `labels: {{{required}: …}}`"))
                };
                out.push(Self::META.diagnostic(alert.span, message).with_help(help));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{snapshot, snapshot_with_config};

    const RULES: &str = "groups:\n- name: a\n  rules:\n  - alert: DiskFull\n    expr: x < 0.05\n  - alert: Down\n    expr: up == 0\n    labels:\n      severity: critical\n";

    #[test]
    fn alerts_with_and_without_severity() {
        insta::assert_snapshot!(snapshot(&RequiredLabel, "r.yml", RULES));
    }

    #[test]
    fn labels_the_configuration_requires() {
        insta::assert_snapshot!(snapshot_with_config(&RequiredLabel, "r.yml", RULES, "alerts:\n  required_labels: [team]\n"));
    }
}
