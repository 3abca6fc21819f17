//! Where recording rules are defined and where series are read, across the workspace: kept per
//! file and replaced as a file changes.

use crate::text::{line_of, name_at, sites};
use promaudit_diagnostics::Span;
use promaudit_lint::context::{selector_name, selector_of};
use promaudit_lint::ParseCache;
use promaudit_source::artifact::{Artifact, QuerySite};
use promaudit_source::SourceFile;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};

/// A recording rule: its `record:` value's span, its expression and line.
#[derive(Clone, Debug, PartialEq)]
pub struct Definition {
    pub name: String,
    pub span: Span,
    pub expr: String,
    pub line: usize,
}

/// A span in some workspace file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Location {
    pub path: PathBuf,
    pub span: Span,
}

#[derive(Debug, Default)]
struct FileSymbols {
    /// The indexed text's hash: the same text is not indexed twice (a file opened unchanged).
    text_hash: u64,
    definitions: Vec<Definition>,
    /// Every series name a query selects, at its name token.
    reads: Vec<(String, Span)>,
}

#[derive(Debug, Default)]
pub struct WorkspaceIndex {
    files: HashMap<PathBuf, FileSymbols>,
}

impl WorkspaceIndex {
    /// Indexes `file` anew, replacing what it held before, unless its text is the same.
    pub fn update(&mut self, file: &SourceFile, cache: &ParseCache) {
        let text_hash = {
            let mut hasher = std::hash::DefaultHasher::new();
            file.text.hash(&mut hasher);
            hasher.finish()
        };
        if self.files.get(&file.path).is_some_and(|known| known.text_hash == text_hash) {
            return;
        }
        let extraction = promaudit_source::extract(file);
        let mut symbols = FileSymbols { text_hash, ..Default::default() };
        for artifact in &extraction.artifacts {
            let Artifact::RuleFile(rules) = artifact else { continue };
            for rule in rules.groups.iter().flat_map(|g| &g.rules) {
                if let (Some(record), Some(expr), None) = (&rule.record, &rule.expr, &rule.alert) {
                    let span = value_span(file, record.span, &record.value);
                    symbols.definitions.push(Definition { name: record.value.clone(), span, expr: expr.query.value.clone(), line: line_of(file, span.start) });
                }
            }
        }
        for site in sites(&extraction) {
            symbols.reads.extend(selector_names(site, cache));
        }
        self.files.insert(file.path.clone(), symbols);
    }

    /// Drops what a file that no longer exists held.
    pub fn forget(&mut self, path: &Path) {
        self.files.remove(path);
    }

    /// Every definition of a recorded series, with its file.
    pub fn definitions_of<'a>(&'a self, name: &'a str) -> impl Iterator<Item = (&'a Path, &'a Definition)> + 'a {
        let mut found: Vec<_> = self.files.iter().flat_map(|(path, symbols)| symbols.definitions.iter().filter(move |d| d.name == name).map(move |d| (path.as_path(), d))).collect();
        found.sort_by(|a, b| (a.0, a.1.span).cmp(&(b.0, b.1.span)));
        found.into_iter()
    }

    fn reads_of(&self, name: &str) -> Vec<Location> {
        let mut found: Vec<Location> = self.files.iter().flat_map(|(path, symbols)| symbols.reads.iter().filter(|(n, _)| n == name).map(|(_, span)| Location { path: path.clone(), span: *span })).collect();
        found.sort_by(|a, b| (&a.path, a.span).cmp(&(&b.path, b.span)));
        found
    }
}

/// The span of a scalar's value inside its token (`"a:b"` → `a:b`); the token's when the value
/// is not found verbatim in it.
fn value_span(file: &SourceFile, token: Span, value: &str) -> Span {
    file.text.get(token.start..token.end).and_then(|t| t.find(value)).map_or(token, |at| Span::new(token.start + at, token.start + at + value.len()))
}

