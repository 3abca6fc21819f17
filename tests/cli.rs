//! End-to-end tests of the `promaudit` binary.

mod common;

use common::{promaudit, repo, temp_dir};
use std::process::Output;

fn json(output: &Output) -> serde_json::Value {
    serde_json::from_slice(&output.stdout).expect("stdout is one JSON document")
}

#[test]
fn clean_files_exit_zero() {
    let dir = temp_dir("clean");
    std::fs::write(dir.join("ok.yml"), "groups:\n- name: a\n  rules:\n  - alert: Down\n    expr: up == 0\n").unwrap();
    let output = promaudit(&["check", dir.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
}

#[test]
fn findings_exit_one_with_exact_json_positions() {
    let dir = temp_dir("findings");
    let file = dir.join("bad.yaml");
    std::fs::write(&file, "groups:\n- name: a\n  rules:\n  - alert: Down\n    expr: |\n      sum(rate(x{a=\"é\", code=}[5m]))\n").unwrap();
    let output = promaudit(&["check", "--format", "json", file.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1));
    let document = json(&output);
    let diagnostic = document["diagnostics"].as_array().unwrap().iter().find(|d| d["severity"] == "error").expect("an error");
    assert_eq!(diagnostic["code"], "promql/syntax");
    assert_eq!((diagnostic["line"].as_u64(), diagnostic["column"].as_u64()), (Some(6), Some(30)));
    assert_eq!((diagnostic["end_line"].as_u64(), diagnostic["end_column"].as_u64()), (Some(6), Some(31)));
    assert_eq!(document["summary"]["errors"], 1);
    assert_eq!(document["summary"]["files"], 1);
}

#[test]
fn fail_on_controls_the_exit_status() {
    let dir = temp_dir("fail-on");
    std::fs::write(dir.join("dup.yml"), "groups:\n- name: a\n  rules:\n  - alert: A\n    expr: up == 0\n  - alert: A\n    expr: up == 0\n").unwrap();
    assert_eq!(promaudit(&["check", dir.to_str().unwrap()]).status.code(), Some(1));
    assert_eq!(promaudit(&["check", "--fail-on", "error", dir.to_str().unwrap()]).status.code(), Some(0));
}

#[test]
fn missing_paths_exit_two_and_other_files_are_still_checked() {
    let dir = temp_dir("missing");
    std::fs::write(dir.join("bad.yml"), "groups:\n- name: a\n  rules:\n  - alert: A\n    expr: up ==\n").unwrap();
    let output = promaudit(&["check", "--format", "json", "/no/such/path", dir.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("/no/such/path"));
    assert_eq!(json(&output)["summary"]["errors"], 1);
}

#[test]
fn a_catalog_that_does_not_parse_exits_two_with_its_position() {
    let dir = temp_dir("bad-catalog");
    let catalog = dir.join("catalog.yml");
    std::fs::write(&catalog, "custom_metrics:\n  - name: [x\n").unwrap();
    std::fs::write(dir.join("rules.yml"), "groups:\n- name: a\n  rules:\n  - alert: A\n    expr: up == 0\n").unwrap();
    let output = promaudit(&["check", "--catalog", catalog.to_str().unwrap(), dir.join("rules.yml").to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains(&format!("{}:2:11: error: not valid YAML or JSON", catalog.display())), "{stderr}");
}

#[test]
fn bad_input_gets_positioned_errors_and_never_crashes() {
    let dir = repo().join("fixtures/bad-input");
    let output = promaudit(&["check", "--format", "json", dir.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1), "{}", String::from_utf8_lossy(&output.stderr));
    let document = json(&output);
    let diagnostics = document["diagnostics"].as_array().unwrap();
    let files = std::fs::read_dir(&dir).unwrap().count();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        let found = diagnostics.iter().find(|d| d["file"].as_str().unwrap().ends_with(&name) && d["severity"] == "error");
        let found = found.unwrap_or_else(|| panic!("no error for {name}"));
        assert!(found["line"].as_u64().unwrap() >= 1 && found["column"].as_u64().unwrap() >= 1);
    }
    assert_eq!(document["summary"]["files"].as_u64(), Some(files as u64));
}

/// Output to a reader that went away (`promaudit check 2>&1 | head -1`) is dropped: no panic,
/// and the exit status still says what the check found.
#[test]
fn closed_stdout_and_stderr_end_the_output_not_the_run() {
    use std::process::{Command, Stdio};
    let dir = repo().join("fixtures/bad-input");
    for format in ["human", "json"] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_promaudit")).args(["check", "--format", format, dir.to_str().unwrap()]).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
        drop(child.stdout.take());
        drop(child.stderr.take());
        assert_eq!(child.wait().unwrap().code(), Some(1), "{format}");
    }
}

/// A panic while checking one file is that file's finding; the others are checked, the JSON
/// document stays whole, and Rust's panic message stays off stderr.
#[test]
fn a_panic_in_one_file_is_its_internal_error_and_the_run_goes_on() {
    let dir = temp_dir("panic");
    let rule = "groups:\n- name: a\n  rules:\n  - record: a:b\n    expr: sum(x)\n";
    for name in ["a.yml", "boom.yml", "c.yml"] {
        std::fs::write(dir.join(name), rule).unwrap();
    }
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_promaudit")).args(["check", "--format", "json", dir.to_str().unwrap()]).env("PROMAUDIT_TEST_PANIC_ON", "boom.yml").output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    let document = json(&output);
    let internal: Vec<_> = document["diagnostics"].as_array().unwrap().iter().filter(|d| d["code"] == "source/internal-error").collect();
    assert_eq!(internal.len(), 1);
    assert!(internal[0]["file"].as_str().unwrap().ends_with("boom.yml"));
    assert!(internal[0]["message"].as_str().unwrap().contains("PROMAUDIT_TEST_PANIC_ON names this file"));
    assert_eq!(document["summary"]["files"], 3);
    assert_eq!(document["summary"]["queries"], 2, "the other files are checked");
}

#[test]
fn a_one_megabyte_expression_is_refused_quickly() {
    let dir = temp_dir("huge");
    let expression = format!("up{{a=\"{}\"}} > 0", "x".repeat(1 << 20));
    std::fs::write(dir.join("huge.yml"), format!("groups:\n- name: a\n  rules:\n  - record: a:b:c\n    expr: '{expression}'\n")).unwrap();
    let started = std::time::Instant::now();
    let output = promaudit(&["check", "--format", "json", dir.to_str().unwrap()]);
    assert!(started.elapsed().as_secs() < 10);
    let document = json(&output);
    assert!(document["diagnostics"].as_array().unwrap().iter().any(|d| d["code"] == "promql/too-complex"), "{document}");
}

#[test]
fn directories_are_walked_for_monitoring_files_only() {
    let dir = temp_dir("walk");
    std::fs::create_dir_all(dir.join("nested/.hidden")).unwrap();
    std::fs::write(dir.join("nested/dash.json"), "{\"panels\": [{\"targets\": [{\"expr\": \"up ==\"}]}]}").unwrap();
    std::fs::write(dir.join("nested/.hidden/r.yml"), "groups: [").unwrap();
    std::fs::write(dir.join("notes.txt"), "groups: [").unwrap();
    let document = json(&promaudit(&["check", "--format", "json", dir.to_str().unwrap()]));
    assert_eq!(document["summary"]["files"], 1);
    assert_eq!(document["diagnostics"][0]["code"], "promql/syntax");
}

#[test]
fn human_output_shows_the_snippet() {
    let dir = temp_dir("human");
    let file = dir.join("r.yml");
    std::fs::write(&file, "groups:\n- name: a\n  rules:\n  - alert: A\n    expr: up{job=}\n").unwrap();
    let output = promaudit(&["check", "--color", "never", file.to_str().unwrap()]);
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.contains("error[promql/syntax]"), "{text}");
    assert!(text.contains("5 │     expr: up{job=}"), "{text}");
    assert!(text.contains("│                  ^"), "{text}");
}

#[test]
fn rules_and_explain() {
    let rules = String::from_utf8(promaudit(&["rules"]).stdout).unwrap();
    assert!(rules.lines().any(|l| l.starts_with("promql/syntax")));
    let explained = promaudit(&["explain", "rulefmt/record-and-alert"]);
    assert!(String::from_utf8_lossy(&explained.stdout).contains("## Why it matters"));
    let with_fix = promaudit(&["explain", "functions/quantile-without-le"]);
    assert!(String::from_utf8_lossy(&with_fix.stdout).contains("Fix: adds `le` to the aggregation's `by (…)`"));
    let unknown = promaudit(&["explain", "rulefmt/nope"]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("did you mean"));
}

/// The infos that are the seed guide's mistakes; its other infos are matters of taste.
const SEED_INFOS: &[&str] = &["alerts/down-without-absent", "naming/service-prefix", "naming/metric-name", "dashboards/deprecated-panel-type"];

/// The seed guide's real mistakes, found against the MatrixInfer and GPU catalog at their tokens.
#[test]
fn the_seed_guide_mistakes_are_found_at_their_tokens() {
    let seed = repo().join("fixtures/seed/matrixinfer-monitoring.md");
    let catalog = repo().join("fixtures/catalog");
    let output = promaudit(&["check", "--format", "json", "--catalog", catalog.to_str().unwrap(), seed.to_str().unwrap()]);
    let document = json(&output);
    let found: Vec<(String, u64, u64)> = document["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["severity"] != "info" || SEED_INFOS.contains(&d["code"].as_str().unwrap()))
        .map(|d| (d["code"].as_str().unwrap().to_string(), d["line"].as_u64().unwrap(), d["column"].as_u64().unwrap()))
        .collect();
    let expected = [
        ("naming/service-prefix", 180, 15), // model_accuracy_score: the others are matrixinfer_…
        ("naming/service-prefix", 185, 15), // inference_queue_depth
        ("naming/service-prefix", 190, 15), // model_cache_hit_ratio
        ("naming/service-prefix", 195, 15), // batch_processing_efficiency
        ("thresholds/panel-threshold", 286, 43), // latency panel red at 5s, the SLI says < 1s
        ("thresholds/panel-threshold", 309, 43), // error-rate panel red at 5%, the budget is 0.1%
        ("dashboards/deprecated-panel-type", 329, 17), // "type": "graph"
        ("dashboards/deprecated-panel-type", 349, 17),
        ("units/panel-unit", 358, 22),        // "Memory (GB)" over / 1024 / 1024 / 1024: GiB
        ("dashboards/deprecated-panel-type", 366, 17),
        ("catalog/unknown-metric", 369, 22),  // nvidia_gpu_utilization_percent in the GPU panel
        ("naming/metric-name", 369, 22),      // … a percentage, where Prometheus uses 0-1 ratios
        ("dashboards/deprecated-panel-type", 384, 17),
        ("dashboards/deprecated-panel-type", 428, 17),
        ("dashboards/deprecated-panel-type", 449, 17),
        ("alertmanager/shadowed-route", 488, 9), // the critical route above takes the team's critical alerts
        ("alerts/down-without-absent", 538, 13), // up == 0 and no absent(up{job="matrixinfer-models"})
        ("thresholds/slo-mismatch", 548, 120), // HighInferenceLatency at p95 > 2s, the SLI says < 1s
        ("thresholds/slo-mismatch", 558, 147), // HighErrorRate at 5%, 50× the 0.1% error budget
        ("catalog/unknown-metric", 579, 13),  // … and in GPUHighUtilization
        ("join/missing-label", 611, 133),     // AutoscalingNotWorking: on(deployment)
        ("catalog/missing-label", 814, 59),   // availability SLI: status!~'5..' matches everything
        ("slo/sloth-field", 852, 9),          // the CRD spells it errorQuery: error_query is pruned
        ("catalog/missing-label", 852, 68),   // availability SLO: status=~"5.." matches nothing
        ("slo/sloth-window", 852, 82),        // [5m] instead of [{{.window}}]
        ("slo/sloth-field", 853, 9),          // totalQuery
        ("slo/sloth-window", 853, 67),
        ("slo/sloth-field", 866, 9),
        ("slo/inverted-sli", 866, 31),        // latency SLO: the error query counts the fast requests
        ("catalog/unknown-bucket", 866, 77),  // latency SLO: le="1.0" where the histogram has le="1"
        ("slo/sloth-window", 866, 86),
        ("slo/sloth-field", 867, 9),
        ("slo/sloth-window", 867, 75),
    ];
    let expected: Vec<(String, u64, u64)> = expected.iter().map(|(c, l, col)| (c.to_string(), *l, *col)).collect();
    assert_eq!(found, expected);
}

/// DCGM's profiling fields are 0-1 ratios ("Ratio of time the graphics engine is active"): a
/// percentage threshold can never be reached, known from built-in knowledge alone and still
/// known with the GPU dump, whose HELP line for the field is empty.
#[test]
fn dcgm_profiling_ratio_compared_with_a_percentage() {
    let dir = temp_dir("dcgm-ratio");
    let file = dir.join("gpu.yml");
    std::fs::write(&file, "groups:\n- name: gpu\n  rules:\n  - alert: GpuBusy\n    expr: DCGM_FI_PROF_GR_ENGINE_ACTIVE > 90\n").unwrap();
    let dump = repo().join("fixtures/catalog/dcgm-exporter.prom");
    for catalog in [&[][..], &["--catalog", dump.to_str().unwrap()][..]] {
        let output = promaudit(&[&["check", "--format", "short"], catalog, &[file.to_str().unwrap()]].concat());
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            stdout.contains("gpu.yml:5:43: error[thresholds/out-of-range] `DCGM_FI_PROF_GR_ENGINE_ACTIVE` is a ratio (0-1), so this comparison with 90 can never be true"),
            "{catalog:?}: {stdout}"
        );
    }
}

/// The corrected bundle in rules/ is clean against the same catalog.
#[test]
fn the_bundled_rules_are_clean() {
    let output = promaudit(&["check", "--fail-on", "info", "--catalog", repo().join("fixtures/catalog").to_str().unwrap(), repo().join("rules").to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stdout));
}

fn copy_tree(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        let target = to.join(path.file_name().unwrap());
        if path.is_dir() {
            copy_tree(&path, &target);
        } else {
            std::fs::copy(&path, &target).unwrap();
        }
    }
}

