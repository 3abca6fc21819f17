use crate::context::FileContext;
use crate::declare_rule;
use crate::registry::{Rule, RuleMeta};
use promaudit_diagnostics::{Diagnostic, Span};
use promaudit_source::artifact::{Artifact, SloPart};
use promql_parser::parser::{Expr, LabelModifier};

declare_rule! {
    /// ## What it finds
    /// An SLO whose error (or good) query and total query aggregate to different label sets:
    /// `sum by (service) (…)` over a plain `sum(…)`, or `by (code)` over `by (service)`.
    ///
    /// ## Why it matters
    /// The SLO tool divides one by the other with one-to-one matching. Series match only when
    /// their labels are equal, so a `by (service)` numerator over a label-less denominator
    /// matches nothing: the error ratio is empty, the SLO shows no data and its burn-rate alerts
    /// can never fire. Differing `by` lists match partly or not at all.
    ///
    /// ## Example
    /// ```yaml
    /// errorQuery: sum by (service) (rate(http_requests_total{code=~"5.."}[{{.window}}]))
    /// totalQuery: sum(rate(http_requests_total[{{.window}}]))
    /// ```
    ///
    /// ## Fix
    /// Aggregate both to the same labels: `sum(…)` in both, or `sum by (service)` in both.
    pub GroupingMismatch {
        code: "slo/grouping-mismatch",
        category: Correctness,
        severity: Error,
        summary: "An SLO's error and total queries aggregate to different labels, so their ratio matches nothing",
    }
}

impl Rule for GroupingMismatch {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &FileContext, out: &mut Vec<Diagnostic>) {
        for slo in cx.extraction.artifacts.iter().filter_map(|a| if let Artifact::SloSpec(s) = a { Some(s) } else { None }).flat_map(|s| &s.slos) {
            let (Some((part, part_parse)), Some((_, total_parse))) = (cx.slo_query(slo, &[SloPart::Errors, SloPart::Bad, SloPart::Good]), cx.slo_query(slo, &[SloPart::Total])) else { continue };
            let (Some((labels, at)), Some((total_labels, _))) = (grouping(part_parse), grouping(total_parse)) else { continue };
            if labels == total_labels {
                continue;
            }
            let shown = |labels: &[String]| if labels.is_empty() { "to no labels".to_string() } else { format!("by ({})", labels.join(", ")) };
            let message = format!("this query aggregates {}, but the total query aggregates {}: one-to-one division matches no series, so the SLO's ratio is empty", shown(&labels), shown(&total_labels));
            out.push(Self::META.diagnostic(part.file_span(at), message).with_help("aggregate both queries by the same labels (in the SLO tool's division, labels must be equal to match)"));
        }
    }
}

/// The labels an aggregation at the top of a query keeps (sorted), and where its `by` clause
/// (or operator) is; `None` when the top is not an aggregation or uses `without`.
fn grouping(parsed: &promaudit_promql::ParsedQuery) -> Option<(Vec<String>, Span)> {
    let mut top = &parsed.expr;
    while let Expr::Paren(inner) = top {
        top = &inner.expr;
    }
    let Expr::Aggregate(aggregate) = top else { return None };
    let mut found = None;
    parsed.walk(&mut |visit| {
        if found.is_none() && std::ptr::eq(visit.expr, top) {
            found = Some(visit.spans.grouping.as_ref().map(|g| g.span).or(visit.spans.name).unwrap_or(visit.spans.node));
        }
    });
    let mut labels = match &aggregate.modifier {
        None => Vec::new(),
        Some(LabelModifier::Include(labels)) => labels.labels.clone(),
        Some(LabelModifier::Exclude(_)) => return None,
    };
    labels.sort();
    labels.dedup();
    Some((labels, found?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::snapshot;

    fn sloth(error: &str, total: &str) -> String {
        format!("version: prometheus/v1\nservice: api\nslos:\n- name: availability\n  objective: 99.9\n  sli:\n    events:\n      error_query: {error}\n      total_query: {total}\n  alerting: {{name: ApiAvailability, page_alert: {{labels: {{severity: page}}}}, ticket_alert: {{labels: {{severity: ticket}}}}}}\n")
    }

    #[test]
    fn numerator_and_denominator_grouped_differently() {
        let text = sloth("sum by (service) (rate(http_requests_total{code=~\"5..\"}[{{.window}}]))", "sum(rate(http_requests_total[{{.window}}]))");
        insta::assert_snapshot!(snapshot(&GroupingMismatch, "slo.yml", &text));
    }

    #[test]
    fn same_grouping_in_any_order_passes() {
        let text = sloth("sum by (service, env) (rate(http_requests_total{code=~\"5..\"}[{{.window}}]))", "sum by (env, service) (rate(http_requests_total[{{.window}}]))");
        assert_eq!(snapshot(&GroupingMismatch, "slo.yml", &text), "");
        let plain = sloth("sum(rate(http_requests_total{code=~\"5..\"}[{{.window}}]))", "(sum(rate(http_requests_total[{{.window}}])))");
        assert_eq!(snapshot(&GroupingMismatch, "slo.yml", &plain), "");
    }
}
