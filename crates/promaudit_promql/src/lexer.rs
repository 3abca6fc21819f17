//! A PromQL lexer that keeps every token's byte span, so that node spans and syntax errors can
//! be placed exactly (promql-parser's own lexer drops positions on errors).

use promaudit_diagnostics::Span;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tok {
    Ident,
    Number,
    Duration,
    String,
    LParen,
    RParen,
    LBrace,
    RBrace,
    LBracket,
    RBracket,
    Comma,
    Colon,
    /// `=` in a matcher.
    Assign,
    /// `==`, `!=`, `<`, `<=`, `>`, `>=`.
    Comparison,
    /// `=~`, `!~`.
    RegexMatch,
    Plus,
    Minus,
    /// `*`, `/`, `%`.
    MulDiv,
    Pow,
    At,
    Eof,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Token {
    pub kind: Tok,
    pub span: Span,
}

impl Token {
    /// Whether this is the keyword `keyword`, given in lowercase: PromQL's keywords, aggregation
    /// operators and set operators ignore case (`OFFSET`, `Sum`, `OR`).
    pub fn is_keyword(&self, text: &str, keyword: &str) -> bool {
        self.kind == Tok::Ident && text[self.span.start..self.span.end].eq_ignore_ascii_case(keyword)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LexError {
    pub message: String,
    pub span: Span,
}

pub fn lex(text: &str) -> Result<Vec<Token>, LexError> {
    let bytes = text.as_bytes();
    let mut tokens = Vec::with_capacity(text.len() / 3);
    let mut i = 0;
    while i < bytes.len() {
        let start = i;
        let b = bytes[i];
        let kind = match b {
            b' ' | b'\t' | b'\n' | b'\r' => {
                i += 1;
                continue;
            }
            b'#' => {
                i += text[i..].find('\n').unwrap_or(text.len() - i);
                continue;
            }
            b'(' => one(&mut i, Tok::LParen),
            b')' => one(&mut i, Tok::RParen),
            b'{' => one(&mut i, Tok::LBrace),
            b'}' => one(&mut i, Tok::RBrace),
            b'[' => one(&mut i, Tok::LBracket),
            b']' => one(&mut i, Tok::RBracket),
            b',' => one(&mut i, Tok::Comma),
            b':' => one(&mut i, Tok::Colon),
            b'+' => one(&mut i, Tok::Plus),
            b'-' => one(&mut i, Tok::Minus),
            b'*' | b'/' | b'%' => one(&mut i, Tok::MulDiv),
            b'^' => one(&mut i, Tok::Pow),
            b'@' => one(&mut i, Tok::At),
            b'=' => match bytes.get(i + 1) {
                Some(b'=') => two(&mut i, Tok::Comparison),
                Some(b'~') => two(&mut i, Tok::RegexMatch),
                _ => one(&mut i, Tok::Assign),
            },
            b'!' => match bytes.get(i + 1) {
                Some(b'=') => two(&mut i, Tok::Comparison),
                Some(b'~') => two(&mut i, Tok::RegexMatch),
                _ => return Err(error(text, i, "unexpected `!`; did you mean `!=` or `!~`?")),
            },
            b'<' | b'>' => {
                i += if bytes.get(i + 1) == Some(&b'=') { 2 } else { 1 };
                Tok::Comparison
            }
            b'"' | b'\'' | b'`' => {
                i = string_end(text, i)?;
                Tok::String
            }
            b'0'..=b'9' | b'.' => {
                i = number_end(bytes, i);
                if i == start {
                    return Err(error(text, start, "unexpected `.`"));
                }
                if is_duration(&text[start..i]) { Tok::Duration } else { Tok::Number }
            }
            _ if b.is_ascii_alphabetic() || b == b'_' => {
                while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_' || bytes[i] == b':') {
                    i += 1;
                }
                Tok::Ident
            }
            _ => {
                let c = text[i..].chars().next().unwrap_or('?');
                return Err(error(text, i, &format!("unexpected character `{c}`")));
            }
        };
        tokens.push(Token { kind, span: Span::new(start, i) });
    }
    tokens.push(Token { kind: Tok::Eof, span: Span::empty(text.len()) });
    Ok(tokens)
}

fn one(i: &mut usize, kind: Tok) -> Tok {
    *i += 1;
    kind
}

fn two(i: &mut usize, kind: Tok) -> Tok {
    *i += 2;
    kind
}

fn error(text: &str, at: usize, message: &str) -> LexError {
    let len = text[at..].chars().next().map_or(0, char::len_utf8);
    LexError { message: message.to_string(), span: Span::new(at, at + len) }
}

/// The offset after the string literal starting at `start`.
fn string_end(text: &str, start: usize) -> Result<usize, LexError> {
    let bytes = text.as_bytes();
    let quote = bytes[start];
    let mut i = start + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if quote != b'`' => i += 2,
            b'\n' if quote != b'`' => break,
            b if b == quote => return Ok(i + 1),
            _ => i += 1,
        }
    }
    Err(LexError { message: "unterminated string".into(), span: Span::new(start, start + 1) })
}

/// Numbers (`1`, `1.5e3`, `0x1F`, `.5`) and durations (`5m`, `1h30m`, `100ms`) share a start.
fn number_end(bytes: &[u8], start: usize) -> usize {
    let mut i = start;
    if bytes[i..].starts_with(b"0x") || bytes[i..].starts_with(b"0X") {
        i += 2;
        while i < bytes.len() && bytes[i].is_ascii_hexdigit() {
            i += 1;
        }
        return i;
    }
    while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'.' || bytes[i] == b'_') {
        // An exponent's sign belongs to the number.
        if (bytes[i] == b'e' || bytes[i] == b'E') && matches!(bytes.get(i + 1), Some(b'+' | b'-')) && bytes[start..i].iter().all(|b| b.is_ascii_digit() || *b == b'.') {
            i += 2;
            continue;
        }
        i += 1;
    }
    i
}

fn is_duration(text: &str) -> bool {
    let units = ["ms", "s", "m", "h", "d", "w", "y"];
    let mut rest = text;
    let mut any = false;
    while !rest.is_empty() {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return false;
        }
        rest = &rest[digits..];
        let Some(unit) = units.iter().find(|u| rest.starts_with(*u)) else { return false };
        rest = &rest[unit.len()..];
        any = true;
    }
    any
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str) -> Vec<Tok> {
        lex(text).unwrap().into_iter().map(|t| t.kind).collect()
    }

    #[test]
    fn tokens() {
        use Tok::*;
        assert_eq!(kinds("rate(x{a=~\"b\"}[5m]) > 1e3"), [Ident, LParen, Ident, LBrace, Ident, RegexMatch, String, RBrace, LBracket, Duration, RBracket, RParen, Comparison, Number, Eof]);
        assert_eq!(kinds("a:b:c offset 1h30m"), [Ident, Ident, Duration, Eof]);
        assert_eq!(kinds("0x1F + .5 - 2e-3"), [Number, Plus, Number, Minus, Number, Eof]);
    }

    #[test]
    fn errors() {
        assert_eq!(lex("x{a=\"b}").unwrap_err().span, Span::new(4, 5));
        assert_eq!(lex("x ! y").unwrap_err().span, Span::new(2, 3));
        assert_eq!(lex("x € y").unwrap_err().span, Span::new(2, 5));
    }
}
