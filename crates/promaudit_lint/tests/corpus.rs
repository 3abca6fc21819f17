//! The real third-party files in ../shared/corpus: nothing panics, nothing valid gets a
//! syntax or rule-file error, exposition dumps are told from other files by their shape, and the
//! deliberately broken files get the error upstream expects.

use promaudit_diagnostics::{Diagnostic, Severity};
use promaudit_lint::{check_bytes, Checker, FileReport};
use promaudit_source::SourceFile;
use std::path::{Path, PathBuf};

fn corpus() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus");
    assert!(dir.is_dir(), "the shared corpus is expected at {}", dir.display());
    dir
}

/// Configuration and documents: YAML, JSON, Markdown, templated YAML.
const DOCUMENTS: &[&str] = &["yml", "yaml", "json", "md", "tpl"];
/// Metric exposition dumps as the upstream repositories name them.
const EXPOSITIONS: &[&str] = &["prom", "txt", "metrics", "out"];

fn walk(dir: &Path, extensions: &[&str], out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            walk(&path, extensions, out);
        } else if path.extension().and_then(|e| e.to_str()).is_some_and(|e| extensions.contains(&e)) {
            out.push(path);
        }
    }
}

fn check(path: &Path, checker: &Checker) -> FileReport {
    check_bytes(path, std::fs::read(path).unwrap(), checker)
}

/// Files upstream keeps as invalid on purpose (their tests expect them to fail).
fn deliberately_invalid(path: &str) -> bool {
    const MARKERS: &[&str] = &[
        "/bad-rules/",
        "/validate/bad/",
        "validate_with_duplicates",
        "invalid-",
        "unknown-field",
        "malformed",
        "bad-metricsourceref",
        "promtool-unittests/",
    ];
    MARKERS.iter().any(|m| path.contains(m))
}

