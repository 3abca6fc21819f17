//! Metric exposition text (the Prometheus text format and OpenMetrics), read for its names: each
//! family with its `# TYPE`, `# HELP` and `# UNIT` lines, and the names and label names of its
//! samples, all with file spans. Sample values are not read. Tolerant by design: a line that does
//! not parse is skipped. (The catalog reads the same formats for what the metrics are; this reader
//! only keeps where their names are written.)

use crate::artifact::{ExposedFamily, Text};
use promaudit_diagnostics::Span;
use std::collections::HashMap;

/// Whether `text` is exposition text: its first line that is neither blank nor a comment is a
/// sample, or it has no such line and a `# HELP`/`# TYPE`/`# UNIT`/`# EOF` line. Ordinary comments
/// prove nothing (YAML has them too), and a YAML `key: 1` line is no sample: a metric name never
/// ends in `:`.
pub fn looks_like_exposition(text: &str) -> bool {
    let mut descriptor_seen = false;
    for (_, line) in lines(text) {
        let line = line.trim_start();
        if line.is_empty() {
            continue;
        }
        if line.starts_with('#') {
            descriptor_seen |= is_eof(line) || parse_descriptor(line, 0).is_some();
            continue;
        }
        return parse_sample(line, 0).is_some_and(|s| s.value.parse::<f64>().is_ok() && !s.name.value.ends_with(':'));
    }
    descriptor_seen
}

/// The families in `text`, in order of first mention.
pub fn families(text: &str) -> Vec<ExposedFamily> {
    let mut reader = Reader::default();
    for (start, line) in lines(text) {
        let trimmed = line.trim_start();
        let at = start + line.len() - trimmed.len();
        if trimmed.starts_with('#') {
            if let Some(descriptor) = parse_descriptor(trimmed, at) {
                reader.describe(descriptor);
            }
        } else if let Some(sample) = parse_sample(trimmed, at) {
            reader.sample(sample);
        }
    }
    reader.families
}

/// Each line with its start offset, without its line ending.
fn lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.split('\n').scan(0, |start, line| {
        let at = *start;
        *start += line.len() + 1;
        Some((at, line.strip_suffix('\r').unwrap_or(line)))
    })
}

/// The families read so far, in order of first mention, and where each is by name.
#[derive(Default)]
struct Reader {
    families: Vec<ExposedFamily>,
    by_name: HashMap<String, usize>,
}

impl Reader {
    fn describe(&mut self, descriptor: Descriptor) {
        let Descriptor { keyword, name, text } = descriptor;
        let family = self.family(&name);
        let family = &mut self.families[family];
        match keyword {
            Keyword::Type if family.kind.is_none() => {
                // The `# TYPE` line is where a family is declared: point there.
                family.name.span = name.span;
                family.kind = Some(text).filter(|t| !t.value.is_empty());
            }
            Keyword::Type => {}
            Keyword::Help => family.help = family.help.take().or(Some(text)),
            Keyword::Unit => family.unit = family.unit.take().or(Some(text).filter(|t| !t.value.is_empty())),
        }
    }

    fn sample(&mut self, sample: Sample) {
        let family = self.family_of_sample(&sample.name.value).unwrap_or_else(|| self.family(&sample.name));
        let family = &mut self.families[family];
        add_distinct(&mut family.samples, sample.name);
        for label in sample.labels {
            add_distinct(&mut family.labels, label);
        }
    }

    /// The family named `name`, created at this mention if it is new.
    fn family(&mut self, name: &Text) -> usize {
        if let Some(&at) = self.by_name.get(&name.value) {
            return at;
        }
        self.families.push(ExposedFamily { name: name.clone(), kind: None, help: None, unit: None, samples: Vec::new(), labels: Vec::new() });
        self.by_name.insert(name.value.clone(), self.families.len() - 1);
        self.families.len() - 1
    }

