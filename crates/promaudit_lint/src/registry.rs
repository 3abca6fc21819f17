//! Rule metadata, the `Rule` trait and the registry. Everything that lists rules (`promaudit
//! rules`, `promaudit explain`, docs/rules/, the README table) reads it from here.

use crate::context::FileContext;
use promaudit_diagnostics::{Diagnostic, Severity, Span};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Category {
    /// Files or expressions Prometheus, Grafana or the SLO tool would reject or misread.
    Correctness,
    /// Probably wrong: works, but rarely means what its author intended.
    Suspicious,
    Style,
    Performance,
    /// Notes about what was not checked, and why.
    Coverage,
}

impl Category {
    pub const ALL: [Category; 5] = [Category::Correctness, Category::Suspicious, Category::Style, Category::Performance, Category::Coverage];

    pub fn as_str(self) -> &'static str {
        match self {
            Category::Correctness => "correctness",
            Category::Suspicious => "suspicious",
            Category::Style => "style",
            Category::Performance => "performance",
            Category::Coverage => "coverage",
        }
    }
}

/// Everything about a rule except its check, declared once per rule file.
#[derive(Debug)]
pub struct RuleMeta {
    /// Stable `family/name` code.
    pub code: &'static str,
    pub category: Category,
    pub severity: Severity,
    /// One line: what the rule finds.
    pub summary: &'static str,
    /// Markdown with the headings What it finds / Why it matters / Example / Fix.
    pub docs: &'static str,
    /// What the mechanical fix some of its diagnostics carry does, if it has one.
    pub fix: Option<&'static str>,
}

/// The optional `fix:` of [`declare_rule!`]: none or one description.
pub const fn optional_fix(given: &[&'static str]) -> Option<&'static str> {
    match given {
        [fix] => Some(fix),
        _ => None,
    }
}

impl RuleMeta {
    pub fn diagnostic(&'static self, span: Span, message: impl Into<String>) -> Diagnostic {
        Diagnostic::new(self.code, self.severity, span, message)
    }
}

pub trait Rule: Sync {
    fn meta(&self) -> &'static RuleMeta;
    fn check(&self, cx: &FileContext, out: &mut Vec<Diagnostic>);
}

/// Declares a rule's type and metadata from its doc comment, which is the rule's documentation.
///
/// ```ignore
/// declare_rule! {
///     /// ## What it finds
///     /// …
///     pub RecordAndAlert {
///         code: "rulefmt/record-and-alert",
///         category: Correctness,
///         severity: Error,
///         summary: "A rule sets both `record` and `alert`",
///         // Optional: what the fix its diagnostics may carry does.
///         fix: "…",
///     }
/// }
/// ```
#[macro_export]
macro_rules! declare_rule {
    (
        $(#[doc = $doc:literal])*
        pub $name:ident {
            code: $code:literal,
            category: $category:ident,
            severity: $severity:ident,
            summary: $summary:literal
            $(, fix: $fix:literal)? $(,)?
        }
    ) => {
        $(#[doc = $doc])*
        pub struct $name;

        impl $name {
            pub const META: $crate::registry::RuleMeta = $crate::registry::RuleMeta {
                code: $code,
                category: $crate::registry::Category::$category,
                severity: promaudit_diagnostics::Severity::$severity,
                summary: $summary,
                docs: concat!($($doc, "\n"),*),
                fix: $crate::registry::optional_fix(&[$($fix)?]),
            };
        }
    };
}

pub fn all_rules() -> &'static [&'static dyn Rule] {
    crate::rules::ALL
}

pub fn find_rule(code: &str) -> Option<&'static dyn Rule> {
    all_rules().iter().copied().find(|r| r.meta().code == code)
}

/// The docs with the doc comment's single leading space removed from each line.
pub fn docs_markdown(meta: &RuleMeta) -> String {
    meta.docs.lines().map(|l| l.strip_prefix(' ').unwrap_or(l)).collect::<Vec<_>>().join("\n")
}
