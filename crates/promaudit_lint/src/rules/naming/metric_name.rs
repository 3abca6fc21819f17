use crate::context::FileContext;
use crate::declare_rule;
use crate::registry::{Rule, RuleMeta};
use promaudit_diagnostics::{Diagnostic, Span};
use promaudit_source::artifact::Artifact;

declare_rule! {
    /// ## What it finds
    /// Declared metrics (a `custom_metrics:` list) and recording rule names that break the
    /// Prometheus naming conventions `promtool check metrics` enforces: counters without
    /// `_total`, non-base units (`_milliseconds`, `_megabytes`), unit abbreviations (`_ms`,
    /// `_sec`, `_mb`), the metric type in the name (`_gauge`, `_counter`), and names or label
    /// names that are not snake_case.
    ///
    /// ## Why it matters
    /// Conventions are what let a reader (and promaudit) know a metric's type and unit from its
    /// name: `rate()` belongs on `_total`, `_seconds` needs no conversion. A `_milliseconds`
    /// metric beside `_seconds` ones invites dashboards and alerts off by a factor of 1000.
    ///
    /// ## Example
    /// ```yaml
    /// custom_metrics:
    ///   - name: request_latency_ms
    ///     type: histogram
    /// ```
    ///
    /// ## Fix
    /// `request_latency_seconds`, observing seconds.
    pub MetricName {
        code: "naming/metric-name",
        category: Style,
        severity: Info,
        summary: "A metric name breaks the Prometheus naming conventions",
    }
}

impl Rule for MetricName {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &FileContext, out: &mut Vec<Diagnostic>) {
        for artifact in &cx.extraction.artifacts {
            let Artifact::CustomMetrics(metrics) = artifact else { continue };
            for metric in metrics {
                let Some(name) = &metric.name else { continue };
                let kind = metric.kind.as_ref().map(|k| k.value.as_str());
                for problem in name_problems(&name.value, kind) {
                    out.push(self.report(name.span, &name.value, problem));
                }
                for label in metric.labels.iter().filter(|l| !is_snake_case(&l.value)) {
                    out.push(self.report(label.span, &label.value, "label names are snake_case".into()));
                }
            }
        }
        for rule in cx.rule_files().flat_map(|f| &f.groups).flat_map(|g| &g.rules) {
            let Some(record) = rule.record.as_ref().filter(|_| rule.alert.is_none()) else { continue };
            // The metric part of `level:metric:operations`, or the whole name.
            let parts: Vec<&str> = record.value.split(':').collect();
            let metric = if parts.len() >= 3 { parts[1] } else { record.value.as_str() };
            for problem in name_problems(metric, None).into_iter().filter(|p| !p.starts_with("counters")) {
                out.push(self.report(record.span, &record.value, problem));
            }
        }
    }
}

impl MetricName {
    fn report(&self, span: Span, name: &str, problem: String) -> Diagnostic {
        Self::META.diagnostic(span, format!("`{name}`: {problem}"))
    }
}

const NON_BASE_UNITS: &[(&str, &str)] = &[
    ("milliseconds", "seconds"),
    ("microseconds", "seconds"),
    ("nanoseconds", "seconds"),
    ("minutes", "seconds"),
    ("hours", "seconds"),
    ("days", "seconds"),
    ("kilobytes", "bytes"),
    ("megabytes", "bytes"),
    ("gigabytes", "bytes"),
    ("kibibytes", "bytes"),
    ("mebibytes", "bytes"),
    ("gibibytes", "bytes"),
    ("bits", "bytes"),
    ("millivolts", "volts"),
    ("milliamperes", "amperes"),
    ("kilowatts", "watts"),
    ("fahrenheit", "celsius"),
];

const ABBREVIATIONS: &[(&str, &str)] = &[("ms", "seconds"), ("sec", "seconds"), ("secs", "seconds"), ("mins", "seconds"), ("kb", "bytes"), ("mb", "bytes"), ("gb", "bytes"), ("pct", "ratio"), ("perc", "ratio")];

/// Problems with a metric name, most useful first.
fn name_problems(name: &str, kind: Option<&str>) -> Vec<String> {
    let mut problems = Vec::new();
    if !is_snake_case(name) {
        problems.push("metric names are snake_case".to_string());
    }
    let words: Vec<&str> = name.split('_').collect();
    for word in &words {
        let lower = word.to_ascii_lowercase();
        if let Some((unit, base)) = NON_BASE_UNITS.iter().find(|(unit, _)| *unit == lower) {
            problems.push(format!("uses `{unit}`; use the base unit `{base}`"));
        }
        if let Some((abbreviation, base)) = ABBREVIATIONS.iter().find(|(a, _)| *a == lower) {
            problems.push(format!("abbreviates its unit as `{abbreviation}`; spell out the base unit `{base}`"));
        }
    }
    if let Some(suffix) = ["gauge", "counter", "histogram", "summary"].iter().find(|t| words.last() == Some(*t)) {
        problems.push(format!("has its type `{suffix}` in the name"));
    }
    if kind == Some("counter") && !name.ends_with("_total") {
        problems.push(format!("counters end in `_total`: `{name}_total`"));
    }
    problems
}

fn is_snake_case(name: &str) -> bool {
    !name.is_empty() && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::snapshot;

    #[test]
    fn declared_metrics() {
        let text = "custom_metrics:\n  - name: requestLatency_ms\n    type: histogram\n    labels: [\"modelId\"]\n  - name: cache_hits\n    type: counter\n  - name: queue_depth_gauge\n    type: gauge\n";
        insta::assert_snapshot!(snapshot(&MetricName, "m.yaml", text));
    }

    #[test]
    fn recording_rules_in_milliseconds() {
        insta::assert_snapshot!(snapshot(&MetricName, "r.yml", "groups:\n- name: a\n  rules:\n  - record: job:latency_milliseconds:avg\n    expr: up\n"));
    }

    #[test]
    fn conventional_metrics() {
        let text = "custom_metrics:\n  - name: model_cache_hit_ratio\n    type: gauge\n    labels: [\"model_id\", \"cache_type\"]\n  - name: requests_total\n    type: counter\n";
        assert!(snapshot(&MetricName, "m.yaml", text).is_empty());
    }
}
