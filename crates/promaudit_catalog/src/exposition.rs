//! The Prometheus text exposition format and OpenMetrics, read into metric families.

use crate::{Family, LoadError, MetricKind, Unit};
use std::collections::{BTreeMap, HashMap};

/// Families in `text`, and the lines that could not be read (they are skipped).
pub fn parse(text: &str, source: &str) -> (Vec<Family>, Vec<LoadError>) {
    let mut families: Vec<Family> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut errors = Vec::new();
    for (number, line) in text.lines().enumerate() {
        let line = line.trim_end_matches('\r');
        let origin = || format!("{source}:{}", number + 1);
        if let Some(comment) = line.strip_prefix('#') {
            let mut words = comment.trim_start().splitn(3, ' ');
            let (Some(keyword), Some(name)) = (words.next(), words.next()) else { continue };
            let rest = words.next().unwrap_or("").trim();
            if !matches!(keyword, "HELP" | "TYPE" | "UNIT") {
                continue;
            }
            let family = family_mut(&mut families, &mut index, name, origin);
            match keyword {
                "HELP" => family.help = Some(rest.to_string()),
                "TYPE" => family.kind = MetricKind::parse(rest),
                _ => family.unit = Unit::from_openmetrics(rest),
            }
            continue;
        }
        if line.trim().is_empty() {
            continue;
        }
        match sample(line) {
            Ok((name, labels)) => {
                let family_name = owning_family(&families, &index, &name).unwrap_or(name);
                let family = family_mut(&mut families, &mut index, &family_name, origin);
                family.series += 1;
                for (label, value) in labels {
                    family.labels.entry(label).or_default().insert(value);
                }
            }
            Err(message) => errors.push(LoadError { source: source.to_string(), line: number + 1, message }),
        }
    }
    for family in &mut families {
        if family.unit == Unit::Unknown {
            family.unit = Unit::from_name(&family.name);
        }
        if family.unit == Unit::Unknown {
            family.unit = family.help.as_deref().map_or(Unit::Unknown, Unit::from_help);
        }
    }
    (families, errors)
}

fn family_mut<'f>(families: &'f mut Vec<Family>, index: &mut HashMap<String, usize>, name: &str, origin: impl Fn() -> String) -> &'f mut Family {
    let at = *index.entry(name.to_string()).or_insert_with(|| {
        families.push(Family { name: name.to_string(), kind: MetricKind::Untyped, help: None, unit: Unit::Unknown, labels: BTreeMap::new(), series: 0, origin: origin() });
        families.len() - 1
    });
    &mut families[at]
}

/// The declared family a sample belongs to: `x_bucket` belongs to histogram `x`.
fn owning_family(families: &[Family], index: &HashMap<String, usize>, name: &str) -> Option<String> {
    if index.contains_key(name) {
        return Some(name.to_string());
    }
    ["_bucket", "_sum", "_count", "_created", "_total", "_gcount", "_gsum", "_info"].iter().find_map(|suffix| {
        let base = name.strip_suffix(suffix)?;
        let family = &families[*index.get(base)?];
        (family.kind != MetricKind::Untyped).then(|| base.to_string())
    })
}

/// `name{label="value",…} value [timestamp] [# exemplar]`.
pub(crate) fn sample(line: &str) -> Result<(String, Vec<(String, String)>), String> {
    let name_end = line.find(|c: char| c == '{' || c.is_whitespace()).unwrap_or(line.len());
    let name = &line[..name_end];
    let mut labels = Vec::new();
    let mut rest = &line[name_end..];
    if let Some(body) = rest.strip_prefix('{') {
        let (parsed, after) = label_pairs(body)?;
        labels = parsed;
        rest = after;
    }
    // OpenMetrics allows the name inside the braces: `{"name.with.dots", a="b"}`.
    let name = if name.is_empty() {
        labels.iter().position(|(k, _)| k == "__name__").map(|i| labels.remove(i).1).ok_or("sample without a metric name")?
    } else {
        name.to_string()
    };
    let value = rest.split_whitespace().next().ok_or_else(|| format!("sample `{name}` has no value"))?;
    if value.parse::<f64>().is_err() && !matches!(value, "NaN" | "+Inf" | "-Inf" | "Inf") {
        return Err(format!("sample `{name}` has the value `{value}`, which is not a number"));
    }
    Ok((name, labels))
}

