//! Finding the family behind a series name, and the closest known name for a typo.

use crate::model::{Catalog, MetricFamily, MetricKind, OriginKind, SeriesRole, DISCOVERY_LABELS, SCRAPE_LABELS};
use promaudit_source::spelling::bounded_edit_distance;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Series suffixes, longest first so `_gcount` is tried before `_count`.
const SUFFIXES: [(&str, SeriesRole); 8] = [
    ("_created", SeriesRole::Created),
    ("_bucket", SeriesRole::Bucket),
    ("_gcount", SeriesRole::GaugeCount),
    ("_count", SeriesRole::Count),
    ("_total", SeriesRole::Total),
    ("_gsum", SeriesRole::GaugeSum),
    ("_info", SeriesRole::Info),
    ("_sum", SeriesRole::Sum),
];

fn role_fits(kind: MetricKind, role: SeriesRole) -> bool {
    use MetricKind::*;
    match role {
        SeriesRole::Sample => true,
        SeriesRole::Total => kind == Counter,
        SeriesRole::Created => matches!(kind, Counter | Histogram | Summary | GaugeHistogram),
        SeriesRole::Bucket => matches!(kind, Histogram | GaugeHistogram),
        SeriesRole::Sum | SeriesRole::Count => matches!(kind, Histogram | Summary),
        SeriesRole::GaugeSum | SeriesRole::GaugeCount => kind == GaugeHistogram,
        SeriesRole::Info => kind == Info,
    }
}

impl Catalog {
    /// The family a series name belongs to and which of its series it is: `x_bucket` → histogram
    /// `x`, `x_total` → OpenMetrics counter `x`, `x_created`, `x_gsum`, …. An exact family name
    /// wins, so a text-format counter `x_total` is its own family.
    pub fn resolve_series_name(&self, name: &str) -> Option<(&MetricFamily, SeriesRole)> {
        if let Some(family) = self.families.get(name) {
            return Some((family, SeriesRole::Sample));
        }
        SUFFIXES.iter().find_map(|&(suffix, role)| {
            let family = self.families.get(name.strip_suffix(suffix)?)?;
            role_fits(family.kind, role).then_some((family, role))
        })
        .or_else(|| self.resolve_text_format_created(name))
    }

    /// A text-format counter `x_total` exposes its creation time as `x_created`.
    fn resolve_text_format_created(&self, name: &str) -> Option<(&MetricFamily, SeriesRole)> {
        let base = name.strip_suffix("_created")?;
        let family = self.families.get(&format!("{base}_total"))?;
        (family.kind == MetricKind::Counter).then_some((family, SeriesRole::Created))
    }

    /// Every label a series of `name` can carry, including `job` and `instance` and the target
    /// labels of any known job; `None` when the name is unknown or its labels are only partly
    /// known. Built-in knowledge never tells: the labels a user's scrape and relabeling attach
    /// (`cluster`, `namespace`, `pod`, …) are unknown without their catalog. An exporter's output
    /// scraped by hand (no `job` on its samples) may also gain the labels Kubernetes service
    /// discovery attaches.
    pub fn series_labels(&self, name: &str) -> Option<BTreeSet<String>> {
        let (family, role) = self.resolve_series_name(name)?;
        if !family.labels_complete || family.origin.is_builtin() {
            return None;
        }
        let mut labels: BTreeSet<String> = family.label_names(role).into_iter().map(str::to_string).collect();
        if family.origin.kind != OriginKind::RecordingRule {
            if !family.labels.contains_key("job") {
                labels.extend(DISCOVERY_LABELS.iter().map(|l| l.to_string()));
            }
            labels.extend(SCRAPE_LABELS.iter().map(|l| l.to_string()));
            for job in self.jobs.values() {
                labels.extend(job.target_labels.iter().cloned());
            }
        }
        Some(labels)
    }

    /// The labels every series of `name` was seen with: empty when the name is unknown or its
    /// series were never observed.
    pub fn always_labels(&self, name: &str) -> BTreeSet<String> {
        let Some((family, role)) = self.resolve_series_name(name) else { return BTreeSet::new() };
        let mut labels = family.always.clone();
        if role == SeriesRole::Bucket && !labels.is_empty() {
            labels.insert("le".to_string());
        }
        labels
    }

    /// The known series name closest to `name`, for "did you mean". Builds the name index: to
    /// ask about many names, build it once with [`Catalog::name_index`].
    pub fn did_you_mean(&self, name: &str) -> Option<String> {
        self.name_index().closest(name)
    }

    /// Every series name, indexed for "did you mean" lookups.
    pub fn name_index(&self) -> NameIndex {
        let mut index = NameIndex::default();
        for family in self.families.values() {
            for candidate in family.series_names() {
                index.by_stem.entry(strip_series_suffix(&candidate).to_string()).or_default().push(candidate.clone());
                index.by_length.entry(candidate.chars().count()).or_default().push(candidate);
            }
        }
        index
    }
}