/// Burn-rate defects planted in the bundle's hand-written pair are reported at the threshold:
/// an objective loosened (in the SLO and the SLI list) without the alert, and a factor no
/// alert window uses.
#[test]
fn burn_rate_defects_planted_in_the_bundle_are_caught() {
    let loosened: &[(&str, &str, &str)] = &[("slo/matrixinfer-slo.yaml", "objective: 99.9", "objective: 99.5"), ("slo/slis.yaml", "target: \"< 0.1%\"", "target: \"< 0.5%\"")];
    let refactored: &[(&str, &str, &str)] = &[("alerts/matrixinfer-alerts.yaml", "ratio_rate1h > (14.4 * 0.001)", "ratio_rate1h > (10 * 0.001)")];
    let plants = [
        (loosened, "this threshold is 14.4 × 0.001, but SLO `inference-availability` has an error budget of 0.005"),
        (refactored, "burn factor 10 on the 1h/5m pair fits no alert window"),
    ];
    for (i, (edits, expected)) in plants.into_iter().enumerate() {
        let dir = temp_dir(&format!("planted-burn-rate-{i}"));
        copy_tree(&repo().join("rules"), &dir);
        for (file, from, to) in edits {
            let path = dir.join(file);
            let text = std::fs::read_to_string(&path).unwrap();
            assert!(text.contains(from), "{file} no longer has `{from}`");
            std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
        }
        let output = promaudit(&["check", "--format", "json", "--catalog", repo().join("fixtures/catalog").to_str().unwrap(), dir.to_str().unwrap()]);
        let document = json(&output);
        let found: Vec<_> = document["diagnostics"].as_array().unwrap().iter().filter(|d| d["code"] == "slo/burn-rate").collect();
        let at_threshold = |d: &&serde_json::Value| d["message"].as_str().unwrap().contains(expected) && d["file"].as_str().unwrap().ends_with("alerts/matrixinfer-alerts.yaml") && d["line"] == 52 && d["column"] == 62;
        assert!(found.iter().any(at_threshold), "planted {edits:?}: {found:?}");
    }
}

