//! Sources read from YAML/JSON trees: the MatrixInfer `custom_metrics:` list and promaudit's own
//! catalog file. Both read a [`Node`] so that YAML and JSON, and documents embedded in a
//! ConfigMap string, share one reader; `text` is the text the node's spans index into.

use crate::model::{Catalog, JobInfo, LabelStats, LoadError, MetricFamily, MetricKind, Origin, OriginKind};
use promaudit_semantic::Unit;
use crate::Loaded;
use promaudit_source::{LineIndex, Node};
use std::time::Duration;

/// Turns node spans into positioned errors and origins.
struct Positions<'a> {
    text: &'a str,
    lines: LineIndex,
    source: &'a str,
    errors: Vec<LoadError>,
}

impl<'a> Positions<'a> {
    fn new(text: &'a str, source: &'a str) -> Self {
        Positions { text, lines: LineIndex::new(text), source, errors: Vec::new() }
    }

    fn line(&self, node: &Node) -> usize {
        self.lines.line_col(self.text, node.span.start).line
    }

    fn error(&mut self, node: &Node, message: impl Into<String>) {
        let at = self.lines.line_col(self.text, node.span.start);
        self.errors.push(LoadError::new(at.line, at.column, message).in_source(self.source));
    }

    fn origin(&self, kind: OriginKind, node: &Node) -> Origin {
        Origin::new(kind, self.source, self.line(node))
    }
}

/// Whether a document is a `custom_metrics:` list.
pub fn is_custom_metrics(root: &Node) -> bool {
    root.get("custom_metrics").is_some_and(Node::is_seq)
}

/// Whether a document is a promaudit catalog file.
pub fn is_catalog_file(root: &Node) -> bool {
    root.get("version").is_some() && root.get("metrics").is_some_and(Node::is_seq)
}

/// The MatrixInfer custom-metrics list: `custom_metrics: [{name, type, help, labels, buckets}]`.
/// Label values are unknown; bucket bounds become the histogram's `le` values.
pub fn read_custom_metrics(root: &Node, text: &str, source: &str) -> Loaded {
    let mut at = Positions::new(text, source);
    let mut catalog = Catalog::new();
    let mut warnings = Vec::new();
    for item in root.get("custom_metrics").map(Node::items).unwrap_or_default() {
        if let Some(family) = read_metric(item, &mut at, OriginKind::CustomMetrics) {
            warnings.extend(catalog.insert(family));
        }
    }
    at.errors.extend(warnings);
    Loaded { catalog, errors: at.errors }
}

/// promaudit's catalog file, schema version 1 (schema in [`crate::catalog_file`]).
pub fn read_catalog_file(root: &Node, text: &str, source: &str) -> Loaded {
    let mut at = Positions::new(text, source);
    let mut catalog = Catalog::new();
    match root.get("version") {
        Some(v) if v.as_str() == Some("1") => {}
        Some(v) => at.error(v, "unsupported catalog file version; expected 1"),
        None => at.error(root, "missing `version: 1`"),
    }
    if let Some(node) = root.get("default_scrape_interval") {
        catalog.default_scrape_interval = read_duration(node, &mut at);
    }
    for item in root.get("jobs").map(Node::items).unwrap_or_default() {
        if let Some((name, job)) = read_job(item, &mut at) {
            catalog.set_job(name, job);
        }
    }
    let mut warnings = Vec::new();
    for item in root.get("metrics").map(Node::items).unwrap_or_default() {
        if let Some(family) = read_metric(item, &mut at, OriginKind::CatalogFile) {
            warnings.extend(catalog.insert(family));
        }
    }
    at.errors.extend(warnings);
    Loaded { catalog, errors: at.errors }
}

