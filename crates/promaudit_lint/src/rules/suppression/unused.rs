use crate::context::FileContext;
use crate::declare_rule;
use crate::registry::{Rule, RuleMeta};
use promaudit_diagnostics::Diagnostic;

declare_rule! {
    /// ## What it finds
    /// A code in a `# promaudit: ignore[…]`, `ignore-file[…]` or `disable[…]` comment that hides
    /// no finding.
    ///
    /// ## Why it matters
    /// The problem it was written for is gone, or it sits above the wrong rule. Left in place,
    /// it will silently hide the next real finding of that kind in its scope.
    ///
    /// ## Example
    /// ```yaml
    /// # promaudit: ignore[alerts/topk] ranked on purpose
    /// - alert: InstanceDown
    ///   expr: up == 0
    /// ```
    ///
    /// ## Fix
    /// Delete the comment, or move it above the rule it is meant for.
    pub SuppressionUnused {
        code: "suppression/unused",
        category: Suspicious,
        severity: Warning,
        summary: "A suppression comment hides no finding",
    }
}

impl Rule for SuppressionUnused {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    /// Reported when suppressions are applied ([`crate::suppress::apply`]), after every rule.
    fn check(&self, _: &FileContext, _: &mut Vec<Diagnostic>) {}
}
