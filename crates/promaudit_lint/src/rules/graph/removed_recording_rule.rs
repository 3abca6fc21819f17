use crate::context::{selector_name, selector_of, FileContext};
use crate::declare_rule;
use crate::registry::{Rule, RuleMeta};
use promaudit_diagnostics::Diagnostic;

declare_rule! {
    /// ## What it finds
    /// With `--changed-since REV`: a selector, in any file of the repository, that reads a series
    /// a recording rule wrote at `REV` and that no recording rule writes any more — the change
    /// removed or renamed the rule but not its readers.
    ///
    /// ## Why it matters
    /// Nothing fails when the rule goes: the next evaluation simply writes no sample, the series
    /// goes stale five minutes later, and every alert reading it goes quiet for good while the
    /// dashboards show "No data". Reviewing the diff of the rule file alone cannot show this,
    /// because the readers are in files the change did not touch.
    ///
    /// ## Example
    /// `rules/recording.yml` at `main` records `job:http_errors:ratio_rate5m`; the branch renames
    /// it to `job:http_request_errors:ratio_rate5m`, and `alerts/http.yml` still has
    /// ```yaml
    /// - alert: HighErrorRate
    ///   expr: job:http_errors:ratio_rate5m > 0.05
    /// ```
    ///
    /// ## Fix
    /// Update the readers to the new name in the same change, or keep recording the old name
    /// until they have moved.
    pub RemovedRecordingRule {
        code: "graph/removed-recording-rule",
        category: Correctness,
        severity: Error,
        summary: "A query reads a series whose recording rule this change removed",
    }
}

impl Rule for RemovedRecordingRule {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &FileContext, out: &mut Vec<Diagnostic>) {
        let removed = &cx.project.removed_recordings;
        if removed.is_empty() {
            return;
        }
        for (query, parsed) in cx.parsed_queries() {
            parsed.walk(&mut |visit| {
                let Some(name) = selector_of(visit.expr).and_then(selector_name) else { return };
                let Some(origin) = removed.get(name) else { return };
                let span = query.file_span(visit.spans.name.unwrap_or(visit.spans.node));
                out.push(
                    Self::META
                        .diagnostic(span, format!("`{name}` was recorded by {origin}, and no recording rule writes it any more: once this change is deployed, this selector in {} matches nothing", query.site.role.describe()))
                        .with_help(format!("read the series that replaces `{name}` here, or keep recording `{name}` until every reader has moved")),
                );
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::render;
    use crate::{check_source, project, Checker};
    use promaudit_source::SourceFile;

    const BEFORE: &str = "groups:\n- name: r\n  rules:\n  - record: job:http_errors:ratio_rate5m\n    expr: sum by (job) (rate(errors_total[5m])) / sum by (job) (rate(requests_total[5m]))\n";
    const AFTER: &str = "groups:\n- name: r\n  rules:\n  - record: job:http_request_errors:ratio_rate5m\n    expr: sum by (job) (rate(errors_total[5m])) / sum by (job) (rate(requests_total[5m]))\n";
    const ALERTS: &str = "groups:\n- name: a\n  rules:\n  - alert: HighErrorRate\n    expr: job:http_errors:ratio_rate5m > 0.05\n  - alert: Renamed\n    expr: job:http_request_errors:ratio_rate5m > 0.05\n";

    fn check_after_rename(earlier: &str) -> String {
        let mut checker = Checker::default();
        checker.learn_project(&[SourceFile::new("rules.yml", AFTER), SourceFile::new("alerts.yml", ALERTS)]);
        let old = project::learn(&SourceFile::new("rules.yml", earlier), &checker.cache);
        checker.note_removed_recordings(&old, "`rules.yml` at `main`");
        let report = check_source(SourceFile::new("alerts.yml", ALERTS), &checker);
        let found: Vec<_> = report.diagnostics.into_iter().filter(|d| d.code == RemovedRecordingRule::META.code).collect();
        render("alerts.yml", ALERTS, &found)
    }

    #[test]
    fn a_reader_of_a_renamed_recording_rule() {
        insta::assert_snapshot!(check_after_rename(BEFORE));
    }

    #[test]
    fn a_rule_that_is_still_recorded_is_not_removed() {
        assert_eq!(check_after_rename(AFTER), "");
    }
}