fn read_metric(item: &Node, at: &mut Positions, origin: OriginKind) -> Option<MetricFamily> {
    let Some(name) = item.get_str("name").filter(|n| !n.is_empty()) else {
        at.error(item, "a metric needs a `name`");
        return None;
    };
    let kind = match item.get("type") {
        None => MetricKind::Unknown,
        Some(node) => MetricKind::parse(node.as_str().unwrap_or("")).unwrap_or_else(|| {
            at.error(node, "unknown metric type; expected counter, gauge, histogram, gaugehistogram, summary, info, stateset or untyped");
            MetricKind::Unknown
        }),
    };
    let mut family = MetricFamily::new(name, kind, at.origin(origin, item));
    family.help = item.get_str("help").map(str::to_string);
    family.unit = read_unit(item, at).unwrap_or_else(|| infer_unit(name, family.help.as_deref()));
    if let Some(labels) = item.get("labels") {
        read_labels(labels, &mut family, at);
    }
    // Without a `labels:` key nothing says which labels exist.
    family.labels_complete = item.get("labels").is_some() && item.get_str("labels_complete") != Some("false");
    family.buckets = item.get("buckets").map(|b| scalars(b, at)).unwrap_or_default();
    family.quantiles = item.get("quantiles").map(|q| scalars(q, at)).unwrap_or_default();
    if let Some(series) = item.get("series") {
        match series.as_str().and_then(|s| s.parse().ok()) {
            Some(count) => family.series = count,
            None => at.error(series, "`series` must be a whole number"),
        }
    }
    Some(family)
}

fn read_unit(item: &Node, at: &mut Positions) -> Option<Unit> {
    let node = item.get("unit")?;
    let unit = node.as_str().and_then(Unit::parse);
    if unit.is_none() {
        let known: Vec<_> = Unit::ALL.iter().map(|u| u.as_str()).collect();
        at.error(node, format!("unknown unit; expected one of {}", known.join(", ")));
    }
    unit
}

pub(crate) fn infer_unit(name: &str, help: Option<&str>) -> Unit {
    match Unit::from_name(name) {
        Unit::Unknown => help.map_or(Unit::Unknown, Unit::from_help),
        unit => unit,
    }
}

/// `labels:` is a list of names, or a map from name to a list of values, or to
/// `{values: [...], distinct: N}` when only some values are listed.
fn read_labels(node: &Node, family: &mut MetricFamily, at: &mut Positions) {
    if node.is_seq() {
        for name in scalars(node, at) {
            family.labels.entry(name).or_default();
        }
        return;
    }
    if !node.is_map() {
        at.error(node, "`labels` must be a list of names or a map of name to values");
        return;
    }
    for (key, value) in node.entries() {
        let Some(name) = key.as_str() else { continue };
        let mut stats = LabelStats::default();
        let (values, distinct) = if value.is_map() {
            (value.get("values"), value.get_str("distinct").and_then(|d| d.parse::<usize>().ok()))
        } else {
            (Some(value), None)
        };
        for v in values.map(|v| scalars(v, at)).unwrap_or_default() {
            family.add_label_value(name, &v, &mut stats);
        }
        if let Some(distinct) = distinct.filter(|d| *d > stats.distinct) {
            stats.merge(&LabelStats::unlisted(distinct));
        }
        if !matches!(name, "le" | "quantile") || !stats.values.is_empty() {
            family.labels.entry(name.to_string()).or_default().merge(&stats);
        }
    }
}

fn scalars(node: &Node, at: &mut Positions) -> Vec<String> {
    if node.is_null() {
        return Vec::new();
    }
    if !node.is_seq() {
        at.error(node, "expected a list");
        return Vec::new();
    }
    node.items().iter().filter_map(|item| item.as_str().map(str::to_string)).collect()
}

fn read_job(item: &Node, at: &mut Positions) -> Option<(String, JobInfo)> {
    let Some(name) = item.get_str("name") else {
        at.error(item, "a job needs a `name`");
        return None;
    };
    let scrape_interval = item.get("scrape_interval").and_then(|n| read_duration(n, at));
    let target_labels = item.get("target_labels").map(|t| scalars(t, at)).unwrap_or_default();
    Some((name.to_string(), JobInfo { scrape_interval, target_labels }))
}

fn read_duration(node: &Node, at: &mut Positions) -> Option<Duration> {
    let parsed = node.as_str().and_then(parse_duration);
    if parsed.is_none() {
        at.error(node, "expected a duration such as 30s, 1m or 1h30m");
    }
    parsed
}

