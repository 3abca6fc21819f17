//! A checked file's bytes and the index that turns byte offsets into lines and columns.

use std::path::{Path, PathBuf};
use std::sync::Arc;

/// One file as read from disk. `text` is the file decoded as UTF-8; files that are not valid
/// UTF-8 never become a `SourceFile` (the loader reports them with the offset of the first bad byte).
/// Files larger than this are reported as too large, not checked: no monitoring file is this big.
pub const MAX_FILE_SIZE: usize = 16 * 1024 * 1024;

/// A regular file's bytes, reading at most one byte past [`MAX_FILE_SIZE`] (more means too
/// large). FIFOs, devices and sockets are refused unopened: opening a FIFO waits for a writer,
/// and `/dev/zero` never ends.
pub fn read_bounded(path: &Path) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let meta = std::fs::metadata(path)?;
    if !meta.is_file() {
        return Err(std::io::Error::new(std::io::ErrorKind::InvalidInput, "not a regular file"));
    }
    let mut bytes = Vec::with_capacity((meta.len() as usize).min(MAX_FILE_SIZE + 1));
    std::fs::File::open(path)?.take(MAX_FILE_SIZE as u64 + 1).read_to_end(&mut bytes)?;
    Ok(bytes)
}

#[derive(Debug)]
pub struct SourceFile {
    /// The path as the user named it (relative paths stay relative), used in all output.
    pub path: PathBuf,
    pub text: Arc<str>,
    pub lines: LineIndex,
}

impl SourceFile {
    pub fn new(path: impl Into<PathBuf>, text: impl Into<Arc<str>>) -> Self {
        let text = text.into();
        let lines = LineIndex::new(&text);
        SourceFile { path: path.into(), text, lines }
    }

    pub fn display_path(&self) -> String {
        self.path.display().to_string()
    }

    pub fn line_col(&self, offset: usize) -> LineCol {
        self.lines.line_col(&self.text, offset)
    }
}

/// A 1-based line and a 1-based column counted in Unicode scalar values (characters).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct LineCol {
    pub line: usize,
    pub column: usize,
}

/// Start offsets of every line, as [`promaudit_diagnostics::line_starts`] finds them.
#[derive(Debug, Clone)]
pub struct LineIndex {
    line_starts: Vec<usize>,
}

impl LineIndex {
    pub fn new(text: &str) -> Self {
        LineIndex { line_starts: promaudit_diagnostics::line_starts(text) }
    }

    /// 0-based line number containing `offset`.
    pub fn line_of(&self, offset: usize) -> usize {
        self.line_starts.partition_point(|&start| start <= offset) - 1
    }

    pub fn line_start(&self, line0: usize) -> usize {
        self.line_starts[line0]
    }

    pub fn line_count(&self) -> usize {
        self.line_starts.len()
    }

    /// Offsets past the end clamp to the end; offsets inside a character count as that character.
    pub fn line_col(&self, text: &str, offset: usize) -> LineCol {
        let offset = offset.min(text.len());
        let line0 = self.line_of(offset);
        let start = self.line_starts[line0];
        let column = text[start..floor_char_boundary(text, offset)].chars().count() + 1;
        LineCol { line: line0 + 1, column }
    }

    /// 0-based line and UTF-16 code-unit column, as the Language Server Protocol counts.
    pub fn line_utf16(&self, text: &str, offset: usize) -> (usize, usize) {
        let offset = offset.min(text.len());
        let line0 = self.line_of(offset);
        let start = self.line_starts[line0];
        let column = text[start..floor_char_boundary(text, offset)].encode_utf16().count();
        (line0, column)
    }

    /// Inverse of [`Self::line_utf16`]; positions past a line's end clamp to that end.
    pub fn offset_of_utf16(&self, text: &str, line0: usize, utf16_col: usize) -> usize {
        let Some(&start) = self.line_starts.get(line0) else { return text.len() };
        let end = self.line_starts.get(line0 + 1).copied().unwrap_or(text.len());
        let mut units = 0;
        for (i, ch) in text[start..end].char_indices() {
            if units >= utf16_col || matches!(ch, '\n' | '\r') {
                return start + i;
            }
            units += ch.len_utf16();
        }
        end
    }
}

fn floor_char_boundary(text: &str, mut offset: usize) -> usize {
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_count_characters_and_crlf_stays_on_its_line() {
        let text = "a: é\r\nb: x\n";
        let index = LineIndex::new(text);
        assert_eq!(index.line_col(text, 3), LineCol { line: 1, column: 4 });
        assert_eq!(index.line_col(text, 6), LineCol { line: 1, column: 6 }); // the '\r'
        assert_eq!(index.line_col(text, 7), LineCol { line: 2, column: 1 });
        assert_eq!(index.line_col(text, 99), LineCol { line: 3, column: 1 });
    }

    #[test]
    fn lone_carriage_returns_end_lines() {
        let text = "a: 1\rb: é\r\nc: 2\rd";
        let index = LineIndex::new(text);
        assert_eq!(index.line_col(text, text.find('b').unwrap()), LineCol { line: 2, column: 1 });
        assert_eq!(index.line_col(text, text.find('c').unwrap()), LineCol { line: 3, column: 1 });
        assert_eq!(index.line_col(text, text.find('d').unwrap()), LineCol { line: 4, column: 1 });
        assert_eq!(index.line_utf16(text, text.find('2').unwrap()), (2, 3));
        assert_eq!(index.offset_of_utf16(text, 0, 99), 4, "clamps before the line's `\\r`");
        assert_eq!(index.offset_of_utf16(text, 1, 99), text.find("\r\n").unwrap());
    }

    #[test]
    fn utf16_round_trips() {
        let text = "x: \"😀y\"\n";
        let index = LineIndex::new(text);
        let y = text.find('y').unwrap();
        assert_eq!(index.line_utf16(text, y), (0, 6));
        assert_eq!(index.offset_of_utf16(text, 0, 6), y);
    }
}
