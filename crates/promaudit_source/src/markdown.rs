//! Fenced code blocks in Markdown, so that a runbook or a guide can be checked as it stands.

use crate::OffsetMap;
use promaudit_diagnostics::Span;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FencedBlock {
    /// The info string's first word, lowercased (`yaml`, `json`, …).
    pub lang: String,
    /// The content lines, between the fences.
    pub body: Span,
    /// The opening fence line.
    pub fence: Span,
    /// The opening fence's indentation, removed from content lines (CommonMark).
    pub indent: usize,
}

/// Every fenced block (``` or ~~~, three or more, indented up to three spaces — or more inside
/// list items). An unterminated block runs to the end of the document.
pub fn fenced_blocks(text: &str) -> Vec<FencedBlock> {
    let mut blocks = Vec::new();
    let mut open: Option<(FencedBlock, u8, usize)> = None;
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let content = line.trim_end_matches(['\n', '\r']);
        let indent = content.len() - content.trim_start_matches(' ').len();
        let trimmed = &content[indent..];
        let fence_char = trimmed.bytes().next().filter(|c| *c == b'`' || *c == b'~');
        let fence_len = fence_char.map_or(0, |c| trimmed.bytes().take_while(|b| *b == c).count());
        match &mut open {
            None if fence_len >= 3 => {
                let info = &trimmed[fence_len..];
                // A backtick fence's info string may not contain backticks.
                if fence_char == Some(b'`') && info.contains('`') {
                    offset += line.len();
                    continue;
                }
                let lang = info.split_whitespace().next().unwrap_or("").to_ascii_lowercase();
                let body_start = offset + line.len();
                let block = FencedBlock { lang, body: Span::empty(body_start), fence: Span::new(offset, offset + content.len()), indent };
                open = Some((block, fence_char.unwrap(), fence_len));
            }
            Some((block, c, len)) if fence_char == Some(*c) && fence_len >= *len && trimmed[fence_len..].trim().is_empty() && indent <= block.indent + 3 => {
                block.body = Span::new(block.body.start, offset);
                blocks.push(open.take().unwrap().0);
            }
            _ => {}
        }
        offset += line.len();
    }
    if let Some((mut block, _, _)) = open {
        block.body = Span::new(block.body.start, text.len());
        blocks.push(block);
    }
    blocks
}

/// A block's content with the fence's indentation removed from each line, and its map to `text`.
pub fn block_text(text: &str, block: &FencedBlock) -> (String, OffsetMap) {
    let mut content = String::new();
    let mut map = OffsetMap::default();
    let mut offset = block.body.start;
    for line in text[block.body.start..block.body.end].split_inclusive('\n') {
        let removable = line.len() - line.trim_start_matches(' ').len();
        let strip = removable.min(block.indent);
        content.push_str(&line[strip..]);
        map.push_verbatim(line.len() - strip, offset + strip);
        offset += line.len();
    }
    (content, map)
}

/// Words after which, or before which, an expression goes on: binary operators and the clauses
/// that need something on their other side.
const CONTINUING_WORDS: [&str; 12] = ["and", "or", "unless", "by", "without", "on", "ignoring", "group_left", "group_right", "bool", "offset", "atan2"];

/// The expressions of a `promql` block's content. Guides list several in one block, one a line or
/// apart with blank lines and `#` comments, so a line starts a new expression unless it continues
/// the one before: a bracket is still open, the line before ends with an operator or a clause
/// (`/`, `and`, `by (job)`), or this one starts with one. Spans exclude leading and trailing
/// blanks and comments; comments inside an expression stay, as PromQL allows them.
pub fn promql_expressions(content: &str) -> Vec<Span> {
    let mut expressions = Vec::new();
    let mut current: Option<Span> = None;
    let mut depth = 0usize;
    let mut previous_code = "";
    let mut offset = 0;
    for line in content.split_inclusive('\n') {
        let (code, depth_after) = code_and_depth(line, depth);
        let code = code.trim_end();
        let start = code.len() - code.trim_start().len();
        if !code.trim_start().is_empty() {
            let span = Span::new(offset + start, offset + code.len());
            current = match current {
                Some(open) if depth > 0 || continues_after(previous_code) || continues_before(code.trim_start()) => Some(open.cover(span)),
                open => {
                    expressions.extend(open);
                    Some(span)
                }
            };
            previous_code = code;
        }
        depth = depth_after;
        offset += line.len();
    }
    expressions.extend(current);
    expressions
}

/// A line without its `#` comment, and the bracket depth after it. Strings do not span lines.
fn code_and_depth(line: &str, mut depth: usize) -> (&str, usize) {
    let mut quote: Option<char> = None;
    let mut escaped = false;
    for (at, c) in line.char_indices() {
        match quote {
            Some(_) if escaped => escaped = false,
            Some(q) if c == '\\' && q != '`' => escaped = true,
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None => match c {
                '"' | '\'' | '`' => quote = Some(c),
                '#' => return (&line[..at], depth),
                '(' | '[' | '{' => depth += 1,
                ')' | ']' | '}' => depth = depth.saturating_sub(1),
                _ => {}
            },
        }
    }
    (line.trim_end_matches(['\n', '\r']), depth)
}