/// Real defects in third-party files, checked by hand: (file, or directory ending in `/`, rule
/// code, why it is right).
const KNOWN_DEFECTS: &[(&str, &str, &str)] = &[
    ("pyrra/examples/grafana/detail.json", "promql/syntax", "`sum(…[$__rate_interval])` aggregates a range vector; Prometheus rejects it"),
    ("prometheus-testdata/good-rules/model__rulefmt__testdata__test.yaml", "rulefmt/duplicate-rule", "HighErrors is defined twice per group with the same labels and expression"),
    ("prometheus-testdata/good-rules/model__rulefmt__testdata__test_aliases.yaml", "rulefmt/duplicate-rule", "the aliased rules repeat HighAlert and HighAlert2"),
    ("prometheus-testdata/good-rules/cmd__promtool__testdata__rules_large.yml", "rulefmt/duplicate-rule", "the synthetic file repeats two rules"),
    ("prometheus-testdata/good-rules/cmd__promtool__testdata__features.yml", "rulefmt/non-legacy-name", "dashes in recording rule names: valid only under UTF-8 name validation"),
    ("prometheus-testdata/good-rules/model__rulefmt__testdata__utf-8_annotation.good.yaml", "rulefmt/non-legacy-name", "`ins-tance`: a UTF-8-only name, as the file's name says"),
    ("prometheus-testdata/good-rules/model__rulefmt__testdata__utf-8_lname.good.yaml", "rulefmt/non-legacy-name", "`ins-tance`: a UTF-8-only name, as the file's name says"),
    ("prometheus-testdata/good-rules/cmd__promtool__testdata__features.yml", "functions/rate-on-gauge", "`rate(up[5m])`: `up` is a gauge (a file that only tests syntax)"),
    ("awesome-prometheus-alerts/dist/rules/traefik/embedded-exporter-v1.yml", "thresholds/out-of-range", "`count(…) by (backend) == 0` cannot fire: a backend with no servers has no series to count"),
    ("awesome-prometheus-alerts/dist/rules/traefik/embedded-exporter-v2.yml", "thresholds/out-of-range", "`count(…) by (service) == 0` cannot fire, as in v1"),
    ("kube-prometheus/dashboards-extracted/prometheus.json", "units/panel-unit", "`rate(…_seconds_sum) * 1e3` is milliseconds of syncing per second, shown as plain `ms`"),
    ("kube-prometheus/manifests/grafana-dashboardDefinitions.yaml", "units/panel-unit", "the same Prometheus dashboard, embedded in a ConfigMap"),
    ("kube-prometheus/dashboards-extracted/grafana-overview.json", "units/panel-unit", "a p99 of `grafana_http_request_duration_seconds` (`* 1`) shown as `ms`: 0.05 s reads 0.05 ms"),
    ("kube-prometheus/dashboards-extracted/k8s-resources-windows-pod.json", "units/panel-unit", "network bytes per second (`rate(…_bytes_total)`) shown as `bytes`, not `Bps`"),
    ("kube-prometheus/dashboards-extracted/proxy.json", "units/panel-unit", "a p99 latency in seconds shown as `ops`"),
    ("kube-prometheus/dashboards-extracted/scheduler.json", "units/panel-unit", "a p99 latency in seconds shown as `ops`, as in proxy.json"),
    ("openshift-cmo/manifests/0000_90_cluster-monitoring-operator_01-dashboards.yaml", "units/panel-unit", "the Prometheus dashboard's `rate(…_seconds_sum) * 1e3` shown as `ms`, as in kube-prometheus"),
    ("dcgm-exporter/grafana/dcgm-exporter-dashboard.json", "units/panel-unit", "DCGM reports framebuffer memory in MiB; the graph's axis is `decmbytes` (10^6), 4.9% low"),
    ("prometheus-testdata/good-rules/rules__fixtures__rules_chain.yaml", "catalog/missing-label", "a fixture for rule ordering: `sum by (job)` keeps only `job`, so the chained `{cluster=…}` and `{namespace=…}` selectors match nothing"),
    ("awesome-prometheus-alerts/dist/rules/kubernetes/kubestate-exporter.yml", "functions/absent-without-for", "`absent()` alert with `for: 0m`: fires before the first scrape after a restart (pint's alerts/absent)"),
    ("awesome-prometheus-alerts/dist/rules/prometheus-self-monitoring/embedded-exporter.yml", "functions/absent-without-for", "two `absent()` alerts with `for: 0m`, as above"),
    ("awesome-prometheus-alerts/dist/rules/", "alerts/template-label", "the generator's summaries template `{{ $labels.instance }}` (and the HPA one `namespace`) also where the expression aggregates it away or wraps it in absent(): checked on cert-manager, cilium, cassandra, kubestate"),
    ("kube-prometheus/manifests/alertmanager-prometheusRule.yaml", "alerts/template-label", "the Alertmanager mixin's descriptions use `{{$labels.job}}` after `min by (namespace, service, …)` dropped it"),
    ("pyrra/examples/nginx.yaml", "slo/inverted-sli", "the latency SLO's success metric keeps `status=~\"5..\"` (copied from the errors SLO above): only failed requests can count as fast"),
    ("sloth/examples/_gen/victoria-metrics.yml", "slo/burn-rate", "a 90% objective leaves a 0.1 budget: the generated 14.4× page pair needs an error ratio of 1.44 and can never fire"),
    ("node_exporter/docs/example-16-compatibility-rules.yml", "graph/cycle", "alternative example files, old-from-new and new-from-old: loaded together, as a directory check loads them, each name is recorded from the other"),
    ("node_exporter/docs/example-16-compatibility-rules-new-to-old.yml", "graph/cycle", "the other half of the pair above"),
    ("node_exporter/docs/example-16-compatibility-rules.yml", "graph/conflicting-recording", "`node_cpu` is recorded here and by the new-to-old alternative from another expression: loaded together, each overwrites the other"),
    ("node_exporter/docs/example-17-compatibility-rules.yml", "graph/cycle", "the same for the supervisord example"),
    ("node_exporter/docs/example-17-compatibility-rules-new-to-old.yml", "graph/cycle", "the same for the supervisord example"),
    ("kube-prometheus/manifests/kubernetesControlPlane-prometheusRule.yaml", "graph/evaluation-order", "kube-apiserver-availability.rules reads `increase1h` in rule 1, recorded by rule 16: the 30-day average lags one evaluation (harmless at that scale, but real)"),
    ("prometheus-testdata/good-rules/rules__fixtures__rules_chain.yaml", "naming/record-window", "`job:http_requests:rate5m` is computed with `rate(…[1m])`, a copy of the rate1m rule above it"),
    ("prometheus-testdata/good-rules/rules__fixtures__rules_chain.yaml", "graph/conflicting-recording", "`job:http_requests:rate5m` is `rate(…[1m])` here and `rate(…[5m])` in the sibling fixtures: loaded together, the definitions overwrite each other"),
    ("openslo/examples/treat-low-traffic-as-equally-important/timeslices-slo.yaml", "slo/duplicate-id", "two examples define SLO `service-availability` with different time windows: loaded together, as a directory check loads them, one replaces the other"),
    ("sloth/examples/_gen/plugin-getting-started.yml", "graph/conflicting-recording", "generated from the plugin variant of getting-started.yml: the same `sloth_id` recorded with the plugin's extra `f1`/`f2` filters; alternative examples, loaded together"),
    ("sloth/examples/_gen/plugin-k8s-getting-started.yml", "graph/conflicting-recording", "the same for the Kubernetes variant"),
    ("prometheus-testdata/good-rules/model__rulefmt__testdata__test.yaml", "alerts/no-condition", "a rule-format fixture: `HighErrors` is an error ratio with no threshold, so it fires for every instance group at every evaluation"),
    ("prometheus-testdata/good-rules/model__rulefmt__testdata__test_aliases.yaml", "alerts/no-condition", "the same fixture written with YAML anchors and aliases"),
    ("sloth/examples/_gen/contrib-slo-plugins.yml", "rulefmt/non-legacy-name", "`plug-l1` … label names: rejected under legacy validation"),
];

