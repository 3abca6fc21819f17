//! The metric catalog: what is known about each metric family (type, help, unit, labels and
//! their values, series count) and each scrape job (interval, target labels), and where it was
//! learned. Every source is a pure function over text; only [`load_path`] reads files.

pub mod builtin;
pub mod catalog_file;
pub mod dcgm_csv;
pub mod exposition;
pub mod live;
mod load;
mod lookup;
pub mod model;
pub mod promtool_tests;
mod tree_sources;

pub use builtin::builtin_catalog;
pub use dcgm_csv::parse_dcgm_csv;
pub use exposition::parse_exposition;
pub use load::{load_path, load_path_lenient, load_text};
pub use tree_sources::{format_duration, is_custom_metrics, parse_duration, read_custom_metrics};
pub use lookup::NameIndex;
pub use promaudit_source::spelling::bounded_edit_distance;
pub use model::{
    Catalog, JobInfo, LabelStats, LoadError, MetricFamily, MetricKind, Origin, OriginKind, SeriesRole,
    DISCOVERY_LABELS, LABEL_VALUE_CAP, SCRAPE_LABELS,
};
pub use promaudit_semantic::{Dimension, Unit};

/// What the name of a metric the catalog does not know says by the naming conventions alone:
/// its base unit (`_seconds`, `_bytes`), observations counted by `_count` and `_bucket` series.
/// A counter only by `_total`: a `_count` may be a gauge of things.
fn value_by_name(metric: &str) -> Option<promaudit_semantic::SeriesValue> {
    let observed = Unit::from_conventional_name(metric);
    if observed == Unit::Unknown {
        return None;
    }
    let unit = if metric.ends_with("_count") || metric.ends_with("_bucket") { Unit::Count } else { observed };
    let counter = metric.ends_with("_total");
    let per_second = !counter && promaudit_semantic::unit::names_a_rate(metric);
    Some(promaudit_semantic::SeriesValue { unit, observed, counter, per_second, range: None })
}

/// What a source yielded: the families it could read, and positioned errors for the rest.
#[derive(Debug, Default)]
pub struct Loaded {
    pub catalog: Catalog,
    pub errors: Vec<LoadError>,
}

impl promaudit_semantic::MetricFacts for Catalog {
    fn labels_of(&self, metric: &str) -> Option<std::collections::BTreeSet<String>> {
        self.series_labels(metric)
    }

    fn always_labels_of(&self, metric: &str) -> std::collections::BTreeSet<String> {
        self.always_labels(metric)
    }

    fn value_of(&self, metric: &str) -> Option<promaudit_semantic::SeriesValue> {
        match self.resolve_series_name(metric) {
            Some((family, role)) => Some(family.series_value(role)),
            None => value_by_name(metric),
        }
    }

    fn series_count(&self, metric: &str) -> Option<u64> {
        let (family, role) = self.resolve_series_name(metric)?;
        if family.origin.is_builtin() || family.series == 0 {
            return None;
        }
        let per_series = if role == SeriesRole::Bucket { family.buckets.len().max(1) } else { 1 };
        Some((family.series * per_series) as u64)
    }

    fn label_values_count(&self, metric: &str, label: &str) -> Option<u64> {
        let (family, role) = self.resolve_series_name(metric)?;
        if family.origin.is_builtin() {
            return None;
        }
        if label == "le" && role == SeriesRole::Bucket {
            return Some(family.buckets.len() as u64);
        }
        match family.labels.get(label) {
            // Recorded series name their labels without counting values.
            Some(stats) if stats.distinct > 0 => Some(stats.distinct as u64),
            Some(_) => None,
            None if family.labels_complete && !SCRAPE_LABELS.contains(&label) && !self.jobs.values().any(|j| j.target_labels.iter().any(|t| t == label)) => Some(0),
            None => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use promaudit_semantic::MetricFacts;

    #[test]
    fn unknown_names_give_their_conventional_units() {
        let catalog = crate::Catalog::new();
        let sum = catalog.value_of("http_request_duration_seconds_sum").unwrap();
        assert_eq!((sum.unit, sum.counter), (crate::Unit::Seconds, false));
        let count = catalog.value_of("http_request_duration_seconds_count").unwrap();
        assert_eq!((count.unit, count.observed), (crate::Unit::Count, crate::Unit::Seconds));
        assert!(catalog.value_of("net_bytes_total").unwrap().counter);
        assert!(catalog.value_of("rx_bytes_per_second").unwrap().per_second);
        assert_eq!(catalog.value_of("http_requests_total"), None);
        assert_eq!(catalog.value_of("gpu_clock_mhz"), None);
    }
}
