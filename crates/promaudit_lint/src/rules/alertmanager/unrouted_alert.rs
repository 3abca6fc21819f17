use crate::context::FileContext;
use crate::declare_rule;
use crate::registry::{Rule, RuleMeta};
use crate::routing::{LabelValue, RoutingTree};
use promaudit_diagnostics::Diagnostic;
use promaudit_source::artifact::Rule as AlertRule;

declare_rule! {
    /// ## What it finds
    /// Alerts that no route of the checked Alertmanager configuration takes, so they fall to the
    /// root route, when that says something is wrong: the root's receiver notifies no one (no
    /// `*_configs`) while others do, or the alert's `severity` is one no route's `severity`
    /// matcher accepts (`page` in a tree routing `critical` and `warning`). Each alert's static
    /// `labels:` and `alertname` are routed through the tree; a matcher on a label the
    /// expression may carry with an unknown value leaves the alert unjudged. Judged only when
    /// the checked files hold exactly one Alertmanager configuration.
    ///
    /// ## Why it matters
    /// The alert fires, Alertmanager accepts it, and nobody is told: the blackhole receiver
    /// swallows it, or it reaches the catch-all inbox instead of the pager its severity was
    /// meant for. Nothing in either system reports the mistake.
    ///
    /// ## Example
    /// ```yaml
    /// # alertmanager.yml
    /// route:
    ///   receiver: "null"
    ///   routes:
    ///   - matchers: ['severity="critical"']
    ///     receiver: pagerduty
    /// # alerts.yml
    /// - alert: DiskFull
    ///   labels:
    ///     severity: crit
    /// ```
    ///
    /// ## Fix
    /// Use a severity the tree routes (`critical`), or add a route for it.
    pub UnroutedAlert {
        code: "alertmanager/unrouted-alert",
        category: Suspicious,
        severity: Warning,
        summary: "An alert matches no route and falls to a root receiver that does not serve it",
    }
}

impl Rule for UnroutedAlert {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &FileContext, out: &mut Vec<Diagnostic>) {
        let [tree] = cx.project.routing.as_slice() else { return };
        if !tree.notifies {
            return;
        }
        for rule in cx.rule_files().flat_map(|f| &f.groups).flat_map(|g| &g.rules) {
            let (Some(alert), None) = (&rule.alert, &rule.record) else { continue };
            let possible = rule.expr.as_ref().and_then(|site| cx.parsed_query_of(site)).and_then(|(query, parsed)| cx.labels(query, &parsed.expr).possible);
            let value = |label: &str| label_value(rule, &alert.value, possible.as_ref(), label);
            let Some(landings) = tree.route(&value) else { continue };
            let [landing] = landings.as_slice() else { continue };
            if !landing.fell_through {
                continue;
            }
            if let Some(message) = problem(tree, landing.receiver, rule, &alert.value) {
                out.push(Self::META.diagnostic(alert.span, message).with_note(format!("routed through the Alertmanager configuration at {}", tree.location)));
            }
        }
    }
}

/// Why falling to the root receiver is wrong for this alert, if it is.
fn problem(tree: &RoutingTree, receiver: &str, rule: &AlertRule, alert: &str) -> Option<String> {
    if tree.is_silent(receiver) {
        return Some(format!("alert `{alert}` matches no route and falls to the root receiver `{receiver}`, which notifies no one: it fires unseen"));
    }
    let severity = rule.labels.iter().find(|(name, _)| name.value == "severity").map(|(_, value)| value.value.as_str())?;
    if tree.label_routed("severity", severity) != Some(false) {
        return None;
    }
    Some(format!("no route accepts `severity: {severity}`: alert `{alert}` falls to the root receiver `{receiver}` instead of the receiver its severity was meant for"))
}

/// What the alert's `label` is: its static value, its name, absent when the expression cannot
/// carry it, else unknown.
fn label_value(rule: &AlertRule, alert: &str, possible: Option<&std::collections::BTreeSet<String>>, label: &str) -> LabelValue {
    if let Some((_, value)) = rule.labels.iter().find(|(name, _)| name.value == label) {
        return if value.value.contains("{{") { LabelValue::Unknown } else { LabelValue::Known(value.value.clone()) };
    }
    if label == "alertname" {
        return LabelValue::Known(alert.to_string());
    }
    match possible {
        Some(labels) if !labels.contains(label) => LabelValue::Known(String::new()),
        _ => LabelValue::Unknown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::check_project;

    const ALERTMANAGER: &str = "route:\n  receiver: \"null\"\n  routes:\n  - matchers: ['severity=\"critical\"']\n    receiver: pagerduty\n  - match_re:\n      severity: warn(ing)?\n    receiver: slack\nreceivers:\n- name: \"null\"\n- name: pagerduty\n  pagerduty_configs:\n  - routing_key_file: /etc/pd\n- name: slack\n  slack_configs:\n  - channel: '#alerts'\n";
    const ALERTS: &str = "groups:\n- name: a\n  rules:\n  - alert: DiskFull\n    expr: sum by (instance) (node_filesystem_avail_bytes) < 1e9\n    labels:\n      severity: crit\n  - alert: Paged\n    expr: up == 0\n    labels:\n      severity: critical\n  - alert: Warned\n    expr: up == 0\n    labels:\n      severity: warning\n  - alert: Unlabelled\n    expr: sum(up) == 0\n  - alert: TemplatedSeverity\n    expr: up == 0\n    labels:\n      severity: '{{ $labels.severity }}'\n";

    #[test]
    fn alerts_falling_to_a_blackhole() {
        insta::assert_snapshot!(check_project(&UnroutedAlert, &[("alertmanager.yml", ALERTMANAGER), ("alerts.yml", ALERTS)], "alerts.yml"));
    }

    #[test]
    fn an_unknown_severity_reaching_a_notifying_root() {
        let notifying_root = ALERTMANAGER.replace("- name: \"null\"\n", "- name: \"null\"\n  email_configs:\n  - to: ops@example.com\n");
        insta::assert_snapshot!(check_project(&UnroutedAlert, &[("alertmanager.yml", &notifying_root), ("alerts.yml", ALERTS)], "alerts.yml"));
    }

    #[test]
    fn skeleton_configs_and_several_trees_are_not_judged() {
        let skeleton = "route:\n  receiver: default\n  routes:\n  - matchers: ['severity=\"critical\"']\n    receiver: critical\nreceivers:\n- name: default\n- name: critical\n";
        assert!(check_project(&UnroutedAlert, &[("alertmanager.yml", skeleton), ("alerts.yml", ALERTS)], "alerts.yml").is_empty());
        assert!(check_project(&UnroutedAlert, &[("a.yml", ALERTMANAGER), ("b.yml", ALERTMANAGER), ("alerts.yml", ALERTS)], "alerts.yml").is_empty());
    }
}
