use crate::context::{selector_name, selector_of, FileContext};
use crate::declare_rule;
use crate::registry::{Rule, RuleMeta};
use promaudit_diagnostics::Diagnostic;
use promql_parser::label::{MatchOp, Matcher};
use promql_parser::parser::{token, Expr};

declare_rule! {
    /// ## What it finds
    /// An alert on a job's targets being down (`up{job="api"} == 0`, `< 1`,
    /// `sum(up{job="api"}) == 0`) when no alert among the checked files notices the job's
    /// targets disappearing: none on `absent(up{job="api"})`, `absent_over_time(…)`, any
    /// `absent()` of a series of that job, or a `… or vector(0)` fallback.
    ///
    /// It is an info, not a warning: the absence alert may live in files promaudit was not
    /// given (another repository, a platform team's generic rules), and the severity policy
    /// makes a claim resting on files promaudit did not see an info.
    ///
    /// ## Why it matters
    /// `up == 0` needs a series to compare. When service discovery drops every target of the
    /// job (a relabeling that no longer keeps them, a renamed annotation, a deleted
    /// ServiceMonitor, the deployment scaled to zero), `up{job="api"}` has no series at all,
    /// the comparison returns nothing, and the alert stays silent while the service is gone.
    /// `count(up{job="api"}) == 0` has the same hole: `count` of nothing is nothing, not 0.
    ///
    /// ## Example
    /// ```yaml
    /// - alert: ApiDown
    ///   expr: up{job="api"} == 0
    ///   for: 1m
    /// ```
    ///
    /// ## Fix
    /// Add an alert for the job's disappearance, waiting out a few scrapes:
    /// ```yaml
    /// - alert: ApiTargetsMissing
    ///   expr: absent(up{job="api"})
    ///   for: 5m
    /// ```
    pub DownWithoutAbsent {
        code: "alerts/down-without-absent",
        category: Suspicious,
        severity: Info,
        summary: "A target-down alert on `up == 0` has no `absent()` alert for when the job's targets disappear",
    }
}

impl Rule for DownWithoutAbsent {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &FileContext, out: &mut Vec<Diagnostic>) {
        // The project's facts hold every learned file's watches; this file's own count too when
        // it was not learned (an editor buffer checked alone).
        let own: Vec<Matcher> = cx
            .rule_files()
            .flat_map(|f| &f.groups)
            .flat_map(|g| &g.rules)
            .filter(|r| r.alert.is_some())
            .filter_map(|r| cx.parsed_query_of(r.expr.as_ref()?))
            .flat_map(|(_, parsed)| crate::alert_facts::absence_watches(&parsed.expr))
            .collect();
        let watched = |job: &str| {
            own.iter()
                .chain(&cx.project.absence_watches)
                .any(|m| m.is_match(job))
        };
        for (_, alert, query, parsed) in cx.parsed_alerts() {
            let Some(compared) = down_comparison(&parsed.expr) else {
                continue;
            };
            let mut found = None;
            parsed.walk(&mut |visit| {
                if found.is_none() && is_within(visit.expr, compared) {
                    found = down_job(visit.expr).map(|job| (job, visit.spans.node));
                }
            });
            let Some((job, span)) = found.filter(|(job, _)| !watched(job)) else {
                continue;
            };
            let message = format!(
                "alert `{}` fires when a target of job `{job}` reports down, but no alert among the checked files notices the job's targets disappearing: when service discovery drops them all, `up{{job=\"{job}\"}}` has no series, this comparison returns nothing, and the alert stays silent while the service is gone",
                alert.value
            );
            let help = format!("add an alert on `absent(up{{job=\"{job}\"}})` with a `for:` of a few scrapes (or point promaudit at the files holding one)");
            out.push(
                Self::META
                    .diagnostic(query.file_span(span), message)
                    .with_help(help),
            );
        }
    }
}

/// The side of an alert's top comparison that is 0 when targets are down: `x == 0`, `x < 1`,
/// `x <= 0`, `x != 1`, through `and`/`unless` filters.
fn down_comparison(expr: &Expr) -> Option<&Expr> {
    match expr {
        Expr::Paren(p) => down_comparison(&p.expr),
        Expr::Binary(b) if matches!(b.op.id(), token::T_LAND | token::T_LUNLESS) => {
            down_comparison(&b.lhs)
        }
        Expr::Binary(b) => {
            let Expr::NumberLiteral(n) = b.rhs.as_ref() else {
                return None;
            };
            let down = match b.op.id() {
                token::T_EQLC | token::T_LTE => n.val == 0.0,
                token::T_LSS | token::T_NEQ => n.val == 1.0,
                _ => false,
            };
            (down && !b.return_bool()).then_some(b.lhs.as_ref())
        }
        _ => None,
    }
}

/// Whether `node` is `within` or one of its descendants.
fn is_within(node: &Expr, within: &Expr) -> bool {
    promaudit_promql::descendants(within).any(|candidate| std::ptr::eq(candidate, node))
}

/// The job an `up{job="…"}` selector pins.
fn down_job(expr: &Expr) -> Option<String> {
    let selector = selector_of(expr).filter(|s| selector_name(s) == Some("up"))?;
    selector
        .matchers
        .matchers
        .iter()
        .find(|m| m.name == "job" && m.op == MatchOp::Equal)
        .map(|m| m.value.clone())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{check_project, snapshot};

    const DOWN: &str = "groups:\n- name: a\n  rules:\n  - alert: ApiDown\n    expr: up{job=\"api\"} == 0\n    for: 1m\n  - alert: WebDown\n    expr: sum by (job) (up{job=\"web\"}) < 1\n  - alert: DbDown\n    expr: count(up{job=\"db\"}) == 0\n";

    #[test]
    fn down_alerts_without_absence_alerts() {
        insta::assert_snapshot!(snapshot(&DownWithoutAbsent, "alerts.yml", DOWN));
    }

    #[test]
    fn absence_alerts_in_any_checked_file_count() {
        let absent = "groups:\n- name: b\n  rules:\n  - alert: ApiGone\n    expr: absent(up{job=\"api\"})\n    for: 5m\n  - alert: WebGone\n    expr: absent_over_time(http_requests_total{job=~\"web|www\"}[10m])\n  - alert: DbGone\n    expr: (count(up{job=\"db\"}) or vector(0)) == 0\n";
        assert_eq!(
            check_project(
                &DownWithoutAbsent,
                &[("alerts.yml", DOWN), ("absent.yml", absent)],
                "alerts.yml"
            ),
            ""
        );
    }

    #[test]
    fn other_alerts_on_up_are_not_down_alerts() {
        let text = "groups:\n- name: a\n  rules:\n  - alert: Flapping\n    expr: changes(up{job=\"api\"}[10m]) > 3\n  - alert: AnyDown\n    expr: up == 0\n  - alert: Both\n    expr: up{job=\"api\"} == 0 or absent(up{job=\"api\"})\n  - record: job:up:sum\n    expr: sum by (job) (up{job=\"api\"}) == 0\n";
        assert_eq!(snapshot(&DownWithoutAbsent, "alerts.yml", text), "");
    }
}
