use crate::context::{alert_value, expr_label, FileContext};
use crate::declare_rule;
use crate::gotemplate::value_references;
use crate::registry::{Rule, RuleMeta};
use promaudit_diagnostics::Diagnostic;
use promaudit_semantic::{Dimension, Measure};

declare_rule! {
    /// ## What it finds
    /// An alert annotation printing `{{ $value }}` as it is, when the alert's value is a ratio,
    /// a rate, a duration or a size: the page then reads `0.012345678901234` or
    /// `1.2884901888e+10`.
    ///
    /// ## Why it matters
    /// The annotation is what the responder reads first. A ratio printed raw has to be converted
    /// in the head (is 0.0123 one percent or a hundredth of one?), a byte count in scientific
    /// notation has to be counted digit by digit; under pressure both get misread.
    ///
    /// ## Example
    /// ```yaml
    /// - alert: HighErrorRate
    ///   expr: sum(rate(errors_total[5m])) / sum(rate(requests_total[5m])) > 0.01
    ///   annotations:
    ///     summary: "Error ratio is {{ $value }}"
    /// ```
    ///
    /// ## Fix
    /// Format the value for its unit: `{{ $value | humanizePercentage }}` for a 0-1 ratio,
    /// `{{ $value | humanize }}` for a rate, `{{ $value | humanizeDuration }}` for seconds,
    /// `{{ $value | humanize1024 }}` for bytes.
    pub UnformattedValue {
        code: "alerts/unformatted-value",
        category: Style,
        severity: Info,
        summary: "An annotation prints a ratio, rate, duration or size `$value` without formatting it",
    }
}

impl Rule for UnformattedValue {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &FileContext, out: &mut Vec<Diagnostic>) {
        for rule in cx.rule_files().flat_map(|f| &f.groups).flat_map(|g| &g.rules).filter(|r| r.alert.is_some()) {
            let Some((query, parsed)) = rule.expr.as_ref().and_then(|site| cx.parsed_query_of(site)) else { continue };
            let value = alert_value(&parsed.expr);
            let Some((what, formatter)) = query.values(parsed, cx.catalog).of(value).measure.and_then(formatting) else { continue };
            for (name, text) in &rule.annotations {
                for reference in value_references(&text.value).into_iter().filter(|r| !formatted(&text.value, r.start)) {
                    let message = format!("annotation `{}` prints {} raw, and it is {what}: the page shows every digit of a float", name.value, expr_label(value));
                    out.push(Self::META.diagnostic(text.file_span(reference), message).with_help(format!("write `{{{{ $value | {formatter} }}}}`")));
                }
            }
        }
    }
}

/// What a value is and the template function that prints it readably; `None` for counts and
/// units that print well as they are.
fn formatting(measure: Measure) -> Option<(&'static str, &'static str)> {
    match measure.dimension {
        Dimension::Fraction if !measure.per_second && measure.scale == 1.0 => Some(("a ratio between 0 and 1", "humanizePercentage")),
        _ if measure.per_second => Some(("a rate per second", "humanize")),
        Dimension::Time if measure.scale == 1.0 => Some(("a duration in seconds", "humanizeDuration")),
        Dimension::Data if measure.scale == 1.0 => Some(("a size in bytes", "humanize1024")),
        _ => None,
    }
}

/// Whether the action holding `$value` at `at` formats it: a pipe or a function around it.
fn formatted(text: &str, at: usize) -> bool {
    let start = text[..at].rfind("{{").map_or(0, |i| i + 2);
    let end = text[at..].find("}}").map_or(text.len(), |i| at + i);
    let action = &text[start..end];
    action.contains('|') || action.contains("humanize") || action.contains("printf")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::snapshot_with_catalog;

    const CATALOG: &str = "# TYPE errors_total counter\nerrors_total 1\n# TYPE requests_total counter\nrequests_total 1\n# TYPE queue_length gauge\nqueue_length 1\n# TYPE latency_seconds gauge\nlatency_seconds 1\n";

    #[test]
    fn raw_ratios_rates_and_durations() {
        let text = "groups:\n- name: a\n  rules:\n  - alert: Errors\n    expr: sum(rate(errors_total[5m])) / sum(rate(requests_total[5m])) > 0.01\n    annotations:\n      summary: \"Error ratio is {{ $value }}\"\n  - alert: Busy\n    expr: sum(rate(requests_total[5m])) > 1000\n    annotations:\n      summary: \"{{ $value }} requests per second\"\n  - alert: Slow\n    expr: max(latency_seconds) > 2\n    annotations:\n      description: \"p99 is {{ .Value }}\"\n";
        insta::assert_snapshot!(snapshot_with_catalog(&UnformattedValue, "r.yml", text, CATALOG));
    }

    #[test]
    fn formatted_values_and_counts_pass() {
        let text = "groups:\n- name: a\n  rules:\n  - alert: Errors\n    expr: sum(rate(errors_total[5m])) / sum(rate(requests_total[5m])) > 0.01\n    annotations:\n      summary: \"Error ratio is {{ $value | humanizePercentage }}\"\n      description: \"{{ printf \\\"%.2f\\\" $value }}\"\n  - alert: Queue\n    expr: max(queue_length) > 100\n    annotations:\n      summary: \"{{ $value }} jobs waiting\"\n";
        assert_eq!(snapshot_with_catalog(&UnformattedValue, "r.yml", text, CATALOG), "");
    }
}
