//! The Prometheus text exposition format and OpenMetrics, read into metric families.
//!
//! Lenient by design: it reads dumps to learn what metrics exist, so a malformed line is reported
//! with its position and skipped, and the rest of the file still loads. Beyond the two formats it
//! accepts what real dumps contain: quoted UTF-8 metric names (`{"my.metric", a="b"}`),
//! `{__name__="x"}` selectors from `promtool tsdb dump`, the JSON label sets of
//! `promtool tsdb dump-series`, exemplars, and native histogram values written as `{…}`.

use crate::model::{hash_of, Catalog, LoadError, MetricFamily, MetricKind, Origin, OriginKind, SeriesRole};
use promaudit_semantic::Unit;
use crate::Loaded;
use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

/// Families in `text`, and the lines that could not be read. `source` names the text in origins.
pub fn parse_exposition(text: &str, source: &str) -> Loaded {
    let mut reader = ExpositionReader::new(source);
    for line in text.split('\n') {
        reader.push_line(line);
    }
    reader.finish()
}

/// Exposition text read a line at a time, for text that is never whole in memory (a live
/// server's series, streamed as they arrive).
pub struct ExpositionReader<'s> {
    reader: Reader<'s>,
    lines: usize,
}

impl<'s> ExpositionReader<'s> {
    pub fn new(source: &'s str) -> Self {
        ExpositionReader { reader: Reader { source, ..Reader::default() }, lines: 0 }
    }

    /// The next line, without its `\n`.
    pub fn push_line(&mut self, line: &str) {
        self.lines += 1;
        let line = line.strip_suffix('\r').unwrap_or(line);
        if let Err((offset, message)) = self.reader.line(self.lines, line) {
            let column = line[..floor_boundary(line, offset)].chars().count() + 1;
            self.reader.errors.push(LoadError::new(self.lines, column, message).in_source(self.reader.source));
        }
    }

    pub fn finish(self) -> Loaded {
        self.reader.finish()
    }
}

#[derive(Default)]
struct Reader<'s> {
    source: &'s str,
    families: Vec<MetricFamily>,
    index: HashMap<String, usize>,
    /// Hashes of each family's label sets (without `le`/`quantile`), to count series once.
    series: Vec<HashSet<u64>>,
    /// The label names every sample of each family carried so far (`None` before the first).
    always: Vec<Option<BTreeSet<String>>>,
    /// Families with a `# UNIT` line, whose unit is not inferred from name or help.
    unit_declared: HashSet<usize>,
    errors: Vec<LoadError>,
    after_eof: bool,
}

/// A parse failure: byte offset in the line and message.
type LineError = (usize, String);

struct Sample<'a> {
    name: Cow<'a, str>,
    labels: Vec<(Cow<'a, str>, Cow<'a, str>)>,
}

impl<'s> Reader<'s> {
    fn line(&mut self, number: usize, line: &str) -> Result<(), LineError> {
        let trimmed = line.trim_start();
        if trimmed.is_empty() {
            return Ok(());
        }
        if self.after_eof {
            self.after_eof = false; // Report once; concatenated dumps repeat `# EOF`.
            return Err((0, "content after `# EOF`".to_string()));
        }
        let indent = line.len() - trimmed.len();
        if let Some(comment) = trimmed.strip_prefix('#') {
            return self.comment(number, comment).map_err(|(at, m)| (at + indent + 1, m));
        }
        let sample = parse_sample_line(trimmed).map_err(|(at, m)| (at + indent, m))?;
        self.record(number, sample);
        Ok(())
    }

    fn comment(&mut self, number: usize, comment: &str) -> Result<(), LineError> {
        let body = comment.trim_start_matches([' ', '\t']);
        let offset = comment.len() - body.len();
        let (keyword, rest) = body.split_once([' ', '\t']).unwrap_or((body, ""));
        if keyword == "EOF" {
            self.after_eof = true;
            return Ok(());
        }
        if !matches!(keyword, "HELP" | "TYPE" | "UNIT") {
            return Ok(()); // An ordinary comment.
        }
        let rest_offset = offset + keyword.len() + 1;
        let rest = rest.trim_start_matches([' ', '\t']);
        let (name, text) = split_descriptor_name(rest).map_err(|(at, m)| (rest_offset + at, m))?;
        let text = text.trim_start_matches([' ', '\t']);
        let family = self.family_index(&name, number);
        match keyword {
            "HELP" => self.families[family].help = Some(unescape_help(text)),
            "TYPE" => self.set_kind(family, text).map_err(|m| (rest_offset, m))?,
            _ => {
                self.families[family].unit = Unit::from_openmetrics(text);
                self.unit_declared.insert(family);
            }
        }
        Ok(())
    }

