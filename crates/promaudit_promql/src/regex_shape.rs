//! What a label matcher's regex accepts, read as Prometheus reads it: anchored at both ends, and
//! (since Prometheus 3) with `.` matching line breaks. Rules use it to tell a regex that only
//! spells out one string, or every string, from a real pattern, and to find the anchors
//! Prometheus adds anyway.

use promaudit_diagnostics::Span;
use regex_syntax::ast::{self, AssertionKind, Ast, Flag, FlagsItemKind};
use regex_syntax::hir::{Class, Hir, HirKind, Look};

/// The set of label values a regex accepts, where it has a simpler name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RegexShape {
    /// Exactly one value, maybe the empty one: `api`, `^api$`, `foo\.bar`, `(?:)`.
    Literal(String),
    /// Every value, the empty one included: `.*`, `(.*)`, `^.*$`, `.*|api`.
    Everything,
    /// Every value but the empty one: `.+`, `(.+)`.
    NonEmpty,
    /// A real pattern, or one Rust's parser does not read.
    Pattern,
}

/// The shape of `pattern`, a matcher's regex as Prometheus compiles it (wrapped in `^(?:…)$`).
pub fn shape(pattern: &str) -> RegexShape {
    let Ok(hir) = regex_syntax::ParserBuilder::new().dot_matches_new_line(true).build().parse(pattern) else {
        return RegexShape::Pattern;
    };
    let hir = without_outer_anchors(hir);
    if let Some(value) = literal(&hir) {
        RegexShape::Literal(value)
    } else if accepts_everything(&hir) {
        RegexShape::Everything
    } else if accepts_non_empty(&hir) {
        RegexShape::NonEmpty
    } else {
        RegexShape::Pattern
    }
}

/// `hir` without the `^` and `$` at its ends, which the anchoring Prometheus adds makes moot.
fn without_outer_anchors(hir: Hir) -> Hir {
    match hir.kind() {
        HirKind::Look(Look::Start | Look::End) => Hir::empty(),
        HirKind::Concat(parts) => {
            let is_start = |p: &&Hir| matches!(p.kind(), HirKind::Look(Look::Start));
            let is_end = |p: &&Hir| matches!(p.kind(), HirKind::Look(Look::End));
            let leading = parts.iter().take_while(is_start).count();
            let trailing = parts[leading..].iter().rev().take_while(is_end).count();
            Hir::concat(parts[leading..parts.len() - trailing].to_vec())
        }
        _ => hir,
    }
}

/// The one value `hir` accepts, if it accepts exactly one.
fn literal(hir: &Hir) -> Option<String> {
    match hir.kind() {
        HirKind::Empty => Some(String::new()),
        HirKind::Literal(bytes) => String::from_utf8(bytes.0.to_vec()).ok(),
        HirKind::Capture(capture) => literal(&capture.sub),
        HirKind::Concat(parts) => parts.iter().map(literal).collect(),
        _ => None,
    }
}

fn accepts_everything(hir: &Hir) -> bool {
    match hir.kind() {
        HirKind::Repetition(rep) => rep.min == 0 && rep.max.is_none() && is_any_char(&rep.sub),
        HirKind::Capture(capture) => accepts_everything(&capture.sub),
        HirKind::Alternation(branches) => branches.iter().any(accepts_everything),
        HirKind::Concat(parts) => parts.iter().all(accepts_everything),
        _ => false,
    }
}

fn accepts_non_empty(hir: &Hir) -> bool {
    match hir.kind() {
        HirKind::Repetition(rep) => rep.min == 1 && rep.max.is_none() && is_any_char(&rep.sub),
        HirKind::Capture(capture) => accepts_non_empty(&capture.sub),
        _ => false,
    }
}

fn is_any_char(hir: &Hir) -> bool {
    match hir.kind() {
        HirKind::Class(Class::Unicode(class)) => matches!(class.ranges(), [range] if range.start() == '\0' && range.end() == char::MAX),
        _ => false,
    }
}

/// The `^`, `$`, `\A` and `\z` of `pattern` that stand at its start or end, where the anchoring
/// Prometheus adds already holds, as byte spans of `pattern`. Anchors elsewhere (`a^b`) are not
/// redundant but unsatisfiable, and a multi-line flag gives `^` and `$` another meaning: neither
/// is reported.
pub fn redundant_anchors(pattern: &str) -> Vec<Span> {
    let Ok(ast) = ast::parse::Parser::new().parse(pattern) else { return Vec::new() };
    if sets_multi_line(&ast) {
        return Vec::new();
    }
    let mut found = Vec::new();
    leading_anchors(&ast, &mut found);
    trailing_anchors(&ast, &mut found);
    found.sort_by_key(|s| s.start);
    found.dedup();
    found
}

