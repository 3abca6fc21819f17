//! Helpers for rules' fixes: edits computed in a query's parsed text.

use crate::context::{CheckedQuery, FileContext, RegexMatcher};
use promaudit_diagnostics::{Edit, Span};

/// The span that removes item `index` from a comma-separated list whose items are at `items`,
/// with one adjoining comma: the one after it, or before it for the last item.
pub fn list_item_removal(items: &[Span], index: usize) -> Span {
    match (index.checked_sub(1).map(|i| items[i]), items.get(index + 1)) {
        (_, Some(next)) => Span::new(items[index].start, next.start),
        (Some(previous), None) => Span::new(previous.end, items[index].end),
        (None, None) => items[index],
    }
}

/// An edit replacing `span` of a query's parsed text, when the file holds that text byte for byte
/// (no placeholder, YAML or JSON escape in it), so the edit cannot cut an escape in two.
pub fn verbatim_edit(cx: &FileContext, query: &CheckedQuery, span: Span, replacement: impl Into<String>) -> Option<Edit> {
    let written = query.written(span)?;
    let file_span = query.file_span(span);
    (cx.file.text.get(file_span.start..file_span.end)? == written).then(|| Edit { span: file_span, replacement: replacement.into() })
}

/// The edits that rewrite a regex matcher as `operator` (`=` or `!=`) on `value`: the operator, and
/// the text between the quotes unless it reads `value` already. None when `value` would need
/// escaping or the file does not hold the matcher byte for byte.
pub fn regex_as_equality(cx: &FileContext, regex: &RegexMatcher, operator: &str, value: &str) -> Option<Vec<Edit>> {
    let mut edits = vec![verbatim_edit(cx, regex.query, regex.spans.op, operator)?];
    let inner = Span::new(regex.spans.value.start + 1, regex.spans.value.end.checked_sub(1)?);
    if regex.query.written(inner)? != value {
        let plain = value.chars().all(|c| !c.is_control() && !matches!(c, '"' | '\'' | '`' | '\\'));
        edits.push(verbatim_edit(cx, regex.query, inner, value).filter(|_| plain)?);
    }
    Some(edits)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn removes_one_item_and_one_comma() {
        let text = "on(a, b, c)";
        let items = [Span::new(3, 4), Span::new(6, 7), Span::new(9, 10)];
        let without = |i| {
            let span = list_item_removal(&items, i);
            format!("{}{}", &text[..span.start], &text[span.end..])
        };
        assert_eq!([without(0), without(1), without(2)], ["on(b, c)", "on(a, c)", "on(a, b)"]);
        assert_eq!(list_item_removal(&[Span::new(3, 4)], 0), Span::new(3, 4));
    }
}
