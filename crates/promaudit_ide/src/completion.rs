//! What can be typed at the cursor inside a query: label values after `label="`, label names
//! inside `{…}` and `by (…)`, otherwise metric names, recording rules, functions and keywords.

use crate::functions::FUNCTIONS;
use crate::text::{is_name_byte, query_at, sites};
use promaudit_catalog::{Catalog, OriginKind};
use promaudit_diagnostics::Span;
use promaudit_lint::Checker;
use promaudit_source::artifact::QuerySite;
use promaudit_source::SourceFile;
use std::collections::BTreeSet;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CompletionKind {
    Metric,
    RecordingRule,
    Function,
    Keyword,
    Label,
    LabelValue,
}

#[derive(Debug, PartialEq)]
pub struct Completion {
    pub label: String,
    pub kind: CompletionKind,
    pub detail: Option<String>,
    pub documentation: Option<String>,
    /// The file span the completion replaces: what was typed of the name so far.
    pub replace: Span,
}

/// More than an editor's menu can usefully show; it filters further as the user types.
const MAX_COMPLETIONS: usize = 1000;
const KEYWORDS: &[&str] = &["by", "without", "on", "ignoring", "group_left", "group_right", "bool", "offset", "and", "or", "unless"];
/// Clauses whose parentheses list label names.
const LABEL_CLAUSES: &[&str] = &["by", "without", "on", "ignoring", "group_left", "group_right"];

/// Where the cursor is, read from the query text before it.
#[derive(Debug, PartialEq)]
enum Context<'a> {
    /// Inside a quoted matcher value: `metric{label="…`.
    LabelValue { metric: &'a str, label: &'a str, typed: &'a str },
    /// Inside `metric{…}`.
    SelectorLabel { metric: &'a str, typed: &'a str },
    /// Inside `by (…)`, `on (…)` and the like.
    ClauseLabel { typed: &'a str },
    /// Anywhere an expression can start.
    Expression { typed: &'a str },
    /// Inside a range `[…]`, a comment or a string that is not a matcher value.
    Nothing,
}

pub fn completions(file: &SourceFile, offset: usize, checker: &Checker) -> Vec<Completion> {
    let extraction = promaudit_source::extract(file);
    let Some((site, inner)) = query_at(sites(&extraction), offset) else { return Vec::new() };
    let text = &site.query.value;
    let Some(before) = text.get(..inner) else { return Vec::new() };
    let context = context(before);
    let typed = match &context {
        Context::LabelValue { typed, .. } | Context::SelectorLabel { typed, .. } | Context::ClauseLabel { typed } | Context::Expression { typed } => *typed,
        Context::Nothing => return Vec::new(),
    };
    let replace = site.query.file_span(Span::new(inner - typed.len(), inner));
    let catalog = &checker.catalog;
    let mut found: Vec<Completion> = match context {
        Context::LabelValue { metric, label, .. } => label_values(catalog, metric, label).into_iter().map(|v| item(v, CompletionKind::LabelValue, None)).collect(),
        Context::SelectorLabel { metric, .. } => label_names(catalog, [metric]).into_iter().map(|l| item(l, CompletionKind::Label, None)).collect(),
        Context::ClauseLabel { .. } => label_names(catalog, metrics_in(site, catalog)).into_iter().map(|l| item(l, CompletionKind::Label, None)).collect(),
        Context::Expression { .. } => expression_items(catalog),
        Context::Nothing => Vec::new(),
    };
    found.retain(|c| c.label.starts_with(typed));
    found.truncate(MAX_COMPLETIONS);
    for completion in &mut found {
        completion.replace = replace;
    }
    found
}

fn item(label: impl Into<String>, kind: CompletionKind, detail: Option<String>) -> Completion {
    Completion { label: label.into(), kind, detail, documentation: None, replace: Span::default() }
}

fn expression_items(catalog: &Catalog) -> Vec<Completion> {
    let mut items = Vec::new();
    for family in catalog.sorted_families() {
        let kind = if family.origin.kind == OriginKind::RecordingRule { CompletionKind::RecordingRule } else { CompletionKind::Metric };
        let detail = if kind == CompletionKind::RecordingRule { format!("recording rule, {}:{}", family.origin.source, family.origin.line) } else { family.kind.as_str().to_string() };
        for name in family.series_names() {
            items.push(Completion { documentation: family.help.clone(), ..item(name, kind, Some(detail.clone())) });
        }
    }
    for function in FUNCTIONS {
        items.push(Completion { documentation: Some(function.docs.to_string()), ..item(function.name, CompletionKind::Function, Some(function.signature.to_string())) });
    }
    items.extend(KEYWORDS.iter().map(|k| item(*k, CompletionKind::Keyword, None)));
    items
}

/// Label names series of these names carry, scrape labels included.
fn label_names<'a>(catalog: &Catalog, metrics: impl IntoIterator<Item = &'a str>) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for metric in metrics {
        if let Some((family, role)) = catalog.resolve_series_name(metric) {
            names.extend(family.label_names(role).into_iter().map(str::to_string));
            names.extend(promaudit_catalog::SCRAPE_LABELS.iter().map(|l| l.to_string()));
        }
    }
    names
}

