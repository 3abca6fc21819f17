use crate::context::{selector_name, selector_of, FileContext};
use crate::declare_rule;
use crate::registry::{Rule, RuleMeta};
use promaudit_diagnostics::Diagnostic;
use promaudit_source::artifact::SloPart;
use promql_parser::label::{MatchOp, METRIC_NAME};
use promql_parser::parser::VectorSelector;

declare_rule! {
    /// ## What it finds
    /// SLO error (or bad) queries that are not a subset of their total query: the same text
    /// as the total, or a selector on the total's metric that leaves out a label the total
    /// filters on (`job="api"` in the total, no `job` matcher in the errors).
    ///
    /// ## Why it matters
    /// The error ratio is then not a fraction of the total: errors of other jobs, namespaces or
    /// routes are counted against this one's requests, the ratio can exceed 1 and the error
    /// budget burns for incidents elsewhere. An error query equal to the total counts every
    /// request as an error.
    ///
    /// ## Example
    /// ```yaml
    /// error_query: sum(rate(http_requests_total{code=~"5.."}[{{.window}}]))
    /// total_query: sum(rate(http_requests_total{job="api"}[{{.window}}]))
    /// ```
    ///
    /// ## Fix
    /// Filter the errors as the total: `http_requests_total{job="api", code=~"5.."}`.
    pub ErrorOutsideTotal {
        code: "slo/error-outside-total",
        category: Correctness,
        severity: Error,
        summary: "An SLO's error query counts events its total query does not",
    }
}

impl Rule for ErrorOutsideTotal {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &FileContext, out: &mut Vec<Diagnostic>) {
        for slo in cx.slo_specs().flat_map(|s| &s.slos) {
            let (Some((errors, error_parse)), Some((total, total_parse))) = (cx.slo_query(slo, &[SloPart::Errors, SloPart::Bad]), cx.slo_query(slo, &[SloPart::Total])) else { continue };
            let normalized = |text: &str| text.split_whitespace().collect::<String>();
            if normalized(&errors.site.query.value) == normalized(&total.site.query.value) {
                out.push(Self::META.diagnostic(errors.file_span(error_parse.root_span()), "the error query is the total query: every event counts as an error, and the SLO is always at 0%").with_help("select only the failed events in the error query"));
                continue;
            }
            let total_selectors = selectors(&total_parse.expr);
            error_parse.walk(&mut |visit| {
                let Some(error) = selector_of(visit.expr) else { return };
                let Some(name) = selector_name(error) else { return };
                let Some(total_selector) = total_selectors.iter().find(|t| selector_name(t) == Some(name)) else { return };
                let missing: Vec<String> = total_selector
                    .matchers
                    .matchers
                    .iter()
                    .filter(|m| m.name != METRIC_NAME && m.op == MatchOp::Equal)
                    // A label the errors filter on themselves (`code="5xx"` against `code="total"`)
                    // is a deliberate choice of series, not a missing filter.
                    .filter(|m| !error.matchers.matchers.iter().any(|e| e.name == m.name))
                    .map(|m| format!("{}=\"{}\"", m.name, m.value))
                    .collect();
                if missing.is_empty() {
                    return;
                }
                let message = format!("the total counts only `{name}{{{}}}`, but the errors are not filtered the same way: errors outside the total count against it", missing.join(", "));
                out.push(Self::META.diagnostic(errors.file_span(visit.spans.node), message).with_help(format!("add {} to the error selector", missing.join(", "))));
            });
        }
    }
}

fn selectors(expr: &promql_parser::parser::Expr) -> Vec<&VectorSelector> {
    promaudit_promql::descendants(expr).filter_map(selector_of).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::snapshot;

    #[test]
    fn errors_not_filtered_like_the_total() {
        let text = "version: prometheus/v1\nservice: api\nslos:\n- name: a\n  objective: 99.9\n  sli:\n    events:\n      error_query: sum(rate(http_requests_total{code=~\"5..\"}[{{.window}}]))\n      total_query: sum(rate(http_requests_total{job=\"api\"}[{{.window}}]))\n- name: b\n  objective: 99.9\n  sli:\n    events:\n      error_query: sum(rate(http_requests_total[{{.window}}]))\n      total_query: sum(rate(http_requests_total[{{.window}}]))\n- name: c\n  objective: 99.9\n  sli:\n    events:\n      error_query: sum(rate(http_requests_total{job=\"api\",code=~\"5..\"}[{{.window}}]))\n      total_query: sum(rate(http_requests_total{job=\"api\"}[{{.window}}]))\n";
        insta::assert_snapshot!(snapshot(&ErrorOutsideTotal, "slo.yml", text));
    }
}