    /// The declared family a sample belongs to: its own name, or a family whose type writes
    /// samples with this suffix (`x_bucket` of histogram `x`, `x_total` of an OpenMetrics counter).
    fn family_of_sample(&self, name: &str) -> Option<usize> {
        if let Some(&at) = self.by_name.get(name) {
            return Some(at);
        }
        SAMPLE_SUFFIXES.iter().find_map(|(suffix, kinds)| {
            let at = *self.by_name.get(name.strip_suffix(suffix)?)?;
            let kind = self.families[at].kind.as_ref()?;
            kinds.contains(&kind.value.as_str()).then_some(at)
        })
    }
}

/// Sample name suffixes and the types that write them.
const SAMPLE_SUFFIXES: &[(&str, &[&str])] = &[
    ("_total", &["counter"]),
    ("_created", &["counter", "histogram", "gaugehistogram", "summary"]),
    ("_bucket", &["histogram", "gaugehistogram"]),
    ("_count", &["histogram", "summary"]),
    ("_sum", &["histogram", "summary"]),
    ("_gcount", &["gaugehistogram"]),
    ("_gsum", &["gaugehistogram"]),
    ("_info", &["info"]),
];

fn add_distinct(names: &mut Vec<Text>, name: Text) {
    if !names.iter().any(|known| known.value == name.value) {
        names.push(name);
    }
}

/// OpenMetrics' last line.
fn is_eof(line: &str) -> bool {
    line.strip_prefix('#').is_some_and(|rest| rest.trim() == "EOF")
}

enum Keyword {
    Help,
    Type,
    Unit,
}

/// A `# HELP`/`# TYPE`/`# UNIT` line; `text` is its help text, type or unit, empty when missing.
struct Descriptor {
    keyword: Keyword,
    name: Text,
    text: Text,
}

/// `line` starts with `#` at file offset `at`; `None` for any other comment.
fn parse_descriptor(line: &str, at: usize) -> Option<Descriptor> {
    let mut cursor = Cursor { text: line, pos: 1, base: at };
    cursor.skip_blanks();
    let keyword = match cursor.word() {
        "HELP" => Keyword::Help,
        "TYPE" => Keyword::Type,
        "UNIT" => Keyword::Unit,
        _ => return None,
    };
    if !cursor.skip_blanks() {
        return None;
    }
    let name = cursor.name()?;
    if !cursor.at_end() && !cursor.skip_blanks() {
        return None;
    }
    let start = cursor.pos;
    let end = match keyword {
        Keyword::Help => start + cursor.rest().trim_end().len(),
        Keyword::Type | Keyword::Unit => start + cursor.word().len(),
    };
    Some(Descriptor { keyword, name, text: cursor.text_at(start, end) })
}

/// A sample line's metric name and label names, and its value token.
struct Sample<'a> {
    name: Text,
    labels: Vec<Text>,
    value: &'a str,
}

/// `name{labels} value …`, `{__name__="name", labels} value …` (`promtool tsdb dump`) or
/// `{"name", labels} value …` (quoted UTF-8 names); `line` starts at file offset `at`.
fn parse_sample(line: &str, at: usize) -> Option<Sample<'_>> {
    let mut cursor = Cursor { text: line, pos: 0, base: at };
    let mut name = cursor.plain_name(true);
    let mut labels = Vec::new();
    if cursor.eat(b'{') {
        cursor.label_set(&mut name, &mut labels)?;
    }
    if !cursor.skip_blanks() {
        return None;
    }
    let value = cursor.word();
    (!value.is_empty()).then_some(Sample { name: name?, labels, value })
}

/// A position in one line, with the line's file offset.
struct Cursor<'a> {
    text: &'a str,
    pos: usize,
    base: usize,
}

