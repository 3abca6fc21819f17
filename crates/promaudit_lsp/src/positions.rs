//! The one place where byte offsets become LSP positions (0-based lines, UTF-16 columns) and
//! back. Out-of-range positions clamp to the nearest valid offset.

use lsp_types::{Position, Range};
use promaudit_diagnostics::Span;
use promaudit_source::SourceFile;

pub fn position(file: &SourceFile, offset: usize) -> Position {
    let (line, character) = file.lines.line_utf16(&file.text, offset);
    Position::new(line as u32, character as u32)
}

pub fn range(file: &SourceFile, span: Span) -> Range {
    Range::new(position(file, span.start), position(file, span.end))
}

/// The byte offset of an editor position; past the end of a line or the file it clamps.
pub fn offset(file: &SourceFile, position: Position) -> usize {
    file.lines.offset_of_utf16(&file.text, position.line as usize, position.character as usize)
}

/// The byte span of an editor range, its ends ordered.
pub fn span(file: &SourceFile, range: Range) -> Span {
    let (a, b) = (offset(file, range.start), offset(file, range.end));
    Span::new(a.min(b), a.max(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn astral_characters_count_two_utf16_units_and_positions_clamp() {
        let file = SourceFile::new("a.yml", "x: \"😀y\"\nz\n");
        let y = file.text.find('y').unwrap();
        assert_eq!(position(&file, y), Position::new(0, 6));
        assert_eq!(offset(&file, Position::new(0, 6)), y);
        assert_eq!(offset(&file, Position::new(0, 999)), file.text.find('\n').unwrap());
        assert_eq!(offset(&file, Position::new(99, 0)), file.text.len());
    }
}
