//! YAML loading into the span-carrying [`Node`] tree, over granit-parser's events.
//!
//! Aliases are expanded into copies (rule files use anchors for shared labels), under a budget
//! of copied nodes and copied text so that an alias bomb stops with a positioned error instead
//! of exhausting memory. What the file spells out is not counted, so big plain files load. Nesting
//! is capped so that deep input cannot overflow the stack of the tree's consumers.

use crate::tree::{Node, Scalar, ScalarStyle, Value};
use crate::LoadError;
use granit_parser::{Event, Parser, ScalarStyle as YamlStyle};
use promaudit_diagnostics::Span;
use std::collections::HashMap;

/// Nodes that aliases (and anchors inside anchors) may copy per stream: far above any real file.
const COPY_NODE_BUDGET: usize = 1_000_000;
/// Bytes of scalar text they may copy per stream: far above any real file.
const COPY_BYTE_BUDGET: usize = 64 * 1024 * 1024;
/// Nesting deeper than this is never monitoring configuration.
const MAX_DEPTH: usize = 200;

#[derive(Debug, Default)]
pub struct YamlStream {
    pub documents: Vec<Node>,
    pub comments: Vec<Comment>,
    /// The first error; documents before it are kept.
    pub error: Option<LoadError>,
    /// Keys set twice in one mapping. Prometheus' YAML reader (yaml.v3) rejects them; loading
    /// goes on so that the rest of the file is still checked.
    pub duplicate_keys: Vec<DuplicateKey>,
}

/// A mapping key that repeats an earlier key of the same mapping.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DuplicateKey {
    pub key: String,
    /// The repeated key.
    pub span: Span,
    /// The key's first occurrence.
    pub first: Span,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Comment {
    pub span: Span,
    pub text: String,
}

pub fn load_yaml(text: &str) -> YamlStream {
    let mut builder = Builder { text, stream: YamlStream::default(), stack: Vec::new(), anchors: HashMap::new(), copied: Cost::default() };
    let mut options = granit_parser::Options::default();
    options.block_nesting_limit = MAX_DEPTH;
    for event in Parser::new_from_str_with_options(text, options) {
        let step = match event {
            Ok((event, span)) => builder.event(event, byte_span(text, &span)),
            Err(error) => Err(LoadError { message: error.info(), span: point(text, error.marker()) }),
        };
        if let Err(error) = step {
            builder.stream.error = Some(error);
            break;
        }
    }
    builder.stream
}

fn point(text: &str, marker: &granit_parser::Marker) -> Span {
    let at = byte_offset(text, marker);
    let end = text[at..].chars().next().map_or(at, |c| at + c.len_utf8());
    Span::new(at, end)
}

fn byte_offset(text: &str, marker: &granit_parser::Marker) -> usize {
    match marker.byte_offset() {
        Some(offset) => offset.min(text.len()),
        // Character index: walk to it (only on the rare path without byte offsets).
        None => text.char_indices().nth(marker.index()).map_or(text.len(), |(i, _)| i),
    }
}

fn byte_span(text: &str, span: &granit_parser::Span) -> Span {
    let start = byte_offset(text, &span.start);
    Span::new(start, byte_offset(text, &span.end).max(start))
}

/// A collection being built: its start, its items so far, and its anchor.
struct Open {
    start: usize,
    is_map: bool,
    items: Vec<Node>,
    anchor: usize,
}

struct Builder<'t> {
    text: &'t str,
    stream: YamlStream,
    stack: Vec<Open>,
    /// A copy of each anchored node, with what an alias copying it costs.
    anchors: HashMap<usize, (Node, Cost)>,
    /// What aliases and anchors inside anchors copied so far.
    copied: Cost,
}

/// Nodes and bytes of scalar text.
#[derive(Clone, Copy, Debug, Default)]
struct Cost {
    nodes: usize,
    bytes: usize,
}

impl Cost {
    /// Adds a copy's cost to this total of copies; an error at `span` once past the budget.
    fn charge(&mut self, copy: Cost, span: Span) -> Result<(), LoadError> {
        self.nodes += copy.nodes;
        self.bytes += copy.bytes;
        let over = if self.nodes > COPY_NODE_BUDGET {
            format!("{COPY_NODE_BUDGET} nodes")
        } else if self.bytes > COPY_BYTE_BUDGET {
            format!("{} MiB of text", COPY_BYTE_BUDGET >> 20)
        } else {
            return Ok(());
        };
        Err(LoadError { message: format!("aliases and anchors copy more than {over}; is this an alias bomb?"), span })
    }
}