    fn set_kind(&mut self, family: usize, word: &str) -> Result<(), String> {
        let kind = MetricKind::parse(word).ok_or_else(|| format!("unknown metric type `{}`", word.trim()))?;
        let known = &mut self.families[family];
        let typed_before = known.kind != MetricKind::Untyped;
        if typed_before && known.kind != kind {
            return Err(format!("{} was typed {} before; keeping it", known.name, known.kind.as_str()));
        }
        known.kind = kind;
        Ok(())
    }

    fn family_index(&mut self, name: &str, line: usize) -> usize {
        if let Some(&at) = self.index.get(name) {
            return at;
        }
        let origin = Origin::new(OriginKind::Exposition, self.source, line);
        self.families.push(MetricFamily::new(name, MetricKind::Untyped, origin));
        self.series.push(HashSet::new());
        self.always.push(None);
        self.index.insert(name.to_string(), self.families.len() - 1);
        self.families.len() - 1
    }

    /// The family a sample belongs to: its own name, or a declared family it is a suffixed series
    /// of (`x_bucket` of histogram `x`). Anything else is an untyped family of its own.
    fn family_of_sample(&mut self, name: &str, line: usize) -> usize {
        if let Some(&at) = self.index.get(name) {
            return at;
        }
        let suffixed = SAMPLE_SUFFIXES.iter().find_map(|&(suffix, role)| {
            let at = *self.index.get(name.strip_suffix(suffix)?)?;
            suffix_fits(self.families[at].kind, role).then_some(at)
        });
        suffixed.unwrap_or_else(|| self.family_index(name, line))
    }

    fn record(&mut self, line: usize, sample: Sample) {
        let family = self.family_of_sample(&sample.name, line);
        let mut key: Vec<(&str, &str)> = Vec::with_capacity(sample.labels.len());
        for (name, value) in &sample.labels {
            if name == "__name__" {
                continue;
            }
            self.families[family].add_label(name, value);
            if name != "le" && name != "quantile" {
                key.push((name, value));
            }
        }
        let names: BTreeSet<String> = key.iter().map(|(n, _)| n.to_string()).collect();
        let always = &mut self.always[family];
        *always = Some(match always.take() {
            Some(seen) => seen.intersection(&names).cloned().collect(),
            None => names,
        });
        key.sort_unstable();
        let joined: String = key.iter().map(|(n, v)| format!("{n}\u{1}{v}\u{2}")).collect();
        self.series[family].insert(hash_of(&joined));
    }

    fn finish(mut self) -> Loaded {
        let mut catalog = Catalog::new();
        for (at, mut family) in self.families.into_iter().enumerate() {
            family.series = self.series[at].len();
            family.always = self.always[at].take().unwrap_or_default();
            // HELP and TYPE alone say nothing of the labels a family's series carry.
            family.labels_complete = family.series > 0;
            if !self.unit_declared.contains(&at) {
                family.unit = Unit::from_name(&family.name);
            }
            if family.unit == Unit::Unknown {
                family.unit = family.help.as_deref().map_or(Unit::Unknown, Unit::from_help);
            }
            if let Some(warning) = catalog.insert(family) {
                self.errors.push(warning);
            }
        }
        Loaded { catalog, errors: self.errors }
    }
}

const SAMPLE_SUFFIXES: [(&str, SeriesRole); 8] = [
    ("_total", SeriesRole::Total),
    ("_created", SeriesRole::Created),
    ("_bucket", SeriesRole::Bucket),
    ("_sum", SeriesRole::Sum),
    ("_count", SeriesRole::Count),
    ("_gsum", SeriesRole::GaugeSum),
    ("_gcount", SeriesRole::GaugeCount),
    ("_info", SeriesRole::Info),
];

fn suffix_fits(kind: MetricKind, role: SeriesRole) -> bool {
    use MetricKind::*;
    match role {
        SeriesRole::Total => kind == Counter,
        SeriesRole::Created => matches!(kind, Counter | Histogram | GaugeHistogram | Summary),
        SeriesRole::Bucket => matches!(kind, Histogram | GaugeHistogram),
        SeriesRole::Sum | SeriesRole::Count => matches!(kind, Histogram | Summary),
        SeriesRole::GaugeSum | SeriesRole::GaugeCount => kind == GaugeHistogram,
        SeriesRole::Info => kind == Info,
        SeriesRole::Sample => true,
    }
}

