use crate::context::{pinned_job, FileContext};
use crate::declare_rule;
use crate::names::parse_duration;
use crate::registry::{Rule, RuleMeta};
use promaudit_diagnostics::Diagnostic;
use std::time::Duration;

declare_rule! {
    /// ## What it finds
    /// An alert whose `for:` is shorter than the scrape interval of the series it reads (from
    /// the scrape configuration among the checked files, or the catalog), or than its group's
    /// evaluation `interval`.
    ///
    /// ## Why it matters
    /// `for:` is meant to wait out a blip: the condition must hold on several evaluations over
    /// fresh samples. Shorter than one scrape, every evaluation in the window sees the same
    /// sample, so one bad scrape pages; shorter than the evaluation interval, it is a `for: 0`
    /// that reads as if it waited.
    ///
    /// ## Example
    /// ```yaml
    /// # scrape_interval: 1m for job "node"
    /// - alert: HostDown
    ///   expr: up{job="node"} == 0
    ///   for: 30s
    /// ```
    ///
    /// ## Fix
    /// Wait at least two scrape intervals (`for: 2m` here), or drop `for` if a single failed
    /// scrape really is worth a page.
    pub ShortFor {
        code: "alerts/short-for",
        category: Suspicious,
        severity: Warning,
        summary: "An alert's `for` is shorter than the scrape or evaluation interval",
    }
}

impl Rule for ShortFor {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &FileContext, out: &mut Vec<Diagnostic>) {
        for group in cx.rule_files().flat_map(|f| &f.groups) {
            let evaluation = group.interval.as_ref().and_then(|i| parse_duration(&i.value));
            for rule in group.rules.iter().filter(|r| r.alert.is_some()) {
                let Some(for_) = &rule.for_ else { continue };
                let Some(wait) = parse_duration(&for_.value).filter(|w| !w.is_zero()) else { continue };
                let job = rule.expr.as_ref().and_then(|site| cx.parsed_query_of(site)).and_then(|(_, parsed)| pinned_job(&parsed.expr));
                let scrape = cx.catalog.scrape_interval(job.as_deref()).map(|interval| {
                    let what = job.as_ref().map_or("the scrape interval".to_string(), |j| format!("the scrape interval of job `{j}`"));
                    (interval, format!("{what} ({}): every evaluation within it sees the same sample, so a single bad scrape pages", seconds(interval)))
                });
                let evaluation = evaluation.map(|interval| (interval, format!("the group's evaluation interval ({}): the alert fires at the first evaluation that sees the condition, and the `for` waits for nothing", seconds(interval))));
                let Some((interval, why)) = [scrape, evaluation].into_iter().flatten().filter(|(interval, _)| wait < *interval).max_by_key(|(interval, _)| *interval) else { continue };
                let message = format!("`for: {}` is shorter than {why}", for_.value);
                out.push(Self::META.diagnostic(for_.span, message).with_help(format!("wait at least two intervals: `for: {}`", seconds(interval * 2))));
            }
        }
    }
}

fn seconds(duration: Duration) -> String {
    let secs = duration.as_secs();
    if secs.is_multiple_of(60) { format!("{}m", secs / 60) } else { format!("{secs}s") }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::check_project;

    const SCRAPE: &str = "global:\n  scrape_interval: 15s\nscrape_configs:\n- job_name: node\n  scrape_interval: 1m\n  static_configs: [{targets: [\"localhost:9100\"]}]\n";

    #[test]
    fn shorter_than_the_scrape_or_evaluation_interval() {
        let rules = "groups:\n- name: a\n  interval: 2m\n  rules:\n  - alert: HostDown\n    expr: up{job=\"node\"} == 0\n    for: 30s\n  - alert: Slow\n    expr: up{job=\"api\"} == 0\n    for: 1m\n- name: b\n  rules:\n  - alert: Flaky\n    expr: up{job=\"api\"} == 0\n    for: 10s\n";
        insta::assert_snapshot!(check_project(&ShortFor, &[("prometheus.yml", SCRAPE), ("alerts.yml", rules)], "alerts.yml"));
    }

    #[test]
    fn long_enough_or_no_interval_known() {
        let rules = "groups:\n- name: a\n  rules:\n  - alert: HostDown\n    expr: up{job=\"node\"} == 0\n    for: 2m\n  - alert: Instant\n    expr: up == 0\n";
        assert_eq!(check_project(&ShortFor, &[("prometheus.yml", SCRAPE), ("alerts.yml", rules)], "alerts.yml"), "");
        let unknown = "groups:\n- name: a\n  rules:\n  - alert: HostDown\n    expr: up{job=\"node\"} == 0\n    for: 5s\n";
        assert_eq!(check_project(&ShortFor, &[("alerts.yml", unknown)], "alerts.yml"), "");
    }
}
