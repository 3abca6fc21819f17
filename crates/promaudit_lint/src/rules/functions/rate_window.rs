use crate::context::{selector_of, FileContext};
use crate::declare_rule;
use crate::registry::{Rule, RuleMeta};
use promaudit_diagnostics::Diagnostic;
use promql_parser::label::MatchOp;
use promql_parser::parser::Expr;

declare_rule! {
    /// ## What it finds
    /// `rate`, `increase`, `delta` and `deriv` over a range shorter than four scrape intervals
    /// (`irate` and `idelta`: two), using the intervals of the Prometheus configuration among the
    /// checked files (per job when the selector names its `job`).
    ///
    /// ## Why it matters
    /// These functions need at least two samples in the window; with fewer than four, one missed
    /// or late scrape leaves a gap. The result then jumps to nothing, graphs show holes, and
    /// alerts on it flap or never fire.
    ///
    /// ## Example
    /// ```yaml
    /// expr: rate(http_requests_total{job="api"}[30s])   # the api job is scraped every 15s
    /// ```
    ///
    /// ## Fix
    /// Use a window of at least four scrape intervals (`[1m]` here); in Grafana,
    /// `[$__rate_interval]`.
    pub RateWindow {
        code: "functions/rate-window",
        category: Suspicious,
        severity: Warning,
        summary: "A range function's window holds too few scrapes",
    }
}

impl Rule for RateWindow {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &FileContext, out: &mut Vec<Diagnostic>) {
        for (query, parsed) in cx.server_queries() {
            let mut ranges = std::collections::HashMap::new();
            parsed.walk(&mut |visit| {
                if let (Expr::MatrixSelector(_), Some(range)) = (visit.expr, visit.spans.range) {
                    ranges.insert(visit.expr as *const Expr, range);
                }
            });
            parsed.walk(&mut |visit| {
                let Expr::Call(call) = visit.expr else { return };
                let samples = match call.func.name {
                    "rate" | "increase" | "delta" | "deriv" => 4,
                    "irate" | "idelta" => 2,
                    _ => return,
                };
                let Some(argument) = call.args.args.first() else { return };
                let Expr::MatrixSelector(matrix) = argument.as_ref() else { return };
                let job = selector_of(argument).and_then(|s| s.matchers.matchers.iter().find(|m| m.name == "job" && m.op == MatchOp::Equal)).map(|m| m.value.as_str());
                let Some(interval) = cx.catalog.scrape_interval(job) else { return };
                if matrix.range >= interval * samples {
                    return;
                }
                let Some(&range_span) = ranges.get(&(argument.as_ref() as *const Expr)) else { return };
                let whose = job.map_or("the global scrape interval".to_string(), |j| format!("job `{j}`'s scrape interval"));
                out.push(
                    Self::META
                        .diagnostic(query.file_span(range_span), format!("`{}` over {}s sees fewer than {samples} samples at {whose} of {}s: one missed scrape leaves a gap", call.func.name, matrix.range.as_secs_f64(), interval.as_secs_f64()))
                        .with_help(format!("use a window of at least {}s, or `$__rate_interval` in Grafana", (interval * samples).as_secs())),
                );
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::render;
    use crate::{check_source, Checker};
    use promaudit_source::SourceFile;

    const CONFIG: &str = "global:\n  scrape_interval: 15s\nscrape_configs:\n- job_name: slow\n  scrape_interval: 1m\n";

    fn check(text: &str) -> String {
        let mut checker = Checker::default();
        checker.learn_project(&[SourceFile::new("prometheus.yml", CONFIG)]);
        let report = check_source(SourceFile::new("r.yml", text), &checker);
        let found: Vec<_> = report.diagnostics.into_iter().filter(|d| d.code == RateWindow::META.code).collect();
        render("r.yml", text, &found)
    }

    #[test]
    fn windows_shorter_than_four_scrapes() {
        insta::assert_snapshot!(check("groups:\n- name: a\n  rules:\n  - record: a:b:c\n    expr: rate(x[30s]) + rate(y{job=\"slow\"}[2m])\n"));
    }

    #[test]
    fn long_enough_windows() {
        assert!(check("groups:\n- name: a\n  rules:\n  - record: a:b:c\n    expr: rate(x[1m]) + irate(y{job=\"slow\"}[2m])\n").is_empty());
    }
}
