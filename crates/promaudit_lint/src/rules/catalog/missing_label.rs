use crate::context::{selector_name, selector_of, FileContext};
use crate::declare_rule;
use crate::registry::{Rule, RuleMeta};
use promaudit_diagnostics::Diagnostic;
use promaudit_catalog::SCRAPE_LABELS;
use promaudit_semantic::MetricFacts;
use promql_parser::label::{MatchOp, METRIC_NAME};

declare_rule! {
    /// ## What it finds
    /// Label matchers on a label the metric never has, according to the catalog: the labels on
    /// its samples, plus `job`, `instance` and the target labels scrape configurations write,
    /// plus the labels Kubernetes service discovery adds when the samples were scraped by hand
    /// (no `job`). A family with HELP and TYPE but no samples says nothing about its labels; a
    /// series recorded by another server, or by a file nothing ties to this one's server, may
    /// carry that server's external labels; a matcher whose value is a dashboard variable may
    /// be empty, and then matches every series as meant.
    ///
    /// ## Why it matters
    /// A missing label has the empty value. So `status!~"5.."` on a metric without `status`
    /// matches every series — an availability SLI that is always 100% — and `status=~"5.."`
    /// matches none: an error budget that never burns, an alert that never fires.
    ///
    /// ## Example
    /// ```yaml
    /// query: sum(rate(requests_total{status!~"5.."}[5m])) / sum(rate(requests_total[5m]))
    /// ```
    /// when errors are counted by a separate `errors_total` and requests carry no `status`.
    ///
    /// ## Fix
    /// Filter on a label the metric has, or use the metric that counts what you mean:
    /// `1 - sum(rate(errors_total[5m])) / sum(rate(requests_total[5m]))`.
    pub MissingLabel {
        code: "catalog/missing-label",
        category: Correctness,
        severity: Warning,
        summary: "A matcher filters on a label the metric never has",
    }
}

impl Rule for MissingLabel {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &FileContext, out: &mut Vec<Diagnostic>) {
        for (query, parsed) in cx.parsed_queries() {
            let catalog = cx.seen_from(query.site);
            parsed.walk(&mut |visit| {
                let Some(selector) = selector_of(visit.expr) else { return };
                let Some(name) = selector_name(selector) else { return };
                let Some(labels) = catalog.labels_of(name) else { return };
                // Spans pair with matchers by position; `or` alternatives have no such pairing.
                if !selector.matchers.or_matchers.is_empty() || visit.spans.matchers.len() != selector.matchers.matchers.len() {
                    return;
                }
                for (matcher, spans) in selector.matchers.matchers.iter().zip(&visit.spans.matchers) {
                    if matcher.name == METRIC_NAME || labels.contains(&matcher.name) || from_variable(query, spans.whole) {
                        continue;
                    }
                    let matches_empty = match &matcher.op {
                        MatchOp::Equal => matcher.value.is_empty(),
                        MatchOp::NotEqual => !matcher.value.is_empty(),
                        MatchOp::Re(re) => re.is_match(""),
                        MatchOp::NotRe(re) => !re.is_match(""),
                    };
                    let effect = if matches_empty { "matches every series: the filter does nothing" } else { "matches no series" };
                    let Some((family, role)) = cx.catalog.resolve_series_name(name) else { return };
                    let evidence = evidence(&family.origin);
                    let own: Vec<&str> = family.label_names(role).into_iter().filter(|l| !SCRAPE_LABELS.contains(l)).collect();
                    let own = if own.is_empty() { "no labels of its own".to_string() } else { format!("the labels {}", own.join(", ")) };
                    out.push(
                        Self::META
                            .diagnostic(query.file_span(spans.whole), format!("`{name}` has no `{}` label{evidence}, so this matcher {effect}", matcher.name))
                            .with_help(format!("`{name}` has {own}, besides the target labels its scrape adds")),
                    );
                }
            });
        }
    }
}

/// Where the catalog learned a family, as evidence for a message.
pub(crate) fn evidence(origin: &promaudit_catalog::Origin) -> String {
    use promaudit_catalog::OriginKind;
    let at = location(origin);
    match origin.kind {
        OriginKind::RecordingRule => format!(" (as recorded at {at})"),
        OriginKind::Live => " on the live server".to_string(),
        _ => format!(" on any sample in the catalog ({at})"),
    }
}

/// The file and line a catalog family was first seen at.
pub(crate) fn location(origin: &promaudit_catalog::Origin) -> String {
    if origin.line > 0 {
        format!("{}:{}", origin.source, origin.line)
    } else {
        origin.source.clone()
    }
}

/// Whether a matcher's text holds a dashboard variable: a variable over a label's values is
/// empty when no series has the label, and `label=""` then matches every series, as meant.
fn from_variable(query: &crate::context::CheckedQuery, span: promaudit_diagnostics::Span) -> bool {
    let original = query.substitution.map_span(span);
    query.site.query.value.get(original.start..original.end).is_some_and(|text| text.contains('$') || text.contains("[["))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::snapshot_with_catalog;

    const CATALOG: &str = "# TYPE requests_total counter\nrequests_total{model_id=\"a\"} 1\n";

    #[test]
    fn negative_and_positive_matchers() {
        let text = "slis:\n  availability:\n    query: \"sum(rate(requests_total{status!~'5..'}[5m])) / sum(rate(requests_total{status=~'5..'}[5m]))\"\n";
        insta::assert_snapshot!(snapshot_with_catalog(&MissingLabel, "slis.yaml", text, CATALOG));
    }

    #[test]
    fn existing_and_target_labels_pass() {
        let text = "slis:\n  a:\n    query: \"sum(rate(requests_total{model_id='a', job='x'}[5m]))\"\n";
        assert!(snapshot_with_catalog(&MissingLabel, "slis.yaml", text, CATALOG).is_empty());
    }
}