fn label_values(catalog: &Catalog, metric: &str, label: &str) -> Vec<String> {
    let Some((family, _)) = catalog.resolve_series_name(metric) else { return Vec::new() };
    match label {
        "le" => family.buckets.clone(),
        "quantile" => family.quantiles.clone(),
        _ => family.labels.get(label).map(|s| s.values.iter().cloned().collect()).unwrap_or_default(),
    }
}

/// The catalog's metrics a query names, for the labels of `by (…)` and `on (…)`.
fn metrics_in<'a>(site: &'a QuerySite, catalog: &Catalog) -> Vec<&'a str> {
    let text = &site.query.value;
    text.split(|c: char| !is_name_byte(c as u8) || !c.is_ascii()).filter(|word| catalog.resolve_series_name(word).is_some()).collect()
}

/// An open bracket and the name right before it (`rate(`, `x{`, `by (`).
#[derive(Clone, Copy)]
struct Open<'a> {
    bracket: u8,
    name: &'a str,
}

fn context(before: &str) -> Context<'_> {
    let bytes = before.as_bytes();
    let mut stack: Vec<Open> = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            quote @ (b'"' | b'\'' | b'`') => {
                let Some(close) = closing_quote(bytes, i + 1, quote) else {
                    return label_value(before, i, &stack);
                };
                i = close;
            }
            b'#' => match before[i..].find('\n') {
                Some(end) => i += end,
                None => return Context::Nothing,
            },
            open @ (b'(' | b'{' | b'[') => stack.push(Open { bracket: open, name: last_name(&before[..i]) }),
            b')' | b'}' | b']' => {
                stack.pop();
            }
            _ => {}
        }
        i += 1;
    }
    let typed_len = bytes.iter().rev().take_while(|&&b| is_name_byte(b)).count();
    let typed = &before[before.len() - typed_len..];
    let after_operator = before[..before.len() - typed_len].trim_end().ends_with(['=', '~']);
    match stack.last() {
        // `{job=` wants a quoted value, not a label name.
        Some(Open { bracket: b'{', .. }) if after_operator => Context::Nothing,
        Some(Open { bracket: b'{', name }) => Context::SelectorLabel { metric: name, typed },
        Some(Open { bracket: b'(', name }) if LABEL_CLAUSES.contains(name) => Context::ClauseLabel { typed },
        Some(Open { bracket: b'[', .. }) => Context::Nothing,
        _ => Context::Expression { typed },
    }
}

/// The offset of the quote closing a string that opens before `from`, if it is closed.
fn closing_quote(bytes: &[u8], from: usize, quote: u8) -> Option<usize> {
    let mut i = from;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if quote != b'`' => i += 2,
            b if b == quote => return Some(i),
            _ => i += 1,
        }
    }
    None
}

