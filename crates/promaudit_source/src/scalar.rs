//! Re-decoding YAML scalars from their source text, to map every offset of a decoded value back
//! to the document. The decoded text is compared with the parser's; when they differ the map
//! falls back to the whole token, so a position is never wrong, only less precise.

use crate::tree::{Node, ScalarStyle};
use crate::OffsetMap;

/// Maps offsets in `node`'s decoded text to offsets in `doc_text`, for the YAML styles.
pub fn scalar_offset_map(doc_text: &str, node: &Node) -> OffsetMap {
    let Some(scalar) = node.scalar() else { return OffsetMap::default() };
    let span = node.span;
    let raw = &doc_text[span.start..span.end.min(doc_text.len())];
    let decoded = match scalar.style {
        ScalarStyle::Plain => fold_flow(raw, span.start, Quoting::None),
        ScalarStyle::SingleQuoted => strip_quotes(raw).and_then(|inner| fold_flow(inner, span.start + 1, Quoting::Single)),
        ScalarStyle::DoubleQuoted => strip_quotes(raw).and_then(|inner| fold_flow(inner, span.start + 1, Quoting::Double)),
        ScalarStyle::Literal | ScalarStyle::Folded => decode_block(raw, span.start, scalar.style == ScalarStyle::Folded),
        ScalarStyle::JsonString => None,
    };
    match decoded.and_then(|d| reconcile(d, &scalar.text, span.end)) {
        Some(map) => map,
        None => whole_token(scalar.text.len(), span.start, span.len()),
    }
}

/// Every offset of a `len`-byte value maps to the whole token.
pub fn whole_token(len: usize, start: usize, token_len: usize) -> OffsetMap {
    let mut map = OffsetMap::default();
    map.push_replaced(len.max(1), start, token_len);
    map
}

/// A decoded text and its map, as re-derived from the source.
struct Decoded {
    text: String,
    map: OffsetMap,
}

impl Decoded {
    fn new() -> Self {
        Decoded { text: String::new(), map: OffsetMap::default() }
    }

    fn verbatim(&mut self, source: &str, at: usize) {
        self.text.push_str(source);
        self.map.push_verbatim(source.len(), at);
    }

    fn replaced(&mut self, produced: &str, at: usize, len: usize) {
        self.text.push_str(produced);
        self.map.push_replaced(produced.len(), at, len);
    }
}

/// Accepts the re-decoded text when it equals the parser's, allowing trailing line breaks to
/// differ (chomping of the final lines), which then map to the token's end.
fn reconcile(decoded: Decoded, expected: &str, token_end: usize) -> Option<OffsetMap> {
    if decoded.text == expected {
        return Some(decoded.map);
    }
    let body = decoded.text.trim_end_matches('\n');
    if expected.trim_end_matches('\n') != body {
        return None;
    }
    let mut map = OffsetMap::default();
    for seg in decoded.map.segments() {
        if seg.text_start >= body.len() {
            break;
        }
        let len = seg.text_len.min(body.len() - seg.text_start);
        if seg.verbatim() {
            map.push_verbatim(len, seg.target_start);
        } else {
            map.push_replaced(len, seg.target_start, seg.target_len);
        }
    }
    map.push_replaced(expected.len() - body.len(), token_end, 0);
    Some(map)
}

fn strip_quotes(raw: &str) -> Option<&str> {
    (raw.len() >= 2).then(|| &raw[1..raw.len() - 1])
}

#[derive(Clone, Copy, PartialEq)]
enum Quoting {
    None,
    Single,
    Double,
}

/// Plain and quoted scalars: escapes, and line folding (a single break becomes a space, each
/// empty line a `\n`, indentation of continuation lines is dropped).
fn fold_flow(content: &str, base: usize, quoting: Quoting) -> Option<Decoded> {
    let mut out = Decoded::new();
    let lines: Vec<(usize, &str)> = line_starts(content).map(|(start, line)| (start, line.strip_suffix('\r').unwrap_or(line))).collect();
    let last = lines.len() - 1;
    let mut index = 0;
    while index <= last {
        let (start, line) = lines[index];
        let mut from = 0;
        if index > 0 {
            from = line.len() - line.trim_start_matches([' ', '\t']).len();
        }
        let mut to = line.len();
        if index < last {
            to = from.max(line.trim_end_matches([' ', '\t']).len());
        }
        let body = &line[from..to];
        let escaped_break = match quoting {
            Quoting::Double => decode_double(body, base + start + from, &mut out)?,
            Quoting::Single => {
                decode_single(body, base + start + from, &mut out);
                false
            }
            Quoting::None => {
                out.verbatim(body, base + start + from);
                false
            }
        };
        if index == last {
            break;
        }
        // Count the empty lines that follow; they become line feeds.
        let mut next = index + 1;
        while next < last && lines[next].1.trim_matches([' ', '\t']).is_empty() {
            next += 1;
        }
        let break_start = base + start + to + usize::from(escaped_break);
        let next_content = base + lines[next].0 + (lines[next].1.len() - lines[next].1.trim_start_matches([' ', '\t']).len());
        let empty_lines = next - index - 1;
        let folded = if escaped_break { String::new() } else if empty_lines == 0 { " ".to_string() } else { "\n".repeat(empty_lines) };
        if folded.is_empty() {
            out.map.push_replaced(0, break_start, next_content - break_start);
        } else {
            out.replaced(&folded, break_start, next_content - break_start);
        }
        index = next;
    }
    Some(out)
}

