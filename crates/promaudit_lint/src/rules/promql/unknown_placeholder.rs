use crate::context::FileContext;
use crate::declare_rule;
use crate::registry::{Rule, RuleMeta};
use promaudit_diagnostics::Diagnostic;

declare_rule! {
    /// ## What it finds
    /// Dashboard and SLO queries that cannot be checked because they contain a template construct
    /// promaudit does not know how to substitute (a Go template `{{ if }}` or `{{ range }}`).
    /// Such a query is neither reported as a syntax error nor checked by any other rule.
    ///
    /// ## Why it matters
    /// The query is not checked at all. promaudit substitutes Grafana variables (`$var`,
    /// `${var:fmt}`, `[[var]]`, `$__rate_interval`, …) and Sloth's `{{.window}}`; anything else
    /// hides the query from every other check.
    ///
    /// ## Example
    /// ```json
    /// "expr": "sum(rate(x{job=\"{{ if .prod }}api{{ end }}\"}[5m]))"
    /// ```
    ///
    /// ## Fix
    /// Use a Grafana template variable instead of templating the query text, or render the
    /// template before checking.
    pub UnknownPlaceholder {
        code: "promql/unknown-placeholder",
        category: Coverage,
        severity: Info,
        summary: "A query cannot be checked because of a template construct promaudit cannot substitute",
    }
}

impl Rule for UnknownPlaceholder {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &FileContext, out: &mut Vec<Diagnostic>) {
        for query in &cx.queries {
            if let Some((name, span)) = query.unknown_placeholders.first() {
                let message = format!("{} not checked: cannot substitute the template construct `{name}`", query.site.role.describe());
                out.push(
                    Self::META
                        .diagnostic(query.file_span_of_original(*span), message)
                        .with_help("use a Grafana variable ($var, ${var}) or render the template before checking"),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::snapshot;

    #[test]
    fn go_template_control_flow_is_named() {
        let text = r#"{"panels": [{"title": "A", "targets": [{"expr": "sum(rate(x{job=\"{{ if .prod }}api{{ end }}\"}[5m])) by ({{ range }})"}]}]}"#;
        insta::assert_snapshot!(snapshot(&UnknownPlaceholder, "dash.json", text));
    }

    #[test]
    fn grafana_variables_are_substituted() {
        let text = r#"{"panels": [{"title": "A", "targets": [{"expr": "sum(rate(x{job=\"$job\"}[$__rate_interval])) by (${group:csv})"}]}]}"#;
        assert!(snapshot(&UnknownPlaceholder, "dash.json", text).is_empty());
    }
}
