use crate::context::FileContext;
use crate::declare_rule;
use crate::registry::{Rule, RuleMeta};
use promaudit_diagnostics::Diagnostic;
use promaudit_source::artifact::{Artifact, DeclaredMetric, ExposedFamily, Text};

declare_rule! {
    /// ## What it finds
    /// Metric names and label names that break the Prometheus naming conventions, wherever they
    /// are written: the families and labels of metric exposition files (Prometheus text format
    /// and OpenMetrics, as an exporter serves them), `custom_metrics:` declarations, and recording
    /// rule names. The checks are those of promlint, which `promtool check metrics` runs:
    ///
    /// - a counter without `_total` (an OpenMetrics counter's family name has none; its samples do);
    /// - `_total`, `_bucket`, `_count` or `_sum` on a metric of a type that does not write them,
    ///   and an `le` label outside a histogram or a `quantile` label outside a summary;
    /// - a non-base unit (`_milliseconds`, `_kilobytes`, `_bits`, `_hours`) or an abbreviated one
    ///   (`_ms`, `_s`, `_mb`);
    /// - the metric type in the name (`_gauge`, `_counter`, `_histogram`, `_summary`);
    /// - a `:` outside a recording rule name;
    /// - a metric or label name that is not lowercase snake_case (promlint catches only
    ///   camelCase; `UUID` and `DCGM_FI_DEV_SM_CLOCK` count here too);
    /// - a percentage (`_percent`, `_percentage`) where Prometheus uses a 0-1 ratio (`_ratio`);
    ///   also in the names queries read when a catalog was given and neither it nor a recording
    ///   rule describes them (once per file, at the first read): no exporter the catalog knows
    ///   writes them, so the name is the author's to choose;
    /// - a family without HELP text (missing, or blank, which promlint lets pass), in a file that
    ///   carries metadata at all (a `promtool tsdb dump` never does).
    ///
    /// Beyond promlint: label names starting with `__` (reserved for Prometheus itself), and an
    /// OpenMetrics `# UNIT` that is not the family name's suffix (Prometheus rejects such a scrape).
    /// In an exposition file, a label name's own problem is reported once, where it first appears.
    ///
    /// ## Why it matters
    /// Conventions are what let a reader (and promaudit) know a metric's type and unit from its
    /// name: `rate()` belongs on `_total`, `_seconds` needs no conversion, `le` means a bucket
    /// bound. A `_milliseconds` metric beside `_seconds` ones invites dashboards and alerts off by
    /// a factor of 1000; a gauge named `_total` gets `rate()`d.
    ///
    /// ## Example
    /// ```text
    /// # TYPE request_latency_ms histogram
    /// request_latency_ms_bucket{modelId="bert",le="100"} 3
    /// ```
    ///
    /// ## Fix
    /// `request_latency_seconds`, observing seconds, with the label `model_id` and a `# HELP` line.
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
            match artifact {
                Artifact::CustomMetrics(metrics) => metrics.iter().for_each(|metric| self.check_declared(metric, out)),
                Artifact::Exposition(families) => self.check_exposition(families, out),
                _ => {}
            }
        }
        for rule in cx.rule_files().flat_map(|f| &f.groups).flat_map(|g| &g.rules) {
            let Some(record) = rule.record.as_ref().filter(|_| rule.alert.is_none()) else { continue };
            for problem in name_problems(&record.value, None, Origin::Recorded) {
                out.push(self.report(record, problem));
            }
        }
        self.check_percentages_read(cx, out);
    }
}

impl MetricName {
    fn report(&self, name: &Text, problem: String) -> Diagnostic {
        Self::META.diagnostic(name.span, format!("`{}`: {problem}", name.value))
    }

