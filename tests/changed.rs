//! `promaudit check --changed-since REV` in a real git repository built for each test.

mod common;

use common::{promaudit, temp_dir};
use std::path::Path;
use std::process::Command;

const RECORDING: &str = "groups:\n- name: recording\n  rules:\n  - record: job:http_errors:ratio_rate5m\n    expr: sum by (job) (rate(http_errors_total[5m])) / sum by (job) (rate(http_requests_total[5m]))\n";
const RENAMED: &str = "groups:\n- name: recording\n  rules:\n  - record: job:http_request_errors:ratio_rate5m\n    expr: sum by (job) (rate(http_errors_total[5m])) / sum by (job) (rate(http_requests_total[5m]))\n";
/// Reads the recorded series, and has an old finding of its own (`irate` in an alert).
const ALERTS: &str = "groups:\n- name: http\n  rules:\n  - alert: HighErrorRate\n    expr: job:http_errors:ratio_rate5m > 0.05\n    for: 10m\n    labels: {severity: page}\n    annotations: {summary: errors}\n  - alert: Spiky\n    expr: irate(http_requests_total[5m]) > 100\n    labels: {severity: page}\n    annotations: {summary: spiky}\n";
const OTHER: &str = "groups:\n- name: other\n  rules:\n  - alert: Spiky\n    expr: irate(http_requests_total[5m]) > 100\n    labels: {severity: page}\n    annotations: {summary: spiky}\n";

fn git(dir: &Path, args: &[&str]) {
    let status = Command::new("git").arg("-C").arg(dir).args(["-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false"]).args(args).status().expect("git runs");
    assert!(status.success(), "git {args:?}");
}

/// A repository whose first commit holds the recording rule, its reader and an unrelated file.
fn repository(name: &str) -> std::path::PathBuf {
    let dir = temp_dir(name);
    git(&dir, &["init", "-q", "-b", "main"]);
    std::fs::create_dir_all(dir.join("rules")).unwrap();
    std::fs::write(dir.join("rules/recording.yml"), RECORDING).unwrap();
    std::fs::write(dir.join("rules/alerts.yml"), ALERTS).unwrap();
    std::fs::write(dir.join("rules/other.yml"), OTHER).unwrap();
    git(&dir, &["add", "."]);
    git(&dir, &["commit", "-q", "-m", "first"]);
    dir
}

/// File name, code, line and column of a finding.
type Finding = (String, String, u64, u64);

/// The exit status, and every finding at warning level or above.
fn findings(dir: &Path, rev: &str) -> (Option<i32>, Vec<Finding>) {
    let output = promaudit(&["check", "--format", "json", "--changed-since", rev, dir.to_str().unwrap()]);
    let document: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap_or_else(|_| panic!("JSON on stdout; stderr: {}", String::from_utf8_lossy(&output.stderr)));
    let mut found: Vec<_> = document["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["severity"] != "info")
        .map(|d| {
            let file = Path::new(d["file"].as_str().unwrap()).file_name().unwrap().to_string_lossy().into_owned();
            (file, d["code"].as_str().unwrap().to_string(), d["line"].as_u64().unwrap(), d["column"].as_u64().unwrap())
        })
        .collect();
    found.sort();
    (output.status.code(), found)
}

#[test]
fn nothing_changed_nothing_checked() {
    let dir = repository("changed-none");
    assert_eq!(findings(&dir, "HEAD"), (Some(0), vec![]));
}

#[test]
fn a_removed_recording_rule_is_found_where_untouched_files_read_it() {
    let dir = repository("changed-rename");
    std::fs::write(dir.join("rules/recording.yml"), RENAMED).unwrap();
    // An untracked file is part of the change too.
    std::fs::write(dir.join("rules/new.yml"), "groups:\n- name: new\n  rules:\n  - alert: Broken\n    expr: sum(rate(x{code=}[5m])) > 1\n").unwrap();
    let (status, found) = findings(&dir, "HEAD");
    assert_eq!(status, Some(1));
    // alerts.yml is untouched: only the broken read is reported, not its old `irate` finding,
    // and other.yml (untouched, reading nothing removed) is not checked at all.
    assert_eq!(
        found,
        vec![
            ("alerts.yml".to_string(), "graph/removed-recording-rule".to_string(), 5, 11),
            ("new.yml".to_string(), "promql/syntax".to_string(), 5, 27),
        ]
    );
}

#[test]
fn a_committed_change_is_compared_with_the_older_revision() {
    let dir = repository("changed-committed");
    std::fs::remove_file(dir.join("rules/recording.yml")).unwrap();
    git(&dir, &["commit", "-q", "-a", "-m", "drop the recording rule"]);
    let (status, found) = findings(&dir, "HEAD~1");
    assert_eq!(status, Some(1));
    assert_eq!(found, vec![("alerts.yml".to_string(), "graph/removed-recording-rule".to_string(), 5, 11)]);
    // Against the newest commit, nothing changed.
    assert_eq!(findings(&dir, "HEAD"), (Some(0), vec![]));
}

#[test]
fn a_revision_that_does_not_exist_is_a_usage_error() {
    let dir = repository("changed-bad-rev");
    let output = promaudit(&["check", "--changed-since", "no-such-branch", dir.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("`no-such-branch` is not a commit"), "{}", String::from_utf8_lossy(&output.stderr));
    let outside = temp_dir("changed-no-repo");
    let output = promaudit(&["check", "--changed-since", "HEAD", outside.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("needs a git repository"), "{}", String::from_utf8_lossy(&output.stderr));
}