/// Diagnostics that say a valid file is broken or suspicious.
fn is_false_alarm(d: &Diagnostic) -> bool {
    d.severity >= Severity::Warning
}

/// A checker for one upstream project of the corpus, as `promaudit check` run in its repository
/// would build it: built-in exporter knowledge only (no --catalog), and the scrape configs,
/// recording rules, objectives and alert thresholds of the project's files learned first.
fn project_checker(files: &[&PathBuf]) -> Checker {
    let mut builtins = promaudit_catalog::Catalog::default();
    builtins.add_builtins();
    let mut checker = Checker { user_catalog: false, ..Checker::with_catalog(builtins) };
    let sources: Vec<_> = files.iter().map(|p| promaudit_source::SourceFile::new(p, String::from_utf8_lossy(&std::fs::read(p).unwrap()).into_owned())).collect();
    checker.learn_project(&sources);
    checker
}

#[test]
fn valid_corpus_files_get_no_errors_or_warnings() {
    let mut files = Vec::new();
    walk(&corpus(), &[DOCUMENTS, EXPOSITIONS].concat(), &mut files);
    // The corpus holds unrelated upstream repositories: each is its own project.
    let mut projects: std::collections::BTreeMap<String, Vec<&PathBuf>> = Default::default();
    for path in &files {
        let project = path.strip_prefix(corpus()).unwrap().components().next().unwrap().as_os_str().to_string_lossy().into_owned();
        projects.entry(project).or_default().push(path);
    }
    let mut alarms = Vec::new();
    for project_files in projects.values() {
        let checker = project_checker(project_files);
        for path in project_files {
            let shown = path.strip_prefix(corpus()).unwrap().display().to_string();
            if deliberately_invalid(&format!("/{shown}")) {
                // Still checked, for panics.
                check(path, &checker);
                continue;
            }
            let report = check(path, &checker);
            for d in report.diagnostics.iter().filter(|d| is_false_alarm(d)) {
                let at = report.file.line_col(d.span.start);
                let listed = |file: &str| file == shown || file.ends_with('/') && shown.starts_with(file);
                if KNOWN_DEFECTS.iter().any(|(file, code, _)| listed(file) && *code == d.code) {
                    continue;
                }
                alarms.push(format!("{shown}:{}:{}: {} {}", at.line, at.column, d.code, d.message));
            }
        }
    }
    assert!(files.len() > 550, "walked only {} files", files.len());
    assert!(alarms.is_empty(), "{} false errors:\n{}", alarms.len(), alarms.join("\n"));
}

fn is_exposition(path: &Path) -> bool {
    let file = promaudit_source::SourceFile::new(path, String::from_utf8(std::fs::read(path).unwrap()).unwrap());
    promaudit_source::extract(&file).artifacts.iter().any(|a| matches!(a, promaudit_source::artifact::Artifact::Exposition(_)))
}

/// Exposition text is told by its shape: every dump is recognized, and no YAML, JSON or Markdown
/// file is taken for one.
#[test]
fn exposition_dumps_and_only_they_are_read_as_exposition() {
    let (mut documents, mut dumps) = (Vec::new(), Vec::new());
    walk(&corpus(), DOCUMENTS, &mut documents);
    walk(&corpus(), EXPOSITIONS, &mut dumps);
    let taken: Vec<_> = documents.iter().filter(|p| is_exposition(p)).collect();
    assert!(taken.is_empty(), "documents read as exposition: {taken:?}");
    // `promtool tsdb dump-series` writes JSON label sets, not exposition text.
    let missed: Vec<_> = dumps.iter().filter(|p| !p.to_string_lossy().contains("dump-series") && !is_exposition(p)).collect();
    assert!(dumps.len() > 80 && missed.is_empty(), "{} dumps; not recognized: {missed:?}", dumps.len());
}