/// A dashboard is held to alerts in files the pre-pass would otherwise not read (no recording
/// rules, scrape configs or SLOs in them).
#[test]
fn a_panel_is_held_to_an_alert_in_another_file() {
    let dir = temp_dir("panel-and-alert");
    let alerts = "groups:\n- name: a\n  rules:\n  - alert: SlowRequests\n    expr: histogram_quantile(0.95, sum by (le) (rate(req_seconds_bucket[5m]))) > 2\n    for: 10m\n    labels: {severity: warning}\n    annotations: {summary: slow}\n";
    std::fs::write(dir.join("alerts.yml"), alerts).unwrap();
    let dashboard = r#"{"title": "D", "panels": [{"title": "Latency", "type": "stat", "targets": [{"expr": "histogram_quantile(0.95, sum(rate(req_seconds_bucket[5m])) by (le))"}], "fieldConfig": {"defaults": {"thresholds": {"steps": [{"value": null}, {"value": 1}, {"value": 5}]}}}}]}"#;
    std::fs::write(dir.join("dashboard.json"), dashboard).unwrap();
    let output = promaudit(&["check", "--format", "json", dir.to_str().unwrap()]);
    let document = json(&output);
    let found: Vec<_> = document["diagnostics"].as_array().unwrap().iter().filter(|d| d["code"] == "thresholds/panel-threshold").collect();
    assert_eq!(found.len(), 1, "{document}");
    assert!(found[0]["message"].as_str().unwrap().contains("alert `SlowRequests` fires when the p95 of `req_seconds` exceeds 2s"), "{}", found[0]);
    assert_eq!((found[0]["line"].as_u64(), found[0]["column"].as_u64()), (Some(1), Some(dashboard.find("5}").unwrap() as u64 + 1)));
}

