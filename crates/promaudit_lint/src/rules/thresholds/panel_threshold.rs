use crate::context::FileContext;
use crate::declare_rule;
use crate::registry::{Rule, RuleMeta};
use promaudit_diagnostics::Diagnostic;
use crate::project::equality_matchers;
use promaudit_semantic::quantities::{measured_quantity, Quantity};
use promaudit_source::artifact::{Artifact, Threshold};

declare_rule! {
    /// ## What it finds
    /// Dashboard panels whose color thresholds disagree with the SLO or SLI of the quantity
    /// they show, or with the alerts on it: a p95 latency panel that turns red at 5s while the
    /// SLO bound is 1s or an alert pages at 2s, an error rate panel red at 5% while the
    /// objective's error budget is 0.1% (red is accepted up to the fastest standard burn, 14.4×
    /// the budget). Compared through the panel's scaling (`* 100` for a percent panel), whatever
    /// the grouping, across the checked files. A panel whose colors ascend from red to green (a
    /// success ratio, red below 0.95) is held to the bounds on the complementary error ratio.
    /// Grafana's default steps (red from 80) and steps a time series neither draws nor colors
    /// by (`thresholdsStyle: off`) are not the author's, and are not judged.
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
            let Some(red) = red_region(&panel.thresholds) else { continue };
            let title = panel.title.as_ref().map_or("untitled", |t| t.value.as_str());
            for target in &panel.targets {
                let Some((_, parsed)) = cx.parsed_query_of(target) else { continue };
                let Some((quantity, factor)) = measured_quantity(&parsed.expr) else { continue };
                let series = if templated(&target.query.value) { Vec::new() } else { equality_matchers(&parsed.expr) };
                out.extend(judge(cx, &Shown { title, red: &red, quantity, factor }, &series));
            }
        }
    }
}

/// Where a panel is red: from a step up (latency, errors), or below a step (success,
/// availability: colors ascending from red to green).
enum Red<'a> {
    Above(&'a Threshold),
    Below(&'a Threshold),
}

/// The panel's red region. A step whose color names red marks it; without such names (steps
/// with no colors, or hex ones), the highest step, as a panel usually climbs to red.
fn red_region(steps: &[Threshold]) -> Option<Red<'_>> {
    let is_red = |t: &Threshold| t.color.as_deref().is_some_and(|c| c.to_ascii_lowercase().contains("red"));
    let finite = |t: &&Threshold| t.value.is_finite();
    if !steps.iter().any(is_red) {
        return steps.iter().rev().find(finite).map(Red::Above);
    }
    if steps.last().is_some_and(is_red) {
        return steps.iter().rev().take_while(|t| is_red(t)).last().filter(finite).map(Red::Above);
    }
    if steps.first().is_some_and(is_red) {
        return steps.iter().find(|t| !is_red(t)).map(Red::Below);
    }
    None
}

/// A panel's red region over the quantity one of its queries measures.
struct Shown<'a> {
    title: &'a str,
    red: &'a Red<'a>,
    quantity: Quantity,
    /// The query's scaling (100 for a percent panel).
    factor: f64,
}

