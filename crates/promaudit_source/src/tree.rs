//! The span-carrying value tree that YAML and JSON both load into, so that artifact detection
//! and extraction are written once for both.

use crate::OffsetMap;
use promaudit_diagnostics::Span;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScalarStyle {
    /// YAML plain scalar, or a JSON number, `true`, `false`, `null`.
    Plain,
    SingleQuoted,
    DoubleQuoted,
    /// YAML `|` block scalar.
    Literal,
    /// YAML `>` block scalar.
    Folded,
    /// A JSON string, with JSON escapes.
    JsonString,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Scalar {
    /// The decoded value, as the YAML/JSON parser produced it.
    pub text: String,
    pub style: ScalarStyle,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Scalar(Scalar),
    Seq(Vec<Node>),
    /// Entries in file order. A YAML key set twice is kept twice (the loader reports it); JSON
    /// keeps only a repeated key's last entry, as Grafana does.
    Map(Vec<(Node, Node)>),
}

/// A node and the byte span of its source text, relative to the text it was loaded from. For a
/// scalar the span covers the whole token: quotes, block indicator and all content lines.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    pub span: Span,
    pub value: Value,
}

impl Node {
    pub fn scalar(&self) -> Option<&Scalar> {
        match &self.value {
            Value::Scalar(s) => Some(s),
            _ => None,
        }
    }

    /// The scalar's decoded text; `None` for collections.
    pub fn as_str(&self) -> Option<&str> {
        self.scalar().map(|s| s.text.as_str())
    }

    /// True for YAML's `null`, `~`, an empty plain scalar, and JSON's `null`.
    pub fn is_null(&self) -> bool {
        matches!(self.scalar(), Some(Scalar { text, style: ScalarStyle::Plain }) if matches!(text.as_str(), "" | "~" | "null" | "Null" | "NULL"))
    }

    pub fn entries(&self) -> &[(Node, Node)] {
        match &self.value {
            Value::Map(entries) => entries,
            _ => &[],
        }
    }

    pub fn items(&self) -> &[Node] {
        match &self.value {
            Value::Seq(items) => items,
            _ => &[],
        }
    }

    pub fn is_map(&self) -> bool {
        matches!(self.value, Value::Map(_))
    }

    pub fn is_seq(&self) -> bool {
        matches!(self.value, Value::Seq(_))
    }

    /// The first entry whose key is the scalar `key`.
    pub fn entry(&self, key: &str) -> Option<&(Node, Node)> {
        self.entries().iter().find(|(k, _)| k.as_str() == Some(key))
    }

    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|(_, v)| v)
    }

    /// Follows a path of keys through nested maps.
    pub fn path(&self, keys: &[&str]) -> Option<&Node> {
        keys.iter().try_fold(self, |node, key| node.get(key))
    }

    pub fn get_str(&self, key: &str) -> Option<&str> {
        self.get(key).and_then(Node::as_str)
    }
}

/// A loaded document: its tree, and how its text maps to the file. A top-level document's map is
/// the identity; a document embedded in a string (a ConfigMap value, a Markdown block) maps
/// through the string's decoding to the file.
#[derive(Clone, Debug)]
pub struct Document {
    pub text: std::sync::Arc<str>,
    pub to_file: OffsetMap,
    pub root: Node,
}
