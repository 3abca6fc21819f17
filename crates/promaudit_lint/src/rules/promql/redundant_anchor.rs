use crate::context::FileContext;
use crate::declare_rule;
use crate::fixes::verbatim_edit;
use crate::registry::{Rule, RuleMeta};
use promaudit_diagnostics::{Diagnostic, Fix, Span};
use promaudit_promql::regex_shape::{redundant_anchors, shape, RegexShape};
use promql_parser::label::MatchOp;

declare_rule! {
    /// ## What it finds
    /// `^`, `$`, `\A` and `\z` at the ends of a matcher's regex: `job=~"^api-.*$"`,
    /// `job=~"(web|^api)$"`. Prometheus anchors every label matcher's regex at both ends, so
    /// these anchors hold wherever they stand and change nothing.
    ///
    /// ## Why it matters
    /// They suggest that an unanchored regex would match part of a value, as `grep` does, and a
    /// reader who believes it misreads every other matcher. It is reported as an info: the
    /// selector matches what was meant. A regex that spells out one value or every value is
    /// reported as such instead, by `promql/literal-regex`, `promql/empty-regex`,
    /// `cardinality/match-all` or `promql/match-nothing`.
    ///
    /// ## Example
    /// ```yaml
    /// expr: sum(up{job=~"^api-.*$"})
    /// ```
    ///
    /// ## Fix
    /// Drop the anchors: `job=~"api-.*"`.
    pub RedundantAnchor {
        code: "promql/redundant-anchor",
        category: Style,
        severity: Info,
        summary: "A regex matcher has `^` or `$` anchors that Prometheus adds anyway",
        fix: "removes the anchors",
    }
}

impl Rule for RedundantAnchor {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &FileContext, out: &mut Vec<Diagnostic>) {
        cx.for_each_regex_matcher(&mut |regex| {
            let anchors = redundant_anchors(&regex.matcher.value);
            if anchors.is_empty() || rewritten_whole(&regex.matcher.op, &shape(&regex.matcher.value)) {
                return;
            }
            let mut names: Vec<&str> = Vec::new();
            for anchor in &anchors {
                let name = &regex.matcher.value[anchor.start..anchor.end];
                if !names.contains(&name) {
                    names.push(name);
                }
            }
            let listed = names.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(" and ");
            let verb = if names.len() == 1 { "changes" } else { "change" };
            let message = format!("Prometheus anchors every regex at both ends: {listed} in `{}` {verb} nothing", regex.matcher);
            let diagnostic = Self::META.diagnostic(regex.query.file_span(regex.spans.value), message).with_help(format!("drop {listed}"));
            // The anchors' offsets in the pattern are offsets in the query only where no escape precedes them.
            let removals = regex.pattern_span().and_then(|pattern| {
                anchors
                    .iter()
                    .map(|a| verbatim_edit(cx, regex.query, Span::new(pattern.start + a.start, pattern.start + a.end), ""))
                    .collect::<Option<Vec<_>>>()
            });
            out.push(match removals {
                Some(edits) => diagnostic.with_fix(Fix::new("Remove the anchors", edits)),
                None => diagnostic,
            });
        });
    }
}

/// Whether another rule rewrites the whole matcher: a regex of one value, of every value, or `!~".+"`.
fn rewritten_whole(op: &MatchOp, shape: &RegexShape) -> bool {
    matches!(
        (op, shape),
        (_, RegexShape::Literal(_) | RegexShape::Everything) | (MatchOp::NotRe(_), RegexShape::NonEmpty)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{fixed, snapshot};

    #[test]
    fn anchors_prometheus_adds_anyway() {
        let text = "groups:\n- name: a\n  rules:\n  - record: a\n    expr: foo{job=~\"^.+$\"} + foo{job=~\"(foo|^.+)$\"} + foo{job!~\"^api-.*\"} + foo{job=~\"\\\\Aapi.*\\\\z\"} + foo{m=~\"^/$|^/srv$\"}\n";
        insta::assert_snapshot!(snapshot(&RedundantAnchor, "r.yml", text));
    }

    #[test]
    fn other_anchors_and_shapes_pass() {
        let text = "groups:\n- name: a\n  rules:\n  - record: a\n    expr: foo{a=~\"api.*\", b=~\"^api$\", c=~\"^.*$\", c!~\"^.+$\", d=~\"(?m)^a.*$\", e=~\"a^b.*\", f=~\"a\\\\$|b\", g=\"^a$\"}\n";
        assert_eq!(snapshot(&RedundantAnchor, "r.yml", text), "");
    }

    #[test]
    fn the_fix_removes_the_anchors() {
        let text = "groups:\n- name: a\n  rules:\n  - record: a\n    expr: foo{job=~\"^.+$\"} + foo{job=~\"(foo|^.+)$\"}\n  - record: b\n    expr: \"foo{job=~\\\"^a.*\\\"}\"\n";
        let expected = "groups:\n- name: a\n  rules:\n  - record: a\n    expr: foo{job=~\".+\"} + foo{job=~\"(foo|.+)\"}\n  - record: b\n    expr: \"foo{job=~\\\"a.*\\\"}\"\n";
        assert_eq!(fixed(&RedundantAnchor, "r.yml", text, ""), expected);
    }
}
