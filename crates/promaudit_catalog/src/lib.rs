//! The metric catalog: what is known about each metric family — type, help, unit, label names
//! and values, series count — and where it was learned. Built from exposition dumps (Prometheus
//! text format and OpenMetrics); lookups understand histogram and summary series suffixes.

pub mod exposition;
pub mod live;
pub mod promtool_tests;
pub mod unit;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;
pub use unit::Unit;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MetricKind {
    Counter,
    Gauge,
    Histogram,
    GaugeHistogram,
    Summary,
    Info,
    StateSet,
    Untyped,
}

impl MetricKind {
    pub fn parse(text: &str) -> Self {
        match text {
            "counter" => MetricKind::Counter,
            "gauge" => MetricKind::Gauge,
            "histogram" => MetricKind::Histogram,
            "gaugehistogram" => MetricKind::GaugeHistogram,
            "summary" => MetricKind::Summary,
            "info" => MetricKind::Info,
            "stateset" => MetricKind::StateSet,
            _ => MetricKind::Untyped,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            MetricKind::Counter => "counter",
            MetricKind::Gauge => "gauge",
            MetricKind::Histogram => "histogram",
            MetricKind::GaugeHistogram => "gaugehistogram",
            MetricKind::Summary => "summary",
            MetricKind::Info => "info",
            MetricKind::StateSet => "stateset",
            MetricKind::Untyped => "untyped",
        }
    }
}

/// One metric family.
#[derive(Clone, Debug, PartialEq)]
pub struct Family {
    pub name: String,
    pub kind: MetricKind,
    pub help: Option<String>,
    pub unit: Unit,
    /// Every label seen on the family's series, with the values seen.
    pub labels: BTreeMap<String, BTreeSet<String>>,
    pub series: usize,
    /// Where the family was learned: `file:line`.
    pub origin: String,
}

/// Which series of a family a name selects.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SeriesRole {
    Whole,
    Bucket,
    Sum,
    Count,
    Created,
}

#[derive(Clone, Debug, Default)]
pub struct Catalog {
    families: HashMap<String, Family>,
    /// Scrape interval per job, as recorded from a live server.
    pub scrape_intervals: BTreeMap<String, std::time::Duration>,
}

/// The comment `promaudit catalog record` writes for each job's scrape interval.
pub const INTERVAL_COMMENT: &str = "# promaudit: job ";

/// A problem in a catalog source, with its position.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoadError {
    pub source: String,
    pub line: usize,
    pub message: String,
}

impl std::fmt::Display for LoadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}: {}", self.source, self.line, self.message)
    }
}

/// Labels every scraped series carries, attached by Prometheus at scrape time.
const TARGET_LABELS: &[&str] = &["job", "instance"];

impl Catalog {
    pub fn is_empty(&self) -> bool {
        self.families.is_empty()
    }

    pub fn len(&self) -> usize {
        self.families.len()
    }

    pub fn families(&self) -> impl Iterator<Item = &Family> {
        self.families.values()
    }

    pub fn family(&self, name: &str) -> Option<&Family> {
        self.families.get(name)
    }

    /// The family a series name belongs to: `x_bucket` → histogram `x`, `x` → counter
    /// `x_total` exposed by OpenMetrics without its suffix, and so on.
    pub fn resolve(&self, series_name: &str) -> Option<(&Family, SeriesRole)> {
        if let Some(family) = self.families.get(series_name) {
            return Some((family, SeriesRole::Whole));
        }
        let suffixes = [("_bucket", SeriesRole::Bucket), ("_sum", SeriesRole::Sum), ("_count", SeriesRole::Count), ("_created", SeriesRole::Created), ("_total", SeriesRole::Whole)];
        suffixes.iter().find_map(|(suffix, role)| {
            let base = series_name.strip_suffix(suffix)?;
            let family = self.families.get(base)?;
            let fits = match role {
                SeriesRole::Bucket => matches!(family.kind, MetricKind::Histogram | MetricKind::GaugeHistogram),
                SeriesRole::Sum | SeriesRole::Count => matches!(family.kind, MetricKind::Histogram | MetricKind::GaugeHistogram | MetricKind::Summary),
                SeriesRole::Whole => family.kind == MetricKind::Counter,
                SeriesRole::Created => true,
            };
            fits.then_some((family, *role))
        })
    }

