//! Template placeholders in queries (Grafana variables and macros, Sloth's `{{.window}}`),
//! substituted with PromQL that fits where they stand, with a map back to the original text.
//! Also the test for whole files that are Go templates (Helm charts, template outputs).

use crate::OffsetMap;
use promaudit_diagnostics::Span;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PlaceholderKind {
    /// A Grafana template variable: `$var`, `${var}`, `${var:fmt}`, `[[var]]`.
    Variable,
    /// A Grafana built-in macro: `$__rate_interval`, `$__interval`, `$__range`, …
    Builtin,
    /// Sloth's `{{.window}}`.
    Window,
    /// A template construct with no PromQL meaning: `{{ if … }}`, `{{ range }}`, …
    Unknown,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Placeholder {
    pub name: String,
    /// In the original query.
    pub span: Span,
    pub kind: PlaceholderKind,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Substituted {
    pub text: String,
    /// Offsets in `text` → offsets in the original query.
    pub map: OffsetMap,
    pub placeholders: Vec<Placeholder>,
}

/// Where in the query a placeholder stands, which decides what replaces it.
#[derive(Clone, Copy, PartialEq)]
enum Context {
    Duration,
    Number,
    String,
    Identifier,
}

const DURATION_MACROS: &[&str] = &["__rate_interval", "__interval", "__range", "__auto", "__rate_interval_ms"];
const NUMBER_MACROS: &[&str] = &["__interval_ms", "__range_s", "__range_ms", "__from", "__to"];

pub fn substitute(query: &str) -> Substituted {
    let mut out = Substituted { text: String::with_capacity(query.len()), map: OffsetMap::default(), placeholders: Vec::new() };
    let bytes = query.as_bytes();
    let mut scanner = ContextScanner::default();
    let mut run_start = 0;
    let mut i = 0;
    while i < bytes.len() {
        let Some((len, name, kind)) = placeholder_at(query, i, scanner.in_string.is_some()) else {
            scanner.advance(query, i);
            i += query[i..].chars().next().map_or(1, char::len_utf8);
            continue;
        };
        out.text.push_str(&query[run_start..i]);
        out.map.push_verbatim(i - run_start, run_start);
        let replacement = replacement(scanner.context(), &name, kind);
        out.text.push_str(&replacement);
        out.map.push_replaced(replacement.len(), i, len);
        out.placeholders.push(Placeholder { name, span: Span::new(i, i + len), kind });
        i += len;
        run_start = i;
        scanner.after_placeholder();
    }
    out.text.push_str(&query[run_start..]);
    out.map.push_verbatim(query.len() - run_start, run_start);
    out
}

fn replacement(context: Context, name: &str, kind: PlaceholderKind) -> String {
    let is_number_macro = kind == PlaceholderKind::Builtin && NUMBER_MACROS.contains(&name);
    match context {
        _ if is_number_macro => "1".into(),
        Context::Duration => "5m".into(),
        Context::Number => "1".into(),
        Context::String => identifier(name),
        Context::Identifier if kind == PlaceholderKind::Unknown => "unknown_placeholder".into(),
        Context::Identifier => identifier(name),
    }
}

/// A valid PromQL identifier derived from a variable name.
fn identifier(name: &str) -> String {
    let cleaned: String = name.chars().map(|c| if c.is_ascii_alphanumeric() || c == '_' { c } else { '_' }).collect();
    if cleaned.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') { cleaned } else { format!("v_{cleaned}") }
}

/// A placeholder starting at `at`: its length, name and kind.
fn placeholder_at(query: &str, at: usize, in_string: bool) -> Option<(usize, String, PlaceholderKind)> {
    let rest = &query[at..];
    if let Some(body) = rest.strip_prefix("{{") {
        let end = body.find("}}")?;
        let action = body[..end].trim().trim_start_matches('-').trim_end_matches('-').trim();
        let kind = if action == ".window" { PlaceholderKind::Window } else { PlaceholderKind::Unknown };
        return Some((end + 4, action.to_string(), kind));
    }
    if let Some(body) = rest.strip_prefix("[[") {
        let end = body.find("]]")?;
        let name = body[..end].split(':').next().unwrap_or("");
        return is_variable_name(name).then(|| (end + 4, name.to_string(), kind_of(name)));
    }
    if let Some(body) = rest.strip_prefix("${") {
        let end = body.find('}')?;
        let name = body[..end].split(':').next().unwrap_or("");
        return is_variable_name(name).then(|| (end + 3, name.to_string(), kind_of(name)));
    }
    if let Some(body) = rest.strip_prefix('$') {
        // `$1` in label_replace replacements is not a variable.
        let len = body.bytes().take_while(|b| b.is_ascii_alphanumeric() || *b == b'_').count();
        let name = &body[..len];
        if is_variable_name(name) && !(in_string && name.bytes().all(|b| b.is_ascii_digit())) {
            return Some((len + 1, name.to_string(), kind_of(name)));
        }
    }
    None
}

fn is_variable_name(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

fn kind_of(name: &str) -> PlaceholderKind {
    if DURATION_MACROS.contains(&name) || NUMBER_MACROS.contains(&name) || name.starts_with("__") {
        PlaceholderKind::Builtin
    } else {
        PlaceholderKind::Variable
    }
}

/// Tracks strings, brackets and the last token, to tell what a placeholder stands for.
#[derive(Default)]
struct ContextScanner {
    in_string: Option<u8>,
    escaped: bool,
    bracket_depth: usize,
    /// The last significant character outside strings, and the last word.
    last_char: Option<u8>,
    last_word: String,
    word: String,
}

impl ContextScanner {
    fn advance(&mut self, query: &str, at: usize) {
        let b = query.as_bytes()[at];
        if let Some(quote) = self.in_string {
            if self.escaped {
                self.escaped = false;
            } else if b == b'\\' && quote != b'`' {
                self.escaped = true;
            } else if b == quote {
                self.in_string = None;
                self.last_char = Some(b);
            }
            return;
        }
        if b.is_ascii_alphanumeric() || b == b'_' {
            self.word.push(b as char);
            return;
        }
        if !self.word.is_empty() {
            self.last_word = std::mem::take(&mut self.word);
            self.last_char = Some(b'a');
        }
        match b {
            b'"' | b'\'' | b'`' => self.in_string = Some(b),
            b'[' => self.bracket_depth += 1,
            b']' => self.bracket_depth = self.bracket_depth.saturating_sub(1),
            _ => {}
        }
        if !b.is_ascii_whitespace() {
            self.last_char = Some(b);
            if b != b'(' {
                self.last_word.clear();
            }
        }
    }

    fn after_placeholder(&mut self) {
        self.last_char = Some(b'a');
        self.last_word.clear();
        self.word.clear();
    }

    fn context(&self) -> Context {
        if self.in_string.is_some() {
            return Context::String;
        }
        let word = if self.word.is_empty() { self.last_word.as_str() } else { self.word.as_str() };
        if self.bracket_depth > 0 || word == "offset" {
            return Context::Duration;
        }
        match self.last_char {
            Some(b'>' | b'<' | b'=' | b'*' | b'/' | b'+' | b'-' | b'%' | b'^') => Context::Number,
            Some(b'(') if matches!(word, "topk" | "bottomk" | "quantile" | "limitk" | "limit_ratio" | "histogram_quantile" | "quantile_over_time") => Context::Number,
            _ => Context::Identifier,
        }
    }
}

/// Whether a whole file is a Go template (a Helm chart, a template's expected output), as
/// opposed to a rule file whose annotations hold alert templates like `{{ $labels.job }}`.
pub fn looks_like_go_template(text: &str) -> bool {
    const HELM_ACTIONS: &[&str] = &[".Values", ".Release", ".Chart", ".Capabilities", "include ", "template ", "toYaml", "tpl ", "$.Values"];
    let mut from = 0;
    while let Some(open) = text[from..].find("{{").map(|i| from + i) {
        let after = &text[open + 2..];
        let Some(close) = after.find("}}") else { break };
        let action = after[..close].trim_start_matches('-').trim();
        // A template that writes a template (`{{"{{$labels.x}}"}}`, `{{ printf "{{ … }}" }}`).
        let writes_template = action.contains("\"{{") || after[..close].contains("{{");
        let helm = HELM_ACTIONS.iter().any(|a| action.starts_with(a) || action.contains(&format!(" {a}")));
        // `{{ .version }}`: a lowercase data field; Prometheus and Alertmanager data is `.Labels`,
        // `.Value`, `.GroupLabels`, and Sloth's query window is `{{.window}}`.
        let lowercase_field = action.strip_prefix('.').is_some_and(|f| f.starts_with(|c: char| c.is_ascii_lowercase()) && f != "window");
        // `{{- if … }}` on a line of its own templates the YAML structure itself.
        let line_start = text[..open].rsplit('\n').next().is_some_and(|l| l.trim().is_empty()) && after[..close].starts_with('-');
        if writes_template || helm || lowercase_field || line_start {
            return true;
        }
        from = open + 2 + close + 2;
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn substituted(query: &str) -> String {
        substitute(query).text
    }

    #[test]
    fn grafana_variables_take_the_shape_their_place_needs() {
        assert_eq!(substituted("rate(x{job=\"$job\"}[$__rate_interval])"), "rate(x{job=\"job\"}[5m])");
        assert_eq!(substituted("sum by (${group:csv}) (x) > $threshold"), "sum by (group) (x) > 1");
        assert_eq!(substituted("topk($n, x offset $shift)"), "topk(1, x offset 5m)");
        assert_eq!(substituted("[[metric]]{a=~\"${re:regex}\"}"), "metric{a=~\"re\"}");
        assert_eq!(substituted("x / $__interval_ms"), "x / 1");
        assert_eq!(substituted("label_replace(x, \"a\", \"$1\", \"b\", \"(.*)\")"), "label_replace(x, \"a\", \"$1\", \"b\", \"(.*)\")");
    }

    #[test]
    fn sloth_window_and_unknown_actions() {
        let s = substitute("sum(rate(x[{{.window}}])) by ({{ if .a }})");
        assert_eq!(s.text, "sum(rate(x[5m])) by (unknown_placeholder)");
        assert_eq!(s.placeholders[0].kind, PlaceholderKind::Window);
        assert_eq!(s.placeholders[1].kind, PlaceholderKind::Unknown);
    }

    #[test]
    fn positions_map_back_to_the_original() {
        let query = "sum(x{job=\"$job\"}[$__rate_interval]) by (le";
        let s = substitute(query);
        let by = s.text.find("by").unwrap();
        assert_eq!(s.map.map_start(by), query.find("by").unwrap());
        let window = s.text.find("5m").unwrap();
        assert_eq!(s.map.map_span(Span::new(window, window + 2)), Span::new(query.find("$__").unwrap(), query.find("])").unwrap()));
    }

    #[test]
    fn go_templated_files_are_told_from_alert_templates() {
        assert!(looks_like_go_template("groups:\n{{- if .Values.rules }}\n- name: x\n{{- end }}\n"));
        assert!(looks_like_go_template("summary: {{ printf \"{{ $labels.instance }}\" }}\n"));
        assert!(looks_like_go_template("summary: {{\"{{$labels.sloth_slo}}\"}}\nversion: {{ .version }}\n"));
        assert!(!looks_like_go_template("summary: \"{{ $labels.instance }} down, {{ $value | humanize }}\"\n"));
        assert!(!looks_like_go_template("error_query: sum(rate(x[{{.window}}]))\n"));
        assert!(!looks_like_go_template("description: \"{{ with $labels.cluster -}} on {{ . }} {{- end }}\"\n"));
        assert!(!looks_like_go_template("subject: '{{ .GroupLabels.alertname }}'\n"));
    }
}
