//! The per-file pipeline: decode, extract, parse every query (once per distinct text), run rules.

use crate::context::{CheckedQuery, FileContext};
use crate::parse_cache::ParseCache;
use promaudit_catalog::Catalog;
use crate::config::FileSettings;
use crate::registry::all_rules;
use promaudit_diagnostics::{Diagnostic, Span};
use promaudit_source::artifact::{Extraction, QuerySite};
use promaudit_source::placeholders::PlaceholderKind;
use promaudit_source::{OffsetMap, SourceFile};
use std::path::Path;

/// What a run checks against, shared by all files: the parse cache and the metric catalog.
pub struct Checker {
    pub cache: ParseCache,
    pub catalog: Catalog,
    /// The catalog holds what the user gave (files or a server), not only built-in knowledge:
    /// only then is a metric missing from it a finding.
    pub user_catalog: bool,
    pub suggestions: Suggestions,
    /// Series a query may read or return before cardinality rules speak up.
    pub series_limit: u64,
    /// Objectives and alert thresholds from all checked files.
    pub project: crate::project::ProjectFacts,
    /// `.promaudit.yaml`: rule settings per path, alert policy.
    pub config: crate::config::Config,
}

/// The default of `--series-limit`: more than a dashboard can draw or an alert can route.
pub const DEFAULT_SERIES_LIMIT: u64 = 10_000;

/// "Did you mean" answers, computed once per unknown name and run: a name missing from the
/// catalog tends to be missing in many rules. The name index is built at the first question.
#[derive(Default)]
pub struct Suggestions {
    index: std::sync::OnceLock<promaudit_catalog::NameIndex>,
    answers: std::sync::Mutex<std::collections::HashMap<String, Option<String>>>,
}

impl Suggestions {
    pub fn for_name(&self, catalog: &Catalog, name: &str) -> Option<String> {
        if let Some(known) = self.answers.lock().unwrap_or_else(|e| e.into_inner()).get(name) {
            return known.clone();
        }
        let answer = self.index.get_or_init(|| catalog.name_index()).closest(name);
        self.answers.lock().unwrap_or_else(|e| e.into_inner()).insert(name.to_string(), answer.clone());
        answer
    }
}

impl Default for Checker {
    fn default() -> Self {
        Checker {
            cache: ParseCache::default(),
            catalog: Catalog::default(),
            user_catalog: false,
            suggestions: Suggestions::default(),
            series_limit: DEFAULT_SERIES_LIMIT,
            project: Default::default(),
            config: Default::default(),
        }
    }
}

impl Checker {
    pub fn with_catalog(catalog: Catalog) -> Self {
        let user_catalog = !catalog.is_empty();
        Checker { catalog, user_catalog, ..Default::default() }
    }
}

/// The result of checking one file. The file is kept so that diagnostics can be rendered.
pub struct FileReport {
    pub file: SourceFile,
    pub diagnostics: Vec<Diagnostic>,
    /// PromQL expressions found in the file.
    pub queries: usize,
}

/// Checks one file's bytes. Never fails: unreadable input becomes a positioned diagnostic.
pub fn check_bytes(path: &Path, bytes: Vec<u8>, checker: &Checker) -> FileReport {
    match decode(bytes) {
        Ok(text) => check_source(SourceFile::new(path, text), checker),
        Err((lossy, span, reason)) => report_unreadable(SourceFile::new(path, lossy), span, reason),
    }
}

/// The report for a file that cannot be checked (binary, not UTF-8, too large), `span` pointing
/// at why, in `file` (which may hold only a lossy or empty copy of the bytes).
pub fn report_unreadable(file: SourceFile, span: Span, reason: String) -> FileReport {
    let extraction = Extraction::default();
    let catalog = Catalog::default();
    let suggestions = Suggestions::default();
    let cx = FileContext { file: &file, extraction: &extraction, queries: Vec::new(), unreadable: Some((span, reason)), catalog: &catalog, user_catalog: false, suggestions: &suggestions, series_limit: DEFAULT_SERIES_LIMIT, project: &Default::default(), config: &Default::default(), scopes: Default::default(), query_index: Default::default() };
    let diagnostics = run_rules(&cx, &FileSettings::default());
    FileReport { file, diagnostics, queries: 0 }
}

