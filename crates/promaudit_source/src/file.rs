//! A checked file's bytes and the index that turns byte offsets into lines and columns.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Larger files are generated, not written: checking them would take long and say little.
pub const MAX_FILE_SIZE: u64 = 16 * 1024 * 1024;

/// Why [`read_bounded`] returned no bytes.
#[derive(Debug)]
pub enum ReadError {
    /// A FIFO, device or socket: reading it could block forever or never end.
    NotRegular(&'static str),
    /// The size in bytes, over [`MAX_FILE_SIZE`].
    TooLarge(u64),
    Io(std::io::Error),
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReadError::NotRegular(kind) => write!(f, "is {kind}, not a regular file; skipped"),
            ReadError::TooLarge(size) => write!(f, "file is {} MiB, over the {} MiB limit", size >> 20, MAX_FILE_SIZE >> 20),
            ReadError::Io(e) => write!(f, "cannot be read: {e}"),
        }
    }
}

/// The bytes of the regular file at `path` (symlinks followed), at most [`MAX_FILE_SIZE`]: the
/// size is checked before reading, and the read is bounded too, as a file may grow meanwhile.
pub fn read_bounded(path: &Path) -> Result<Vec<u8>, ReadError> {
    let meta = std::fs::metadata(path).map_err(ReadError::Io)?;
    if !meta.is_file() {
        return Err(ReadError::NotRegular(file_kind(&meta.file_type())));
    }
    if meta.len() > MAX_FILE_SIZE {
        return Err(ReadError::TooLarge(meta.len()));
    }
    let file = std::fs::File::open(path).map_err(ReadError::Io)?;
    read_bounded_from(file, meta.len() as usize)
}

/// All of `reader` (a file, or stdin whose size is not known beforehand), at most
/// [`MAX_FILE_SIZE`] bytes; `expected` sizes the buffer.
pub fn read_bounded_from(reader: impl Read, expected: usize) -> Result<Vec<u8>, ReadError> {
    let mut bytes = Vec::with_capacity(expected);
    reader.take(MAX_FILE_SIZE + 1).read_to_end(&mut bytes).map_err(ReadError::Io)?;
    if bytes.len() as u64 > MAX_FILE_SIZE {
        return Err(ReadError::TooLarge(bytes.len() as u64));
    }
    Ok(bytes)
}

/// The file as text, or `None` when [`read_bounded`] refuses it or it is not UTF-8: for reading
/// other files for what they teach, where the file's own check reports such problems.
pub fn read_bounded_text(path: &Path) -> Option<String> {
    read_bounded(path).ok().and_then(|bytes| String::from_utf8(bytes).ok())
}

/// What a file that is not a regular file is, as a message names it.
pub fn file_kind(file_type: &std::fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    if file_type.is_dir() {
        "a directory"
    } else if file_type.is_fifo() {
        "a FIFO (named pipe)"
    } else if file_type.is_char_device() || file_type.is_block_device() {
        "a device"
    } else if file_type.is_socket() {
        "a socket"
    } else {
        "a special file"
    }
}

/// One file as read from disk. `text` is the file decoded as UTF-8; files that are not valid
/// UTF-8 never become a `SourceFile` (the loader reports them with the offset of the first bad byte).
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
