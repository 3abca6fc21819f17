//! Requests: LSP parameters in, byte offsets to `promaudit_ide` and back out as LSP results.

use crate::convert::text_edit;
use crate::positions::{offset, range, span};
use crate::workspace::Shared;
use lsp_server::{ErrorCode, Request};
use lsp_types::request::{CodeActionRequest, Completion, GotoDefinition, HoverRequest, References, Request as _};
use lsp_types::*;
use promaudit_ide::CompletionKind;
use promaudit_source::SourceFile;
use serde::de::DeserializeOwned;
use std::collections::HashMap;
use std::path::Path;

pub type Failure = (ErrorCode, String);

pub fn initialize_result() -> InitializeResult {
    InitializeResult {
        capabilities: ServerCapabilities {
            text_document_sync: Some(TextDocumentSyncCapability::Options(TextDocumentSyncOptions {
                open_close: Some(true),
                change: Some(TextDocumentSyncKind::INCREMENTAL),
                ..Default::default()
            })),
            hover_provider: Some(HoverProviderCapability::Simple(true)),
            completion_provider: Some(CompletionOptions { trigger_characters: Some(["{", "(", ",", "\"", "="].map(String::from).to_vec()), ..Default::default() }),
            definition_provider: Some(OneOf::Left(true)),
            references_provider: Some(OneOf::Left(true)),
            code_action_provider: Some(CodeActionProviderCapability::Simple(true)),
            ..Default::default()
        },
        server_info: Some(ServerInfo { name: "promaudit".into(), version: Some(env!("CARGO_PKG_VERSION").into()) }),
    }
}

/// Answers one request; unknown methods get MethodNotFound, bad parameters InvalidParams.
pub fn handle(shared: &Shared, request: &Request) -> Result<serde_json::Value, Failure> {
    let method = request.method.as_str();
    let result = match method {
        _ if method == HoverRequest::METHOD => to_value(hover(shared, params(request)?)),
        _ if method == Completion::METHOD => to_value(completion(shared, params(request)?)),
        _ if method == GotoDefinition::METHOD => to_value(definition(shared, params(request)?)),
        _ if method == References::METHOD => to_value(references(shared, params(request)?)),
        _ if method == CodeActionRequest::METHOD => to_value(code_actions(shared, params(request)?)),
        _ => return Err((ErrorCode::MethodNotFound, format!("promaudit does not implement `{method}`"))),
    };
    Ok(result)
}

fn params<P: DeserializeOwned>(request: &Request) -> Result<P, Failure> {
    serde_json::from_value(request.params.clone()).map_err(|e| (ErrorCode::InvalidParams, format!("invalid parameters for `{}`: {e}", request.method)))
}

fn to_value(result: impl serde::Serialize) -> serde_json::Value {
    serde_json::to_value(result).unwrap_or(serde_json::Value::Null)
}

/// An open document and the byte offset of a position in it.
fn at(shared: &Shared, position: &TextDocumentPositionParams) -> Option<(SourceFile, usize)> {
    let file = shared.source(&position.text_document.uri)?;
    let offset = offset(&file, position.position);
    Some((file, offset))
}

fn hover(shared: &Shared, params: HoverParams) -> Option<Hover> {
    let (file, offset) = at(shared, &params.text_document_position_params)?;
    let index = shared.index.read().unwrap_or_else(|e| e.into_inner());
    let hover = promaudit_ide::hover(&file, offset, &shared.checker(), &index)?;
    Some(Hover { contents: HoverContents::Markup(MarkupContent { kind: MarkupKind::Markdown, value: hover.markdown }), range: Some(range(&file, hover.span)) })
}

fn completion(shared: &Shared, params: CompletionParams) -> Option<CompletionResponse> {
    let (file, offset) = at(shared, &params.text_document_position)?;
    let items = promaudit_ide::completions(&file, offset, &shared.checker())
        .into_iter()
        .map(|c| CompletionItem {
            kind: Some(match c.kind {
                CompletionKind::Metric => CompletionItemKind::VARIABLE,
                CompletionKind::RecordingRule => CompletionItemKind::REFERENCE,
                CompletionKind::Function => CompletionItemKind::FUNCTION,
                CompletionKind::Keyword => CompletionItemKind::KEYWORD,
                CompletionKind::Label => CompletionItemKind::PROPERTY,
                CompletionKind::LabelValue => CompletionItemKind::VALUE,
            }),
            detail: c.detail,
            documentation: c.documentation.map(|value| Documentation::MarkupContent(MarkupContent { kind: MarkupKind::Markdown, value })),
            text_edit: Some(CompletionTextEdit::Edit(TextEdit { range: range(&file, c.replace), new_text: c.label.clone() })),
            label: c.label,
            ..Default::default()
        })
        .collect();
    Some(CompletionResponse::List(CompletionList { is_incomplete: false, items }))
}