/// A Prometheus duration: `30s`, `1m30s`, `500ms`, `1h`, `1d`, `1w`, `1y`, and `0` alone.
pub fn parse_duration(text: &str) -> Option<Duration> {
    let mut rest = text.trim();
    if rest.is_empty() || rest == "0" {
        return (rest == "0").then_some(Duration::ZERO);
    }
    let mut total_ms: u128 = 0;
    while !rest.is_empty() {
        let digits = rest.find(|c: char| !c.is_ascii_digit()).unwrap_or(rest.len());
        let number: u128 = rest[..digits].parse().ok()?;
        rest = &rest[digits..];
        let unit_len = rest.find(|c: char| c.is_ascii_digit()).unwrap_or(rest.len());
        let ms_per_unit: u128 = match &rest[..unit_len] {
            "ms" => 1,
            "s" => 1_000,
            "m" => 60_000,
            "h" => 3_600_000,
            "d" => 86_400_000,
            "w" => 7 * 86_400_000,
            "y" => 365 * 86_400_000,
            _ => return None,
        };
        total_ms = total_ms.checked_add(number.checked_mul(ms_per_unit)?)?;
        rest = &rest[unit_len..];
    }
    Some(Duration::from_millis(u64::try_from(total_ms).ok()?))
}

/// The shortest Prometheus duration text for `duration` (whole milliseconds).
pub fn format_duration(duration: Duration) -> String {
    let mut ms = duration.as_millis();
    if ms == 0 {
        return "0s".to_string();
    }
    let mut out = String::new();
    for (unit, size) in [("h", 3_600_000), ("m", 60_000), ("s", 1_000), ("ms", 1)] {
        if ms >= size {
            out.push_str(&format!("{}{unit}", ms / size));
            ms %= size;
        }
    }
    out
}

impl MetricFamily {
    /// Adds one listed value of `name`, routing `le`/`quantile` to buckets/quantiles.
    fn add_label_value(&mut self, name: &str, value: &str, stats: &mut LabelStats) {
        match name {
            "le" if matches!(self.kind, MetricKind::Histogram | MetricKind::GaugeHistogram) => self.add_label(name, value),
            "quantile" if self.kind == MetricKind::Summary => self.add_label(name, value),
            _ => stats.add(value),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use promaudit_source::yaml::load_yaml;

    fn yaml(text: &str) -> Node {
        let stream = load_yaml(text);
        assert!(stream.error.is_none(), "{:?}", stream.error);
        stream.documents.into_iter().next().unwrap()
    }

    #[test]
    fn reads_the_matrixinfer_configmap() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../rules/metrics-config.yaml");
        let outer_text = std::fs::read_to_string(path).unwrap();
        let outer = yaml(&outer_text);
        let inner_text = outer.path(&["data", "metrics.yaml"]).and_then(Node::as_str).unwrap().to_string();
        let inner = yaml(&inner_text);
        assert!(is_custom_metrics(&inner));
        let loaded = read_custom_metrics(&inner, &inner_text, "metrics.yaml");
        assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
        let ratio = loaded.catalog.family("model_cache_hit_ratio").unwrap();
        assert_eq!((ratio.kind, ratio.unit), (MetricKind::Gauge, Unit::Ratio));
        assert_eq!(ratio.labels.keys().collect::<Vec<_>>(), ["cache_type", "model_id"]);
        let batch = loaded.catalog.family("batch_processing_efficiency").unwrap();
        assert_eq!(batch.kind, MetricKind::Histogram);
        assert_eq!(batch.buckets.first().map(String::as_str), Some("0.1"));
        assert_eq!(batch.origin.line, 17); // of the embedded text
    }

    #[test]
    fn catalog_file_errors_are_positioned() {
        let text = "version: 1\nmetrics:\n  - name: a\n    type: countr\n  - type: gauge\n  - name: b\n    unit: furlongs\n    series: many\njobs:\n  - name: node\n    scrape_interval: 30x\n";
        let loaded = read_catalog_file(&yaml(text), text, "c.yaml");
        let positions: Vec<_> = loaded.errors.iter().map(|e| (e.line, e.column)).collect();
        assert_eq!(positions, [(11, 22), (4, 11), (5, 5), (7, 11), (8, 13)], "{:?}", loaded.errors);
        assert_eq!(loaded.catalog.len(), 2);
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("1m30s"), Some(Duration::from_secs(90)));
        assert_eq!(parse_duration("500ms"), Some(Duration::from_millis(500)));
        assert_eq!(parse_duration("30x"), None);
        assert_eq!(parse_duration(""), None);
        assert_eq!(format_duration(Duration::from_secs(90)), "1m30s");
        assert_eq!(format_duration(Duration::from_millis(15_500)), "15s500ms");
    }
}