impl Builder<'_> {
    fn event(&mut self, event: Event, span: Span) -> Result<(), LoadError> {
        match event {
            Event::Scalar(value, style, anchor, _) => {
                let node = Node { span: self.scalar_span(style, span), value: Value::Scalar(Scalar { text: value.into_owned(), style: convert_style(style) }) };
                self.finish(node, anchor)
            }
            Event::SequenceStart(_, anchor, _) | Event::MappingStart(_, anchor, _) => {
                if self.stack.len() >= MAX_DEPTH {
                    return Err(LoadError { message: format!("nesting deeper than {MAX_DEPTH} levels"), span });
                }
                let is_map = matches!(event, Event::MappingStart(..));
                self.stack.push(Open { start: span.start, is_map, items: Vec::new(), anchor });
                Ok(())
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let open = self.stack.pop().expect("granit pairs start and end events");
                let end = open.items.last().map_or(span.end, |last| last.span.end.max(span.end.min(self.text.len())));
                let end = if span.end > open.start { span.end } else { end };
                let value = if open.is_map {
                    let entries = pairs(open.items);
                    self.stream.duplicate_keys.extend(duplicate_keys(&entries));
                    Value::Map(merge_keys(entries))
                } else {
                    Value::Seq(open.items)
                };
                self.finish(Node { span: Span::new(open.start, end.max(open.start)), value }, open.anchor)
            }
            Event::Alias(id) => {
                let Some((target, cost)) = self.anchors.get(&id) else {
                    return Err(LoadError { message: "alias to an unknown anchor".into(), span });
                };
                // Charged before copying, so that the copy that would cross the budget is never made.
                self.copied.charge(*cost, span)?;
                // The alias' own span, so that positions inside the copy are not claimed twice.
                let copy = Node { span, value: target.value.clone() };
                self.finish(copy, 0)
            }
            Event::Comment(text, _) => {
                self.stream.comments.push(Comment { span, text: text.into_owned() });
                Ok(())
            }
            Event::DocumentEnd => {
                self.anchors.clear();
                Ok(())
            }
            _ => Ok(()),
        }
    }

    /// Granit's span of a block scalar covers its content lines and the breaks after them;
    /// take it from the `|`/`>` indicator to the end of the last content line.
    fn scalar_span(&self, style: YamlStyle, span: Span) -> Span {
        match style {
            YamlStyle::Literal | YamlStyle::Folded => {
                let start = block_indicator(self.text, span.start).unwrap_or(span.start);
                Span::new(start, trim_trailing_breaks(self.text, span).max(start))
            }
            _ => span,
        }
    }

    fn finish(&mut self, node: Node, anchor: usize) -> Result<(), LoadError> {
        if anchor != 0 {
            let cost = copy_cost(&node);
            // The copies kept for anchors in the same branch add up to the branch's size times its
            // depth: the outermost is as big as the file, and those inside it are charged.
            if self.stack.iter().any(|open| open.anchor != 0) {
                self.copied.charge(cost, node.span)?;
            }
            self.anchors.insert(anchor, (node.clone(), cost));
        }
        match self.stack.last_mut() {
            Some(open) => open.items.push(node),
            None => self.stream.documents.push(node),
        }
        Ok(())
    }
}

/// The `|` or `>` that opens the block scalar whose content starts at `content`: the last
/// indicator before it, followed only by indentation/chomping indicators, a comment and breaks.
fn block_indicator(text: &str, content: usize) -> Option<usize> {
    let prefix = &text[..content.min(text.len())];
    let at = prefix.rfind(['|', '>'])?;
    let header_end = prefix[at..].find('\n').map_or(prefix.len(), |i| at + i);
    let header = &prefix[at + 1..header_end];
    let header = header.split_once(" #").map_or(header, |(h, _)| h);
    let header_ok = header.chars().all(|c| matches!(c, '-' | '+' | '0'..='9' | ' ' | '\t' | '\r'));
    let gap_ok = prefix[header_end..].chars().all(|c| matches!(c, ' ' | '\t' | '\r' | '\n'));
    (header_ok && gap_ok).then_some(at)
}

/// The end of a block scalar without the line breaks after its last content line.
fn trim_trailing_breaks(text: &str, span: Span) -> usize {
    let raw = &text[span.start..span.end.min(text.len())];
    span.start + raw.trim_end_matches(['\n', '\r', ' ', '\t']).len()
}

