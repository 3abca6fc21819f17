//! The catalog's data: metric families, their labels and series, the jobs that scrape them.

use promaudit_semantic::Unit;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, HashSet};
use foldhash::HashMap;
use std::hash::{Hash, Hasher};
use std::time::Duration;

/// Known values kept per label; past this only the count grows, so a label holding request ids
/// cannot make the catalog as big as the dump it came from.
pub const LABEL_VALUE_CAP: usize = 1000;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MetricKind {
    Counter,
    Gauge,
    Histogram,
    GaugeHistogram,
    Summary,
    Info,
    StateSet,
    /// Declared `untyped` (or the OpenMetrics `unknown`), or a series without `# TYPE`.
    Untyped,
    /// Nothing said what the type is (a catalog file entry without `type`).
    Unknown,
}

impl MetricKind {
    pub fn parse(word: &str) -> Option<MetricKind> {
        let kind = match word.trim().to_ascii_lowercase().as_str() {
            "counter" => MetricKind::Counter,
            "gauge" => MetricKind::Gauge,
            "histogram" => MetricKind::Histogram,
            "gaugehistogram" | "gauge_histogram" => MetricKind::GaugeHistogram,
            "summary" => MetricKind::Summary,
            "info" => MetricKind::Info,
            "stateset" => MetricKind::StateSet,
            "untyped" | "unknown" => MetricKind::Untyped,
            _ => return None,
        };
        Some(kind)
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
            MetricKind::Unknown => "unknown",
        }
    }

    /// Whether the type says something (checks stay quiet about untyped and unknown families).
    pub fn is_known(self) -> bool {
        !matches!(self, MetricKind::Untyped | MetricKind::Unknown)
    }
}

/// Which series of a family a name selects.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SeriesRole {
    /// The family's own name: a gauge, an untyped series, a text-format counter `x_total`, a
    /// summary's quantile series, a native histogram.
    Sample,
    /// `x_total` of an OpenMetrics counter family `x`.
    Total,
    Created,
    Bucket,
    Sum,
    Count,
    /// `_gsum` / `_gcount` of an OpenMetrics gauge histogram.
    GaugeSum,
    GaugeCount,
    /// `x_info` of an OpenMetrics info family `x`.
    Info,
}

/// Where a family was learned. Built-in families are knowledge about an exporter, not
/// observation: their label value lists are empty because they are unknown, not because no
/// value occurs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OriginKind {
    Exposition,
    DcgmCsv,
    CustomMetrics,
    CatalogFile,
    BuiltIn,
    Live,
    /// A recording rule among the checked files.
    RecordingRule,
    /// The input series of a `promtool test rules` file: series that exist, not all of them.
    PromtoolTest,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Origin {
    pub kind: OriginKind,
    /// A file path, a URL, or the built-in table's exporter name.
    pub source: String,
    /// 1-based line of the first mention; 0 when there is no line.
    pub line: usize,
}

impl Origin {
    pub fn new(kind: OriginKind, source: impl Into<String>, line: usize) -> Self {
        Origin { kind, source: source.into(), line }
    }

    pub fn is_builtin(&self) -> bool {
        self.kind == OriginKind::BuiltIn
    }
}

/// What is known about one label of a family.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LabelStats {
    /// Values seen, at most [`LABEL_VALUE_CAP`].
    pub values: BTreeSet<String>,
    /// Distinct values seen, counting those past the cap.
    pub distinct: usize,
    /// True when `values` is incomplete: more values than the cap occurred.
    pub capped: bool,
    /// Hashes of the values past the cap, so `distinct` stays exact without keeping them.
    #[serde(skip)]
    overflow: HashSet<u64>,
}

impl LabelStats {
    /// A label known to take `distinct` values, none of them listed.
    pub fn unlisted(distinct: usize) -> Self {
        LabelStats { distinct, capped: distinct > 0, ..LabelStats::default() }
    }

    pub fn add(&mut self, value: &str) {
        if self.values.contains(value) {
            return;
        }
        if self.values.len() < LABEL_VALUE_CAP {
            self.values.insert(value.to_string());
            self.distinct += 1;
        } else if self.overflow.insert(hash_of(value)) {
            self.capped = true;
            self.distinct += 1;
        }
    }