fn line_starts(text: &str) -> impl Iterator<Item = (usize, &str)> {
    let mut start = 0;
    text.split('\n').map(move |line| {
        let at = start;
        start += line.len() + 1;
        (at, line)
    })
}

fn decode_single(body: &str, at: usize, out: &mut Decoded) {
    let mut rest = body;
    let mut offset = at;
    while let Some(quote) = rest.find("''") {
        out.verbatim(&rest[..quote], offset);
        out.replaced("'", offset + quote, 2);
        offset += quote + 2;
        rest = &rest[quote + 2..];
    }
    out.verbatim(rest, offset);
}

/// Decodes escapes in one line of a double-quoted scalar; true when it ends in an escaped break.
fn decode_double(body: &str, at: usize, out: &mut Decoded) -> Option<bool> {
    let mut rest = body;
    let mut offset = at;
    while let Some(slash) = rest.find('\\') {
        out.verbatim(&rest[..slash], offset);
        let escape = &rest[slash + 1..];
        if escape.is_empty() {
            return Some(true);
        }
        let (produced, len) = double_escape(escape)?;
        out.replaced(&produced, offset + slash, len + 1);
        offset += slash + 1 + len;
        rest = &rest[slash + 1 + len..];
    }
    out.verbatim(rest, offset);
    Some(false)
}

/// The text an escape (after the backslash) stands for, and the escape's length.
fn double_escape(escape: &str) -> Option<(String, usize)> {
    let first = escape.chars().next()?;
    let simple = match first {
        '0' => Some('\0'),
        'a' => Some('\x07'),
        'b' => Some('\x08'),
        't' | '\t' => Some('\t'),
        'n' => Some('\n'),
        'v' => Some('\x0b'),
        'f' => Some('\x0c'),
        'r' => Some('\r'),
        'e' => Some('\x1b'),
        ' ' => Some(' '),
        '"' => Some('"'),
        '/' => Some('/'),
        '\\' => Some('\\'),
        'N' => Some('\u{85}'),
        '_' => Some('\u{a0}'),
        'L' => Some('\u{2028}'),
        'P' => Some('\u{2029}'),
        _ => None,
    };
    if let Some(c) = simple {
        return Some((c.to_string(), first.len_utf8()));
    }
    let digits = match first {
        'x' => 2,
        'u' => 4,
        'U' => 8,
        _ => return None,
    };
    let hex = escape.get(1..1 + digits)?;
    let c = char::from_u32(u32::from_str_radix(hex, 16).ok()?)?;
    Some((c.to_string(), 1 + digits))
}

