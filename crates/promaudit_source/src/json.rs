//! JSON loading into the span-carrying [`Node`] tree. A small hand-written parser: it gives every
//! value and key its exact span, reports errors where they occur, and has an explicit stack, so
//! that deep input is an error rather than a stack overflow. (serde_json's `RawValue` would need
//! one re-parse per nesting level to recover the same spans.)

use crate::scalar::whole_token;
use crate::tree::{Node, Scalar, ScalarStyle, Value};
use crate::{LoadError, OffsetMap};
use promaudit_diagnostics::Span;
use std::collections::HashMap;

/// Real dashboards nest a dozen levels; this is far beyond any of them.
const MAX_DEPTH: usize = 512;

pub fn load_json(text: &str) -> Result<Node, LoadError> {
    let mut parser = JsonParser { text, bytes: text.as_bytes(), pos: 0 };
    parser.pos = if text.starts_with('\u{feff}') { 3 } else { 0 };
    let root = parser.document()?;
    parser.skip_whitespace();
    if parser.pos < text.len() {
        return Err(parser.error_here("unexpected content after the JSON document"));
    }
    Ok(root)
}

/// A container under construction.
enum Frame {
    Array { start: usize, items: Vec<Node> },
    Object { start: usize, entries: Vec<(Node, Node)>, key: Option<Node> },
}

struct JsonParser<'t> {
    text: &'t str,
    bytes: &'t [u8],
    pos: usize,
}

