//! Piecewise maps from offsets in a derived text (a decoded YAML/JSON scalar, a substituted
//! query, a document embedded in a string) back to offsets in the text it came from.
//!
//! A map is a list of segments. A *verbatim* segment copies bytes one to one; any other segment
//! (an escape like `\n`, a folded line break, a substituted placeholder) maps as a whole: a
//! position inside it lands on its start, an end inside it lands on its end. Maps compose, so a
//! query inside a dashboard inside a ConfigMap string maps through both to the file.

use promaudit_diagnostics::Span;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Segment {
    pub text_start: usize,
    pub text_len: usize,
    pub target_start: usize,
    pub target_len: usize,
    /// Copied byte for byte, as opposed to produced by an escape, a fold or a substitution.
    pub verbatim: bool,
}

impl Segment {
    pub fn verbatim(&self) -> bool {
        self.verbatim
    }

    fn text_end(&self) -> usize {
        self.text_start + self.text_len
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OffsetMap {
    /// Sorted by `text_start`, contiguous in text coordinates.
    segments: Vec<Segment>,
}

impl OffsetMap {
    /// Text that sits unchanged at `target_start` in its target.
    pub fn identity(target_start: usize, len: usize) -> Self {
        let mut map = OffsetMap::default();
        map.push_verbatim(len, target_start);
        map
    }

    /// Length of the derived text covered so far.
    pub fn text_len(&self) -> usize {
        self.segments.last().map_or(0, Segment::text_end)
    }

    /// Appends `len` bytes copied verbatim from `target_start`.
    pub fn push_verbatim(&mut self, len: usize, target_start: usize) {
        if len == 0 {
            return;
        }
        let text_start = self.text_len();
        if let Some(last) = self.segments.last_mut() {
            if last.verbatim() && last.target_start + last.target_len == target_start {
                last.text_len += len;
                last.target_len += len;
                return;
            }
        }
        self.segments.push(Segment { text_start, text_len: len, target_start, target_len: len, verbatim: true });
    }

    /// Appends `text_len` derived bytes produced from the `target_len` bytes at `target_start`
    /// (an escape sequence, a line break, a substituted placeholder).
    pub fn push_replaced(&mut self, text_len: usize, target_start: usize, target_len: usize) {
        let text_start = self.text_len();
        if text_len == 0 {
            // Nothing derived (a dropped line break, an empty substitution): widen the previous
            // segment so that ends still cover the consumed source.
            if let Some(last) = self.segments.last_mut() {
                if last.target_start + last.target_len == target_start && !last.verbatim() {
                    last.target_len += target_len;
                }
            }
            return;
        }
        self.segments.push(Segment { text_start, text_len, target_start, target_len, verbatim: false });
    }

    pub fn segments(&self) -> &[Segment] {
        &self.segments
    }

    fn segment_at(&self, offset: usize) -> Option<&Segment> {
        let index = self.segments.partition_point(|s| s.text_start <= offset);
        self.segments.get(index.checked_sub(1)?)
    }

    /// Where the byte at `offset` of the derived text came from.
    pub fn map_start(&self, offset: usize) -> usize {
        match self.segment_at(offset) {
            None => 0,
            Some(seg) if offset >= seg.text_end() => seg.target_start + seg.target_len,
            Some(seg) if seg.verbatim() => seg.target_start + (offset - seg.text_start),
            Some(seg) => seg.target_start,
        }
    }

    /// Where an exclusive end at `offset` of the derived text lands.
    pub fn map_end(&self, offset: usize) -> usize {
        if offset == 0 {
            return self.map_start(0);
        }
        match self.segment_at(offset - 1) {
            None => 0,
            Some(seg) if seg.verbatim() && offset <= seg.text_end() => seg.target_start + (offset - seg.text_start),
            Some(seg) => seg.target_start + seg.target_len,
        }
    }

    pub fn map_span(&self, span: Span) -> Span {
        let start = self.map_start(span.start);
        let end = self.map_end(span.end).max(start);
        Span::new(start, end)
    }

    /// Whether every byte of `span` of the derived text was copied verbatim: no escape, fold or
    /// substitution produced any of it.
    pub fn is_verbatim(&self, span: Span) -> bool {
        let overlaps = |s: &&Segment| s.text_start < span.end && span.start < s.text_end();
        self.segments.iter().filter(overlaps).all(Segment::verbatim)
    }

    /// The inverse of [`Self::map_start`] for bytes copied verbatim: the offset in the derived
    /// text of target offset `target` (its end included), or `None` when `target` lies in
    /// something escaped, folded or substituted, or outside the text.
    pub fn unmap(&self, target: usize) -> Option<usize> {
        self.segments.iter().find(|s| s.verbatim() && s.target_start <= target && target <= s.target_start + s.target_len).map(|s| s.text_start + (target - s.target_start))
    }

    /// `self` maps A→B and `outer` maps B→C; the result maps A→C.
    pub fn then(&self, outer: &OffsetMap) -> OffsetMap {
        let mut result = OffsetMap::default();
        for seg in &self.segments {
            if !seg.verbatim() {
                let start = outer.map_start(seg.target_start);
                let end = outer.map_end(seg.target_start + seg.target_len).max(start);
                result.push_replaced(seg.text_len, start, end - start);
                continue;
            }
            let (b0, b1) = (seg.target_start, seg.target_start + seg.target_len);
            let mut pos = b0;
            while pos < b1 {
                let Some(outer_seg) = outer.segment_at(pos).filter(|s| pos < s.text_end()) else {
                    // Past the end of the outer map: clamp to its end.
                    let end = outer.map_end(outer.text_len());
                    result.push_replaced(b1 - pos, end, 0);
                    break;
                };
                let chunk_end = b1.min(outer_seg.text_end());
                let len = chunk_end - pos;
                if outer_seg.verbatim() {
                    result.push_verbatim(len, outer_seg.target_start + (pos - outer_seg.text_start));
                } else {
                    result.push_replaced(len, outer_seg.target_start, outer_seg.target_len);
                }
                pos = chunk_end;
            }
        }
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The map of the JSON string body `a\"b` (file offsets 10..15) decoded to `a"b`.
    fn escaped() -> OffsetMap {
        let mut map = OffsetMap::default();
        map.push_verbatim(1, 10);
        map.push_replaced(1, 11, 2);
        map.push_verbatim(1, 13);
        map
    }

    #[test]
    fn verbatim_and_escapes_map_to_their_source() {
        let map = escaped();
        assert_eq!(map.map_start(0), 10);
        assert_eq!(map.map_start(1), 11);
        assert_eq!(map.map_start(2), 13);
        assert_eq!(map.map_end(2), 13);
        assert_eq!(map.map_end(3), 14);
        assert_eq!(map.map_span(Span::new(1, 2)), Span::new(11, 13));
    }

    #[test]
    fn composition_follows_both_maps() {
        // Inner text "xa\"b" where the inner text's bytes 1..4 are the outer derived text.
        let inner = OffsetMap::identity(0, 3).then(&escaped());
        assert_eq!(inner.map_span(Span::new(0, 3)), Span::new(10, 14));
        assert_eq!(inner.map_start(2), 13);
    }

    #[test]
    fn unmap_inverts_verbatim_bytes_only() {
        let map = escaped();
        assert_eq!(map.unmap(10), Some(0));
        assert_eq!(map.unmap(11), Some(1)); // the end of the verbatim `a`
        assert_eq!(map.unmap(12), None); // inside the escape `\"`
        assert_eq!(map.unmap(14), Some(3));
        assert_eq!(map.unmap(20), None);
    }

    #[test]
    fn verbatim_spans_hold_no_escape() {
        let map = escaped();
        assert!(map.is_verbatim(Span::new(0, 1)));
        assert!(map.is_verbatim(Span::new(2, 3)));
        assert!(!map.is_verbatim(Span::new(0, 2)));
        assert!(!map.is_verbatim(Span::new(1, 2)));
    }
}
