//! A checker for the Go text/template language as Prometheus uses it in alert labels and
//! annotations: balanced actions and blocks, defined variables, known functions.

use promaudit_diagnostics::Span;

/// Variables Prometheus defines before expanding an alert template.
const PREDEFINED: &[&str] = &["$", "$labels", "$value", "$externalLabels", "$externalURL"];

/// Go's builtins and the functions Prometheus adds for alert templates.
pub const FUNCTIONS: &[&str] = &[
    "and", "call", "html", "index", "slice", "js", "len", "not", "or", "print", "printf", "println", "urlquery", "eq", "ne",
    "lt", "le", "gt", "ge", "query", "first", "label", "value", "strvalue", "args", "reReplaceAll", "safeHtml", "match",
    "title", "toUpper", "toLower", "graphLink", "tableLink", "sortByLabel", "stripPort", "stripDomain", "humanize",
    "humanize1024", "humanizeDuration", "humanizePercentage", "humanizeTimestamp", "toTime", "toDuration", "pathPrefix",
    "externalURL", "parseDuration", "now", "urlQueryEscape",
];

const KEYWORDS: &[&str] = &["if", "else", "end", "range", "with", "define", "template", "block", "break", "continue", "nil", "true", "false"];

/// What the dot holds where an action stands, which decides the fields it has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Dot {
    /// The alert's template data: `.Labels`, `.Value`, `.ExternalLabels`, `.ExternalURL`.
    Alert,
    /// One sample of `{{ range query "…" }}`: `.Labels`, `.Value`.
    Sample,
    /// Whatever `with`, another `range` or a `define` bound it to.
    Unknown,
}

impl Dot {
    /// The dot inside a block opened by `keyword` with the words of its pipeline.
    fn inside(self, keyword: &str, pipeline: &[&str]) -> Dot {
        // `range $i, $s := query …` ranges over what follows the assignment.
        let source = pipeline.iter().position(|w| *w == ":=").map_or(pipeline.first(), |at| pipeline.get(at + 1));
        match keyword {
            "if" => self,
            "range" if source == Some(&"query") => Dot::Sample,
            _ => Dot::Unknown,
        }
    }

    fn fields(self) -> (&'static [&'static str], &'static str) {
        match self {
            Dot::Alert => (&["Labels", "Value", "ExternalLabels", "ExternalURL"], "the alert's template data"),
            Dot::Sample => (&["Labels", "Value"], "a query result"),
            Dot::Unknown => (&[], ""),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateError {
    pub message: String,
    /// Relative to the template text.
    pub span: Span,
}

/// Checks a template; the first error found, if any.
pub fn check(text: &str) -> Option<TemplateError> {
    let mut checker = Checker { scopes: vec![PREDEFINED.iter().map(|v| v.to_string()).collect()], blocks: Vec::new(), dots: vec![Dot::Alert] };
    let mut pos = 0;
    while let Some(open) = text[pos..].find("{{").map(|i| pos + i) {
        let Some(close) = find_action_end(text, open + 2) else {
            return Some(error(open, open + 2, "unclosed action: `{{` has no matching `}}`"));
        };
        let mut inner_start = open + 2;
        if text[inner_start..].starts_with('-') {
            inner_start += 1;
        }
        let mut inner_end = close;
        if text[..inner_end].ends_with('-') && inner_end > inner_start {
            inner_end -= 1;
        }
        if let Err(e) = checker.action(text, inner_start, inner_end) {
            return Some(e);
        }
        pos = close + 2;
    }
    checker.blocks.last().map(|(keyword, span)| TemplateError { message: format!("`{{{{{keyword}}}}}` is never closed by `{{{{end}}}}`"), span: *span })
}

fn error(start: usize, end: usize, message: impl Into<String>) -> TemplateError {
    TemplateError { message: message.into(), span: Span::new(start, end) }
}

/// The `}}` closing an action opened just before `from`, skipping quoted strings and comments.
fn find_action_end(text: &str, from: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut i = from;
    while i + 1 < bytes.len() {
        match bytes[i] {
            b'"' | b'`' | b'\'' => i = skip_quoted(bytes, i)?,
            b'}' if bytes[i + 1] == b'}' => return Some(i),
            _ => i += 1,
        }
    }
    None
}

/// Index just past the closing quote of the literal starting at `start`.
fn skip_quoted(bytes: &[u8], start: usize) -> Option<usize> {
    let quote = bytes[start];
    let mut i = start + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if quote != b'`' => i += 2,
            b if b == quote => return Some(i + 1),
            _ => i += 1,
        }
    }
    None
}

