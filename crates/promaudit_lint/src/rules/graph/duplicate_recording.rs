use crate::context::FileContext;
use crate::declare_rule;
use crate::project::static_labels;
use crate::registry::{Rule, RuleMeta};
use promaudit_diagnostics::Diagnostic;

declare_rule! {
    /// ## What it finds
    /// Across all checked files: two recording rules computing the same expression (compared
    /// as parsed, so layout does not matter) with the same static labels under different
    /// names. Reported at the later definition, in file order.
    ///
    /// ## Why it matters
    /// Every recording rule is evaluated at every interval: a copy doubles the cost of an
    /// expression that was worth recording because it is expensive, doubles the series stored,
    /// and the two copies drift apart the day one is fixed and the other forgotten.
    ///
    /// ## Example
    /// ```yaml
    /// # api.yml
    /// - record: job:http_requests:rate5m
    ///   expr: sum by (job) (rate(http_requests_total[5m]))
    /// # web.yml
    /// - record: job:requests:rate5m
    ///   expr: sum by (job) (rate(http_requests_total[5m]))
    /// ```
    ///
    /// ## Fix
    /// Keep one rule and read its name everywhere; during a rename, record the new name from
    /// the old (`expr: job:http_requests:rate5m`) until the readers have moved.
    pub DuplicateRecording {
        code: "graph/duplicate-recording",
        category: Performance,
        severity: Info,
        summary: "Two recording rules compute the same expression under different names",
    }
}

impl Rule for DuplicateRecording {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &FileContext, out: &mut Vec<Diagnostic>) {
        let recordings = &cx.project.recordings;
        for rule in cx.rule_files().flat_map(|f| &f.groups).flat_map(|g| &g.rules) {
            let (Some(record), Some(expr), None) = (&rule.record, &rule.expr, &rule.alert) else { continue };
            let labels = static_labels(rule);
            // As the pre-pass printed it (`project::canonical_expression`).
            let canonical = cx.parsed_query_of(expr).map_or(expr.query.value.as_str(), |(_, parsed)| parsed.canonical());
            let here = || format!("{}:{}", cx.file.display_path(), cx.file.line_col(record.span.start).line);
            if let Some(first) = recordings.first_computing(canonical, &labels).filter(|first| first.name != record.value && first.location != here()) {
                let message = format!("`{}` records the same expression as `{}` at {}: the work is done twice, and the copies drift apart when one is changed", record.value, first.name, first.location);
                out.push(Self::META.diagnostic(record.span, message).with_help(format!("read `{}` instead of recording a copy", first.name)));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::check_project;

    const API: &str = "groups:\n- name: api\n  rules:\n  - record: job:http_requests:rate5m\n    expr: sum by (job) (rate(http_requests_total[5m]))\n";

    #[test]
    fn one_expression_two_names() {
        let web = "groups:\n- name: web\n  rules:\n  - record: job:requests:rate5m\n    expr: |\n      sum by (job) (\n        rate(http_requests_total[5m])\n      )\n";
        insta::assert_snapshot!(check_project(&DuplicateRecording, &[("api.yml", API), ("web.yml", web)], "web.yml"));
        assert_eq!(check_project(&DuplicateRecording, &[("api.yml", API), ("web.yml", web)], "api.yml"), "", "the first definition is not reported");
    }

    #[test]
    fn distinct_labels_other_expressions_and_identical_copies_pass() {
        let labelled = "groups:\n- name: web\n  rules:\n  - record: web:http_requests:rate5m\n    expr: sum by (job) (rate(http_requests_total[5m]))\n    labels: {source: web}\n  - record: job:http_requests:rate5m\n    expr: sum by (job) (rate(http_requests_total{handler!=\"/health\"}[5m]))\n";
        assert_eq!(check_project(&DuplicateRecording, &[("api.yml", API), ("web.yml", labelled)], "web.yml"), "");
        assert_eq!(check_project(&DuplicateRecording, &[("api.yml", API), ("copy.yml", API)], "copy.yml"), "");
    }
}
