//! The source layer: files and their positions, YAML/JSON/Markdown loading into a span-carrying
//! tree, the offset maps that carry a position inside a decoded scalar back to the file's bytes,
//! metric exposition text read for its names, and detection/extraction of monitoring artifacts
//! into query sites.

pub mod artifact;
pub mod exposition;
pub mod extract;
pub mod file;
pub mod json;
pub mod markdown;
pub mod offset_map;
pub mod placeholders;
pub mod scalar;
pub mod spelling;
pub mod tree;
pub mod walk;
pub mod yaml;

pub use extract::extract;
pub use file::{read_bounded, LineCol, LineIndex, ReadError, SourceFile, MAX_FILE_SIZE};
pub use offset_map::OffsetMap;
pub use tree::{Document, Node, Scalar, ScalarStyle, Value};

use promaudit_diagnostics::Span;

/// A file or embedded text that could not be loaded, at the position where loading stopped.
/// Spans are relative to the text that was being loaded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoadError {
    pub message: String,
    pub span: Span,
}
