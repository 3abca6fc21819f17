use crate::context::FileContext;
use crate::declare_rule;
use crate::registry::{Rule, RuleMeta};
use promaudit_diagnostics::Diagnostic;
use promaudit_source::artifact::Artifact;

declare_rule! {
    /// ## What it finds
    /// Receivers an Alertmanager configuration defines but no route sends to.
    ///
    /// ## Why it matters
    /// Someone believes alerts reach that channel or pager, and none do: usually a route was
    /// renamed or removed and the team it paged is no longer told.
    ///
    /// ## Example
    /// ```yaml
    /// receivers:
    /// - name: default
    /// - name: database-oncall   # no route sends here
    /// ```
    ///
    /// ## Fix
    /// Route to it, or delete it.
    pub UnusedReceiver {
        code: "alertmanager/unused-receiver",
        category: Suspicious,
        severity: Warning,
        summary: "A receiver is defined but no route sends to it",
    }
}

impl Rule for UnusedReceiver {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &FileContext, out: &mut Vec<Diagnostic>) {
        for config in cx.extraction.artifacts.iter().filter_map(|a| if let Artifact::AlertmanagerConfig(c) = a { Some(c) } else { None }) {
            let Some(root) = &config.route else { continue };
            let routed: Vec<&str> = root.all().into_iter().filter_map(|r| r.receiver.as_ref()).map(|r| r.value.as_str()).collect();
            for receiver in config.receivers.iter().filter(|r| !routed.contains(&r.value.as_str())) {
                out.push(Self::META.diagnostic(receiver.span, format!("no route sends to receiver `{}`: whoever it notifies never hears of an alert", receiver.value)).with_help("add a route to it, or delete it"));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::snapshot;

    #[test]
    fn receivers_nobody_routes_to() {
        let text = "route:\n  receiver: default\nreceivers:\n- name: default\n- name: database-oncall\n";
        insta::assert_snapshot!(snapshot(&UnusedReceiver, "alertmanager.yml", text));
    }
}
