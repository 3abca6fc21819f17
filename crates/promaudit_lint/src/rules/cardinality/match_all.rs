use crate::context::{matchers_with_spans, selector_of, FileContext};
use crate::declare_rule;
use crate::registry::{Rule, RuleMeta};
use crate::fixes::list_item_removal;
use promaudit_diagnostics::{Diagnostic, Edit, Fix};
use promaudit_promql::regex_shape::{shape, RegexShape};
use promql_parser::label::MatchOp;

declare_rule! {
    /// ## What it finds
    /// Matchers written as `label=~".*"`, or with another regex that accepts every value
    /// (`(.*)`, `^.*$`, `.*|api`): they match every value and the absence of the label, so they
    /// select nothing away.
    ///
    /// ## Why it matters
    /// Either the author meant to filter and did not, and the query reads every series of the
    /// metric, or the matcher is a template default (kube-prometheus' mixins write
    /// `integration=~".*"` until configured) and only misleads the reader. Dashboard variables
    /// that expand to `.*` are not reported: that is what "All" is for.
    ///
    /// ## Example
    /// ```yaml
    /// expr: sum(rate(http_requests_total{namespace=~".*"}[5m]))
    /// ```
    ///
    /// ## Fix
    /// Drop the matcher, or write the filter you meant (`namespace=~"prod-.*"`); to require the
    /// label, write `namespace!=""`.
    pub MatchAll {
        code: "cardinality/match-all",
        category: Suspicious,
        severity: Info,
        summary: "A `=~\".*\"` matcher matches everything and filters nothing",
        fix: "removes the matcher",
    }
}

impl Rule for MatchAll {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &FileContext, out: &mut Vec<Diagnostic>) {
        for (query, parsed) in cx.parsed_queries() {
            parsed.walk(&mut |visit| {
                let Some(selector) = selector_of(visit.expr) else { return };
                let matcher_spans: Vec<_> = visit.spans.matchers.iter().map(|m| m.whole).collect();
                for (index, (matcher, spans)) in matchers_with_spans(selector, visit.spans).enumerate() {
                    if !matches!(&matcher.op, MatchOp::Re(_)) || shape(&matcher.value) != RegexShape::Everything {
                        continue;
                    }
                    // Only what the author wrote: a dashboard variable's "All" is meant to match everything.
                    if query.written(spans.value).is_none() {
                        continue;
                    }
                    let message = format!("`{matcher}` matches every series, with or without `{}`: it filters nothing", matcher.name);
                    let diagnostic = Self::META.diagnostic(query.file_span(spans.whole), message).with_help(format!("drop the matcher, write the filter you meant, or `{}!=\"\"` to require the label", matcher.name));
                    // A selector without a name needs a matcher that rejects the empty value.
                    let removable = selector.matchers.or_matchers.is_empty() && (selector.name.is_some() || selector.matchers.matchers.iter().any(|m| m.op == MatchOp::Equal && !m.value.is_empty()));
                    out.push(if removable {
                        let removal = query.file_span(list_item_removal(&matcher_spans, index));
                        diagnostic.with_fix(Fix::new(format!("Remove `{matcher}`"), vec![Edit::delete(removal)]))
                    } else {
                        diagnostic
                    });
                }
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{fixed, snapshot};

    #[test]
    fn match_all_in_a_rule() {
        let text = "groups:\n- name: a\n  rules:\n  - alert: A\n    expr: sum(rate(requests_total{namespace=~\".*\", job=\"api\"}[5m])) > 1\n";
        insta::assert_snapshot!(snapshot(&MatchAll, "r.yml", text));
    }

    #[test]
    fn every_spelling_of_match_all() {
        let text = "groups:\n- name: a\n  rules:\n  - record: a\n    expr: up{a=~\"(.*)\", b=~\"^.*$\", c=~\".*|api\", d=~\".+\", e=~\".*api\", f!~\".*\"}\n";
        insta::assert_snapshot!(snapshot(&MatchAll, "r.yml", text));
    }

    #[test]
    fn all_value_of_a_dashboard_variable_and_real_filters() {
        let text = "{\"panels\": [{\"title\": \"P\", \"targets\": [{\"expr\": \"sum(rate(requests_total{namespace=~\\\"$namespace\\\", pod=~\\\"api-.*\\\"}[5m]))\"}]}]}\n";
        assert_eq!(snapshot(&MatchAll, "d.json", text), "");
    }

    #[test]
    fn the_fix_removes_the_matcher() {
        let text = "groups:\n- name: a\n  rules:\n  - alert: A\n    expr: sum(rate(requests_total{namespace=~\".*\", job=\"api\"}[5m])) + count(up{job=~\".*\"}) + count({pod=~\".*\", job=~\"a.+\"}) > 1\n";
        let expected = "groups:\n- name: a\n  rules:\n  - alert: A\n    expr: sum(rate(requests_total{job=\"api\"}[5m])) + count(up{}) + count({pod=~\".*\", job=~\"a.+\"}) > 1\n";
        assert_eq!(fixed(&MatchAll, "r.yml", text, ""), expected);
    }
}
