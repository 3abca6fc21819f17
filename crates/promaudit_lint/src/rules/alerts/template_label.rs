use crate::context::FileContext;
use crate::declare_rule;
use crate::gotemplate::label_references;
use crate::registry::{Rule, RuleMeta};
use promaudit_diagnostics::Diagnostic;

declare_rule! {
    /// ## What it finds
    /// Alert labels and annotations that use `{{ $labels.x }}` where no series of the alert's
    /// expression can carry `x`: an aggregation dropped it (`sum by (job)` keeps only `job`),
    /// a join kept only the `on(…)` labels, or the metric never had it. Labels the rule sets in
    /// `labels:` count as present.
    ///
    /// ## Why it matters
    /// The template renders an empty string. The page says "instance  is down" or "high error
    /// rate on ", and routing on a templated label sends it to the default receiver.
    ///
    /// ## Example
    /// ```yaml
    /// - alert: HighErrorRate
    ///   expr: sum(rate(errors_total[5m])) / sum(rate(requests_total[5m])) > 0.05
    ///   annotations:
    ///     summary: "High error rate on {{ $labels.service }}"
    /// ```
    ///
    /// ## Fix
    /// Keep the label in the expression (`sum by (service) (…) / sum by (service) (…)`), or drop
    /// it from the template.
    pub TemplateLabel {
        code: "alerts/template-label",
        category: Correctness,
        severity: Warning,
        summary: "An alert template uses a label the alert's series never carry",
    }
}

impl Rule for TemplateLabel {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &FileContext, out: &mut Vec<Diagnostic>) {
        for rule in cx.rule_files().flat_map(|f| &f.groups).flat_map(|g| &g.rules) {
            let (Some(alert), Some(site)) = (&rule.alert, &rule.expr) else { continue };
            let Some((query, parsed)) = cx.parsed_query_of(site) else { continue };
            let labels = cx.labels(query, &parsed.expr);
            let set_by_rule = |name: &str| rule.labels.iter().any(|(key, _)| key.value == name);
            for (key, template) in rule.labels.iter().chain(&rule.annotations) {
                for (name, span) in label_references(&template.value) {
                    if !labels.lacks(&name) || set_by_rule(&name) {
                        continue;
                    }
                    let kept = labels.possible.as_ref().map(|p| p.iter().filter(|l| *l != "__name__").map(|l| format!("`{l}`")).collect::<Vec<_>>().join(", ")).unwrap_or_default();
                    let kept = if kept.is_empty() { "no labels".to_string() } else { kept };
                    let message = format!("`{}` of alert `{}` uses `$labels.{name}`, but the alert's series carry only {kept}: it renders empty", key.value, alert.value);
                    out.push(Self::META.diagnostic(template.file_span(span), message).with_help(format!("keep `{name}` in the expression (add it to `by (…)` or `on (…)`), or drop it from the template")));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::snapshot;

    #[test]
    fn labels_dropped_by_aggregation() {
        let text = "groups:\n- name: a\n  rules:\n  - alert: HighErrorRate\n    expr: sum by (job) (rate(errors_total[5m])) > 1\n    labels:\n      team: '{{ $labels.team }}'\n    annotations:\n      summary: \"errors on {{ $labels.job }}/{{ $labels.instance }}\"\n";
        insta::assert_snapshot!(snapshot(&TemplateLabel, "r.yml", text));
    }

    #[test]
    fn labels_the_series_keep() {
        let text = "groups:\n- name: a\n  rules:\n  - alert: Down\n    expr: up == 0\n    labels:\n      severity: page\n    annotations:\n      summary: \"{{ $labels.instance }} of {{ $labels.job }} is down ({{ $labels.severity }})\"\n  - alert: Absent\n    expr: absent(up{job=\"node\"})\n    annotations:\n      summary: \"{{ $labels.job }} is gone\"\n";
        assert_eq!(snapshot(&TemplateLabel, "r.yml", text), "");
    }
}
