use crate::context::FileContext;
use crate::declare_rule;
use crate::gotemplate::value_references;
use crate::registry::{Rule, RuleMeta};
use promaudit_diagnostics::Diagnostic;

declare_rule! {
    /// ## What it finds
    /// Alert `labels:` whose template uses `$value` (or `.Value`).
    ///
    /// ## Why it matters
    /// Labels are an alert's identity. When the value changes, the old alert resolves and a new
    /// one starts, with its `for:` timer reset: the alert flaps, never reaches its `for`, and
    /// Alertmanager sends a resolve and a new page at every evaluation.
    ///
    /// ## Example
    /// ```yaml
    /// labels:
    ///   current: "{{ $value }}"
    /// ```
    ///
    /// ## Fix
    /// Put the value in an annotation: `description: "at {{ $value | humanize }}"`.
    pub ValueInLabel {
        code: "alerts/value-in-label",
        category: Correctness,
        severity: Error,
        summary: "An alert label uses `$value`, so every new value is a new alert",
    }
}

impl Rule for ValueInLabel {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &FileContext, out: &mut Vec<Diagnostic>) {
        for rule in cx.rule_files().flat_map(|f| &f.groups).flat_map(|g| &g.rules) {
            let Some(alert) = &rule.alert else { continue };
            for (key, template) in &rule.labels {
                for span in value_references(&template.value) {
                    let message = format!("label `{}` of alert `{}` uses the alert's value: each new value resolves the alert and starts another, resetting `for`", key.value, alert.value);
                    out.push(Self::META.diagnostic(template.file_span(span), message).with_help("move the value into an annotation; labels must identify the alert, not measure it"));
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
    fn value_in_a_label() {
        let text = "groups:\n- name: a\n  rules:\n  - alert: Busy\n    expr: load1 > 4\n    labels:\n      load: \"{{ $value | printf \\\"%.0f\\\" }}\"\n    annotations:\n      summary: \"load {{ $value }}\"\n";
        insta::assert_snapshot!(snapshot(&ValueInLabel, "r.yml", text));
    }

    #[test]
    fn value_in_annotations_only() {
        let text = "groups:\n- name: a\n  rules:\n  - alert: Busy\n    expr: load1 > 4\n    labels:\n      severity: warning\n    annotations:\n      summary: \"load {{ $value }} {{ $valueX }}\"\n";
        assert_eq!(snapshot(&ValueInLabel, "r.yml", text), "");
    }
}