    /// Percentages among the names queries read that the catalog the user gave does not know:
    /// those it knows are an exporter's, which the reader cannot rename, and without a catalog
    /// every name may be one.
    fn check_percentages_read(&self, cx: &FileContext, out: &mut Vec<Diagnostic>) {
        if !cx.user_catalog {
            return;
        }
        let mut seen = std::collections::HashSet::new();
        for (query, parsed) in cx.parsed_queries() {
            parsed.walk(&mut |visit| {
                let Some(name) = crate::context::selector_of(visit.expr).and_then(crate::context::selector_name) else { return };
                if name.contains(':') || cx.catalog.family(name).is_some() || !seen.insert(name) {
                    return;
                }
                if let Some(problem) = percent_problem(name) {
                    let span = query.file_span(visit.spans.name.unwrap_or(visit.spans.node));
                    out.push(Self::META.diagnostic(span, format!("`{name}`: {problem}")));
                }
            });
        }
    }

    fn check_declared(&self, metric: &DeclaredMetric, out: &mut Vec<Diagnostic>) {
        let Some(name) = &metric.name else { return };
        let kind = metric.kind.as_ref().map(|k| k.value.to_ascii_lowercase());
        let problems = name_problems(&name.value, kind.as_deref(), Origin::Declared).into_iter().chain(help_problem(metric.help.as_ref()));
        out.extend(problems.map(|problem| self.report(name, problem)));
        for label in &metric.labels {
            let problems = label_name_problems(&label.value).into_iter().chain(label_kind_problem(&label.value, &name.value, kind.as_deref()));
            out.extend(problems.map(|problem| self.report(label, problem)));
        }
    }

    fn check_exposition(&self, families: &[ExposedFamily], out: &mut Vec<Diagnostic>) {
        // A file without any `# HELP` or `# TYPE` line is a dump of series (`promtool tsdb dump`,
        // a capture without metadata): it never carries help, so no family is judged for it.
        let has_metadata = families.iter().any(|f| f.kind.is_some() || f.help.is_some());
        for family in families {
            self.check_family(family, has_metadata, out);
        }
        self.check_exposed_label_names(families, out);
    }

    fn check_family(&self, family: &ExposedFamily, judge_help: bool, out: &mut Vec<Diagnostic>) {
        let name = &family.name;
        let kind = family.kind.as_ref().map(|k| k.value.to_ascii_lowercase());
        let origin = Origin::Exposed { total_samples: family.samples.iter().any(|s| s.value.ends_with("_total")) };
        let help = judge_help.then(|| help_problem(family.help.as_ref())).flatten();
        let problems = name_problems(&name.value, kind.as_deref(), origin).into_iter().chain(help);
        out.extend(problems.map(|problem| self.report(name, problem)));
        if let Some(unit) = family.unit.as_ref().filter(|u| !name.value.ends_with(&format!("_{}", u.value))) {
            let message = format!("`# UNIT {0}` does not end the family name `{1}`: OpenMetrics requires `{1}` to end in `_{0}`, and Prometheus rejects the whole scrape otherwise; declare the unit the name carries, or rename the family", unit.value, name.value);
            out.push(Self::META.diagnostic(unit.span, message));
        }
        for label in &family.labels {
            out.extend(label_kind_problem(&label.value, &name.value, kind.as_deref()).map(|problem| self.report(label, problem)));
        }
    }

    /// A label name's own problems are the same in every family that has it: reported once, at
    /// its first occurrence, saying how many other families share it.
    fn check_exposed_label_names(&self, families: &[ExposedFamily], out: &mut Vec<Diagnostic>) {
        let mut first: Vec<(&Text, usize)> = Vec::new();
        for label in families.iter().flat_map(|f| &f.labels) {
            match first.iter_mut().find(|(known, _)| known.value == label.value) {
                Some((_, families)) => *families += 1,
                None => first.push((label, 1)),
            }
        }
        for (label, families) in first {
            for problem in label_name_problems(&label.value) {
                let diagnostic = self.report(label, problem);
                out.push(match families {
                    1 => diagnostic,
                    2 => diagnostic.with_note("1 more family in this file has this label"),
                    n => diagnostic.with_note(format!("{} more families in this file have this label", n - 1)),
                });
            }
        }
    }
}

/// Where a metric name is written, which decides the conventions that apply.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Origin {
    /// A `custom_metrics:` declaration.
    Declared,
    /// A family of exposition text; `total_samples`: its samples end in `_total`, as an
    /// OpenMetrics counter's do while its family name does not.
    Exposed { total_samples: bool },
    /// A recording rule's name: colons are its syntax, and its type is unknown.
    Recorded,
}

