use crate::context::FileContext;
use crate::declare_rule;
use crate::registry::{Rule, RuleMeta};
use promaudit_diagnostics::{Diagnostic, Edit, Fix};
use promaudit_source::artifact::QueryRole;
use promql_parser::parser::Expr;

declare_rule! {
    /// ## What it finds
    /// `irate()` in an alerting rule.
    ///
    /// ## Why it matters
    /// `irate` looks only at the last two samples of its window, so it jumps with every short
    /// spike and dip. An alert on it flaps: it fires on a blip and resolves a scrape later, and a
    /// `for:` clause keeps resetting. Prometheus' documentation reserves it for graphing
    /// volatile counters.
    ///
    /// ## Example
    /// ```yaml
    /// - alert: HighRequestRate
    ///   expr: sum(irate(http_requests_total[5m])) > 1000
    /// ```
    ///
    /// ## Fix
    /// Use `rate()`, which averages over the whole window: `sum(rate(http_requests_total[5m]))`.
    pub IrateInAlert {
        code: "functions/irate-in-alert",
        category: Suspicious,
        severity: Info,
        summary: "An alert uses `irate`, which follows every spike and makes it flap",
        fix: "replaces `irate` with `rate`",
    }
}

impl Rule for IrateInAlert {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &FileContext, out: &mut Vec<Diagnostic>) {
        for (query, parsed) in cx.parsed_queries() {
            let QueryRole::AlertingRule { name } = &query.site.role else { continue };
            parsed.walk(&mut |visit| {
                let Expr::Call(call) = visit.expr else { return };
                if call.func.name != "irate" {
                    return;
                }
                let span = query.file_span(visit.spans.name.unwrap_or(visit.spans.node));
                let diagnostic = Self::META
                    .diagnostic(span, format!("alert `{name}` uses `irate`, which follows every spike between the last two samples: the alert will flap"))
                    .with_help("use `rate(…)` in alerts; keep `irate` for graphs");
                // Only the function name's own span may be replaced.
                out.push(match visit.spans.name {
                    Some(name) => diagnostic.with_fix(Fix::new("Use `rate`", vec![Edit { span: query.file_span(name), replacement: "rate".into() }])),
                    None => diagnostic,
                });
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{fixed, snapshot};

    #[test]
    fn irate_in_an_alert() {
        insta::assert_snapshot!(snapshot(&IrateInAlert, "r.yml", "groups:\n- name: a\n  rules:\n  - alert: HighRate\n    expr: sum(irate(x_total[5m])) > 10\n"));
    }

    #[test]
    fn irate_in_a_recording_rule_and_rate_in_an_alert() {
        let text = "groups:\n- name: a\n  rules:\n  - record: job:x:irate5m\n    expr: sum by (job) (irate(x_total[5m]))\n  - alert: HighRate\n    expr: sum(rate(x_total[5m])) > 10\n";
        assert!(snapshot(&IrateInAlert, "r.yml", text).is_empty());
    }

    #[test]
    fn the_fix_uses_rate() {
        let text = "groups:\n- name: a\n  rules:\n  - alert: HighRate\n    expr: sum(irate(x_total[5m])) / sum(irate(y_total[5m])) > 10\n";
        assert_eq!(fixed(&IrateInAlert, "r.yml", text, ""), text.replace("irate", "rate"));
    }
}
