use crate::context::FileContext;
use crate::declare_rule;
use crate::names::parse_duration;
use crate::registry::{Rule, RuleMeta};
use promaudit_diagnostics::Diagnostic;
use promaudit_source::artifact::{Slo, SloFormat, TimeWindows};
use std::time::Duration;

declare_rule! {
    /// ## What it finds
    /// SLO windows their tool cannot measure or alert on:
    /// - a Pyrra `window` that is not a Prometheus duration (`4w`, `28d`);
    /// - an OpenSLO time window list without exactly one window, a `duration` outside OpenSLO's
    ///   shorthand (a number and one of `m h d w M Q Y`), or a window aligned to the calendar
    ///   (`isRolling: false`) without a `calendar` giving `startTime` and `timeZone`;
    /// - an `openslo/v1alpha` SLO written for Sloth (its queries take `{{.window}}`) over a
    ///   period Sloth has no alert windows for: 30 and 28 days are built in, other periods need
    ///   an `AlertWindows` spec among the checked files.
    ///
    /// Windows that do not start with a number are taken for placeholders filled in before the
    /// tool reads them (`${WINDOW}`, a schema's `duration-shorthand`) and left alone.
    ///
    /// ## Why it matters
    /// The tool rejects the SLO, or (Sloth with an unknown period) fails to generate any rule
    /// for the file: the service has no SLO alerts after the next deploy, and nothing says so
    /// until someone looks for the missing series.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: openslo/v1alpha
    /// kind: SLO
    /// spec:
    ///   timeWindows:
    ///     - count: 7
    ///       unit: Day
    /// ```
    ///
    /// ## Fix
    /// Write the window in the tool's own syntax; for Sloth, use 30 or 28 days, or add an
    /// `AlertWindows` spec for the period (`sloPeriod: 7d`) and pass it with
    /// `--slo-period-windows-path`.
    pub Window {
        code: "slo/window",
        category: Correctness,
        severity: Error,
        summary: "An SLO's window is one its tool cannot measure or alert on",
    }
}

/// The SLO periods Sloth ships alert windows for.
pub(crate) const SLOTH_BUILT_IN_DAYS: [u64; 2] = [30, 28];
pub(crate) const DAY: u64 = 24 * 3600;

impl Rule for Window {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &FileContext, out: &mut Vec<Diagnostic>) {
        for spec in cx.slo_specs() {
            for slo in &spec.slos {
                match (spec.format, &slo.time_windows) {
                    (SloFormat::Pyrra, _) => check_pyrra(slo, out),
                    (SloFormat::OpenSlo, Some(windows)) => check_openslo(cx, slo, windows, out),
                    _ => {}
                }
            }
        }
    }
}

/// A window written as something else than a number: a placeholder (`${WINDOW}`,
/// `{{ .Values.window }}`, a schema's `duration-shorthand`), filled in before the tool reads it.
fn is_placeholder(window: &str) -> bool {
    !window.starts_with(|c: char| c.is_ascii_digit())
}

fn check_pyrra(slo: &Slo, out: &mut Vec<Diagnostic>) {
    let Some(window) = slo.window.as_ref().filter(|w| !is_placeholder(&w.value)) else { return };
    if parse_duration(&window.value).is_none_or(|d| d.is_zero()) {
        let message = format!("Pyrra reads `window` as a Prometheus duration, and `{}` is not one: the SLO is rejected", window.value);
        out.push(Window::META.diagnostic(window.span, message).with_help("write a duration such as `4w` or `28d`"));
    }
}