/// Whether code ending like this needs more: an operator, a keyword, a clause such as
/// `on(instance)` or the `by (job)` of `sum by (job)`, whose operand is still to come.
fn continues_after(code: &str) -> bool {
    if code.ends_with(['+', '-', '*', '/', '%', '^', '=', '<', '>', '~', ',', '(', '[', '{']) {
        return true;
    }
    let Some(inside) = code.strip_suffix(')') else { return CONTINUING_WORDS.contains(&last_word(code)) };
    // A label list: what stands before it says whether it ends the expression.
    let Some(open) = inside.rfind('(') else { return false };
    let before = inside[..open].trim_end();
    let keyword = last_word(before);
    match keyword {
        "on" | "ignoring" | "group_left" | "group_right" => true,
        // `sum by (job)` waits for its operand; `sum(x) by (job)` is whole.
        "by" | "without" => !before[..before.len() - keyword.len()].trim_end().ends_with(')'),
        _ => false,
    }
}

fn last_word(code: &str) -> &str {
    code.rsplit(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).next().unwrap_or("")
}

/// Whether code starting like this continues the expression before it.
fn continues_before(code: &str) -> bool {
    if code.starts_with(['+', '-', '*', '/', '%', '^', '=', '<', '>', '!', ')', ']', '}', '[', '@', ',']) {
        return true;
    }
    let first_word = code.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).next().unwrap_or("");
    CONTINUING_WORDS.contains(&first_word)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_blocks_with_languages() {
        let text = "# T\n\n```yaml\na: 1\n```\n\n~~~~ JSON extra\n{}\n~~~~\n\n```bash\necho\n```\n";
        let blocks = fenced_blocks(text);
        let langs: Vec<&str> = blocks.iter().map(|b| b.lang.as_str()).collect();
        assert_eq!(langs, ["yaml", "json", "bash"]);
        assert_eq!(&text[blocks[0].body.start..blocks[0].body.end], "a: 1\n");
        assert_eq!(&text[blocks[1].body.start..blocks[1].body.end], "{}\n");
    }

    #[test]
    fn indented_blocks_in_lists_are_dedented_with_a_map() {
        let text = "1. Step\n\n   ```yaml\n   foo: 1\n     bar: 2\n   ```\n";
        let blocks = fenced_blocks(text);
        let (content, map) = block_text(text, &blocks[0]);
        assert_eq!(content, "foo: 1\n  bar: 2\n");
        let bar = content.find("bar").unwrap();
        assert_eq!(map.map_start(bar), text.find("bar").unwrap());
    }

    #[test]
    fn unterminated_and_crlf() {
        let text = "```yml\r\na: 1\r\n";
        let blocks = fenced_blocks(text);
        assert_eq!(blocks[0].lang, "yml");
        assert_eq!(&text[blocks[0].body.start..blocks[0].body.end], "a: 1\r\n");
    }

    fn expressions(content: &str) -> Vec<&str> {
        promql_expressions(content).iter().map(|span| &content[span.start..span.end]).collect()
    }

    #[test]
    fn a_promql_block_holds_one_expression_or_a_list_of_them() {
        assert_eq!(expressions("histogram_quantile(\n  0.99,\n  sum by (le) (rate(x_bucket[5m]))\n)\n"), ["histogram_quantile(\n  0.99,\n  sum by (le) (rate(x_bucket[5m]))\n)"]);
        // One a line, as guides list the metrics to watch.
        assert_eq!(expressions("up{job=\"node\"}\nnode_load1\nnode_memory_MemAvailable_bytes{mountpoint=\"/\"}\n"), ["up{job=\"node\"}", "node_load1", "node_memory_MemAvailable_bytes{mountpoint=\"/\"}"]);
        // Headed by comments and apart by blank lines; a comment's `(` or `'` opens nothing.
        let listed = "# Error rate (don't page)\nsum(rate(e[5m]))\n/\nsum(rate(t[5m]))  # per second\n\n# Budget\n1 - (\n  # burnt\n  x\n)\n";
        assert_eq!(expressions(listed), ["sum(rate(e[5m]))\n/\nsum(rate(t[5m]))", "1 - (\n  # burnt\n  x\n)"]);
    }

    #[test]
    fn operators_and_clauses_continue_an_expression_across_lines() {
        let joined = ["rate(a[5m])\n  * on(job, instance) group_left(cluster)\n  info", "sum by (job)\n  (rate(a[5m]))", "a\nand\nb", "a > bool\n1", "a\n  unless on(job) b", "x\n[5m:1m]", "a offset\n5m"];
        for text in joined {
            assert_eq!(expressions(text), [text], "{text:?}");
        }
        // A whole aggregation ends where its clause ends; `")"` in a string closes nothing.
        assert_eq!(expressions("sum(a) by (job)\nb{x=\")\"}\n"), ["sum(a) by (job)", "b{x=\")\"}"]);
        assert!(expressions("# only a comment\n\n").is_empty());
    }

    #[test]
    fn the_seed_guide_yields_its_blocks() {
        let text = include_str!("../../../fixtures/seed/matrixinfer-monitoring.md");
        let blocks = fenced_blocks(text);
        let yaml = blocks.iter().filter(|b| b.lang == "yaml").count();
        let json = blocks.iter().filter(|b| b.lang == "json").count();
        assert_eq!((yaml, json), (14, 2));
        let alerts = blocks.iter().find(|b| text[b.body.start..b.body.end].contains("kind: PrometheusRule")).unwrap();
        assert!(text[alerts.body.start..alerts.body.end].starts_with("apiVersion: monitoring.coreos.com/v1"));
    }
}
