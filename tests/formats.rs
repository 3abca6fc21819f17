//! The machine-readable output formats, through the binary: SARIF valid against the official
//! 2.1.0 schema, and the CI formats on a real run.

mod common;

use common::{promaudit, repo, temp_dir};
use std::process::Command;

fn sarif_schema() -> jsonschema::Validator {
    let text = std::fs::read_to_string(repo().join("fixtures/schemas/sarif-schema-2.1.0.json")).unwrap();
    jsonschema::validator_for(&serde_json::from_str(&text).unwrap()).expect("the SARIF schema compiles")
}

#[test]
fn sarif_output_is_valid_sarif_2_1_0_with_every_finding() {
    let paths = [repo().join("fixtures/bad-input"), repo().join("fixtures/seed")];
    let paths: Vec<&str> = paths.iter().map(|p| p.to_str().unwrap()).collect();
    let sarif = promaudit(&[&["check", "--format", "sarif", "--catalog", repo().join("fixtures/catalog").to_str().unwrap()], &paths[..]].concat());
    let document: serde_json::Value = serde_json::from_slice(&sarif.stdout).expect("SARIF is one JSON document");
    let errors: Vec<String> = sarif_schema().iter_errors(&document).map(|e| format!("{} at {}", e, e.instance_path)).collect();
    assert!(errors.is_empty(), "{errors:#?}");

    let json = promaudit(&[&["check", "--format", "json", "--catalog", repo().join("fixtures/catalog").to_str().unwrap()], &paths[..]].concat());
    let json: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    let run = &document["runs"][0];
    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), json["diagnostics"].as_array().unwrap().len());
    assert!(results.len() > 20, "the seed and the bad inputs have findings");
    // Every result names a rule of the driver by index, and the seed's inverted SLI is there.
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    for result in results {
        assert_eq!(rules[result["ruleIndex"].as_u64().unwrap() as usize]["id"], result["ruleId"]);
    }
    let inverted = results.iter().find(|r| r["ruleId"] == "slo/inverted-sli").expect("the seed's inverted SLI");
    assert_eq!(inverted["locations"][0]["physicalLocation"]["region"]["startLine"], 866);
    let fingerprints: std::collections::HashSet<&str> = results.iter().map(|r| r["partialFingerprints"]["promaudit/v1"].as_str().unwrap()).collect();
    assert_eq!(fingerprints.len(), results.len(), "code scanning merges results that share a fingerprint");
    assert!(rules.iter().all(|r| r["helpUri"].as_str().unwrap().ends_with(&format!("docs/rules/{}.md", r["id"].as_str().unwrap()))));
    assert_eq!(sarif.status.code(), Some(1));
}

#[test]
fn sarif_is_written_when_the_run_fails_saying_why() {
    let dir = temp_dir("sarif-failure");
    std::fs::write(dir.join("alerts.yml"), "groups:\n- name: a\n  rules:\n  - alert: Flapping\n    expr: irate(node_cpu_seconds_total[5m]) > 1\n").unwrap();
    let sarif = |args: &[&str]| {
        let output = Command::new(env!("CARGO_BIN_EXE_promaudit")).args([&["check", "--format", "sarif"], args, &["alerts.yml"]].concat()).current_dir(&dir).output().unwrap();
        let document: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| panic!("{args:?}: no SARIF document ({e})"));
        let errors: Vec<String> = sarif_schema().iter_errors(&document).map(|e| format!("{} at {}", e, e.instance_path)).collect();
        assert!(errors.is_empty(), "{args:?}: {errors:#?}");
        (output.status.code(), document["runs"][0].clone())
    };
    let notifications = |run: &serde_json::Value| run["invocations"][0]["toolExecutionNotifications"].as_array().unwrap().iter().map(|n| format!("{}: {}", n["level"].as_str().unwrap(), n["message"]["text"].as_str().unwrap())).collect::<Vec<_>>();

    let (status, run) = sarif(&[]);
    assert_eq!((status, &run["invocations"][0]["executionSuccessful"], &run["invocations"][0]["exitCode"]), (Some(0), &true.into(), &0.into()));
    assert!(notifications(&run).is_empty() && !run["results"].as_array().unwrap().is_empty());

    // Stopped before checking anything: a missing baseline.
    let (status, run) = sarif(&["--baseline", "missing-baseline.json"]);
    assert_eq!((status, &run["invocations"][0]["executionSuccessful"], &run["invocations"][0]["exitCode"]), (Some(2), &false.into(), &2.into()));
    assert!(run["results"].as_array().unwrap().is_empty());
    assert_eq!(notifications(&run), ["error: cannot read the baseline missing-baseline.json: No such file or directory (os error 2)"]);

    // Stopped before checking anything: --changed-since outside a git repository.
    let (status, run) = sarif(&["--changed-since", "HEAD"]);
    assert_eq!((status, &run["invocations"][0]["executionSuccessful"]), (Some(2), &false.into()));
    assert!(notifications(&run)[0].starts_with("error: --changed-since needs a git repository"), "{:?}", notifications(&run));

    // Checked, but without a catalog it was asked to read.
    let (status, run) = sarif(&["--catalog", "missing-catalog.prom"]);
    assert_eq!((status, &run["invocations"][0]["executionSuccessful"]), (Some(2), &false.into()));
    assert!(!run["results"].as_array().unwrap().is_empty(), "the files are still checked");
    assert!(notifications(&run)[0].starts_with("error: catalog missing-catalog.prom"), "{:?}", notifications(&run));

    // A configuration with errors: each one, with its position.
    std::fs::write(dir.join(".promaudit.yaml"), "fail_on: sometimes\n").unwrap();
    let (status, run) = sarif(&[]);
    assert_eq!((status, &run["invocations"][0]["executionSuccessful"]), (Some(2), &false.into()));
    let config = dir.join(".promaudit.yaml").display().to_string();
    assert_eq!(notifications(&run), [format!("error: {config} has 1 error; nothing was checked\n{config}:1:10: error[config/invalid] expected `error`, `warning` or `info`")]);
}

