use crate::context::FileContext;
use crate::declare_rule;
use crate::registry::{Rule, RuleMeta};
use promaudit_diagnostics::Diagnostic;

declare_rule! {
    /// ## What it finds
    /// Alert names that are not CamelCase: `high_error_rate`, `high-latency`,
    /// `Disk Full (sda)`.
    ///
    /// ## Why it matters
    /// The alert name becomes the `alertname` label that Alertmanager routes, groups and
    /// silences on, and that on-call engineers search for. One convention across teams keeps
    /// routes and silences predictable; Prometheus' own documentation uses CamelCase.
    ///
    /// ## Example
    /// ```yaml
    /// - alert: high_error_rate
    /// ```
    ///
    /// ## Fix
    /// `alert: HighErrorRate`.
    pub AlertName {
        code: "naming/alert-name",
        category: Style,
        severity: Info,
        summary: "An alert name is not CamelCase",
    }
}

impl Rule for AlertName {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &FileContext, out: &mut Vec<Diagnostic>) {
        for alert in cx.rule_files().flat_map(|f| &f.groups).flat_map(|g| &g.rules).filter_map(|r| r.alert.as_ref()) {
            if !is_camel_case(&alert.value) {
                out.push(Self::META.diagnostic(alert.span, format!("alert name `{}` is not CamelCase", alert.value)).with_help(format!("call it `{}`", to_camel_case(&alert.value))));
            }
        }
    }
}

fn is_camel_case(name: &str) -> bool {
    name.chars().next().is_some_and(|c| c.is_ascii_uppercase()) && name.chars().all(|c| c.is_ascii_alphanumeric())
}

fn to_camel_case(name: &str) -> String {
    name.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut chars = w.chars();
            chars.next().map(|c| c.to_ascii_uppercase()).into_iter().chain(chars).collect::<String>()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::snapshot;

    #[test]
    fn snake_case_alert() {
        insta::assert_snapshot!(snapshot(&AlertName, "r.yml", "groups:\n- name: a\n  rules:\n  - alert: high_error-rate\n    expr: up == 0\n"));
    }

    #[test]
    fn camel_case_alert() {
        assert!(snapshot(&AlertName, "r.yml", "groups:\n- name: a\n  rules:\n  - alert: HighErrorRate5xx\n    expr: up == 0\n").is_empty());
    }
}
