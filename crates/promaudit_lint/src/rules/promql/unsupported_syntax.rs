use crate::context::FileContext;
use crate::declare_rule;
use crate::registry::{Rule, RuleMeta};
use promaudit_diagnostics::Diagnostic;
use promaudit_promql::QueryErrorKind;

declare_rule! {
    /// ## What it finds
    /// Valid PromQL that promaudit cannot analyze yet because its parser does not support the
    /// syntax: duration arithmetic such as `[5m+1m]` and other experimental syntax behind
    /// Prometheus feature flags.
    ///
    /// ## Why it matters
    /// The expression is not wrong, but nothing in it is checked. This note names the feature so
    /// that you know which expressions went unchecked.
    ///
    /// ## Example
    /// ```yaml
    /// expr: rate(http_requests_total[5m+1m])
    /// ```
    ///
    /// ## Fix
    /// Nothing to fix. If the feature flag is not enabled on your Prometheus, the expression is
    /// rejected there; otherwise write `[6m]` to have it checked.
    pub UnsupportedSyntax {
        code: "promql/unsupported-syntax",
        category: Coverage,
        severity: Info,
        summary: "Valid PromQL that promaudit's parser does not support yet",
    }
}

impl Rule for UnsupportedSyntax {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &FileContext, out: &mut Vec<Diagnostic>) {
        for (query, error) in cx.query_errors() {
            if let QueryErrorKind::Unsupported { feature } = error.kind {
                let message = format!("not checked: {} uses {feature}, which promaudit cannot parse yet", query.site.role.describe());
                out.push(Self::META.diagnostic(query.file_span(error.span), message).with_note(error.message.clone()));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::snapshot;

    #[test]
    fn duration_arithmetic_is_named() {
        let text = "groups:\n- name: g\n  rules:\n  - record: a:b:rate\n    expr: rate(x[5m+1m])\n";
        insta::assert_snapshot!(snapshot(&UnsupportedSyntax, "r.yml", text));
    }

    #[test]
    fn supported_syntax_passes() {
        let text = "groups:\n- name: g\n  rules:\n  - record: a:b:rate\n    expr: rate(x[6m])\n";
        assert!(snapshot(&UnsupportedSyntax, "r.yml", text).is_empty());
    }
}
