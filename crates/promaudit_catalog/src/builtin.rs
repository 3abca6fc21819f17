//! Built-in knowledge of widely used exporters (node_exporter, kube-state-metrics, cAdvisor,
//! DCGM exporter, nvidia_gpu_exporter, Prometheus itself) and of the standard metrics client
//! libraries export (`process_*`, `go_*`), so useful checks run with no catalog.
//! The table is generated once by `tools/gen_builtin.py` from exporter dumps and docs and
//! embedded; families are marked [`OriginKind::BuiltIn`] since their label values are unknown.

use crate::model::{Catalog, MetricFamily, MetricKind, Origin, OriginKind};
use crate::tree_sources::infer_unit;
use promaudit_semantic::Unit;
use std::sync::OnceLock;

const TABLE: &str = include_str!("../data/builtin.tsv");

/// The built-in catalog, parsed on first use.
pub fn builtin_catalog() -> &'static Catalog {
    static CATALOG: OnceLock<Catalog> = OnceLock::new();
    CATALOG.get_or_init(|| {
        let mut catalog = Catalog::new();
        for family in TABLE.lines().filter(|l| !l.starts_with('#')).filter_map(parse_row) {
            catalog.insert(family);
        }
        catalog
    })
}

impl Catalog {
    /// Adds built-in families this catalog does not know; what was loaded wins over them. A
    /// loaded family whose unit is unknown (a dump with an empty HELP line) takes the built-in
    /// family's: the exporter's field documentation still says what its values are.
    pub fn add_builtins(&mut self) {
        for family in builtin_catalog().families.values() {
            match self.families.get_mut(&family.name) {
                Some(loaded) if loaded.unit == Unit::Unknown => loaded.unit = family.unit,
                Some(_) => {}
                None => {
                    self.families.insert(family.name.clone(), family.clone());
                }
            }
        }
    }
}

fn parse_row(row: &str) -> Option<MetricFamily> {
    let mut cells = row.split('\t');
    let (exporter, name, kind, unit, labels, complete, help) =
        (cells.next()?, cells.next()?, cells.next()?, cells.next()?, cells.next()?, cells.next()?, cells.next()?);
    let mut family = MetricFamily::new(name, MetricKind::parse(kind)?, Origin::new(OriginKind::BuiltIn, exporter, 0));
    family.help = Some(help.to_string()).filter(|h| !h.is_empty());
    family.unit = Unit::parse(unit).filter(|u| *u != Unit::Unknown).unwrap_or_else(|| infer_unit(name, family.help.as_deref()));
    family.labels_complete = complete == "1";
    for label in labels.split(',').filter(|l| !l.is_empty()) {
        family.labels.entry(label.to_string()).or_default();
    }
    Some(family)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::SeriesRole;

    #[test]
    fn every_row_parses() {
        let rows = TABLE.lines().filter(|l| !l.starts_with('#')).count();
        assert_eq!(builtin_catalog().len(), rows);
        assert!(rows > 1500);
    }

    #[test]
    fn knows_common_exporters() {
        let c = builtin_catalog();
        let cpu = c.family("node_cpu_seconds_total").unwrap();
        assert_eq!((cpu.kind, cpu.unit), (MetricKind::Counter, Unit::Seconds));
        assert!(cpu.origin.is_builtin() && cpu.labels.contains_key("mode"));
        let fb = c.family("DCGM_FI_DEV_FB_USED").unwrap();
        assert_eq!((fb.unit, fb.labels_complete), (Unit::Mebibytes, false));
        assert_eq!(c.family("DCGM_FI_DEV_GPU_UTIL").unwrap().unit, Unit::Percent);
        let hpa = c.family("kube_horizontalpodautoscaler_status_current_replicas").unwrap();
        assert!(hpa.labels.contains_key("horizontalpodautoscaler") && !hpa.labels.contains_key("deployment"));
        assert!(c.family("kube_pod_container_resource_requests").unwrap().labels.contains_key("resource"));
        // What a user's scrape attaches is unknown, so built-ins never claim a complete label set.
        assert_eq!(c.series_labels("kube_pod_container_resource_requests"), None);
        assert!(c.family("container_memory_working_set_bytes").is_some());
        assert!(c.family("nvidia_smi_temperature_gpu").is_some());
        assert_eq!(c.resolve_series_name("prometheus_http_request_duration_seconds_bucket").map(|(_, r)| r), Some(SeriesRole::Bucket));
        assert!(c.family("up").is_some());
    }

    #[test]
    fn knows_node_exporter_and_client_library_gauges() {
        let c = builtin_catalog();
        for gauge in ["node_memory_MemAvailable_bytes", "node_memory_MemTotal_bytes", "go_goroutines", "process_resident_memory_bytes", "process_open_fds"] {
            assert_eq!(c.family(gauge).map(|f| f.kind), Some(MetricKind::Gauge), "{gauge}");
        }
        let cpu = c.family("process_cpu_seconds_total").unwrap();
        assert_eq!((cpu.kind, cpu.unit), (MetricKind::Counter, Unit::Seconds));
        assert_eq!(c.family("go_gc_duration_seconds").map(|f| f.kind), Some(MetricKind::Summary));
    }

    #[test]
    fn loaded_families_win_over_builtins() {
        let mut catalog = crate::parse_exposition("# TYPE up untyped\nup{job=\"x\"} 1\n", "dump.prom").catalog;
        catalog.add_builtins();
        assert_eq!(catalog.family("up").unwrap().origin.kind, OriginKind::Exposition);
        assert!(catalog.family("node_load1").is_some());
    }

    #[test]
    fn loaded_families_without_a_unit_take_the_builtin_one() {
        let dump = "# HELP DCGM_FI_PROF_GR_ENGINE_ACTIVE\n# TYPE DCGM_FI_PROF_GR_ENGINE_ACTIVE gauge\nDCGM_FI_PROF_GR_ENGINE_ACTIVE 0\n\
                    # HELP DCGM_FI_PROF_DRAM_ACTIVE Ratio of cycles the memory interface is active (in %).\n# TYPE DCGM_FI_PROF_DRAM_ACTIVE gauge\nDCGM_FI_PROF_DRAM_ACTIVE 0\n";
        let mut catalog = crate::parse_exposition(dump, "dump.prom").catalog;
        catalog.add_builtins();
        let engine = catalog.family("DCGM_FI_PROF_GR_ENGINE_ACTIVE").unwrap();
        assert_eq!((engine.unit, &engine.origin.kind), (Unit::Ratio, &OriginKind::Exposition));
        // A unit the dump states wins over the built-in one.
        assert_eq!(catalog.family("DCGM_FI_PROF_DRAM_ACTIVE").unwrap().unit, Unit::Percent);
    }
}
