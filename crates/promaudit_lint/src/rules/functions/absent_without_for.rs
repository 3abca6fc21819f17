use crate::context::{pinned_job, FileContext};
use crate::declare_rule;
use crate::names::parse_duration;
use crate::registry::{Rule, RuleMeta};
use promaudit_diagnostics::Diagnostic;
use promql_parser::parser::Expr;
use std::time::Duration;

declare_rule! {
    /// ## What it finds
    /// Alerts on `absent(…)` with no `for:`, or a `for:` shorter than two scrape intervals of
    /// the job the selector names (from the scrape configuration or the catalog; Prometheus'
    /// default of 1m when neither says).
    ///
    /// ## Why it matters
    /// Right after a Prometheus without persistent storage restarts, and whenever a target is
    /// rescheduled, the series are missing until the next scrape lands: `absent()` is 1 for
    /// that moment and the alert fires, then resolves. Every deploy of the monitoring stack
    /// pages someone.
    ///
    /// ## Example
    /// ```yaml
    /// - alert: ExporterDown
    ///   expr: absent(up{job="node"} == 1)
    /// ```
    ///
    /// ## Fix
    /// Wait out at least two scrapes: `for: 2m` at a 1m scrape interval, `for: 5m` to be calm.
    pub AbsentWithoutFor {
        code: "functions/absent-without-for",
        category: Suspicious,
        severity: Info,
        summary: "An `absent()` alert fires on the gap after every restart: its `for` is under two scrapes",
    }
}

/// Prometheus' `scrape_interval` when the configuration does not set one.
const DEFAULT_SCRAPE_INTERVAL: Duration = Duration::from_secs(60);

impl Rule for AbsentWithoutFor {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &FileContext, out: &mut Vec<Diagnostic>) {
        for (rule, alert, query, parsed) in cx.parsed_alerts() {
            let mut absent = None;
            parsed.walk(&mut |visit| {
                if let Expr::Call(call) = visit.expr {
                    if matches!(call.func.name, "absent" | "absent_over_time") && absent.is_none() {
                        absent = Some((visit.spans.name.unwrap_or(visit.spans.node), call.args.args.first().and_then(|a| pinned_job(a))));
                    }
                }
            });
            let Some((span, job)) = absent else { continue };
            let interval = cx.catalog.scrape_interval(job.as_deref()).unwrap_or(DEFAULT_SCRAPE_INTERVAL);
            let wait = rule.for_.as_ref().and_then(|f| parse_duration(&f.value)).unwrap_or_default();
            if wait >= interval * 2 {
                continue;
            }
            let said = rule.for_.as_ref().map_or("has no `for`".to_string(), |f| format!("waits only `for: {}`", f.value));
            let message = format!("alert `{}` {said}: `absent()` is true until the first scrape lands after a Prometheus restart (without persistent storage) or a target move, so it pages on each", alert.value);
            let at = rule.for_.as_ref().map_or(query.file_span(span), |f| f.span);
            out.push(Self::META.diagnostic(at, message).with_help(format!("set `for:` to at least two scrape intervals: `for: {}s` or more", (interval * 2).as_secs())));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::snapshot;

    #[test]
    fn absent_alerts_that_fire_on_restart() {
        let text = "groups:\n- name: a\n  rules:\n  - alert: NodeGone\n    expr: absent(up{job=\"node\"} == 1)\n  - alert: ApiGone\n    expr: absent(http_requests_total{job=\"api\"})\n    for: 30s\n";
        insta::assert_snapshot!(snapshot(&AbsentWithoutFor, "r.yml", text));
    }

    #[test]
    fn absent_alerts_that_wait() {
        let text = "groups:\n- name: a\n  rules:\n  - alert: NodeGone\n    expr: absent(up{job=\"node\"} == 1)\n    for: 5m\n  - alert: High\n    expr: up == 0\n  - record: node:absent\n    expr: absent(up{job=\"node\"})\n";
        assert_eq!(snapshot(&AbsentWithoutFor, "r.yml", text), "");
    }
}
