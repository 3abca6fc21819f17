use crate::context::{selector_name, selector_of, FileContext};
use crate::declare_rule;
use crate::registry::{Rule, RuleMeta};
use promaudit_diagnostics::Diagnostic;
use promql_parser::label::MatchOp;

declare_rule! {
    /// ## What it finds
    /// `le="…"` (histogram bucket) and `quantile="…"` (summary) matchers whose value the server
    /// never stores for the metric. Prometheus 3 (the default; `prometheus_version` in the
    /// configuration) stores these bounds in float form whatever the client wrote (`le="1"` is
    /// stored as `le="1.0"`); Prometheus 2 stores them as exposed. A catalog read from a server
    /// (live, or a dump whose samples carry `job`) already shows them as stored.
    ///
    /// ## Why it matters
    /// Bucket bounds are compared as strings. A bound that is not exactly one the server stores
    /// selects nothing: a latency SLO built on it never sees a request. Rules written for
    /// Prometheus 2 with `le="1"` stop matching after an upgrade to 3.
    ///
    /// ## Example
    /// ```yaml
    /// error_query: sum(rate(request_duration_seconds_bucket{le="1.0"}[5m]))
    /// ```
    ///
    /// ## Fix
    /// Write the bound exactly as stored (`le="1.0"` on Prometheus 3); the message lists the
    /// bounds.
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
                // A catalog read from a server (a live one, or a dump whose samples carry `job`)
                // shows the bounds as stored; an exporter's own output is normalised at ingestion.
                let stored = family.origin.kind == promaudit_catalog::OriginKind::Live || family.labels.contains_key("job");
                let normalises = cx.config.prometheus_version() >= 3 && !stored;
                for (matcher, spans) in selector.matchers.matchers.iter().zip(&visit.spans.matchers) {
                    let mut bounds: Vec<String> = exposed_bounds(family, &matcher.name).into_iter().map(|b| if normalises { float_form(b) } else { b.clone() }).collect();
                    if bounds.is_empty() || matcher.op != MatchOp::Equal || bounds.contains(&matcher.value) {
                        continue;
                    }
                    bounds.sort_by(|a, b| bound(a).total_cmp(&bound(b)));
                    bounds.dedup();
                    let same = bounds.iter().find(|b| bound(b) == bound(&matcher.value));
                    let (verb, why) = if normalises { ("stores", "Prometheus 3 stores bounds in float form, and they match as strings") } else { ("exposes", "bounds match as strings") };
                    let diagnostic = Self::META.diagnostic(
                        query.file_span(spans.whole),
                        format!("`{}` never {verb} {}=\"{}\": this selector matches no series", family.name, matcher.name, matcher.value),
                    );
                    out.push(match same {
                        Some(stored) => diagnostic.with_help(format!("{why}: write {}=\"{stored}\"", matcher.name)),
                        None => diagnostic.with_help(format!("the {} bounds are {}", if normalises { "stored" } else { "exposed" }, bounds.join(", "))),
                    });
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

/// A bound as Prometheus 3 stores it: Go's shortest `%g` form, with `.0` added to whole
/// numbers (`1` → `1.0`, `0.50` → `0.5`, `1000000` → `1e+06`). Text that is no number is kept.
fn float_form(text: &str) -> String {
    let value = bound(text);
    if value.is_nan() {
        return text.to_string();
    }
    if value.is_infinite() {
        return if value > 0.0 { "+Inf" } else { "-Inf" }.to_string();
    }
    // Rust's `{:e}` gives the shortest digits that round-trip, as Go's `-1` precision does.
    let scientific = format!("{value:e}");
    let (mantissa, exponent) = scientific.split_once('e').unwrap_or((&scientific, "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    let text = if !(-4..6).contains(&exponent) {
        format!("{mantissa}e{}{:02}", if exponent < 0 { '-' } else { '+' }, exponent.abs())
    } else {
        format!("{value}")
    };
    if text.contains(['.', 'e']) {
        text
    } else {
        format!("{text}.0")
    }
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
        let text = "slis:\n  a:\n    query: 'sum(rate(d_seconds_bucket{le=\"1.00\"}[5m])) / sum(rate(d_seconds_bucket{le=\"2\"}[5m]))'\n";
        insta::assert_snapshot!(snapshot_with_catalog(&UnknownBucket, "s.yaml", text, CATALOG));
    }

    #[test]
    fn stored_bound_passes() {
        let text = "slis:\n  a:\n    query: 'sum(rate(d_seconds_bucket{le=\"1.0\"}[5m])) / sum(rate(d_seconds_bucket{le=\"+Inf\"}[5m]))'\n";
        assert!(snapshot_with_catalog(&UnknownBucket, "s.yaml", text, CATALOG).is_empty());
    }

    #[test]
    fn prometheus_3_stores_whole_bounds_in_float_form() {
        let text = "slis:\n  a:\n    query: 'sum(rate(d_seconds_bucket{le=\"1\"}[5m]))'\n";
        insta::assert_snapshot!(snapshot_with_catalog(&UnknownBucket, "s.yaml", text, CATALOG));
    }

    #[test]
    fn float_form_follows_go() {
        let cases = [("1", "1.0"), ("0.5", "0.5"), ("0.50", "0.5"), ("10", "10.0"), ("2.5", "2.5"), ("+Inf", "+Inf"), ("1e-05", "1e-05"), ("0.0001", "0.0001"), ("1000000", "1e+06"), ("100000", "100000.0"), ("x", "x")];
        for (exposed, stored) in cases {
            assert_eq!(float_form(exposed), stored, "{exposed}");
        }
    }
}