    /// Adds another source's knowledge; a count without values (a catalog file saying only
    /// `distinct: 40000`) raises the count.
    pub fn merge(&mut self, other: &LabelStats) {
        let listed = other.values.len();
        for value in &other.values {
            self.add(value);
        }
        let unlisted = other.distinct.saturating_sub(listed);
        if unlisted > 0 {
            self.distinct = self.distinct.max(other.distinct);
            self.capped |= other.capped;
        }
    }

    /// Whether `value` can occur: `None` when the list is incomplete or was never known.
    pub fn may_have_value(&self, value: &str) -> Option<bool> {
        if self.values.contains(value) {
            return Some(true);
        }
        (!self.capped && !self.values.is_empty() && self.distinct == self.values.len()).then_some(false)
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MetricFamily {
    /// As declared: `x_total` for a text-format counter, `x` for an OpenMetrics one.
    pub name: String,
    pub kind: MetricKind,
    pub help: Option<String>,
    pub unit: Unit,
    /// Labels of the family's series; `le` and `quantile` are not here but in `buckets` and
    /// `quantiles`, since only some series of the family carry them.
    pub labels: BTreeMap<String, LabelStats>,
    /// True when `labels` names every label the series carry (observed series, a declared
    /// list); false when they are a typical subset (a DCGM CSV, which cannot know the
    /// exporter's attribute labels), so "label does not exist" checks must stay quiet.
    pub labels_complete: bool,
    /// Labels every observed series carries (without `le`/`quantile`): proof that a selector's
    /// series have them. Empty when nothing was observed.
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub always: BTreeSet<String>,
    /// Distinct label sets, not counting `le`/`quantile` (a histogram with 3 children and 10
    /// buckets counts 3).
    pub series: usize,
    /// `le` values as written (`1`, `1.0` and `+Inf` are different label values).
    pub buckets: Vec<String>,
    pub quantiles: Vec<String>,
    pub origin: Origin,
}

impl MetricFamily {
    pub fn new(name: impl Into<String>, kind: MetricKind, origin: Origin) -> Self {
        MetricFamily {
            name: name.into(),
            kind,
            help: None,
            unit: Unit::Unknown,
            labels: BTreeMap::new(),
            labels_complete: true,
            always: BTreeSet::new(),
            series: 0,
            buckets: Vec::new(),
            quantiles: Vec::new(),
            origin,
        }
    }

    /// Values a sample of `role` can take, from its unit and type; `None` when unbounded.
    pub fn value_range(&self, role: SeriesRole) -> Option<(f64, f64)> {
        let non_negative = match role {
            SeriesRole::Bucket | SeriesRole::Count | SeriesRole::GaugeCount | SeriesRole::Created => true,
            SeriesRole::Total => true,
            SeriesRole::Info => return Some((1.0, 1.0)),
            SeriesRole::Sum | SeriesRole::GaugeSum => false,
            SeriesRole::Sample => self.kind == MetricKind::Counter,
        };
        let by_unit = if matches!(role, SeriesRole::Sample) && self.kind != MetricKind::Counter {
            self.unit.value_range()
        } else {
            None
        };
        by_unit.or(non_negative.then_some((0.0, f64::INFINITY)))
    }

    /// What the samples of its `role` series measure.
    pub fn series_value(&self, role: SeriesRole) -> promaudit_semantic::SeriesValue {
        let (unit, counter) = match role {
            SeriesRole::Sample => (self.unit, self.kind == MetricKind::Counter),
            SeriesRole::Total => (self.unit, true),
            SeriesRole::Bucket | SeriesRole::Count => (Unit::Count, true),
            SeriesRole::Sum => (self.unit, true),
            SeriesRole::GaugeCount => (Unit::Count, false),
            SeriesRole::GaugeSum => (self.unit, false),
            SeriesRole::Created => (Unit::Seconds, false),
            SeriesRole::Info => (Unit::Count, false),
        };
        // A counter with no unit counts events: requests, errors, restarts.
        let unit = if counter && unit == Unit::Unknown { Unit::Count } else { unit };
        let per_second = role == SeriesRole::Sample && !counter && promaudit_semantic::unit::names_a_rate(&self.name);
        promaudit_semantic::SeriesValue { unit, observed: self.unit, counter, per_second, range: self.value_range(role) }
    }

    /// The series names this family exposes, for "did you mean" and for listing.
    pub fn series_names(&self) -> Vec<String> {
        let name = &self.name;
        let with = |suffixes: &[&str]| suffixes.iter().map(|s| format!("{name}{s}")).collect::<Vec<_>>();
        match self.kind {
            MetricKind::Counter if !name.ends_with("_total") => with(&["_total"]),
            MetricKind::Histogram => with(&["_bucket", "_sum", "_count"]),
            MetricKind::GaugeHistogram => with(&["_bucket", "_gsum", "_gcount"]),
            MetricKind::Summary => with(&["", "_sum", "_count"]),
            MetricKind::Info if !name.ends_with("_info") => with(&["_info"]),
            _ => vec![name.clone()],
        }
    }

    /// Label names a series of `role` carries (without the target labels a scrape adds).
    pub fn label_names(&self, role: SeriesRole) -> BTreeSet<&str> {
        let mut names: BTreeSet<&str> = self.labels.keys().map(String::as_str).collect();
        if role == SeriesRole::Bucket {
            names.insert("le");
        }
        if role == SeriesRole::Sample && self.kind == MetricKind::Summary {
            names.insert("quantile");
        }
        names
    }

    /// Records one series' labels (`le` and `quantile` go to buckets and quantiles).
    pub(crate) fn add_label(&mut self, name: &str, value: &str) {
        match name {
            "le" if matches!(self.kind, MetricKind::Histogram | MetricKind::GaugeHistogram) => {
                push_unique(&mut self.buckets, value)
            }
            "quantile" if self.kind == MetricKind::Summary => push_unique(&mut self.quantiles, value),
            _ => self.labels.entry(name.to_string()).or_default().add(value),
        }
    }

    /// Merges another source's view of the same family: union of labels and values, the larger
    /// series count, the first help, type and unit that say something.
    pub(crate) fn absorb(&mut self, other: &MetricFamily) {
        if !self.kind.is_known() && other.kind.is_known() {
            self.kind = other.kind;
        }
        if self.help.is_none() {
            self.help.clone_from(&other.help);
        }
        if self.unit == Unit::Unknown {
            self.unit = other.unit;
        }
        // Observed series from one source name the labels even if another source only guessed.
        self.labels_complete |= other.labels_complete;
        // Labels on every series of both sources; a source that observed nothing says nothing.
        self.always = match (self.series, other.series) {
            (0, _) => other.always.clone(),
            (_, 0) => std::mem::take(&mut self.always),
            _ => self.always.intersection(&other.always).cloned().collect(),
        };
        for (name, stats) in &other.labels {
            self.labels.entry(name.clone()).or_default().merge(stats);
        }
        self.series = self.series.max(other.series);
        for bucket in &other.buckets {
            push_unique(&mut self.buckets, bucket);
        }
        for quantile in &other.quantiles {
            push_unique(&mut self.quantiles, quantile);
        }
    }
}

fn push_unique(list: &mut Vec<String>, value: &str) {
    if !list.iter().any(|v| v == value) {
        list.push(value.to_string());
    }
}

pub(crate) fn hash_of(value: &str) -> u64 {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    value.hash(&mut hasher);
    hasher.finish()
}

/// A scrape job: its interval and the labels every one of its series carries.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobInfo {
    pub scrape_interval: Option<Duration>,
    /// `job`, `instance`, and what `relabel_configs` write with `target_label`.
    pub target_labels: Vec<String>,
}

/// A problem in a catalog source, at its 1-based line and column (in characters). Warnings are
/// things that loaded but disagree (a family typed differently by two sources).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoadError {
    pub source: String,
    pub line: usize,
    pub column: usize,
    pub message: String,
    pub warning: bool,
    /// Nothing of the source could be read (a missing file, YAML that does not parse), as opposed
    /// to one bad line in a dump: a run without its catalog cannot be trusted.
    pub unreadable: bool,
}