/// Units a metric name may carry, each with the base unit Prometheus uses for its quantity (the
/// unit itself when it is one). promlint's list, and watts.
const UNITS: &[(&str, &str)] = &[
    ("seconds", "seconds"),
    ("bytes", "bytes"),
    ("meters", "meters"),
    ("metres", "metres"),
    ("grams", "grams"),
    ("joules", "joules"),
    ("volts", "volts"),
    ("amperes", "amperes"),
    ("watts", "watts"),
    ("celsius", "celsius"),
    ("kelvin", "kelvin"),
    ("minutes", "seconds"),
    ("hours", "seconds"),
    ("days", "seconds"),
    ("weeks", "seconds"),
    ("kelvins", "kelvin"),
    ("fahrenheit", "celsius"),
    ("rankine", "celsius"),
    ("inches", "meters"),
    ("yards", "meters"),
    ("miles", "meters"),
    ("bits", "bytes"),
    ("calories", "joules"),
    ("pounds", "grams"),
    ("ounces", "grams"),
];

/// Decimal and binary prefixes: any of them makes a unit a non-base one (`milliseconds`, `kibibytes`).
const UNIT_PREFIXES: &[&str] = &["pico", "nano", "micro", "milli", "centi", "deci", "deca", "hecto", "kilo", "kibi", "mega", "mebi", "giga", "gibi", "tera", "tebi", "peta", "pebi"];

/// Unit abbreviations promlint discourages (and a few more), with the unit to spell out.
const ABBREVIATIONS: &[(&str, &str)] = &[
    ("s", "`seconds`"),
    ("ms", "`seconds`"),
    ("us", "`seconds`"),
    ("ns", "`seconds`"),
    ("sec", "`seconds`"),
    ("secs", "`seconds`"),
    ("mins", "`seconds`"),
    ("m", "`seconds` (minutes) or `meters`"),
    ("h", "`seconds`"),
    ("d", "`seconds`"),
    ("b", "`bytes`"),
    ("kb", "`bytes`"),
    ("mb", "`bytes`"),
    ("gb", "`bytes`"),
    ("tb", "`bytes`"),
    ("pb", "`bytes`"),
    ("pct", "`ratio`"),
    ("perc", "`ratio`"),
];

const TYPES_IN_NAMES: &[&str] = &["counter", "gauge", "histogram", "summary"];

/// Problems with a metric name, most useful first. `kind` is the declared type, lowercase.
fn name_problems(name: &str, kind: Option<&str>, origin: Origin) -> Vec<String> {
    let mut problems = Vec::new();
    let recorded = origin == Origin::Recorded;
    if !is_snake_case_name(name) {
        problems.push(format!("metric names are lowercase snake_case{}", suggestion(&to_snake_case(name), name)));
    }
    if !recorded && name.contains(':') {
        problems.push(format!("`:` is reserved for recording rules (`level:metric:operations`); an exporter writes `_`: `{}`", name.replace(':', "_")));
    }
    // A recording rule's level and operations (`sum`, `rate5m`, `histogram_quantile`) are no
    // part of the metric's name: only the metric part of `level:metric:operations` is judged.
    let parts: Vec<&str> = name.split(':').collect();
    let metric = if recorded && parts.len() >= 3 { parts[1] } else { name };
    let words: Vec<String> = metric.split(['_', ':']).map(str::to_ascii_lowercase).collect();
    for word in &words {
        if let Some(base) = non_base_unit(word) {
            problems.push(format!("uses `{word}`; use the base unit `{base}`, so that every metric of its quantity shares one scale"));
        }
    }
    // promlint reads these only after an underscore: a leading `s_` or `m_` is no unit.
    for word in words.iter().skip(1) {
        if let Some((abbreviation, base)) = ABBREVIATIONS.iter().find(|(a, _)| a == word) {
            problems.push(format!("abbreviates its unit as `{abbreviation}`; spell out the base unit {base}"));
        }
        if let Some(kind_word) = TYPES_IN_NAMES.iter().find(|t| *t == word) {
            problems.push(format!("has its type `{kind_word}` in the name; the type is metadata (`# TYPE`), drop `_{kind_word}`"));
        }
    }
    problems.extend(percent_problem(metric));
    problems.extend(kind_problems(name, kind, origin));
    problems
}