/// The cursor is in a string opened at `quote`: a matcher's value when `label op` precedes it
/// inside a selector's braces.
fn label_value<'a>(before: &'a str, quote: usize, stack: &[Open<'a>]) -> Context<'a> {
    let Some(Open { bracket: b'{', name: metric }) = stack.last().copied() else { return Context::Nothing };
    let head = before[..quote].trim_end();
    let Some(head) = ["=~", "!~", "!=", "="].iter().find_map(|op| head.strip_suffix(op)) else { return Context::Nothing };
    let label = last_name(head.trim_end());
    if label.is_empty() {
        return Context::Nothing;
    }
    Context::LabelValue { metric, label, typed: &before[quote + 1..] }
}

/// The name ending where `text` ends, after blanks.
fn last_name(text: &str) -> &str {
    let text = text.trim_end();
    let len = text.bytes().rev().take_while(|&b| is_name_byte(b)).count();
    &text[text.len() - len..]
}

#[cfg(test)]
mod tests {
    use super::*;
    use promaudit_catalog::parse_exposition;

    #[test]
    fn contexts() {
        assert_eq!(context("sum(rate(http_req"), Context::Expression { typed: "http_req" });
        assert_eq!(context("up{job=\"api\", inst"), Context::SelectorLabel { metric: "up", typed: "inst" });
        assert_eq!(context("up {job=~\"a"), Context::LabelValue { metric: "up", label: "job", typed: "a" });
        assert_eq!(context("up{job="), Context::Nothing);
        assert_eq!(context("sum by (jo"), Context::ClauseLabel { typed: "jo" });
        assert_eq!(context("sum(x) by (le, "), Context::ClauseLabel { typed: "" });
        assert_eq!(context("rate(x[5"), Context::Nothing);
        assert_eq!(context("label_replace(x, \"a"), Context::Nothing);
        assert_eq!(context("up{job=\"a\"} + rate(x{job=\"b\"}[5m]) + "), Context::Expression { typed: "" });
    }

    const CATALOG: &str = "# HELP http_requests_total Requests.\n# TYPE http_requests_total counter\nhttp_requests_total{job=\"api\",code=\"200\"} 1\nhttp_requests_total{job=\"web\",code=\"500\"} 1\n";

    fn complete(text: &str, cursor_after: &str) -> Vec<(String, CompletionKind, String)> {
        let checker = Checker::with_catalog(parse_exposition(CATALOG, "catalog.prom").catalog);
        let file = SourceFile::new("r.yml", text);
        let offset = text.find(cursor_after).unwrap() + cursor_after.len();
        completions(&file, offset, &checker).into_iter().map(|c| (c.label, c.kind, text[c.replace.start..c.replace.end].to_string())).collect()
    }

    #[test]
    fn metric_names_and_functions_by_prefix() {
        let text = "groups:\n- name: a\n  rules:\n  - alert: A\n    expr: sum(rate(http_re[5m])) > 1\n";
        assert_eq!(complete(text, "http_re"), [("http_requests_total".to_string(), CompletionKind::Metric, "http_re".to_string())]);
        let functions = complete(text, "ra");
        assert!(functions.iter().any(|(l, k, typed)| l == "rate" && *k == CompletionKind::Function && typed == "ra"), "{functions:?}");
    }

    #[test]
    fn label_names_inside_braces_and_values_after_the_quote() {
        let text = "groups:\n- name: a\n  rules:\n  - alert: A\n    expr: |\n      http_requests_total{code=\"5\", j} > 1\n";
        let labels: Vec<String> = complete(text, ", j").into_iter().map(|c| c.0).collect();
        assert_eq!(labels, ["job"]);
        assert_eq!(complete(text, "code=\"5"), [("500".to_string(), CompletionKind::LabelValue, "5".to_string())]);
    }

    #[test]
    fn label_names_in_by_come_from_the_metrics_of_the_query() {
        let text = "groups:\n- name: a\n  rules:\n  - record: a:b\n    expr: sum by (co) (rate(http_requests_total[5m]))\n";
        assert_eq!(complete(text, "by (co").into_iter().map(|c| c.0).collect::<Vec<_>>(), ["code"]);
    }

    #[test]
    fn nothing_outside_queries() {
        assert!(complete("groups:\n- name: abc\n", "ab").is_empty());
    }
}
