use crate::context::FileContext;
use crate::declare_rule;
use crate::registry::{Rule, RuleMeta};
use promaudit_diagnostics::Diagnostic;

declare_rule! {
    /// ## What it finds
    /// A rule's static label with the name of an external label of the server that evaluates
    /// the rule, and another value: `labels: {cluster: dev}` in a file that a Prometheus with
    /// `external_labels: {cluster: staging}` loads. The server's external labels come from
    /// `servers:` in `.promaudit.yaml` or from the `global.external_labels` of a prometheus.yml
    /// whose `rule_files` name the file.
    ///
    /// ## Why it matters
    /// A server adds its external labels to the alerts it sends and to the series it federates
    /// or writes remotely, but only where the label is not set already. The rule's value wins:
    /// the staging server's alert reaches Alertmanager as a `cluster="dev"` alert, is routed and
    /// silenced as dev's, and its recorded series are read through Thanos as dev's series.
    ///
    /// ## Example
    /// ```yaml
    /// # prometheus.yml: global: {external_labels: {cluster: staging}}, rule_files: [rules.yml]
    /// - alert: QueueFull
    ///   expr: queue_depth > 100
    ///   labels: {cluster: dev, severity: warning}
    /// ```
    ///
    /// ## Fix
    /// Remove the label: the server adds `cluster="staging"` itself. If the rule must name
    /// another cluster, it belongs to that cluster's server.
    pub ExternalConflict {
        code: "labels/external-conflict",
        category: Correctness,
        severity: Warning,
        summary: "A rule sets a label the server adds as an external label, with another value",
    }
}

impl Rule for ExternalConflict {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &FileContext, out: &mut Vec<Diagnostic>) {
        for (group, scope, external) in cx.groups_with_external_labels() {
            for rule in &group.rules {
                let Some(name) = rule.alert.as_ref().or(rule.record.as_ref()) else { continue };
                let kind = if rule.alert.is_some() { "alert" } else { "recording rule" };
                for (key, value) in &rule.labels {
                    let Some(theirs) = external.get(&key.value).filter(|theirs| **theirs != value.value) else { continue };
                    let claimed = format!("`{}=\"{}\"`", key.value, value.value);
                    let consequence = if rule.alert.is_some() {
                        format!("the alert reaches Alertmanager with {claimed} and is routed and silenced as that one's")
                    } else {
                        format!("read through federation, Thanos or remote storage, the recorded series claim {claimed}")
                    };
                    let message = format!("{kind} `{}` sets `{}`, which {scope} adds as the external label `{}=\"{theirs}\"`; a label the rule sets is not replaced: {consequence}", name.value, key.value, key.value);
                    out.push(Self::META.diagnostic(key.span, message).with_help(format!("remove `{}` from the rule's labels: the server adds `{}=\"{theirs}\"` itself", key.value, key.value)));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::check_project;

    const CONFIG: &str = "global:\n  external_labels:\n    cluster: staging\nrule_files: [rules.yml]\n";

    #[test]
    fn a_label_that_contradicts_the_server() {
        let rules = "groups:\n- name: a\n  rules:\n  - alert: QueueFull\n    expr: queue_depth > 100\n    labels:\n      cluster: dev\n      severity: warning\n  - record: job:queue_depth:max\n    expr: max by (job) (queue_depth)\n    labels:\n      cluster: dev\n";
        insta::assert_snapshot!(check_project(&ExternalConflict, &[("prometheus.yml", CONFIG), ("rules.yml", rules)], "rules.yml"));
    }

    #[test]
    fn the_same_value_or_an_unknown_server_is_fine() {
        let same = "groups:\n- name: a\n  rules:\n  - alert: QueueFull\n    expr: queue_depth > 100\n    labels:\n      cluster: staging\n";
        assert_eq!(check_project(&ExternalConflict, &[("prometheus.yml", CONFIG), ("rules.yml", same)], "rules.yml"), "");
        let other = same.replace("staging", "dev");
        assert_eq!(check_project(&ExternalConflict, &[("prometheus.yml", CONFIG), ("other.yml", &other)], "other.yml"), "");
    }
}
