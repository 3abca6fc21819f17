//! What Go's regexp package (RE2 syntax), which Prometheus compiles label matchers with, rejects
//! among the patterns Rust's regex crate (which promql-parser compiles them with) accepts. Without
//! this, `x{a=~"a{99999}"}` passes here and fails `promtool check rules`.

use regex_syntax::ast::{
    self, Ast, ClassUnicodeKind, Flag, FlagsItemKind, HexLiteralKind, LiteralKind, RepetitionKind,
    RepetitionRange,
};

/// Go's limit on a counted repetition, and on the product of nested counted repetitions.
const MAX_REPEAT: u32 = 1000;

/// Go's general categories (`unicode.Categories`); scripts are checked against Rust's tables.
const GO_CATEGORIES: &[&str] = &[
    "C", "Cc", "Cf", "Co", "Cs", "L", "Ll", "Lm", "Lo", "Lt", "Lu", "M", "Mc", "Me", "Mn", "N",
    "Nd", "Nl", "No", "P", "Pc", "Pd", "Pe", "Pf", "Pi", "Po", "Ps", "S", "Sc", "Sk", "Sm", "So",
    "Z", "Zl", "Zp", "Zs", "Any",
];

/// Go's error for `pattern`, in Go's words (`error parsing regexp: …`), when Go rejects a pattern
/// that Rust accepts. `None` when Go accepts it, or when Rust does not parse it either (then
/// promql-parser reports it).
pub fn go_rejects(pattern: &str) -> Option<String> {
    let ast = ast::parse::Parser::new().parse(pattern).ok()?;
    let problem = first_problem(pattern, &ast)?;
    Some(format!("error parsing regexp: {problem}"))
}

/// The first construct of `ast` Go rejects, children before their parents as Go's parser meets
/// them. The parser's nest limit bounds the recursion.
fn first_problem(pattern: &str, ast: &Ast) -> Option<String> {
    match ast {
        Ast::Repetition(rep) => {
            first_problem(pattern, &rep.ast).or_else(|| repetition_problem(pattern, rep))
        }
        Ast::Group(group) => {
            let flags = group
                .flags()
                .map(|f| f.items.as_slice())
                .unwrap_or_default();
            flags_problem(pattern, group.span.start.offset, flags)
                .or_else(|| first_problem(pattern, &group.ast))
        }
        Ast::Flags(set) => flags_problem(pattern, set.span.start.offset, &set.flags.items),
        Ast::Alternation(alt) => alt.asts.iter().find_map(|a| first_problem(pattern, a)),
        Ast::Concat(concat) => concat.asts.iter().find_map(|a| first_problem(pattern, a)),
        Ast::Literal(literal) => literal_problem(pattern, literal),
        Ast::ClassUnicode(class) => unicode_class_problem(&class.kind).then(|| {
            format!(
                "invalid character class range: `{}`",
                span_text(pattern, &class.span)
            )
        }),
        Ast::ClassBracketed(class) => bracketed_problem(pattern, &class.kind),
        Ast::Empty(_) | Ast::Dot(_) | Ast::Assertion(_) | Ast::ClassPerl(_) => None,
    }
}

fn repetition_problem(pattern: &str, rep: &ast::Repetition) -> Option<String> {
    let op = span_text(pattern, &rep.op.span);
    // Perl syntax forbids stacking operators: `a**` is an error, not a doubled star.
    if let Ast::Repetition(inner) = rep.ast.as_ref() {
        let stacked = &pattern[inner.op.span.start.offset..rep.op.span.end.offset];
        return Some(format!("invalid nested repetition operator: `{stacked}`"));
    }
    let RepetitionKind::Range(range) = &rep.op.kind else {
        return None;
    };
    let (min, max) = bounds(range);
    if min > MAX_REPEAT
        || max.is_some_and(|m| m > MAX_REPEAT)
        || ((min >= 2 || max.is_some_and(|m| m >= 2))
            && !repeat_is_valid(&rep.ast, MAX_REPEAT / count(range)))
    {
        return Some(format!("invalid repeat count: `{op}`"));
    }
    None
}

fn bounds(range: &RepetitionRange) -> (u32, Option<u32>) {
    match *range {
        RepetitionRange::Exactly(n) => (n, Some(n)),
        RepetitionRange::AtLeast(n) => (n, None),
        RepetitionRange::Bounded(min, max) => (min, Some(max)),
    }
}

/// The count Go's `repeatIsValid` charges a counted repetition: its maximum, or its minimum
/// when unbounded; at least 1, so that `{0}` divides nothing.
fn count(range: &RepetitionRange) -> u32 {
    let (min, max) = bounds(range);
    max.unwrap_or(min).max(1)
}

/// Go's `repeatIsValid`: counted repetitions nested inside one another may not multiply past
/// 1000 (`(a{100}){100}`).
fn repeat_is_valid(ast: &Ast, budget: u32) -> bool {
    match ast {
        Ast::Repetition(rep) => match &rep.op.kind {
            RepetitionKind::Range(range) => {
                let (min, max) = bounds(range);
                let m = max.unwrap_or(min);
                m == 0 || (m <= budget && repeat_is_valid(&rep.ast, budget / m))
            }
            _ => repeat_is_valid(&rep.ast, budget),
        },
        Ast::Group(group) => repeat_is_valid(&group.ast, budget),
        Ast::Alternation(alt) => alt.asts.iter().all(|a| repeat_is_valid(a, budget)),
        Ast::Concat(concat) => concat.asts.iter().all(|a| repeat_is_valid(a, budget)),
        _ => true,
    }
}

