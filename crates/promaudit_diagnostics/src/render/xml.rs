//! Checkstyle and JUnit XML, which CI systems (Jenkins, GitLab, Azure) ingest as reports. Both
//! are written a file at a time between a header and a footer, so memory stays flat.

use super::FileView;
use crate::{Diagnostic, Severity};

pub const CHECKSTYLE_START: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<checkstyle version=\"4.3\">\n";
pub const CHECKSTYLE_END: &str = "</checkstyle>\n";
pub const JUNIT_START: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"promaudit\">\n";
pub const JUNIT_END: &str = "</testsuites>\n";

/// One `<file>` with an `<error>` per finding; clean files are left out, as checkstyle does.
pub fn checkstyle(file: &FileView, diagnostics: &[Diagnostic]) -> String {
    if diagnostics.is_empty() {
        return String::new();
    }
    let mut out = format!("  <file name=\"{}\">\n", escape(file.path));
    for d in diagnostics {
        let (line, column) = file.position(d.span.start);
        out.push_str(&format!(
            "    <error line=\"{line}\" column=\"{column}\" severity=\"{}\" message=\"{}\" source=\"promaudit.{}\"/>\n",
            d.severity,
            escape(&with_help(d)),
            escape(d.code)
        ));
    }
    out.push_str("  </file>\n");
    out
}

/// One `<testsuite>` per file: a test case per finding, failing when the finding is at or above
/// `fail_on` (as the exit status counts it) and passing with the finding as its output otherwise,
/// or one passing case when clean.
pub fn junit(file: &FileView, diagnostics: &[Diagnostic], fail_on: Severity) -> String {
    let path = escape(file.path);
    let failures = diagnostics.iter().filter(|d| d.severity >= fail_on).count();
    let mut out = format!("  <testsuite name=\"{path}\" tests=\"{}\" failures=\"{failures}\" errors=\"0\" skipped=\"0\">\n", diagnostics.len().max(1));
    if diagnostics.is_empty() {
        out.push_str(&format!("    <testcase name=\"{path}\" classname=\"promaudit\"/>\n"));
    }
    for d in diagnostics {
        let (line, column) = file.position(d.span.start);
        let name = escape(&format!("{}:{line}:{column} {}", file.path, d.code));
        let body = escape(&format!("{}:{line}:{column}: {}[{}] {}", file.path, d.severity, d.code, with_help(d)));
        let element = if d.severity >= fail_on { "failure" } else { "system-out" };
        let attributes = if element == "failure" { format!(" message=\"{}\" type=\"{}\"", escape(&d.message), d.severity) } else { String::new() };
        out.push_str(&format!("    <testcase name=\"{name}\" classname=\"{}\" file=\"{path}\" line=\"{line}\">\n      <{element}{attributes}>{body}</{element}>\n    </testcase>\n", escape(d.code)));
    }
    out.push_str("  </testsuite>\n");
    out
}

fn with_help(d: &Diagnostic) -> String {
    match &d.help {
        Some(help) => format!("{} (help: {help})", d.message),
        None => d.message.clone(),
    }
}

/// Text and attribute values; control characters XML 1.0 forbids are dropped.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\t' => out.push_str("&#9;"),
            c if (c as u32) < 0x20 => {}
            c => out.push(c),
        }
    }
    out
}
