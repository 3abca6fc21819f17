use crate::context::FileContext;
use crate::declare_rule;
use crate::gotemplate;
use crate::registry::{Rule, RuleMeta};
use promaudit_diagnostics::Diagnostic;

declare_rule! {
    /// ## What it finds
    /// Alert labels and annotations whose Go template does not compile: unclosed `{{`,
    /// undefined variables such as `$label` for `$labels`, unknown functions, `{{ if }}`
    /// without `{{ end }}`.
    ///
    /// ## Why it matters
    /// Prometheus rejects the rule file (`promtool check rules` fails), or, for errors only found
    /// when expanding, sends the notification with the error text instead of the summary.
    ///
    /// ## Example
    /// ```yaml
    /// annotations:
    ///   summary: "Instance {{ $label.instance }} down"
    /// ```
    ///
    /// ## Fix
    /// Correct the template: `{{ $labels.instance }}`. The variables Prometheus defines are
    /// `$labels`, `$value`, `$externalLabels` and `$externalURL`.
    pub InvalidTemplate {
        code: "rulefmt/invalid-template",
        category: Correctness,
        severity: Error,
        summary: "An alert label or annotation template does not compile",
    }
}

impl Rule for InvalidTemplate {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &FileContext, out: &mut Vec<Diagnostic>) {
        for rule in cx.rule_files().flat_map(|f| &f.groups).flat_map(|g| &g.rules) {
            // Only alerts expand templates; recording rule labels are stored verbatim.
            if rule.alert.is_none() {
                continue;
            }
            for (kind, entries) in [("label", &rule.labels), ("annotation", &rule.annotations)] {
                for (name, value) in entries.iter() {
                    if let Some(error) = gotemplate::check(&value.value) {
                        let message = format!("invalid template in {kind} `{}`: {}", name.value, error.message);
                        out.push(Self::META.diagnostic(value.file_span(error.span), message));
                    }
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
    fn undefined_variable_in_a_quoted_annotation() {
        let text = "groups:\n  - name: alerts\n    rules:\n      - alert: InstanceDown\n        expr: up == 0\n        annotations:\n          summary: \"Instance {{ $label.foo }} down\"\n";
        insta::assert_snapshot!(snapshot(&InvalidTemplate, "r.yml", text));
    }

    #[test]
    fn unclosed_block_in_a_literal_annotation() {
        let text = "groups:\n  - name: alerts\n    rules:\n      - alert: X\n        expr: up == 0\n        annotations:\n          description: |\n            {{ if gt $value 1.0 }}\n            many\n";
        insta::assert_snapshot!(snapshot(&InvalidTemplate, "r.yml", text));
    }

    #[test]
    fn a_lowercase_field_is_reported_in_its_rule_not_by_skipping_the_file() {
        let text = "groups:\n  - name: alerts\n    rules:\n      - alert: X\n        expr: up == 0\n        annotations:\n          summary: '{{ .value }}'\n";
        insta::assert_snapshot!(snapshot(&InvalidTemplate, "r.yml", text));
    }

    #[test]
    fn valid_templates() {
        let text = "groups:\n  - name: alerts\n    rules:\n      - alert: X\n        expr: up == 0\n        labels:\n          instance: '{{ $labels.instance }}'\n        annotations:\n          summary: '{{ $value | humanizePercentage }}'\n";
        assert!(snapshot(&InvalidTemplate, "r.yml", text).is_empty());
    }
}