/// The metric name of a `# HELP`/`# TYPE`/`# UNIT` line (plain or quoted) and the text after it.
fn split_descriptor_name(rest: &str) -> Result<(Cow<'_, str>, &str), LineError> {
    if rest.starts_with('"') {
        let (name, end) = parse_quoted(rest, 0)?;
        return Ok((name, &rest[end..]));
    }
    let end = rest.find([' ', '\t']).unwrap_or(rest.len());
    if end == 0 {
        return Err((0, "expected a metric name".to_string()));
    }
    Ok((Cow::Borrowed(&rest[..end]), &rest[end..]))
}

/// HELP text escapes `\\` and `\n` (and `\"` in OpenMetrics).
fn unescape_help(text: &str) -> String {
    if !text.contains('\\') {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match (c, c == '\\') {
            (_, true) => match chars.next() {
                Some('n') => out.push('\n'),
                Some(other) => out.push(other),
                None => out.push('\\'),
            },
            (c, false) => out.push(c),
        }
    }
    out
}

fn parse_sample_line(line: &str) -> Result<Sample<'_>, LineError> {
    if line.starts_with("{\"") {
        if let Some(sample) = parse_json_series(line) {
            return Ok(sample);
        }
    }
    let name_end = line.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':')).unwrap_or(line.len());
    if line[..name_end].starts_with(|c: char| c.is_ascii_digit()) {
        return Err((0, "a metric name cannot start with a digit".to_string()));
    }
    let mut sample = Sample { name: Cow::Borrowed(&line[..name_end]), labels: Vec::new() };
    let mut at = name_end;
    if line[at..].starts_with('{') {
        at = parse_labels(line, at, &mut sample)?;
    }
    if sample.name.is_empty() {
        return Err((0, "expected a metric name".to_string()));
    }
    parse_value_and_rest(line, at)?;
    Ok(sample)
}

/// `promtool tsdb dump-series` writes one JSON object of labels per line, without a value.
fn parse_json_series(line: &str) -> Option<Sample<'_>> {
    let labels: BTreeMap<String, String> = serde_json::from_str(line).ok()?;
    let name = labels.get("__name__")?.clone();
    let labels = labels.into_iter().map(|(n, v)| (Cow::Owned(n), Cow::Owned(v))).collect();
    Some(Sample { name: Cow::Owned(name), labels })
}

/// Parses `{…}` starting at `at`; returns the offset after `}`.
fn parse_labels<'a>(line: &'a str, at: usize, sample: &mut Sample<'a>) -> Result<usize, LineError> {
    let bytes = line.as_bytes();
    let mut at = at + 1;
    loop {
        at = skip_spaces(line, at);
        match bytes.get(at) {
            None => return Err((at, "unclosed `{`".to_string())),
            Some(b'}') => return Ok(at + 1),
            _ => {}
        }
        let (name, after_name) = parse_label_name(line, at)?;
        let after = skip_spaces(line, after_name);
        if bytes.get(at) == Some(&b'"') && matches!(bytes.get(after), Some(b',' | b'}')) {
            // A quoted metric name inside the braces (UTF-8 names).
            if !sample.name.is_empty() {
                return Err((at, "a second metric name".to_string()));
            }
            sample.name = name;
            at = after;
        } else {
            if bytes.get(after) != Some(&b'=') {
                return Err((after, "expected `=` after the label name".to_string()));
            }
            let value_at = skip_spaces(line, after + 1);
            if bytes.get(value_at) != Some(&b'"') {
                return Err((value_at, "expected a quoted label value".to_string()));
            }
            let (value, end) = parse_quoted(line, value_at)?;
            if name == "__name__" && sample.name.is_empty() {
                sample.name = value.clone();
            }
            sample.labels.push((name, value));
            at = skip_spaces(line, end);
        }
        match bytes.get(at) {
            Some(b',') => at += 1,
            Some(b'}') => return Ok(at + 1),
            None => return Err((at, "unclosed `{`".to_string())),
            Some(_) => return Err((at, "expected `,` or `}` after a label".to_string())),
        }
    }
}

fn parse_label_name(line: &str, at: usize) -> Result<(Cow<'_, str>, usize), LineError> {
    if line.as_bytes()[at] == b'"' {
        return parse_quoted(line, at);
    }
    let rest = &line[at..];
    let len = rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(rest.len());
    if len == 0 || rest.starts_with(|c: char| c.is_ascii_digit()) {
        return Err((at, "expected a label name".to_string()));
    }
    Ok((Cow::Borrowed(&rest[..len]), at + len))
}

