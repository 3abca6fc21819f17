//! `promtool test rules` files: their `input_series` show series the rules run on, which is
//! catalog knowledge the repository already keeps beside its rules.

use crate::model::OriginKind;
use crate::{parse_exposition, Loaded};
use promaudit_source::artifact::PromtoolTests;
use promaudit_source::{Document, LineCol, Node, OffsetMap};

/// The `promtool test rules` file the document `root` of `text` holds, if it is one.
pub fn promtool_tests_in(root: &Node, text: &str) -> Option<PromtoolTests> {
    let doc = Document { text: text.into(), to_file: OffsetMap::identity(0, text.len()), root: root.clone() };
    promaudit_source::extract::promtool_tests(&doc)
}

/// Families from every test's input series; `locate` turns a file offset into its position.
///
/// A test is a reduced example: the series it shows exist with the labels and values shown, but
/// says nothing of the labels, values and series it leaves out. So no family claims to list all
/// its labels or values, nor counts series.
pub fn input_series_families(tests: &PromtoolTests, source: &str, locate: impl Fn(usize) -> LineCol) -> Loaded {
    let series: Vec<_> = tests.tests.iter().flat_map(|t| &t.input_series).collect();
    // A series selector is an exposition sample without its value.
    let exposition: String = series.iter().map(|s| format!("{} 0\n", s.value.trim())).collect();
    let mut loaded = parse_exposition(&exposition, source);
    // Positions name the test file's, not the synthesized text's.
    let file_offset = |line: usize, column: usize| {
        let selector = series.get(line.wrapping_sub(1))?;
        let lead = selector.value.len() - selector.value.trim_start().len();
        let inner = lead + selector.value[lead..].chars().take(column.saturating_sub(1)).map(char::len_utf8).sum::<usize>();
        Some(selector.map.map_start(inner.min(selector.value.len())))
    };
    for error in &mut loaded.errors {
        let at = file_offset(error.line, error.column).map(&locate).unwrap_or(LineCol { line: 0, column: 0 });
        (error.line, error.column) = (at.line, at.column);
    }
    for family in loaded.catalog.families.values_mut() {
        family.origin.kind = OriginKind::PromtoolTest;
        family.origin.line = file_offset(family.origin.line, 1).map_or(0, |offset| locate(offset).line);
        family.labels_complete = false;
        family.series = 0;
        for stats in family.labels.values_mut() {
            stats.capped = true;
        }
    }
    loaded
}

#[cfg(test)]
mod tests {
    use super::*;
    use promaudit_source::yaml::load_yaml;

    fn families(text: &str) -> Loaded {
        let root = &load_yaml(text).documents[0];
        let tests = promtool_tests_in(root, text).expect("a promtool test file");
        let lines = promaudit_source::LineIndex::new(text);
        input_series_families(&tests, "t.yml", |offset| lines.line_col(text, offset))
    }

    #[test]
    fn input_series_become_families_that_list_nothing_completely() {
        let text = "rule_files: [r.yml]\ntests:\n  - input_series:\n      - series: 'join_1{a=\"1\",b=\"2\"}'\n        values: 1\n      - series: 'join_2{a=\"1\",b=\"3\"}'\n        values: 2\n      - series: 'join_2{a=\"1\",b=\"4\"}'\n        values: 3\n";
        let loaded = families(text);
        assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
        let join_2 = loaded.catalog.family("join_2").unwrap();
        assert_eq!((join_2.origin.kind, join_2.origin.line), (OriginKind::PromtoolTest, 6));
        assert_eq!(join_2.labels["b"].distinct, 2);
        assert!(!join_2.labels_complete && join_2.labels["b"].capped);
        assert_eq!(join_2.labels["b"].may_have_value("5"), None);
        assert_eq!(loaded.catalog.series_labels("join_2"), None);
    }

    #[test]
    fn a_malformed_series_is_reported_where_it_is_written() {
        let text = "tests:\n  - input_series:\n      - series: \"x{a=\\\"é\\\" b}\"\n        values: 1\n";
        let loaded = families(text);
        let [error] = loaded.errors.as_slice() else { panic!("{:?}", loaded.errors) };
        assert_eq!(error.line, 3);
        let line = text.lines().nth(2).unwrap();
        assert!(line.chars().nth(error.column - 1).is_some(), "{error:?} in {line}");
    }
}