fn pairs(items: Vec<Node>) -> Vec<(Node, Node)> {
    let mut items = items.into_iter();
    let mut out = Vec::new();
    while let (Some(key), Some(value)) = (items.next(), items.next()) {
        out.push((key, value));
    }
    out
}

/// Scalar keys that an earlier key of the same mapping already set. Merge keys (`<<`) may repeat:
/// they are resolved, not set.
fn duplicate_keys(entries: &[(Node, Node)]) -> Vec<DuplicateKey> {
    let mut seen: HashMap<&str, Span> = HashMap::new();
    let mut out = Vec::new();
    for (key, _) in entries {
        let Some(text) = key.as_str().filter(|_| !is_merge_key(key)) else { continue };
        if let Some(first) = seen.get(text) {
            out.push(DuplicateKey { key: text.to_string(), span: key.span, first: *first });
        } else {
            seen.insert(text, key.span);
        }
    }
    out
}

/// Resolves YAML merge keys (`<<: *defaults`, `<<: [*a, *b]`) as Prometheus' YAML library does:
/// merged entries are added where the mapping does not set the key itself.
fn merge_keys(entries: Vec<(Node, Node)>) -> Vec<(Node, Node)> {
    if !entries.iter().any(|(k, _)| is_merge_key(k)) {
        return entries;
    }
    let (merges, mut own): (Vec<_>, Vec<_>) = entries.into_iter().partition(|(k, _)| is_merge_key(k));
    for (_, source) in merges {
        let sources = match &source.value {
            Value::Seq(items) => items.clone(),
            _ => vec![source],
        };
        for source in sources {
            for (key, value) in source.entries() {
                if !own.iter().any(|(k, _)| k.as_str().is_some() && k.as_str() == key.as_str()) {
                    own.push((key.clone(), value.clone()));
                }
            }
        }
    }
    own
}

fn is_merge_key(key: &Node) -> bool {
    matches!(&key.value, Value::Scalar(Scalar { text, style: ScalarStyle::Plain }) if text == "<<")
}

/// The nodes of `node` and the bytes of their scalars: what an alias copying it costs.
fn copy_cost(node: &Node) -> Cost {
    let mut cost = Cost::default();
    let mut stack = vec![node];
    while let Some(node) = stack.pop() {
        cost.nodes += 1;
        match &node.value {
            Value::Scalar(scalar) => cost.bytes += scalar.text.len(),
            Value::Seq(items) => stack.extend(items),
            Value::Map(entries) => stack.extend(entries.iter().flat_map(|(key, value)| [key, value])),
        }
    }
    cost
}

