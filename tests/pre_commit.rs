//! The pre-commit hook definition in `.pre-commit-hooks.yaml`, run as pre-commit runs it: its
//! `entry` with the hook's `args`, in the repository, when a file matching `files` is staged.

mod common;

use common::{repo, temp_dir};
use std::path::Path;
use std::process::Command;

/// The one hook's `entry`, `files` and `pass_filenames`, read from the definition as text
/// (the test does not need a YAML library for three flat keys).
fn hook() -> (Vec<String>, regex::Regex, bool) {
    let text = std::fs::read_to_string(repo().join(".pre-commit-hooks.yaml")).unwrap();
    let value = |key: &str| text.lines().find_map(|line| line.trim_start_matches("- ").trim().strip_prefix(&format!("{key}: "))).unwrap_or_else(|| panic!("the hook sets `{key}`")).to_string();
    assert_eq!(value("id"), "promaudit");
    let entry = value("entry").split_whitespace().map(String::from).collect();
    (entry, regex::Regex::new(&value("files")).unwrap(), value("pass_filenames") == "true")
}

fn git(dir: &Path, args: &[&str]) {
    let status = Command::new("git").arg("-C").arg(dir).args(["-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false"]).args(args).status().unwrap();
    assert!(status.success());
}

#[test]
fn the_hook_stops_a_commit_that_breaks_a_rule_file() {
    let (entry, files, pass_filenames) = hook();
    assert_eq!(entry[0], "promaudit", "the entry runs the installed binary");
    assert!(!pass_filenames, "the hook checks the change against the whole repository, not the staged files alone");
    for name in ["rules/a.yml", "alerts.yaml", "dashboards/d.json", "runbook.md", "x.rules", "metrics.prom"] {
        assert!(files.is_match(name), "{name}");
    }
    assert!(!files.is_match("main.rs"));

    let dir = temp_dir("pre-commit");
    git(&dir, &["init", "-q", "-b", "main"]);
    std::fs::write(dir.join("alerts.yml"), "groups:\n- name: a\n  rules:\n  - alert: Down\n    expr: up == 0\n    labels: {severity: page}\n    annotations: {summary: down}\n").unwrap();
    git(&dir, &["add", "."]);
    git(&dir, &["commit", "-q", "-m", "first"]);
    let run = || Command::new(env!("CARGO_BIN_EXE_promaudit")).args(&entry[1..]).current_dir(&dir).output().unwrap();
    assert_eq!(run().status.code(), Some(0), "a clean repository passes");

    std::fs::write(dir.join("alerts.yml"), "groups:\n- name: a\n  rules:\n  - alert: Down\n    expr: up ==\n    labels: {severity: page}\n    annotations: {summary: down}\n").unwrap();
    git(&dir, &["add", "alerts.yml"]);
    let output = run();
    assert_eq!(output.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.starts_with("alerts.yml:5:") && stdout.contains("error[promql/syntax]"), "{stdout}");
}
