//! What a rule sees of one file: the source, the extracted artifacts and every query, parsed.

use crate::parse_cache::ParsedOutcome;
use promaudit_diagnostics::Span;
use promaudit_source::artifact::{Artifact, Extraction, QuerySite, RuleFile};
use promaudit_source::{OffsetMap, SourceFile};
use std::sync::Arc;

pub struct FileContext<'a> {
    pub file: &'a SourceFile,
    pub extraction: &'a Extraction,
    pub queries: Vec<CheckedQuery<'a>>,
    /// Set when the file's bytes could not be decoded; `file` then holds a lossy copy for display.
    pub unreadable: Option<(Span, String)>,
    /// The metric catalog; empty when none was given.
    pub catalog: &'a promaudit_catalog::Catalog,
    /// Whether `catalog` holds what the user gave, beyond built-in exporter knowledge.
    pub user_catalog: bool,
    /// Scrape intervals from the checked Prometheus configurations.
    pub scrape: &'a crate::analyze::ScrapeIntervals,
    pub suggestions: &'a crate::analyze::Suggestions,
}

impl<'a> FileContext<'a> {
    pub fn rule_files(&self) -> impl Iterator<Item = &'a RuleFile> {
        self.extraction.artifacts.iter().filter_map(|a| match a {
            Artifact::RuleFile(f) => Some(f),
            _ => None,
        })
    }
}

/// A query site together with the outcome of parsing it.
pub struct CheckedQuery<'a> {
    pub site: &'a QuerySite,
    /// Offsets in the parsed text → offsets in the site's decoded text (identity unless
    /// placeholders were substituted).
    pub substitution: OffsetMap,
    /// Placeholders that could not be substituted, as spans in the site's decoded text.
    pub unknown_placeholders: Vec<(String, Span)>,
    pub outcome: Arc<ParsedOutcome>,
}

impl CheckedQuery<'_> {
    /// The file span of a span in the parsed text.
    pub fn file_span(&self, span: Span) -> Span {
        self.site.query.map.map_span(self.substitution.map_span(span))
    }

    /// The file span of a span in the site's decoded text (before substitution).
    pub fn file_span_of_original(&self, span: Span) -> Span {
        self.site.query.map.map_span(span)
    }
}

impl<'a> FileContext<'a> {
    /// Queries that failed to parse and whose failure is not explained by a placeholder.
    pub fn query_errors(&self) -> impl Iterator<Item = (&CheckedQuery<'a>, &promaudit_promql::QueryError)> {
        self.queries.iter().filter(|q| q.unknown_placeholders.is_empty()).filter_map(|q| q.outcome.as_ref().as_ref().err().map(|e| (q, e)))
    }

    /// Queries that parsed, with their parse. Queries with a template construct that could not be
    /// substituted are left out: what was parsed is not what runs.
    pub fn parsed_queries(&self) -> impl Iterator<Item = (&CheckedQuery<'a>, &promaudit_promql::ParsedQuery)> {
        self.queries.iter().filter(|q| q.unknown_placeholders.is_empty()).filter_map(|q| q.outcome.as_ref().as_ref().ok().map(|p| (q, p)))
    }
}

/// The metric name a selector names: `x{…}` or `{__name__="x"}`.
pub fn selector_name(selector: &promql_parser::parser::VectorSelector) -> Option<&str> {
    selector.name.as_deref().or_else(|| {
        let name = selector.matchers.matchers.iter().find(|m| m.name == promql_parser::label::METRIC_NAME && m.op == promql_parser::label::MatchOp::Equal)?;
        Some(name.value.as_str())
    })
}

/// The selector inside an instant or range vector selector expression.
pub fn selector_of(expr: &promql_parser::parser::Expr) -> Option<&promql_parser::parser::VectorSelector> {
    match expr {
        promql_parser::parser::Expr::VectorSelector(vs) => Some(vs),
        promql_parser::parser::Expr::MatrixSelector(ms) => Some(&ms.vs),
        _ => None,
    }
}

impl FileContext<'_> {
    /// Names the checked file itself defines as recording rules.
    pub fn recorded_names(&self) -> std::collections::HashSet<&str> {
        self.rule_files().flat_map(|f| &f.groups).flat_map(|g| &g.rules).filter_map(|r| r.record.as_ref()).map(|r| r.value.as_str()).collect()
    }
}

/// The unit of an expression that keeps its input's unit — a selector, or min/max/avg and the
/// like of one — and the metric it comes from.
pub fn bounded_unit<'a>(expr: &'a promql_parser::parser::Expr, catalog: &promaudit_catalog::Catalog) -> Option<(promaudit_catalog::Unit, &'a str)> {
    use promql_parser::parser::{token, Expr};
    match expr {
        Expr::Paren(p) => bounded_unit(&p.expr, catalog),
        Expr::Aggregate(agg) if matches!(agg.op.id(), token::T_MIN | token::T_MAX | token::T_AVG | token::T_TOPK | token::T_BOTTOMK | token::T_QUANTILE) => bounded_unit(&agg.expr, catalog),
        Expr::Call(call) if matches!(call.func.name, "avg_over_time" | "min_over_time" | "max_over_time" | "last_over_time" | "quantile_over_time") => bounded_unit(call.args.args.last()?, catalog),
        _ => {
            let name = selector_of(expr).and_then(selector_name)?;
            let (family, _) = catalog.resolve_series_name(name)?;
            Some((family.unit, name))
        }
    }
}
