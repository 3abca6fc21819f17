use crate::context::FileContext;
use crate::declare_rule;
use crate::registry::{Rule, RuleMeta};
use promaudit_diagnostics::Diagnostic;
use promaudit_semantic::{Measure, Unit};
use promaudit_source::artifact::{Artifact, Panel};

declare_rule! {
    /// ## What it finds
    /// A Grafana panel whose display unit (`fieldConfig.defaults.unit`) does not match what its
    /// query returns: a ratio (0-1) shown as `percent` (0-100), a percentage shown as
    /// `percentunit`, seconds shown as `ms`, MiB shown as `bytes`, bytes per second shown as
    /// `bytes`, GiB (`/ 1024 / 1024 / 1024`) shown as `decgbytes` (GB).
    ///
    /// Likewise a value axis whose label names a data unit the query does not return: "Memory
    /// (GB)" over `… / 1024 / 1024 / 1024`, which is GiB, 7% more than a GB
    /// (`fieldConfig.defaults.custom.axisLabel`, or the old graph panel's left axis `label`).
    ///
    /// ## Why it matters
    /// The panel shows a wrong number with a right-looking unit: an error ratio of 0.05 reads
    /// as "0.05%" instead of 5%, a p99 latency of 0.3 s as "0.3 ms", 8 GiB as "8 GB" where
    /// `kubectl top` or the node's 8.6 GB disagree. Nobody notices until the numbers are
    /// compared with another source during an incident.
    ///
    /// ## Example
    /// ```json
    /// {"targets": [{"expr": "sum(rate(errors_total[5m])) / sum(rate(requests_total[5m]))"}],
    ///  "fieldConfig": {"defaults": {"unit": "percent"}}}
    /// ```
    ///
    /// ## Fix
    /// Set the unit the query returns (`percentunit` for a 0-1 ratio, `gbytes` for GiB), or
    /// scale the query (`* 100`, `/ 1e9`) to match the unit; label the axis "GiB", or better,
    /// drop the division and let the unit `bytes` pick the scale.
    pub PanelUnit {
        code: "units/panel-unit",
        category: Correctness,
        severity: Warning,
        summary: "A dashboard panel displays its query's values in the wrong unit",
    }
}

impl Rule for PanelUnit {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &FileContext, out: &mut Vec<Diagnostic>) {
        let panels = cx.extraction.artifacts.iter().filter_map(|a| match a {
            Artifact::Dashboard(d) => Some(&d.panels),
            _ => None,
        });
        for panel in panels.flatten() {
            check_axis_label(cx, panel, out);
            // Table panels merge their queries into columns, each with its own override.
            // Nor can a panel whose overrides give some of its series another unit be judged by
            // its default one.
            if panel.kind.as_ref().is_some_and(|k| k.value == "table") || panel.unit_overridden {
                continue;
            }
            let Some(unit) = &panel.unit else { continue };
            let Some(shown) = grafana_measure(&unit.value) else { continue };
            for target in &panel.targets {
                let Some((query, parsed)) = cx.parsed_query_of(target) else { continue };
                let Some(returned) = query.values(parsed, cx.catalog).of(&parsed.expr).measure else { continue };
                if returned.same(shown) {
                    continue;
                }
                let message = format!("the panel displays `{}`, {}, but its query returns values {}", unit.value, shown.phrase(), returned.phrase());
                let help = match grafana_unit_for(returned) {
                    Some(id) => format!("set the panel unit to `{id}`, or scale the query to {}", shown.describe()),
                    None => format!("scale the query to {}, or pick the unit it returns", shown.describe()),
                };
                out.push(Self::META.diagnostic(unit.span, message).with_label(query.file_span(parsed.root_span()), "this query").with_help(help));
            }
        }
    }
}

/// An axis label naming a data unit ("Memory (GB)", "Throughput MiB/s") the panel's queries
/// do not return.
fn check_axis_label(cx: &FileContext, panel: &Panel, out: &mut Vec<Diagnostic>) {
    let Some(label) = &panel.axis_label else { return };
    let Some(said) = label_measure(&label.value) else { return };
    for target in &panel.targets {
        let Some((query, parsed)) = cx.parsed_query_of(target) else { continue };
        let Some(returned) = query.values(parsed, cx.catalog).of(&parsed.expr).measure else { continue };
        if !returned.commensurable(said) || returned.same(said) {
            continue;
        }
        let off = (returned.scale / said.scale - 1.0) * 100.0;
        let message = format!("the axis is labelled `{}`, {}, but its query returns values {}: every value reads {:.0}% {} than it is", label.value, said.phrase(), returned.phrase(), off.abs(), if off > 0.0 { "smaller" } else { "larger" });
        let help = format!("label the axis `{}`, or scale the query to {}", returned.describe(), said.describe());
        out.push(PanelUnit::META.diagnostic(label.span, message).with_label(query.file_span(parsed.root_span()), "this query").with_help(help));
    }
}

