use crate::context::{selector_name, selector_of, FileContext};
use crate::declare_rule;
use crate::registry::{Rule, RuleMeta};
use promaudit_diagnostics::Diagnostic;
use promql_parser::parser::Expr;

declare_rule! {
    /// ## What it finds
    /// An alert whose expression filters nothing: no comparison (`> 0.05`), no `and`/`unless`,
    /// no `absent()`. `expr: sum by (job) (rate(errors_total[5m]))` returns every job, 0 errors
    /// per second included. Constant expressions (`vector(1)`, the heartbeat that checks the
    /// alerting pipeline), bare selectors (existence checks on series that exist only in the
    /// bad state) and alerts reading recorded series, whose rule may hold the condition, are
    /// left alone.
    ///
    /// ## Why it matters
    /// Prometheus fires the alert for every series the expression returns. Without a
    /// condition that is every series there is: the alert fires at the first evaluation and
    /// never resolves, gets silenced, and the real problem it was written for goes unseen.
    ///
    /// ## Example
    /// ```yaml
    /// - alert: HighErrorRate
    ///   expr: sum by (job) (rate(errors_total[5m]))
    /// ```
    ///
    /// ## Fix
    /// Compare with a threshold: `sum by (job) (rate(errors_total[5m])) > 0.1`.
    pub NoCondition {
        code: "alerts/no-condition",
        category: Correctness,
        severity: Warning,
        summary: "An alert's expression has no condition: it fires for every series it returns",
    }
}

/// Functions that return series only when something is wrong.
const CONDITIONAL_FUNCTIONS: &[&str] = &["absent", "absent_over_time"];

fn alert_expr(expr: &Expr) -> &Expr {
    match expr {
        Expr::Paren(paren) => alert_expr(&paren.expr),
        other => other,
    }
}

impl Rule for NoCondition {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &FileContext, out: &mut Vec<Diagnostic>) {
        for (_, alert, query, parsed) in cx.parsed_alerts() {
            let (mut filters, mut selectors, mut reads_recorded, mut bool_comparison) = (false, false, false, false);
            parsed.walk(&mut |visit| match visit.expr {
                Expr::Binary(binary) => {
                    let comparison = binary.op.is_comparison_operator();
                    bool_comparison |= comparison && binary.return_bool();
                    filters |= (comparison && !binary.return_bool()) || binary.op.is_set_operator() && binary.op.to_string() != "or";
                }
                Expr::Call(call) => filters |= CONDITIONAL_FUNCTIONS.contains(&call.func.name),
                _ => {
                    if let Some(selector) = selector_of(visit.expr) {
                        selectors = true;
                        reads_recorded |= selector_name(selector).is_none_or(|name| name.contains(':') || cx.project.graph.is_defined(name));
                    }
                }
            });
            // A bare selector tests for existence: series such as
            // `kube_pod_container_status_waiting_reason{reason="CrashLoopBackOff"}` exist only in
            // the state alerted on.
            let existence_check = matches!(alert_expr(&parsed.expr), Expr::VectorSelector(_));
            if filters || !selectors || reads_recorded || existence_check {
                continue;
            }
            let message = format!("alert `{}` has no condition: it fires for every series its expression returns, whatever the value, and never resolves", alert.value);
            let help = if bool_comparison { "drop `bool`: with it the comparison returns 0 or 1 for every series instead of keeping those that match" } else { "compare with a threshold (`… > 0.1`), or filter with `and`/`unless`" };
            out.push(Self::META.diagnostic(query.file_span(parsed.root_span()), message).with_help(help));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{check_project, snapshot};

    #[test]
    fn an_alert_without_a_condition() {
        let text = "groups:\n- name: a\n  rules:\n  - alert: HighErrorRate\n    expr: sum by (job) (rate(errors_total[5m]))\n  - alert: Bool\n    expr: up == bool 0\n";
        insta::assert_snapshot!(snapshot(&NoCondition, "alerts.yml", text));
    }

    #[test]
    fn conditions_heartbeats_and_recorded_series_pass() {
        let text = "groups:\n- name: a\n  rules:\n  - alert: A\n    expr: rate(errors_total[5m]) > 0.1\n  - alert: Watchdog\n    expr: vector(1)\n  - alert: Missing\n    expr: absent(up{job=\"api\"})\n  - alert: Filtered\n    expr: rate(errors_total[5m]) and on (job) up{job=\"api\"} == 1\n  - alert: Recorded\n    expr: job:errors:alerting\n  - alert: Nested\n    expr: sum by (job) (rate(errors_total[5m]) > 0)\n  - alert: Exists\n    expr: pg_index_size{index=~\".*ccnew.*\"}\n";
        assert_eq!(snapshot(&NoCondition, "alerts.yml", text), "");
        let rules = "groups:\n- name: r\n  rules:\n  - record: errors_alerting\n    expr: rate(errors_total[5m]) > 1\n";
        let alert = "groups:\n- name: a\n  rules:\n  - alert: FromRule\n    expr: errors_alerting\n";
        assert_eq!(check_project(&NoCondition, &[("rules.yml", rules), ("alerts.yml", alert)], "alerts.yml"), "");
    }
}
