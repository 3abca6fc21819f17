//! `promtool test rules` files: their `input_series` describe the series the rules run on, which
//! is catalog knowledge the repository already keeps beside its rules.

use crate::{parse_exposition, Loaded};
use promaudit_source::Node;

/// A promtool unit-test file: `tests:` whose entries have `input_series`.
pub fn is_promtool_tests(root: &Node) -> bool {
    root.get("tests").is_some_and(|tests| tests.items().iter().any(|t| t.get("input_series").is_some()))
}

/// Families from every `tests[].input_series[].series` selector.
pub fn read_promtool_tests(root: &Node, text: &str, source: &str) -> Loaded {
    let mut exposition = String::new();
    let mut lines = Vec::new();
    for test in root.get("tests").map(Node::items).unwrap_or_default() {
        for input in test.get("input_series").map(Node::items).unwrap_or_default() {
            let Some(series) = input.get("series") else { continue };
            let Some(selector) = series.as_str() else { continue };
            // A series selector is an exposition sample without its value.
            exposition.push_str(selector.trim());
            exposition.push_str(" 0\n");
            lines.push(text[..series.span.start.min(text.len())].matches('\n').count() + 1);
        }
    }
    let mut loaded = parse_exposition(&exposition, source);
    // Positions name the test file's lines, not the synthesized text's.
    for error in &mut loaded.errors {
        error.line = lines.get(error.line.wrapping_sub(1)).copied().unwrap_or(0);
        error.column = 0;
    }
    for family in loaded.catalog.families.values_mut() {
        family.origin.line = lines.get(family.origin.line.wrapping_sub(1)).copied().unwrap_or(0);
    }
    loaded
}

#[cfg(test)]
mod tests {
    use super::*;
    use promaudit_source::yaml::load_yaml;

    #[test]
    fn input_series_become_families() {
        let text = "rule_files: [r.yml]\ntests:\n  - input_series:\n      - series: 'join_1{a=\"1\",b=\"2\"}'\n        values: 1\n      - series: 'join_2{a=\"1\",b=\"3\"}'\n        values: 2\n      - series: 'join_2{a=\"1\",b=\"4\"}'\n        values: 3\n";
        let root = &load_yaml(text).documents[0];
        assert!(is_promtool_tests(root));
        let loaded = read_promtool_tests(root, text, "t.yml");
        assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
        let join_2 = loaded.catalog.family("join_2").unwrap();
        assert_eq!(join_2.labels["b"].distinct, 2);
        assert_eq!(join_2.origin.line, 6);
    }
}
