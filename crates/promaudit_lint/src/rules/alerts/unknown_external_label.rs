use crate::context::FileContext;
use crate::declare_rule;
use crate::gotemplate::external_label_references;
use crate::registry::{Rule, RuleMeta};
use promaudit_diagnostics::Diagnostic;

declare_rule! {
    /// ## What it finds
    /// `{{ $externalLabels.region }}` in an alert's labels or annotations, where the server that
    /// evaluates the alert has no external label `region`. The server's external labels come
    /// from `servers:` in `.promaudit.yaml` or from the `global.external_labels` of a
    /// prometheus.yml whose `rule_files` name the file; for any other file nothing is said.
    ///
    /// ## Why it matters
    /// A missing key of `$externalLabels` expands to nothing: the page says "disk full in " and
    /// the runbook link points at the wrong place, on every alert of the rule.
    ///
    /// ## Example
    /// ```yaml
    /// # prometheus.yml: global: {external_labels: {cluster: staging}}, rule_files: [rules.yml]
    /// - alert: DiskFull
    ///   expr: node_filesystem_avail_bytes / node_filesystem_size_bytes < 0.05
    ///   annotations:
    ///     summary: "disk full in {{ $externalLabels.region }}"
    /// ```
    ///
    /// ## Fix
    /// Use an external label the server has (`$externalLabels.cluster`), or add `region` to its
    /// `global.external_labels`.
    pub UnknownExternalLabel {
        code: "alerts/unknown-external-label",
        category: Correctness,
        severity: Error,
        summary: "An alert template reads an external label its server does not have",
    }
}

impl Rule for UnknownExternalLabel {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &FileContext, out: &mut Vec<Diagnostic>) {
        for (group, scope, external) in cx.groups_with_external_labels() {
            for rule in &group.rules {
                let Some(alert) = &rule.alert else { continue };
                for (key, template) in rule.labels.iter().chain(&rule.annotations) {
                    for (name, span) in external_label_references(&template.value) {
                        if external.contains_key(&name) {
                            continue;
                        }
                        let has: Vec<String> = external.keys().map(|k| format!("`{k}`")).collect();
                        let has = if has.is_empty() { "none".to_string() } else { has.join(", ") };
                        let message = format!("`{}` of alert `{}` uses `$externalLabels.{name}`, but {scope} has no external label `{name}` (it has {has}): it renders empty", key.value, alert.value);
                        out.push(Self::META.diagnostic(template.file_span(span), message).with_help(format!("use one of the server's external labels, or add `{name}` to its `global.external_labels`")));
                    }
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
    const RULES: &str = "groups:\n- name: a\n  rules:\n  - alert: DiskFull\n    expr: disk_free_ratio < 0.05\n    annotations:\n      summary: \"disk full in {{ $externalLabels.region }} of {{ $externalLabels.cluster }}\"\n";

    #[test]
    fn an_external_label_the_server_lacks() {
        insta::assert_snapshot!(check_project(&UnknownExternalLabel, &[("prometheus.yml", CONFIG), ("rules.yml", RULES)], "rules.yml"));
    }

    #[test]
    fn files_no_known_server_loads_are_not_judged() {
        assert_eq!(check_project(&UnknownExternalLabel, &[("prometheus.yml", CONFIG), ("other.yml", RULES)], "other.yml"), "");
    }
}