/// The finding on a panel red beyond where an objective or alert on its quantity calls for
/// alarm. A panel red below a success ratio is held to the bounds on the error ratio.
fn judge(cx: &FileContext, shown: &Shown, series: &[(String, String)]) -> Option<Diagnostic> {
    let Shown { title, red, quantity, factor } = shown;
    let (step, bounded, edge) = match red {
        Red::Above(step) => (*step, quantity.clone(), step.value / factor),
        Red::Below(step) => (*step, quantity.complement()?, 1.0 - step.value / factor),
    };
    let above = matches!(red, Red::Above(_));
    // A bound on `bounded` as the panel shows it, and as a file states it.
    let on_panel = |at: f64| display(quantity, if above { at } else { 1.0 - at } * factor, *factor);
    let stated = |at: f64| if above { on_panel(at) } else { format!("{} (below {} on this panel)", display(&bounded, at * factor, *factor), on_panel(at)) };
    let (region, edge_word) = if above { ("turns red only at", "at") } else { ("turns red only below", "below") };
    let value = display(quantity, step.value, *factor);
    // Red beyond where every alert on these series fires (a warning at 2s and a critical alert
    // at 4s agree with red at 4s): the highest, as the one to agree with.
    let highest = cx.project.alert_thresholds_for(&bounded).filter(|a| a.applies_to(series)).max_by(|a, b| a.bound.total_cmp(&b.bound));
    let paging = highest.filter(|a| edge > a.bound * 1.0001);
    let what = bounded.describe();
    if let Some(objective) = cx.project.objectives_for(&bounded).find(|o| edge > tolerated(&bounded, o.bound) * 1.0001) {
        let message = format!("panel `{title}` {region} {value}, but {} bounds {what} at {}: the panel shows no alarm while the objective is missed", objective.source, stated(objective.bound));
        let limit = on_panel(tolerated(&bounded, objective.bound));
        let mut note = format!("{} is at {}", objective.source, objective.location);
        if let Some(alert) = paging {
            note += &format!("; {} fires at {}, at {}", alert.source, stated(alert.bound), alert.location);
        }
        let help = format!("turn red {edge_word} {limit} or {}", if above { "below" } else { "above" });
        return Some(PanelThreshold::META.diagnostic(step.span, message).with_help(help).with_note(note));
    }
    let alert = paging?;
    let message = format!("panel `{title}` {region} {value}, but {} fires when {what} exceeds {}: while it fires the panel shows no alarm", alert.source, stated(alert.bound));
    let help = format!("turn red {edge_word} {}, where the alert fires", on_panel(alert.bound));
    Some(PanelThreshold::META.diagnostic(step.span, message).with_help(help).with_note(format!("{} is at {}", alert.source, alert.location)))
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

    const ERROR_ALERT: &str = "groups:\n- name: a\n  rules:\n  - alert: HighErrorRate\n    expr: sum(rate(http_requests_total{code=~\"5..\"}[5m])) / sum(rate(http_requests_total[5m])) > 0.05\n";
    const SUCCESS: &str = "sum(rate(http_requests_total{code!~\\\"5..\\\"}[5m])) / sum(rate(http_requests_total[5m]))";

    #[test]
    fn success_panels_red_from_below_are_held_to_the_error_alert() {
        let agrees = dashboard(SUCCESS, "{\"color\": \"red\", \"value\": null}, {\"color\": \"yellow\", \"value\": 0.95}, {\"color\": \"green\", \"value\": 0.99}");
        assert_eq!(check_project(&PanelThreshold, &[("alerts.yml", ERROR_ALERT), ("d.json", &agrees)], "d.json"), "");
        let late = dashboard(SUCCESS, "{\"color\": \"red\", \"value\": null}, {\"color\": \"yellow\", \"value\": 0.9}, {\"color\": \"green\", \"value\": 0.99}");
        insta::assert_snapshot!(check_project(&PanelThreshold, &[("alerts.yml", ERROR_ALERT), ("d.json", &late)], "d.json"));
    }

    #[test]
    fn an_error_alert_says_nothing_of_a_success_panel_climbing_to_red() {
        let success = dashboard(SUCCESS, "{\"color\": \"green\", \"value\": null}, {\"color\": \"red\", \"value\": 0.99}");
        assert_eq!(check_project(&PanelThreshold, &[("alerts.yml", ERROR_ALERT), ("d.json", &success)], "d.json"), "");
        let errors = success.replace("!~", "=~");
        assert!(check_project(&PanelThreshold, &[("alerts.yml", ERROR_ALERT), ("d.json", &errors)], "d.json").contains("the share of `http_requests_total` with `code=~\"5..\"` exceeds 0.05"));
    }

    #[test]
    fn steps_nobody_sees_or_set_are_not_judged() {
        let latency = "histogram_quantile(0.95, sum(rate(req_seconds_bucket[5m])) by (le))";
        let grafana_default = dashboard(latency, "{\"color\": \"green\", \"value\": null}, {\"color\": \"red\", \"value\": 80}");
        assert_eq!(check_project(&PanelThreshold, &[("alerts.yml", ALERTS), ("d.json", &grafana_default)], "d.json"), "");
        let steps = "{\"color\": \"green\", \"value\": null}, {\"color\": \"red\", \"value\": 10}";
        let off = dashboard(latency, steps).replace("\"thresholds\": {", "\"custom\": {\"thresholdsStyle\": {\"mode\": \"off\"}}, \"thresholds\": {");
        assert_eq!(check_project(&PanelThreshold, &[("alerts.yml", ALERTS), ("d.json", &off)], "d.json"), "");
        // Lines colored by the steps still show them.
        let colored = off.replace("\"custom\"", "\"color\": {\"mode\": \"thresholds\"}, \"custom\"");
        assert!(check_project(&PanelThreshold, &[("alerts.yml", ALERTS), ("d.json", &colored)], "d.json").contains("turns red only at 10s"));
    }
}
