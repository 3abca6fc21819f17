use crate::context::FileContext;
use crate::declare_rule;
use crate::registry::{Rule, RuleMeta};
use promaudit_diagnostics::{Diagnostic, Severity};
use promaudit_promql::regex_shape::{shape, RegexShape};
use promql_parser::label::MatchOp;

declare_rule! {
    /// ## What it finds
    /// Negative regex matchers whose regex accepts every value: `label!~".*"`, and the same
    /// regex spelt `(.*)`, `^.*$` or `.*|api`. Every series has some value for the label, the
    /// empty value if it lacks the label, and `.*` accepts it: the selector matches no series,
    /// whatever the data.
    ///
    /// ## Why it matters
    /// The selector returns nothing: an alert on it alone never fires, a recording rule records
    /// nothing, a panel stays empty. It usually comes from a setting: a mixin that splits one
    /// alert in two, on `label=~` and `label!~` the same configured regex, leaves the second
    /// with nothing when the regex is left at `.*`. It is an error on
    /// Prometheus 3, where `.` matches every character; on Prometheus 2 (`prometheus_version`)
    /// `.` skips line breaks, so a value holding one would still match, and it is a warning.
    ///
    /// ## Example
    /// ```yaml
    /// expr: rate(alertmanager_notifications_failed_total{integration!~".*"}[5m]) > 0
    /// ```
    ///
    /// ## Fix
    /// Write the values to exclude (`integration!~"pagerduty|slack"`), or drop the matcher.
    pub MatchNothing {
        code: "promql/match-nothing",
        category: Correctness,
        severity: Error,
        summary: "A `!~\".*\"` matcher rejects every series: the selector matches nothing",
    }
}

impl Rule for MatchNothing {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &FileContext, out: &mut Vec<Diagnostic>) {
        cx.for_each_regex_matcher(&mut |regex| {
            if !matches!(regex.matcher.op, MatchOp::NotRe(_)) || shape(&regex.matcher.value) != RegexShape::Everything {
                return;
            }
            let name = &regex.matcher.name;
            let message = format!(
                "`{}` rejects every value of `{name}`, the empty value of a series without it included: this selector matches no series",
                regex.matcher
            );
            let mut diagnostic = Self::META
                .diagnostic(regex.query.file_span(regex.spans.value), message)
                .with_help("write the values to exclude, or drop the matcher");
            if cx.config.prometheus_version() < 3 {
                diagnostic.severity = Severity::Warning;
                diagnostic = diagnostic.with_note("on Prometheus 2, `.` does not match a line break: only a value holding one passes");
            }
            out.push(diagnostic);
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{snapshot, snapshot_with_config};

    #[test]
    fn negated_match_all() {
        let text = "groups:\n- name: a\n  rules:\n  - alert: A\n    expr: rate(failed_total{job=\"am\", integration!~`.*`}[5m]) > 0 or foo{a!~\"(.*)\"} or foo{a!~\"^.*$\"} or foo{a!~\".*|x\"}\n";
        insta::assert_snapshot!(snapshot(&MatchNothing, "r.yml", text));
    }

    #[test]
    fn a_warning_on_prometheus_2() {
        let text = "groups:\n- name: a\n  rules:\n  - alert: A\n    expr: foo{a!~\".*\"} > 0\n";
        insta::assert_snapshot!(snapshot_with_config(&MatchNothing, "r.yml", text, "prometheus_version: 2\n"));
    }

    #[test]
    fn other_negative_regexes_pass() {
        let text = "groups:\n- name: a\n  rules:\n  - alert: A\n    expr: foo{a!~\".+\", b!~\"x.*\", c=~\".*\", d!~\"\", e!=\".*\"} > 0\n";
        assert_eq!(snapshot(&MatchNothing, "r.yml", text), "");
        let dashboard = "{\"panels\": [{\"title\": \"P\", \"targets\": [{\"expr\": \"sum(up{job!~\\\"$job\\\"})\"}]}]}\n";
        assert_eq!(snapshot(&MatchNothing, "d.json", dashboard), "");
    }
}
