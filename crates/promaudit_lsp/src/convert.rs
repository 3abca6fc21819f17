//! promaudit's plain data as LSP types. Positions go through [`crate::positions`] only.

use crate::positions::range;
use lsp_types::{CodeDescription, DiagnosticRelatedInformation, DiagnosticSeverity, Location, NumberOrString, TextEdit, Url};
use promaudit_diagnostics::{rule_docs_uri, Diagnostic, Edit, Severity};
use promaudit_source::SourceFile;

pub fn severity(severity: Severity) -> DiagnosticSeverity {
    match severity {
        Severity::Error => DiagnosticSeverity::ERROR,
        Severity::Warning => DiagnosticSeverity::WARNING,
        Severity::Info => DiagnosticSeverity::INFORMATION,
    }
}

/// The message stays the CLI's; labels, help and note become related information, which editors
/// show under it.
pub fn diagnostic(file: &SourceFile, uri: &Url, d: &Diagnostic) -> lsp_types::Diagnostic {
    let primary = range(file, d.span);
    let mut related: Vec<DiagnosticRelatedInformation> = d.labels.iter().map(|l| DiagnosticRelatedInformation { location: Location::new(uri.clone(), range(file, l.span)), message: l.message.clone() }).collect();
    for (kind, text) in [("help", &d.help), ("note", &d.note)] {
        if let Some(text) = text {
            related.push(DiagnosticRelatedInformation { location: Location::new(uri.clone(), primary), message: format!("{kind}: {text}") });
        }
    }
    lsp_types::Diagnostic {
        range: primary,
        severity: Some(severity(d.severity)),
        code: Some(NumberOrString::String(d.code.to_string())),
        code_description: Url::parse(&rule_docs_uri(d.code)).ok().map(|href| CodeDescription { href }),
        source: Some("promaudit".to_string()),
        message: d.message.clone(),
        related_information: (!related.is_empty()).then_some(related),
        tags: None,
        data: None,
    }
}

pub fn text_edit(file: &SourceFile, edit: &Edit) -> TextEdit {
    TextEdit { range: range(file, edit.span), new_text: edit.replacement.clone() }
}
