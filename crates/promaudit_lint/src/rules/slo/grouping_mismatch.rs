use crate::context::FileContext;
use crate::declare_rule;
use crate::registry::{Rule, RuleMeta};
use promaudit_diagnostics::{Diagnostic, Span};
use promaudit_source::artifact::{QueryRole, SloPart};
use promql_parser::parser::{token, Expr, LabelModifier};

declare_rule! {
    /// ## What it finds
    /// An SLO whose error (or good) query and total query aggregate to different label sets:
    /// `sum by (service) (…)` over a plain `sum(…)`, or `by (code)` over `by (service)`; and the
    /// same inside one ratio query (a Sloth `error_ratio_query`, an SLI list's query) whose
    /// division has no `on (…)`. An error when a label only one side groups by is proven present
    /// (a matcher, a catalog's samples); a warning when nothing shows it: a label no series has
    /// is empty, and grouping by it changes nothing.
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
        for slo in cx.slo_specs().flat_map(|s| &s.slos) {
            let (Some((part, part_parse)), Some((total, total_parse))) = (cx.slo_query(slo, &[SloPart::Errors, SloPart::Bad, SloPart::Good]), cx.slo_query(slo, &[SloPart::Total])) else { continue };
            let (Some((labels, at)), Some((total_labels, _))) = (grouping(part_parse, &part_parse.expr), grouping(total_parse, &total_parse.expr)) else { continue };
            if labels == total_labels {
                continue;
            }
            let proven = extra_label_present(&labels, &total_labels, &cx.labels(part, &part_parse.expr)) || extra_label_present(&total_labels, &labels, &cx.labels(total, &total_parse.expr));
            let message = format!("this query aggregates {}, but the total query aggregates {}: one-to-one division matches no series, so the SLO's ratio is empty", shown(&labels), shown(&total_labels));
            out.push(graded(Self::META.diagnostic(part.file_span(at), message).with_help("aggregate both queries by the same labels (in the SLO tool's division, labels must be equal to match)"), proven));
        }
        // A ratio written in one query: Sloth's `error_ratio_query`, an SLI list's query.
        let ratio_queries = cx.parsed_queries().filter(|(q, _)| matches!(q.site.role, QueryRole::SliQuery { .. } | QueryRole::SloQuery { part: SloPart::ErrorRatio, .. }));
        for (query, parsed) in ratio_queries {
            parsed.walk(&mut |visit| {
                let Expr::Binary(division) = visit.expr else { return };
                if division.op.id() != token::T_DIV || division.modifier.as_ref().is_some_and(|m| m.matching.is_some()) {
                    return;
                }
                let (Some((labels, at)), Some((denominator_labels, _))) = (grouping(parsed, &division.lhs), grouping(parsed, &division.rhs)) else { return };
                if labels != denominator_labels {
                    let proven = extra_label_present(&labels, &denominator_labels, &cx.labels(query, &division.lhs)) || extra_label_present(&denominator_labels, &labels, &cx.labels(query, &division.rhs));
                    let message = format!("the numerator aggregates {}, but the denominator aggregates {}: one-to-one division matches no series, so the ratio is empty", shown(&labels), shown(&denominator_labels));
                    out.push(graded(Self::META.diagnostic(query.file_span(at), message).with_help("aggregate both sides by the same labels, or match them with `on (…)`"), proven));
                }
            });
        }
    }
}

/// Whether a label only `mine` groups by is certainly on the series it aggregates: then its
/// results carry it and the other side's never do. A label no series has is empty, and
/// grouping by it changes nothing.
fn extra_label_present(mine: &[String], theirs: &[String], result: &promaudit_semantic::LabelSet) -> bool {
    mine.iter().any(|label| !theirs.contains(label) && result.certain.contains(label))
}

/// An error when the extra label is proven present; otherwise a warning saying what it rests on.
fn graded(diagnostic: Diagnostic, proven: bool) -> Diagnostic {
    if proven {
        return diagnostic;
    }
    let mut diagnostic = diagnostic.with_note("unless no series carries the labels only one side groups by: nothing shows they are present");
    diagnostic.severity = promaudit_diagnostics::Severity::Warning;
    diagnostic
}

fn shown(labels: &[String]) -> String {
    if labels.is_empty() {
        "to no labels".to_string()
    } else {
        format!("by ({})", labels.join(", "))
    }
}

/// The labels an aggregation at the top of `node` (a node of `parsed`) keeps (sorted), and where
/// its `by` clause (or operator) is; `None` when the top is not an aggregation or uses `without`.
fn grouping(parsed: &promaudit_promql::ParsedQuery, node: &Expr) -> Option<(Vec<String>, Span)> {
    let mut top = node;
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
    fn ratio_in_one_query() {
        let text = "version: prometheus/v1\nservice: api\nslos:\n- name: raw\n  objective: 99.9\n  sli:\n    raw:\n      error_ratio_query: sum by (pod) (rate(errors_total[{{.window}}])) / sum(rate(requests_total[{{.window}}]))\n- name: matched\n  objective: 99.9\n  sli:\n    raw:\n      error_ratio_query: sum by (job) (rate(errors_total[{{.window}}])) / on (job) group_left sum(rate(requests_total[{{.window}}]))\n";
        insta::assert_snapshot!(snapshot(&GroupingMismatch, "slo.yml", text));
    }

    #[test]
    fn same_grouping_in_any_order_passes() {
        let text = sloth("sum by (service, env) (rate(http_requests_total{code=~\"5..\"}[{{.window}}]))", "sum by (env, service) (rate(http_requests_total[{{.window}}]))");
        assert_eq!(snapshot(&GroupingMismatch, "slo.yml", &text), "");
        let plain = sloth("sum(rate(http_requests_total{code=~\"5..\"}[{{.window}}]))", "(sum(rate(http_requests_total[{{.window}}])))");
        assert_eq!(snapshot(&GroupingMismatch, "slo.yml", &plain), "");
    }
}