/// (file, rule code, line) as prometheus-testdata/bad-rules/EXPECTED.md names them.
const EXPECTED: &[(&str, &str, usize)] = &[
    ("model__rulefmt__testdata__duplicate_grp.bad.yaml", "rulefmt/duplicate-group", 3),
    ("model__rulefmt__testdata__bad_expr.bad.yaml", "promql/syntax", 5),
    ("model__rulefmt__testdata__record_and_alert.bad.yaml", "rulefmt/record-and-alert", 5),
    ("model__rulefmt__testdata__no_rec_alert.bad.yaml", "rulefmt/missing-record-or-alert", 4),
    ("model__rulefmt__testdata__noexpr.bad.yaml", "rulefmt/missing-expr", 4),
    ("model__rulefmt__testdata__invalid_record_name.bad.yaml", "rulefmt/invalid-record-name", 4),
    ("model__rulefmt__testdata__bad_field.bad.yaml", "rulefmt/unknown-field", 8),
    ("model__rulefmt__testdata__invalid_label_name.bad.yaml", "rulefmt/invalid-label-name", 7),
    ("model__rulefmt__testdata__record_and_for.bad.yaml", "rulefmt/for-in-recording-rule", 6),
    ("model__rulefmt__testdata__record_and_keep_firing_for.bad.yaml", "rulefmt/for-in-recording-rule", 6),
    ("model__rulefmt__testdata__legacy_validation_annotation.bad.yaml", "rulefmt/non-legacy-name", 7),
    ("rules__fixtures__invalid_rules.yaml", "rulefmt/unknown-field", 6),
    ("cmd__promtool__testdata__rules-bad.yml", "rulefmt/invalid-template", 12),
    ("cmd__promtool__testdata__bad-rules-syntax.yml", "promql/syntax", 7),
    ("cmd__promtool__testdata__rules_extrafields.yml", "rulefmt/unknown-field", 7),
    ("cmd__promtool__testdata__rules_extrafields.yml", "rulefmt/unknown-field", 21),
    ("cmd__promtool__testdata__rules_duplicates.yml", "rulefmt/duplicate-rule", 18),
    ("cmd__promtool__testdata__rules_duplicates.yml", "rulefmt/duplicate-rule", 23),
    ("cmd__promtool__testdata__prometheus-rules.lint.yml", "rulefmt/duplicate-rule", 11),
];

#[test]
fn bad_rules_get_the_expected_error_on_the_expected_line() {
    let dir = corpus().join("prometheus-testdata/bad-rules");
    let checker = Checker::default();
    let mut missing = Vec::new();
    for (file, code, line) in EXPECTED {
        let report = check(&dir.join(file), &checker);
        let found = report.diagnostics.iter().any(|d| d.code == *code && report.file.line_col(d.span.start).line == *line);
        if !found {
            let got: Vec<String> = report.diagnostics.iter().map(|d| format!("{}@{}", d.code, report.file.line_col(d.span.start).line)).collect();
            missing.push(format!("{file}: expected {code} on line {line}, got {got:?}"));
        }
    }
    assert!(missing.is_empty(), "{}", missing.join("\n"));
}

/// `join_1 + on(a) join_2` parses; it fails when evaluated on the series its promtool test feeds
/// it. Those input series are catalog knowledge, and with them the failure is found statically.
#[test]
fn the_evaluation_time_join_failure_is_found_with_the_tests_input_series() {
    let catalog = promaudit_catalog::load_path(&corpus().join("prometheus-testdata/promtool-unittests/bad-rules-error-test.yml")).unwrap();
    let report = check(&corpus().join("prometheus-testdata/bad-rules/cmd__promtool__testdata__bad-rules-error.yml"), &Checker::with_catalog(catalog));
    let found: Vec<(&str, usize)> = report.diagnostics.iter().map(|d| (d.code, report.file.line_col(d.span.start).line)).collect();
    assert!(found.contains(&("join/ambiguous-match", 7)), "{found:?}");
}

/// The burn-rate findings of `files` checked as one project.
fn burn_rate_findings(files: Vec<SourceFile>) -> Vec<String> {
    let mut checker = Checker::default();
    checker.learn_project(&files);
    let mut found = Vec::new();
    for file in files {
        let report = promaudit_lint::check_source(file, &checker);
        assert!(!report.diagnostics.iter().any(|d| d.code == "source/skipped"), "{} was not checked", report.file.display_path());
        found.extend(report.diagnostics.iter().filter(|d| d.code == "slo/burn-rate").map(|d| format!("{}:{}: {}", report.file.display_path(), report.file.line_col(d.span.start).line, d.message)));
    }
    found
}

