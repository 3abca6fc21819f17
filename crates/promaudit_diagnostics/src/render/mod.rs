//! Renderers: they turn diagnostics into text and never change them. Positions at the edges are
//! 1-based lines and 1-based character columns; the end is the exclusive end position.

mod fingerprint;
mod github;
mod sarif;
mod xml;

pub use fingerprint::fingerprint;
pub use github::github;
pub use sarif::{sarif_end, sarif_results, sarif_start, RuleInfo, RunNotice};
pub use xml::{checkstyle, junit, CHECKSTYLE_END, CHECKSTYLE_START, JUNIT_END, JUNIT_START};

use crate::{Diagnostic, Severity};
use codespan_reporting::diagnostic::{Diagnostic as Report, Label as ReportLabel, LabelStyle, Severity as ReportSeverity};
use codespan_reporting::term::{self, termcolor};
use serde::Serialize;

/// A file as renderers need it: its name for output and its text for snippets and positions.
pub struct FileView<'a> {
    pub path: &'a str,
    pub text: &'a str,
    line_starts: Vec<usize>,
}

impl<'a> FileView<'a> {
    pub fn new(path: &'a str, text: &'a str) -> Self {
        FileView { path, text, line_starts: crate::line_starts(text) }
    }

    /// 1-based line and 1-based character column of a byte offset.
    pub fn position(&self, offset: usize) -> (usize, usize) {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.line_starts.partition_point(|&s| s <= offset) - 1;
        let column = self.text[self.line_starts[line]..offset].chars().count() + 1;
        (line + 1, column)
    }
}