struct Checker {
    scopes: Vec<Vec<String>>,
    /// Open blocks: keyword and its span.
    blocks: Vec<(String, Span)>,
    /// The dot at the top level and inside each open block.
    dots: Vec<Dot>,
}

impl Checker {
    fn action(&mut self, text: &str, start: usize, end: usize) -> Result<(), TemplateError> {
        let body = &text[start..end];
        let trimmed = body.trim_start();
        if trimmed.starts_with("/*") {
            return if body.trim_end().ends_with("*/") { Ok(()) } else { Err(error(start, end, "unclosed comment: `/*` needs `*/` before `}}`")) };
        }
        let tokens = tokenize(text, start, end)?;
        let Some(first) = tokens.first() else {
            return Err(error(start.saturating_sub(2), end + 2, "empty action `{{}}`"));
        };
        let first_text = &text[first.start..first.end];
        // The block's own pipeline still reads the enclosing dot.
        let dot = self.dot();
        match first_text {
            "if" | "range" | "with" | "define" | "block" => {
                let pipeline: Vec<&str> = tokens[1..].iter().map(|t| &text[t.start..t.end]).collect();
                self.blocks.push((first_text.to_string(), *first));
                self.scopes.push(Vec::new());
                self.dots.push(dot.inside(first_text, &pipeline));
            }
            "else" if self.blocks.is_empty() => {
                return Err(error(first.start, first.end, "`{{else}}` outside `{{if}}`, `{{range}}` or `{{with}}`"));
            }
            "end" => {
                if self.blocks.pop().is_none() {
                    return Err(error(first.start, first.end, "`{{end}}` without an open `{{if}}`, `{{range}}` or `{{with}}`"));
                }
                self.scopes.pop();
                self.dots.pop();
                return Ok(());
            }
            _ => {}
        }
        self.check_tokens(text, &tokens, dot)
    }

    fn dot(&self) -> Dot {
        self.dots.last().copied().unwrap_or(Dot::Unknown)
    }

    fn check_tokens(&mut self, text: &str, tokens: &[Span], dot: Dot) -> Result<(), TemplateError> {
        // `$x := …` and `range $i, $v := …` declare every variable before the assignment.
        let assignment = tokens.iter().position(|t| matches!(&text[t.start..t.end], ":=" | "="));
        for (index, token) in tokens.iter().enumerate() {
            let word = &text[token.start..token.end];
            let declares = assignment.is_some_and(|a| index < a);
            if let Some(variable) = word.strip_prefix('$') {
                let name = format!("${}", variable.split('.').next().unwrap_or(""));
                if declares {
                    self.scopes.last_mut().expect("there is always a scope").push(name);
                } else if !self.scopes.iter().flatten().any(|v| *v == name) {
                    let hint = if name == "$label" { "; did you mean `$labels`?" } else { "" };
                    return Err(error(token.start, token.start + name.len(), format!("undefined variable `{name}`{hint}")));
                }
            } else if word.starts_with('.') {
                check_field(word, token.start, dot)?;
            } else if is_identifier(word) && !KEYWORDS.contains(&word) && !FUNCTIONS.contains(&word) {
                // Fields (`.Labels`), numbers and literals start otherwise and are not checked.
                return Err(error(token.start, token.end, format!("function `{word}` is not defined")));
            }
        }
        Ok(())
    }
}

/// The first field of `.Field…` must exist on what the dot holds, or expanding the template
/// fails and the notification carries the error text. Map keys after it (`.Labels.x`) are free.
fn check_field(word: &str, start: usize, dot: Dot) -> Result<(), TemplateError> {
    let name = word[1..].split('.').next().unwrap_or_default();
    let (fields, holder) = dot.fields();
    if fields.is_empty() || !is_identifier(name) || fields.contains(&name) {
        return Ok(());
    }
    let listed = fields.iter().map(|f| format!("`.{f}`")).collect::<Vec<_>>().join(", ");
    let hint = fields.iter().find(|f| f.eq_ignore_ascii_case(name)).map(|f| format!("; did you mean `.{f}`?")).unwrap_or_default();
    let message = format!("`.{name}` is not a field of {holder} ({listed}): expanding the template fails{hint}");
    Err(error(start, start + 1 + name.len(), message))
}

