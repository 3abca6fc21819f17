use crate::context::FileContext;
use crate::declare_rule;
use crate::registry::{Rule, RuleMeta};
use promaudit_diagnostics::Diagnostic;
use promaudit_source::artifact::Artifact;

declare_rule! {
    /// ## What it finds
    /// Routes that select alerts with `match:` or `match_re:`.
    ///
    /// ## Why it matters
    /// Both are deprecated since Alertmanager 0.22 in favour of `matchers:`, which takes the
    /// same label matchers as PromQL (`severity=~"critical|page"`), supports negation, and is
    /// the only form new features are added to.
    ///
    /// ## Example
    /// ```yaml
    /// routes:
    /// - match:
    ///     severity: critical
    /// ```
    ///
    /// ## Fix
    /// `matchers: ['severity="critical"']`
    pub DeprecatedMatch {
        code: "alertmanager/deprecated-match",
        category: Style,
        severity: Info,
        summary: "A route uses the deprecated `match`/`match_re` instead of `matchers`",
    }
}

impl Rule for DeprecatedMatch {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &FileContext, out: &mut Vec<Diagnostic>) {
        for config in cx.extraction.artifacts.iter().filter_map(|a| if let Artifact::AlertmanagerConfig(c) = a { Some(c) } else { None }) {
            let Some(root) = &config.route else { continue };
            for key in root.all().into_iter().flat_map(|r| &r.deprecated_match) {
                out.push(Self::META.diagnostic(key.span, format!("`{}:` is deprecated since Alertmanager 0.22", key.value)).with_help("write the same selection as `matchers: ['label=\"value\"']` (`=~` for a regular expression)"));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::snapshot;

    #[test]
    fn match_and_match_re() {
        let text = "route:\n  receiver: default\n  routes:\n  - match:\n      severity: critical\n    receiver: default\n  - match_re:\n      team: db|infra\n    receiver: default\n  - matchers: ['team=\"web\"']\n    receiver: default\nreceivers:\n- name: default\n";
        insta::assert_snapshot!(snapshot(&DeprecatedMatch, "alertmanager.yml", text));
    }
}
