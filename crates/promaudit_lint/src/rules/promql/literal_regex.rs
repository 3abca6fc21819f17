use crate::context::FileContext;
use crate::declare_rule;
use crate::fixes::regex_as_equality;
use crate::registry::{Rule, RuleMeta};
use promaudit_diagnostics::{Diagnostic, Fix};
use promaudit_promql::regex_shape::{shape, RegexShape};
use promql_parser::label::{MatchOp, Matcher};

declare_rule! {
    /// ## What it finds
    /// Regex matchers whose regex spells out one value: `job=~"api"` matches exactly what
    /// `job="api"` matches, and `job!~"api"` what `job!="api"` does. Anchors, groups, escapes
    /// and one-character classes do not make a pattern: `^api$`, `(api)`, `api\.v1` and `[a]`
    /// each stand for one value too. `label=~""` has a rule of its own, `promql/empty-regex`.
    ///
    /// ## Why it matters
    /// A reader looks for the pattern and finds none, and wonders what was meant: often a list
    /// that lost its other values (`job=~"api|web"`), or a copy from a dashboard variable's
    /// query. Prometheus compiles it as a regex all the same. It is reported as an info: the
    /// selector matches what it says, and Prometheus turns a regex without metacharacters into a
    /// string comparison, so it costs little.
    ///
    /// ## Example
    /// ```yaml
    /// expr: sum(rate(http_requests_total{job=~"api", code!~"500"}[5m]))
    /// ```
    ///
    /// ## Fix
    /// Write the equality: `job="api"`, `code!="500"`.
    pub LiteralRegex {
        code: "promql/literal-regex",
        category: Style,
        severity: Info,
        summary: "A regex matcher spells out one value: write `=` or `!=`",
        fix: "rewrites the matcher as `=` or `!=`",
    }
}

impl Rule for LiteralRegex {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &FileContext, out: &mut Vec<Diagnostic>) {
        cx.for_each_regex_matcher(&mut |regex| {
            let RegexShape::Literal(value) = shape(&regex.matcher.value) else { return };
            let equality = match regex.matcher.op {
                MatchOp::NotRe(_) => MatchOp::NotEqual,
                // `=~""` reads as "anything" and means "no such label": promql/empty-regex says so.
                _ if value.is_empty() => return,
                _ => MatchOp::Equal,
            };
            let suggestion = Matcher::new(equality.clone(), &regex.matcher.name, &value);
            let diagnostic = Self::META
                .diagnostic(
                    regex.query.file_span(regex.spans.value),
                    format!("`{}` spells out one value: it is `{suggestion}` written as a regex", regex.matcher),
                )
                .with_help(format!("write `{suggestion}`"));
            out.push(match regex_as_equality(cx, &regex, &equality.to_string(), &value) {
                Some(edits) => diagnostic.with_fix(Fix::new(format!("Use `{suggestion}`"), edits)),
                None => diagnostic,
            });
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{fixed, snapshot};

    #[test]
    fn one_value_spelt_as_a_regex() {
        let text = "groups:\n- name: a\n  rules:\n  - record: a\n    expr: foo{job=~\"bar\"} + foo{job!~\"bar\"} + foo{job=~'^bar$'} + foo{job=~\"foo\\\\.bar\"} + foo{job!~\"\"}\n  - record: b\n    expr: foo{job=~\"foo\\\"bar\"}\n";
        insta::assert_snapshot!(snapshot(&LiteralRegex, "r.yml", text));
    }

    #[test]
    fn patterns_empty_regexes_and_dashboard_variables_pass() {
        let text =
            "groups:\n- name: a\n  rules:\n  - record: a\n    expr: foo{job=~\"bar|foo\", a=~\"prefix(a|b)\", b=~\"(?i)someone\", c=~\".+\", d=~\".*\", e=~\"\", f!~\"(.*)\"}\n";
        assert_eq!(snapshot(&LiteralRegex, "r.yml", text), "");
        let dashboard = "{\"panels\": [{\"title\": \"P\", \"targets\": [{\"expr\": \"sum(rate(requests_total{namespace=~\\\"$namespace\\\", pod=~\\\"${pod}\\\"}[5m]))\"}]}]}\n";
        assert_eq!(snapshot(&LiteralRegex, "d.json", dashboard), "");
    }

    #[test]
    fn the_fix_writes_the_equality() {
        let text = "groups:\n- name: a\n  rules:\n  - record: a\n    expr: foo{job=~\"bar\"} + foo{job!~\"bar\"} + foo{job=~'^bar$'} + foo{job=~\"(bar)\"}\n";
        let expected = "groups:\n- name: a\n  rules:\n  - record: a\n    expr: foo{job=\"bar\"} + foo{job!=\"bar\"} + foo{job='bar'} + foo{job=\"bar\"}\n";
        assert_eq!(fixed(&LiteralRegex, "r.yml", text, ""), expected);
    }

    #[test]
    fn escapes_are_dropped_or_kept_out_of_the_fix() {
        let text = "groups:\n- name: a\n  rules:\n  - record: a\n    expr: foo{job=~\"foo\\\\.bar\", a=~\"x\\\"y\"}\n  - record: b\n    expr: \"foo{job=~\\\"bar\\\"}\"\n";
        let expected = "groups:\n- name: a\n  rules:\n  - record: a\n    expr: foo{job=\"foo.bar\", a=~\"x\\\"y\"}\n  - record: b\n    expr: \"foo{job=\\\"bar\\\"}\"\n";
        assert_eq!(fixed(&LiteralRegex, "r.yml", text, ""), expected);
    }
}
