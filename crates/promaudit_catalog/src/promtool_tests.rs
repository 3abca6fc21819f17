//! `promtool test rules` files: their `input_series` describe the series the rules run on, which
//! is catalog knowledge the repository already keeps beside its rules.

use crate::{exposition, Family, LoadError};
use promaudit_source::yaml::load_yaml;

/// Families from every `tests[].input_series[].series` selector in a promtool test file.
pub fn parse(text: &str, source: &str) -> (Vec<Family>, Vec<LoadError>) {
    let stream = load_yaml(text);
    let mut exposition_text = String::new();
    let mut lines = Vec::new();
    let mut errors = Vec::new();
    if let Some(error) = &stream.error {
        errors.push(LoadError { source: source.to_string(), line: line_of(text, error.span.start), message: error.message.clone() });
    }
    for document in &stream.documents {
        for test in document.get("tests").map(|t| t.items()).unwrap_or_default() {
            for input in test.get("input_series").map(|s| s.items()).unwrap_or_default() {
                let Some(series) = input.get("series") else { continue };
                let Some(selector) = series.as_str() else { continue };
                // A series selector is an exposition sample without its value.
                exposition_text.push_str(selector.trim());
                exposition_text.push_str(" 0\n");
                lines.push(line_of(text, series.span.start));
            }
        }
    }
    let (mut families, sample_errors) = exposition::parse(&exposition_text, source);
    errors.extend(sample_errors.into_iter().map(|e| LoadError { line: lines.get(e.line - 1).copied().unwrap_or(0), ..e }));
    for family in &mut families {
        let line = family.origin.rsplit(':').next().and_then(|l| l.parse::<usize>().ok()).and_then(|l| lines.get(l - 1)).copied().unwrap_or(0);
        family.origin = format!("{source}:{line}");
    }
    (families, errors)
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn input_series_become_families() {
        let text = "rule_files: [r.yml]\ntests:\n  - input_series:\n      - series: 'join_1{a=\"1\",b=\"2\"}'\n        values: 1\n      - series: 'join_2{a=\"1\",b=\"3\"}'\n        values: 2\n      - series: 'join_2{a=\"1\",b=\"4\"}'\n        values: 3\n";
        let (families, errors) = parse(text, "t.yml");
        assert!(errors.is_empty(), "{errors:?}");
        let join_2 = families.iter().find(|f| f.name == "join_2").unwrap();
        assert_eq!(join_2.labels["b"].len(), 2);
        assert_eq!(join_2.series, 2);
        assert_eq!(join_2.origin, "t.yml:6");
    }
}
