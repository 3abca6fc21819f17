use crate::context::{selector_name, selector_of, FileContext};
use crate::declare_rule;
use crate::registry::{Rule, RuleMeta};
use promaudit_diagnostics::{Diagnostic, Span};
use promaudit_source::artifact::{Artifact, QueryRole, SloPart};
use promql_parser::label::{MatchOp, Matcher};
use promql_parser::parser::{token, Expr};

declare_rule! {
    /// ## What it finds
    /// SLO queries that count the opposite of what their place asks for: an error (or bad)
    /// query that counts good events — a histogram bucket `le="1.0"` (the requests *faster*
    /// than the threshold), `status!~"5.."` or `code="200"`, a metric named for successes —
    /// and a good query that counts errors.
    ///
    /// ## Why it matters
    /// The SLO is inverted: with 99% of requests fast, it reports 99% errors, burns the whole
    /// error budget in minutes and pages on a healthy service; the day the service really
    /// degrades, the error rate it computes goes *down*.
    ///
    /// ## Example
    /// ```yaml
    /// error_query: sum(rate(http_request_duration_seconds_bucket{le="1.0"}[{{.window}}]))
    /// total_query: sum(rate(http_request_duration_seconds_count[{{.window}}]))
    /// ```
    ///
    /// ## Fix
    /// Count the complement: `total - good`, here
    /// `sum(rate(…_count[{{.window}}])) - sum(rate(…_bucket{le="1.0"}[{{.window}}]))`.
    pub InvertedSli {
        code: "slo/inverted-sli",
        category: Correctness,
        severity: Error,
        summary: "An SLO's error query counts good events, or its good query counts errors",
    }
}

impl Rule for InvertedSli {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &FileContext, out: &mut Vec<Diagnostic>) {
        for slo in cx.extraction.artifacts.iter().filter_map(|a| if let Artifact::SloSpec(s) = a { Some(s) } else { None }).flat_map(|s| &s.slos) {
            let total = slo.queries.iter().find(|q| matches!(q.role, QueryRole::SloQuery { part: SloPart::Total, .. }));
            for (query, parsed) in cx.parsed_queries().filter(|(q, _)| slo.queries.iter().any(|s| std::ptr::eq(s, q.site))) {
                let QueryRole::SloQuery { slo: name, part } = &query.site.role else { continue };
                let counts_errors = match part {
                    SloPart::Errors | SloPart::Bad => true,
                    SloPart::Good => false,
                    SloPart::Total | SloPart::ErrorRatio => continue,
                };
                let mut found: Option<(Span, String)> = None;
                inverted_selectors(&parsed.expr, counts_errors, false, &mut |expr, why| {
                    if found.is_none() {
                        found = Some((parsed.span_of(expr), why));
                    }
                });
                let Some((span, why)) = found else { continue };
                let (role, opposite) = if counts_errors { ("error", "good") } else { ("good", "bad") };
                let message = format!("the {} of SLO `{name}` counts {opposite} events: {why}; the SLO is inverted", part.as_str());
                let help = match total.filter(|_| counts_errors) {
                    Some(total) => format!("count the {role} events as total minus good: `{} - {}`", total.query.value.trim(), query.site.query.value.trim()),
                    None => format!("select the {role} events, or subtract this from the total"),
                };
                out.push(Self::META.diagnostic(query.file_span(span), message).with_help(help));
            }
        }
    }
}

/// Calls `report` with each selector that counts the wrong kind of event, unless it is
/// subtracted (`total - good` counts errors). `negated` flips under a subtraction's right side.
fn inverted_selectors(expr: &Expr, counts_errors: bool, negated: bool, report: &mut dyn FnMut(&Expr, String)) {
    if let Expr::Binary(b) = expr {
        if b.op.id() == token::T_SUB {
            inverted_selectors(&b.lhs, counts_errors, negated, report);
            inverted_selectors(&b.rhs, counts_errors, !negated, report);
            return;
        }
    }
    if let Some(selector) = selector_of(expr) {
        let wanted_errors = counts_errors != negated;
        let verdict = if wanted_errors { counts_good(selector) } else { counts_bad(selector) };
        if let Some(why) = verdict {
            report(expr, why);
        }
        return;
    }
    for child in promaudit_promql::children(expr) {
        inverted_selectors(child, counts_errors, negated, report);
    }
}

const STATUS_LABELS: &[&str] = &["status", "code", "status_code", "http_status", "response_code", "http_code"];

