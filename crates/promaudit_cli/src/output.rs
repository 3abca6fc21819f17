//! The run's output in the chosen format: a header, each file's findings as its check ends, and
//! a footer. Only what one chunk of files produced is held at a time.

use clap::ValueEnum;
use promaudit_diagnostics::render::{self, FileView, RuleInfo};
use promaudit_diagnostics::{stderr_line, Diagnostic, Severity};
use promaudit_lint::all_rules;
use promaudit_lint::registry::docs_markdown;
use std::collections::HashMap;
use std::io::Write;
use std::path::Path;

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Source snippets with carets, as a compiler shows errors.
    Human,
    /// `{"diagnostics": [...], "summary": {...}}`.
    Json,
    /// One `path:line:column: severity[code] message` line per finding.
    Short,
    /// SARIF 2.1.0, for GitHub code scanning and other dashboards.
    Sarif,
    /// GitHub Actions workflow commands: annotations on the pull request.
    Github,
    /// Checkstyle XML.
    Checkstyle,
    /// JUnit XML: a test suite per file, a failing test case per finding.
    Junit,
}

/// One file's findings, rendered in the run's format: text, or JSON records to join.
pub struct Rendered {
    text: String,
    records: Vec<String>,
}

/// The position of each rule in SARIF's rule list.
pub struct RuleIndex(HashMap<&'static str, usize>);

impl RuleIndex {
    pub fn new() -> Self {
        RuleIndex(all_rules().iter().enumerate().map(|(i, r)| (r.meta().code, i)).collect())
    }
}

impl Format {
    /// `fail_on` is the severity that fails the run: JUnit fails only those test cases.
    pub fn render(self, file: &FileView, diagnostics: &[Diagnostic], color: bool, fail_on: Severity, rules: &RuleIndex) -> Rendered {
        let text = |text| Rendered { text, records: Vec::new() };
        let records = |records| Rendered { text: String::new(), records };
        match self {
            Format::Human => text(render::human(file, diagnostics, color)),
            Format::Short => text(render::short(file, diagnostics)),
            Format::Github => text(render::github(file, diagnostics)),
            Format::Checkstyle => text(render::checkstyle(file, diagnostics)),
            Format::Junit => text(render::junit(file, diagnostics, fail_on)),
            Format::Json => records(render::json_records(file, diagnostics).iter().map(|r| serde_json::to_string(r).expect("records serialize")).collect()),
            Format::Sarif => records(render::sarif_results(file, diagnostics, &|code| rules.0.get(code).copied())),
        }
    }

    /// Reports that CI systems resolve against the repository, not the working directory.
    pub fn names_files_from_root(self) -> bool {
        matches!(self, Format::Sarif | Format::Github | Format::Checkstyle | Format::Junit)
    }

    /// The summary goes to stderr unless the document carries it.
    pub fn summary_on_stderr(self) -> bool {
        self != Format::Json
    }
}

/// The run's numbers, for the summary.
pub struct Summary {
    pub files: usize,
    pub queries: usize,
    pub counts: [usize; 3],
    pub baselined: usize,
    pub io_errors: usize,
    pub elapsed_ms: u128,
}

/// Writes the document: `start`, then `file` for each file in order, then `finish`.
pub struct Writer<W: Write> {
    format: Format,
    /// No summary on stderr.
    quiet: bool,
    out: W,
    first_record: bool,
}

impl<W: Write> Writer<W> {
    /// `root` is the directory the CI reports name files from.
    pub fn start(format: Format, root: &Path, quiet: bool, mut out: W) -> Self {
        let header = match format {
            Format::Json => "{\"diagnostics\":[".to_string(),
            Format::Sarif => render::sarif_start(env!("CARGO_PKG_VERSION"), &rule_infos(), root),
            Format::Checkstyle => render::CHECKSTYLE_START.to_string(),
            Format::Junit => render::JUNIT_START.to_string(),
            Format::Human | Format::Short | Format::Github => String::new(),
        };
        // Output errors (a closed pipe, `promaudit check | head`) end nothing but the output.
        let _ = out.write_all(header.as_bytes());
        Writer { format, quiet, out, first_record: true }
    }

    pub fn file(&mut self, rendered: &Rendered) {
        let _ = self.out.write_all(rendered.text.as_bytes());
        for record in &rendered.records {
            let separator: &[u8] = match (self.first_record, self.format) {
                (true, Format::Sarif) => b"",
                (true, _) => b"\n",
                (false, _) => b",\n",
            };
            let _ = self.out.write_all(separator);
            let _ = self.out.write_all(record.as_bytes());
            self.first_record = false;
        }
    }

    pub fn finish(mut self, summary: &Summary) {
        let [errors, warnings, infos] = summary.counts;
        let footer = match self.format {
            Format::Json => {
                let summary = serde_json::json!({
                    "files": summary.files, "queries": summary.queries, "errors": errors, "warnings": warnings, "infos": infos,
                    "baselined": summary.baselined, "io_errors": summary.io_errors, "elapsed_ms": summary.elapsed_ms,
                });
                format!("\n],\"summary\":{summary}}}\n")
            }
            Format::Sarif => render::SARIF_END.to_string(),
            Format::Checkstyle => render::CHECKSTYLE_END.to_string(),
            Format::Junit => render::JUNIT_END.to_string(),
            Format::Human | Format::Short | Format::Github => String::new(),
        };
        let _ = self.out.write_all(footer.as_bytes());
        let _ = self.out.flush();
        if self.format.summary_on_stderr() && !self.quiet {
            let baselined = if summary.baselined > 0 { format!(" ({} baselined findings hidden)", summary.baselined) } else { String::new() };
            stderr_line!("checked {} files ({} queries) in {} ms: {errors} errors, {warnings} warnings, {infos} infos{baselined}", summary.files, summary.queries, summary.elapsed_ms);
        }
    }
}

fn rule_infos() -> Vec<RuleInfo> {
    all_rules()
        .iter()
        .map(|rule| {
            let meta = rule.meta();
            RuleInfo { code: meta.code, summary: meta.summary, docs: docs_markdown(meta), severity: meta.severity, category: meta.category.as_str() }
        })
        .collect()
}