/// A rule file with its `promtool test rules` file: the test is checked, not skipped, and the
/// series its input feeds exist even with colons in their names (exporters do that).
#[test]
fn a_promtool_test_is_checked_and_its_input_series_exist() {
    let dir = repo().join("fixtures/promtool-tests");
    let output = promaudit(&["check", "--format", "short", dir.to_str().unwrap()]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    assert!(!stdout.contains("skipped") && !stdout.contains("undefined-recording-rule"), "{stdout}");
    assert!(String::from_utf8_lossy(&output.stderr).contains("checked 2 files (3 queries)"));
    // Alone, the rule file reads a colon-named series nothing defines.
    let alone = promaudit(&["check", "--format", "short", dir.join("rules.yml").to_str().unwrap()]);
    assert!(String::from_utf8_lossy(&alone.stdout).contains("info[graph/undefined-recording-rule]"));
}

/// pint's `promql/regexp` cases, one rule each: every regex that is no pattern is reported at its
/// value, and real patterns pass.
#[test]
fn regex_matchers_that_are_no_pattern_are_found_at_their_values() {
    let dir = temp_dir("regexp");
    let exprs = [
        r#"foo{job=~"bar"}"#,
        r#"foo{job!~"bar"}"#,
        r#"foo{job=~"foo\"bar"}"#,
        r#"foo{job=~""}"#,
        r#"foo{job=~"(?:)"}"#,
        r#"foo{job!~".+"}"#,
        r#"foo{job=~"^.+$"}"#,
        r#"foo{job=~"(foo|^.+)$"}"#,
        r#"foo{job=~".*"}"#,
        r#"foo{job!~".*"}"#,
        r#"foo{job=~"bar|foo", a=~"(?i)someone", b=~".+", c=~"5.."} + count({__name__=~".+"})"#,
    ];
    let rules: String = exprs.iter().enumerate().map(|(i, expr)| format!("  - record: r{i}\n    expr: '{expr}'\n")).collect();
    std::fs::write(dir.join("rules.yml"), format!("groups:\n- name: a\n  rules:\n{rules}")).unwrap();
    let output = promaudit(&["check", "--format", "json", dir.to_str().unwrap()]);
    let document = json(&output);
    let regex_codes = ["promql/literal-regex", "promql/empty-regex", "promql/redundant-anchor", "cardinality/match-all", "promql/match-nothing"];
    let found: Vec<(String, u64, u64)> = document["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| regex_codes.contains(&d["code"].as_str().unwrap()))
        .map(|d| (d["code"].as_str().unwrap().to_string(), d["line"].as_u64().unwrap(), d["column"].as_u64().unwrap()))
        .collect();
    // Rule i's expression is on line 5 + 2i; its first value starts at column 21, after `    expr: 'foo{job=~`.
    let expected = [
        ("promql/literal-regex", 5),
        ("promql/literal-regex", 7),
        ("promql/literal-regex", 9),
        ("promql/empty-regex", 11),
        ("promql/empty-regex", 13),
        ("promql/empty-regex", 15),
        ("promql/redundant-anchor", 17),
        ("promql/redundant-anchor", 19),
        ("cardinality/match-all", 21),
        ("promql/match-nothing", 23),
    ];
    let expected: Vec<(String, u64, u64)> = expected.iter().map(|(code, line)| (code.to_string(), *line, if code.starts_with("cardinality") { 16 } else { 21 })).collect();
    assert_eq!(found, expected, "{document}");
    assert_eq!(output.status.code(), Some(1), "the selector that matches nothing is an error");
}

/// A rule file whose expression is cut short: `promql/syntax` at line 5, column 18.
const BROKEN_RULE: &str = "groups:\n- name: a\n  rules:\n  - alert: Down\n    expr: up{job=}\n";

/// The binary's output with `input` piped to its stdin.
fn promaudit_reading(args: &[&str], input: &str) -> Output {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_promaudit")).args(args).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

fn syntax_error_at(document: &serde_json::Value) -> (String, u64, u64) {
    let found = document["diagnostics"].as_array().unwrap().iter().find(|d| d["code"] == "promql/syntax").unwrap_or_else(|| panic!("no syntax error: {document}"));
    (found["file"].as_str().unwrap().to_string(), found["line"].as_u64().unwrap(), found["column"].as_u64().unwrap())
}

/// Stdin is read once and shared by the learning pass and the check: a pipe read twice would
/// be empty the second time, with 0 queries.
#[test]
fn stdin_is_checked_under_its_given_name() {
    for path in ["-", "/dev/stdin"] {
        let output = promaudit_reading(&["check", path, "--stdin-filename", "rules.yml", "--format", "json"], BROKEN_RULE);
        assert_eq!(output.status.code(), Some(1), "{path}: {}", String::from_utf8_lossy(&output.stderr));
        let document = json(&output);
        assert_eq!(syntax_error_at(&document), ("rules.yml".to_string(), 5, 18), "{path}");
        assert_eq!((document["summary"]["files"].as_u64(), document["summary"]["queries"].as_u64()), (Some(1), Some(1)), "{path}");
    }
    let unnamed = json(&promaudit_reading(&["check", "-", "--format", "json"], BROKEN_RULE));
    assert_eq!(syntax_error_at(&unnamed).0, "<stdin>");
    let dashboard = "{\"panels\": [{\"targets\": [{\"expr\": \"up ==\"}]}]}";
    assert_eq!(syntax_error_at(&json(&promaudit_reading(&["check", "-", "--stdin-filename", "dash.json", "--format", "json"], dashboard))).1, 1);
    let refused = promaudit(&["check", "--stdin-filename", "rules.yml", "."]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("no path is `-`"));
}

/// An editor checks its unsaved buffer among the project's files: stdin replaces the copy on disk.
#[test]
fn stdin_stands_in_for_the_file_it_is_named_after() {
    let dir = temp_dir("stdin-stands-in");
    std::fs::write(dir.join("rules.yml"), "groups:\n- name: a\n  rules:\n  - alert: Down\n    expr: up == 0\n").unwrap();
    let named = dir.join("rules.yml");
    let output = promaudit_reading(&["check", dir.to_str().unwrap(), "-", "--stdin-filename", named.to_str().unwrap(), "--format", "json"], BROKEN_RULE);
    let document = json(&output);
    assert_eq!(document["summary"]["files"], 1, "{document}");
    assert_eq!(syntax_error_at(&document), (named.display().to_string(), 5, 18));
}

/// Two alerts of one name (a warning) and a broken expression (an error).
const WARNING_AND_ERROR: &str = "groups:\n- name: a\n  rules:\n  - alert: A\n    expr: up == 0\n  - alert: A\n    expr: up == 0\n  - alert: B\n    expr: up{job=}\n";

#[test]
fn quiet_prints_the_findings_only() {
    let dir = temp_dir("quiet");
    std::fs::write(dir.join("r.yml"), WARNING_AND_ERROR).unwrap();
    let loud = promaudit(&["check", "--format", "short", dir.to_str().unwrap()]);
    assert!(String::from_utf8_lossy(&loud.stderr).contains("checked 1 files"));
    let quiet = promaudit(&["check", "--format", "short", "--quiet", dir.to_str().unwrap()]);
    assert_eq!(quiet.stdout, loud.stdout);
    assert_eq!(String::from_utf8_lossy(&quiet.stderr), "");
    assert_eq!(quiet.status.code(), Some(1));
}

/// Findings below --min-severity are neither shown nor counted, and --fail-on judges the rest.
#[test]
fn min_severity_hides_and_uncounts_the_findings_below_it() {
    let dir = temp_dir("min-severity");
    std::fs::write(dir.join("r.yml"), WARNING_AND_ERROR).unwrap();
    let all = json(&promaudit(&["check", "--format", "json", dir.to_str().unwrap()]));
    assert!(all["summary"]["warnings"].as_u64().unwrap() > 0, "{all}");
    let output = promaudit(&["check", "--format", "json", "--min-severity", "error", dir.to_str().unwrap()]);
    let errors_only = json(&output);
    assert!(errors_only["diagnostics"].as_array().unwrap().iter().all(|d| d["severity"] == "error"), "{errors_only}");
    assert_eq!((errors_only["summary"]["errors"].as_u64(), errors_only["summary"]["warnings"].as_u64()), (Some(1), Some(0)));
    assert_eq!(output.status.code(), Some(1));
    std::fs::write(dir.join("r.yml"), "groups:\n- name: a\n  rules:\n  - alert: A\n    expr: up == 0\n  - alert: A\n    expr: up == 0\n").unwrap();
    assert_eq!(promaudit(&["check", dir.to_str().unwrap()]).status.code(), Some(1));
    assert_eq!(promaudit(&["check", "--min-severity", "error", dir.to_str().unwrap()]).status.code(), Some(0), "a hidden warning does not fail the run");
}

#[test]
fn select_and_ignore_apply_over_the_configuration() {
    let dir = temp_dir("select");
    std::fs::write(dir.join("r.yml"), WARNING_AND_ERROR).unwrap();
    std::fs::write(dir.join(".promaudit.yaml"), "rules:\n  promql/syntax: info\n").unwrap();
    let codes = |extra: &[&str]| -> Vec<String> {
        let mut args = vec!["check", "--format", "json", dir.to_str().unwrap()];
        args.extend(extra);
        let document = json(&promaudit(&args));
        let mut codes: Vec<String> = document["diagnostics"].as_array().unwrap().iter().map(|d| format!("{} {}", d["code"].as_str().unwrap(), d["severity"].as_str().unwrap())).collect();
        codes.dedup();
        codes
    };
    let all = codes(&[]);
    assert!(all.len() > 1 && all.contains(&"promql/syntax info".to_string()), "{all:?}");
    assert_eq!(codes(&["--select", "promql"]), ["promql/syntax info"], "selected, at the configured severity");
    let ignored = codes(&["--ignore", "promql/syntax"]);
    assert!(!ignored.is_empty() && ignored.iter().all(|c| !c.starts_with("promql/syntax")), "{ignored:?}");
    assert_eq!(codes(&["--select", "promql,rulefmt", "--ignore", "rulefmt"]), ["promql/syntax info"], "comma-separated; --ignore wins a tie");
    let wrong = promaudit(&["check", "--select", "promql/sintax", dir.to_str().unwrap()]);
    assert_eq!(wrong.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&wrong.stderr).contains("did you mean `promql/syntax`?"), "{}", String::from_utf8_lossy(&wrong.stderr));
}

/// Runs `check` on a broken file in human format with `args` and `env` set (and the colour variables of the
/// test's own environment removed); `terminal`: stdout is a pseudo-terminal, not a pipe.
/// Whether the output was coloured.
fn colored(args: &[&str], env: &[(&str, &str)], terminal: bool) -> bool {
    use std::io::Read;
    use std::os::fd::{FromRawFd, OwnedFd};
    use std::process::{Command, Stdio};
    let dir = temp_dir(&format!("color-{}-{terminal}", env.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(",")));
    std::fs::write(dir.join("r.yml"), BROKEN_RULE).unwrap();
    let mut command = Command::new(env!("CARGO_BIN_EXE_promaudit"));
    command.args(["check", dir.to_str().unwrap()]).args(args).env_remove("NO_COLOR").env_remove("CLICOLOR_FORCE").env("TERM", "xterm-256color").envs(env.iter().copied()).stderr(Stdio::null());
    let stdout = if terminal {
        let (mut leader, mut follower) = (0, 0);
        // SAFETY: openpty writes two new descriptors, each owned by exactly one value below.
        assert_eq!(unsafe { libc::openpty(&mut leader, &mut follower, std::ptr::null_mut(), std::ptr::null(), std::ptr::null()) }, 0);
        let (leader, follower) = unsafe { (std::fs::File::from_raw_fd(leader), OwnedFd::from_raw_fd(follower)) };
        command.stdout(Stdio::from(follower));
        let mut child = command.spawn().unwrap();
        drop(command);
        let mut bytes = Vec::new();
        // The read ends in EIO once the child closes the terminal; what was read is kept.
        let _ = (&leader).read_to_end(&mut bytes);
        child.wait().unwrap();
        bytes
    } else {
        command.output().unwrap().stdout
    };
    assert!(String::from_utf8_lossy(&stdout).contains("promql/syntax"), "{}", String::from_utf8_lossy(&stdout));
    stdout.contains(&0x1b)
}

#[test]
fn colour_follows_no_color_clicolor_force_and_term() {
    assert!(colored(&[], &[], true), "a terminal gets colour");
    assert!(!colored(&[], &[], false), "a pipe does not");
    assert!(!colored(&[], &[("NO_COLOR", "1")], true));
    assert!(colored(&[], &[("NO_COLOR", "")], true), "an empty NO_COLOR is not set");
    assert!(!colored(&[], &[("TERM", "dumb")], true));
    assert!(colored(&[], &[("CLICOLOR_FORCE", "1")], false));
    assert!(!colored(&[], &[("CLICOLOR_FORCE", "0")], false));
    assert!(!colored(&[], &[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")], false), "NO_COLOR wins");
    assert!(colored(&[], &[("CLICOLOR_FORCE", "1"), ("TERM", "dumb")], false), "forced, whatever the terminal");
    assert!(!colored(&["--color", "never"], &[("CLICOLOR_FORCE", "1")], true), "the flag wins");
    assert!(colored(&["--color", "always"], &[("NO_COLOR", "1")], false), "the flag wins");
}

#[test]
fn promql_fences_in_markdown_are_checked_at_their_tokens() {
    let dir = temp_dir("promql-fences");
    let guide = "# Runbook\n\nThe error ratio:\n\n```promql\n# errors over all requests\nsum(rate(http_requests_total{code=~\"5..\"}[5m]))\n/\nsum(rate(http_requests_total[5m]))\n```\n\n1. Then watch:\n\n   ```PromQL\n   up{job=\"node\"}\n   rate(node_cpu_seconds_total{mode=\"idle\"}[$__rate_interval])\n   sum(rate(x{a=\"é\", code=}[5m]))\n   rate(node_memory_MemAvailable_bytes[5m])\n   ```\n";
    std::fs::write(dir.join("runbook.md"), guide).unwrap();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_promaudit")).args(["check", "--format", "short", "runbook.md"]).current_dir(&dir).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    // The syntax error at the `}` after `code=` (line 17), the gauge read by `rate` at `rate`
    // (line 18); the other four expressions are sound.
    insta::assert_snapshot!(String::from_utf8(output.stdout).unwrap());
}

#[test]
fn a_misspelt_groups_key_fails_the_rule_file_as_promtool_does() {
    let dir = temp_dir("misspelt-groups");
    std::fs::write(dir.join("alerts.yml"), "# team alerts\ngroup:\n  - name: a\n    rules:\n      - alert: Busy\n        expr: sum(rate(x{code=}[5m]))\n").unwrap();
    // A `group:` that is no rule file's stays a note.
    std::fs::write(dir.join("inventory.yml"), "group: wheel\nmembers: [alice]\n").unwrap();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_promaudit")).args(["check", "--format", "short", "--fail-on", "error", "."]).current_dir(&dir).output().unwrap();
    assert_eq!(output.status.code(), Some(1), "{}", String::from_utf8_lossy(&output.stderr));
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(stdout.contains("alerts.yml:2:1: error[rulefmt/unknown-field] unknown field `group` in rule file; Prometheus rejects the file\n"), "{stdout}");
    assert!(stdout.contains("alerts.yml:6:31: error[promql/syntax]"), "its rules are checked still: {stdout}");
    assert!(stdout.contains("inventory.yml:1:1: info[source/skipped]"), "{stdout}");
}
