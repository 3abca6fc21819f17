//! The run's output in the chosen format: a header, each file's findings as its check ends, and
//! a footer. Only what one chunk of files produced is held at a time.

use clap::ValueEnum;
use promaudit_diagnostics::render::{self, FileView, RuleInfo, RunNotice};
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
#[derive(Default)]
pub struct Summary {
    pub files: usize,
    pub queries: usize,
    pub counts: [usize; 3],
    pub baselined: usize,
    pub elapsed_ms: u128,
}

/// Writes the document: `start`, then `file` for each file in order, then `finish`.
pub struct Writer<W: Write> {
    format: Format,
    out: W,
    first_record: bool,
}

impl<W: Write> Writer<W> {
    /// `root` is the directory the CI reports name files from.
    pub fn start(format: Format, root: &Path, mut out: W) -> Self {
        let header = match format {
            Format::Json => "{\"diagnostics\":[".to_string(),
            Format::Sarif => render::sarif_start(env!("CARGO_PKG_VERSION"), &rule_infos(), root),
            Format::Checkstyle => render::CHECKSTYLE_START.to_string(),
            Format::Junit => render::JUNIT_START.to_string(),
            Format::Human | Format::Short | Format::Github => String::new(),
        };
        // Output errors (a closed pipe, `promaudit check | head`) end nothing but the output.
        let _ = out.write_all(header.as_bytes());
        Writer { format, out, first_record: true }
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

    /// Ends the document, also after a run that stopped early: a report is never left empty.
    pub fn finish(mut self, summary: &Summary, notices: &Notices, exit_code: u8) {
        let [errors, warnings, infos] = summary.counts;
        let footer = match self.format {
            Format::Json => {
                let summary = serde_json::json!({
                    "files": summary.files, "queries": summary.queries, "errors": errors, "warnings": warnings, "infos": infos,
                    "baselined": summary.baselined, "io_errors": notices.errors(), "elapsed_ms": summary.elapsed_ms,
                });
                format!("\n],\"summary\":{summary}}}\n")
            }
            Format::Sarif => render::sarif_end(exit_code, &notices.list),
            Format::Checkstyle => render::CHECKSTYLE_END.to_string(),
            Format::Junit => render::JUNIT_END.to_string(),
            Format::Human | Format::Short | Format::Github => String::new(),
        };
        let _ = self.out.write_all(footer.as_bytes());
        let _ = self.out.flush();
    }
}

impl Summary {
    /// The closing line on stderr, for the formats whose document does not carry it.
    pub fn print(&self, format: Format) {
        if format.summary_on_stderr() {
            let [errors, warnings, infos] = self.counts;
            let baselined = if self.baselined > 0 { format!(" ({} baselined findings hidden)", self.baselined) } else { String::new() };
            stderr_line!("checked {} files ({} queries) in {} ms: {errors} errors, {warnings} warnings, {infos} infos{baselined}", self.files, self.queries, self.elapsed_ms);
        }
    }
}

/// Problems of the run itself, not findings: each goes to stderr as it happens (warnings only
/// without `--quiet`), and into the SARIF document's invocation. An error makes the run exit with
/// status 2.
pub struct Notices {
    list: Vec<RunNotice>,
    quiet: bool,
}

impl Notices {
    pub fn new(quiet: bool) -> Self {
        Notices { list: Vec::new(), quiet }
    }

    pub fn error(&mut self, message: impl Into<String>) {
        self.push(Severity::Error, message.into());
    }

    pub fn warning(&mut self, message: impl Into<String>) {
        self.push(Severity::Warning, message.into());
    }

    /// An error whose `details` are already on stderr in full (a configuration's errors with
    /// snippets): the document gets them with the message.
    pub fn error_with_details(&mut self, message: String, details: &str) {
        stderr_line!("promaudit: {message}");
        self.list.push(RunNotice { severity: Severity::Error, message: format!("{message}\n{}", details.trim_end()) });
    }

    fn push(&mut self, severity: Severity, message: String) {
        if severity == Severity::Error || !self.quiet {
            stderr_line!("promaudit: {message}");
        }
        self.list.push(RunNotice { severity, message });
    }

    pub fn errors(&self) -> usize {
        self.list.iter().filter(|n| n.severity == Severity::Error).count()
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