/// A percentage in the name: Prometheus' conventions keep fractions as 0-1 ratios.
fn percent_problem(name: &str) -> Option<String> {
    let words: Vec<&str> = name.split('_').collect();
    let word = words.iter().find(|w| w.eq_ignore_ascii_case("percent") || w.eq_ignore_ascii_case("percentage"))?;
    let ratio: Vec<&str> = words.iter().map(|w| if w == word { "ratio" } else { w }).collect();
    Some(format!(
        "is a percentage (0-100); Prometheus conventions keep fractions as 0-1 ratios, which `percentunit` panels, `humanizePercentage` and SLO error budgets assume, so a percentage beside them puts thresholds off by 100×: expose `{}`",
        ratio.join("_")
    ))
}

/// The suffixes a metric's type gives its name, or forbids.
fn kind_problems(name: &str, kind: Option<&str>, origin: Origin) -> Vec<String> {
    let Some(kind) = kind.filter(|k| !matches!(*k, "untyped" | "unknown")) else { return Vec::new() };
    let mut problems = Vec::new();
    let histogram = matches!(kind, "histogram" | "gaugehistogram");
    let total_on_samples = origin == (Origin::Exposed { total_samples: true });
    if kind == "counter" && !name.ends_with("_total") && !total_on_samples {
        let snake = to_snake_case(name);
        let suggested = if snake.ends_with("_total") { snake } else { format!("{snake}_total") };
        problems.push(format!("counters end in `_total`, which tells readers to `rate()` them: `{suggested}`"));
    }
    if kind != "counter" && name.ends_with("_total") {
        problems.push(format!("ends in `_total`, which marks a counter, but it is a {kind}: readers will `rate()` it; drop the suffix or make it a counter"));
    }
    let reserved = [("_bucket", histogram, "a histogram's buckets"), ("_count", histogram || kind == "summary", "a histogram's or summary's count"), ("_sum", histogram || kind == "summary", "a histogram's or summary's sum")];
    for (suffix, allowed, meaning) in reserved {
        if !allowed && name.ends_with(suffix) {
            problems.push(format!("ends in `{suffix}`, the suffix of {meaning}, but it is a {kind}; rename it"));
        }
    }
    problems
}

fn help_problem(help: Option<&Text>) -> Option<String> {
    let missing = match help {
        None => "has no HELP text",
        Some(help) if help.value.trim().is_empty() => "has an empty HELP text",
        Some(_) => return None,
    };
    Some(format!("{missing}; say what it measures and in which unit, since the help is all a reader of the metric sees"))
}

/// The base unit for a non-base unit word (`milliseconds` → `seconds`); `None` for base units
/// and other words.
fn non_base_unit(word: &str) -> Option<&'static str> {
    UNITS.iter().find_map(|&(unit, base)| {
        let prefixed = word.strip_suffix(unit).is_some_and(|prefix| UNIT_PREFIXES.contains(&prefix));
        (prefixed || (word == unit && unit != base)).then_some(base)
    })
}

/// Problems with a label name alone, the same wherever it appears.
fn label_name_problems(label: &str) -> Vec<String> {
    let mut problems = Vec::new();
    if !is_snake_case(label) {
        problems.push(format!("label names are lowercase snake_case{}", suggestion(&to_snake_case(label), label)));
    }
    if label.starts_with("__") {
        problems.push(format!("label names starting with `__` are reserved for Prometheus' internal use; write `{}`", label.trim_start_matches('_')));
    }
    problems
}

/// `le` and `quantile` belong to histograms and summaries.
fn label_kind_problem(label: &str, metric: &str, kind: Option<&str>) -> Option<String> {
    let kind = kind.filter(|k| !matches!(*k, "untyped" | "unknown"))?;
    match label {
        "le" if !matches!(kind, "histogram" | "gaugehistogram") => Some(format!("this label holds histogram bucket bounds, but `{metric}` is a {kind}; `histogram_quantile` and readers will take it for one, rename the label")),
        "quantile" if kind != "summary" => Some(format!("this label holds summary quantiles, but `{metric}` is a {kind}; rename the label")),
        _ => None,
    }
}

