//! SARIF 2.1.0, as GitHub code scanning and other static-analysis dashboards read it. Written as
//! a header with the tool and its rules, one result per finding a file at a time, and a footer.

use super::fingerprint::fingerprint;
use super::FileView;
use crate::{rule_docs_uri, Diagnostic, Severity};
use serde_json::{json, Value};
use std::collections::HashMap;

const SCHEMA: &str = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

/// What SARIF says about a rule: plain data, so this crate needs no rule registry.
pub struct RuleInfo {
    pub code: &'static str,
    pub summary: &'static str,
    /// Markdown documentation.
    pub docs: String,
    pub severity: Severity,
    pub category: &'static str,
}

/// Everything before the results. `root` is the absolute directory relative paths start from.
pub fn sarif_start(version: &str, rules: &[RuleInfo], root: &std::path::Path) -> String {
    let rules: Vec<Value> = rules
        .iter()
        .map(|rule| {
            json!({
                "id": rule.code,
                "shortDescription": {"text": rule.summary},
                "fullDescription": {"text": rule.docs, "markdown": rule.docs},
                "help": {"text": rule.docs, "markdown": rule.docs},
                "helpUri": rule_docs_uri(rule.code),
                "defaultConfiguration": {"level": level(rule.severity)},
                "properties": {"category": rule.category, "tags": [rule.category]},
            })
        })
        .collect();
    let root = format!("file://{}/", encode_path(&root.to_string_lossy()).trim_end_matches('/'));
    let run = json!({
        "tool": {"driver": {"name": "promaudit", "version": version, "semanticVersion": version, "informationUri": "https://github.com/promaudit/promaudit", "rules": rules}},
        "originalUriBaseIds": {"%SRCROOT%": {"uri": root}},
        // Columns count characters (Unicode code points), as every promaudit output does.
        "columnKind": "unicodeCodePoints",
    });
    let run = run.to_string();
    // The run is left open for its results: `{…}` → `{…,"results":[`.
    format!("{{\"version\":\"2.1.0\",\"$schema\":\"{SCHEMA}\",\"runs\":[{},\"results\":[\n", &run[..run.len() - 1])
}

/// One JSON object per finding; `rule_index` is the rule's position in the header's rule list.
pub fn sarif_results(file: &FileView, diagnostics: &[Diagnostic], rule_index: &dyn Fn(&str) -> Option<usize>) -> Vec<String> {
    let mut occurrences: HashMap<String, usize> = HashMap::new();
    diagnostics
        .iter()
        .map(|d| {
            let message = match &d.help {
                Some(help) => format!("{}\nhelp: {help}", d.message),
                None => d.message.clone(),
            };
            let related: Vec<Value> = d.labels.iter().enumerate().map(|(i, label)| json!({"id": i, "physicalLocation": location(file, label.span), "message": {"text": label.message}})).collect();
            let mut result = json!({
                "ruleId": d.code,
                "level": level(d.severity),
                "message": {"text": message},
                "locations": [{"physicalLocation": location(file, d.span)}],
                "partialFingerprints": {"promaudit/v1": occurrence_fingerprint(fingerprint(file.path, file.text, d), &mut occurrences)},
            });
            if let Some(index) = rule_index(d.code) {
                result["ruleIndex"] = index.into();
            }
            if !related.is_empty() {
                result["relatedLocations"] = related.into();
            }
            result.to_string()
        })
        .collect()
}

/// Identical findings in one file (same rule, text and message) share a content fingerprint, and
/// code scanning would merge them into one alert: the second is `<fingerprint>:2`, the third
/// `:3`, in file order. The first keeps the bare fingerprint earlier versions wrote, so its alert
/// stays the same alert.
fn occurrence_fingerprint(fingerprint: String, occurrences: &mut HashMap<String, usize>) -> String {
    let seen = occurrences.entry(fingerprint.clone()).or_insert(0);
    *seen += 1;
    if *seen == 1 {
        fingerprint
    } else {
        format!("{fingerprint}:{seen}")
    }
}

/// A problem of the run itself rather than a finding: a path or catalog that could not be read,
/// a configuration with errors. An error means the run did not check everything it was asked to.
pub struct RunNotice {
    pub severity: Severity,
    pub message: String,
}

/// Everything after the results: the invocation, which says whether the run succeeded, with its
/// exit status and its notices. Code scanning shows these instead of silently taking a failed
/// run's empty results for a clean one.
pub fn sarif_end(exit_code: u8, notices: &[RunNotice]) -> String {
    let notifications: Vec<Value> = notices.iter().map(|n| json!({"level": level(n.severity), "message": {"text": n.message}})).collect();
    let successful = !notices.iter().any(|n| n.severity == Severity::Error);
    let invocation = json!({"executionSuccessful": successful, "exitCode": exit_code, "toolExecutionNotifications": notifications});
    format!("\n],\"invocations\":[{invocation}]}}]}}\n")
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

fn location(file: &FileView, span: crate::Span) -> Value {
    let (start_line, start_column) = file.position(span.start);
    let (end_line, end_column) = file.position(span.end);
    let path = file.path.replace('\\', "/");
    let artifact = if path.starts_with('/') { json!({"uri": format!("file://{}", encode_path(&path))}) } else { json!({"uri": encode_path(&path), "uriBaseId": "%SRCROOT%"}) };
    json!({"artifactLocation": artifact, "region": {"startLine": start_line, "startColumn": start_column, "endLine": end_line, "endColumn": end_column}})
}

/// A path as a URI path: every byte outside the unreserved set and `/` percent-encoded.
fn encode_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for byte in path.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~/".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}