impl<'a> Cursor<'a> {
    fn rest(&self) -> &'a str {
        &self.text[self.pos..]
    }

    fn at_end(&self) -> bool {
        self.pos >= self.text.len()
    }

    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.pos).copied()
    }

    fn eat(&mut self, byte: u8) -> bool {
        let found = self.peek() == Some(byte);
        self.pos += usize::from(found);
        found
    }

    /// Skips spaces and tabs; whether there were any.
    fn skip_blanks(&mut self) -> bool {
        let start = self.pos;
        while matches!(self.peek(), Some(b' ' | b'\t')) {
            self.pos += 1;
        }
        self.pos > start
    }

    /// Everything up to the next blank.
    fn word(&mut self) -> &'a str {
        let start = self.pos;
        while self.peek().is_some_and(|b| b != b' ' && b != b'\t') {
            self.pos += 1;
        }
        &self.text[start..self.pos]
    }

    fn text_at(&self, start: usize, end: usize) -> Text {
        Text { value: self.text[start..end].to_string(), span: Span::new(self.base + start, self.base + end) }
    }

    /// `[a-zA-Z_:][a-zA-Z0-9_:]*` for metric names, without `:` for label names.
    fn plain_name(&mut self, colons: bool) -> Option<Text> {
        let start = self.pos;
        let allowed = |b: u8, first: bool| b.is_ascii_alphabetic() || b == b'_' || (colons && b == b':') || (!first && b.is_ascii_digit());
        while self.peek().is_some_and(|b| allowed(b, self.pos == start)) {
            self.pos += 1;
        }
        (self.pos > start).then(|| self.text_at(start, self.pos))
    }

    /// A double-quoted string; the text is what lies between the quotes, escapes kept.
    fn quoted(&mut self) -> Option<Text> {
        if !self.eat(b'"') {
            return None;
        }
        let start = self.pos;
        loop {
            match self.peek()? {
                b'\\' => self.pos += 2,
                b'"' => break,
                _ => self.pos += 1,
            }
        }
        let inner = self.text_at(start, self.pos);
        self.pos += 1;
        Some(inner)
    }

    /// A metric name after a descriptor keyword, plain or quoted.
    fn name(&mut self) -> Option<Text> {
        if self.peek() == Some(b'"') {
            self.quoted()
        } else {
            self.plain_name(true)
        }
    }

    /// The items of `{…}` after the `{`: labels, or the metric name as `__name__="x"` or `"x"`.
    fn label_set(&mut self, name: &mut Option<Text>, labels: &mut Vec<Text>) -> Option<()> {
        loop {
            self.skip_blanks();
            if self.eat(b'}') {
                return Some(());
            }
            let key = if self.peek() == Some(b'"') { self.quoted()? } else { self.plain_name(false)? };
            self.skip_blanks();
            if self.eat(b'=') {
                self.skip_blanks();
                let value = self.quoted()?;
                if key.value == "__name__" {
                    *name = name.take().or(Some(value));
                } else {
                    labels.push(key);
                }
            } else if name.is_none() {
                *name = Some(key);
            } else {
                return None;
            }
            self.skip_blanks();
            if !self.eat(b',') && self.peek() != Some(b'}') {
                return None;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn at(text: &str, span: Span) -> &str {
        &text[span.start..span.end]
    }

    #[test]
    fn families_with_spans() {
        let text = "# HELP http_requests_total Requests served.\n# TYPE http_requests_total counter\nhttp_requests_total{code=\"200\",method=\"get\"} 3\nhttp_requests_total{code=\"500\",handler=\"/\"} 1 1700000000\n# TYPE rpc_duration_seconds histogram\nrpc_duration_seconds_bucket{le=\"0.1\"} 2\nrpc_duration_seconds_count 2\nstray{} 1\n";
        let families = families(text);
        let names: Vec<&str> = families.iter().map(|f| f.name.value.as_str()).collect();
        assert_eq!(names, ["http_requests_total", "rpc_duration_seconds", "stray"]);

        let requests = &families[0];
        assert_eq!(requests.name.span, Span::new(text.find("http_requests_total counter").unwrap(), text.find(" counter").unwrap()));
        assert_eq!(requests.kind.as_ref().map(|k| at(text, k.span)), Some("counter"));
        assert_eq!(requests.help.as_ref().map(|h| at(text, h.span)), Some("Requests served."));
        let labels: Vec<&str> = requests.labels.iter().map(|l| at(text, l.span)).collect();
        assert_eq!(labels, ["code", "method", "handler"]);
        assert_eq!(requests.labels[2].span.start, text.find("handler").unwrap());

        let histogram = &families[1];
        let samples: Vec<&str> = histogram.samples.iter().map(|s| at(text, s.span)).collect();
        assert_eq!(samples, ["rpc_duration_seconds_bucket", "rpc_duration_seconds_count"]);
        assert_eq!(histogram.labels[0].value, "le");
        assert!(families[2].kind.is_none() && families[2].help.is_none());
    }

    #[test]
    fn openmetrics_counters_own_their_total_samples() {
        let text = "# TYPE jobs counter\n# UNIT jobs_seconds seconds\njobs_total 1\njobs_created 1.7e9\n# EOF\n";
        let families = families(text);
        assert_eq!(families.len(), 2);
        let samples: Vec<&str> = families[0].samples.iter().map(|s| s.value.as_str()).collect();
        assert_eq!(samples, ["jobs_total", "jobs_created"]);
        assert_eq!(families[1].unit.as_ref().map(|u| at(text, u.span)), Some("seconds"));
    }

    #[test]
    fn names_inside_braces() {
        let text = "{__name__=\"heavy_metric\", foo=\"bar\"} 5 0\n{\"my.metric\", \"quoted label\"=\"x\"} 1\n";
        let families = families(text);
        assert_eq!(families.iter().map(|f| at(text, f.name.span)).collect::<Vec<_>>(), ["heavy_metric", "my.metric"]);
        assert_eq!(families[0].labels.iter().map(|l| l.value.as_str()).collect::<Vec<_>>(), ["foo"]);
        assert_eq!(at(text, families[1].labels[0].span), "quoted label");
    }

    #[test]
    fn malformed_lines_are_skipped() {
        let text = "# TYPE\n# HELP \nbroken{a=\"x} 1\nunterminated{a=\"x\" 1\nno_value\n{} 1\nok 1\n\"\n";
        let names: Vec<String> = families(text).into_iter().map(|f| f.name.value).collect();
        assert_eq!(names, ["ok"]);
    }

    #[test]
    fn detection_by_shape() {
        assert!(looks_like_exposition("# HELP x Help.\n# TYPE x gauge\nx 1\n"));
        assert!(looks_like_exposition("\n# Test output for a collector\nnode_up{a=\"b\"} 1\n"));
        assert!(looks_like_exposition("# HELP x Help.\n# TYPE x gauge\n"));
        assert!(looks_like_exposition("{__name__=\"x\", a=\"b\"} 5 0\n"));
        assert!(looks_like_exposition("x NaN\n"));
        // YAML and JSON keep their detection.
        assert!(!looks_like_exposition("# HELP wanted: this file\ngroups:\n- name: a\n"));
        assert!(!looks_like_exposition("version: 1\n"));
        assert!(!looks_like_exposition("# comment only\n"));
        assert!(!looks_like_exposition("{\"__name__\":\"x\",\"a\":\"b\"}\n"));
        assert!(!looks_like_exposition("{\"a\": 1}\n"));
        assert!(!looks_like_exposition("custom_metrics:\n  - name: x\n"));
    }

    proptest! {
        #[test]
        fn never_panics_and_spans_hold_their_names(text in "[#a-z_:{}=\",. \t\n\\\\1é]{0,80}") {
            looks_like_exposition(&text);
            for family in families(&text) {
                let names = std::iter::once(&family.name).chain(&family.samples).chain(&family.labels);
                for name in names {
                    prop_assert_eq!(&text[name.span.start..name.span.end], name.value.as_str());
                }
            }
        }
    }
}