fn check_openslo(cx: &FileContext, slo: &Slo, windows: &TimeWindows, out: &mut Vec<Diagnostic>) {
    let Some(duration) = slo.window.as_ref().filter(|w| !is_placeholder(&w.value)) else { return };
    if windows.items != 1 {
        let message = format!("`{}` lists {} windows: OpenSLO takes exactly one, and tools reject the SLO", windows.key.value, windows.items);
        out.push(Window::META.diagnostic(windows.key.span, message).with_help("keep one rolling or calendar-aligned window"));
        return;
    }
    let Some(length) = openslo_duration(&duration.value) else {
        let message = format!("`{}` is not an OpenSLO duration: the SLO is rejected", duration.value);
        out.push(Window::META.diagnostic(duration.span, message).with_help("write a whole number and one of m, h, d, w, M, Q, Y: `28d`, `4w`, `1M`"));
        return;
    };
    let calendar_aligned = windows.rolling.as_ref().is_some_and(|r| r.value == "false");
    match &windows.calendar {
        Some(calendar) if calendar.start_time.is_none() || calendar.time_zone.is_none() => {
            let missing = [("startTime", calendar.start_time.is_none()), ("timeZone", calendar.time_zone.is_none())].into_iter().filter(|(_, m)| *m).map(|(k, _)| format!("`{k}`")).collect::<Vec<_>>().join(" and ");
            let message = format!("this calendar has no {missing}: the window cannot be aligned to it");
            out.push(Window::META.diagnostic(calendar.key.span, message).with_help("give `startTime` (`2020-01-01 00:00:00`) and `timeZone` (`UTC`)"));
        }
        None if calendar_aligned => {
            let rolling = windows.rolling.as_ref().map_or(duration.span, |r| r.span);
            let message = "`isRolling: false` aligns the window to the calendar, and there is no `calendar` to align it to";
            out.push(Window::META.diagnostic(rolling, message).with_help("add `calendar:` with `startTime` and `timeZone`, or make the window rolling"));
        }
        _ => {}
    }
    if windows.key.value == "timeWindows" && is_for_sloth(slo) {
        check_sloth_period(cx, duration, length, out);
    }
}

/// An `openslo/v1alpha` SLO whose queries take Sloth's `{{.window}}`: Sloth reads it, and its
/// period needs alert windows in Sloth's catalog.
fn is_for_sloth(slo: &Slo) -> bool {
    slo.queries.iter().any(|q| q.query.value.replace(' ', "").contains("{{.window}}"))
}

fn check_sloth_period(cx: &FileContext, duration: &promaudit_source::artifact::Text, length: Option<Duration>, out: &mut Vec<Diagnostic>) {
    // Months, quarters and years have no fixed length: Sloth's catalog has none of them.
    let known = |d: Duration| SLOTH_BUILT_IN_DAYS.iter().any(|&days| d.as_secs() == days * DAY) || cx.project.sloth_periods.contains(&d);
    if length.is_some_and(known) {
        return;
    }
    let mut periods: Vec<String> = SLOTH_BUILT_IN_DAYS.iter().map(|d| format!("{d}d")).collect();
    periods.extend(cx.project.sloth_periods.iter().map(|d| in_days(*d)));
    let message = format!("Sloth has no alert windows for a {} SLO period (it knows {}): it generates no rules for this SLO", duration.value, periods.join(", "));
    out.push(Window::META.diagnostic(duration.span, message).with_help("use 30 or 28 days, or add an `AlertWindows` spec with this `sloPeriod` and pass it to Sloth with `--slo-period-windows-path`"));
}

/// `7d` rather than `168h`, as SLO periods are written.
fn in_days(duration: Duration) -> String {
    match duration.as_secs() {
        secs if secs.is_multiple_of(DAY) => format!("{}d", secs / DAY),
        _ => promaudit_catalog::format_duration(duration),
    }
}