impl LoadError {
    pub fn new(line: usize, column: usize, message: impl Into<String>) -> Self {
        LoadError { source: String::new(), line, column, message: message.into(), warning: false, unreadable: false }
    }

    pub fn unreadable(line: usize, column: usize, message: impl Into<String>) -> Self {
        LoadError { unreadable: true, ..LoadError::new(line, column, message) }
    }

    pub fn warning(line: usize, column: usize, message: impl Into<String>) -> Self {
        LoadError { warning: true, ..LoadError::new(line, column, message) }
    }

    pub fn in_source(mut self, source: &str) -> Self {
        if self.source.is_empty() {
            self.source = source.to_string();
        }
        self
    }
}

impl std::fmt::Display for LoadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let level = if self.warning { "warning" } else { "error" };
        write!(f, "{}:{}:{}: {level}: {}", self.source, self.line, self.column, self.message)
    }
}

/// Everything known about the metrics a query can select.
#[derive(Clone, Debug, Default)]
pub struct Catalog {
    pub families: HashMap<String, MetricFamily>,
    pub jobs: BTreeMap<String, JobInfo>,
    /// The global `scrape_interval`, for series whose job is unknown.
    pub default_scrape_interval: Option<Duration>,
}

/// Labels every scraped series carries whatever its job's relabelling does.
pub const SCRAPE_LABELS: [&str; 2] = ["job", "instance"];

