//! The reduced false positives in fixtures/precision/false-positives/: each is a correct file on
//! which promaudit once reported a problem (the README there says why each is wrong). Checked as
//! `promaudit check` is run on them: the case's files together, its `cat/` or `catalog/` folder
//! as `--catalog`. None may have a finding at warning or error.

mod common;

use common::{promaudit, repo};
use std::path::PathBuf;

/// The findings at warning or error on one false-positive case, one
/// `file:line:col: severity[code] message` line each.
fn alarms(name: &str) -> Vec<String> {
    alarms_in("false-positives", name)
}

/// The findings at warning or error on the case `name` of fixtures/precision/`group`/.
fn alarms_in(group: &str, name: &str) -> Vec<String> {
    let dir = repo().join("fixtures/precision").join(group).join(name);
    let mut entries: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    let is_catalog = |p: &PathBuf| {
        p.is_dir()
            && matches!(
                p.file_name().and_then(|n| n.to_str()),
                Some("cat" | "catalog")
            )
    };
    let mut args: Vec<String> = vec![
        "check".into(),
        "--format".into(),
        "short".into(),
        "--fail-on".into(),
        "error".into(),
    ];
    for path in &entries {
        if is_catalog(path) {
            args.extend(["--catalog".into(), path.display().to_string()]);
        } else {
            args.push(path.display().to_string());
        }
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    alarms_of(&args)
}

/// The findings at warning or error of `promaudit` run with `args` (which ask for `--format short`).
fn alarms_of(args: &[&str]) -> Vec<String> {
    let output = promaudit(args);
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    stdout
        .lines()
        .filter(|l| l.contains(": warning[") || l.contains(": error["))
        .map(str::to_string)
        .collect()
}

/// Asserts that `found` holds exactly the findings `expected` lists, in order: each a position
/// with severity and code, and words of its message.
fn assert_findings(found: &[String], expected: &[(&str, &str)]) {
    assert_eq!(found.len(), expected.len(), "{found:#?}");
    for (line, (at, says)) in found.iter().zip(expected) {
        assert!(
            line.contains(at) && line.contains(says),
            "expected {at} … {says}, found {line}"
        );
    }
}

/// The one case whose right answer is a finding: the broken PromQL panel beside a LogQL panel
/// whose `line_format` template once made the whole dashboard skipped.
#[test]
fn grafana_logql_line_format_skips_dashboard() {
    let found = alarms("grafana-logql-line-format-skips-dashboard");
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].contains("dashboard.json:6:") && found[0].contains("error[promql/syntax]"),
        "{found:?}"
    );
}

macro_rules! clean_cases {
    ($($test:ident => $case:literal,)*) => {$(
        #[test]
        fn $test() {
            let found = alarms($case);
            assert!(found.is_empty(), "{}: {} false alarms:\n{}", $case, found.len(), found.join("\n"));
        }
    )*};
}

clean_cases! {
    catalog_family_without_samples => "catalog-family-without-samples",
    catalog_target_labels_from_discovery => "catalog-target-labels-from-discovery",
    colon_in_exporter_metric => "colon-in-exporter-metric",
    conflicting_recording_disjoint_matchers => "conflicting-recording-disjoint-matchers",
    evaluation_order_long_window => "evaluation-order-long-window",
    external_labels_in_join => "external-labels-in-join",
    for_zero => "for-zero",
    grafana_comment_apostrophe => "grafana-comment-apostrophe",
    grafana_loki_datasource_variable => "grafana-loki-datasource-variable",
    grafana_operator_variable => "grafana-operator-variable",
    grafana_topk_by_variable => "grafana-topk-by-variable",
    grafana_variable_on_absent_label => "grafana-variable-on-absent-label",
    id_label_bounded_url => "id-label-bounded-url",
    join_label_absent_on_both_sides => "join-label-absent-on-both-sides",
    label_join_times_zero => "label-join-times-zero",
    le_normalised_by_prometheus_3 => "le-normalised-by-prometheus-3",
    link_speed_bytes_times_eight => "link-speed-bytes-times-eight",
    on_label_absent_on_both_sides => "on-label-absent-on-both-sides",
    panel_threshold_ascending_colours => "panel-threshold-ascending-colours",
    panel_threshold_style_off => "panel-threshold-style-off",
    template_range_query_dot => "template-range-query-dot",
    thanos_global_aggregation => "thanos-global-aggregation",
}

/// Every case directory has its test above.
#[test]
fn every_case_is_listed() {
    let source = std::fs::read_to_string(repo().join("tests/precision.rs")).unwrap();
    let dir = repo().join("fixtures/precision/false-positives");
    let missing: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| !source.contains(&format!("\"{name}\"")))
        .collect();
    assert!(missing.is_empty(), "cases without a test: {missing:?}");
}

/// Real defects once missed (fixtures/precision/missed/): the finding each must now have.
#[test]
fn rate_on_node_exporter_gauge() {
    let found = alarms_in("missed", "rate-on-node-exporter-gauge");
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].contains("warning[functions/rate-on-gauge]")
            && found[0].contains("node_memory_MemAvailable_bytes"),
        "{found:?}"
    );
}

