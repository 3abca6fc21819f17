use crate::context::FileContext;
use crate::declare_rule;
use crate::registry::{Rule, RuleMeta};
use promaudit_diagnostics::Diagnostic;

declare_rule! {
    /// ## What it finds
    /// A file whose check failed inside promaudit: a bug, not a problem of the file.
    ///
    /// ## Why it matters
    /// None of the file's findings are reported, so it passes unchecked unless this error stops
    /// the run. The other files are checked as usual.
    ///
    /// ## Example
    /// Any file; the message names the failure and where in promaudit it happened.
    ///
    /// ## Fix
    /// Report it at https://github.com/promaudit/promaudit/issues with the file, or the smallest
    /// part of it that still fails. Until it is fixed, the file can be left out of the checked
    /// paths.
    pub InternalError {
        code: "source/internal-error",
        category: Correctness,
        severity: Error,
        summary: "promaudit failed while checking a file",
    }
}

impl Rule for InternalError {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    /// Reported when a file's check panics ([`crate::isolation::isolated`]), not by a check.
    fn check(&self, _: &FileContext, _: &mut Vec<Diagnostic>) {}
}
