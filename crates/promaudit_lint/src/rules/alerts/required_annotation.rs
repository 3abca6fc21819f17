use crate::context::FileContext;
use crate::declare_rule;
use crate::registry::{Rule, RuleMeta};
use promaudit_diagnostics::Diagnostic;

declare_rule! {
    /// ## What it finds
    /// Alerting rules without the annotations the page needs: by default a `summary` or a
    /// `description`; with `alerts.required_annotations` in `.promaudit.yaml`, each annotation
    /// listed there (typically `runbook_url`).
    ///
    /// ## Why it matters
    /// The annotations are what the on-call engineer reads at 3 a.m.: without a summary the
    /// page shows only the alert's name and labels, and without a runbook link every responder
    /// starts from nothing.
    ///
    /// ## Example
    /// ```yaml
    /// - alert: DiskFull
    ///   expr: node_filesystem_avail_bytes / node_filesystem_size_bytes < 0.05
    /// ```
    ///
    /// ## Fix
    /// ```yaml
    ///   annotations:
    ///     summary: "{{ $labels.mountpoint }} on {{ $labels.instance }} is almost full"
    ///     runbook_url: https://runbooks.example.com/disk-full
    /// ```
    pub RequiredAnnotation {
        code: "alerts/required-annotation",
        category: Style,
        severity: Info,
        summary: "An alert lacks an annotation the page needs (a summary, or what the configuration requires)",
    }
}

impl Rule for RequiredAnnotation {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &FileContext, out: &mut Vec<Diagnostic>) {
        for rule in cx.rule_files().flat_map(|f| &f.groups).flat_map(|g| &g.rules) {
            let Some(alert) = &rule.alert else { continue };
            let has = |name: &str| rule.annotations.iter().any(|(key, _)| key.value == name);
            match &cx.config.alerts.required_annotations {
                None if !["summary", "description", "message"].iter().any(|name| has(name)) => {
                    out.push(Self::META.diagnostic(alert.span, format!("alert `{}` has no `summary` or `description`: the page will show only its name and labels", alert.value)).with_help("add `annotations: {summary: …}` saying what is wrong and where"));
                }
                None => {}
                Some(required) => {
                    for name in required.iter().filter(|name| !has(name)) {
                        let why = if name == "runbook_url" { "the responder gets no link to what to do" } else { "this repository's alerts must carry it" };
                        out.push(Self::META.diagnostic(alert.span, format!("alert `{}` has no `{name}` annotation: {why}", alert.value)).with_help(format!("add `annotations: {{{name}: …}}`")));
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{snapshot, snapshot_with_config};

    const RULES: &str = "groups:\n- name: a\n  rules:\n  - alert: DiskFull\n    expr: x < 0.05\n  - alert: Down\n    expr: up == 0\n    annotations:\n      summary: down\n";

    #[test]
    fn alerts_with_and_without_annotations() {
        insta::assert_snapshot!(snapshot(&RequiredAnnotation, "r.yml", RULES));
    }

    #[test]
    fn annotations_the_configuration_requires() {
        insta::assert_snapshot!(snapshot_with_config(&RequiredAnnotation, "r.yml", RULES, "alerts:\n  required_annotations: [summary, runbook_url]\n"));
    }
}