fn is_identifier(word: &str) -> bool {
    word.chars().next().is_some_and(|c| c.is_alphabetic() || c == '_') && word.chars().all(|c| c.is_alphanumeric() || c == '_')
}

/// Splits an action into tokens; strings, numbers and fields become single tokens.
fn tokenize(text: &str, start: usize, end: usize) -> Result<Vec<Span>, TemplateError> {
    let bytes = text.as_bytes();
    let mut tokens = Vec::new();
    let mut i = start;
    while i < end {
        let c = bytes[i];
        let token_start = i;
        match c {
            b' ' | b'\t' | b'\n' | b'\r' => {
                i += 1;
                continue;
            }
            b'"' | b'`' | b'\'' => i = skip_quoted(bytes, i).filter(|&e| e <= end).ok_or_else(|| error(i, end, "unterminated string in action"))?,
            b'(' | b')' | b'|' | b',' => i += 1,
            b':' if bytes.get(i + 1) == Some(&b'=') => i += 2,
            b'=' => i += 1,
            _ => {
                while i < end && !matches!(bytes[i], b' ' | b'\t' | b'\n' | b'\r' | b'(' | b')' | b'|' | b',' | b'"' | b'`' | b'\'' | b'=') && !(bytes[i] == b':' && bytes.get(i + 1) == Some(&b'=')) {
                    i += 1;
                }
            }
        }
        tokens.push(Span::new(token_start, i));
    }
    Ok(tokens)
}

/// `$labels.name` and `.Labels.name` inside `{{ … }}` actions: the label and the span of the
/// whole reference.
pub fn label_references(text: &str) -> Vec<(String, Span)> {
    references(text, ["$labels.", ".Labels."])
}

/// `$externalLabels.name` and `.ExternalLabels.name`: the server's external labels.
pub fn external_label_references(text: &str) -> Vec<(String, Span)> {
    references(text, ["$externalLabels.", ".ExternalLabels."])
}

/// Keys of the alert's `variable` (`$labels.`) or dot `field` (`.Labels.`) map in `text`'s actions.
fn references(text: &str, [variable, field]: [&str; 2]) -> Vec<(String, Span)> {
    let mut found = Vec::new();
    for (start, end, dot) in actions_with_dot(text) {
        let action = &text[start..end];
        for prefix in [variable, field] {
            for (at, _) in action.match_indices(prefix) {
                // `.Labels.` inside `$foo.Labels.` is not the alert's labels, nor is the
                // `.Labels.` of a `range query` sample; `$.Labels.` always is.
                let rooted = action[..at].ends_with('$');
                if prefix == field && !rooted && (action[..at].ends_with(|c: char| c.is_alphanumeric() || c == '_') || dot != Dot::Alert) {
                    continue;
                }
                let name_start = at + prefix.len();
                let length = action[name_start..].find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(action.len() - name_start);
                if length > 0 {
                    let name = action[name_start..name_start + length].to_string();
                    found.push((name, Span::new(start + at, start + name_start + length)));
                }
            }
        }
    }
    found
}

/// `$value` and `.Value` inside `{{ … }}` actions.
pub fn value_references(text: &str) -> Vec<Span> {
    let mut found = Vec::new();
    for (start, end, dot) in actions_with_dot(text) {
        let action = &text[start..end];
        for word in ["$value", ".Value"] {
            for (at, _) in action.match_indices(word) {
                let after = action[at + word.len()..].chars().next();
                let alerts = word == "$value" || dot == Dot::Alert || action[..at].ends_with('$');
                if alerts && !after.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                    found.push(Span::new(start + at, start + at + word.len()));
                }
            }
        }
    }
    found
}

