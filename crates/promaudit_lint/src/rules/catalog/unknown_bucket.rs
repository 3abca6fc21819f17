use crate::context::{selector_name, selector_of, FileContext};
use crate::declare_rule;
use crate::registry::{Rule, RuleMeta};
use promaudit_diagnostics::Diagnostic;
use promql_parser::label::MatchOp;

declare_rule! {
    /// ## What it finds
    /// `le="…"` (histogram bucket) and `quantile="…"` (summary) matchers whose value the metric
    /// never exposes, such as `le="1.0"` where the client library writes `le="1"`.
    ///
    /// ## Why it matters
    /// Bucket bounds are compared as strings. A bound that is not exactly one the histogram
    /// exposes selects nothing: a latency SLO built on it never sees a request.
    ///
    /// ## Example
    /// ```yaml
    /// error_query: sum(rate(request_duration_seconds_bucket{le="1.0"}[5m]))
    /// ```
    ///
    /// ## Fix
    /// Write the bound exactly as exposed (`le="1"`); the message lists the bounds.
    pub UnknownBucket {
        code: "catalog/unknown-bucket",
        category: Correctness,
        severity: Warning,
        summary: "An `le` or `quantile` matcher names a bound the metric does not expose",
    }
}

impl Rule for UnknownBucket {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &FileContext, out: &mut Vec<Diagnostic>) {
        for (query, parsed) in cx.parsed_queries() {
            parsed.walk(&mut |visit| {
                let Some(selector) = selector_of(visit.expr) else { return };
                let Some((family, _)) = selector_name(selector).and_then(|n| cx.catalog.resolve_series_name(n)) else { return };
                // Built-in knowledge lists typical buckets, not the ones a user's clients configure.
                if family.origin.is_builtin() {
                    return;
                }
                if visit.spans.matchers.len() != selector.matchers.matchers.len() {
                    return;
                }
                for (matcher, spans) in selector.matchers.matchers.iter().zip(&visit.spans.matchers) {
                    let bounds = exposed_bounds(family, &matcher.name);
                    if bounds.is_empty() || matcher.op != MatchOp::Equal || bounds.contains(&&matcher.value) {
                        continue;
                    }
                    let mut sorted: Vec<&String> = bounds;
                    sorted.sort_by(|a, b| bound(a).total_cmp(&bound(b)));
                    let listed: Vec<&str> = sorted.iter().map(|s| s.as_str()).collect();
                    let same = sorted.iter().find(|b| bound(b) == bound(&matcher.value));
                    let mut diagnostic = Self::META.diagnostic(
                        query.file_span(spans.whole),
                        format!("`{}` never exposes {}=\"{}\": this selector matches no series", family.name, matcher.name, matcher.value),
                    );
                    diagnostic = match same {
                        Some(exposed) => diagnostic.with_help(format!("bounds match as strings: write {}=\"{exposed}\"", matcher.name)),
                        None => diagnostic.with_help(format!("the exposed bounds are {}", listed.join(", "))),
                    };
                    out.push(diagnostic);
                }
            });
        }
    }
}

/// The `le` or `quantile` values a family exposes: its buckets or quantiles when typed, else
/// what its series showed for the label.
fn exposed_bounds<'f>(family: &'f promaudit_catalog::MetricFamily, label: &str) -> Vec<&'f String> {
    let declared = match label {
        "le" => &family.buckets,
        "quantile" => &family.quantiles,
        _ => return Vec::new(),
    };
    if !declared.is_empty() {
        return declared.iter().collect();
    }
    family.labels.get(label).filter(|stats| !stats.capped).map(|stats| stats.values.iter().collect()).unwrap_or_default()
}

fn bound(text: &str) -> f64 {
    match text {
        "+Inf" | "Inf" => f64::INFINITY,
        _ => text.parse().unwrap_or(f64::NAN),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::snapshot_with_catalog;

    const CATALOG: &str = "# TYPE d_seconds histogram\nd_seconds_bucket{le=\"0.5\"} 1\nd_seconds_bucket{le=\"1\"} 2\nd_seconds_bucket{le=\"+Inf\"} 3\n";

    #[test]
    fn float_spelling_and_missing_bound() {
        let text = "slis:\n  a:\n    query: 'sum(rate(d_seconds_bucket{le=\"1.0\"}[5m])) / sum(rate(d_seconds_bucket{le=\"2\"}[5m]))'\n";
        insta::assert_snapshot!(snapshot_with_catalog(&UnknownBucket, "s.yaml", text, CATALOG));
    }

    #[test]
    fn exposed_bound_passes() {
        let text = "slis:\n  a:\n    query: 'sum(rate(d_seconds_bucket{le=\"1\"}[5m]))'\n";
        assert!(snapshot_with_catalog(&UnknownBucket, "s.yaml", text, CATALOG).is_empty());
    }
}