/// Why the selector counts successful or fast events, if it does.
fn counts_good(selector: &promql_parser::parser::VectorSelector) -> Option<String> {
    let name = selector_name(selector).unwrap_or_default();
    if name.ends_with("_bucket") {
        if let Some(le) = selector.matchers.matchers.iter().find(|m| m.name == "le" && m.op == MatchOp::Equal) {
            return Some(format!("the bucket `le=\"{}\"` counts the events observed at or below {}: the fast ones", le.value, le.value));
        }
    }
    if let Some(m) = selector.matchers.matchers.iter().find(|m| STATUS_LABELS.contains(&m.name.as_str()) && selects_success(m)) {
        return Some(format!("`{}` selects successful requests", matcher_text(m)));
    }
    let lower = name.to_ascii_lowercase();
    ["success", "succeeded", "_ok_", "_good_"].iter().find(|w| lower.contains(*w)).map(|_| format!("`{name}` counts successes"))
}

/// Why the selector counts failed events, if it does.
fn counts_bad(selector: &promql_parser::parser::VectorSelector) -> Option<String> {
    let m = selector.matchers.matchers.iter().find(|m| STATUS_LABELS.contains(&m.name.as_str()) && selects_server_errors(m))?;
    Some(format!("`{}` selects failed requests", matcher_text(m)))
}

/// `status!~"5.."`, `code=~"2.."`, `code="200"`: a matcher that keeps successes.
fn selects_success(m: &Matcher) -> bool {
    let success = ["200", "201", "204", "2xx", "2..", "OK", "ok", "success"];
    match &m.op {
        MatchOp::Equal => success.contains(&m.value.as_str()),
        MatchOp::Re(re) => re.is_match("200") && !re.is_match("500"),
        MatchOp::NotEqual | MatchOp::NotRe(_) => selects_server_errors(&Matcher { op: positive(&m.op), ..m.clone() }),
    }
}

fn selects_server_errors(m: &Matcher) -> bool {
    match &m.op {
        MatchOp::Equal => m.value.starts_with('5'),
        MatchOp::Re(re) => re.is_match("500") && re.is_match("503") && !re.is_match("200"),
        MatchOp::NotEqual | MatchOp::NotRe(_) => false,
    }
}

fn positive(op: &MatchOp) -> MatchOp {
    match op {
        MatchOp::NotEqual => MatchOp::Equal,
        MatchOp::NotRe(re) => MatchOp::Re(re.clone()),
        other => other.clone(),
    }
}

fn matcher_text(m: &Matcher) -> String {
    let op = match m.op {
        MatchOp::Equal => "=",
        MatchOp::NotEqual => "!=",
        MatchOp::Re(_) => "=~",
        MatchOp::NotRe(_) => "!~",
    };
    format!("{}{op}\"{}\"", m.name, m.value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::snapshot;

    const SLOTH: &str = "version: prometheus/v1\nservice: api\nslos:\n- name: latency\n  objective: 95\n  sli:\n    events:\n      error_query: sum(rate(http_request_duration_seconds_bucket{le=\"1.0\"}[{{.window}}]))\n      total_query: sum(rate(http_request_duration_seconds_count[{{.window}}]))\n- name: availability\n  objective: 99.9\n  sli:\n    events:\n      error_query: sum(rate(http_requests_total{code!~\"5..\"}[{{.window}}]))\n      total_query: sum(rate(http_requests_total[{{.window}}]))\n";

    #[test]
    fn error_queries_counting_good_events() {
        insta::assert_snapshot!(snapshot(&InvertedSli, "slo.yml", SLOTH));
    }

    #[test]
    fn error_queries_counting_errors() {
        let text = "version: prometheus/v1\nservice: api\nslos:\n- name: latency\n  objective: 95\n  sli:\n    events:\n      error_query: sum(rate(http_request_duration_seconds_count[{{.window}}])) - sum(rate(http_request_duration_seconds_bucket{le=\"1.0\"}[{{.window}}]))\n      total_query: sum(rate(http_request_duration_seconds_count[{{.window}}]))\n- name: availability\n  objective: 99.9\n  sli:\n    events:\n      error_query: sum(rate(http_requests_total{code=~\"5..\"}[{{.window}}]))\n      total_query: sum(rate(http_requests_total[{{.window}}]))\n";
        assert_eq!(snapshot(&InvertedSli, "slo.yml", text), "");
    }
}
