//! Inline suppressions in YAML comments (also in Markdown's fenced YAML and in YAML embedded in
//! ConfigMaps), each with a required reason:
//!
//! - `# promaudit: ignore[CODE, …] reason` — on a line of its own, the YAML node on the next line
//!   with everything indented under it (a rule item, its whole mapping); at the end of a line,
//!   that line and what is indented under it;
//! - `# promaudit: ignore-file[CODE, …] reason` — the whole file;
//! - `# promaudit: disable[CODE, …] reason` … `# promaudit: enable[CODE, …]` — a range.
//!
//! A CODE is a rule code, a family (`units`, `units/*`) or a category (`style`). Malformed
//! suppressions and suppressions that hide nothing are findings of their own, which cannot be
//! suppressed.

use crate::config::{not_a_selector, selector, RuleSelector};
use crate::rules::{SuppressionMalformed, SuppressionUnused};
use promaudit_diagnostics::{Diagnostic, Span};

const PREFIX: &str = "promaudit:";

/// What an editor writes as the reason of a suppression it inserts, for its author to replace.
/// A suppression still saying this is malformed: it suppresses nothing until it says why.
pub const REASON_PLACEHOLDER: &str = "TODO: why this is fine";

/// Drops the `diagnostics` that the suppressions written in `comments` (file spans into `text`)
/// hide, and returns the findings about the suppressions themselves.
pub fn apply(text: &str, comments: &[Span], diagnostics: &mut Vec<Diagnostic>) -> Vec<Diagnostic> {
    let mut problems = Vec::new();
    let mut suppressions = parse_all(text, comments, &mut problems);
    diagnostics.retain(|d| !suppressions.iter_mut().any(|s| s.hides(d)));
    for suppression in &suppressions {
        for code in suppression.codes.iter().filter(|c| !c.used) {
            let message = format!("this suppression of `{}` hides nothing: no finding of it is in its scope", code.text);
            problems.push(SuppressionUnused::META.diagnostic(code.span, message).with_help("remove it, or move it to the line above the rule it is meant for"));
        }
    }
    problems
}

struct Suppression {
    /// Byte range of the file it covers.
    scope: Span,
    codes: Vec<Code>,
}

struct Code {
    text: String,
    selector: RuleSelector,
    span: Span,
    used: bool,
}

