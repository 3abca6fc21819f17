//! promaudit's own catalog file: written by hand or by `promaudit catalog record`, read back for
//! offline runs. YAML or JSON (JSON is YAML, so the writer emits JSON only).
//!
//! ```yaml
//! version: 1                      # required
//! default_scrape_interval: 30s    # the global scrape_interval (optional)
//! jobs:                           # optional
//!   - name: node
//!     scrape_interval: 15s
//!     target_labels: [job, instance, cluster]
//! metrics:
//!   - name: http_request_duration_seconds   # required; as exposed (`x_total` for counters)
//!     type: histogram             # counter | gauge | histogram | gaugehistogram | summary |
//!                                 # info | stateset | untyped (optional: unknown when absent)
//!     help: Request latency.
//!     unit: seconds               # see `Unit::as_str`; inferred from name and help when absent
//!     labels:                     # a list of names, when values are unknown: [code, method]
//!       code: ["200", "500"]      # or a map of name to the values that occur
//!       path: {values: ["/"], distinct: 40000}   # or some values and the distinct count
//!     buckets: ["0.1", "1", "+Inf"]   # `le` values as exposed (histograms)
//!     quantiles: ["0.5", "0.99"]      # summaries
//!     series: 120                 # series count (children, not counting le/quantile)
//!     labels_complete: false      # `labels` lists only some labels (default: true when
//!                                 # `labels` is present, false when it is absent)
//! ```

use crate::model::{Catalog, LabelStats, MetricFamily, MetricKind};
use crate::tree_sources::format_duration;
use promaudit_semantic::Unit;
use serde_json::{json, Map, Value};

pub use crate::tree_sources::{is_catalog_file, read_catalog_file};

/// The catalog as a version 1 catalog file, pretty-printed JSON with families sorted by name.
pub fn to_json(catalog: &Catalog) -> String {
    let mut root = Map::new();
    root.insert("version".into(), json!(1));
    if let Some(interval) = catalog.default_scrape_interval {
        root.insert("default_scrape_interval".into(), json!(format_duration(interval)));
    }
    if !catalog.jobs.is_empty() {
        let jobs: Vec<Value> = catalog.jobs.iter().map(|(name, job)| {
            let mut entry = Map::new();
            entry.insert("name".into(), json!(name));
            if let Some(interval) = job.scrape_interval {
                entry.insert("scrape_interval".into(), json!(format_duration(interval)));
            }
            entry.insert("target_labels".into(), json!(job.target_labels));
            Value::Object(entry)
        }).collect();
        root.insert("jobs".into(), Value::Array(jobs));
    }
    let metrics: Vec<Value> = catalog.sorted_families().into_iter().map(metric_json).collect();
    root.insert("metrics".into(), Value::Array(metrics));
    let mut text = serde_json::to_string_pretty(&Value::Object(root)).expect("JSON values always serialize");
    text.push('\n');
    text
}

fn metric_json(family: &MetricFamily) -> Value {
    let mut entry = Map::new();
    entry.insert("name".into(), json!(family.name));
    if family.kind != MetricKind::Unknown {
        entry.insert("type".into(), json!(family.kind.as_str()));
    }
    if let Some(help) = &family.help {
        entry.insert("help".into(), json!(help));
    }
    if family.unit != Unit::Unknown {
        entry.insert("unit".into(), json!(family.unit.as_str()));
    }
    if !family.labels_complete {
        entry.insert("labels_complete".into(), json!(false));
    }
    if !family.labels.is_empty() || family.labels_complete {
        let labels: Map<String, Value> = family.labels.iter().map(|(name, stats)| (name.clone(), label_json(stats))).collect();
        entry.insert("labels".into(), Value::Object(labels));
    }
    if !family.buckets.is_empty() {
        entry.insert("buckets".into(), json!(family.buckets));
    }
    if !family.quantiles.is_empty() {
        entry.insert("quantiles".into(), json!(family.quantiles));
    }
    if family.series > 0 {
        entry.insert("series".into(), json!(family.series));
    }
    Value::Object(entry)
}

fn label_json(stats: &LabelStats) -> Value {
    if stats.distinct > stats.values.len() {
        json!({ "values": stats.values, "distinct": stats.distinct })
    } else {
        json!(stats.values)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{JobInfo, Origin, OriginKind};
    use crate::parse_exposition;
    use std::time::Duration;

    fn read_back(text: &str) -> Catalog {
        let root = promaudit_source::json::load_json(text).expect("writer emits valid JSON");
        let loaded = read_catalog_file(&root, text, "catalog.json");
        assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
        loaded.catalog
    }

    #[test]
    fn round_trips_through_json() {
        let dump = "# HELP lat_seconds Latency.\n# TYPE lat_seconds histogram\nlat_seconds_bucket{path=\"/\",le=\"1.0\"} 1\n\
                    lat_seconds_bucket{path=\"/\",le=\"+Inf\"} 1\nlat_seconds_count{path=\"/\"} 1\n\
                    # TYPE q summary\nq{quantile=\"0.5\"} 1\n# TYPE dcgm gauge\n# HELP dcgm Memory (in MiB).\ndcgm{gpu=\"0\"} 1\n";
        let mut catalog = parse_exposition(dump, "dump.prom").catalog;
        let mut wide = MetricFamily::new("wide_total", MetricKind::Counter, Origin::new(OriginKind::Exposition, "x", 1));
        for i in 0..1500 {
            wide.add_label("id", &i.to_string());
        }
        wide.series = 1500;
        catalog.insert(wide);
        catalog.set_default_scrape_interval(Duration::from_secs(30));
        catalog.set_job("node", JobInfo { scrape_interval: Some(Duration::from_secs(15)), target_labels: vec!["job".into(), "cluster".into()] });

        let text = to_json(&catalog);
        let back = read_back(&text);
        assert_eq!(to_json(&back), text);
        for family in catalog.families.values() {
            let other = back.family(&family.name).unwrap();
            assert_eq!((other.kind, other.unit, &other.help), (family.kind, family.unit, &family.help));
            assert_eq!((&other.buckets, &other.quantiles, other.series), (&family.buckets, &family.quantiles, family.series));
            assert_eq!(other.labels.keys().collect::<Vec<_>>(), family.labels.keys().collect::<Vec<_>>());
        }
        let id = &back.family("wide_total").unwrap().labels["id"];
        assert_eq!((id.distinct, id.capped, id.values.len()), (1500, true, 1000));
        assert_eq!(back.scrape_interval(Some("node")), Some(Duration::from_secs(15)));
        assert_eq!(back.scrape_interval(Some("other")), Some(Duration::from_secs(30)));
        assert_eq!(back.family("dcgm").unwrap().unit, Unit::Mebibytes);
    }

    #[test]
    fn hand_written_yaml() {
        let text = "version: 1\nmetrics:\n  - name: up\n    type: gauge\n    labels: [job, instance]\n  - name: http_requests_total\n    type: counter\n    labels:\n      code: ['200', '500']\n";
        let root = promaudit_source::yaml::load_yaml(text).documents.remove(0);
        assert!(is_catalog_file(&root));
        let loaded = read_catalog_file(&root, text, "c.yaml");
        assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
        let code = &loaded.catalog.family("http_requests_total").unwrap().labels["code"];
        assert_eq!(code.may_have_value("404"), Some(false));
        assert_eq!(loaded.catalog.family("up").unwrap().labels["job"].may_have_value("x"), None);
    }
}