/// Each result's `partialFingerprints`, in order.
fn sarif_fingerprints(dir: &std::path::Path, path: &str) -> Vec<String> {
    let output = Command::new(env!("CARGO_BIN_EXE_promaudit")).args(["check", "--format", "sarif", path]).current_dir(dir).output().unwrap();
    let sarif: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    sarif["runs"][0]["results"].as_array().unwrap().iter().map(|r| r["partialFingerprints"]["promaudit/v1"].as_str().unwrap().to_string()).collect()
}

#[test]
fn identical_findings_have_distinct_fingerprints_that_survive_edits_above() {
    let dir = temp_dir("fingerprints");
    let panel = "{\"type\": \"graph\", \"title\": \"Load\", \"targets\": [{\"expr\": \"node_load1\"}]}";
    let dashboard = |header: &str| format!("{{{header}\"panels\": [\n{panel},\n{panel},\n{panel}\n]}}\n");
    std::fs::write(dir.join("d.json"), dashboard("")).unwrap();
    let first = sarif_fingerprints(&dir, "d.json");
    assert_eq!(first.len(), 3, "a deprecated `graph` panel each: {first:?}");
    assert_eq!(first.iter().collect::<std::collections::HashSet<_>>().len(), 3, "{first:?}");
    assert_eq!(first, sarif_fingerprints(&dir, "d.json"), "the same on every run");
    std::fs::write(dir.join("d.json"), dashboard("\n\"title\": \"Nodes\",\n\"editable\": true,\n")).unwrap();
    assert_eq!(first, sarif_fingerprints(&dir, "d.json"), "lines added above change no fingerprint");
}

#[test]
fn junit_fails_only_what_fail_on_fails() {
    let dir = temp_dir("junit-fail-on");
    let alert = |name: &str, expr: &str| format!("  - alert: {name}\n    expr: {expr}\n    labels: {{severity: page}}\n    annotations: {{summary: s}}\n");
    let rules = format!("groups:\n- name: a\n  rules:\n{}{}", alert("Busy", "rate(node_memory_MemAvailable_bytes[5m]) > 100"), alert("Flapping", "irate(node_cpu_seconds_total[5m]) > 1"));
    std::fs::write(dir.join("alerts.yml"), rules).unwrap();
    let run = |fail_on: &[&str]| {
        let output = Command::new(env!("CARGO_BIN_EXE_promaudit")).args([&["check", "--format", "junit", "alerts.yml"], fail_on].concat()).current_dir(&dir).output().unwrap();
        format!("{fail_on:?} exits {:?}:\n{}", output.status.code(), String::from_utf8(output.stdout).unwrap())
    };
    // A warning and an info: the default fails the warning, `error` fails nothing, `info` both.
    insta::assert_snapshot!([run(&[]), run(&["--fail-on", "error"]), run(&["--fail-on", "info"])].join("\n"));
}

