//! GitHub Actions workflow commands: `::error file=…,line=…::message`, which the Actions runner
//! turns into annotations on the pull request's diff.

use super::FileView;
use crate::{Diagnostic, Severity};

pub fn github(file: &FileView, diagnostics: &[Diagnostic]) -> String {
    let mut out = String::new();
    for d in diagnostics {
        let (line, column) = file.position(d.span.start);
        let (end_line, end_column) = file.position(d.span.end);
        let command = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "notice",
        };
        let message = match &d.help {
            Some(help) => format!("{}\nhelp: {help}", d.message),
            None => d.message.clone(),
        };
        out.push_str(&format!(
            "::{command} file={},line={line},col={column},endLine={end_line},endColumn={end_column},title={}::{}\n",
            escape_property(file.path),
            escape_property(&format!("promaudit {}", d.code)),
            escape_data(&message)
        ));
    }
    out
}

/// The message: `%`, CR and LF are escaped, as the Actions toolkit's `escapeData` does.
fn escape_data(text: &str) -> String {
    text.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

/// A property value: also `:` and `,`, which separate properties.
fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}
