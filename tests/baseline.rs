//! Baselines, through the binary: adopting promaudit on the whole third-party corpus, and
//! matching findings by content so that edits elsewhere do not resurface them.

mod common;

use common::{promaudit, repo, temp_dir};
use std::path::{Path, PathBuf};
use std::process::Command;

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

fn findings(output: &std::process::Output) -> Vec<(String, String, u64)> {
    let document: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap_or_else(|_| panic!("JSON; stderr: {}", String::from_utf8_lossy(&output.stderr)));
    document["diagnostics"].as_array().unwrap().iter().map(|d| (d["file"].as_str().unwrap().to_string(), d["code"].as_str().unwrap().to_string(), d["line"].as_u64().unwrap())).collect()
}

fn baseline_run(dir: &Path, baseline: &Path, write: bool) -> std::process::Output {
    let flag = if write { "--write-baseline" } else { "--baseline" };
    promaudit(&["check", "--format", "json", "--fail-on", "info", flag, baseline.to_str().unwrap(), dir.to_str().unwrap()])
}

#[test]
fn adopting_on_the_whole_corpus_then_one_planted_defect() {
    let shared = std::env::var_os("PROMAUDIT_CORPUS").map(std::path::PathBuf::from).unwrap_or_else(|| repo().join("../shared/corpus"));
    if !shared.is_dir() {
        println!("baseline on the corpus: skipped, no corpus at {}; set PROMAUDIT_CORPUS", shared.display());
        return;
    }
    let dir = temp_dir("baseline-corpus");
    let corpus = dir.join("corpus");
    copy_dir(&shared, &corpus);
    let baseline = dir.join("promaudit-baseline.json");
    let written = baseline_run(&corpus, &baseline, true);
    assert_eq!(written.status.code(), Some(0), "{}", String::from_utf8_lossy(&written.stderr));
    let recorded = findings(&written).len();
    assert!(recorded > 100, "the corpus has known findings to baseline, got {recorded}");

    let unchanged = baseline_run(&corpus, &baseline, false);
    assert_eq!((unchanged.status.code(), findings(&unchanged)), (Some(0), vec![]), "{}", String::from_utf8_lossy(&unchanged.stderr));
    let summary: serde_json::Value = serde_json::from_slice(&unchanged.stdout).unwrap();
    assert_eq!(summary["summary"]["baselined"], recorded as u64);

    // One new defect: an alert on a rate below zero, which never fires, appended to a real file.
    let target = corpus.join("awesome-prometheus-alerts/dist/rules/host-and-hardware/node-exporter.yml");
    let mut text = std::fs::read_to_string(&target).unwrap();
    text.push_str("    - alert: PlantedDefect\n      expr: sum(rate(node_network_receive_bytes_total[5m])) < 0\n      labels: {severity: warning}\n      annotations: {summary: planted}\n");
    std::fs::write(&target, &text).unwrap();
    let planted = baseline_run(&corpus, &baseline, false);
    let line = text.lines().count() as u64 - 2;
    assert_eq!(planted.status.code(), Some(1));
    assert_eq!(findings(&planted), vec![(target.display().to_string(), "thresholds/out-of-range".to_string(), line)]);
}

const ALERTS: &str = "groups:\n- name: a\n  rules:\n  - alert: Busy\n    expr: topk(3, rate(x_total[5m])) > 100\n    labels: {severity: page}\n    annotations: {summary: busy}\n";

fn project(name: &str) -> (PathBuf, PathBuf) {
    let dir = temp_dir(name);
    std::fs::create_dir_all(dir.join("rules")).unwrap();
    std::fs::write(dir.join("rules/alerts.yml"), ALERTS).unwrap();
    let baseline = dir.join("baseline.json");
    assert_eq!(baseline_run(&dir.join("rules"), &baseline, true).status.code(), Some(0));
    (dir, baseline)
}

