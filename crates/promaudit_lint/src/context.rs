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
    pub suggestions: &'a crate::analyze::Suggestions,
    pub series_limit: u64,
    pub project: &'a crate::project::ProjectFacts,
    pub config: &'a crate::config::Config,
    /// The servers of this file's rule groups (with their spans) and of its other queries,
    /// worked out at the first question.
    pub scopes: std::cell::OnceCell<FileScopes>,
    /// Each query site's index in `queries`, built at the first lookup: rules look a query up
    /// per rule, and a linear search each time is quadratic in a file of many rules.
    pub query_index: std::cell::OnceCell<foldhash::HashMap<*const QuerySite, usize>>,
}

/// Which server evaluates each part of one file.
pub struct FileScopes {
    groups: Vec<(Span, crate::servers::Scope)>,
    file: crate::servers::Scope,
}

impl<'a> FileContext<'a> {
    /// The alerting rules of this file whose expression parsed, each with its name, query and
    /// parse: what every alert rule starts from.
    #[allow(clippy::type_complexity)]
    pub fn parsed_alerts(&self) -> impl Iterator<Item = (&'a promaudit_source::artifact::Rule, &'a promaudit_source::artifact::Text, &CheckedQuery<'a>, &promaudit_promql::ParsedQuery)> + '_ {
        self.rule_files().flat_map(|f| &f.groups).flat_map(|g| &g.rules).filter_map(move |rule| {
            let (Some(alert), Some(site)) = (&rule.alert, &rule.expr) else { return None };
            let (query, parsed) = self.parsed_query_of(site)?;
            Some((rule, alert, query, parsed))
        })
    }

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
    /// Units and value ranges of every node, inferred when a rule first asks.
    values: std::cell::OnceCell<promaudit_semantic::ValueFacts>,
    /// The labels of every node, inferred when a rule first asks.
    labels: std::cell::OnceCell<promaudit_semantic::LabelFacts>,
}

impl<'a> CheckedQuery<'a> {
    pub fn new(site: &'a QuerySite, substitution: OffsetMap, unknown_placeholders: Vec<(String, Span)>, outcome: Arc<ParsedOutcome>) -> Self {
        CheckedQuery { site, substitution, unknown_placeholders, outcome, values: std::cell::OnceCell::new(), labels: std::cell::OnceCell::new() }
    }

    /// The unit and value range of every node of `parsed`, this query's parse.
    pub fn values(&self, parsed: &promaudit_promql::ParsedQuery, catalog: &promaudit_catalog::Catalog) -> &promaudit_semantic::ValueFacts {
        self.values.get_or_init(|| promaudit_semantic::infer_values(&parsed.expr, catalog))
    }

    /// The parse, unless a template construct could not be substituted: what was parsed is not
    /// what runs.
    pub fn parsed(&self) -> Option<&promaudit_promql::ParsedQuery> {
        self.outcome.as_ref().as_ref().ok().filter(|_| self.unknown_placeholders.is_empty())
    }

    /// The file span of a span in the parsed text.
    pub fn file_span(&self, span: Span) -> Span {
        self.site.query.map.map_span(self.substitution.map_span(span))
    }

    /// The text written at `span` of the parsed text, unless a placeholder was substituted in it:
    /// then what was parsed there is not what the author wrote.
    pub fn written(&self, span: Span) -> Option<&'a str> {
        if !self.substitution.is_verbatim(span) {
            return None;
        }
        let original = self.substitution.map_span(span);
        self.site.query.value.get(original.start..original.end)
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
        self.queries.iter().filter_map(|q| q.parsed().map(|p| (q, p)))
    }

    /// Parsed queries that run on a server. A promtool test's expressions run on the test's own
    /// few series at its own interval: what a server's scrape interval and series counts say
    /// does not apply to them.
    pub fn server_queries(&self) -> impl Iterator<Item = (&CheckedQuery<'a>, &promaudit_promql::ParsedQuery)> {
        self.parsed_queries().filter(|(q, _)| !q.site.role.is_test())
    }

