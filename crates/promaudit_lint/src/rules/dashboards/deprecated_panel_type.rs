use crate::context::FileContext;
use crate::declare_rule;
use crate::registry::{Rule, RuleMeta};
use promaudit_diagnostics::Diagnostic;
use promaudit_source::artifact::Artifact;

declare_rule! {
    /// ## What it finds
    /// Grafana panels of the Angular types Grafana has replaced: `graph` (now `timeseries`),
    /// `singlestat` and `grafana-singlestat-panel` (`stat`), `table-old` (`table`),
    /// `grafana-piechart-panel` (`piechart`) and `grafana-worldmap-panel` (`geomap`).
    ///
    /// It is an info: every Grafana still in support shows these panels, by migrating them to
    /// their replacement in the browser each time the dashboard loads (Grafana 11 and later,
    /// where Angular is off by default and removed in 12), so whether anything is lost depends
    /// on the Grafana version and on the panel's options.
    ///
    /// ## Why it matters
    /// The stored JSON is not what users see: the migration runs on every load of a
    /// provisioned dashboard (nothing saves it back), drops options it cannot translate (series
    /// overrides, some axis settings, the piechart plugin's legend options), and a Grafana with
    /// Angular support removed and automatic migration off shows "Panel plugin not found"
    /// instead. Reviews and tools reading the JSON judge a panel Grafana no longer draws.
    ///
    /// ## Example
    /// ```json
    /// {"type": "graph", "targets": [{"expr": "sum(rate(requests_total[5m]))"}]}
    /// ```
    ///
    /// ## Fix
    /// Use the replacement type (`"type": "timeseries"`) and its options
    /// (`fieldConfig.defaults.unit`, `custom.axisLabel`), or open the dashboard in Grafana 11 and
    /// save the migrated JSON.
    pub DeprecatedPanelType {
        code: "dashboards/deprecated-panel-type",
        category: Suspicious,
        severity: Info,
        summary: "A Grafana panel uses a deprecated Angular panel type",
    }
}

/// The deprecated Angular panel types and what replaced them.
const REPLACED: &[(&str, &str)] = &[
    ("graph", "timeseries"),
    ("singlestat", "stat"),
    ("grafana-singlestat-panel", "stat"),
    ("table-old", "table"),
    ("grafana-piechart-panel", "piechart"),
    ("grafana-worldmap-panel", "geomap"),
];

impl Rule for DeprecatedPanelType {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &FileContext, out: &mut Vec<Diagnostic>) {
        let panels = cx
            .extraction
            .artifacts
            .iter()
            .filter_map(|a| {
                if let Artifact::Dashboard(d) = a {
                    Some(&d.panels)
                } else {
                    None
                }
            })
            .flatten();
        for kind in panels.filter_map(|p| p.kind.as_ref()) {
            let Some((old, new)) = REPLACED.iter().find(|(old, _)| *old == kind.value) else {
                continue;
            };
            let message = format!("`{old}` is a deprecated Angular panel type, replaced by `{new}`: Grafana 11 and later migrate it in the browser on every load, dropping the options they cannot translate, and without that migration Grafana 12 cannot draw it");
            out.push(Self::META.diagnostic(kind.span, message).with_help(format!("set `\"type\": \"{new}\"` and move the panel's options to the `{new}` ones (or save the dashboard as Grafana migrates it)")));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::snapshot;

    #[test]
    fn angular_panels() {
        let text = "{\"title\": \"D\", \"panels\": [\n  {\"type\": \"graph\", \"targets\": [{\"expr\": \"up\"}]},\n  {\"type\": \"singlestat\", \"targets\": [{\"expr\": \"up\"}]},\n  {\"type\": \"grafana-piechart-panel\", \"targets\": [{\"expr\": \"up\"}]}\n]}\n";
        insta::assert_snapshot!(snapshot(&DeprecatedPanelType, "d.json", text));
    }

    #[test]
    fn current_panels() {
        let text = "{\"title\": \"D\", \"panels\": [\n  {\"type\": \"timeseries\", \"targets\": [{\"expr\": \"up\"}]},\n  {\"type\": \"stat\", \"targets\": [{\"expr\": \"up\"}]},\n  {\"type\": \"piechart\", \"targets\": [{\"expr\": \"up\"}]}\n]}\n";
        assert_eq!(snapshot(&DeprecatedPanelType, "d.json", text), "");
    }
}