#[test]
fn edits_above_a_finding_do_not_resurface_it_but_a_second_copy_is_new() {
    let (dir, baseline) = project("baseline-edits");
    let file = dir.join("rules/alerts.yml");
    std::fs::write(&file, format!("# owned by the API team\n\n{ALERTS}")).unwrap();
    let moved = baseline_run(&dir.join("rules"), &baseline, false);
    assert_eq!((moved.status.code(), findings(&moved)), (Some(0), vec![]));

    let copy = "  - alert: Busy\n    expr: topk(3, rate(x_total[5m])) > 100\n    labels: {severity: page}\n    annotations: {summary: busy}\n";
    std::fs::write(&file, format!("{ALERTS}{copy}")).unwrap();
    let doubled = baseline_run(&dir.join("rules"), &baseline, false);
    assert_eq!(doubled.status.code(), Some(1));
    let codes: Vec<String> = findings(&doubled).into_iter().map(|(_, code, _)| code).collect();
    assert!(codes.contains(&"alerts/topk".to_string()), "{codes:?}");
}

#[test]
fn the_baseline_file_is_sorted_relative_and_checked() {
    let (dir, baseline) = project("baseline-file");
    let text = std::fs::read_to_string(&baseline).unwrap();
    let document: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(document["version"], 1);
    assert_eq!(document["findings"][0]["file"], "rules/alerts.yml", "paths are relative to the baseline's directory");
    // A fixed finding leaves an entry that matches nothing: reported, not failed.
    std::fs::write(dir.join("rules/alerts.yml"), "groups: []\n").unwrap();
    let fixed = baseline_run(&dir.join("rules"), &baseline, false);
    assert_eq!(fixed.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&fixed.stderr).contains("1 baseline entries matched nothing"), "{}", String::from_utf8_lossy(&fixed.stderr));
    // A broken baseline is a usage error with its position.
    std::fs::write(&baseline, "{\"version\": 1,\n \"findings\": [}\n").unwrap();
    let broken = baseline_run(&dir.join("rules"), &baseline, false);
    assert_eq!(broken.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&broken.stderr).contains("baseline.json:2:"), "{}", String::from_utf8_lossy(&broken.stderr));
}

#[test]
fn entries_for_files_not_checked_are_not_called_fixed() {
    let (dir, baseline) = project("baseline-unchecked");
    std::fs::write(dir.join("other.yml"), "groups: []\n").unwrap();
    let elsewhere = baseline_run(&dir.join("other.yml"), &baseline, false);
    let stderr = String::from_utf8_lossy(&elsewhere.stderr);
    assert_eq!(elsewhere.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("1 baseline entries are for files this run did not check"), "{stderr}");
    assert!(!stderr.contains("matched nothing"), "{stderr}");
}

#[test]
fn writing_a_baseline_of_only_the_changed_files_is_refused() {
    let (dir, baseline) = project("baseline-changed");
    let output = promaudit(&["check", "--changed-since", "HEAD", "--write-baseline", baseline.to_str().unwrap(), dir.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("cannot be used with"), "{}", String::from_utf8_lossy(&output.stderr));
}

#[test]
fn a_baseline_inside_the_checked_tree_is_not_checked_itself() {
    let dir = temp_dir("baseline-inside");
    std::fs::create_dir_all(dir.join("rules")).unwrap();
    std::fs::write(dir.join("rules/alerts.yml"), ALERTS).unwrap();
    // As the README's CI step runs it: from the repository's root, on `.`.
    let run = |flag: &str| Command::new(env!("CARGO_BIN_EXE_promaudit")).args(["check", "--format", "json", "--fail-on", "info", flag, "promaudit-baseline.json", "."]).current_dir(&dir).output().unwrap();
    assert_eq!(run("--write-baseline").status.code(), Some(0));
    let again = run("--baseline");
    assert_eq!((again.status.code(), findings(&again)), (Some(0), vec![]), "{}", String::from_utf8_lossy(&again.stderr));
}
