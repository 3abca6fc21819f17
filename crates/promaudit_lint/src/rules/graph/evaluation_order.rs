use crate::context::{selector_name, selector_of, FileContext};
use crate::declare_rule;
use crate::registry::{Rule, RuleMeta};
use promaudit_diagnostics::Diagnostic;
use crate::names::parse_duration;
use promaudit_catalog::format_duration;
use std::collections::HashMap;
use std::time::Duration;

declare_rule! {
    /// ## What it finds
    /// A rule reading a recorded series that a later rule of the same group writes, or that a
    /// group evaluated less often than its own writes (both groups set `interval`).
    ///
    /// ## Why it matters
    /// Rules of a group are evaluated in order, each at the group's timestamp. A rule that reads
    /// a series recorded further down sees the previous evaluation's value: one interval stale,
    /// and absent at the first evaluation after a restart. A rule evaluated every 30s that
    /// reads a series recorded every 5m sees the same value nine times in ten: its `for` and
    /// its rates count steps, not changes.
    ///
    /// ## Example
    /// ```yaml
    /// rules:
    /// - alert: HighRate
    ///   expr: job:requests:rate5m > 100
    /// - record: job:requests:rate5m
    ///   expr: sum by (job) (rate(requests_total[5m]))
    /// ```
    ///
    /// ## Fix
    /// Move the recording rule above the rules that read it.
    pub EvaluationOrder {
        code: "graph/evaluation-order",
        category: Suspicious,
        severity: Info,
        summary: "A rule reads a series recorded later in its group, or by a group evaluated less often",
    }
}

impl Rule for EvaluationOrder {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &FileContext, out: &mut Vec<Diagnostic>) {
        for group in cx.rule_files().flat_map(|f| &f.groups) {
            let own_interval = group.interval.as_ref().and_then(|i| parse_duration(&i.value));
            let written_at: HashMap<&str, usize> = group.rules.iter().enumerate().filter(|(_, r)| r.alert.is_none()).filter_map(|(i, r)| Some((r.record.as_ref()?.value.as_str(), i))).collect();
            for (position, rule) in group.rules.iter().enumerate() {
                let Some(site) = &rule.expr else { continue };
                let Some((query, parsed)) = cx.parsed_query_of(site) else { continue };
                parsed.walk(&mut |visit| {
                    let Some(name) = selector_of(visit.expr).and_then(selector_name) else { return };
                    let span = query.file_span(visit.spans.name.unwrap_or(visit.spans.node));
                    let range = match visit.expr {
                        promql_parser::parser::Expr::MatrixSelector(matrix) => Some(matrix.range),
                        _ => None,
                    };
                    if !written_at.contains_key(name) {
                        out.extend(slower_writer(cx, name, own_interval, range).map(|(writer, message)| Self::META.diagnostic(span, message).with_help(format!("record it in a group evaluated at least every {}, or evaluate this group every {}", format_duration(own_interval.unwrap_or_default()), format_duration(writer)))));
                        return;
                    }
                    let Some(&written) = written_at.get(name).filter(|&&w| w > position) else { return };
                    if lag_is_negligible(own_interval.unwrap_or(DEFAULT_EVALUATION_INTERVAL), range) {
                        return;
                    }
                    let writer = &group.rules[written];
                    let message = format!("`{name}` is recorded by rule {} of this group, after this one (rule {}): it reads the previous evaluation's value", written + 1, position + 1);
                    let diagnostic = Self::META.diagnostic(span, message).with_help("move the recording rule above the rules that read it");
                    out.push(match &writer.record {
                        Some(record) => diagnostic.with_label(record.span, "recorded here"),
                        None => diagnostic,
                    });
                });
            }
        }
    }
}

/// The interval of the group recording `name`, and what to say, when it is evaluated less
/// often than the reader's group.
fn slower_writer(cx: &FileContext, name: &str, own: Option<Duration>, range: Option<Duration>) -> Option<(Duration, String)> {
    let (own, writer) = (own?, cx.project.recording_groups.get(name)?);
    (writer.interval > own && !lag_is_negligible(writer.interval, range)).then(|| {
        let steps = writer.interval.as_secs_f64() / own.as_secs_f64();
        let message = format!("`{name}` is recorded every {} by group `{}` ({}), and this group evaluates every {}: about {:.0} evaluations in a row read the same value", format_duration(writer.interval), writer.name, writer.location, format_duration(own), steps);
        (writer.interval, message)
    })
}

/// Prometheus's default `evaluation_interval`, for groups that set none.
const DEFAULT_EVALUATION_INTERVAL: Duration = Duration::from_secs(60);

/// A value late by `lag` read through a range at least ten times as long (`avg_over_time(x[30d])`
/// one evaluation behind) changes the result by a tenth of a step at most: nothing to fix.
fn lag_is_negligible(lag: Duration, range: Option<Duration>) -> bool {
    range.is_some_and(|range| range.as_secs_f64() >= 10.0 * lag.as_secs_f64())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::snapshot;

    #[test]
    fn read_before_written() {
        let text = "groups:\n- name: a\n  rules:\n  - alert: HighRate\n    expr: job:requests:rate5m > 100\n  - record: job:requests:rate5m\n    expr: sum by (job) (rate(requests_total[5m]))\n  - alert: Fine\n    expr: job:requests:rate5m > 100\n";
        insta::assert_snapshot!(snapshot(&EvaluationOrder, "r.yml", text));
    }

    #[test]
    fn a_lag_inside_a_long_range_passes() {
        let text = "groups:\n- name: a\n  interval: 3m\n  rules:\n  - record: job:requests:increase30d\n    expr: avg_over_time(job:requests:increase1h[30d]) * 720\n  - record: job:requests:increase1h\n    expr: sum by (job) (increase(requests_total[1h]))\n  - record: job:requests:rate10m\n    expr: rate(job:requests:total[10m])\n  - record: job:requests:total\n    expr: sum by (job) (requests_total)\n";
        let found = snapshot(&EvaluationOrder, "r.yml", text);
        assert!(!found.contains("increase1h") && found.contains("job:requests:total"), "{found}");
    }

    #[test]
    fn read_from_a_group_evaluated_less_often() {
        let slow = "groups:\n- name: slow\n  interval: 5m\n  rules:\n  - record: job:requests:increase1h\n    expr: sum by (job) (increase(requests_total[1h]))\n";
        let fast = "groups:\n- name: fast\n  interval: 30s\n  rules:\n  - alert: Spike\n    expr: job:requests:increase1h > 1000\n- name: slower\n  interval: 10m\n  rules:\n  - alert: Fine\n    expr: job:requests:increase1h > 1000\n- name: default\n  rules:\n  - alert: Unknown\n    expr: job:requests:increase1h > 1000\n";
        insta::assert_snapshot!(crate::testing::check_project(&EvaluationOrder, &[("slow.yml", slow), ("fast.yml", fast)], "fast.yml"));
    }
}