#[test]
fn panel_units_without_catalog() {
    let found = alarms_in("missed", "panel-units-without-catalog");
    assert_eq!(found.len(), 2, "{found:?}");
    assert!(
        found[0].contains("d.json:2:")
            && found[0].contains("`ms`")
            && found[0].contains("in seconds"),
        "{found:?}"
    );
    assert!(
        found[1].contains("d.json:3:") && found[1].contains("`percent`"),
        "{found:?}"
    );
}

/// Right findings once worded wrong (fixtures/precision/messages/).
#[test]
fn unless_join_message() {
    let found = alarms_in("messages", "unless-join-message");
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].contains("error[join/missing-label]")
            && found[0].contains("the left-hand side passes unchanged")
            && !found[0].contains("always empty"),
        "{found:?}"
    );
}

/// The comment's apostrophe once opened a string that hid the query from the parser.
#[test]
fn grafana_comment_apostrophe_is_checked() {
    let dir = repo().join("fixtures/precision/false-positives/grafana-comment-apostrophe");
    let output = promaudit(&["check", "--format", "short", dir.to_str().unwrap()]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(!stdout.contains("promql/unsupported-syntax"), "{stdout}");
}

#[test]
fn missed_go_template_dot_field_skips_file() {
    let found = alarms_in("missed", "go-template-dot-field-skips-file");
    assert_eq!(found.len(), 2, "{found:?}");
    assert!(
        found[0].contains("rules.yaml:10:87: error[rulefmt/invalid-template]")
            && found[0].contains("`.labels`"),
        "{found:?}"
    );
    assert!(
        found[1].contains("rules.yaml:12:") && found[1].contains("error[promql/syntax]"),
        "{found:?}"
    );
}

#[test]
fn missed_static_label_in_annotation() {
    let found = alarms_in("missed", "static-label-in-annotation");
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].contains("rules.yaml:11:58: warning[alerts/template-label]")
            && found[0].contains("`stage` is only a static label"),
        "{found:?}"
    );
}

/// The assorted missed defects of rules.yaml. The case's catalog applies to both files, so the
/// selectors it does not list (`errs_total`, `queue_depth`, …) are rightly reported as unknown:
/// left aside.
#[test]
fn missed_assorted() {
    let found: Vec<String> = alarms_in("missed", "assorted")
        .into_iter()
        .filter(|l| l.contains("/rules.yaml:") && !l.contains("[catalog/unknown-metric]"))
        .collect();
    let expected = [
        (
            "rules.yaml:5:13: warning[units/record-name]",
            "`DCGM_FI_DEV_FB_TOTAL` is in MiB",
        ),
        (
            "rules.yaml:7:13: warning[units/record-name]",
            "`DCGM_FI_DEV_MEM_COPY_UTIL` is a percentage (0-100)",
        ),
        (
            "rules.yaml:9:13: warning[units/record-name]",
            "`DCGM_FI_DEV_SM_CLOCK` is in MHz",
        ),
        (
            "rules.yaml:12:13: warning[naming/misspelt-unit]",
            "misspells `celsius` as `celcius`",
        ),
        (
            "rules.yaml:19:42: warning[alerts/template-label]",
            "drops `job`",
        ),
        (
            "rules.yaml:25:42: warning[alerts/template-label]",
            "drops `job`",
        ),
        (
            "rules.yaml:28:30: error[join/disjoint-labels]",
            "the left-hand side always has `instance`, `job` and the right-hand side has no labels",
        ),
        (
            "rules.yaml:34:31: error[alerts/constant-result]",
            "always fires",
        ),
        (
            "rules.yaml:40:59: error[alerts/constant-result]",
            "`vector(0) > 0` compares two constants and is always false",
        ),
        (
            "rules.yaml:47:13: warning[rulefmt/duplicate-rule]",
            "`job:up:sum` repeats an earlier rule",
        ),
    ];
    assert_findings(&found, &expected);
}

/// The assorted missed defects that need the case's catalog: its types and its samples' labels.
#[test]
fn missed_assorted_with_catalog() {
    let dir = repo().join("fixtures/precision/missed/assorted");
    let (rules, catalog) = (dir.join("with-catalog.yaml"), dir.join("catalog"));
    let (rules, catalog) = (rules.to_str().unwrap(), catalog.to_str().unwrap());
    let found = alarms_of(&["check", "--format", "short", "--catalog", catalog, rules]);
    let expected = [
        (
            "with-catalog.yaml:5:15: warning[functions/raw-counter]",
            "`sum` of its raw totals grows with uptime and drops at every restart",
        ),
        (
            "with-catalog.yaml:10:11: warning[functions/delta-on-counter]",
            "`http_requests_total` is a counter",
        ),
        (
            "with-catalog.yaml:15:26: error[join/disjoint-labels]",
            "the left-hand side always has `extra` and the right-hand side never does",
        ),
    ];
    assert_findings(&found, &expected);
    let human = promaudit(&["check", "--catalog", catalog, rules]);
    let human = String::from_utf8_lossy(&human.stdout);
    assert!(
        human.contains("note: every sample of `foo_with_extra` in the catalog")
            && human.contains("`bar` has no `extra` label on any sample in the catalog"),
        "{human}"
    );
}