    /// Every regex matcher (`=~`, `!~`) of the file's parsed queries whose value holds no
    /// placeholder: a value a dashboard variable fills is not what the author wrote.
    pub fn for_each_regex_matcher(&self, visit: &mut dyn FnMut(RegexMatcher<'_, 'a>)) {
        for (query, parsed) in self.parsed_queries() {
            parsed.walk(&mut |node| {
                let Some(selector) = selector_of(node.expr) else { return };
                for (matcher, spans) in matchers_with_spans(selector, node.spans) {
                    if !matches!(matcher.op, promql_parser::label::MatchOp::Re(_) | promql_parser::label::MatchOp::NotRe(_)) {
                        continue;
                    }
                    if let Some(written) = query.written(spans.value) {
                        visit(RegexMatcher { query, matcher, spans, written });
                    }
                }
            });
        }
    }

    /// The SLO specs the file holds.
    pub fn slo_specs(&self) -> impl Iterator<Item = &'a promaudit_source::artifact::SloSpec> {
        self.extraction.artifacts.iter().filter_map(|a| if let Artifact::SloSpec(s) = a { Some(s) } else { None })
    }

    /// The parsed query of one part of an SLO (its error, good or total query).
    pub fn slo_query(&self, slo: &promaudit_source::artifact::Slo, parts: &[promaudit_source::artifact::SloPart]) -> Option<(&CheckedQuery<'a>, &promaudit_promql::ParsedQuery)> {
        use promaudit_source::artifact::QueryRole;
        slo.queries.iter().filter(|site| matches!(&site.role, QueryRole::SloQuery { part, .. } if parts.contains(part))).find_map(|site| self.parsed_query_of(site))
    }

    /// The parsed query of one extracted site (a rule's `expr`, a panel target).
    pub fn parsed_query_of(&self, site: &QuerySite) -> Option<(&CheckedQuery<'a>, &promaudit_promql::ParsedQuery)> {
        let index = self.query_index.get_or_init(|| self.queries.iter().enumerate().map(|(i, q)| (q.site as *const QuerySite, i)).collect());
        let query = &self.queries[*index.get(&(site as *const QuerySite))?];
        Some((query, query.parsed()?))
    }
}

/// The job the first selector pinning one with `job="…"` reads, searching `expr` depth first.
pub fn pinned_job(expr: &promql_parser::parser::Expr) -> Option<String> {
    let pinned = promaudit_promql::descendants(expr).filter_map(selector_of);
    pinned.flat_map(|s| &s.matchers.matchers).find(|m| m.name == "job" && m.op == promql_parser::label::MatchOp::Equal).map(|job| job.value.clone())
}

/// The value an alert reports as `$value`: the left-hand side of a comparison, else the whole.
pub fn alert_value(expr: &promql_parser::parser::Expr) -> &promql_parser::parser::Expr {
    match expr {
        promql_parser::parser::Expr::Binary(binary) if binary.op.is_comparison_operator() => binary.lhs.as_ref(),
        other => other,
    }
}

/// The metric name a selector names: `x{…}` or `{__name__="x"}`.
pub fn selector_name(selector: &promql_parser::parser::VectorSelector) -> Option<&str> {
    selector.name.as_deref().or_else(|| {
        let name = selector.matchers.matchers.iter().find(|m| m.name == promql_parser::label::METRIC_NAME && m.op == promql_parser::label::MatchOp::Equal)?;
        Some(name.value.as_str())
    })
}

/// A selector's matchers in source order (`or` groups flattened) with their spans; none when the
/// spans could not be paired with the matchers.
pub fn matchers_with_spans<'q>(
    selector: &'q promql_parser::parser::VectorSelector,
    spans: &'q promaudit_promql::NodeSpans,
) -> impl Iterator<Item = (&'q promql_parser::label::Matcher, &'q promaudit_promql::MatcherSpan)> {
    let matchers = &selector.matchers;
    let count = matchers.matchers.len() + matchers.or_matchers.iter().map(Vec::len).sum::<usize>();
    let paired = if count == spans.matchers.len() { spans.matchers.as_slice() } else { &[] };
    matchers.matchers.iter().chain(matchers.or_matchers.iter().flatten()).zip(paired)
}

/// One regex matcher of a parsed query, met by [`FileContext::for_each_regex_matcher`].
pub struct RegexMatcher<'q, 'a> {
    pub query: &'q CheckedQuery<'a>,
    pub matcher: &'q promql_parser::label::Matcher,
    pub spans: &'q promaudit_promql::MatcherSpan,
    /// The value as written, quotes included.
    pub written: &'a str,
}

