use crate::context::FileContext;
use crate::declare_rule;
use crate::registry::{Rule, RuleMeta};
use promaudit_diagnostics::Diagnostic;
use promaudit_semantic::{Measure, Unit};
use promaudit_source::artifact::Artifact;

declare_rule! {
    /// ## What it finds
    /// A Grafana panel whose display unit (`fieldConfig.defaults.unit`) does not match what its
    /// query returns: a ratio (0-1) shown as `percent` (0-100), a percentage shown as
    /// `percentunit`, seconds shown as `ms`, MiB shown as `bytes`, bytes per second shown as
    /// `bytes`.
    ///
    /// ## Why it matters
    /// The panel shows a wrong number with a right-looking unit: an error ratio of 0.05 reads
    /// as "0.05%" instead of 5%, a p99 latency of 0.3 s as "0.3 ms". Nobody notices until the
    /// numbers are compared with another source during an incident.
    ///
    /// ## Example
    /// ```json
    /// {"targets": [{"expr": "sum(rate(errors_total[5m])) / sum(rate(requests_total[5m]))"}],
    ///  "fieldConfig": {"defaults": {"unit": "percent"}}}
    /// ```
    ///
    /// ## Fix
    /// Set the unit the query returns (`percentunit` for a 0-1 ratio), or scale the query
    /// (`* 100`) to match the unit.
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
    fn overridden_units_are_not_judged_by_the_default() {
        let text = dashboard(&[("histogram_quantile(0.99, sum by (le) (rate(latency_seconds_bucket[5m])))", "ms")]);
        let text = text.replace("\"defaults\"", "\"overrides\": [{\"matcher\": {\"id\": \"byRegexp\", \"options\": \"/p99/\"}, \"properties\": [{\"id\": \"unit\", \"value\": \"s\"}]}], \"defaults\"");
        assert_eq!(snapshot_with_catalog(&PanelUnit, "d.json", &text, CATALOG), "");
    }
}