impl Suppression {
    fn hides(&mut self, diagnostic: &Diagnostic) -> bool {
        let own = diagnostic.code == SuppressionMalformed::META.code || diagnostic.code == SuppressionUnused::META.code;
        if own || !self.scope.contains(diagnostic.span.start) {
            return false;
        }
        let Some(rule) = crate::find_rule(diagnostic.code) else { return false };
        match self.codes.iter_mut().find(|c| c.selector.matches(rule.meta())) {
            Some(code) => {
                code.used = true;
                true
            }
            None => false,
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Directive {
    Ignore,
    IgnoreFile,
    Disable,
    Enable,
}

/// One `# promaudit: …` comment, parsed.
struct Comment {
    directive: Directive,
    codes: Vec<Code>,
    span: Span,
}

fn parse_all(text: &str, comments: &[Span], problems: &mut Vec<Diagnostic>) -> Vec<Suppression> {
    let mut suppressions = Vec::new();
    let mut open: Vec<(Code, Span)> = Vec::new();
    let parsed: Vec<Comment> = comments.iter().filter_map(|span| parse_comment(text, *span, problems)).collect();
    for comment in parsed {
        match comment.directive {
            Directive::Ignore => suppressions.push(Suppression { scope: node_scope(text, comment.span), codes: comment.codes }),
            Directive::IgnoreFile => suppressions.push(Suppression { scope: Span::new(0, text.len()), codes: comment.codes }),
            Directive::Disable => open.extend(comment.codes.into_iter().map(|code| (code, comment.span))),
            Directive::Enable => {
                for code in comment.codes {
                    match open.iter().position(|(o, _)| o.text == code.text) {
                        Some(index) => {
                            let (opened, at) = open.remove(index);
                            suppressions.push(Suppression { scope: Span::new(at.start, comment.span.start), codes: vec![opened] });
                        }
                        None => problems.push(SuppressionMalformed::META.diagnostic(code.span, format!("`enable[{}]` has no `disable[{}]` before it", code.text, code.text))),
                    }
                }
            }
        }
    }
    for (code, at) in open {
        problems.push(SuppressionMalformed::META.diagnostic(at, format!("`disable[{}]` is never closed: it would hide `{}` to the end of the file", code.text, code.text)).with_help(format!("add `# promaudit: enable[{}]` where the range ends, or use `ignore-file`", code.text)));
    }
    suppressions
}

/// Parses a comment if it is a promaudit directive; malformed ones become problems.
fn parse_comment(text: &str, span: Span, problems: &mut Vec<Diagnostic>) -> Option<Comment> {
    let body = text[span.start..span.end].trim_start_matches('#');
    let body_start = span.end - body.len();
    let trimmed = body.trim_start();
    let rest = trimmed.strip_prefix(PREFIX)?;
    let rest_start = body_start + (body.len() - trimmed.len()) + PREFIX.len();
    let mut malformed = |message: String| {
        problems.push(SuppressionMalformed::META.diagnostic(span, message).with_help("write `# promaudit: ignore[CODE] reason`, `ignore-file[CODE] reason`, or `disable[CODE] reason` … `enable[CODE]`"));
        None
    };
    let directive_text = rest.trim_start();
    let directive_start = rest_start + (rest.len() - directive_text.len());
    let name_end = directive_text.find(|c: char| !(c.is_ascii_alphanumeric() || c == '-')).unwrap_or(directive_text.len());
    let directive = match &directive_text[..name_end] {
        "ignore" => Directive::Ignore,
        "ignore-file" => Directive::IgnoreFile,
        "disable" => Directive::Disable,
        "enable" => Directive::Enable,
        other => return malformed(format!("unknown suppression `{other}`")),
    };
    let after_name = &directive_text[name_end..];
    let (Some(codes_text), Some(close)) = (after_name.strip_prefix('['), after_name.find(']')) else {
        return malformed("a suppression names the codes it hides in brackets, right after the directive".into());
    };
    let codes_start = directive_start + name_end + 1;
    let codes_text = &codes_text[..close - 1];
    let reason = after_name[close + 1..].trim();
    if reason.is_empty() && directive != Directive::Enable {
        return malformed("a suppression needs a reason after the codes: why is this finding acceptable here?".into());
    }
    if reason.starts_with(REASON_PLACEHOLDER) {
        return malformed(format!("the reason is still the placeholder `{REASON_PLACEHOLDER}`: write why this finding is acceptable here"));
    }
    if codes_text.trim().is_empty() {
        return malformed("the brackets name no code: write the codes of the findings to hide, `ignore[alerts/topk]`".into());
    }
    let mut codes = Vec::new();
    let mut offset = codes_start;
    for part in codes_text.split(',') {
        let code = part.trim();
        let code_span = Span::new(offset + (part.len() - part.trim_start().len()), offset + (part.len() - part.trim_start().len()) + code.len());
        offset += part.len() + 1;
        match selector(code) {
            Some(selector) => codes.push(Code { text: code.to_string(), selector, span: code_span, used: false }),
            None => problems.push(SuppressionMalformed::META.diagnostic(code_span, not_a_selector(code))),
        }
    }
    (!codes.is_empty()).then_some(Comment { directive, codes, span })
}

/// What an `ignore` comment covers: the line it ends (a trailing comment) or the next line of
/// content, with every following line indented deeper — and, after a key whose value is a block
/// (`rules:`), the `- ` items YAML allows at the key's own indentation.
fn node_scope(text: &str, comment: Span) -> Span {
    let line_start = text[..comment.start].rfind('\n').map_or(0, |i| i + 1);
    let trailing = !text[line_start..comment.start].trim().is_empty();
    let first = if trailing { Some(line_start) } else { content_lines(text, comment.end).next() };
    let Some(first) = first else { return Span::empty(comment.start) };
    let indent = indent_of(text, first);
    let opens_block = opens_block(line_at(text, first));
    let inside = |line: usize| indent_of(text, line) > indent || (opens_block && indent_of(text, line) == indent && line_at(text, line).trim_start().starts_with('-'));
    let end = content_lines(text, first).skip(1).find(|&line| !inside(line)).unwrap_or(text.len());
    Span::new(first, end)
}

/// Whether a line is a mapping key whose value follows on the next lines (`rules:`).
fn opens_block(line: &str) -> bool {
    let content = line.split(" #").next().unwrap_or_default().trim();
    !content.starts_with('-') && content.ends_with(':')
}

fn line_at(text: &str, line_start: usize) -> &str {
    text[line_start..].lines().next().unwrap_or_default()
}

/// Starts of the lines after the one holding `from` that are neither blank nor comments.
fn content_lines(text: &str, from: usize) -> impl Iterator<Item = usize> + '_ {
    let mut at = text[from..].find('\n').map(|i| from + i + 1);
    if from == 0 || text.as_bytes().get(from - 1) == Some(&b'\n') {
        at = Some(from);
    }
    std::iter::from_fn(move || loop {
        let start = at?;
        at = text[start..].find('\n').map(|i| start + i + 1);
        let line = line_at(text, start).trim();
        if !line.is_empty() && !line.starts_with('#') {
            return Some(start);
        }
    })
}

fn indent_of(text: &str, line_start: usize) -> usize {
    text[line_start..].bytes().take_while(|&b| b == b' ').count()
}

#[cfg(test)]
mod tests {
    use crate::testing::render;
    use promaudit_diagnostics::Span;
    use promaudit_source::SourceFile;

    fn check(text: &str) -> String {
        let report = crate::check_source(SourceFile::new("r.yml", text), &crate::Checker::default());
        render("r.yml", text, &report.diagnostics)
    }

    const RULES: &str = "groups:\n- name: a\n  rules:\n  # promaudit: ignore[alerts/topk] the top 3 pages the on-call by design\n  - alert: Busy\n    expr: topk(3, rate(x_total[5m])) > 100\n    labels: {severity: page}\n    annotations: {summary: busy}\n  - alert: Busier\n    expr: topk(3, rate(x_total[5m])) > 200\n    labels: {severity: page}\n    annotations: {summary: busy}\n";

    #[test]
    fn a_comment_above_a_rule_covers_that_rule_only() {
        insta::assert_snapshot!(check(RULES));
    }

    #[test]
    fn trailing_families_categories_and_files() {
        let text = "groups:\n- name: a\n  rules:\n  - alert: Busy\n    expr: topk(3, rate(x_total[5m])) > 100  # promaudit: ignore[alerts] ranked on purpose\n    labels: {severity: page}\n    annotations: {summary: busy}\n";
        assert_eq!(check(text), "");
        let file = "# promaudit: ignore-file[suspicious] generated by our ranker\ngroups:\n- name: a\n  rules:\n  - alert: Busy\n    expr: topk(3, rate(x_total[5m])) > 100\n    labels: {severity: page}\n    annotations: {summary: busy}\n";
        assert_eq!(check(file), "");
    }

    #[test]
    fn a_comment_above_a_key_covers_the_items_at_its_indentation() {
        let text = "# promaudit: ignore[alerts/topk] ranking group, reviewed in OPS-7\ngroups:\n- name: a\n  rules:\n  - alert: Busy\n    expr: topk(3, rate(x_total[5m])) > 100\n    labels: {severity: page}\n    annotations: {summary: busy}\nother:\n- alert: Busier\n  expr: topk(3, rate(x_total[5m])) > 200\n";
        assert_eq!(super::node_scope(text, Span::new(0, 65)), Span::new(66, text.find("other:").unwrap()));
        let item = "  # promaudit: ignore[alerts/topk] reviewed\n  - alert: A\n    expr: x\n  - alert: B\n";
        let scope = super::node_scope(item, Span::new(2, 43));
        assert_eq!(&item[scope.start..scope.end], "  - alert: A\n    expr: x\n", "a sibling item is not covered");
    }

    #[test]
    fn suppressions_in_markdown_yaml_blocks() {
        let text = "# Runbook\n\n```yaml\ngroups:\n- name: a\n  rules:\n  # promaudit: ignore[alerts/topk] ranked on purpose\n  - alert: Busy\n    expr: topk(3, rate(x_total[5m])) > 100\n    labels: {severity: page}\n    annotations: {summary: busy}\n```\n";
        let report = crate::check_source(SourceFile::new("guide.md", text), &crate::Checker::default());
        assert_eq!(report.diagnostics.iter().map(|d| d.code).collect::<Vec<_>>(), Vec::<&str>::new());
    }

    #[test]
    fn the_configuration_sets_the_severity_of_suppression_findings() {
        let text = "groups:\n- name: a\n  rules:\n  # promaudit: ignore[alerts/topk] nothing ranked here\n  - alert: Down\n    expr: up == 0\n    labels: {severity: page}\n    annotations: {summary: down}\n";
        assert_eq!(crate::testing::snapshot_with_config(&crate::rules::SuppressionUnused, "r.yml", text, "rules: {suppression/unused: info}\n"), "r.yml:4:23: info[suppression/unused]: this suppression of `alerts/topk` hides nothing: no finding of it is in its scope\n  |   # promaudit: ignore[alerts/topk] nothing ranked here\n  |                       ^^^^^^^^^^^\n  = help: remove it, or move it to the line above the rule it is meant for\n");
        assert_eq!(crate::testing::snapshot_with_config(&crate::rules::SuppressionUnused, "r.yml", text, "rules: {suppression: off}\n"), "");
    }

    #[test]
    fn ranges_unused_and_malformed_suppressions() {
        let text = "groups:\n- name: a\n  rules:\n  # promaudit: disable[alerts/topk] legacy ranking alerts, tracked in OPS-12\n  - alert: Busy\n    expr: topk(3, rate(x_total[5m])) > 100\n    labels: {severity: page}\n    annotations: {summary: busy}\n  # promaudit: enable[alerts/topk]\n  # promaudit: ignore[units/mismatch] nothing to hide here\n  - alert: Down\n    expr: up == 0\n    labels: {severity: page}\n    annotations: {summary: down}\n  # promaudit: ignore[alerts/topk]\n  # promaudit: ignore[alerts/nope] typo\n  # promaudit: silence[alerts/topk] why\n  # promaudit: disable[naming] never closed\n  # promaudit: ignore[alerts/topk] TODO: why this is fine\n  # promaudit: ignore[] no codes\n";
        insta::assert_snapshot!(check(text));
    }
}
