use crate::context::FileContext;
use crate::declare_rule;
use crate::gotemplate::label_references;
use crate::registry::{Rule, RuleMeta};
use promaudit_diagnostics::Diagnostic;
use promaudit_semantic::LabelSet;

declare_rule! {
    /// ## What it finds
    /// Alert labels and annotations that use `{{ $labels.x }}` where no series of the alert's
    /// expression can carry `x`: an aggregation dropped it (`sum by (job)` keeps only `job`),
    /// a join kept only the `on(…)` labels, or the metric never had it. Also `$labels.x` where
    /// `x` is only a static label of the rule (`labels:`): Prometheus adds those after expanding
    /// the templates, so `$labels` holds only the series' own labels.
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
    /// it from the template. For a static label, write its value in the template directly.
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
            let references: Vec<_> = rule.labels.iter().chain(&rule.annotations).flat_map(|(key, template)| label_references(&template.value).into_iter().map(move |r| (key, template, r))).collect();
            if references.is_empty() {
                continue;
            }
            let Some((query, parsed)) = cx.parsed_query_of(site) else { continue };
            let labels = cx.labels(query, &parsed.expr);
            for (key, template, (name, span)) in references {
                if !labels.lacks(&name) {
                    continue;
                }
                let uses = format!("`{}` of alert `{}` uses `$labels.{name}`", key.value, alert.value);
                // A label copying itself (`team: '{{ $labels.team }}'`) only hopes for the series' own.
                let static_label = rule.labels.iter().find(|(label, _)| label.value == name && label.span != key.span);
                let diagnostic = match static_label {
                    Some((_, value)) => Self::META
                        .diagnostic(template.file_span(span), format!("{uses}, but `{name}` is only a static label of the rule: `labels:` are added after templates are expanded, so it renders empty"))
                        .with_help(format!("write the value directly: `{}`", value.value)),
                    None if labels.possible.is_none() => Self::META
                        .diagnostic(template.file_span(span), format!("{uses}, but the expression drops `{name}` (`without (…)` or `ignoring (…)`): it renders empty"))
                        .with_help(format!("keep `{name}` in the expression (take it out of `without (…)` or `ignoring (…)`), or drop it from the template")),
                    None => Self::META
                        .diagnostic(template.file_span(span), format!("{uses}, but the alert's series carry only {}: it renders empty", kept(&labels)))
                        .with_help(format!("keep `{name}` in the expression (add it to `by (…)` or `on (…)`), or drop it from the template")),
                };
                out.push(diagnostic);
            }
        }
    }
}

/// The labels the series can carry, for a message: "`job`, `instance`" or "no labels".
fn kept(labels: &LabelSet) -> String {
    let kept: Vec<String> = labels.possible.iter().flatten().filter(|l| *l != "__name__").map(|l| format!("`{l}`")).collect();
    if kept.is_empty() { "no labels".to_string() } else { kept.join(", ") }
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
    fn static_labels_are_not_in_labels() {
        let text = "groups:\n- name: a\n  rules:\n  - alert: QueueStuck\n    expr: sum by (queue) (rate(jobs_total[30m])) == 0\n    labels:\n      stage: main\n    annotations:\n      summary: \"{{ $labels.queue }} in {{ $labels.stage }} is stuck\"\n";
        insta::assert_snapshot!(snapshot(&TemplateLabel, "r.yml", text));
        // Series that may carry `stage` themselves win over the static label: nothing to say.
        assert_eq!(snapshot(&TemplateLabel, "r.yml", &text.replace("sum by (queue) ", "")), "");
    }

    #[test]
    fn labels_the_series_keep() {
        let text = "groups:\n- name: a\n  rules:\n  - alert: Down\n    expr: up == 0\n    labels:\n      severity: page\n    annotations:\n      summary: \"{{ $labels.instance }} of {{ $labels.job }} is down ({{ $labels.severity }})\"\n  - alert: Absent\n    expr: absent(up{job=\"node\"})\n    annotations:\n      summary: \"{{ $labels.job }} is gone\"\n";
        assert_eq!(snapshot(&TemplateLabel, "r.yml", text), "");
    }

    #[test]
    fn labels_dropped_from_unknown_metrics() {
        let text = "groups:\n- name: a\n  rules:\n  - alert: A\n    expr: sum without (job) (rate(errs_total[5m])) > 0\n    annotations:\n      summary: \"errors in {{ $labels.job }} on {{ $labels.instance }}\"\n  - alert: B\n    expr: errs_a * ignoring(job) errs_b > 0\n    annotations:\n      summary: \"errors in {{ $labels.job }}\"\n";
        insta::assert_snapshot!(snapshot(&TemplateLabel, "r.yml", text));
    }
}