/// Sloth's integration tests keep its expected output as Go templates (`{{ .version }}`, and
/// alert annotations escaped as `{{"{{$labels.x}}"}}`): rendered as Sloth renders them, the
/// outputs for 30-day, 28-day and custom 7-day windows, with the `AlertWindows` spec of the
/// examples, pass the burn-rate check.
#[test]
fn sloths_generated_burn_rate_alerts_pass() {
    let dir = corpus().join("sloth/test/integration/prometheus/testdata");
    let mut files = vec![SourceFile::new("7d.yaml", std::fs::read_to_string(corpus().join("sloth/examples/windows/7d.yaml")).unwrap())];
    let escaped = regex::Regex::new(r#"\{\{"(\{\{[^}]*\}\})"\}\}"#).unwrap();
    let mut templates: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).filter(|p| p.to_string_lossy().ends_with(".yaml.tpl")).collect();
    templates.sort();
    for path in &templates {
        let text = std::fs::read_to_string(path).unwrap().replace("{{ .version }}", "v0.0.0");
        files.push(SourceFile::new(path, escaped.replace_all(&text, "$1").into_owned()));
    }
    assert!(templates.len() >= 10, "{} templates", templates.len());
    let alerts: usize = files.iter().map(|f| f.text.matches("sloth_window)").count()).sum();
    assert!(alerts > 50, "only {alerts} burn-rate windows rendered");
    // Alone, as Sloth writes each: a 7-day output carries its period, so its custom windows
    // are not held to the 30-day defaults.
    for file in &files {
        assert_eq!(burn_rate_findings(vec![SourceFile::new(file.display_path(), file.text.clone())]), Vec::<String>::new());
    }
    assert_eq!(burn_rate_findings(files), Vec::<String>::new());
}

/// The Kubernetes mixin's apiserver burn-rate alerts (`apiserver_request:burnrate1h` under
/// `sum by (cluster)`) pass, and a factor planted in them is caught.
#[test]
fn the_kubernetes_mixin_burn_rate_alerts_are_checked() {
    let original = std::fs::read_to_string(corpus().join("kube-prometheus/manifests/kubernetesControlPlane-prometheusRule.yaml")).unwrap();
    assert_eq!(burn_rate_findings(vec![SourceFile::new("kcp.yaml", original.clone())]), Vec::<String>::new());
    let planted = original.replacen("(14.40 * 0.01000)", "(10.40 * 0.01000)", 2);
    let found = burn_rate_findings(vec![SourceFile::new("kcp.yaml", planted)]);
    assert!(found.iter().any(|f| f.contains("burn factor 10.4 on the 1h/5m pair fits no alert window")), "{found:?}");
}

/// Defects planted in Sloth's generated getting-started rules are caught: a factor no alert
/// window uses, a standard factor on the wrong pair, a budget that is not the SLO's.
#[test]
fn burn_rate_defects_planted_in_generated_rules_are_caught() {
    let original = std::fs::read_to_string(corpus().join("sloth/examples/_gen/getting-started.yml")).unwrap();
    assert_eq!(burn_rate_findings(vec![SourceFile::new("gen.yml", original.clone())]), Vec::<String>::new());
    let budget = "0.0009999999999999432";
    let plants = [
        ("ratio_rate1h{", format!("(14.4 * {budget})"), format!("(10 * {budget})"), "burn factor 10 on the 1h/5m pair fits no alert window"),
        ("ratio_rate6h{", format!("(6 * {budget})"), format!("(14.4 * {budget})"), "burn factor 14.4 belongs to the 1h/5m pair, not to 6h/30m"),
        ("ratio_rate1h{", format!("(14.4 * {budget})"), "(14.4 * 0.01)".to_string(), "this threshold is 14.4 × 0.01, but SLO `myservice-requests-availability` has an error budget of 0.001"),
    ];
    for (window, from, to, expected) in plants {
        // The long window's line and the short window's line above it, as a generated pair.
        let lines: Vec<&str> = original.lines().collect();
        let at = lines.iter().position(|l| l.contains(window) && l.contains(&from)).expect("the pair is in the generated file");
        let planted: String = lines.iter().enumerate().map(|(i, l)| if i == at || i + 2 == at { l.replace(&from, &to) } else { l.to_string() } + "\n").collect();
        let found = burn_rate_findings(vec![SourceFile::new("gen.yml", planted)]);
        assert!(found.iter().any(|f| f.contains(expected)), "planted `{to}` on {window}: expected {expected:?}, got {found:?}");
    }
}
