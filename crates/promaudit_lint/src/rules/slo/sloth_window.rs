use crate::context::FileContext;
use crate::declare_rule;
use crate::registry::{Rule, RuleMeta};
use promaudit_diagnostics::Diagnostic;
use promaudit_source::artifact::{Artifact, SloFormat};
use promql_parser::parser::Expr;

declare_rule! {
    /// ## What it finds
    /// Sloth SLI queries whose range is written out (`[5m]`) instead of `[{{.window}}]`.
    ///
    /// ## Why it matters
    /// Sloth renders each query once per alert window (5m, 30m, 1h, 2h, 6h, 1d, 3d, 30d) by
    /// substituting `{{.window}}`. With a fixed range every window computes the same 5-minute
    /// ratio: the long windows of the multi-window alerts stop smoothing anything, the alerts
    /// page on blips, and the 30-day SLI is a 5-minute one. Sloth's validation rejects such
    /// specs.
    ///
    /// ## Example
    /// ```yaml
    /// error_query: sum(rate(http_requests_total{code=~"5.."}[5m]))
    /// ```
    ///
    /// ## Fix
    /// `sum(rate(http_requests_total{code=~"5.."}[{{.window}}]))`
    pub SlothWindow {
        code: "slo/sloth-window",
        category: Correctness,
        severity: Error,
        summary: "A Sloth SLI query has a fixed range instead of `{{.window}}`",
    }
}

impl Rule for SlothWindow {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &FileContext, out: &mut Vec<Diagnostic>) {
        let sloth_queries: Vec<_> = cx
            .extraction
            .artifacts
            .iter()
            .filter_map(|a| if let Artifact::SloSpec(s) = a { Some(s) } else { None })
            .filter(|s| matches!(s.format, SloFormat::Sloth | SloFormat::SlothCrd))
            .flat_map(|s| s.slos.iter().flat_map(|slo| &slo.queries))
            .collect();
        for (query, parsed) in cx.parsed_queries().filter(|(q, _)| sloth_queries.iter().any(|s| std::ptr::eq(*s, q.site))) {
            if query.site.query.value.replace(' ', "").contains("{{.window}}") {
                continue;
            }
            let mut range = None;
            parsed.walk(&mut |visit| {
                if let (Expr::MatrixSelector(_), Some(span), None) = (visit.expr, visit.spans.range, range) {
                    range = Some(span);
                }
            });
            let span = query.file_span(range.unwrap_or(parsed.root_span()));
            out.push(Self::META.diagnostic(span, format!("this {} has a fixed range: every Sloth window computes the same ratio", query.site.role.describe())).with_help("write the range as `[{{.window}}]`; Sloth fills in each alert window"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::snapshot;

    #[test]
    fn fixed_ranges() {
        let text = "version: prometheus/v1\nservice: api\nslos:\n- name: availability\n  objective: 99.9\n  sli:\n    events:\n      error_query: sum(rate(http_requests_total{code=~\"5..\"}[5m]))\n      total_query: sum(rate(http_requests_total[{{.window}}]))\n";
        insta::assert_snapshot!(snapshot(&SlothWindow, "slo.yml", text));
    }
}
