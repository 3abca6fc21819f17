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