fn is_snake_case(name: &str) -> bool {
    !name.is_empty() && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// Snake case between colons; a recording rule's level may be empty (`:node_memory_bytes:sum`).
fn is_snake_case_name(name: &str) -> bool {
    !name.is_empty() && name.split(':').filter(|part| !part.is_empty()).all(is_snake_case)
}

/// `modelName` → `model_name`, `HTTPRequests` → `http_requests`, `UUID` → `uuid`.
fn to_snake_case(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::new();
    for (i, &c) in chars.iter().enumerate() {
        let previous = i.checked_sub(1).map(|p| chars[p]);
        let acronym_end = previous.is_some_and(char::is_uppercase) && chars.get(i + 1).is_some_and(|n| n.is_lowercase());
        let word_start = c.is_uppercase() && (previous.is_some_and(char::is_lowercase) || acronym_end);
        if word_start && !out.ends_with('_') {
            out.push('_');
        }
        out.extend(c.to_lowercase());
    }
    out
}

/// `: write `x``, when `x` is a snake_case rewrite of `name`.
fn suggestion(rewrite: &str, name: &str) -> String {
    if rewrite != name && is_snake_case_name(rewrite) {
        format!(": `{rewrite}`")
    } else {
        String::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::snapshot;

    #[test]
    fn declared_metrics() {
        let text = "custom_metrics:\n  - name: requestLatency_ms\n    type: histogram\n    help: Latency.\n    labels: [\"modelId\", \"quantile\"]\n  - name: cache_hits\n    type: counter\n    help: Hits.\n  - name: queue_depth_gauge\n    type: gauge\n";
        insta::assert_snapshot!(snapshot(&MetricName, "m.yaml", text));
    }

    #[test]
    fn recording_rules_in_milliseconds() {
        insta::assert_snapshot!(snapshot(&MetricName, "r.yml", "groups:\n- name: a\n  rules:\n  - record: job:latency_milliseconds:avg\n    expr: up\n"));
    }

    #[test]
    fn recording_rule_names_are_judged_between_their_colons() {
        let text = "groups:\n- name: a\n  rules:\n  - record: count:up1\n    expr: count(up == 1)\n  - record: apiserver_request:availability30d\n    expr: vector(1)\n  - record: cluster_quantile:apiserver_request_duration_seconds:histogram_quantile\n    expr: vector(1)\n  - record: :node_memory_MemAvailable_bytes:sum\n    expr: vector(1)\n";
        insta::assert_snapshot!(snapshot(&MetricName, "r.yml", text));
    }

    #[test]
    fn percentages_where_defined_and_where_read_from_nothing_known() {
        let text = "custom_metrics:\n  - name: disk_used_percent\n    type: gauge\n    help: Disk used.\n";
        insta::assert_snapshot!(snapshot(&MetricName, "m.yaml", text));
        let rules = "groups:\n- name: a\n  rules:\n  - alert: GpuBusy\n    expr: gpu_utilization_percent > 90 and gpu_utilization_percent offset 1h > 90\n  - alert: CpuBusy\n    expr: cpu_usage_percent > 90\n";
        let catalog = "# HELP cpu_usage_percent CPU use.\n# TYPE cpu_usage_percent gauge\ncpu_usage_percent 1\n";
        let found = crate::testing::check_with_catalog(&MetricName, "r.yml", rules, catalog);
        insta::assert_snapshot!(crate::testing::render("r.yml", rules, &found));
        // Without a catalog, any name read may be an exporter's.
        assert_eq!(snapshot(&MetricName, "r.yml", rules), "");
    }

    #[test]
    fn conventional_metrics() {
        let text = "custom_metrics:\n  - name: model_cache_hit_ratio\n    type: gauge\n    help: Share of lookups served from the cache.\n    labels: [\"model_id\", \"cache_type\"]\n  - name: requests_total\n    type: counter\n    help: Requests served.\n";
        assert!(snapshot(&MetricName, "m.yaml", text).is_empty());
    }

    #[test]
    fn exposition_breaking_the_conventions() {
        let text = "\
# HELP inference_requests Requests served.
# TYPE inference_requests counter
inference_requests{modelName=\"bert\",__shard=\"1\"} 3
# HELP queue_wait_milliseconds Time requests wait.
# TYPE queue_wait_milliseconds histogram
queue_wait_milliseconds_bucket{modelName=\"bert\",le=\"100\"} 1
queue_wait_milliseconds_sum{modelName=\"bert\"} 40
queue_wait_milliseconds_count{modelName=\"bert\"} 1
# TYPE gpu_errors_total gauge
gpu_errors_total{gpu=\"0\",le=\"1\"} 0
# HELP cache_size_mb Cache size.
# TYPE cache_size_mb gauge
cache_size_mb 512
# HELP job:load:avg Load.
# TYPE job:load:avg gauge
job:load:avg 0.5
";
        insta::assert_snapshot!(snapshot(&MetricName, "metrics.prom", text));
    }

    #[test]
    fn conventional_exposition() {
        let text = "\
# HELP http_requests_total Requests served, by status code.
# TYPE http_requests_total counter
http_requests_total{code=\"200\",handler=\"/api\"} 1027
# HELP http_request_duration_seconds Time to serve a request.
# TYPE http_request_duration_seconds histogram
http_request_duration_seconds_bucket{handler=\"/api\",le=\"0.1\"} 240
http_request_duration_seconds_bucket{handler=\"/api\",le=\"+Inf\"} 250
http_request_duration_seconds_sum{handler=\"/api\"} 21.5
http_request_duration_seconds_count{handler=\"/api\"} 250
# HELP rpc_latency_seconds RPC latency quantiles.
# TYPE rpc_latency_seconds summary
rpc_latency_seconds{quantile=\"0.99\"} 0.2
rpc_latency_seconds_sum 10
rpc_latency_seconds_count 100
";
        assert_eq!(snapshot(&MetricName, "metrics.prom", text), "");
    }

    #[test]
    fn openmetrics_counters_have_total_on_their_samples() {
        let text = "\
# HELP jobs Jobs processed.
# TYPE jobs counter
jobs_total{queue=\"default\"} 12
jobs_created{queue=\"default\"} 1.7e9
# HELP build Build information.
# TYPE build info
build_info{version=\"1.2\"} 1
# HELP cpu_time_seconds CPU time.
# TYPE cpu_time_seconds gauge
# UNIT cpu_time_seconds milliseconds
cpu_time_seconds 1
# EOF
";
        insta::assert_snapshot!(snapshot(&MetricName, "metrics.om.txt", text));
    }

    #[test]
    fn a_label_name_is_reported_once_per_file() {
        let text = "# HELP a_bytes A.\n# TYPE a_bytes gauge\na_bytes{UUID=\"x\"} 1\n# HELP b_bytes B.\n# TYPE b_bytes gauge\nb_bytes{UUID=\"x\"} 1\n";
        insta::assert_snapshot!(snapshot(&MetricName, "dcgm.prom", text));
    }

    #[test]
    fn series_dumps_are_not_judged_for_help() {
        let text = "{__name__=\"heavy_metric\", foo=\"bar\"} 5 0\njobs_processed_total{queue=\"a\"} 1 0.000\n";
        assert_eq!(snapshot(&MetricName, "dump.prom", text), "");
    }

    #[test]
    fn units_with_prefixes() {
        assert_eq!(non_base_unit("milliseconds"), Some("seconds"));
        assert_eq!(non_base_unit("kibibytes"), Some("bytes"));
        assert_eq!(non_base_unit("megabits"), Some("bytes"));
        assert_eq!(non_base_unit("hours"), Some("seconds"));
        assert_eq!(non_base_unit("seconds"), None);
        assert_eq!(non_base_unit("thermometers"), None);
        assert_eq!(to_snake_case("HTTPRequestsTotal"), "http_requests_total");
        assert_eq!(to_snake_case("node_memory_HugePages_Free"), "node_memory_huge_pages_free");
    }
}