impl RegexMatcher<'_, '_> {
    /// The regex as a span of the parsed text, when it is written without escapes, so that its
    /// byte offsets are the pattern's.
    pub fn pattern_span(&self) -> Option<Span> {
        let inner = self.written.get(1..self.written.len().checked_sub(1)?)?;
        (inner == self.matcher.value).then(|| Span::new(self.spans.value.start + 1, self.spans.value.end - 1))
    }
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
    fn scopes(&self) -> &FileScopes {
        self.scopes.get_or_init(|| {
            let (servers, display) = (&self.project.servers, self.file.display_path());
            let mut groups: Vec<_> = self.rule_files().flat_map(|f| &f.groups).map(|g| (g.span, servers.scope_of(&self.file.path, &display, g.partial_response_strategy.is_some()))).collect();
            groups.sort_by_key(|(span, _)| span.start);
            FileScopes { groups, file: crate::servers::Scope::File(display) }
        })
    }

    /// The rule groups whose server's external labels are known, with that server and its
    /// external labels: the groups the external-label rules can judge.
    pub fn groups_with_external_labels(&self) -> impl Iterator<Item = (&promaudit_source::artifact::RuleGroup, crate::servers::Scope, &std::collections::BTreeMap<String, String>)> {
        self.rule_files().flat_map(|f| &f.groups).filter_map(|group| {
            let scope = self.scope_of(group);
            let external = self.project.servers.external_labels(&scope)?;
            Some((group, scope, external))
        })
    }

    /// The server evaluating `group` of this file.
    pub fn scope_of(&self, group: &promaudit_source::artifact::RuleGroup) -> crate::servers::Scope {
        self.scope_at(group.span.start)
    }

    /// The server evaluating a query: its rule group's; a dashboard's or an SLO's is its file's.
    pub fn scope_of_site(&self, site: &QuerySite) -> crate::servers::Scope {
        self.scope_at(site.query.map.map_span(Span::empty(0)).start)
    }

    /// The server of the group around offset `at`, found by binary search: groups do not
    /// overlap, and a file may hold thousands.
    fn scope_at(&self, at: usize) -> crate::servers::Scope {
        let scopes = self.scopes();
        let before = scopes.groups.partition_point(|(span, _)| span.start <= at);
        let group = before.checked_sub(1).map(|i| &scopes.groups[i]).filter(|(span, _)| at <= span.end);
        group.map_or_else(|| scopes.file.clone(), |(_, scope)| scope.clone())
    }

    /// The catalog as the server evaluating `site` sees it.
    pub fn seen_from(&self, site: &QuerySite) -> crate::servers::SeenFrom<'_> {
        crate::servers::SeenFrom { catalog: self.catalog, project: self.project, reader: self.scope_of_site(site) }
    }

    /// The labels of `expr`, a node of `query`, as the server evaluating the query sees them.
    pub fn labels(&self, query: &CheckedQuery, expr: &promql_parser::parser::Expr) -> promaudit_semantic::LabelSet {
        let parsed = query.outcome.as_ref().as_ref().ok();
        let all = parsed.map(|parsed| query.labels.get_or_init(|| promaudit_semantic::infer_all_labels(&parsed.expr, &self.seen_from(query.site))));
        match all.and_then(|all| all.of(expr)) {
            Some(labels) => labels.clone(),
            None => promaudit_semantic::infer_labels(expr, &self.seen_from(query.site)),
        }
    }

    /// Names the checked file itself defines as recording rules.
    pub fn recorded_names(&self) -> std::collections::HashSet<&str> {
        self.rule_files().flat_map(|f| &f.groups).flat_map(|g| &g.rules).filter_map(|r| r.record.as_ref()).map(|r| r.value.as_str()).collect()
    }
}

/// How a message names an expression: its text when short, else the first metric it reads.
pub fn expr_label(expr: &promql_parser::parser::Expr) -> String {
    let text = expr.to_string();
    if text.len() <= 60 {
        return format!("`{text}`");
    }
    let mut metric = None;
    let mut stack = vec![expr];
    while let Some(node) = stack.pop() {
        if let Some(name) = selector_of(node).and_then(selector_name) {
            metric = Some(name.to_string());
            break;
        }
        stack.extend(promaudit_promql::children(node).into_iter().rev());
    }
    metric.map_or_else(|| "the expression".to_string(), |m| format!("the `{m}` expression"))
}