/// The data unit an axis label names: the last word that is one.
fn label_measure(label: &str) -> Option<Measure> {
    const DATA_UNITS: &[(&str, f64)] = &[("kB", 1e3), ("KB", 1e3), ("MB", 1e6), ("GB", 1e9), ("TB", 1e12), ("KiB", 1024.0), ("MiB", 1048576.0), ("GiB", 1073741824.0), ("TiB", 1099511627776.0)];
    let words = label.split(|c: char| !c.is_ascii_alphanumeric() && c != '/');
    let (word, scale) = words.rev().find_map(|w| DATA_UNITS.iter().find(|(unit, _)| w.split('/').next() == Some(*unit)).map(|&(_, scale)| (w, scale)))?;
    let per_second = word.ends_with("/s") || word.ends_with("/sec");
    Some(Measure { scale, per_second, ..Measure::of(Unit::Bytes)? })
}

/// Grafana unit ids and what they display; `None` for unitless ones (`short`, `none`).
const GRAFANA_UNITS: &[(&str, Unit, f64, bool)] = &[
    ("s", Unit::Seconds, 1.0, false),
    ("ms", Unit::Seconds, 1e-3, false),
    ("µs", Unit::Seconds, 1e-6, false),
    ("us", Unit::Seconds, 1e-6, false),
    ("ns", Unit::Seconds, 1e-9, false),
    ("m", Unit::Seconds, 60.0, false),
    ("h", Unit::Seconds, 3600.0, false),
    ("d", Unit::Seconds, 86400.0, false),
    ("dtdurations", Unit::Seconds, 1.0, false),
    ("dtdurationms", Unit::Seconds, 1e-3, false),
    ("bytes", Unit::Bytes, 1.0, false),
    ("decbytes", Unit::Bytes, 1.0, false),
    ("kbytes", Unit::Bytes, 1024.0, false),
    ("mbytes", Unit::Bytes, 1048576.0, false),
    ("gbytes", Unit::Bytes, 1073741824.0, false),
    ("tbytes", Unit::Bytes, 1099511627776.0, false),
    ("deckbytes", Unit::Bytes, 1e3, false),
    ("decmbytes", Unit::Bytes, 1e6, false),
    ("decgbytes", Unit::Bytes, 1e9, false),
    ("bits", Unit::Bytes, 0.125, false),
    ("decbits", Unit::Bytes, 0.125, false),
    ("Bps", Unit::Bytes, 1.0, true),
    ("binBps", Unit::Bytes, 1.0, true),
    ("KBs", Unit::Bytes, 1e3, true),
    ("KiBs", Unit::Bytes, 1024.0, true),
    ("MBs", Unit::Bytes, 1e6, true),
    ("MiBs", Unit::Bytes, 1048576.0, true),
    ("bps", Unit::Bytes, 0.125, true),
    ("binbps", Unit::Bytes, 0.125, true),
    ("percent", Unit::Ratio, 0.01, false),
    ("percentunit", Unit::Ratio, 1.0, false),
    ("hertz", Unit::Hertz, 1.0, false),
    ("watt", Unit::Watts, 1.0, false),
    ("kwatt", Unit::Watts, 1e3, false),
    ("mwatt", Unit::Watts, 1e-3, false),
    ("joule", Unit::Joules, 1.0, false),
    ("volt", Unit::Volts, 1.0, false),
    ("celsius", Unit::Celsius, 1.0, false),
    ("reqps", Unit::Count, 1.0, true),
    ("rps", Unit::Count, 1.0, true),
    ("ops", Unit::Count, 1.0, true),
    ("wps", Unit::Count, 1.0, true),
    ("iops", Unit::Count, 1.0, true),
    ("cps", Unit::Count, 1.0, true),
];

fn grafana_measure(id: &str) -> Option<Measure> {
    let &(_, unit, scale, per_second) = GRAFANA_UNITS.iter().find(|(name, ..)| *name == id)?;
    let base = Measure::of(unit)?;
    Some(Measure { scale, per_second, ..base })
}

