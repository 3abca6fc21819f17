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
    substitute_with(query, &[])
}

/// Like [`substitute`], with the values of variables the dashboard defines (`name`, `value`):
/// where the place does not say what a variable stands for (`topk by (job) ($k, …)`,
/// `up $op on (job) …`), its value does.
pub fn substitute_with(query: &str, values: &[(String, String)]) -> Substituted {
    let mut out = Substituted { text: String::with_capacity(query.len()), map: OffsetMap::default(), placeholders: Vec::new() };
    let bytes = query.as_bytes();
    let mut scanner = ContextScanner::default();
    let mut closers = Closers::default();
    let mut run_start = 0;
    let mut i = 0;
    while i < bytes.len() {
        // A placeholder in a `#` comment is never expanded into the query Prometheus reads.
        let found = if scanner.in_comment { None } else { placeholder_at(query, i, scanner.in_string.is_some(), &mut closers) };
        let Some((len, name, kind)) = found else {
            scanner.advance(query, i);
            i += query[i..].chars().next().map_or(1, char::len_utf8);
            continue;
        };
        out.text.push_str(&query[run_start..i]);
        out.map.push_verbatim(i - run_start, run_start);
        let replacement = replacement(scanner.context(), &name, kind, values);
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

fn replacement(context: Context, name: &str, kind: PlaceholderKind, values: &[(String, String)]) -> String {
    let is_number_macro = kind == PlaceholderKind::Builtin && NUMBER_MACROS.contains(&name);
    let value = values.iter().find(|(n, v)| n == name && is_promql_token(v)).map(|(_, v)| v);
    match (context, value) {
        _ if is_number_macro => "1".into(),
        (Context::Identifier, Some(value)) if kind == PlaceholderKind::Variable => value.clone(),
        (Context::Duration, _) => "5m".into(),
        (Context::Number, _) => "1".into(),
        (Context::String, _) => identifier(name),
        (Context::Identifier, _) if kind == PlaceholderKind::Unknown => "unknown_placeholder".into(),
        (Context::Identifier, _) => identifier(name),
    }
}

/// A value that stands as one PromQL token: a number, a name or keyword (`or`, `sum`), an
/// operator. Anything else (`$__all`, `a|b`) would make a syntax error of its own.
fn is_promql_token(value: &str) -> bool {
    const OPERATORS: &[&str] = &["==", "!=", ">=", "<=", ">", "<", "+", "-", "*", "/", "%", "^"];
    let word = !value.is_empty() && value.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b':');
    word || value.parse::<f64>().is_ok() || OPERATORS.contains(&value)
}

/// The variable a whole text names (`$ds`, `${ds}`, `[[ds]]`), as data source fields do.
pub fn sole_variable(text: &str) -> Option<String> {
    let (len, name, kind) = placeholder_at(text, 0, false, &mut Closers::default())?;
    (len == text.len() && kind == PlaceholderKind::Variable).then_some(name)
}

/// A valid PromQL identifier derived from a variable name.
fn identifier(name: &str) -> String {
    let cleaned: String = name.chars().map(|c| if c.is_ascii_alphanumeric() || c == '_' { c } else { '_' }).collect();
    if cleaned.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') { cleaned } else { format!("v_{cleaned}") }
}

/// A placeholder starting at `at`: its length, name and kind. `closers` serves every call
/// on one query, at growing offsets.
fn placeholder_at(query: &str, at: usize, in_string: bool, closers: &mut Closers) -> Option<(usize, String, PlaceholderKind)> {
    let rest = &query[at..];
    let body_start = at + 2;
    if rest.starts_with("{{") {
        let body = &query[body_start..closers.double_braces.find(query, "}}", body_start)?];
        let action = body.trim().trim_start_matches('-').trim_end_matches('-').trim();
        let kind = if action == ".window" { PlaceholderKind::Window } else { PlaceholderKind::Unknown };
        return Some((body.len() + 4, action.to_string(), kind));
    }
    if rest.starts_with("[[") {
        let body = &query[body_start..closers.double_brackets.find(query, "]]", body_start)?];
        let name = body.split(':').next().unwrap_or("");
        return is_variable_name(name).then(|| (body.len() + 4, name.to_string(), kind_of(name)));
    }
    if rest.starts_with("${") {
        let body = &query[body_start..closers.brace.find(query, "}", body_start)?];
        let name = body.split(':').next().unwrap_or("");
        return is_variable_name(name).then(|| (body.len() + 3, name.to_string(), kind_of(name)));
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

/// Where the closers of `{{`, `[[` and `${` are next found. Each search resumes from the last
/// one's answer, so that a query of many openers and no closer takes linear time, not quadratic.
#[derive(Default)]
struct Closers {
    double_braces: NextMatch,
    double_brackets: NextMatch,
    brace: NextMatch,
}

/// The last search for one pattern: where it started and what it found.
#[derive(Default)]
struct NextMatch {
    searched_from: Option<usize>,
    found: Option<usize>,
}

impl NextMatch {
    /// The offset of the first `pattern` in `text` at or after `from`.
    fn find(&mut self, text: &str, pattern: &str, from: usize) -> Option<usize> {
        // Nothing lies between the last search's start and its answer: past the start and not
        // past the answer, the answer stands.
        let answer_stands = self.searched_from.is_some_and(|start| start <= from) && self.found.is_none_or(|found| found >= from);
        if !answer_stands {
            self.searched_from = Some(from);
            self.found = text[from..].find(pattern).map(|i| from + i);
        }
        self.found
    }
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
    /// In a `#` comment, which runs to the end of its line.
    in_comment: bool,
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
        if self.in_comment {
            self.in_comment = b != b'\n';
            return;
        }
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
            b'#' => {
                self.in_comment = true;
                return;
            }
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
    // JSON holds templates only in strings, whose reader owns them (LogQL's `line_format "{{.msg}}"`).
    let json = crate::extract::looks_like_json(text);
    // Open blocks, each true for `range`/`with`, which rebind the dot to a value of their own;
    // and how many of them are true.
    let (mut blocks, mut rebinding): (Vec<bool>, usize) = (Vec::new(), 0);
    // The start of the line of the last `{{` met, kept as the scan goes so that no text is
    // searched for line breaks twice.
    let (mut line_start, mut last_open) = (0, 0);
    // Files are scanned whole, most of them without a template: a vectorised search.
    let (opens, closes) = (memchr::memmem::Finder::new("{{"), memchr::memmem::Finder::new("}}"));
    let mut from = 0;
    while let Some(open) = opens.find(&text.as_bytes()[from..]).map(|i| from + i) {
        if let Some(newline) = text[last_open..open].rfind(['\n', '\r']) {
            line_start = last_open + newline + 1;
        }
        last_open = open;
        let after = &text[open + 2..];
        let Some(close) = closes.find(after.as_bytes()) else { break };
        let action = after[..close].trim_start_matches('-').trim();
        let keyword = action.split_whitespace().next().unwrap_or_default();
        // A template that writes a template (`{{"{{$labels.x}}"}}`, `{{ printf "{{ … }}" }}`).
        let writes_template = opens.find(&after.as_bytes()[..close]).is_some();
        let helm = action.split(' ').any(is_helm_word);
        // `{{ .version }}`: a lowercase data field; Prometheus and Alertmanager data is `.Labels`,
        // `.Value`, `.GroupLabels`, and Sloth's query window is `{{.window}}`.
        // Inside `range`/`with` the field is the element's (`{{ range query "…" }}{{ .labels.x }}`):
        // the alert template's own business.
        let lowercase_field = !json && rebinding == 0 && action.strip_prefix('.').is_some_and(|f| f.starts_with(|c: char| c.is_ascii_lowercase()) && f != "window");
        // `{{- if … }}` on a line of its own templates the YAML structure itself.
        let own_line = after[..close].starts_with('-') && text[line_start..open].trim().is_empty();
        if writes_template || helm || lowercase_field || own_line {
            return true;
        }
        match keyword {
            "range" | "with" => {
                blocks.push(true);
                rebinding += 1;
            }
            "if" | "define" | "block" => blocks.push(false),
            // The block closes whichever it is; only a rebinding one is uncounted.
            "end" if blocks.pop() == Some(true) => rebinding -= 1,
            _ => {}
        }
        from = open + 2 + close + 2;
    }
    false
}

/// A word of a template action that only Helm gives meaning to: its objects and functions.
fn is_helm_word(word: &str) -> bool {
    const OBJECTS: &[&str] = &[".Values", ".Release", ".Chart", ".Capabilities", "$.Values", "toYaml"];
    OBJECTS.iter().any(|o| word.starts_with(o)) || matches!(word, "include" | "template" | "tpl")
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
    fn known_values_stand_where_the_place_says_nothing() {
        let values = [("k".to_string(), "4".to_string()), ("op".to_string(), "unless".to_string()), ("all".to_string(), "$__all".to_string())];
        let with = |query: &str| substitute_with(query, &values).text;
        assert_eq!(with("topk by (job) ($k, x)"), "topk by (job) (4, x)");
        assert_eq!(with("up $op on (job) x"), "up unless on (job) x");
        // Strings and brackets keep their shape; a value that is no token falls back.
        assert_eq!(with("x{a=\"$k\"}[$k] > $k"), "x{a=\"k\"}[5m] > 1");
        assert_eq!(with("sum by ($all) (x)"), "sum by (all) (x)");
    }

    #[test]
    fn comments_run_to_the_end_of_their_line() {
        assert_eq!(substituted("# what we're reading $x\nrate(x[$__rate_interval])"), "# what we're reading $x\nrate(x[5m])");
        assert_eq!(substitute("# {{ if .a }}\nx").placeholders, Vec::new());
        assert_eq!(substituted("x{a=\"#$b\"}"), "x{a=\"#b\"}");
    }

    #[test]
    fn a_data_source_field_names_one_variable() {
        assert_eq!(sole_variable("$loki_ds").as_deref(), Some("loki_ds"));
        assert_eq!(sole_variable("${ds}").as_deref(), Some("ds"));
        assert_eq!(sole_variable("$ds-2"), None);
        assert_eq!(sole_variable("prometheus"), None);
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
    fn many_openers_without_closers_take_linear_time() {
        // A fuzzed Sloth query of 167,000 `[` took minutes: each `[[` searched the rest for `]]`.
        let started = std::time::Instant::now();
        for opener in ["[[", "{{", "${"] {
            let query = format!("sum(rate(x{}[5m]))", opener.repeat(100_000));
            assert_eq!(substitute(&query).placeholders, []);
        }
        let template = format!("summary: {}\n", "{{ if x }}{{- .Value }}".repeat(50_000));
        assert!(!looks_like_go_template(&template));
        // Minutes before; a busy machine running a debug build stays far below this.
        assert!(started.elapsed() < std::time::Duration::from_secs(10), "took {:?}", started.elapsed());
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

    #[test]
    fn a_dot_field_of_a_range_element_or_a_json_string_is_no_go_templated_file() {
        assert!(!looks_like_go_template("summary: '{{ range query \"up\" }}{{ .labels.fqdn }} {{ end }}'\n"));
        assert!(looks_like_go_template("summary: '{{ range query \"up\" }}{{ end }}{{ .version }}'\n"));
        assert!(!looks_like_go_template("{\"expr\": \"{job=\\\"x\\\"} | line_format \\\"{{.msg}}\\\"\"}"));
        assert!(looks_like_go_template("{\"expr\": \"{{ .Values.metric }}\"}"));
    }
}