/// The series names a query selects and their file spans; queries that do not parse give none.
fn selector_names(site: &QuerySite, cache: &ParseCache) -> Vec<(String, Span)> {
    let substituted = site.templated.then(|| site.substituted());
    let (text, map) = match &substituted {
        Some(s) => (s.text.as_str(), Some(&s.map)),
        None => (site.query.value.as_str(), None),
    };
    let outcome = cache.parse(text);
    let Ok(parsed) = outcome.as_ref() else { return Vec::new() };
    let mut names = Vec::new();
    parsed.walk(&mut |visit| {
        let Some(name) = selector_of(visit.expr).and_then(selector_name) else { return };
        let start = visit.spans.node.start;
        // `x{…}` starts with its name; `{__name__="x"}` has no name token to point at.
        if text.get(start..start + name.len()) != Some(name) {
            return;
        }
        let inner = Span::new(start, start + name.len());
        let decoded = map.map_or(inner, |m| m.map_span(inner));
        names.push((name.to_string(), site.query.file_span(decoded)));
    });
    names
}

/// Where the recording rule named at `offset` is defined.
pub fn definitions(index: &WorkspaceIndex, file: &SourceFile, offset: usize) -> Vec<Location> {
    let Some((_, name)) = name_at(&file.text, offset) else { return Vec::new() };
    index.definitions_of(name).map(|(path, d)| Location { path: path.to_path_buf(), span: d.span }).collect()
}

/// Where the series named at `offset` is read, and, with `declarations`, where it is recorded.
pub fn references(index: &WorkspaceIndex, file: &SourceFile, offset: usize, declarations: bool) -> Vec<Location> {
    let Some((_, name)) = name_at(&file.text, offset) else { return Vec::new() };
    let mut found = Vec::new();
    if declarations {
        found.extend(definitions(index, file, offset));
    }
    found.extend(index.reads_of(name));
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    const RULES: &str = "groups:\n- name: a\n  rules:\n  - record: job:errors:rate5m\n    expr: sum by (job) (rate(errors_total[5m]))\n";
    const ALERTS: &str = "groups:\n- name: b\n  rules:\n  - alert: Errors\n    expr: |\n      job:errors:rate5m > 1\n      and job:errors:rate5m offset 1h > 1\n";

    fn index() -> WorkspaceIndex {
        let mut index = WorkspaceIndex::default();
        let cache = ParseCache::default();
        index.update(&SourceFile::new("rules.yml", RULES), &cache);
        index.update(&SourceFile::new("alerts.yml", ALERTS), &cache);
        index
    }

    fn texts(locations: &[Location]) -> Vec<(String, String)> {
        locations
            .iter()
            .map(|l| {
                let text = if l.path == Path::new("rules.yml") { RULES } else { ALERTS };
                (l.path.display().to_string(), text[l.span.start..l.span.end].to_string())
            })
            .collect()
    }

    #[test]
    fn definition_from_a_read_in_another_file() {
        let alerts = SourceFile::new("alerts.yml", ALERTS);
        let found = definitions(&index(), &alerts, ALERTS.find("job:errors").unwrap() + 3);
        assert_eq!(texts(&found), [("rules.yml".into(), "job:errors:rate5m".into())]);
        assert_eq!(found[0].span.start, RULES.find("job:errors").unwrap());
    }

    #[test]
    fn references_through_a_block_scalar() {
        let rules = SourceFile::new("rules.yml", RULES);
        let found = references(&index(), &rules, RULES.find("job:errors").unwrap(), true);
        let first_read = ALERTS.find("job:errors").unwrap();
        let second_read = ALERTS.rfind("job:errors").unwrap();
        assert_eq!(found.iter().map(|l| (l.path.display().to_string(), l.span.start)).collect::<Vec<_>>(), [("rules.yml".into(), RULES.find("job:errors").unwrap()), ("alerts.yml".into(), first_read), ("alerts.yml".into(), second_read)]);
        assert!(texts(&found).iter().all(|(_, t)| t == "job:errors:rate5m"));
    }

    #[test]
    fn an_edit_replaces_what_the_file_held() {
        let mut index = index();
        let renamed = RULES.replace("rate5m", "rate10m");
        index.update(&SourceFile::new("rules.yml", renamed.as_str()), &ParseCache::default());
        assert_eq!(index.definitions_of("job:errors:rate5m").count(), 0);
        assert_eq!(index.definitions_of("job:errors:rate10m").count(), 1);
    }

    #[test]
    fn nothing_at_a_number() {
        let rules = SourceFile::new("rules.yml", RULES);
        assert!(definitions(&index(), &rules, RULES.find("[5m]").unwrap() + 1).is_empty());
    }
}
