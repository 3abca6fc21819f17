//! Helpers for rules' fixes: edits computed in a query's parsed text.

use promaudit_diagnostics::Span;

/// The span that removes item `index` from a comma-separated list whose items are at `items`,
/// with one adjoining comma: the one after it, or before it for the last item.
pub fn list_item_removal(items: &[Span], index: usize) -> Span {
    match (index.checked_sub(1).map(|i| items[i]), items.get(index + 1)) {
        (_, Some(next)) => Span::new(items[index].start, next.start),
        (Some(previous), None) => Span::new(previous.end, items[index].end),
        (None, None) => items[index],
    }
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
