use crate::context::FileContext;
use crate::declare_rule;
use crate::registry::{Rule, RuleMeta};
use promaudit_diagnostics::Diagnostic;

declare_rule! {
    /// ## What it finds
    /// Alerting rules without a `severity` label.
    ///
    /// ## Why it matters
    /// Alertmanager routes on labels, and `severity` is the one every routing tree, silence and
    /// inhibition rule expects: without it the alert falls through to the default receiver,
    /// is not inhibited by its critical sibling, and cannot be told from a warning.
    ///
    /// ## Example
    /// ```yaml
    /// - alert: DiskFull
    ///   expr: node_filesystem_avail_bytes / node_filesystem_size_bytes < 0.05
    /// ```
    ///
    /// ## Fix
    /// `labels: {severity: critical}` (or your routing tree's levels).
    pub MissingSeverity {
        code: "alerts/missing-severity",
        category: Style,
        severity: Info,
        summary: "An alert has no `severity` label to route on",
    }
}

impl Rule for MissingSeverity {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &FileContext, out: &mut Vec<Diagnostic>) {
        for rule in cx.rule_files().flat_map(|f| &f.groups).flat_map(|g| &g.rules) {
            let Some(alert) = &rule.alert else { continue };
            if rule.labels.iter().any(|(key, _)| key.value == "severity") {
                continue;
            }
            out.push(Self::META.diagnostic(alert.span, format!("alert `{}` has no `severity` label: Alertmanager routes and inhibits on it", alert.value)).with_help("add `labels: {severity: …}` with one of your routing tree's levels"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::snapshot;

    #[test]
    fn alerts_with_and_without_severity() {
        let text = "groups:\n- name: a\n  rules:\n  - alert: DiskFull\n    expr: x < 0.05\n  - alert: Down\n    expr: up == 0\n    labels:\n      severity: critical\n";
        insta::assert_snapshot!(snapshot(&MissingSeverity, "r.yml", text));
    }
}