/// A double-quoted string at `at` with `\\`, `\"` and `\n` escapes; returns it and the offset
/// after the closing quote.
fn parse_quoted(line: &str, at: usize) -> Result<(Cow<'_, str>, usize), LineError> {
    let body_start = at + 1;
    let body = &line[body_start..];
    let mut escaped = false;
    for (i, c) in body.char_indices() {
        match (c, escaped) {
            ('\\', false) => escaped = true,
            ('"', false) => return Ok((unescape_label(&body[..i]), body_start + i + 1)),
            _ => escaped = false,
        }
    }
    Err((at, "unclosed quoted string".to_string()))
}

fn unescape_label(raw: &str) -> Cow<'_, str> {
    if !raw.contains('\\') {
        return Cow::Borrowed(raw);
    }
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some(other) => out.push(other),
            None => out.push('\\'),
        }
    }
    Cow::Owned(out)
}

/// After the labels: a value, an optional timestamp, an optional exemplar `# {…} v [ts]`.
fn parse_value_and_rest(line: &str, at: usize) -> Result<(), LineError> {
    let after = skip_spaces(line, at);
    if after == at && at < line.len() {
        return Err((at, "expected a space before the value".to_string()));
    }
    if after >= line.len() {
        return Err((after, "missing sample value".to_string()));
    }
    let mut at = after;
    if line.as_bytes()[at] == b'{' {
        at = skip_native_histogram(line, at)?;
    } else {
        at = parse_number(line, at, "sample value")?;
    }
    at = skip_spaces(line, at);
    if at < line.len() && line.as_bytes()[at] != b'#' {
        at = skip_spaces(line, parse_number(line, at, "timestamp")?);
    }
    if at < line.len() {
        parse_exemplar(line, at)?;
    }
    Ok(())
}

fn parse_exemplar(line: &str, at: usize) -> Result<(), LineError> {
    let bytes = line.as_bytes();
    if bytes[at] != b'#' {
        return Err((at, "unexpected text after the sample".to_string()));
    }
    let open = skip_spaces(line, at + 1);
    if bytes.get(open) != Some(&b'{') {
        return Err((open, "expected `{` to start an exemplar".to_string()));
    }
    let mut scratch = Sample { name: Cow::Borrowed("exemplar"), labels: Vec::new() };
    let mut at = skip_spaces(line, parse_labels(line, open, &mut scratch)?);
    at = skip_spaces(line, parse_number(line, at, "exemplar value")?);
    if at < line.len() {
        at = skip_spaces(line, parse_number(line, at, "exemplar timestamp")?);
    }
    if at < line.len() {
        return Err((at, "unexpected text after the exemplar".to_string()));
    }
    Ok(())
}

/// A native histogram written inline (`{count:3, sum:1.5, …}`), skipped to its matching brace.
fn skip_native_histogram(line: &str, at: usize) -> Result<usize, LineError> {
    let mut depth = 0usize;
    for (i, b) in line.bytes().enumerate().skip(at) {
        match b {
            b'{' | b'[' => depth += 1,
            b'}' | b']' => {
                depth -= 1;
                if depth == 0 {
                    return Ok(i + 1);
                }
            }
            _ => {}
        }
    }
    Err((at, "unclosed native histogram value".to_string()))
}

fn parse_number(line: &str, at: usize, what: &str) -> Result<usize, LineError> {
    let rest = &line[at..];
    let len = rest.find([' ', '\t']).unwrap_or(rest.len());
    let word = &rest[..len];
    let valid = word.parse::<f64>().is_ok() || matches!(word, "+Inf" | "-Inf" | "Inf" | "NaN");
    if len == 0 || !valid {
        return Err((at, format!("invalid {what} `{word}`")));
    }
    Ok(at + len)
}

fn skip_spaces(line: &str, at: usize) -> usize {
    let rest = &line[at.min(line.len())..];
    at + (rest.len() - rest.trim_start_matches([' ', '\t']).len())
}