/// Snippets count lines as positions do: codespan's own files know only `\n`, and a file with
/// lone `\r` line breaks would show as one long line.
impl<'a> codespan_reporting::files::Files<'a> for FileView<'a> {
    type FileId = ();
    type Name = &'a str;
    type Source = &'a str;

    fn name(&'a self, (): ()) -> Result<&'a str, codespan_reporting::files::Error> {
        Ok(self.path)
    }

    fn source(&'a self, (): ()) -> Result<&'a str, codespan_reporting::files::Error> {
        Ok(self.text)
    }

    fn line_index(&'a self, (): (), byte_index: usize) -> Result<usize, codespan_reporting::files::Error> {
        Ok(self.line_starts.partition_point(|&s| s <= byte_index) - 1)
    }

    fn line_range(&'a self, (): (), line_index: usize) -> Result<std::ops::Range<usize>, codespan_reporting::files::Error> {
        let start = *self.line_starts.get(line_index).ok_or(codespan_reporting::files::Error::LineTooLarge { given: line_index, max: self.line_starts.len() - 1 })?;
        Ok(start..self.line_starts.get(line_index + 1).copied().unwrap_or(self.text.len()))
    }
}

/// Source lines longer than this are shown as an excerpt around the span.
const MAX_SNIPPET_LINE: usize = 400;
/// Characters of context either side of the span in an excerpt.
const EXCERPT_CONTEXT: usize = 60;

/// Diagnostics as a compiler shows them: header, source snippet, carets, help and notes.
pub fn human(file: &FileView, diagnostics: &[Diagnostic], color: bool) -> String {
    let config = term::Config::default();
    let mut buffer = if color { termcolor::Buffer::ansi() } else { termcolor::Buffer::no_color() };
    let mut out = String::new();
    for diagnostic in diagnostics {
        if touches_long_line(file, diagnostic) {
            out.push_str(&String::from_utf8_lossy(buffer.as_slice()));
            buffer.clear();
            out.push_str(&excerpt(file, diagnostic));
            continue;
        }
        let report = to_report(diagnostic, file.text.len());
        // Emitting into memory only fails on spans outside the file, which clamping rules out.
        let _ = term::emit(&mut buffer, &config, file, &report);
    }
    out.push_str(&String::from_utf8_lossy(buffer.as_slice()));
    out
}

fn line_bounds(file: &FileView, offset: usize) -> (usize, usize) {
    let offset = offset.min(file.text.len());
    let line = file.line_starts.partition_point(|&s| s <= offset) - 1;
    let start = file.line_starts[line];
    let next = file.line_starts.get(line + 1).copied().unwrap_or(file.text.len());
    (start, start + file.text[start..next].trim_end_matches(['\r', '\n']).len())
}

fn touches_long_line(file: &FileView, diagnostic: &Diagnostic) -> bool {
    std::iter::once(diagnostic.span).chain(diagnostic.labels.iter().map(|l| l.span)).any(|span| {
        let (start, end) = line_bounds(file, span.start);
        end - start > MAX_SNIPPET_LINE
    })
}

/// A diagnostic on a very long line (minified JSON, generated expressions): the same header, and
/// a window of the line around the span instead of the whole line.
fn excerpt(file: &FileView, diagnostic: &Diagnostic) -> String {
    let (line, column) = file.position(diagnostic.span.start);
    let (line_start, line_end) = line_bounds(file, diagnostic.span.start);
    let span_start = diagnostic.span.start.clamp(line_start, line_end);
    let span_end = diagnostic.span.end.clamp(span_start, line_end);
    let before: Vec<char> = file.text[line_start..span_start].chars().collect();
    let shown_before: String = before[before.len().saturating_sub(EXCERPT_CONTEXT)..].iter().collect();
    let marked: String = file.text[span_start..span_end].chars().take(EXCERPT_CONTEXT).collect();
    let after: String = file.text[span_end..line_end].chars().take(EXCERPT_CONTEXT).collect();
    let lead = if before.len() > EXCERPT_CONTEXT { "…" } else { "" };
    let gutter = " ".repeat(line.to_string().len());
    let mut out = format!("{}[{}]: {}\n{gutter} ┌─ {}:{line}:{column}\n{gutter} │\n", severity_word(diagnostic.severity), diagnostic.code, diagnostic.message, file.path);
    out.push_str(&format!("{line} │ {lead}{shown_before}{marked}{after}…\n"));
    let caret_pad = lead.chars().count() + shown_before.chars().count();
    out.push_str(&format!("{gutter} │ {}{}\n", " ".repeat(caret_pad), "^".repeat(marked.chars().count().max(1))));
    for note in diagnostic.help.iter().map(|h| format!("help: {h}")).chain(diagnostic.note.iter().map(|n| format!("note: {n}"))) {
        out.push_str(&format!("{gutter} = {note}\n"));
    }
    out.push('\n');
    out
}

fn severity_word(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

fn to_report(diagnostic: &Diagnostic, len: usize) -> Report<()> {
    let severity = match diagnostic.severity {
        Severity::Error => ReportSeverity::Error,
        Severity::Warning => ReportSeverity::Warning,
        Severity::Info => ReportSeverity::Note,
    };
    let clamp = |s: crate::Span| s.start.min(len)..s.end.min(len);
    let mut labels = vec![ReportLabel::new(LabelStyle::Primary, (), clamp(diagnostic.span))];
    labels.extend(diagnostic.labels.iter().map(|l| ReportLabel::new(LabelStyle::Secondary, (), clamp(l.span)).with_message(l.message.clone())));
    let notes = diagnostic.help.iter().map(|h| format!("help: {h}")).chain(diagnostic.note.iter().map(|n| format!("note: {n}"))).collect();
    Report::new(severity).with_code(diagnostic.code).with_message(&diagnostic.message).with_labels(labels).with_notes(notes)
}

/// One diagnostic in the JSON output.
#[derive(Debug, Serialize)]
pub struct JsonDiagnostic<'a> {
    pub code: &'a str,
    pub severity: Severity,
    pub message: &'a str,
    pub file: &'a str,
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
    pub help: Option<&'a str>,
    pub note: Option<&'a str>,
}

pub fn json_records<'a>(file: &'a FileView, diagnostics: &'a [Diagnostic]) -> Vec<JsonDiagnostic<'a>> {
    diagnostics
        .iter()
        .map(|d| {
            let (line, column) = file.position(d.span.start);
            let (end_line, end_column) = file.position(d.span.end);
            JsonDiagnostic {
                code: d.code,
                severity: d.severity,
                message: &d.message,
                file: file.path,
                line,
                column,
                end_line,
                end_column,
                help: d.help.as_deref(),
                note: d.note.as_deref(),
            }
        })
        .collect()
}

/// `path:line:col: severity[code] message`, one line each: GitHub Actions' problem matchers and
/// editors' quickfix lists read this.
pub fn short(file: &FileView, diagnostics: &[Diagnostic]) -> String {
    let mut out = String::new();
    for d in diagnostics {
        let (line, column) = file.position(d.span.start);
        out.push_str(&format!("{}:{line}:{column}: {}[{}] {}\n", file.path, d.severity, d.code, d.message));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Span;

    fn diagnostic(span: Span) -> Diagnostic {
        Diagnostic::new("promql/syntax", Severity::Error, span, "unexpected `}`").with_help("write a label value").with_label(Span::new(0, 1), "opened here")
    }

    #[test]
    fn lone_carriage_returns_are_line_breaks_in_positions_and_snippets() {
        let text = "groups:\r- name: a\r  rules:\r  - alert: A\r    expr: sum(x{a=})\r";
        let at = text.find("})").unwrap();
        let file = FileView::new("cr.yml", text);
        assert_eq!(file.position(at), (5, 19));
        let human = human(&file, &[Diagnostic::new("promql/syntax", Severity::Error, Span::new(at, at + 1), "unexpected `}`")], false);
        assert!(human.contains("cr.yml:5:19") && human.contains("5 │     expr: sum(x{a=})\n") && !human.contains('\r'), "{human}");
    }

    #[test]
    fn human_output_has_a_caret_under_the_span() {
        let text = "groups:\n- expr: sum(x{é=\"😀\", a=})\n";
        let at = text.find("})").unwrap();
        insta::assert_snapshot!(human(&FileView::new("r.yml", text), &[diagnostic(Span::new(at, at + 1))], false));
    }

    #[test]
    fn crlf_empty_span_and_end_of_file() {
        let text = "a: 1\r\nexpr: up ==\r\n";
        let end = text.len();
        let at = text.find("==").unwrap() + 2;
        insta::assert_snapshot!(human(&FileView::new("r.yml", text), &[diagnostic(Span::empty(at)), diagnostic(Span::empty(end))], false));
    }

    #[test]
    fn long_lines_are_shown_as_an_excerpt() {
        let text = format!("{{\"expr\": \"{}up ==\"}}", "x + ".repeat(500));
        let at = text.find("==").unwrap();
        insta::assert_snapshot!(human(&FileView::new("d.json", &text), &[diagnostic(Span::new(at, at + 2))], false));
    }

    #[test]
    fn positions_count_characters() {
        let text = "é😀x\ny";
        let view = FileView::new("f", text);
        assert_eq!(view.position(text.find('x').unwrap()), (1, 3));
        assert_eq!(view.position(text.len()), (2, 2));
        let diagnostics = [diagnostic(Span::new(text.find('x').unwrap(), text.len()))];
        let records = json_records(&view, &diagnostics);
        assert_eq!((records[0].line, records[0].column, records[0].end_line, records[0].end_column), (1, 3, 2, 2));
    }

    /// A small run over three files: an alert with a message full of characters every format
    /// must escape (`%`, a newline, `<`, `&`, `"`, `:` and `,`, also in the file's name), a
    /// dashboard, and a clean file.
    fn three_files() -> Vec<(FileView<'static>, Vec<Diagnostic>)> {
        const ALERTS: &str = "groups:\n- name: a\n  rules:\n  - alert: A\n    expr: rate(x[5m]) > 90\n";
        const DASHBOARD: &str = "{\"panels\": [{\"title\": \"Ünits\", \"targets\": [{\"expr\": \"sum(rate(y[1m]))\"}]}]}\n";
        let span = |text: &str, needle: &str| {
            let at = text.find(needle).unwrap();
            Span::new(at, at + needle.len())
        };
        let tricky = Diagnostic::new("thresholds/out-of-range", Severity::Error, span(ALERTS, "90"), "100% <never> & \"always\":\nfalse, really")
            .with_help("write `> 0.9`, a ratio")
            .with_label(span(ALERTS, "rate"), "a ratio, 0..1");
        let quiet = Diagnostic::new("naming/alert-name", Severity::Info, Span::new(ALERTS.find("A\n").unwrap(), ALERTS.find("A\n").unwrap() + 1), "not CamelCase");
        let window = Diagnostic::new("functions/rate-window", Severity::Warning, span(DASHBOARD, "[1m]"), "panel `Ünits`: `[1m]` < 4 scrape intervals").with_help("use `$__rate_interval`");
        vec![
            (FileView::new("rules/a,b:c.yml", ALERTS), vec![tricky, quiet]),
            (FileView::new("dashboards/d.json", DASHBOARD), vec![window]),
            (FileView::new("clean.yml", "groups: []\n"), vec![]),
        ]
    }

    /// Each file rendered in turn between the document's start and end, as the CLI writes them.
    fn run(start: &str, render: impl Fn(&FileView, &[Diagnostic]) -> String, end: &str) -> String {
        let files = three_files();
        format!("{start}{}{end}", files.iter().map(|(file, diagnostics)| render(file, diagnostics)).collect::<String>())
    }

    #[test]
    fn github_escapes_data_and_properties() {
        insta::assert_snapshot!(run("", github, ""));
    }

    #[test]
    fn checkstyle_groups_by_file_and_escapes_xml() {
        insta::assert_snapshot!(run(CHECKSTYLE_START, checkstyle, CHECKSTYLE_END));
    }

    #[test]
    fn junit_has_a_suite_per_file_and_a_passing_case_for_a_clean_one() {
        insta::assert_snapshot!(run(JUNIT_START, |file, diagnostics| junit(file, diagnostics, Severity::Warning), JUNIT_END));
    }

    #[test]
    fn short_and_json_records() {
        let json = |file: &FileView, diagnostics: &[Diagnostic]| json_records(file, diagnostics).iter().map(|r| serde_json::to_string(r).unwrap() + "\n").collect();
        insta::assert_snapshot!(format!("{}\n{}", run("", short, ""), run("", json, "")));
    }

    #[test]
    fn identical_findings_in_a_file_get_distinct_stable_sarif_fingerprints() {
        let fingerprints = |text: &str| {
            let findings: Vec<Diagnostic> = text.match_indices("\"graph\"").map(|(at, g)| Diagnostic::new("dashboards/deprecated-panel-type", Severity::Warning, Span::new(at, at + g.len()), "deprecated")).collect();
            let results = sarif_results(&FileView::new("d.json", text), &findings, &|_| None);
            results.iter().map(|r| serde_json::from_str::<serde_json::Value>(r).unwrap()["partialFingerprints"]["promaudit/v1"].as_str().unwrap().to_string()).collect::<Vec<_>>()
        };
        let text = "{\"panels\": [{\"type\": \"graph\"},\n{\"type\": \"graph\"},\n{\"type\": \"graph\"}]}\n";
        let first = fingerprints(text);
        let at = text.find("\"graph\"").unwrap();
        let bare = fingerprint("d.json", text, &Diagnostic::new("dashboards/deprecated-panel-type", Severity::Warning, Span::new(at, at + 7), "deprecated"));
        assert_eq!(first, [bare.clone(), format!("{bare}:2"), format!("{bare}:3")]);
        assert_eq!(first, fingerprints(&format!("{{\"title\": \"t\",\n\n{}", &text[1..])), "lines added above change nothing");
    }

    #[test]
    fn sarif_document_with_rules_fingerprints_and_related_locations() {
        let rules = [
            RuleInfo { code: "naming/alert-name", summary: "Alert names are CamelCase", docs: "## What it finds\n…".into(), severity: Severity::Info, category: "style" },
            RuleInfo { code: "thresholds/out-of-range", summary: "Thresholds outside the value's range", docs: "## What it finds\n…".into(), severity: Severity::Error, category: "correctness" },
        ];
        let index = |code: &str| rules.iter().position(|r| r.code == code);
        let results = |file: &FileView, diagnostics: &[Diagnostic]| sarif_results(file, diagnostics, &index).iter().map(|r| r.clone() + ",\n").collect();
        let document = run(&sarif_start("0.1.0", &rules, std::path::Path::new("/work/a b")), results, "");
        // The CLI separates records itself; here the last separator is dropped before the end.
        let document = format!("{}{}", document.trim_end_matches(",\n"), sarif_end(1, &[RunNotice { severity: Severity::Warning, message: "catalog x.prom:3: bad line".into() }]));
        let value: serde_json::Value = serde_json::from_str(&document).expect("one JSON document");
        insta::assert_snapshot!(serde_json::to_string_pretty(&value).unwrap());
    }
}