/// OpenSLO's duration shorthand: a whole number and a unit; the length when the unit has one.
fn openslo_duration(text: &str) -> Option<Option<Duration>> {
    let unit = text.chars().last()?;
    let count: u64 = text[..text.len() - unit.len_utf8()].parse().ok().filter(|&n| n > 0)?;
    let seconds = match unit {
        'm' => Some(60),
        'h' => Some(3600),
        'd' => Some(DAY),
        'w' => Some(7 * DAY),
        'M' | 'Q' | 'Y' => None,
        _ => return None,
    };
    match seconds {
        Some(s) => count.checked_mul(s).map(|total| Some(Duration::from_secs(total))),
        None => Some(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{check_project, snapshot};

    #[test]
    fn pyrra_and_openslo_windows_their_tools_reject() {
        let pyrra = "apiVersion: pyrra.dev/v1alpha1\nkind: ServiceLevelObjective\nmetadata:\n  name: api\nspec:\n  target: \"99\"\n  window: 4 weeks\n";
        insta::assert_snapshot!(snapshot(&Window, "pyrra.yaml", pyrra));
        let openslo = "apiVersion: openslo/v1\nkind: SLO\nmetadata:\n  name: a\nspec:\n  timeWindow:\n    - duration: 30days\n      isRolling: true\n---\napiVersion: openslo/v1\nkind: SLO\nmetadata:\n  name: b\nspec:\n  timeWindow:\n    - duration: 1M\n      isRolling: false\n---\napiVersion: openslo/v1\nkind: SLO\nmetadata:\n  name: c\nspec:\n  timeWindow:\n    - duration: 1w\n      isRolling: false\n      calendar:\n        startTime: 2020-01-21 12:30:00\n---\napiVersion: openslo/v1\nkind: SLO\nmetadata:\n  name: d\nspec:\n  timeWindow:\n    - duration: 1w\n    - duration: 4w\n";
        insta::assert_snapshot!(snapshot(&Window, "openslo.yaml", openslo));
    }

    #[test]
    fn valid_windows_pass() {
        let pyrra = "apiVersion: pyrra.dev/v1alpha1\nkind: ServiceLevelObjective\nmetadata:\n  name: api\nspec:\n  target: \"99\"\n  window: 2w\n";
        assert_eq!(snapshot(&Window, "pyrra.yaml", pyrra), "");
        let openslo = "apiVersion: openslo/v1\nkind: SLO\nmetadata:\n  name: c\nspec:\n  timeWindow:\n    - duration: 1d\n      isRolling: false\n      calendar:\n        startTime: 2020-01-21 12:30:00\n        timeZone: America/New_York\n";
        assert_eq!(snapshot(&Window, "openslo.yaml", openslo), "");
        let template = "apiVersion: openslo/v1\nkind: SLO\nmetadata:\n  name: string\nspec:\n  timeWindow:\n    - duration: duration-shorthand\n      isRolling: true\n    - duration: duration-shorthand\n      isRolling: false\n";
        assert_eq!(snapshot(&Window, "schema.yaml", template), "", "a schema's placeholders");
    }

    #[test]
    fn an_openslo_duration_too_long_to_count() {
        let openslo = "apiVersion: openslo/v1\nkind: SLO\nmetadata:\n  name: a\nspec:\n  timeWindow:\n    - duration: 18446744073709551615w\n      isRolling: true\n";
        assert!(snapshot(&Window, "openslo.yaml", openslo).contains("is not an OpenSLO duration"));
    }

    const SLOTH_7D: &str = "apiVersion: openslo/v1alpha\nkind: SLO\nmetadata:\n  name: api\nspec:\n  service: api\n  objectives:\n    - ratioMetrics:\n        good:\n          source: prometheus\n          queryType: promql\n          query: sum(rate(http_requests_total{code!~\"5..\"}[{{.window}}]))\n        total:\n          source: prometheus\n          queryType: promql\n          query: sum(rate(http_requests_total[{{.window}}]))\n      target: 0.999\n  timeWindows:\n    - count: 7\n      unit: Day\n";

    #[test]
    fn sloth_periods_without_alert_windows() {
        insta::assert_snapshot!(snapshot(&Window, "slo.yaml", SLOTH_7D));
        let thirty = SLOTH_7D.replace("count: 7", "count: 30");
        assert_eq!(snapshot(&Window, "slo.yaml", &thirty), "");
        let not_for_sloth = SLOTH_7D.replace("[{{.window}}]", "[5m]");
        assert_eq!(snapshot(&Window, "slo.yaml", &not_for_sloth), "", "other tools read v1alpha too");
    }

    #[test]
    fn an_alert_windows_spec_in_the_project_adds_its_period() {
        let windows = "apiVersion: sloth.slok.dev/v1\nkind: AlertWindows\nspec:\n  sloPeriod: 7d\n  page:\n    quick:\n      errorBudgetPercent: 8\n      shortWindow: 5m\n      longWindow: 1h\n";
        assert_eq!(check_project(&Window, &[("windows/7d.yaml", windows), ("slo.yaml", SLOTH_7D)], "slo.yaml"), "");
        let fourteen = SLOTH_7D.replace("count: 7", "count: 14");
        let listed = check_project(&Window, &[("windows/7d.yaml", windows), ("slo.yaml", &fourteen)], "slo.yaml");
        assert!(listed.contains("(it knows 30d, 28d, 7d)"), "{listed}");
    }
}