/// Locations in other files are converted with those files' own text (the buffer if open).
fn locations(shared: &Shared, found: Vec<promaudit_ide::Location>) -> Vec<Location> {
    let mut texts: HashMap<std::path::PathBuf, Option<SourceFile>> = HashMap::new();
    found
        .into_iter()
        .filter_map(|location| {
            let file = texts.entry(location.path.clone()).or_insert_with(|| shared.read(&location.path).map(|text| SourceFile::new(&location.path, text))).as_ref()?;
            let absolute = match &shared.root {
                Some(root) if location.path.is_relative() => root.join(&location.path),
                _ => location.path.clone(),
            };
            Some(Location::new(Url::from_file_path(absolute).ok()?, range(file, location.span)))
        })
        .collect()
}

fn definition(shared: &Shared, params: GotoDefinitionParams) -> Option<GotoDefinitionResponse> {
    let (file, offset) = at(shared, &params.text_document_position_params)?;
    let found = promaudit_ide::definitions(&shared.index.read().unwrap_or_else(|e| e.into_inner()), &file, offset);
    Some(GotoDefinitionResponse::Array(locations(shared, found)))
}

fn references(shared: &Shared, params: ReferenceParams) -> Option<Vec<Location>> {
    let (file, offset) = at(shared, &params.text_document_position)?;
    let found = promaudit_ide::references(&shared.index.read().unwrap_or_else(|e| e.into_inner()), &file, offset, params.context.include_declaration);
    Some(locations(shared, found))
}

/// The fixes of the diagnostics under the range, and for YAML files a suppression comment for
/// each. Only diagnostics published for the document's current text are offered.
fn code_actions(shared: &Shared, params: CodeActionParams) -> Option<Vec<CodeActionOrCommand>> {
    let uri = params.text_document.uri;
    let version = shared.document(&uri)?.version;
    let published = shared.published.lock().unwrap_or_else(|e| e.into_inner());
    let published = published.get(&uri).filter(|p| p.version == version)?;
    let file = &published.file;
    let wanted = span(file, params.range);
    let mut actions = Vec::new();
    for diagnostic in published.diagnostics.iter().filter(|d| d.span.start <= wanted.end && wanted.start <= d.span.end) {
        let lsp_diagnostic = crate::convert::diagnostic(file, &uri, diagnostic);
        // The rule's own fix is preferred over hiding the finding.
        let fixes = diagnostic.fix.iter().map(|fix| (fix.clone(), true)).chain(promaudit_ide::suppression(file, diagnostic).map(|fix| (fix, false)));
        for (fix, preferred) in fixes {
            let edits = fix.edits.iter().map(|edit| text_edit(file, edit)).collect();
            actions.push(CodeActionOrCommand::CodeAction(CodeAction {
                title: fix.title,
                kind: Some(CodeActionKind::QUICKFIX),
                diagnostics: Some(vec![lsp_diagnostic.clone()]),
                edit: Some(WorkspaceEdit { changes: Some(HashMap::from([(uri.clone(), edits)])), ..Default::default() }),
                is_preferred: Some(preferred),
                ..Default::default()
            }));
        }
    }
    Some(actions)
}

/// A document's text after the editor's changes: whole replacements or ranges, applied in order.
pub fn apply_changes(path: &Path, text: &str, changes: Vec<TextDocumentContentChangeEvent>) -> String {
    let mut text = text.to_string();
    for change in changes {
        match change.range {
            None => text = change.text,
            Some(changed) => {
                let file = SourceFile::new(path, text.as_str());
                let replaced = span(&file, changed);
                text.replace_range(replaced.start..replaced.end, &change.text);
            }
        }
    }
    text
}