impl JsonParser<'_> {
    fn document(&mut self) -> Result<Node, LoadError> {
        let mut stack: Vec<Frame> = Vec::new();
        loop {
            self.skip_whitespace();
            // Read a value (or open a container).
            let mut value = match self.peek() {
                Some(b'[') | Some(b'{') => {
                    if stack.len() >= MAX_DEPTH {
                        return Err(self.error_here(&format!("JSON nested deeper than {MAX_DEPTH} levels")));
                    }
                    let start = self.pos;
                    self.pos += 1;
                    self.skip_whitespace();
                    if self.bytes[start] == b'[' {
                        if self.peek() == Some(b']') {
                            self.pos += 1;
                            Some(Node { span: Span::new(start, self.pos), value: Value::Seq(Vec::new()) })
                        } else {
                            stack.push(Frame::Array { start, items: Vec::new() });
                            None
                        }
                    } else if self.peek() == Some(b'}') {
                        self.pos += 1;
                        Some(Node { span: Span::new(start, self.pos), value: Value::Map(Vec::new()) })
                    } else {
                        let key = self.key()?;
                        stack.push(Frame::Object { start, entries: Vec::new(), key: Some(key) });
                        None
                    }
                }
                _ => Some(self.scalar()?),
            };
            // Attach completed values to their parents, closing containers as they end.
            while let Some(node) = value.take() {
                let Some(frame) = stack.last_mut() else { return Ok(node) };
                self.skip_whitespace();
                match frame {
                    Frame::Array { start, items } => {
                        items.push(node);
                        match self.next_byte() {
                            Some(b',') => {}
                            Some(b']') => {
                                let (start, items) = (*start, std::mem::take(items));
                                stack.pop();
                                value = Some(Node { span: Span::new(start, self.pos), value: Value::Seq(items) });
                            }
                            _ => return Err(self.error_before("expected `,` or `]` after array element")),
                        }
                    }
                    Frame::Object { start, entries, key } => {
                        entries.push((key.take().expect("a key precedes each value"), node));
                        match self.next_byte() {
                            Some(b',') => *key = Some(self.key()?),
                            Some(b'}') => {
                                let (start, entries) = (*start, std::mem::take(entries));
                                stack.pop();
                                value = Some(Node { span: Span::new(start, self.pos), value: Value::Map(last_wins(entries)) });
                            }
                            _ => return Err(self.error_before("expected `,` or `}` after object entry")),
                        }
                    }
                }
            }
        }
    }

    /// An object key and its colon.
    fn key(&mut self) -> Result<Node, LoadError> {
        self.skip_whitespace();
        match self.peek() {
            Some(b'"') => {}
            Some(b'}') => return Err(self.error_here("trailing comma before `}`")),
            _ => return Err(self.error_here("expected a string key")),
        }
        let key = self.string()?;
        self.skip_whitespace();
        if self.next_byte() != Some(b':') {
            return Err(self.error_before("expected `:` after object key"));
        }
        Ok(key)
    }

    fn scalar(&mut self) -> Result<Node, LoadError> {
        match self.peek() {
            Some(b'"') => self.string(),
            Some(b't') => self.literal("true"),
            Some(b'f') => self.literal("false"),
            Some(b'n') => self.literal("null"),
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(b']') => Err(self.error_here("trailing comma before `]`")),
            None => Err(self.error_here("unexpected end of input, expected a value")),
            _ => Err(self.error_here("expected a value")),
        }
    }

    fn literal(&mut self, word: &str) -> Result<Node, LoadError> {
        let start = self.pos;
        if !self.text[start..].starts_with(word) {
            return Err(self.error_here("expected a value"));
        }
        self.pos += word.len();
        Ok(plain(word, start, self.pos))
    }

    fn number(&mut self) -> Result<Node, LoadError> {
        let start = self.pos;
        while matches!(self.peek(), Some(b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E')) {
            self.pos += 1;
        }
        let raw = &self.text[start..self.pos];
        if raw.parse::<f64>().is_err() {
            return Err(LoadError { message: format!("invalid number `{raw}`"), span: Span::new(start, self.pos) });
        }
        Ok(plain(raw, start, self.pos))
    }

    fn string(&mut self) -> Result<Node, LoadError> {
        let start = self.pos;
        self.pos += 1;
        let decoded = decode_string_body(self.text, self.pos).map_err(|(message, at)| LoadError { message, span: point(self.text, at) })?;
        self.pos = decoded.end + 1;
        Ok(Node { span: Span::new(start, self.pos), value: Value::Scalar(Scalar { text: decoded.text, style: ScalarStyle::JsonString }) })
    }

    fn skip_whitespace(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn next_byte(&mut self) -> Option<u8> {
        let byte = self.peek()?;
        self.pos += 1;
        Some(byte)
    }

    fn error_here(&self, message: &str) -> LoadError {
        LoadError { message: message.to_string(), span: point(self.text, self.pos) }
    }

    /// After `next_byte` consumed the offending byte.
    fn error_before(&self, message: &str) -> LoadError {
        LoadError { message: message.to_string(), span: point(self.text, self.pos.saturating_sub(1)) }
    }
}

/// The entries without those whose key a later entry sets again. Grafana reads dashboards with
/// JavaScript's `JSON.parse` and Go's `encoding/json`, where the last value of a repeated key wins.
fn last_wins(entries: Vec<(Node, Node)>) -> Vec<(Node, Node)> {
    let last: HashMap<&str, usize> = entries.iter().enumerate().filter_map(|(i, (k, _))| Some((k.as_str()?, i))).collect();
    if last.len() == entries.len() {
        return entries;
    }
    let keep: Vec<bool> = entries.iter().enumerate().map(|(i, (k, _))| k.as_str().is_none_or(|k| last[k] == i)).collect();
    entries.into_iter().zip(keep).filter_map(|(entry, keep)| keep.then_some(entry)).collect()
}

fn plain(text: &str, start: usize, end: usize) -> Node {
    Node { span: Span::new(start, end), value: Value::Scalar(Scalar { text: text.to_string(), style: ScalarStyle::Plain }) }
}

/// The character at `at`, or an empty span at the end of input.
fn point(text: &str, at: usize) -> Span {
    let at = at.min(text.len());
    let len = text[at..].chars().next().map_or(0, char::len_utf8);
    Span::new(at, at + len)
}

/// A decoded string body: its text, its map to the source, and the offset of the closing quote.
struct DecodedString {
    text: String,
    map: OffsetMap,
    end: usize,
}

/// Decodes the body of a JSON string that starts at `from` (just after the opening quote).
fn decode_string_body(text: &str, from: usize) -> Result<DecodedString, (String, usize)> {
    let bytes = text.as_bytes();
    let mut out = DecodedString { text: String::new(), map: OffsetMap::default(), end: from };
    let mut run_start = from;
    let mut i = from;
    loop {
        match bytes.get(i) {
            None => return Err(("unterminated string".into(), from - 1)),
            Some(b'"') => break,
            Some(b'\\') => {
                out.text.push_str(&text[run_start..i]);
                out.map.push_verbatim(i - run_start, run_start);
                let (c, len) = json_escape(text, i)?;
                out.text.push(c);
                out.map.push_replaced(c.len_utf8(), i, len);
                i += len;
                run_start = i;
            }
            Some(&b) if b < 0x20 => return Err(("control character in string; escape it".into(), i)),
            Some(_) => i += 1,
        }
    }
    out.text.push_str(&text[run_start..i]);
    out.map.push_verbatim(i - run_start, run_start);
    out.end = i;
    Ok(out)
}

/// The character an escape at `at` (the backslash) stands for, and the escape's length.
fn json_escape(text: &str, at: usize) -> Result<(char, usize), (String, usize)> {
    let simple = match text.as_bytes().get(at + 1) {
        Some(b'"') => '"',
        Some(b'\\') => '\\',
        Some(b'/') => '/',
        Some(b'b') => '\x08',
        Some(b'f') => '\x0c',
        Some(b'n') => '\n',
        Some(b'r') => '\r',
        Some(b't') => '\t',
        Some(b'u') => return unicode_escape(text, at),
        _ => return Err(("invalid escape in string".into(), at)),
    };
    Ok((simple, 2))
}

fn unicode_escape(text: &str, at: usize) -> Result<(char, usize), (String, usize)> {
    let hex = |start: usize| text.get(start..start + 4).and_then(|h| u32::from_str_radix(h, 16).ok());
    let invalid = || ("invalid \\u escape".to_string(), at);
    let high = hex(at + 2).ok_or_else(invalid)?;
    if (0xD800..0xDC00).contains(&high) {
        // A surrogate pair: `\ud83d\ude00`.
        if text.get(at + 6..at + 8) == Some("\\u") {
            if let Some(low) = hex(at + 8).filter(|l| (0xDC00..0xE000).contains(l)) {
                let c = char::from_u32(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)).ok_or_else(invalid)?;
                return Ok((c, 12));
            }
        }
        return Err(("unpaired surrogate in \\u escape".into(), at));
    }
    Ok((char::from_u32(high).ok_or_else(invalid)?, 6))
}

