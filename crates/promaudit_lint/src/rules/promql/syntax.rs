use crate::context::FileContext;
use crate::declare_rule;
use crate::registry::{Rule, RuleMeta};
use promaudit_diagnostics::{Diagnostic, Span};
use promaudit_promql::QueryErrorKind;
use promaudit_source::artifact::Artifact;
use promql_parser::label::MatchOp;
use promql_parser::parser::Expr;

declare_rule! {
    /// ## What it finds
    /// PromQL that does not parse, wherever it is: alerting and recording rules, dashboard
    /// panels and variables, SLO specs, the expressions of `promtool test rules` files. The
    /// error points at the token where parsing failed. The input series of a promtool test must
    /// be a series: a metric name with `label="value"` pairs, as promtool reads them.
    ///
    /// ## Why it matters
    /// Prometheus refuses to load a rule group with an invalid expression, so every rule in
    /// that file stops being evaluated; a dashboard panel with one shows an error instead of data.
    ///
    /// ## Example
    /// ```yaml
    /// expr: sum(rate(http_requests_total{status=}[5m]))
    /// ```
    ///
    /// ## Fix
    /// Correct the expression at the reported token, here `status="500"`.
    pub PromqlSyntax {
        code: "promql/syntax",
        category: Correctness,
        severity: Error,
        summary: "PromQL syntax error",
    }
}

impl Rule for PromqlSyntax {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &FileContext, out: &mut Vec<Diagnostic>) {
        for (query, error) in cx.query_errors() {
            if error.kind == QueryErrorKind::Syntax {
                let message = format!("invalid PromQL in {}: {}", query.site.role.describe(), error.message);
                out.push(Self::META.diagnostic(query.file_span(error.span), message));
            }
        }
        let tests = cx.extraction.artifacts.iter().filter_map(|a| if let Artifact::PromtoolTests(t) = a { Some(t) } else { None });
        for test in tests.flat_map(|t| &t.tests) {
            for series in &test.input_series {
                let Some((span, problem)) = series_problem(&series.value) else { continue };
                out.push(Self::META.diagnostic(series.file_span(span), format!("invalid input series in {}: {problem}", test.label)));
            }
        }
    }
}

/// Why `text` is not a series as promtool's `input_series` reads it, and where.
fn series_problem(text: &str) -> Option<(Span, String)> {
    let parsed = match promaudit_promql::parse(text) {
        Ok(parsed) => parsed,
        Err(error) if error.kind == QueryErrorKind::Syntax => return Some((error.span, error.message)),
        Err(_) => return None,
    };
    let mut root = None;
    parsed.walk(&mut |visit| {
        root.get_or_insert(visit.spans.clone());
    });
    let root = root.unwrap_or_default();
    match &parsed.expr {
        Expr::VectorSelector(selector) if selector.offset.is_none() && selector.at.is_none() => {
            let (matcher, at) = selector.matchers.matchers.iter().zip(&root.matchers).find(|(m, _)| m.op != MatchOp::Equal)?;
            Some((at.op, format!("`{}` matches series, it does not name one: write `{}=\"…\"` with the label's value", matcher.op, matcher.name)))
        }
        _ => Some((parsed.root_span(), "this is a query, not a series: write a metric name with `label=\"value\"` pairs, as in `http_requests_total{job=\"api\"}`".into())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{check, snapshot};

    fn rule_file(expr_line: &str) -> String {
        format!("groups:\n- name: g\n  rules:\n  - alert: HighErrors\n    {expr_line}\n")
    }

    #[test]
    fn points_inside_a_plain_scalar() {
        insta::assert_snapshot!(snapshot(&PromqlSyntax, "r.yml", &rule_file("expr: sum(rate(x{status=}[5m]))")));
    }

    #[test]
    fn points_inside_a_literal_block_scalar() {
        let text = rule_file("expr: |\n      sum(rate(x[5m]))\n        > on(job) )\n");
        insta::assert_snapshot!(snapshot(&PromqlSyntax, "r.yml", &text));
    }

    #[test]
    fn points_inside_a_folded_block_scalar() {
        let text = rule_file("expr: >-\n      sum(rate(x[5m]))\n      >\n");
        insta::assert_snapshot!(snapshot(&PromqlSyntax, "r.yml", &text));
    }

    #[test]
    fn points_through_double_quoted_escapes() {
        let text = rule_file(r#"expr: "x{a=\"\u00e9\"} + on(\"b\") y)""#);
        insta::assert_snapshot!(snapshot(&PromqlSyntax, "r.yml", &text));
    }

    #[test]
    fn points_through_single_quoted_escapes() {
        let text = rule_file("expr: 'x{a=''v''} +'");
        insta::assert_snapshot!(snapshot(&PromqlSyntax, "r.yml", &text));
    }

    #[test]
    fn points_inside_a_crlf_file() {
        let text = rule_file("expr: |\r\n      rate(x[5m]) >\r\n").replace('\n', "\r\n").replace("\r\r\n", "\r\n");
        insta::assert_snapshot!(snapshot(&PromqlSyntax, "r.yml", &text));
    }

    #[test]
    fn points_through_json_escapes_in_a_dashboard() {
        let text = r#"{"panels": [{"title": "Errors", "targets": [{"expr": "sum(rate(x{code=~\"5..\"}[5m])) by (job"}]}]}"#;
        insta::assert_snapshot!(snapshot(&PromqlSyntax, "dash.json", text));
    }

    const PROMTOOL_TEST: &str = "rule_files: [r.yml]\ntests:\n  - input_series:\n      - series: 'up{job=\"a\"}'\n        values: 1\n      - series: 'up{job=~\"a\"}'\n        values: 1\n      - series: 'rate(up[5m])'\n        values: 1\n      - series: \"up{job=\\\"a\\\",}\"\n        values: 1\n      - series: '{job=\"a\" x}'\n        values: 1\n    promql_expr_test:\n      - expr: sum(up{job=\"a\"}\n        eval_time: 1m\n";

    #[test]
    fn promtool_test_series_and_expressions() {
        insta::assert_snapshot!(snapshot(&PromqlSyntax, "r_test.yml", PROMTOOL_TEST));
    }

    #[test]
    fn a_comment_with_an_apostrophe_hides_nothing_after_its_line() {
        let comment = r##"{"panels": [{"title": "P", "targets": [{"expr": "# what we're reading\nsum(rate(x[$__rate_interval]))"}]}]}"##;
        assert!(check(&PromqlSyntax, "dash.json", comment).is_empty());
        let broken = comment.replace("x[", "x{code=}[");
        let found = check(&PromqlSyntax, "dash.json", &broken);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(&broken[found[0].span.start..found[0].span.end], "}");
    }

    #[test]
    fn valid_expressions_pass() {
        assert!(snapshot(&PromqlSyntax, "r.yml", &rule_file("expr: sum by (job) (rate(x[5m])) > 0")).is_empty());
    }
}
