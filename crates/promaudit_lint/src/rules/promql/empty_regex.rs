use crate::context::FileContext;
use crate::declare_rule;
use crate::fixes::regex_as_equality;
use crate::registry::{Rule, RuleMeta};
use promaudit_diagnostics::{Diagnostic, Fix};
use promaudit_promql::regex_shape::{shape, RegexShape};
use promql_parser::label::MatchOp;

declare_rule! {
    /// ## What it finds
    /// Regex matchers that accept only the empty value: `label=~""`, `label=~"(?:)"`,
    /// `label=~"^$"`, and `label!~".+"`. Prometheus treats a missing label as the empty value,
    /// so each of them selects exactly the series that do not have the label.
    ///
    /// ## Why it matters
    /// An empty regex reads as "any value" but means "no such label": a selector written to
    /// keep every `env` keeps only the series without one. When the absence is what was meant,
    /// `label=""` says so plainly. It is reported as an info: the selector may select what its
    /// author wanted.
    ///
    /// ## Example
    /// ```yaml
    /// expr: sum(rate(http_requests_total{env=~""}[5m]))
    /// ```
    ///
    /// ## Fix
    /// Write `env=""` to select the series without `env`; to keep every series, drop the
    /// matcher; to require the label, write `env!=""`.
    pub EmptyRegex {
        code: "promql/empty-regex",
        category: Suspicious,
        severity: Info,
        summary: "A regex matcher accepts only the empty value: it selects the series without the label",
        fix: "rewrites the matcher as `label=\"\"`",
    }
}

impl Rule for EmptyRegex {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &FileContext, out: &mut Vec<Diagnostic>) {
        cx.for_each_regex_matcher(&mut |regex| {
            let only_empty = match (&regex.matcher.op, shape(&regex.matcher.value)) {
                (MatchOp::Re(_), RegexShape::Literal(value)) => value.is_empty(),
                (MatchOp::NotRe(_), shape) => shape == RegexShape::NonEmpty,
                _ => false,
            };
            if !only_empty {
                return;
            }
            let name = &regex.matcher.name;
            let message = format!(
                "`{}` accepts only the empty value, which a missing `{name}` stands for: it selects the series without `{name}`",
                regex.matcher
            );
            let diagnostic = Self::META.diagnostic(regex.query.file_span(regex.spans.value), message).with_help(format!(
                "write `{name}=\"\"` if that is meant; drop the matcher to keep every series, or write `{name}!=\"\"` to require the label"
            ));
            out.push(match regex_as_equality(cx, &regex, "=", "") {
                Some(edits) => diagnostic.with_fix(Fix::new(format!("Use `{name}=\"\"`"), edits)),
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
    fn regexes_that_accept_only_the_empty_value() {
        let text = "groups:\n- name: a\n  rules:\n  - record: a\n    expr: foo{job=~\"\"} + foo{job=~\"(?:)\"} + foo{job=~\"^$\"} + foo{job!~\".+\"}\n";
        insta::assert_snapshot!(snapshot(&EmptyRegex, "r.yml", text));
    }

    #[test]
    fn other_regexes_pass() {
        let text = "groups:\n- name: a\n  rules:\n  - record: a\n    expr: foo{a!~\"\", b=~\".+\", c=~\".*\", d!~\".*\", e=~\"x|\", f=\"\"}\n";
        assert_eq!(snapshot(&EmptyRegex, "r.yml", text), "");
    }

    #[test]
    fn the_fix_writes_an_empty_equality() {
        let text = "groups:\n- name: a\n  rules:\n  - record: a\n    expr: foo{job=~\"\"} + foo{job=~\"(?:)\"} + foo{job!~'.+'}\n";
        let expected = "groups:\n- name: a\n  rules:\n  - record: a\n    expr: foo{job=\"\"} + foo{job=\"\"} + foo{job=''}\n";
        assert_eq!(fixed(&EmptyRegex, "r.yml", text, ""), expected);
    }
}
