//! What to show for the name under the cursor: a function's signature and docs, a recording
//! rule's expression and definition, a metric's catalog entry.

use crate::functions::function;
use crate::index::WorkspaceIndex;
use crate::text::{is_call, name_at, sites};
use promaudit_catalog::{MetricFamily, SeriesRole, Unit};
use promaudit_diagnostics::Span;
use promaudit_lint::Checker;
use promaudit_source::SourceFile;
use std::fmt::Write as _;

/// Markdown for the span under the cursor.
#[derive(Debug, PartialEq)]
pub struct Hover {
    pub span: Span,
    pub markdown: String,
}

/// Label values listed in a hover before "…".
const SHOWN_VALUES: usize = 5;

/// Hovers only inside queries and on `record:` names, so prose and keys stay quiet.
pub fn hover(file: &SourceFile, offset: usize, checker: &Checker, index: &WorkspaceIndex) -> Option<Hover> {
    let (span, name) = name_at(&file.text, offset)?;
    let defined: Vec<_> = index.definitions_of(name).collect();
    let extraction = promaudit_source::extract(file);
    let in_query = sites(&extraction).iter().any(|site| site.query.span.start <= span.start && span.end <= site.query.span.end);
    let on_definition = defined.iter().any(|(path, d)| *path == file.path && d.span == span);
    if !in_query && !on_definition {
        return None;
    }
    let mut markdown = String::new();
    if is_call(&file.text, span.end) {
        let function = function(name)?;
        write!(markdown, "```promql\n{}\n```\n\n{}", function.signature, function.docs).ok()?;
        return Some(Hover { span, markdown });
    }
    for (path, definition) in &defined {
        write!(markdown, "**recording rule** `{name}`, defined at `{}:{}`\n\n```promql\n{}\n```\n\n", path.display(), definition.line, definition.expr.trim()).ok()?;
    }
    if let Some((family, role)) = checker.catalog.resolve_series_name(name) {
        markdown.push_str(&describe(family, role));
    }
    (!markdown.is_empty()).then(|| Hover { span, markdown: markdown.trim_end().to_string() })
}

/// A catalog entry: type, unit, help, labels with a few values, series count, origin.
fn describe(family: &MetricFamily, role: SeriesRole) -> String {
    let mut text = format!("**{}** {}", family.name, family.kind.as_str());
    if family.unit != Unit::Unknown {
        let _ = write!(text, ", unit `{}`", family.unit.as_str());
    }
    if let Some(help) = &family.help {
        let _ = write!(text, "\n\n{help}");
    }
    let labels: Vec<String> = family
        .label_names(role)
        .into_iter()
        .map(|label| {
            let values: Vec<&str> = match label {
                "le" => family.buckets.iter().map(String::as_str).collect(),
                "quantile" => family.quantiles.iter().map(String::as_str).collect(),
                _ => family.labels.get(label).map(|s| s.values.iter().map(String::as_str).collect()).unwrap_or_default(),
            };
            let more = if values.len() > SHOWN_VALUES { ", …" } else { "" };
            let shown: Vec<String> = values.iter().take(SHOWN_VALUES).map(|v| format!("`{v}`")).collect();
            if shown.is_empty() { format!("- `{label}`") } else { format!("- `{label}`: {}{more}", shown.join(", ")) }
        })
        .collect();
    if !labels.is_empty() {
        let partial = if family.labels_complete { "" } else { " (not all known)" };
        let _ = write!(text, "\n\nLabels{partial}:\n{}", labels.join("\n"));
    }
    if family.series > 0 {
        let _ = write!(text, "\n\nSeries: {}", family.series);
    }
    let line = if family.origin.line > 0 { format!(":{}", family.origin.line) } else { String::new() };
    let _ = write!(text, "\n\nFrom `{}{line}`", family.origin.source);
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use promaudit_catalog::parse_exposition;

    const CATALOG: &str = "# HELP http_request_duration_seconds Request latency.\n# TYPE http_request_duration_seconds histogram\nhttp_request_duration_seconds_bucket{job=\"api\",le=\"0.5\"} 1\nhttp_request_duration_seconds_bucket{job=\"api\",le=\"+Inf\"} 1\nhttp_request_duration_seconds_sum{job=\"api\"} 1\nhttp_request_duration_seconds_count{job=\"api\"} 1\n";
    const RULES: &str = "groups:\n- name: a\n  rules:\n  - record: job:latency:p95\n    expr: histogram_quantile(0.95, sum by (job, le) (rate(http_request_duration_seconds_bucket[5m])))\n  - alert: Slow\n    expr: job:latency:p95 > 0.5\n    annotations:\n      summary: rate of things\n";

    fn hover_at(needle: &str, nth_byte: usize) -> Option<Hover> {
        let mut checker = Checker::with_catalog(parse_exposition(CATALOG, "catalog.prom").catalog);
        let file = SourceFile::new("rules.yml", RULES);
        checker.learn_project(std::slice::from_ref(&file));
        let mut index = WorkspaceIndex::default();
        index.update(&file, &checker.cache);
        hover(&file, RULES.find(needle).unwrap() + nth_byte, &checker, &index)
    }

    #[test]
    fn a_metric_shows_its_catalog_entry() {
        let hover = hover_at("http_request_duration_seconds_bucket", 3).unwrap();
        assert_eq!(&RULES[hover.span.start..hover.span.end], "http_request_duration_seconds_bucket");
        insta::assert_snapshot!(hover.markdown);
    }

    #[test]
    fn a_function_shows_its_signature() {
        let hover = hover_at("rate(", 2).unwrap();
        assert_eq!(&RULES[hover.span.start..hover.span.end], "rate");
        assert!(hover.markdown.starts_with("```promql\nrate(v range-vector) instant-vector\n```"), "{}", hover.markdown);
    }

    #[test]
    fn a_recording_rule_shows_its_expression_and_definition() {
        insta::assert_snapshot!(hover_at("job:latency:p95 >", 0).unwrap().markdown);
    }

    #[test]
    fn prose_outside_queries_gets_nothing() {
        assert_eq!(hover_at("rate of things", 1), None);
    }
}
