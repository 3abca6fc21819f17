use crate::context::FileContext;
use crate::declare_rule;
use crate::registry::{Rule, RuleMeta};
use promaudit_diagnostics::Diagnostic;
use promaudit_source::artifact::QueryRole;
use promql_parser::parser::{token, Expr, LabelModifier};

declare_rule! {
    /// ## What it finds
    /// `topk`, `bottomk` or `limitk` in an alerting rule, except the deduplication idiom
    /// `topk by (…) (1, …)`, which keeps one series per group and so a stable identity.
    ///
    /// ## Why it matters
    /// Which series are in the top k changes between evaluations. Each change resolves one
    /// alert and starts another, with its `for:` timer reset: the alert flaps, and with `for:`
    /// it may never fire even though the condition holds all the time.
    ///
    /// ## Example
    /// ```yaml
    /// expr: topk(3, rate(http_requests_total[5m])) > 100
    /// ```
    ///
    /// ## Fix
    /// Alert on every series over the threshold (`rate(…) > 100`); keep `topk` for dashboards.
    pub Topk {
        code: "alerts/topk",
        category: Suspicious,
        severity: Info,
        summary: "An alert uses `topk`/`bottomk`, whose selection changes between evaluations",
    }
}

impl Rule for Topk {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &FileContext, out: &mut Vec<Diagnostic>) {
        for (query, parsed) in cx.parsed_queries() {
            let QueryRole::AlertingRule { name } = &query.site.role else { continue };
            parsed.walk(&mut |visit| {
                let Expr::Aggregate(agg) = visit.expr else { return };
                let dedup = matches!(agg.modifier, Some(LabelModifier::Include(_))) && matches!(agg.param.as_deref(), Some(Expr::NumberLiteral(k)) if k.val == 1.0);
                if dedup {
                    return;
                }
                let function = match agg.op.id() {
                    token::T_TOPK => "topk",
                    token::T_BOTTOMK => "bottomk",
                    token::T_LIMITK => "limitk",
                    _ => return,
                };
                let span = query.file_span(visit.spans.name.unwrap_or(visit.spans.node));
                out.push(Self::META.diagnostic(span, format!("alert `{name}` uses `{function}`: the selected series change between evaluations, so the alert resolves and restarts, resetting `for`")).with_help("alert on every series past the threshold; keep `topk` for dashboards"));
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::snapshot;

    #[test]
    fn topk_in_an_alert_not_in_a_recording_rule() {
        let text = "groups:\n- name: a\n  rules:\n  - alert: Busy\n    expr: topk(3, rate(http_requests_total[5m])) > 100\n  - record: top:requests:rate5m\n    expr: topk(3, rate(http_requests_total[5m]))\n  - alert: OnePerPod\n    expr: topk by (pod) (1, rate(http_requests_total[5m])) > 100\n";
        insta::assert_snapshot!(snapshot(&Topk, "r.yml", text));
    }
}
