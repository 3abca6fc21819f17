use crate::context::FileContext;
use crate::declare_rule;
use crate::names::parse_duration;
use crate::registry::{Rule, RuleMeta};
use promaudit_diagnostics::Diagnostic;
use promql_parser::parser::Expr;
use std::time::Duration;

declare_rule! {
    /// ## What it finds
    /// An alert whose `for:` is shorter than the range its expression reads:
    /// `rate(errors_total[15m]) > 1` with `for: 1m`. Alerts reading several ranges are left
    /// alone (in a multi-window burn-rate alert the short window is the guard), and so are
    /// ranges of trends (`predict_linear`, `deriv`) and of `irate`/`idelta`, which a single
    /// burst does not hold up for the whole range.
    ///
    /// ## Why it matters
    /// A range function looks back over its whole window, so one burst keeps
    /// `rate(errors_total[15m])` above the threshold for up to 15 minutes. A `for:` shorter than
    /// that is met by the single burst: it delays the page without asking whether the problem
    /// lasts, and the alert keeps firing for the rest of the window after the burst is over.
    ///
    /// ## Example
    /// ```yaml
    /// - alert: ErrorsHigh
    ///   expr: rate(errors_total[15m]) > 1
    ///   for: 1m
    /// ```
    ///
    /// ## Fix
    /// Wait at least the range (`for: 15m`), or read a shorter range and keep the `for`, so the
    /// condition must hold over several short windows (`rate(errors_total[5m]) > 1` with
    /// `for: 10m`).
    pub ForWithinRange {
        code: "alerts/for-within-range",
        category: Suspicious,
        severity: Info,
        summary: "An alert's `for` is shorter than the range its expression reads",
    }
}

/// Functions a single burst does not hold up for the whole range: trends fitted over it, and
/// the last two samples.
const TRENDS_AND_LAST_SAMPLES: &[&str] = &["predict_linear", "deriv", "holt_winters", "double_exponential_smoothing", "irate", "idelta"];

impl Rule for ForWithinRange {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &FileContext, out: &mut Vec<Diagnostic>) {
        for rule in cx.rule_files().flat_map(|f| &f.groups).flat_map(|g| &g.rules).filter(|r| r.alert.is_some()) {
            let Some(for_) = &rule.for_ else { continue };
            let Some(wait) = parse_duration(&for_.value).filter(|w| !w.is_zero()) else { continue };
            let Some((query, parsed)) = rule.expr.as_ref().and_then(|site| cx.parsed_query_of(site)) else { continue };
            let mut ranges: Vec<(Duration, Option<promaudit_diagnostics::Span>)> = Vec::new();
            parsed.walk(&mut |visit| {
                if let (Expr::MatrixSelector(matrix), Some(Expr::Call(call))) = (visit.expr, visit.parent) {
                    if !TRENDS_AND_LAST_SAMPLES.contains(&call.func.name) {
                        ranges.push((matrix.range, visit.spans.range));
                    }
                }
            });
            let Some(&(range, range_span)) = ranges.first() else { continue };
            if wait >= range || ranges.iter().any(|(other, _)| *other != range) {
                continue;
            }
            let range_text = promaudit_catalog::format_duration(range);
            let message = format!("`for: {}` is shorter than the {range_text} range the expression reads: one burst keeps the condition true for up to {range_text}, so this `for` does not wait it out", for_.value);
            let diagnostic = Self::META.diagnostic(for_.span, message).with_help(format!("wait at least the range (`for: {range_text}`), or read a shorter range and keep the `for`"));
            out.push(match range_span {
                Some(span) => diagnostic.with_label(query.file_span(span), "the range"),
                None => diagnostic,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::snapshot;

    #[test]
    fn a_for_shorter_than_the_one_range() {
        let text = "groups:\n- name: a\n  rules:\n  - alert: ErrorsHigh\n    expr: rate(errors_total[15m]) > 1\n    for: 1m\n";
        insta::assert_snapshot!(snapshot(&ForWithinRange, "alerts.yml", text));
    }

    #[test]
    fn long_enough_no_for_or_several_windows_pass() {
        let text = "groups:\n- name: a\n  rules:\n  - alert: A\n    expr: rate(errors_total[5m]) > 1\n    for: 10m\n  - alert: B\n    expr: rate(errors_total[15m]) > 1\n  - alert: C\n    expr: rate(errors_total[1h]) > 14.4 * 0.001 and rate(errors_total[5m]) > 14.4 * 0.001\n    for: 2m\n  - alert: D\n    expr: up == 0\n    for: 1m\n  - alert: E\n    expr: predict_linear(node_filesystem_avail_bytes[6h], 4 * 3600) < 0\n    for: 1h\n";
        assert_eq!(snapshot(&ForWithinRange, "alerts.yml", text), "");
    }
}