fn leading_anchors(ast: &Ast, found: &mut Vec<Span>) {
    match ast {
        Ast::Assertion(assertion) if matches!(assertion.kind, AssertionKind::StartLine | AssertionKind::StartText) => found.push(span_of(&assertion.span)),
        Ast::Group(group) => leading_anchors(&group.ast, found),
        Ast::Alternation(alternation) => alternation.asts.iter().for_each(|branch| leading_anchors(branch, found)),
        Ast::Concat(concat) => {
            // Past a start anchor or a flag setting, the next item still stands at the start.
            for item in &concat.asts {
                leading_anchors(item, found);
                let zero_width = matches!(item, Ast::Flags(_)) || matches!(item, Ast::Assertion(a) if matches!(a.kind, AssertionKind::StartLine | AssertionKind::StartText));
                if !zero_width {
                    break;
                }
            }
        }
        _ => {}
    }
}

fn trailing_anchors(ast: &Ast, found: &mut Vec<Span>) {
    match ast {
        Ast::Assertion(assertion) if matches!(assertion.kind, AssertionKind::EndLine | AssertionKind::EndText) => found.push(span_of(&assertion.span)),
        Ast::Group(group) => trailing_anchors(&group.ast, found),
        Ast::Alternation(alternation) => alternation.asts.iter().for_each(|branch| trailing_anchors(branch, found)),
        Ast::Concat(concat) => {
            for item in concat.asts.iter().rev() {
                trailing_anchors(item, found);
                if !matches!(item, Ast::Assertion(a) if matches!(a.kind, AssertionKind::EndLine | AssertionKind::EndText)) {
                    break;
                }
            }
        }
        _ => {}
    }
}

/// Whether a `(?m)` flag appears anywhere; the parser's nest limit bounds the recursion.
fn sets_multi_line(ast: &Ast) -> bool {
    let multi_line = |items: &[ast::FlagsItem]| items.iter().any(|item| item.kind == FlagsItemKind::Flag(Flag::MultiLine));
    match ast {
        Ast::Flags(set) => multi_line(&set.flags.items),
        Ast::Group(group) => group.flags().is_some_and(|f| multi_line(&f.items)) || sets_multi_line(&group.ast),
        Ast::Repetition(rep) => sets_multi_line(&rep.ast),
        Ast::Alternation(alternation) => alternation.asts.iter().any(sets_multi_line),
        Ast::Concat(concat) => concat.asts.iter().any(sets_multi_line),
        _ => false,
    }
}

fn span_of(span: &ast::Span) -> Span {
    Span::new(span.start.offset, span.end.offset)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_however_spelt() {
        for (pattern, value) in [
            ("api", "api"),
            ("^api$", "api"),
            ("foo\\.bar", "foo.bar"),
            ("foo\"bar", "foo\"bar"),
            ("(api)", "api"),
            ("[a]", "a"),
            ("", ""),
            ("(?:)", ""),
            ("^$", ""),
            ("^", ""),
        ] {
            assert_eq!(shape(pattern), RegexShape::Literal(value.into()), "{pattern}");
        }
    }

    #[test]
    fn everything_and_non_empty() {
        for pattern in [".*", "(.*)", "^.*$", ".*|api", ".*.*", "(?s:.*)", ".*?"] {
            assert_eq!(shape(pattern), RegexShape::Everything, "{pattern}");
        }
        for pattern in [".+", "(.+)", "^.+$"] {
            assert_eq!(shape(pattern), RegexShape::NonEmpty, "{pattern}");
        }
    }

    #[test]
    fn real_patterns() {
        for pattern in ["api|web", "(?i)api", "api-.*", "5..", ".*api", "[a-z]", "a^b", "(?m)^api$", "(", ".{0,5}"] {
            assert_eq!(shape(pattern), RegexShape::Pattern, "{pattern}");
        }
    }

    #[test]
    fn anchors_at_the_ends_only() {
        let anchors = |pattern: &str| redundant_anchors(pattern).iter().map(|s| &pattern[s.start..s.end]).collect::<Vec<_>>().join(" ");
        assert_eq!(anchors("^.+$"), "^ $");
        assert_eq!(anchors("(foo|^.+)$"), "^ $");
        assert_eq!(anchors("\\Aapi-.*\\z"), "\\A \\z");
        assert_eq!(anchors("(?i)^api"), "^");
        assert_eq!(anchors("^^a"), "^ ^");
        assert_eq!(anchors("a^b|c\\$"), "");
        assert_eq!(anchors("(?m)^api$"), "");
        assert_eq!(anchors("(a^)*b"), "");
    }
}
