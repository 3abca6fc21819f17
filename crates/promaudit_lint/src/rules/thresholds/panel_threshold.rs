use crate::context::FileContext;
use crate::declare_rule;
use crate::registry::{Rule, RuleMeta};
use promaudit_diagnostics::Diagnostic;
use crate::project::equality_matchers;
use promaudit_semantic::quantities::{measured_quantity, Quantity};
use promaudit_source::artifact::Artifact;

declare_rule! {
    /// ## What it finds
    /// Dashboard panels whose color thresholds disagree with the SLO or SLI of the quantity
    /// they show, or with the alerts on it: a p95 latency panel that turns red at 5s while the
    /// SLO bound is 1s or an alert pages at 2s, an error rate panel red at 5% while the
    /// objective's error budget is 0.1% (red is accepted up to the fastest standard burn, 14.4×
    /// the budget). Compared through the panel's scaling (`* 100` for a percent panel), whatever
    /// the grouping, across the checked files.
    ///
    /// ## Why it matters
    /// The dashboard stays green (or yellow) while the objective is being missed, or while the
    /// on-call is being paged for this very quantity: during an incident people read the
    /// colors, not the numbers, and conclude the service is fine.
    ///
    /// ## Example
    /// ```json
    /// {"title": "Inference Latency (P95)",
    ///  "targets": [{"expr": "histogram_quantile(0.95, sum by (le) (rate(duration_seconds_bucket[5m])))"}],
    ///  "fieldConfig": {"defaults": {"thresholds": {"steps": [{"value": null}, {"value": 1}, {"value": 5}]}}}}
    /// ```
    ///
    /// ## Fix
    /// Make the last (red) step the objective's bound, or the alert's threshold.
    pub PanelThreshold {
        code: "thresholds/panel-threshold",
        category: Suspicious,
        severity: Warning,
        summary: "A panel turns red only beyond the SLO bound or alert threshold of the quantity it shows",
    }
}

impl Rule for PanelThreshold {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &FileContext, out: &mut Vec<Diagnostic>) {
        let panels = cx.extraction.artifacts.iter().filter_map(|a| if let Artifact::Dashboard(d) = a { Some(&d.panels) } else { None }).flatten();
        for panel in panels {
            let Some(red) = panel.thresholds.iter().max_by(|a, b| a.value.total_cmp(&b.value)) else { continue };
            let title = panel.title.as_ref().map_or("untitled", |t| t.value.as_str());
            for target in &panel.targets {
                let Some((_, parsed)) = cx.parsed_query_of(target) else { continue };
                let Some((quantity, factor)) = measured_quantity(&parsed.expr) else { continue };
                let shown = red.value / factor;
                let value = display(&quantity, red.value, factor);
                // Red beyond where every alert on these series fires (a warning at 2s and a
                // critical alert at 4s agree with red at 4s): the highest, as the one to agree with.
                let series = if templated(&target.query.value) { Vec::new() } else { equality_matchers(&parsed.expr) };
                let highest = cx.project.alert_thresholds_for(&quantity).filter(|a| a.applies_to(&series)).max_by(|a, b| a.bound.total_cmp(&b.bound));
                let paging = highest.filter(|a| shown > a.bound * 1.0001);
                let diagnostic = if let Some(objective) = cx.project.objectives_for(&quantity).find(|o| shown > tolerated(&quantity, o.bound) * 1.0001) {
                    let bound = display(&quantity, objective.bound * factor, factor);
                    let message = format!("panel `{title}` turns red only at {value}, but {} bounds {} at {bound}: the panel shows no alarm while the objective is missed", objective.source, quantity.describe());
                    let limit = display(&quantity, tolerated(&quantity, objective.bound) * factor, factor);
                    let mut note = format!("{} is at {}", objective.source, objective.location);
                    if let Some(alert) = paging {
                        note += &format!("; {} fires at {}, at {}", alert.source, display(&quantity, alert.bound * factor, factor), alert.location);
                    }
                    Self::META.diagnostic(red.span, message).with_help(format!("turn red at {limit} or below")).with_note(note)
                } else if let Some(alert) = paging {
                    let fires = display(&quantity, alert.bound * factor, factor);
                    let message = format!("panel `{title}` turns red only at {value}, but {} fires when the {} exceeds {fires}: while it fires the panel shows no alarm", alert.source, quantity.describe());
                    Self::META.diagnostic(red.span, message).with_help(format!("turn red at {fires}, where the alert fires")).with_note(format!("{} is at {}", alert.source, alert.location))
                } else {
                    continue;
                };
                out.push(diagnostic);
            }
        }
    }
}

/// Whether a panel query holds dashboard variables (`job="$job"`), which may stand for any
/// series.
fn templated(query: &str) -> bool {
    !promaudit_source::placeholders::substitute(query).placeholders.is_empty()
}

/// The highest red step that still agrees with an objective: its bound for a latency; for an
/// error ratio, the fastest standard burn (14.4× the budget), where a panel over a short window
/// may turn red.
fn tolerated(quantity: &Quantity, bound: f64) -> f64 {
    match quantity {
        Quantity::Quantile { .. } => bound,
        Quantity::Ratio { .. } => bound * 14.4,
    }
}