/// Label pairs up to the closing brace, and the text after it.
fn label_pairs(body: &str) -> Result<(Vec<(String, String)>, &str), String> {
    let mut pairs = Vec::new();
    let mut rest = body.trim_start();
    loop {
        if let Some(after) = rest.strip_prefix('}') {
            return Ok((pairs, after));
        }
        let quoted = rest.starts_with('"');
        let (name, after) = if let Some(body) = rest.strip_prefix('"') {
            quoted_string(body)?
        } else {
            let end = rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).ok_or("unterminated label set")?;
            if end == 0 {
                return Err(format!("expected a label name, found `{}`", rest.chars().next().unwrap_or(' ')));
            }
            (rest[..end].to_string(), &rest[end..])
        };
        let after = after.trim_start();
        match after.strip_prefix('=') {
            Some(value) => {
                let value = value.trim_start().strip_prefix('"').ok_or_else(|| format!("label `{name}` has an unquoted value"))?;
                let (value, after) = quoted_string(value)?;
                pairs.push((name, value));
                rest = after.trim_start();
            }
            None if !quoted => return Err(format!("label `{name}` has no `=`")),
            // A quoted name alone is the metric name.
            None => {
                pairs.push(("__name__".to_string(), name));
                rest = after;
            }
        }
        rest = rest.strip_prefix(',').unwrap_or(rest).trim_start();
    }
}

/// A quoted string's value (escapes `\\`, `\"`, `\n`) and the text after its closing quote.
fn quoted_string(text: &str) -> Result<(String, &str), String> {
    let mut value = String::new();
    let mut chars = text.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return Ok((value, &text[i + 1..])),
            '\\' => match chars.next() {
                Some((_, 'n')) => value.push('\n'),
                Some((_, other)) => value.push(other),
                None => break,
            },
            _ => value.push(c),
        }
    }
    Err("unterminated label value".into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn families_with_labels_and_suffixes() {
        let text = "# HELP http_seconds Latency.\n# TYPE http_seconds histogram\nhttp_seconds_bucket{code=\"200\",le=\"0.1\"} 3\nhttp_seconds_bucket{code=\"500\",le=\"+Inf\"} 4\nhttp_seconds_sum{code=\"200\"} 1.5\nhttp_seconds_count{code=\"200\"} 4\n# TYPE up gauge\nup{job=\"a\"} 1 1700000000\nloose_metric 7\nbad{a=b} 1\n";
        let (families, errors) = parse(text, "t.prom");
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].line, 10);
        let http = families.iter().find(|f| f.name == "http_seconds").unwrap();
        assert_eq!(http.kind, MetricKind::Histogram);
        assert_eq!(http.unit, Unit::Seconds);
        assert_eq!(http.labels["le"].iter().collect::<Vec<_>>(), ["+Inf", "0.1"]);
        assert!(families.iter().any(|f| f.name == "loose_metric" && f.kind == MetricKind::Untyped));
    }

    #[test]
    fn openmetrics_and_escapes() {
        let text = "# TYPE a_seconds counter\n# UNIT a_seconds seconds\na_seconds_total{path=\"/x\\\"y\"} 1 # {trace_id=\"abc\"} 1.0\n{\"b.c\", d=\"e\"} 2\n# EOF\n";
        let (families, errors) = parse(text, "t.om");
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(families[0].labels["path"].iter().next().unwrap(), "/x\"y");
        assert!(families.iter().any(|f| f.name == "b.c"));
    }

    #[test]
    fn real_fixtures_load_without_errors() {
        for fixture in ["dcgm-exporter.prom", "nvidia-smi-h100.prom", "node-exporter.prom", "matrixinfer.prom", "kubernetes.prom"] {
            let path = format!("{}/../../fixtures/catalog/{fixture}", env!("CARGO_MANIFEST_DIR"));
            let (families, errors) = parse(&std::fs::read_to_string(&path).unwrap(), fixture);
            assert!(errors.is_empty(), "{fixture}: {errors:?}");
            assert!(families.len() > 5, "{fixture}");
        }
    }

    proptest! {
        #[test]
        fn never_panics(text in "[a-z_{}=\",# \\\\\n0-9.]{0,80}") {
            let _ = parse(&text, "p");
        }
    }
}
