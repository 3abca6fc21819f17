use crate::context::FileContext;
use crate::declare_rule;
use crate::registry::{Rule, RuleMeta};
use promaudit_diagnostics::Diagnostic;

declare_rule! {
    /// ## What it finds
    /// Recording rule names that do not follow `level:metric:operations`, such as
    /// `http_errors_ratio` or `job:http_requests` (no operation).
    ///
    /// ## Why it matters
    /// Recorded series sit in the same namespace as scraped metrics. The colons say at a glance
    /// that a series is derived, what it is aggregated by (`level`) and what was done to it
    /// (`operations`), and they keep recorded names from colliding with exporter metrics.
    ///
    /// ## Example
    /// ```yaml
    /// - record: http_errors_ratio
    ///   expr: sum by (job) (rate(http_errors_total[5m])) / sum by (job) (rate(http_requests_total[5m]))
    /// ```
    ///
    /// ## Fix
    /// `record: job:http_errors:ratio_rate5m`.
    pub RecordingRuleName {
        code: "naming/recording-rule-name",
        category: Style,
        severity: Info,
        summary: "A recording rule name does not follow `level:metric:operations`",
    }
}

impl Rule for RecordingRuleName {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &FileContext, out: &mut Vec<Diagnostic>) {
        for rule in cx.rule_files().flat_map(|f| &f.groups).flat_map(|g| &g.rules) {
            let Some(record) = rule.record.as_ref().filter(|_| rule.alert.is_none()) else { continue };
            let parts: Vec<&str> = record.value.split(':').collect();
            // `level:metric:operations`; further colons may separate operations.
            if parts.len() >= 3 && parts.iter().all(|p| !p.is_empty()) {
                continue;
            }
            out.push(
                Self::META
                    .diagnostic(record.span, format!("recording rule `{}` is not named `level:metric:operations`", record.value))
                    .with_help("e.g. `job:http_requests:rate5m`: aggregation level, metric name, then the operations applied"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::snapshot;

    #[test]
    fn missing_levels() {
        insta::assert_snapshot!(snapshot(&RecordingRuleName, "r.yml", "groups:\n- name: a\n  rules:\n  - record: http_errors_ratio\n    expr: up\n  - record: ':x:'\n    expr: up\n"));
    }

    #[test]
    fn conventional_names() {
        assert!(snapshot(&RecordingRuleName, "r.yml", "groups:\n- name: a\n  rules:\n  - record: job:http_requests:rate5m\n    expr: up\n").is_empty());
    }
}