fn convert_style(style: YamlStyle) -> ScalarStyle {
    match style {
        YamlStyle::Plain => ScalarStyle::Plain,
        YamlStyle::SingleQuoted => ScalarStyle::SingleQuoted,
        YamlStyle::DoubleQuoted => ScalarStyle::DoubleQuoted,
        YamlStyle::Literal => ScalarStyle::Literal,
        YamlStyle::Folded => ScalarStyle::Folded,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn span_text<'t>(text: &'t str, node: &Node) -> &'t str {
        &text[node.span.start..node.span.end]
    }

    #[test]
    fn scalar_spans_cover_their_tokens() {
        let text = "a: plain é\nb: 'single'\nc: \"double\"\nd: |\n  line1\n  line2\n\ne: >-\n  folded\nf: [x, {y: z}]\n";
        let stream = load_yaml(text);
        assert_eq!(stream.error, None);
        let root = &stream.documents[0];
        assert_eq!(span_text(text, root.get("a").unwrap()), "plain é");
        assert_eq!(span_text(text, root.get("b").unwrap()), "'single'");
        assert_eq!(span_text(text, root.get("c").unwrap()), "\"double\"");
        assert_eq!(span_text(text, root.get("d").unwrap()), "|\n  line1\n  line2");
        assert_eq!(root.get_str("d"), Some("line1\nline2\n"));
        assert_eq!(span_text(text, root.get("e").unwrap()), ">-\n  folded");
        assert_eq!(span_text(text, &root.entries()[1].0), "b");
        assert_eq!(span_text(text, root.get("f").unwrap().items()[1].get("y").unwrap()), "z");
    }

    #[test]
    fn multiple_documents_and_comments() {
        let text = "# first\na: 1\n---\nb: 2 # trailing\n";
        let stream = load_yaml(text);
        assert_eq!(stream.documents.len(), 2);
        assert_eq!(stream.comments.len(), 2);
        assert_eq!(&text[stream.comments[1].span.start..stream.comments[1].span.end], "# trailing");
    }

    #[test]
    fn errors_are_positioned_and_earlier_documents_kept() {
        let text = "a: 1\n---\nb: [1, 2\nc: 3\n";
        let stream = load_yaml(text);
        assert_eq!(stream.documents.len(), 1);
        let error = stream.error.unwrap();
        assert!(error.span.start >= text.find("b:").unwrap(), "{error:?}");
    }

    #[test]
    fn aliases_expand_and_bombs_stop() {
        let stream = load_yaml("x: &a [1, 2]\ny: *a\n");
        assert_eq!(stream.documents[0].get("y").unwrap().items().len(), 2);
        let mut bomb = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..10 {
            let p = i - 1;
            bomb.push_str(&format!("a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"));
        }
        let error = load_yaml(&bomb).error.expect("bomb must stop");
        assert!(error.message.contains("alias bomb"), "{}", error.message);
    }

    #[test]
    fn a_big_plain_file_is_no_alias_bomb() {
        // 200,000 rules in 16 MB: with every node counted, the alias budget called this a bomb.
        let mut text = String::from("groups:\n- name: g\n  rules:\n");
        for i in 0..200_000 {
            text.push_str(&format!("  - record: job:m{i}:rate5m\n    expr: sum by (job) (rate(m{i}_total[5m]))\n"));
        }
        assert!(text.len() > 15_000_000);
        let stream = load_yaml(&text);
        assert_eq!(stream.error, None);
        assert_eq!(stream.documents[0].get("groups").unwrap().items()[0].get("rules").unwrap().items().len(), 200_000);
    }

    #[test]
    fn aliases_of_long_strings_stop_at_the_alias_crossing_the_text_budget() {
        // 1 MB of file copying a 512 KiB string 100,000 times: 50 GB once expanded. The budget
        // allows 128 copies; the 129th alias is the error's place, and is never copied.
        let mut text = format!("big: &s {}\ncopies:\n", "x".repeat(512 * 1024));
        text.push_str(&"- *s\n".repeat(100_000));
        let error = load_yaml(&text).error.expect("the copies must stop");
        assert_eq!(error.message, "aliases and anchors copy more than 64 MiB of text; is this an alias bomb?");
        let alias = text.match_indices("*s").nth(128).unwrap().0;
        assert_eq!(error.span, Span::new(alias, alias + 2));
    }

    #[test]
    fn anchors_inside_anchors_are_copies_too() {
        // Each anchor keeps a copy of its node: 100 anchors nested around a 1 MiB string kept
        // 100 MiB without a single alias.
        let levels = 100;
        let text = format!("{}\"{}\"{}\n", "{a: &a ".repeat(levels), "x".repeat(1 << 20), "}".repeat(levels));
        let error = load_yaml(&text).error.expect("the copies must stop");
        assert_eq!(error.message, "aliases and anchors copy more than 64 MiB of text; is this an alias bomb?");
        assert_eq!(&text[error.span.start..error.span.start + 4], "{a: ");
    }

    #[test]
    fn merge_keys_are_resolved() {
        let stream = load_yaml("base: &b {expr: up, for: 5m}\nrule:\n  <<: *b\n  for: 1m\n  alert: A\n");
        let rule = stream.documents[0].get("rule").unwrap();
        assert_eq!(rule.get_str("expr"), Some("up"));
        assert_eq!(rule.get_str("for"), Some("1m"));
        assert!(rule.get("<<").is_none());
    }

    #[test]
    fn duplicate_keys_are_found_at_the_second_key() {
        let text = "rules:\n  - alert: A\n    expr: up\n    expr: down\n    <<: {for: 1m}\n    <<: {for: 2m}\n";
        let stream = load_yaml(text);
        let [duplicate] = stream.duplicate_keys.as_slice() else { panic!("{:?}", stream.duplicate_keys) };
        assert_eq!(duplicate.key, "expr");
        assert_eq!(duplicate.first.start, text.find("expr").unwrap());
        assert_eq!(duplicate.span.start, text.rfind("expr").unwrap());
        assert!(load_yaml("a: {x: 1}\nb: {x: 1}\n").duplicate_keys.is_empty());
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let text = format!("a: {}", "[".repeat(100_000));
        assert!(load_yaml(&text).error.is_some());
        let text = (0..300).map(|i| format!("{}k:\n", " ".repeat(i))).collect::<String>();
        assert!(load_yaml(&text).error.is_some());
    }
}
