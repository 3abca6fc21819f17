//! DCGM exporter counter lists: `FIELD, prometheus type, help` per line, `#` comments. The type
//! comes from the column, the unit from the help text ("(in MiB)", "(in MHz)"), since DCGM field
//! names carry no unit suffix.

use crate::model::{Catalog, LoadError, MetricFamily, MetricKind, Origin, OriginKind};
use crate::tree_sources::infer_unit;
use crate::Loaded;

/// Labels dcgm-exporter attaches to every series by default. Versions and options add more
/// (`pci_bus_id`, `DCGM_FI_DRIVER_VERSION`, `pod`/`namespace`/`container` with Kubernetes
/// mapping), so these families are marked as having an incomplete label list.
pub const DCGM_LABELS: [&str; 5] = ["gpu", "UUID", "device", "modelName", "Hostname"];

pub fn parse_dcgm_csv(text: &str, source: &str) -> Loaded {
    let mut catalog = Catalog::new();
    let mut errors = Vec::new();
    for (number, line) in text.lines().enumerate() {
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        match parse_line(line) {
            Ok((field, kind, help)) => {
                let mut family = MetricFamily::new(field, kind, Origin::new(OriginKind::DcgmCsv, source, number + 1));
                family.unit = infer_unit(field, Some(help));
                family.help = Some(help.to_string()).filter(|h| !h.is_empty());
                family.labels_complete = false;
                for label in DCGM_LABELS {
                    family.labels.entry(label.to_string()).or_default();
                }
                errors.extend(catalog.insert(family));
            }
            Err((offset, message)) => {
                let column = line[..offset].chars().count() + 1;
                errors.push(LoadError::new(number + 1, column, message).in_source(source));
            }
        }
    }
    Loaded { catalog, errors }
}

/// `FIELD, type, help`: the help text may itself contain commas.
fn parse_line(line: &str) -> Result<(&str, MetricKind, &str), (usize, String)> {
    let mut parts = line.splitn(3, ',');
    let field = parts.next().unwrap_or("").trim();
    let kind_raw = parts.next().ok_or((line.len(), "expected `FIELD, type, help`".to_string()))?;
    let help = parts.next().unwrap_or("").trim();
    if field.is_empty() || !field.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Err((0, format!("invalid field name `{field}`")));
    }
    let kind_at = line.find(kind_raw).unwrap_or(0) + (kind_raw.len() - kind_raw.trim_start().len());
    let kind = MetricKind::parse(kind_raw).ok_or((kind_at, format!("unknown metric type `{}`", kind_raw.trim())))?;
    Ok((field, kind, help))
}

#[cfg(test)]
mod tests {
    use super::*;
    use promaudit_semantic::Unit;

    #[test]
    fn reads_fields_types_and_units() {
        let text = "# Format\n# DCGM FIELD, Prometheus metric type, help message\n\nDCGM_FI_DEV_SM_CLOCK,  gauge, SM clock frequency (in MHz).\n\
                    DCGM_FI_DEV_DEC_UTIL ,     gauge, Decoder utilization (in %).\nDCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION, counter, Total energy, since boot (in mJ).\n\
                    DCGM_FI_BAD, gaugey, x\nno commas here\n";
        let loaded = parse_dcgm_csv(text, "counters.csv");
        let positions: Vec<_> = loaded.errors.iter().map(|e| (e.line, e.column)).collect();
        assert_eq!(positions, [(7, 14), (8, 15)], "{:?}", loaded.errors);
        let energy = loaded.catalog.family("DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION").unwrap();
        assert_eq!((energy.kind, energy.unit), (MetricKind::Counter, Unit::Millijoules));
        assert_eq!(energy.help.as_deref(), Some("Total energy, since boot (in mJ)."));
        assert_eq!(loaded.catalog.family("DCGM_FI_DEV_DEC_UTIL").unwrap().unit, Unit::Percent);
        assert_eq!(loaded.catalog.family("DCGM_FI_DEV_SM_CLOCK").unwrap().origin.line, 4);
    }
}
