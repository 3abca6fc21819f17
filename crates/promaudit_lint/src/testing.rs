//! Test support: run rules over a snippet and render what they report, caret under the span.

use crate::Checker;
use crate::registry::Rule;
use promaudit_diagnostics::Diagnostic;
use promaudit_source::SourceFile;

/// Checks `text` as a file named `path` and keeps only `rule`'s diagnostics.
pub fn check(rule: &dyn Rule, path: &str, text: &str) -> Vec<Diagnostic> {
    let report = crate::check_source(SourceFile::new(path, text), &Checker::default());
    report.diagnostics.into_iter().filter(|d| d.code == rule.meta().code).collect()
}

/// Renders diagnostics as `line:col: severity[code]: message`, the source line, and carets.
pub fn render(path: &str, text: &str, diagnostics: &[Diagnostic]) -> String {
    let file = SourceFile::new(path, text);
    let mut out = String::new();
    for d in diagnostics {
        let start = file.line_col(d.span.start);
        let end = file.line_col(d.span.end);
        out.push_str(&format!("{}:{}:{}: {}[{}]: {}\n", path, start.line, start.column, d.severity, d.code, d.message));
        let line0 = start.line - 1;
        let line_start = file.lines.line_start(line0);
        let line_text = text[line_start..].lines().next().unwrap_or("");
        out.push_str(&format!("  | {line_text}\n"));
        let width = if end.line == start.line { (end.column - start.column).max(1) } else { line_text.chars().count() + 1 - start.column.min(line_text.chars().count() + 1) };
        out.push_str(&format!("  | {}{}\n", " ".repeat(start.column - 1), "^".repeat(width.max(1))));
        for label in &d.labels {
            let at = file.line_col(label.span.start);
            out.push_str(&format!("  = {}:{}: {}\n", at.line, at.column, label.message));
        }
        if let Some(help) = &d.help {
            out.push_str(&format!("  = help: {help}\n"));
        }
        if let Some(note) = &d.note {
            out.push_str(&format!("  = note: {note}\n"));
        }
        if let Some(fix) = &d.fix {
            out.push_str(&format!("  = fix: {}\n", fix.title));
        }
    }
    out
}

/// Like [`check`], against a catalog given as exposition text.
pub fn check_with_catalog(rule: &dyn Rule, path: &str, text: &str, exposition: &str) -> Vec<Diagnostic> {
    let catalog = promaudit_catalog::parse_exposition(exposition, "catalog.prom").catalog;
    let report = crate::check_source(SourceFile::new(path, text), &Checker::with_catalog(catalog));
    report.diagnostics.into_iter().filter(|d| d.code == rule.meta().code).collect()
}

/// [`check_with_catalog`] rendered, for snapshots.
pub fn snapshot_with_catalog(rule: &dyn Rule, path: &str, text: &str, exposition: &str) -> String {
    render(path, text, &check_with_catalog(rule, path, text, exposition))
}

/// Checks `text` under a `.promaudit.yaml` given as text, and renders `rule`'s diagnostics.
pub fn snapshot_with_config(rule: &dyn Rule, path: &str, text: &str, config: &str) -> String {
    let checker = Checker { config: crate::config::Config::parse(config, "/".into()).expect("the test's configuration is valid"), ..Checker::default() };
    let report = crate::check_source(SourceFile::new(path, text), &checker);
    let found: Vec<_> = report.diagnostics.into_iter().filter(|d| d.code == rule.meta().code).collect();
    render(path, text, &found)
}

/// Checks and renders in one go, for snapshots.
pub fn snapshot(rule: &dyn Rule, path: &str, text: &str) -> String {
    render(path, text, &check(rule, path, text))
}

/// Checks `target` among `files` as one project: every file is learned first, as the CLI does,
/// then `target`'s diagnostics of `rule` are rendered.
pub fn check_project(rule: &dyn Rule, files: &[(&str, &str)], target: &str) -> String {
    let mut checker = Checker::default();
    let sources: Vec<SourceFile> = files.iter().map(|(path, text)| SourceFile::new(*path, *text)).collect();
    checker.learn_project(&sources);
    let text = files.iter().find(|(path, _)| *path == target).expect("the target is among the files").1;
    let report = crate::check_source(SourceFile::new(target, text), &checker);
    let found: Vec<_> = report.diagnostics.into_iter().filter(|d| d.code == rule.meta().code).collect();
    render(target, text, &found)
}

/// `text` after applying the fix of each of `rule`'s diagnostics that has one, in turn (each
/// checked again on the text the previous fix left).
pub fn fixed(rule: &dyn Rule, path: &str, text: &str, exposition: &str) -> String {
    let mut text = text.to_string();
    loop {
        let Some(fix) = check_with_catalog(rule, path, &text, exposition).into_iter().find_map(|d| d.fix) else { return text };
        let next = fix.apply(&text);
        assert_ne!(next, text, "a fix that changes nothing would loop");
        text = next;
    }
}
