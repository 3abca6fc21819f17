use crate::alert_facts::{alert_labels, AlertLabels};
use crate::context::FileContext;
use crate::declare_rule;
use crate::registry::{Rule, RuleMeta};
use crate::routing::{shadowed_routes, Shadowing};
use promaudit_diagnostics::Diagnostic;
use promaudit_source::artifact::{Artifact, Route};

declare_rule! {
    /// ## What it finds
    /// An Alertmanager route that alerts it matches never reach, because an earlier sibling
    /// route without `continue: true` takes them first and sends them elsewhere: a
    /// `severity="critical"` route above the team's `service="matrixinfer"` route, so the team's
    /// receiver never gets the team's critical alerts. The alerts are those among the checked
    /// files, routed by their static `labels:` and name; an alert whose way depends on a label
    /// its expression sets is left out.
    ///
    /// ## Why it matters
    /// Alertmanager stops at the first matching sibling unless it says `continue: true`. The
    /// later route looks right in review and is dead for exactly the alerts that matter most:
    /// the team never sees its own pages in its channel, and nothing reports it.
    ///
    /// It is a warning: the routing is proven from the files, but the earlier route may take
    /// them on purpose (critical alerts to the on-call only), and Alertmanager may receive the
    /// same alerts with other labels (external labels, `alert_relabel_configs`).
    ///
    /// ## Example
    /// ```yaml
    /// route:
    ///   receiver: default
    ///   routes:
    ///   - matchers: ['severity="critical"']
    ///     receiver: critical-alerts
    ///   - matchers: ['service="matrixinfer"']
    ///     receiver: matrixinfer-team
    /// ```
    ///
    /// ## Fix
    /// Add `continue: true` to the earlier route, so the alerts it takes go on to their team's
    /// route too; or move the more specific route above the general one.
    pub ShadowedRoute {
        code: "alertmanager/shadowed-route",
        category: Suspicious,
        severity: Warning,
        summary: "An earlier route without `continue: true` takes the alerts a later sibling route was written for",
    }
}

/// Alert names a message lists before summing up the rest.
const LISTED: usize = 3;

impl Rule for ShadowedRoute {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &FileContext, out: &mut Vec<Diagnostic>) {
        let roots: Vec<&Route> = cx
            .extraction
            .artifacts
            .iter()
            .filter_map(|a| {
                if let Artifact::AlertmanagerConfig(c) = a {
                    c.route.as_ref()
                } else {
                    None
                }
            })
            .collect();
        if roots.is_empty() {
            return;
        }
        // The learned alerts, and this file's own when it was not learned (checked alone).
        let mut alerts: std::collections::BTreeSet<AlertLabels> =
            cx.rule_files().flat_map(alert_labels).collect();
        alerts.extend(cx.project.alerts.iter().cloned());
        let alerts: Vec<AlertLabels> = alerts.into_iter().collect();
        for root in roots {
            for shadowing in shadowed_routes(root, &alerts) {
                out.push(self.report(cx, &shadowing));
            }
        }
    }
}

impl ShadowedRoute {
    fn report(&self, cx: &FileContext, shadowing: &Shadowing) -> Diagnostic {
        let (later, earlier) = (shadowing.later, shadowing.earlier);
        let receiver = |route: &Route| {
            route
                .receiver
                .as_ref()
                .map_or("its parent's receiver".to_string(), |r| {
                    format!("`{}`", r.value)
                })
        };
        let listed: Vec<String> = shadowing
            .alerts
            .iter()
            .take(LISTED)
            .map(|name| format!("`{name}`"))
            .collect();
        let more = match shadowing.alerts.len().saturating_sub(LISTED) {
            0 => String::new(),
            n => format!(" and {n} more"),
        };
        let (alerts, match_, them, they, go) = if shadowing.alerts.len() == 1 {
            ("alert", "matches", "it", "it", "goes")
        } else {
            ("alerts", "match", "them", "they", "go")
        };
        let message = format!(
            "{alerts} {}{more} {match_} this route, but the earlier sibling route {} (line {}) takes {them} first and has no `continue: true`: {they} {go} to {} only, and {} never receives {them}",
            listed.join(", "),
            describe(earlier),
            cx.file.line_col(earlier.span.start).line,
            receiver(earlier),
            receiver(later),
        );
        let at = later
            .matchers
            .first()
            .or(later.deprecated_match.first())
            .map_or(later.span, |m| m.span);
        Self::META
            .diagnostic(at, message)
            .with_help("add `continue: true` to the earlier route so the alerts it takes reach this one too, or move this route above it")
            .with_note("routed with the static `labels:` of the alerts among the checked files")
    }
}

/// A route as its matchers read: `severity="critical"`, or "without matchers".
fn describe(route: &Route) -> String {
    let written: Vec<&str> = route
        .matchers
        .iter()
        .map(|m| m.value.as_str())
        .chain(route.legacy_matchers.iter().map(String::as_str))
        .collect();
    if written.is_empty() {
        "without matchers".to_string()
    } else {
        format!("`{}`", written.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::check_project;

    const ALERTMANAGER: &str = "route:\n  receiver: default\n  routes:\n  - match:\n      severity: critical\n    receiver: critical-alerts\n  - matchers: ['service=\"matrixinfer\"']\n    receiver: matrixinfer-team\nreceivers:\n- name: default\n- name: critical-alerts\n- name: matrixinfer-team\n";
    const ALERTS: &str = "groups:\n- name: a\n  rules:\n  - alert: ServiceDown\n    expr: up == 0\n    labels:\n      severity: critical\n      service: matrixinfer\n  - alert: SlowRequests\n    expr: up == 0\n    labels:\n      severity: warning\n      service: matrixinfer\n  - alert: Unlabelled\n    expr: up == 0\n";

    #[test]
    fn a_severity_route_above_the_teams_route() {
        insta::assert_snapshot!(check_project(
            &ShadowedRoute,
            &[("alertmanager.yml", ALERTMANAGER), ("alerts.yml", ALERTS)],
            "alertmanager.yml"
        ));
    }

    #[test]
    fn continue_or_alerts_the_later_route_never_needs_leave_it_alone() {
        let continuing = ALERTMANAGER.replace(
            "    receiver: critical-alerts\n",
            "    receiver: critical-alerts\n    continue: true\n",
        );
        assert_eq!(
            check_project(
                &ShadowedRoute,
                &[("alertmanager.yml", &continuing), ("alerts.yml", ALERTS)],
                "alertmanager.yml"
            ),
            ""
        );
        let warnings_only = ALERTS.replace("severity: critical", "severity: warning");
        assert_eq!(
            check_project(
                &ShadowedRoute,
                &[
                    ("alertmanager.yml", ALERTMANAGER),
                    ("alerts.yml", &warnings_only)
                ],
                "alertmanager.yml"
            ),
            ""
        );
        // A severity set by the expression: where the alert goes is not known.
        let templated = ALERTS.replace("severity: critical", "severity: '{{ $labels.severity }}'");
        assert_eq!(
            check_project(
                &ShadowedRoute,
                &[
                    ("alertmanager.yml", ALERTMANAGER),
                    ("alerts.yml", &templated)
                ],
                "alertmanager.yml"
            ),
            ""
        );
    }
}