/// Series names by character length and by stem, so that a lookup computes edit distances
/// only against names whose length is within the distance bound.
#[derive(Debug, Default)]
pub struct NameIndex {
    by_length: BTreeMap<usize, Vec<String>>,
    by_stem: HashMap<String, Vec<String>>,
}

impl NameIndex {
    /// The closest name: one with the same stem and another suffix (`x_seconds` for
    /// `x_seconds_total`) first, else the smallest edit distance; ties go to the first name in
    /// order.
    pub fn closest(&self, name: &str) -> Option<String> {
        let same_stem = self.by_stem.get(strip_series_suffix(name)).into_iter().flatten().filter(|c| *c != name).min();
        if let Some(candidate) = same_stem {
            return Some(candidate.clone());
        }
        let length = name.chars().count();
        let limit = (length / 4).clamp(1, 4);
        let candidates = self.by_length.range(length.saturating_sub(limit)..=length + limit).flat_map(|(_, names)| names);
        candidates
            .filter(|c| *c != name)
            .filter_map(|c| bounded_edit_distance(name, c, limit).map(|d| (d, c)))
            .min()
            .map(|(_, c)| c.clone())
    }
}

fn strip_series_suffix(name: &str) -> &str {
    SUFFIXES.iter().find_map(|(suffix, _)| name.strip_suffix(suffix)).unwrap_or(name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Origin, OriginKind};

    fn catalog(families: &[(&str, MetricKind)]) -> Catalog {
        let mut catalog = Catalog::new();
        for (name, kind) in families {
            catalog.insert(MetricFamily::new(*name, *kind, Origin::new(OriginKind::Exposition, "test", 1)));
        }
        catalog
    }

    #[test]
    fn resolves_series_suffixes() {
        let c = catalog(&[
            ("http_request_duration_seconds", MetricKind::Histogram),
            ("rpc_seconds", MetricKind::Summary),
            ("om_requests", MetricKind::Counter),
            ("node_cpu_seconds_total", MetricKind::Counter),
            ("queue", MetricKind::GaugeHistogram),
            ("build", MetricKind::Info),
            ("temperature", MetricKind::Gauge),
        ]);
        let role = |n: &str| c.resolve_series_name(n).map(|(f, r)| (f.name.as_str(), r));
        assert_eq!(role("http_request_duration_seconds_bucket"), Some(("http_request_duration_seconds", SeriesRole::Bucket)));
        assert_eq!(role("http_request_duration_seconds_count"), Some(("http_request_duration_seconds", SeriesRole::Count)));
        assert_eq!(role("rpc_seconds_sum"), Some(("rpc_seconds", SeriesRole::Sum)));
        assert_eq!(role("rpc_seconds_bucket"), None);
        assert_eq!(role("om_requests_total"), Some(("om_requests", SeriesRole::Total)));
        assert_eq!(role("om_requests_created"), Some(("om_requests", SeriesRole::Created)));
        assert_eq!(role("node_cpu_seconds_total"), Some(("node_cpu_seconds_total", SeriesRole::Sample)));
        assert_eq!(role("node_cpu_seconds_created"), Some(("node_cpu_seconds_total", SeriesRole::Created)));
        assert_eq!(role("queue_gcount"), Some(("queue", SeriesRole::GaugeCount)));
        assert_eq!(role("queue_count"), None);
        assert_eq!(role("build_info"), Some(("build", SeriesRole::Info)));
        assert_eq!(role("temperature_total"), None);
        assert_eq!(role("nothing"), None);
    }

    #[test]
    fn bucket_series_carry_le() {
        let mut c = catalog(&[("latency_seconds", MetricKind::Histogram)]);
        c.families.get_mut("latency_seconds").unwrap().add_label("le", "0.5");
        c.families.get_mut("latency_seconds").unwrap().add_label("path", "/");
        let bucket = c.series_labels("latency_seconds_bucket").unwrap();
        assert!(bucket.contains("le") && bucket.contains("path") && bucket.contains("job"));
        assert!(!c.series_labels("latency_seconds_count").unwrap().contains("le"));
        assert_eq!(c.family("latency_seconds").unwrap().buckets, vec!["0.5"]);
    }

    #[test]
    fn suggests_close_names() {
        let c = catalog(&[
            ("node_cpu_seconds_total", MetricKind::Counter),
            ("node_memory_MemAvailable_bytes", MetricKind::Gauge),
            ("http_request_duration_seconds", MetricKind::Histogram),
        ]);
        assert_eq!(c.did_you_mean("node_cpu_second_total").as_deref(), Some("node_cpu_seconds_total"));
        assert_eq!(c.did_you_mean("node_memory_memavailable_bytes").as_deref(), Some("node_memory_MemAvailable_bytes"));
        assert_eq!(c.did_you_mean("http_request_duration_seconds_sum2").as_deref(), Some("http_request_duration_seconds_sum"));
        assert_eq!(c.did_you_mean("completely_different"), None);
    }
}