/// Target labels Kubernetes service discovery gives series (ServiceMonitors, PodMonitors and
/// `kubernetes_sd_configs` with the usual relabelling). An exporter's own output, scraped by
/// hand, lacks them; the series Prometheus stores may well carry them.
pub const DISCOVERY_LABELS: [&str; 5] = ["namespace", "pod", "service", "container", "endpoint"];

impl Catalog {
    pub fn new() -> Self {
        Catalog::default()
    }

    pub fn len(&self) -> usize {
        self.families.len()
    }

    pub fn is_empty(&self) -> bool {
        self.families.is_empty()
    }

    pub fn family(&self, name: &str) -> Option<&MetricFamily> {
        self.families.get(name)
    }

    /// Families sorted by name, for stable output.
    pub fn sorted_families(&self) -> Vec<&MetricFamily> {
        let mut families: Vec<_> = self.families.values().collect();
        families.sort_by(|a, b| a.name.cmp(&b.name));
        families
    }

    /// Adds a family, merging it into one of the same name. Returns a warning when the two
    /// sources disagree on the type; the first type is kept.
    pub fn insert(&mut self, family: MetricFamily) -> Option<LoadError> {
        let Some(known) = self.families.get_mut(&family.name) else {
            self.families.insert(family.name.clone(), family);
            return None;
        };
        let conflict = known.kind.is_known() && family.kind.is_known() && known.kind != family.kind;
        let warning = conflict.then(|| {
            let message = format!(
                "{} is a {} in {}:{} but a {} here; keeping {}",
                family.name,
                known.kind.as_str(),
                known.origin.source,
                known.origin.line,
                family.kind.as_str(),
                known.kind.as_str()
            );
            LoadError::warning(family.origin.line, 1, message).in_source(&family.origin.source)
        });
        known.absorb(&family);
        warning
    }

    /// Merges another catalog into this one (see [`Catalog::insert`]); jobs known here win.
    pub fn merge(&mut self, other: Catalog) -> Vec<LoadError> {
        let mut families: Vec<_> = other.families.into_values().collect();
        families.sort_by(|a, b| a.name.cmp(&b.name));
        let warnings = families.into_iter().filter_map(|f| self.insert(f)).collect();
        for (name, job) in other.jobs {
            self.jobs.entry(name).or_insert(job);
        }
        self.default_scrape_interval = self.default_scrape_interval.or(other.default_scrape_interval);
        warnings
    }

    pub fn set_job(&mut self, name: impl Into<String>, job: JobInfo) {
        self.jobs.insert(name.into(), job);
    }

    pub fn set_default_scrape_interval(&mut self, interval: Duration) {
        self.default_scrape_interval = Some(interval);
    }

    /// The interval `job` is scraped at, falling back to the global default.
    pub fn scrape_interval(&self, job: Option<&str>) -> Option<Duration> {
        job.and_then(|j| self.jobs.get(j)).and_then(|j| j.scrape_interval).or(self.default_scrape_interval)
    }
}