/// Literal and folded block scalars: the header, then content lines at a common indentation.
fn decode_block(raw: &str, base: usize, folded: bool) -> Option<Decoded> {
    let header_end = raw.find('\n')?;
    let header = raw[1..header_end].split('#').next().unwrap_or("");
    let explicit_indent = header.chars().find_map(|c| c.to_digit(10)).map(|d| d as usize);
    let body_start = header_end + 1;
    // (start, line without `\r`, length of the line break after it)
    let lines: Vec<(usize, &str, usize)> = line_starts(&raw[body_start..])
        .map(|(s, l)| match l.strip_suffix('\r') {
            Some(stripped) => (body_start + s, stripped, 2),
            None => (body_start + s, l, 1),
        })
        .collect();
    let indent = match explicit_indent {
        Some(indent) => indent,
        None => lines.iter().map(|(_, l, _)| *l).find(|l| !l.trim().is_empty()).map(|l| l.len() - l.trim_start_matches(' ').len())?,
    };
    let mut out = Decoded::new();
    let mut previous_was_text = false;
    let mut pending_break: Option<(usize, usize)> = None;
    for (start, line, break_len) in &lines {
        let is_empty = line.len() <= indent && line.trim().is_empty();
        let content = if is_empty { "" } else { line.get(indent..)? };
        let more_indented = content.starts_with([' ', '\t']);
        if let Some((break_at, len)) = pending_break.take() {
            // Folding joins two ordinary lines with a space; anything else keeps the break.
            let produced = if folded && previous_was_text && !is_empty && !more_indented { " " } else { "\n" };
            if !(folded && previous_was_text && is_empty) {
                out.replaced(produced, break_at, len);
            } else {
                out.map.push_replaced(0, break_at, len);
            }
        }
        if is_empty {
            if folded && previous_was_text {
                // The first empty line after text folds away; later ones are line feeds.
                previous_was_text = false;
                pending_break = Some((base + start + line.len(), *break_len));
                continue;
            }
            pending_break = Some((base + start + line.len(), *break_len));
            continue;
        }
        out.verbatim(content, base + start + indent);
        previous_was_text = !more_indented;
        pending_break = Some((base + start + line.len(), *break_len));
    }
    if let Some((break_at, _)) = pending_break {
        out.replaced("\n", break_at, 0);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::load_yaml;
    use proptest::prelude::*;

    /// For every character of `value`'s decoded text that is not produced by an escape or a
    /// fold, the mapped file offset holds the same character.
    fn assert_maps_exactly(text: &str, key: &str) -> String {
        let stream = load_yaml(text);
        assert!(stream.error.is_none(), "{:?}", stream.error);
        let node = stream.documents[0].get(key).unwrap();
        let value = node.as_str().unwrap().to_string();
        let map = scalar_offset_map(text, node);
        let mut verbatim = 0;
        for seg in map.segments().iter().filter(|s| s.verbatim()) {
            assert_eq!(&value[seg.text_start..seg.text_start + seg.text_len], &text[seg.target_start..seg.target_start + seg.target_len]);
            verbatim += seg.text_len;
        }
        assert!(verbatim > 0, "no verbatim mapping for {value:?}");
        value
    }

    fn file_offset_of(text: &str, key: &str, needle: &str) -> (usize, usize) {
        let stream = load_yaml(text);
        let node = stream.documents[0].get(key).unwrap();
        let at = node.as_str().unwrap().find(needle).unwrap();
        (scalar_offset_map(text, node).map_start(at), text.find(needle).unwrap())
    }

    #[test]
    fn literal_block() {
        let text = "expr: |\n  sum(rate(foo{status=\"500\"}[5m]))\n    > 0\nnext: x\n";
        assert_maps_exactly(text, "expr");
        let (mapped, actual) = file_offset_of(text, "expr", "> 0");
        assert_eq!(mapped, actual);
    }

    #[test]
    fn folded_blocks() {
        for header in [">", ">-", ">+", "|-", "|+", "|2", ">2-"] {
            let text = format!("expr: {header}\n  sum(rate(x[5m]))\n  / on(job)\n\n  sum(y)\nz: 1\n");
            assert_maps_exactly(&text, "expr");
            let (mapped, actual) = file_offset_of(&text, "expr", "on(job)");
            assert_eq!(mapped, actual, "{header}");
        }
    }

    #[test]
    fn quoted_scalars() {
        let text = "a: \"x{a=\\\"é\\\"} + on(\\\"b\\\") y\"\nb: 'it''s ok' \nc: \"multi\n  line\\\n  joined\"\nd: plain\n  continued\n";
        assert_maps_exactly(text, "a");
        assert_eq!(file_offset_of(text, "a", "on(").0, text.find("on(").unwrap());
        assert_maps_exactly(text, "b");
        assert_eq!(file_offset_of(text, "b", "ok").0, text.find("ok").unwrap());
        assert_eq!(assert_maps_exactly(text, "c"), "multi linejoined");
        assert_eq!(file_offset_of(text, "c", "joined").0, text.find("joined").unwrap());
        assert_eq!(assert_maps_exactly(text, "d"), "plain continued");
    }

    #[test]
    fn crlf_files() {
        let text = "expr: |\r\n  rate(x[5m])\r\n    > 1\r\nb: 2\r\n";
        assert_maps_exactly(text, "expr");
        assert_eq!(file_offset_of(text, "expr", "> 1").0, text.find("> 1").unwrap());
    }

    proptest! {
        #[test]
        fn every_style_maps_its_verbatim_characters(words in proptest::collection::vec("[a-z(){}=\"'.é ]{1,12}", 1..5)) {
            let content = words.join(" ");
            let single = content.replace('\'', "''");
            let double = content.replace('\\', "\\\\").replace('"', "\\\"");
            let block = words.join("\n  ");
            for text in [
                format!("k: '{single}'\n"),
                format!("k: \"{double}\"\n"),
                format!("k: |\n  {block}\n"),
                format!("k: >-\n  {block}\n"),
            ] {
                let stream = load_yaml(&text);
                if stream.error.is_some() { continue; }
                let node = stream.documents[0].get("k").unwrap();
                let value = node.as_str().unwrap();
                let map = scalar_offset_map(&text, node);
                for seg in map.segments().iter().filter(|s| s.verbatim()) {
                    prop_assert_eq!(&value[seg.text_start..seg.text_start + seg.text_len], &text[seg.target_start..seg.target_start + seg.target_len]);
                }
            }
        }
    }
}