/// Maps each byte of a JSON string's decoded text to the file.
pub fn json_string_offset_map(doc_text: &str, node: &Node) -> OffsetMap {
    let Some(scalar) = node.scalar() else { return OffsetMap::default() };
    match decode_string_body(doc_text, node.span.start + 1) {
        Ok(decoded) if decoded.text == scalar.text => decoded.map,
        _ => whole_token(scalar.text.len(), node.span.start, node.span.len()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn spans_and_escapes() {
        let text = r#"{"panels": [{"expr": "sum(x{a=\"b\"}) \u00e9 \ud83d\ude00", "n": -1.5e3, "t": true}]}"#;
        let root = load_json(text).unwrap();
        let target = &root.get("panels").unwrap().items()[0];
        let expr = target.get("expr").unwrap();
        assert_eq!(expr.as_str(), Some("sum(x{a=\"b\"}) é 😀"));
        assert_eq!(&text[expr.span.start..expr.span.end], r#""sum(x{a=\"b\"}) \u00e9 \ud83d\ude00""#);
        let map = json_string_offset_map(text, expr);
        let b = expr.as_str().unwrap().find('b').unwrap();
        assert_eq!(map.map_start(b), text.find("b\\\"})").unwrap());
        assert_eq!(map.map_span(Span::new(b - 1, b)), Span::new(text.find("\\\"b").unwrap(), text.find("\\\"b").unwrap() + 2));
        assert_eq!(target.get_str("n"), Some("-1.5e3"));
    }

    #[test]
    fn errors_are_positioned() {
        let cases = [
            ("{\"a\": [1, 2,]}", "trailing comma before `]`", "]"),
            ("{\"a\": 1,}", "trailing comma before `}`", "}"),
            ("{\"a\" 1}", "expected `:` after object key", "1"),
            ("{\"a\": \"x}", "unterminated string", "\""),
            ("[1 2]", "expected `,` or `]` after array element", "2"),
            ("{\"a\": \"\\q\"}", "invalid escape in string", "\\"),
        ];
        for (text, message, at) in cases {
            let error = load_json(text).unwrap_err();
            assert_eq!(error.message, message, "{text}");
            assert_eq!(&text[error.span.start..error.span.end], at, "{text}");
        }
    }

    #[test]
    fn a_repeated_key_keeps_its_last_value() {
        let text = r#"{"expr": "up", "legend": "x", "expr": "down"}"#;
        let root = load_json(text).unwrap();
        assert_eq!(root.get_str("expr"), Some("down"));
        assert_eq!(root.entries().len(), 2);
        assert_eq!(root.get("expr").unwrap().span.start, text.find("\"down").unwrap());
    }

    #[test]
    fn deep_nesting_is_an_error() {
        let text = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        assert!(load_json(&text).unwrap_err().message.contains("nested deeper"));
    }

    proptest! {
        #[test]
        fn never_panics(text in "[\\[\\]{}\",:0-9a-z\\\\ éu]{0,64}") {
            if let Ok(node) = load_json(&text) {
                prop_assert!(node.span.end <= text.len());
            }
        }

        #[test]
        fn strings_round_trip(value in "\\PC{0,20}") {
            let text = serde_json::to_string(&value).unwrap();
            let node = load_json(&text).unwrap();
            prop_assert_eq!(node.as_str(), Some(value.as_str()));
            let map = json_string_offset_map(&text, &node);
            for seg in map.segments().iter().filter(|s| s.verbatim()) {
                prop_assert_eq!(&value[seg.text_start..seg.text_start + seg.text_len], &text[seg.target_start..seg.target_start + seg.target_len]);
            }
        }
    }
}
