//! Diagnostics are plain data: a rule code, a severity, a message and exact byte spans into
//! the checked file. Rendering them (human, JSON, …) lives in [`render`] and never changes them.

pub mod render;

/// `eprintln!` that cannot panic: with stderr closed (`promaudit check 2>&1 | head -1`, an editor
/// that stopped reading the language server's log) the line is lost and the program goes on.
#[macro_export]
macro_rules! stderr_line {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}

/// Where each rule's documentation is published: `docs/rules/<code>.md` of the repository. SARIF
/// and the language server link to it.
pub const RULE_DOCS_BASE: &str = "https://github.com/promaudit/promaudit/blob/main/docs/rules/";

/// The documentation page of the rule with this code.
pub fn rule_docs_uri(code: &str) -> String {
    format!("{RULE_DOCS_BASE}{code}.md")
}

use serde::Serialize;
use std::fmt;

/// The start offset of every line. Lines end at `\n`, `\r\n` or a lone `\r` (old Mac files, and
/// what YAML and the Language Server Protocol count as line breaks too).
pub fn line_starts(text: &str) -> Vec<usize> {
    let bytes = text.as_bytes();
    let mut starts = vec![0];
    // A vectorised search for either byte: this runs over every byte of every file.
    for i in memchr::memchr2_iter(b'\n', b'\r', bytes) {
        if bytes[i] == b'\n' || bytes.get(i + 1) != Some(&b'\n') {
            starts.push(i + 1);
        }
    }
    starts
}

/// A half-open byte range `[start, end)` into a file's bytes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Self {
        debug_assert!(start <= end, "span {start}..{end} is reversed");
        Span { start, end }
    }

    pub fn empty(at: usize) -> Self {
        Span { start: at, end: at }
    }

    pub fn len(&self) -> usize {
        self.end - self.start
    }

    pub fn is_empty(&self) -> bool {
        self.start == self.end
    }

    /// Moves a span that is relative to some text starting at `base` into absolute terms.
    pub fn shift(self, base: usize) -> Self {
        Span::new(self.start + base, self.end + base)
    }

    /// The smallest span covering both.
    pub fn cover(self, other: Span) -> Self {
        Span::new(self.start.min(other.start), self.end.max(other.end))
    }

    pub fn contains(&self, offset: usize) -> bool {
        self.start <= offset && offset < self.end
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "info" => Some(Severity::Info),
            "warning" | "warn" => Some(Severity::Warning),
            "error" => Some(Severity::Error),
            _ => None,
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A secondary location that explains the primary one ("defined here", "this side lacks `x`").
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Label {
    pub span: Span,
    pub message: String,
}

/// One finding. `span` is the exact byte range in the file the diagnostic belongs to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    /// Stable rule code, `family/name`.
    pub code: &'static str,
    pub severity: Severity,
    pub message: String,
    pub span: Span,
    pub labels: Vec<Label>,
    /// What to write instead.
    pub help: Option<String>,
    /// Context that is neither the problem nor the fix (e.g. "skipped: Helm template").
    pub note: Option<String>,
    /// A mechanical fix, when one is unambiguous.
    pub fix: Option<Fix>,
}

/// Replace the bytes of `span` with `replacement` (an insertion when `span` is empty).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Edit {
    pub span: Span,
    pub replacement: String,
}

impl Edit {
    pub fn insert(at: usize, text: impl Into<String>) -> Self {
        Edit { span: Span::empty(at), replacement: text.into() }
    }

    pub fn delete(span: Span) -> Self {
        Edit { span, replacement: String::new() }
    }
}

/// A change that resolves a diagnostic: a title for the editor's menu ("Add `le` to `by (…)`")
/// and edits to the same file, in file byte offsets, not overlapping.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Fix {
    pub title: String,
    pub edits: Vec<Edit>,
}

impl Fix {
    pub fn new(title: impl Into<String>, edits: Vec<Edit>) -> Self {
        Fix { title: title.into(), edits }
    }

    /// `text` with the edits applied.
    pub fn apply(&self, text: &str) -> String {
        let mut edits: Vec<&Edit> = self.edits.iter().collect();
        edits.sort_by_key(|e| std::cmp::Reverse(e.span.start));
        let mut result = text.to_string();
        for edit in edits {
            result.replace_range(edit.span.start..edit.span.end, &edit.replacement);
        }
        result
    }
}

impl Diagnostic {
    pub fn new(code: &'static str, severity: Severity, span: Span, message: impl Into<String>) -> Self {
        Diagnostic { code, severity, message: message.into(), span, labels: Vec::new(), help: None, note: None, fix: None }
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn with_note(mut self, note: impl Into<String>) -> Self {
        self.note = Some(note.into());
        self
    }

    pub fn with_fix(mut self, fix: Fix) -> Self {
        self.fix = Some(fix);
        self
    }

    pub fn with_label(mut self, span: Span, message: impl Into<String>) -> Self {
        self.labels.push(Label { span, message: message.into() });
        self
    }
}
