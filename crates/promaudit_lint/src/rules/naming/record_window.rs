use crate::context::FileContext;
use crate::declare_rule;
use crate::names::parse_duration;
use crate::registry::{Rule, RuleMeta};
use promaudit_diagnostics::Diagnostic;
use promql_parser::parser::Expr;
use std::time::Duration;

declare_rule! {
    /// ## What it finds
    /// Recording rules whose name states a window (`…:rate5m`, `…ratio_rate1h`,
    /// `…:increase30d`) that no range in their expression uses.
    ///
    /// ## Why it matters
    /// Everything downstream trusts the name: a burn-rate alert pairs `ratio_rate1h` with
    /// `ratio_rate5m` because of it, a dashboard labels the line "1h". If the expression really
    /// uses `[5m]`, the long window of the pair is a short one, and the alert pages on blips.
    ///
    /// ## Example
    /// ```yaml
    /// - record: slo:sli_error:ratio_rate1h
    ///   expr: sum(rate(errors_total[5m])) / sum(rate(requests_total[5m]))
    /// ```
    ///
    /// ## Fix
    /// Make the range match the name (`[1h]`), or rename the rule.
    pub RecordWindow {
        code: "naming/record-window",
        category: Correctness,
        severity: Warning,
        summary: "A recording rule's name states a window its expression does not use",
    }
}

impl Rule for RecordWindow {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &FileContext, out: &mut Vec<Diagnostic>) {
        for rule in cx.rule_files().flat_map(|f| &f.groups).flat_map(|g| &g.rules) {
            let (Some(record), Some(site), None) = (&rule.record, &rule.expr, &rule.alert) else { continue };
            let Some(named) = named_window(&record.value) else { continue };
            let Some((_, parsed)) = cx.parsed_query_of(site) else { continue };
            let mut ranges = Vec::new();
            parsed.walk(&mut |visit| match visit.expr {
                Expr::MatrixSelector(m) => ranges.push(m.range),
                Expr::Subquery(s) => ranges.push(s.range),
                _ => {}
            });
            if ranges.is_empty() || ranges.contains(&named) {
                continue;
            }
            ranges.sort();
            ranges.dedup();
            let used: Vec<String> = ranges.iter().map(|r| format!("[{}]", promaudit_catalog::format_duration(*r))).collect();
            let message = format!("`{}` says {} in its name, but its expression uses {}", record.value, promaudit_catalog::format_duration(named), used.join(", "));
            out.push(Self::META.diagnostic(record.span, message).with_help("make the range match the name, or rename the rule"));
        }
    }
}

/// The window the last part of a recording rule's name states: `rate5m`, `ratio_rate1h`,
/// `increase30d`, `avg_over_time_1d`.
fn named_window(name: &str) -> Option<Duration> {
    let last = name.rsplit(':').next()?;
    ["rate", "increase", "_over_time_", "over_time"].iter().find_map(|marker| {
        let (_, window) = last.rsplit_once(marker)?;
        parse_duration(window.trim_start_matches('_'))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::snapshot;

    #[test]
    fn names_and_ranges() {
        let text = "groups:\n- name: a\n  rules:\n  - record: slo:sli_error:ratio_rate1h\n    expr: sum(rate(errors_total[5m])) / sum(rate(requests_total[5m]))\n  - record: job:requests:rate5m\n    expr: sum by (job) (rate(requests_total[5m]))\n  - record: job:requests:increase30d\n    expr: avg_over_time(job:requests:increase1h[30d]) * 24 * 30\n  - record: job:requests:sum\n    expr: sum by (job) (requests_total)\n";
        insta::assert_snapshot!(snapshot(&RecordWindow, "r.yml", text));
    }
}
