//! Finding what is under an offset: the name, and the query the offset is inside.

use promaudit_diagnostics::Span;
use promaudit_source::artifact::QuerySite;
use promaudit_source::SourceFile;

pub fn is_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b':'
}

/// The metric, function or label name around `offset` (touching it from either side).
pub fn name_at(text: &str, offset: usize) -> Option<(Span, &str)> {
    let bytes = text.as_bytes();
    let offset = offset.min(bytes.len());
    let start = offset - bytes[..offset].iter().rev().take_while(|&&b| is_name_byte(b)).count();
    let end = offset + bytes[offset..].iter().take_while(|&&b| is_name_byte(b)).count();
    // An empty range may sit inside a multi-byte character: never slice there.
    if start == end || bytes[start].is_ascii_digit() {
        return None;
    }
    Some((Span::new(start, end), &text[start..end]))
}

/// Whether the name ending at `end` is called: `(` follows, after blanks.
pub fn is_call(text: &str, end: usize) -> bool {
    text[end..].trim_start().starts_with('(')
}

/// The query whose text holds file offset `offset`, and the offset inside its decoded text.
pub fn query_at<'a>(sites: impl IntoIterator<Item = &'a QuerySite>, offset: usize) -> Option<(&'a QuerySite, usize)> {
    sites.into_iter().filter(|site| site.query.span.start <= offset && offset <= site.query.span.end).find_map(|site| site.query.map.unmap(offset).map(|inner| (site, inner)))
}

/// Every query in the file.
pub fn sites(extraction: &promaudit_source::artifact::Extraction) -> Vec<&QuerySite> {
    extraction.artifacts.iter().flat_map(|a| a.queries()).collect()
}

/// The 1-based line of an offset, for "defined at file:line".
pub fn line_of(file: &SourceFile, offset: usize) -> usize {
    file.line_col(offset).line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_touching_the_offset_from_either_side() {
        let text = "sum(job:up:sum{a=\"1\"})";
        assert_eq!(name_at(text, 4), Some((Span::new(4, 14), "job:up:sum")));
        assert_eq!(name_at(text, 14), Some((Span::new(4, 14), "job:up:sum")));
        assert_eq!(name_at(text, 3), Some((Span::new(0, 3), "sum")));
        assert_eq!(name_at("1.5 + 2", 1), None);
        assert_eq!(name_at(text, 999), None);
        assert_eq!(name_at("é", 1), None);
        assert!(is_call(text, 3) && !is_call(text, 14));
    }
}