fn floor_boundary(text: &str, mut offset: usize) -> usize {
    offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str) -> Loaded {
        parse_exposition(text, "test.prom")
    }

    #[test]
    fn text_format_families() {
        let loaded = load(
            "# HELP http_requests_total Requests.\n# TYPE http_requests_total counter\n\
             http_requests_total{code=\"200\",method=\"get\"} 10 1700000000000\n\
             http_requests_total{code=\"500\",method=\"get\"} 1\n\
             # TYPE latency_seconds histogram\n\
             latency_seconds_bucket{path=\"/\",le=\"0.1\"} 1\nlatency_seconds_bucket{path=\"/\",le=\"+Inf\"} 2\n\
             latency_seconds_sum{path=\"/\"} 0.3\nlatency_seconds_count{path=\"/\"} 2\n\
             untyped_thing 3\n",
        );
        assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
        let requests = loaded.catalog.family("http_requests_total").unwrap();
        assert_eq!(requests.kind, MetricKind::Counter);
        assert_eq!(requests.series, 2);
        assert_eq!(requests.help.as_deref(), Some("Requests."));
        assert_eq!(requests.labels["code"].values.iter().collect::<Vec<_>>(), ["200", "500"]);
        let latency = loaded.catalog.family("latency_seconds").unwrap();
        assert_eq!((latency.kind, latency.series, latency.unit), (MetricKind::Histogram, 1, Unit::Seconds));
        assert_eq!(latency.buckets, ["0.1", "+Inf"]);
        assert!(!latency.labels.contains_key("le"));
        assert_eq!(loaded.catalog.family("untyped_thing").unwrap().kind, MetricKind::Untyped);
        assert_eq!(loaded.catalog.len(), 3);
    }

    #[test]
    fn openmetrics_features() {
        let loaded = load(
            "# TYPE rpc counter\n# UNIT rpc seconds\n# HELP rpc Escaped \\\"help\\\" \\n text\n\
             rpc_total{a=\"x\\\"y\"} 1.0 # {trace_id=\"abc\"} 0.5 1.7e9\nrpc_created{a=\"x\\\"y\"} 1.7e9\n\
             # TYPE build info\nbuild_info{version=\"1\"} 1\n\
             # TYPE q gaugehistogram\nq_bucket{le=\"+Inf\"} 3\nq_gcount 3\nq_gsum 2\n\
             nan_gauge NaN\ninf_gauge +Inf\n# EOF\n",
        );
        assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
        let rpc = loaded.catalog.family("rpc").unwrap();
        assert_eq!((rpc.kind, rpc.unit, rpc.series), (MetricKind::Counter, Unit::Seconds, 1));
        assert_eq!(rpc.help.as_deref(), Some("Escaped \"help\" \n text"));
        assert!(rpc.labels["a"].values.contains("x\"y"));
        assert_eq!(loaded.catalog.family("build").unwrap().kind, MetricKind::Info);
        assert_eq!(loaded.catalog.family("q").unwrap().series, 1);
        assert_eq!(loaded.catalog.len(), 5);
    }

    #[test]
    fn dump_formats_and_utf8_names() {
        let loaded = load(
            "{__name__=\"heavy_metric\", foo=\"bar\"} 5 0\n{\"__name__\":\"series_only\",\"foo\":\"bar\"}\n\
             {\"my.dotted\", \"label.x\"=\"1\"} 2\nnative{a=\"b\"} {count:3,sum:1.5,[0,1]:2}\n",
        );
        assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
        for name in ["heavy_metric", "series_only", "my.dotted", "native"] {
            assert!(loaded.catalog.family(name).is_some(), "{name}");
        }
        assert!(loaded.catalog.family("my.dotted").unwrap().labels.contains_key("label.x"));
    }

    #[test]
    fn malformed_lines_are_reported_and_skipped() {
        let loaded = load("ok 1\nbad{a=\"b\" 1\nmissing_value\n# TYPE t sometype\nx{a=b} 1\n9bad 1\nalso_ok 2\n");
        let positions: Vec<_> = loaded.errors.iter().map(|e| (e.line, e.column)).collect();
        assert_eq!(positions, [(2, 11), (3, 14), (4, 8), (5, 5), (6, 1)], "{:?}", loaded.errors);
        assert!(loaded.catalog.family("ok").is_some() && loaded.catalog.family("also_ok").is_some());
        assert!(loaded.errors.iter().all(|e| e.source == "test.prom"));
    }

    #[test]
    fn unit_from_help_when_name_says_nothing() {
        let loaded = load("# HELP DCGM_FI_DEV_FB_USED Framebuffer memory used (in MiB).\n# TYPE DCGM_FI_DEV_FB_USED gauge\nDCGM_FI_DEV_FB_USED{gpu=\"0\"} 1\n");
        assert_eq!(loaded.catalog.family("DCGM_FI_DEV_FB_USED").unwrap().unit, Unit::Mebibytes);
    }
}
