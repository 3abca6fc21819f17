use crate::context::{selector_of, FileContext};
use crate::declare_rule;
use crate::registry::{Rule, RuleMeta};
use promaudit_diagnostics::Diagnostic;
use promql_parser::label::MatchOp;

declare_rule! {
    /// ## What it finds
    /// Matchers written as `label=~".*"`: they match every value and the absence of the label,
    /// so they select nothing away.
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
                for (matcher, spans) in selector.matchers.matchers.iter().zip(&visit.spans.matchers) {
                    if !matches!(&matcher.op, MatchOp::Re(_)) || matcher.value != ".*" {
                        continue;
                    }
                    // Only what the author wrote: a placeholder that expanded to `.*` is "All".
                    let original = query.substitution.map_span(spans.value);
                    let written = query.site.query.value.get(original.start..original.end);
                    if !written.is_some_and(|w| w.contains(".*")) {
                        continue;
                    }
                    let message = format!("`{}=~\".*\"` matches every series, with or without `{}`: it filters nothing", matcher.name, matcher.name);
                    out.push(Self::META.diagnostic(query.file_span(spans.whole), message).with_help(format!("drop the matcher, write the filter you meant, or `{}!=\"\"` to require the label", matcher.name)));
                }
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::snapshot;

    #[test]
    fn match_all_in_a_rule() {
        let text = "groups:\n- name: a\n  rules:\n  - alert: A\n    expr: sum(rate(requests_total{namespace=~\".*\", job=\"api\"}[5m])) > 1\n";
        insta::assert_snapshot!(snapshot(&MatchAll, "r.yml", text));
    }

    #[test]
    fn all_value_of_a_dashboard_variable_and_real_filters() {
        let text = "{\"panels\": [{\"title\": \"P\", \"targets\": [{\"expr\": \"sum(rate(requests_total{namespace=~\\\"$namespace\\\", pod=~\\\"api-.*\\\"}[5m]))\"}]}]}\n";
        assert_eq!(snapshot(&MatchAll, "d.json", text), "");
    }
}
