use crate::context::FileContext;
use crate::declare_rule;
use crate::project::{alert_comparison, Bound};
use crate::registry::{Rule, RuleMeta};
use promaudit_diagnostics::Diagnostic;
use promaudit_semantic::quantities::Quantity;

declare_rule! {
    /// ## What it finds
    /// Alerts on a quantity an SLO or SLI of the checked files also bounds, at a threshold that
    /// disagrees with it: p95 latency alerted at `> 2` while the SLO promises 95% of requests
    /// under 1s; an error ratio alerted at 5% while the objective of 99.9% leaves an error
    /// budget of 0.1%. The quantity is matched whatever the grouping (`by (le, model_id)`),
    /// across files.
    ///
    /// ## Why it matters
    /// Between the two thresholds the objective is missed and nobody is paged, or people are
    /// paged while the objective is met. An error-rate alert at 50× the budget fires only when
    /// a 30-day budget will be gone within hours, and a sustained lower rate spends all of it
    /// without a single page.
    ///
    /// ## Example
    /// ```yaml
    /// - alert: HighInferenceLatency
    ///   expr: histogram_quantile(0.95, sum by (le) (rate(duration_seconds_bucket[5m]))) > 2
    /// # while the SLO: 95% of requests within 1s (le="1.0")
    /// ```
    ///
    /// ## Fix
    /// Alert where the objective is: at the SLO's bound, or (better) on the error budget's burn
    /// rate with multi-window pairs.
    pub SloMismatch {
        code: "thresholds/slo-mismatch",
        category: Suspicious,
        severity: Warning,
        summary: "An alert's threshold disagrees with the SLO on the same quantity",
    }
}

/// The fastest standard burn rate that pages (1h/5m windows, 30-day objective).
const FASTEST_PAGING_BURN: f64 = 14.4;

impl Rule for SloMismatch {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &FileContext, out: &mut Vec<Diagnostic>) {
        for (_, alert, query, parsed) in cx.parsed_alerts() {
            let Some((quantity, threshold, node)) = alert_comparison(&parsed.expr) else { continue };
            let Some((objective, message, help)) = cx.project.objectives_for(&quantity).find_map(|o| disagreement(&alert.value, &quantity, threshold, o).map(|(m, h)| (o, m, h))) else { continue };
            let span = query.file_span(parsed.span_of(node));
            out.push(Self::META.diagnostic(span, message).with_help(help).with_note(format!("{} is at {}", objective.source, objective.location)));
        }
    }
}

/// The message and help when `threshold` disagrees with `objective`.
fn disagreement(alert: &str, quantity: &Quantity, threshold: f64, objective: &Bound) -> Option<(String, String)> {
    let source = &objective.source;
    let bound = objective.bound;
    match quantity {
        Quantity::Quantile { histogram, .. } => {
            let unit = if histogram.ends_with("_seconds") { "s" } else { "" };
            let what = quantity.describe();
            if threshold > bound * 1.0001 {
                Some((
                    format!("alert `{alert}` fires when {what} exceeds {threshold}{unit}, but {source} promises it stays under {bound}{unit}: between the two the objective is missed and nobody is paged"),
                    format!("alert at the objective's {bound}{unit}, or on the SLO's error-budget burn rate"),
                ))
            } else if threshold < bound * 0.9999 {
                Some((
                    format!("alert `{alert}` fires when {what} exceeds {threshold}{unit}, below the {bound}{unit} {source} allows: it pages while the objective is met"),
                    format!("alert at the objective's {bound}{unit}"),
                ))
            } else {
                None
            }
        }
        Quantity::Ratio { .. } => {
            let burn = threshold / bound;
            if burn > FASTEST_PAGING_BURN * 1.0001 {
                let hours = 30.0 * 24.0 / burn;
                Some((
                    format!("alert `{alert}` fires at an error ratio of {threshold}, {burn:.0}× the error budget of {source} ({bound}): at that rate a 30-day budget is gone in {hours:.0} hours, and any lower sustained rate spends it without a page"),
                    format!("page on burn rate instead: {FASTEST_PAGING_BURN} × {bound} over 1h and 5m, 6 × {bound} over 6h and 30m"),
                ))
            } else if burn < 0.9999 {
                Some((
                    format!("alert `{alert}` fires at an error ratio of {threshold}, inside the error budget of {source} ({bound}): it pages while the objective is met"),
                    format!("alert at a burn rate of the budget, at least {bound}"),
                ))
            } else {
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{check_source, Checker};
    use promaudit_source::SourceFile;

    const SLO: &str = "version: prometheus/v1\nservice: api\nslos:\n- name: latency\n  objective: 95\n  sli:\n    events:\n      error_query: sum(rate(req_seconds_count[{{.window}}])) - sum(rate(req_seconds_bucket{le=\"1.0\"}[{{.window}}]))\n      total_query: sum(rate(req_seconds_count[{{.window}}]))\n- name: availability\n  objective: 99.9\n  sli:\n    events:\n      error_query: sum(rate(errors_total[{{.window}}]))\n      total_query: sum(rate(requests_total[{{.window}}]))\n";

    fn check(alerts: &str) -> String {
        let mut checker = Checker::default();
        checker.learn_project(&[SourceFile::new("slo.yml", SLO), SourceFile::new("alerts.yml", alerts)]);
        let report = check_source(SourceFile::new("alerts.yml", alerts), &checker);
        let found: Vec<_> = report.diagnostics.into_iter().filter(|d| d.code == SloMismatch::META.code).collect();
        crate::testing::render("alerts.yml", alerts, &found)
    }

    #[test]
    fn alerts_looser_than_their_slos() {
        let alerts = "groups:\n- name: a\n  rules:\n  - alert: SlowRequests\n    expr: histogram_quantile(0.95, sum by (le, route) (rate(req_seconds_bucket[5m]))) > 2\n  - alert: Errors\n    expr: sum(rate(errors_total[5m])) / sum(rate(requests_total[5m])) * 100 > 5\n";
        insta::assert_snapshot!(check(alerts));
    }

    #[test]
    fn alerts_that_agree() {
        let alerts = "groups:\n- name: a\n  rules:\n  - alert: SlowRequests\n    expr: histogram_quantile(0.95, sum by (le) (rate(req_seconds_bucket[5m]))) > 1\n  - alert: Errors\n    expr: sum(rate(errors_total[1h])) / sum(rate(requests_total[1h])) > 0.0144\n  - alert: P99\n    expr: histogram_quantile(0.99, sum by (le) (rate(req_seconds_bucket[5m]))) > 3\n";
        assert_eq!(check(alerts), "");
    }
}
