use crate::context::FileContext;
use crate::declare_rule;
use crate::registry::{Rule, RuleMeta};
use promaudit_diagnostics::{Diagnostic, Span};

declare_rule! {
    /// ## What it finds
    /// A rule without `expr:`, or with an empty one.
    ///
    /// ## Why it matters
    /// Prometheus rejects the file with "field 'expr' must be set in rule"; none of its rules
    /// are loaded.
    ///
    /// ## Example
    /// ```yaml
    /// - record: job:up:sum
    /// ```
    ///
    /// ## Fix
    /// Add the expression: `expr: sum by (job) (up)`.
    pub MissingExpr {
        code: "rulefmt/missing-expr",
        category: Correctness,
        severity: Error,
        summary: "A rule has no `expr`, or an empty one",
    }
}

impl Rule for MissingExpr {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &FileContext, out: &mut Vec<Diagnostic>) {
        for rule in cx.rule_files().flat_map(|f| &f.groups).flat_map(|g| &g.rules) {
            let name = rule.name().map_or("rule".to_string(), |n| format!("rule `{}`", n.value));
            match (&rule.expr, rule.expr_key) {
                (Some(expr), _) if !expr.query.value.trim().is_empty() => {}
                (Some(expr), key) => {
                    let at = key.map_or(expr.query.span, |key| key.cover(expr.query.span));
                    let message = format!("{name} has an empty `expr`; Prometheus rejects the whole file");
                    out.push(Self::META.diagnostic(at, message).with_help("write the PromQL expression to evaluate after `expr:`"));
                }
                (None, Some(key)) => out.push(Self::META.diagnostic(key, format!("{name} has an `expr:` that is not a string"))),
                (None, None) => {
                    let at = rule.name().map_or(Span::empty(rule.span.start), |n| n.span);
                    out.push(Self::META.diagnostic(at, format!("{name} has no `expr:`; Prometheus rejects the whole file")).with_help("add `expr:` with the PromQL expression to evaluate"));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::snapshot;

    #[test]
    fn missing() {
        insta::assert_snapshot!(snapshot(&MissingExpr, "r.yml", "groups:\n  - name: yolo\n    rules:\n      - record: ylo\n"));
    }

    #[test]
    fn empty() {
        insta::assert_snapshot!(snapshot(&MissingExpr, "r.yml", "groups:\n  - name: yolo\n    rules:\n      - record: ylo\n        expr: ''\n"));
    }

    #[test]
    fn null() {
        insta::assert_snapshot!(snapshot(&MissingExpr, "r.yml", "groups:\n  - name: yolo\n    rules:\n      - alert: A\n        expr:\n      - alert: B\n        expr: ~\n"));
    }

    #[test]
    fn an_empty_expr_is_no_syntax_error_too() {
        let text = "groups:\n  - name: yolo\n    rules:\n      - alert: A\n        expr: ''\n      - alert: B\n        expr:\n";
        assert!(crate::testing::check(&crate::rules::promql::syntax::PromqlSyntax, "r.yml", text).is_empty());
    }

    #[test]
    fn present() {
        assert!(snapshot(&MissingExpr, "r.yml", "groups:\n  - name: yolo\n    rules:\n      - record: ylo\n        expr: up\n").is_empty());
    }
}
