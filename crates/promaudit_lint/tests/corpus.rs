//! The real third-party files in ../shared/corpus: exposition dumps are told from other files by
//! their shape, and the deliberately broken files get the error upstream expects. Every finding
//! at warning or error on the corpus is held to the precision ledger (tests/ledger.rs).

use promaudit_lint::{check_bytes, Checker, FileReport};
use promaudit_source::SourceFile;
use std::path::{Path, PathBuf};

/// The third-party corpus: `$PROMAUDIT_CORPUS`, else ../shared/corpus beside the repository.
/// Absent on a fresh clone: each test then says so in one line and passes.
fn corpus_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("PROMAUDIT_CORPUS").map(PathBuf::from).unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus"));
    if dir.is_dir() {
        return Some(dir);
    }
    println!("corpus tests: skipped, no corpus at {}; set PROMAUDIT_CORPUS", dir.display());
    None
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

fn is_exposition(path: &Path) -> bool {
    let file = promaudit_source::SourceFile::new(path, String::from_utf8(std::fs::read(path).unwrap()).unwrap());
    promaudit_source::extract(&file).artifacts.iter().any(|a| matches!(a, promaudit_source::artifact::Artifact::Exposition(_)))
}

/// Exposition text is told by its shape: every dump is recognized, and no YAML, JSON or Markdown
/// file is taken for one.
#[test]
fn exposition_dumps_and_only_they_are_read_as_exposition() {
    let Some(corpus) = corpus_dir() else { return };
    let (mut documents, mut dumps) = (Vec::new(), Vec::new());
    walk(&corpus, DOCUMENTS, &mut documents);
    walk(&corpus, EXPOSITIONS, &mut dumps);
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
    let Some(corpus) = corpus_dir() else { return };
    let dir = corpus.join("prometheus-testdata/bad-rules");
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
    let Some(corpus) = corpus_dir() else { return };
    let catalog = promaudit_catalog::load_path(&corpus.join("prometheus-testdata/promtool-unittests/bad-rules-error-test.yml")).unwrap();
    let report = check(&corpus.join("prometheus-testdata/bad-rules/cmd__promtool__testdata__bad-rules-error.yml"), &Checker::with_catalog(catalog));
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
    let Some(corpus) = corpus_dir() else { return };
    let dir = corpus.join("sloth/test/integration/prometheus/testdata");
    let mut files = vec![SourceFile::new("7d.yaml", std::fs::read_to_string(corpus.join("sloth/examples/windows/7d.yaml")).unwrap())];
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
    let Some(corpus) = corpus_dir() else { return };
    let original = std::fs::read_to_string(corpus.join("kube-prometheus/manifests/kubernetesControlPlane-prometheusRule.yaml")).unwrap();
    assert_eq!(burn_rate_findings(vec![SourceFile::new("kcp.yaml", original.clone())]), Vec::<String>::new());
    let planted = original.replacen("(14.40 * 0.01000)", "(10.40 * 0.01000)", 2);
    let found = burn_rate_findings(vec![SourceFile::new("kcp.yaml", planted)]);
    assert!(found.iter().any(|f| f.contains("burn factor 10.4 on the 1h/5m pair fits no alert window")), "{found:?}");
}

/// Defects planted in Sloth's generated getting-started rules are caught: a factor no alert
/// window uses, a standard factor on the wrong pair, a budget that is not the SLO's.
#[test]
fn burn_rate_defects_planted_in_generated_rules_are_caught() {
    let Some(corpus) = corpus_dir() else { return };
    let original = std::fs::read_to_string(corpus.join("sloth/examples/_gen/getting-started.yml")).unwrap();
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
