use crate::context::FileContext;
use crate::declare_rule;
use crate::registry::{Rule, RuleMeta};
use promaudit_diagnostics::Diagnostic;

declare_rule! {
    /// ## What it finds
    /// A `# promaudit: …` comment that cannot be applied: an unknown directive, no codes in
    /// brackets, a code that is not a rule, family or category, no reason, a `disable` never
    /// closed by `enable`, or an `enable` without a `disable`.
    ///
    /// ## Why it matters
    /// A suppression that does not work leaves its author believing a finding is handled; one
    /// without a reason leaves the next reader unable to tell a judgement from a shortcut.
    ///
    /// ## Example
    /// ```yaml
    /// # promaudit: ignore[alerts/topk]
    /// - alert: TopTalkers
    /// ```
    ///
    /// ## Fix
    /// ```yaml
    /// # promaudit: ignore[alerts/topk] the three busiest tenants page by design (OPS-123)
    /// - alert: TopTalkers
    /// ```
    /// Suppressions live in YAML comments; JSON (dashboards) has no comments, so configure
    /// per-path rule settings in `.promaudit.yaml` instead.
    pub SuppressionMalformed {
        code: "suppression/malformed",
        category: Correctness,
        severity: Error,
        summary: "A `# promaudit:` suppression comment cannot be applied",
    }
}

impl Rule for SuppressionMalformed {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    /// Reported when suppressions are applied ([`crate::suppress::apply`]), after every rule.
    fn check(&self, _: &FileContext, _: &mut Vec<Diagnostic>) {}
}