    /// The labels a series can carry, target labels included.
    pub fn series_labels(&self, series_name: &str) -> Option<BTreeSet<String>> {
        let (family, role) = self.resolve(series_name)?;
        let mut labels: BTreeSet<String> = family.labels.keys().cloned().collect();
        labels.extend(TARGET_LABELS.iter().map(|l| l.to_string()));
        // Bucket bounds and quantiles belong to some series of the family only. A family of
        // unknown type (a server without metadata) keeps every label its series showed.
        let histogram = matches!(family.kind, MetricKind::Histogram | MetricKind::GaugeHistogram);
        if histogram && role != SeriesRole::Bucket {
            labels.remove("le");
        }
        if family.kind == MetricKind::Summary && role != SeriesRole::Whole {
            labels.remove("quantile");
        }
        Some(labels)
    }

    /// The closest known name, for "did you mean".
    pub fn did_you_mean(&self, name: &str) -> Option<&str> {
        let limit = (name.len() / 3).max(2);
        self.families
            .keys()
            .filter(|candidate| candidate.len().abs_diff(name.len()) <= limit)
            .map(|candidate| (edit_distance(name, candidate), candidate))
            .filter(|(distance, _)| *distance <= limit)
            .min()
            .map(|(_, candidate)| candidate.as_str())
    }

    /// Adds families; labels and values merge, the first type and help are kept.
    pub fn merge(&mut self, families: Vec<Family>) {
        for family in families {
            match self.families.get_mut(&family.name) {
                Some(known) => {
                    for (label, values) in family.labels {
                        known.labels.entry(label).or_default().extend(values);
                    }
                    known.series += family.series;
                }
                None => {
                    self.families.insert(family.name.clone(), family);
                }
            }
        }
    }

    /// Loads every exposition file in `path` (a file or a directory: `.prom`, `.txt`,
    /// `.metrics`, `.om`) and the input series of `promtool test rules` files (`.yml`, `.yaml`).
    /// Malformed lines are reported and skipped.
    pub fn load_path(&mut self, path: &Path) -> Result<Vec<LoadError>, String> {
        let mut errors = Vec::new();
        let files = if path.is_dir() {
            let mut files: Vec<_> = std::fs::read_dir(path).map_err(|e| format!("{}: {e}", path.display()))?.filter_map(|e| e.ok().map(|e| e.path())).collect();
            files.retain(|f| f.extension().and_then(|e| e.to_str()).is_some_and(|e| matches!(e, "prom" | "txt" | "metrics" | "om" | "yml" | "yaml")));
            files.sort();
            files
        } else {
            vec![path.to_path_buf()]
        };
        for file in files {
            let text = std::fs::read_to_string(&file).map_err(|e| format!("{}: {e}", file.display()))?;
            let source = file.display().to_string();
            let is_yaml = file.extension().and_then(|e| e.to_str()).is_some_and(|e| matches!(e, "yml" | "yaml"));
            let (families, file_errors) = if is_yaml { promtool_tests::parse(&text, &source) } else { exposition::parse(&text, &source) };
            self.learn_intervals(&text);
            self.merge(families);
            errors.extend(file_errors);
        }
        Ok(errors)
    }
}

impl Catalog {
    /// Reads `# promaudit: job NAME scrape_interval MILLISms` comments.
    fn learn_intervals(&mut self, text: &str) {
        for line in text.lines().filter_map(|l| l.strip_prefix(INTERVAL_COMMENT)) {
            let mut words = line.split_whitespace();
            if let (Some(job), Some("scrape_interval"), Some(ms)) = (words.next(), words.next(), words.next()) {
                if let Some(ms) = ms.strip_suffix("ms").and_then(|m| m.parse().ok()) {
                    self.scrape_intervals.insert(job.to_string(), std::time::Duration::from_millis(ms));
                }
            }
        }
    }
}

impl promaudit_semantic::MetricFacts for Catalog {
    fn labels_of(&self, metric: &str) -> Option<BTreeSet<String>> {
        self.series_labels(metric)
    }
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = diagonal + usize::from(ca != *cb);
            diagonal = row[j + 1];
            row[j + 1] = substitution.min(row[j] + 1).min(row[j + 1] + 1);
        }
    }
    row[b.len()]
}