/// The report for a file over [`promaudit_source::MAX_FILE_SIZE`], which is not read.
pub fn report_too_large(path: &Path) -> FileReport {
    let reason = format!("it is larger than the {} MiB promaudit checks", promaudit_source::MAX_FILE_SIZE >> 20);
    report_unreadable(SourceFile::new(path, ""), Span::empty(0), reason)
}

/// UTF-8 text, or a lossy copy with the position and reason it is not checkable.
fn decode(bytes: Vec<u8>) -> Result<String, (String, Span, String)> {
    if let Some(nul) = bytes.iter().position(|&b| b == 0) {
        let lossy = String::from_utf8_lossy(&bytes[..nul]).into_owned();
        // The copy ends where the NUL was; invalid bytes before it make it longer than `nul`.
        let at = lossy.len();
        return Err((lossy, Span::empty(at), "binary file: it contains a NUL byte".into()));
    }
    String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        let lossy = String::from_utf8_lossy(e.as_bytes()).into_owned();
        // The lossy copy holds U+FFFD where the byte was: the span covers that character.
        let span = Span::new(at, at + char::REPLACEMENT_CHARACTER.len_utf8());
        (lossy, span, format!("invalid UTF-8: byte 0x{:02X} does not start a valid character", e.as_bytes()[at]))
    })
}

pub fn check_source(file: SourceFile, checker: &Checker) -> FileReport {
    #[cfg(debug_assertions)]
    crate::isolation::test_panic(&file);
    let extraction = promaudit_source::extract(&file);
    let queries = extraction.artifacts.iter().flat_map(|a| a.queries()).map(|site| check_query(site, &checker.cache)).collect();
    let cx = FileContext { file: &file, extraction: &extraction, queries, unreadable: None, catalog: &checker.catalog, user_catalog: checker.user_catalog, suggestions: &checker.suggestions, series_limit: checker.series_limit, project: &checker.project, config: &checker.config, scopes: Default::default(), query_index: Default::default() };
    let settings = checker.config.settings_for(&file.path);
    let mut diagnostics = run_rules(&cx, &settings);
    settings.apply(&mut diagnostics);
    let mut suppression_findings = crate::suppress::apply(&file.text, &extraction.comments, &mut diagnostics);
    // Suppressions are judged on what the settings left; their own findings obey the settings too.
    settings.apply(&mut suppression_findings);
    if !suppression_findings.is_empty() {
        diagnostics.append(&mut suppression_findings);
        sort(&mut diagnostics);
    }
    let queries = cx.queries.len();
    FileReport { file, diagnostics, queries }
}

fn check_query<'a>(site: &'a QuerySite, cache: &ParseCache) -> CheckedQuery<'a> {
    let text = &site.query.value;
    if !site.templated {
        return CheckedQuery::new(site, OffsetMap::identity(0, text.len()), Vec::new(), cache.parse(text));
    }
    let substituted = site.substituted();
    let unknown_placeholders = substituted
        .placeholders
        .iter()
        .filter(|p| p.kind == PlaceholderKind::Unknown)
        .map(|p| (p.name.clone(), p.span))
        .collect();
    CheckedQuery::new(site, substituted.map, unknown_placeholders, cache.parse(&substituted.text))
}

/// Every rule not turned off for the file.
fn run_rules(cx: &FileContext, settings: &FileSettings) -> Vec<Diagnostic> {
    let mut diagnostics = Vec::new();
    for rule in all_rules().iter().filter(|rule| !settings.is_off(rule.meta().code)) {
        rule.check(cx, &mut diagnostics);
    }
    sort(&mut diagnostics);
    diagnostics
}

fn sort(diagnostics: &mut [Diagnostic]) {
    diagnostics.sort_by(|a, b| (a.span.start, a.code).cmp(&(b.span.start, b.code)));
}