/// `promaudit check --format <format> <path>` run from `cwd`: its stdout.
fn report_from(cwd: &std::path::Path, format: &str, path: &str) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_promaudit")).args(["check", "--format", format, path]).current_dir(cwd).output().unwrap();
    String::from_utf8(output.stdout).unwrap()
}

#[test]
fn ci_reports_name_files_from_the_repository_root_whatever_the_working_directory() {
    let dir = temp_dir("report-root");
    let repo = dir.join("repo");
    std::fs::create_dir_all(repo.join("rules")).unwrap();
    std::fs::create_dir_all(repo.join("docs")).unwrap();
    assert!(Command::new("git").args(["init", "-q"]).current_dir(&repo).status().unwrap().success());
    std::fs::write(repo.join("rules/alerts.yml"), "groups:\n- name: a\n  rules:\n  - alert: Flapping\n    expr: irate(node_cpu_seconds_total[5m]) > 1\n").unwrap();
    let absolute = repo.join("rules").display().to_string();
    // The same files named from the root, from inside them, from a sibling, and from outside.
    let runs = [(repo.clone(), "rules"), (repo.join("rules"), "."), (repo.join("docs"), "../rules"), (dir.clone(), absolute.as_str())];
    for format in ["sarif", "github", "checkstyle", "junit"] {
        let reports: Vec<String> = runs.iter().map(|(cwd, path)| report_from(cwd, format, path)).collect();
        assert!(reports[0].contains("rules/alerts.yml") && !reports[0].contains("../") && !reports[0].contains(&absolute), "{format}: {}", reports[0]);
        for (report, (cwd, path)) in reports.iter().zip(&runs).skip(1) {
            assert_eq!(report, &reports[0], "{format} run from {} on {path}", cwd.display());
        }
    }
    let sarif: serde_json::Value = serde_json::from_str(&report_from(&repo.join("docs"), "sarif", "../rules")).unwrap();
    assert_eq!(sarif["runs"][0]["originalUriBaseIds"]["%SRCROOT%"]["uri"], format!("file://{}/", repo.display()));
    assert_eq!(sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"], "rules/alerts.yml");
    // On the terminal, paths stay as given: they resolve against the working directory.
    assert!(report_from(&repo.join("docs"), "short", "../rules").starts_with("../rules/alerts.yml:4:12: "));
    // Outside git, the directory of `.promaudit.yaml` is the root.
    std::fs::remove_dir_all(repo.join(".git")).unwrap();
    std::fs::write(repo.join(".promaudit.yaml"), "fail_on: error\n").unwrap();
    assert!(report_from(&repo.join("docs"), "github", "../rules").contains("file=rules/alerts.yml,"));
}

#[test]
fn ci_formats_on_a_real_run() {
    let dir = temp_dir("formats");
    std::fs::create_dir_all(dir.join("rules")).unwrap();
    std::fs::write(dir.join("rules/alerts.yml"), "groups:\n- name: a\n  rules:\n  - alert: Busy\n    expr: rate(node_memory_MemAvailable_bytes[5m]) > 100\n    labels: {severity: page}\n    annotations: {summary: busy}\n").unwrap();
    std::fs::write(dir.join("rules/clean.yml"), "groups:\n- name: b\n  rules:\n  - alert: Down\n    expr: up == 0\n    labels: {severity: page}\n    annotations: {summary: down}\n").unwrap();
    let run = |format: &str| {
        let output = Command::new(env!("CARGO_BIN_EXE_promaudit")).args(["check", "--format", format, "rules"]).current_dir(&dir).output().unwrap();
        assert_eq!(output.status.code(), Some(1), "{format}");
        String::from_utf8(output.stdout).unwrap()
    };
    insta::assert_snapshot!(format!("{}\n{}\n{}", run("github"), run("checkstyle"), run("junit")));
    // SARIF: relative URIs under %SRCROOT%, which is the working directory.
    let sarif: serde_json::Value = serde_json::from_str(&run("sarif")).unwrap();
    let run = &sarif["runs"][0];
    let root = format!("file://{}/", dir.display());
    assert_eq!(run["originalUriBaseIds"]["%SRCROOT%"]["uri"], root.as_str());
    // The rule's index moves as rules are added: checked here, left out of the snapshot.
    let mut results = run["results"].clone();
    for result in results.as_array_mut().unwrap() {
        let index = result.as_object_mut().unwrap().remove("ruleIndex").unwrap().as_u64().unwrap() as usize;
        assert_eq!(run["tool"]["driver"]["rules"][index]["id"], result["ruleId"]);
    }
    insta::assert_snapshot!("sarif_results", serde_json::to_string_pretty(&results).unwrap());
}