/// A threshold as the panel shows it: seconds for latencies, percent for a `* 100` ratio.
fn display(quantity: &Quantity, value: f64, factor: f64) -> String {
    let value = (value * 1e6).round() / 1e6;
    match quantity {
        Quantity::Quantile { histogram, .. } if histogram.ends_with("_seconds") => format!("{value}s"),
        Quantity::Ratio { .. } if factor == 100.0 => format!("{value}%"),
        _ => format!("{value}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::check_project;

    const SLIS: &str = "slis:\n  latency:\n    query: \"histogram_quantile(0.95, sum(rate(req_seconds_bucket[5m])) by (le))\"\n    target: \"< 1s\"\n  error_rate:\n    query: \"sum(rate(errors_total[5m])) / sum(rate(requests_total[5m]))\"\n    target: \"< 0.1%\"\n";

    fn dashboard(expr: &str, steps: &str) -> String {
        format!("{{\"title\": \"D\", \"panels\": [{{\"title\": \"P\", \"type\": \"stat\", \"targets\": [{{\"expr\": \"{expr}\"}}], \"fieldConfig\": {{\"defaults\": {{\"thresholds\": {{\"steps\": [{steps}]}}}}}}}}]}}\n")
    }

    #[test]
    fn panels_red_beyond_the_objective() {
        let latency = dashboard("histogram_quantile(0.95, sum(rate(req_seconds_bucket[5m])) by (le))", "{\"value\": null}, {\"value\": 1}, {\"value\": 5}");
        insta::assert_snapshot!(check_project(&PanelThreshold, &[("slis.yml", SLIS), ("d.json", &latency)], "d.json"));
        let errors = dashboard("sum(rate(errors_total[5m])) / sum(rate(requests_total[5m])) * 100", "{\"value\": null}, {\"value\": 1}, {\"value\": 5}");
        insta::assert_snapshot!(check_project(&PanelThreshold, &[("slis.yml", SLIS), ("d.json", &errors)], "d.json"));
    }

    #[test]
    fn panels_red_at_the_objective() {
        let latency = dashboard("histogram_quantile(0.95, sum(rate(req_seconds_bucket[5m])) by (le))", "{\"value\": null}, {\"value\": 0.5}, {\"value\": 1}");
        assert_eq!(check_project(&PanelThreshold, &[("slis.yml", SLIS), ("d.json", &latency)], "d.json"), "");
    }

    const ALERTS: &str = "groups:\n- name: a\n  rules:\n  - alert: SlowRequests\n    expr: histogram_quantile(0.95, sum by (le, route) (rate(req_seconds_bucket[5m]))) > 2\n  - alert: VerySlowRequests\n    expr: histogram_quantile(0.95, sum by (le) (rate(req_seconds_bucket[5m]))) > 4\n  - alert: Errors\n    expr: sum(rate(errors_total[5m])) / sum(rate(requests_total[5m])) > 0.05\n";

    #[test]
    fn panels_red_beyond_where_the_alerts_fire() {
        let latency = dashboard("histogram_quantile(0.95, sum(rate(req_seconds_bucket[5m])) by (le))", "{\"value\": null}, {\"value\": 1}, {\"value\": 5}");
        insta::assert_snapshot!(check_project(&PanelThreshold, &[("alerts.yml", ALERTS), ("d.json", &latency)], "d.json"));
        // With an SLO as well, the SLO's bound is the message and the alert a note.
        insta::assert_snapshot!(check_project(&PanelThreshold, &[("slis.yml", SLIS), ("alerts.yml", ALERTS), ("d.json", &latency)], "d.json"));
    }

    #[test]
    fn alerts_on_other_series_do_not_count() {
        let alerts = "groups:\n- name: a\n  rules:\n  - alert: EtcdSlow\n    expr: histogram_quantile(0.95, sum by (le) (rate(req_seconds_bucket{job=\"etcd\"}[5m]))) > 0.15\n";
        let api = dashboard("histogram_quantile(0.95, sum(rate(req_seconds_bucket{job=\\\"api\\\"}[5m])) by (le))", "{\"value\": null}, {\"value\": 1}, {\"value\": 5}");
        assert_eq!(check_project(&PanelThreshold, &[("alerts.yml", alerts), ("d.json", &api)], "d.json"), "");
        let etcd = api.replace("api", "etcd");
        assert!(check_project(&PanelThreshold, &[("alerts.yml", alerts), ("d.json", &etcd)], "d.json").contains("alert `EtcdSlow` fires"));
        // A dashboard variable may stand for the alert's series.
        let templated = api.replace("api", "$job");
        assert!(check_project(&PanelThreshold, &[("alerts.yml", alerts), ("d.json", &templated)], "d.json").contains("alert `EtcdSlow` fires"));
    }

    #[test]
    fn panels_red_where_the_alerts_fire() {
        let errors = dashboard("sum(rate(errors_total[5m])) / sum(rate(requests_total[5m])) * 100", "{\"value\": null}, {\"value\": 1}, {\"value\": 5}");
        assert_eq!(check_project(&PanelThreshold, &[("alerts.yml", ALERTS), ("d.json", &errors)], "d.json"), "");
        // Yellow at the warning, red at the critical alert.
        let latency = dashboard("histogram_quantile(0.95, sum(rate(req_seconds_bucket[5m])) by (le))", "{\"value\": null}, {\"value\": 2}, {\"value\": 4}");
        assert_eq!(check_project(&PanelThreshold, &[("alerts.yml", ALERTS), ("d.json", &latency)], "d.json"), "");
    }
}