fn grafana_unit_for(measure: Measure) -> Option<&'static str> {
    GRAFANA_UNITS.iter().find(|(id, ..)| grafana_measure(id).is_some_and(|m| m.same(measure))).map(|(id, ..)| *id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::snapshot_with_catalog;

    const CATALOG: &str = "# TYPE errors_total counter\nerrors_total 1\n# TYPE requests_total counter\nrequests_total 1\n# TYPE latency_seconds histogram\nlatency_seconds_bucket{le=\"1\"} 1\nlatency_seconds_bucket{le=\"+Inf\"} 1\nlatency_seconds_sum 1\nlatency_seconds_count 1\n# HELP fb_used Framebuffer memory used (in MiB).\n# TYPE fb_used gauge\nfb_used 1\n";

    fn dashboard(panels: &[(&str, &str)]) -> String {
        let panels: Vec<String> = panels
            .iter()
            .enumerate()
            .map(|(i, (expr, unit))| format!("    {{\"id\": {i}, \"title\": \"P{i}\", \"type\": \"timeseries\",\n     \"targets\": [{{\"expr\": \"{expr}\"}}],\n     \"fieldConfig\": {{\"defaults\": {{\"unit\": \"{unit}\"}}}}}}"))
            .collect();
        format!("{{\"title\": \"D\", \"panels\": [\n{}\n]}}\n", panels.join(",\n"))
    }

    #[test]
    fn wrong_units() {
        let text = dashboard(&[
            ("sum(rate(errors_total[5m])) / sum(rate(requests_total[5m]))", "percent"),
            ("histogram_quantile(0.99, sum by (le) (rate(latency_seconds_bucket[5m])))", "ms"),
            ("max(fb_used)", "bytes"),
        ]);
        insta::assert_snapshot!(snapshot_with_catalog(&PanelUnit, "d.json", &text, CATALOG));
    }

    #[test]
    fn matching_units() {
        let text = dashboard(&[
            ("sum(rate(errors_total[5m])) / sum(rate(requests_total[5m])) * 100", "percent"),
            ("sum(rate(errors_total[5m])) / sum(rate(requests_total[5m]))", "percentunit"),
            ("histogram_quantile(0.99, sum by (le) (rate(latency_seconds_bucket[5m])))", "s"),
            ("max(fb_used)", "mbytes"),
            ("sum(rate(requests_total[5m]))", "reqps"),
            ("sum(rate(requests_total[5m]))", "short"),
        ]);
        assert_eq!(snapshot_with_catalog(&PanelUnit, "d.json", &text, CATALOG), "");
    }

    #[test]
    fn names_say_the_unit_without_a_catalog() {
        let text = dashboard(&[("rate(x_seconds_sum[5m]) / rate(x_seconds_count[5m])", "ms"), ("node_network_speed_bytes * 8", "bps")]);
        let found = crate::testing::snapshot(&PanelUnit, "d.json", &text);
        assert!(found.contains("`ms`") && !found.contains("`bps`"), "{found}");
    }

    #[test]
    fn axis_labels_in_decimal_units_over_binary_arithmetic() {
        let text = dashboard(&[("max(fb_used) / 1024", "short"), ("max(fb_used) * 1024 * 1024 / 1e9", "short"), ("sum(rate(node_network_receive_bytes_total[5m])) / 1024 / 1024", "short")]);
        let labelled = text.replacen("\"defaults\": {", "\"defaults\": {\"custom\": {\"axisLabel\": \"Memory (GB)\"}, ", 2).replace("\"unit\": \"short\"}}", "\"unit\": \"short\"}}, \"yaxes\": [{\"label\": \"Received MB/s\"}]");
        insta::assert_snapshot!(snapshot_with_catalog(&PanelUnit, "d.json", &labelled, CATALOG));
    }

    #[test]
    fn axis_labels_naming_the_unit_returned() {
        let text = dashboard(&[("max(fb_used) / 1024", "short"), ("sum(rate(errors_total[5m]))", "short")]);
        let labelled = text.replace("\"defaults\": {", "\"defaults\": {\"custom\": {\"axisLabel\": \"Memory (GiB)\"}, ");
        assert_eq!(snapshot_with_catalog(&PanelUnit, "d.json", &labelled, CATALOG), "");
    }

    #[test]
    fn overridden_units_are_not_judged_by_the_default() {
        let text = dashboard(&[("histogram_quantile(0.99, sum by (le) (rate(latency_seconds_bucket[5m])))", "ms")]);
        let text = text.replace("\"defaults\"", "\"overrides\": [{\"matcher\": {\"id\": \"byRegexp\", \"options\": \"/p99/\"}, \"properties\": [{\"id\": \"unit\", \"value\": \"s\"}]}], \"defaults\"");
        assert_eq!(snapshot_with_catalog(&PanelUnit, "d.json", &text, CATALOG), "");
    }
}
