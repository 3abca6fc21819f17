use crate::context::FileContext;
use crate::declare_rule;
use crate::registry::{Rule, RuleMeta};
use promaudit_diagnostics::Diagnostic;
use promaudit_source::artifact::Artifact;

declare_rule! {
    /// ## What it finds
    /// Routes in an Alertmanager configuration that send to a receiver no `receivers:` entry
    /// defines.
    ///
    /// ## Why it matters
    /// Alertmanager refuses the whole configuration ("undefined receiver"): the reload fails
    /// and the old routing stays in place, or a fresh Alertmanager does not start at all.
    ///
    /// ## Example
    /// ```yaml
    /// route:
    ///   receiver: default
    ///   routes:
    ///   - matchers: [severity="critical"]
    ///     receiver: pagerduty      # no receiver named pagerduty
    /// ```
    ///
    /// ## Fix
    /// Define the receiver, or route to one that exists.
    pub UndefinedReceiver {
        code: "alertmanager/undefined-receiver",
        category: Correctness,
        severity: Error,
        summary: "A route sends to a receiver that is not defined",
    }
}

impl Rule for UndefinedReceiver {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &FileContext, out: &mut Vec<Diagnostic>) {
        for config in cx.extraction.artifacts.iter().filter_map(|a| if let Artifact::AlertmanagerConfig(c) = a { Some(c) } else { None }) {
            let Some(root) = &config.route else { continue };
            for receiver in root.all().into_iter().filter_map(|r| r.receiver.as_ref()) {
                if config.receivers.iter().any(|r| r.value == receiver.value) {
                    continue;
                }
                let known: Vec<String> = config.receivers.iter().map(|r| format!("`{}`", r.value)).collect();
                let message = format!("no receiver is named `{}`: Alertmanager rejects the whole configuration", receiver.value);
                out.push(Self::META.diagnostic(receiver.span, message).with_help(format!("define it under `receivers:`, or use one of {}", known.join(", "))));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::snapshot;

    #[test]
    fn routes_to_missing_receivers() {
        let text = "route:\n  receiver: default\n  routes:\n  - matchers: ['severity=\"critical\"']\n    receiver: pagerduty\nreceivers:\n- name: default\n";
        insta::assert_snapshot!(snapshot(&UndefinedReceiver, "alertmanager.yml", text));
    }
}