/// The actions with the dot each reads (`range` and `with` rebind it inside their blocks).
fn actions_with_dot(text: &str) -> Vec<(usize, usize, Dot)> {
    let mut dots = vec![Dot::Alert];
    let mut found = Vec::new();
    for (start, end) in actions(text) {
        let words: Vec<&str> = text[start..end].trim_matches('-').split_whitespace().collect();
        let dot = dots.last().copied().unwrap_or(Dot::Unknown);
        match words.first().copied() {
            Some(keyword @ ("if" | "range" | "with" | "define" | "block")) => dots.push(dot.inside(keyword, &words[1..])),
            Some("end") if dots.len() > 1 => drop(dots.pop()),
            _ => {}
        }
        found.push((start, end, dot));
    }
    found
}

/// Byte ranges of the insides of `{{ … }}` actions.
fn actions(text: &str) -> Vec<(usize, usize)> {
    let mut ranges = Vec::new();
    let mut from = 0;
    while let Some(open) = text[from..].find("{{").map(|i| from + i + 2) {
        let Some(close) = find_action_end(text, open) else { break };
        ranges.push((open, close));
        from = close;
    }
    ranges
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(text: &str) -> Option<(String, &str)> {
        check(text).map(|e| (e.message, &text[e.span.start..e.span.end]))
    }

    #[test]
    fn prometheus_templates_pass() {
        for ok in [
            "Instance {{ $labels.instance }} down",
            "{{ $value | humanizePercentage }}",
            "{{ with query \"up\" }}{{ . | first | value }}{{ end }}",
            "{{- if gt $value 0.5 -}}high{{- else -}}low{{- end }}",
            "{{ $x := $labels.job }}{{ $x }}",
            "{{/* a comment */}}",
            "{{ range $i, $v := $labels }}{{ $i }}={{ $v }}{{ end }}",
            "{{ printf \"%.2f\" $value }} and }} literal",
        ] {
            assert_eq!(message(ok), None, "{ok}");
        }
    }

    #[test]
    fn errors_point_at_the_culprit() {
        assert_eq!(message("Instance {{ $label.foo }} down"), Some(("undefined variable `$label`; did you mean `$labels`?".into(), "$label")));
        assert_eq!(message("{{ humanise $value }}"), Some(("function `humanise` is not defined".into(), "humanise")));
        assert_eq!(message("{{ if $value }}x"), Some(("`{{if}}` is never closed by `{{end}}`".into(), "if")));
        assert_eq!(message("x {{ end }}"), Some(("`{{end}}` without an open `{{if}}`, `{{range}}` or `{{with}}`".into(), "end")));
        assert_eq!(message("a {{ $value "), Some(("unclosed action: `{{` has no matching `}}`".into(), "{{")));
        assert_eq!(message("{{ $x }}"), Some(("undefined variable `$x`".into(), "$x")));
    }

    #[test]
    fn fields_must_exist_on_what_the_dot_holds() {
        let bad = "{{ range query \"up == 0\" }}{{ .labels.fqdn }} {{ end }}";
        assert_eq!(message(bad).map(|m| m.1), Some(".labels"));
        assert!(message(bad).unwrap().0.contains("a query result (`.Labels`, `.Value`)"));
        assert_eq!(message("{{ .ExternalUrl }}").map(|m| m.1), Some(".ExternalUrl"));
        for ok in [
            "{{ range query \"up\" }}{{ .Labels.instance }}={{ .Value }}{{ end }}",
            "{{ range $i, $s := query \"up\" }}{{ .Labels.job }}{{ end }}",
            "{{ with $labels.instance }}{{ .anything }}{{ end }}",
            "{{ .Labels.instance }} {{ .ExternalURL }} {{ if .Value }}{{ .Labels.job }}{{ end }}",
        ] {
            assert_eq!(message(ok), None, "{ok}");
        }
    }

    #[test]
    fn references_inside_range_query_are_the_samples() {
        let text = "{{ $labels.job }}: {{ range query \"up\" }}{{ .Labels.instance }} {{ $.Labels.env }} {{ .Value }}{{ end }} {{ .Labels.pod }}";
        let names: Vec<String> = label_references(text).into_iter().map(|(name, _)| name).collect();
        assert_eq!(names, ["job", "env", "pod"]);
        assert_eq!(value_references(text), Vec::new());
    }

    #[test]
    fn scoped_variables_end_with_their_block() {
        assert!(message("{{ if true }}{{ $x := 1 }}{{ end }}{{ $x }}").is_some());
    }
}
