use crate::context::FileContext;
use crate::declare_rule;
use crate::registry::{Rule, RuleMeta};
use promaudit_diagnostics::Diagnostic;

declare_rule! {
    /// ## What it finds
    /// Alerting rules without a `summary` or a `description` annotation.
    ///
    /// ## Why it matters
    /// The notification is what the person on call reads at 3 a.m.: with neither, it shows the
    /// alert name and raw labels, and nothing says what is wrong or where to look.
    ///
    /// ## Example
    /// ```yaml
    /// - alert: DiskFull
    ///   expr: node_filesystem_avail_bytes / node_filesystem_size_bytes < 0.05
    /// ```
    ///
    /// ## Fix
    /// `annotations: {summary: "Disk {{ $labels.mountpoint }} on {{ $labels.instance }} is 95% full"}`
    pub MissingAnnotation {
        code: "alerts/missing-annotation",
        category: Style,
        severity: Info,
        summary: "An alert has neither a `summary` nor a `description`",
    }
}

impl Rule for MissingAnnotation {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &FileContext, out: &mut Vec<Diagnostic>) {
        for rule in cx.rule_files().flat_map(|f| &f.groups).flat_map(|g| &g.rules) {
            let Some(alert) = &rule.alert else { continue };
            if rule.annotations.iter().any(|(key, _)| matches!(key.value.as_str(), "summary" | "description" | "message")) {
                continue;
            }
            out.push(Self::META.diagnostic(alert.span, format!("alert `{}` has no `summary` or `description`: the page will show only its name and labels", alert.value)).with_help("add `annotations: {summary: …}` saying what is wrong and where"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::snapshot;

    #[test]
    fn alerts_with_and_without_annotations() {
        let text = "groups:\n- name: a\n  rules:\n  - alert: DiskFull\n    expr: x < 0.05\n  - alert: Down\n    expr: up == 0\n    annotations:\n      summary: down\n";
        insta::assert_snapshot!(snapshot(&MissingAnnotation, "r.yml", text));
    }
}