/// Go knows the flags `i`, `m`, `s` and `U`; Rust also `u`, `R` and `x`.
fn flags_problem(pattern: &str, group_start: usize, items: &[ast::FlagsItem]) -> Option<String> {
    let bad = items.iter().find(|item| {
        matches!(
            item.kind,
            FlagsItemKind::Flag(Flag::Unicode | Flag::CRLF | Flag::IgnoreWhitespace)
        )
    })?;
    Some(format!(
        "invalid or unsupported Perl syntax: `{}`",
        &pattern[group_start..bad.span.end.offset]
    ))
}

/// Go knows general categories and scripts by their exact short names (`\p{Lu}`, `\p{Greek}`);
/// Rust also long names (`\p{Letter}`), binary properties (`\p{Alphabetic}`), `name=value`
/// forms and loose spelling (`\p{greek}`).
fn unicode_class_problem(kind: &ClassUnicodeKind) -> bool {
    match kind {
        ClassUnicodeKind::OneLetter(_) => false,
        ClassUnicodeKind::NamedValue { .. } => true,
        ClassUnicodeKind::Named(name) => {
            !(GO_CATEGORIES.contains(&name.as_str()) || is_script_name(name))
        }
    }
}

/// A script named as Go spells it: capitalised (`Greek`, `Old_Italic`), and a script for Rust.
fn is_script_name(name: &str) -> bool {
    let spelled = name.starts_with(|c: char| c.is_ascii_uppercase())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    spelled
        && regex_syntax::Parser::new()
            .parse(&format!("\\p{{Script={name}}}"))
            .is_ok()
}

/// A bracketed class's items. (Rust's class operations `&&`, `--`, `~~` are characters to Go,
/// which then mostly accepts the class with another meaning: not checked.)
fn bracketed_problem(pattern: &str, set: &ast::ClassSet) -> Option<String> {
    match set {
        ast::ClassSet::BinaryOp(_) => None,
        ast::ClassSet::Item(item) => class_item_problem(pattern, item),
    }
}

fn class_item_problem(pattern: &str, item: &ast::ClassSetItem) -> Option<String> {
    match item {
        ast::ClassSetItem::Literal(literal) => literal_problem(pattern, literal),
        ast::ClassSetItem::Range(range) => {
            literal_problem(pattern, &range.start).or_else(|| literal_problem(pattern, &range.end))
        }
        ast::ClassSetItem::Unicode(class) => unicode_class_problem(&class.kind).then(|| {
            format!(
                "invalid character class range: `{}`",
                span_text(pattern, &class.span)
            )
        }),
        ast::ClassSetItem::Bracketed(nested) => bracketed_problem(pattern, &nested.kind),
        ast::ClassSetItem::Union(union) => union
            .items
            .iter()
            .find_map(|i| class_item_problem(pattern, i)),
        _ => None,
    }
}

/// `\u0041`, `\u{41}`, `\U00000041`: Go has only `\x`.
fn literal_problem(pattern: &str, literal: &ast::Literal) -> Option<String> {
    let unicode_escape = matches!(
        literal.kind,
        LiteralKind::HexFixed(HexLiteralKind::UnicodeShort | HexLiteralKind::UnicodeLong)
            | LiteralKind::HexBrace(HexLiteralKind::UnicodeShort | HexLiteralKind::UnicodeLong)
    );
    unicode_escape.then(|| {
        format!(
            "invalid escape sequence: `{}`",
            &span_text(pattern, &literal.span)[..2]
        )
    })
}

fn span_text<'p>(pattern: &'p str, span: &ast::Span) -> &'p str {
    &pattern[span.start.offset..span.end.offset]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_go_rejects_in_its_words() {
        let cases = [
            ("a{99999}", "invalid repeat count: `{99999}`"),
            ("a{2,1001}", "invalid repeat count: `{2,1001}`"),
            ("(a{100}){100}", "invalid repeat count: `{100}`"),
            ("a**", "invalid nested repetition operator: `**`"),
            ("a{2}{3}", "invalid nested repetition operator: `{2}{3}`"),
            ("(?x) a", "invalid or unsupported Perl syntax: `(?x`"),
            ("(?iu:a)", "invalid or unsupported Perl syntax: `(?iu`"),
            ("\\u0041", "invalid escape sequence: `\\u`"),
            ("[\\u{41}-Z]", "invalid escape sequence: `\\u`"),
            (
                "\\p{Letter}",
                "invalid character class range: `\\p{Letter}`",
            ),
            (
                "\\p{Script=Greek}",
                "invalid character class range: `\\p{Script=Greek}`",
            ),
            (
                "[\\p{greek}]",
                "invalid character class range: `\\p{greek}`",
            ),
        ];
        for (pattern, expected) in cases {
            assert_eq!(
                go_rejects(pattern),
                Some(format!("error parsing regexp: {expected}")),
                "{pattern}"
            );
        }
    }

    #[test]
    fn what_both_accept() {
        for pattern in [
            "a{1000}",
            "(a{10}){100}",
            "(a*)*",
            "a*?",
            "(?i)a",
            "(?P<n>a)",
            "\\x{41}\\z\\A",
            "\\pL\\p{Lu}\\p{Greek}\\p{Old_Italic}",
            "[[:word:]]",
            ".{1,1000}|x",
            "",
        ] {
            assert_eq!(go_rejects(pattern), None, "{pattern}");
        }
    }
}
