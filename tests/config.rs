//! `.promaudit.yaml` and inline suppressions, through the binary.

mod common;

use common::{promaudit, temp_dir};
use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::Path;
use std::process::{Command, Output};

const TOPK: &str = "groups:\n- name: a\n  rules:\n  - alert: Busy\n    expr: topk(3, rate(x_total[5m])) > 100\n    labels: {severity: page}\n    annotations: {summary: busy}\n";

fn codes(output: &Output) -> Vec<String> {
    let document: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap_or_else(|_| panic!("JSON on stdout; stderr: {}", String::from_utf8_lossy(&output.stderr)));
    document["diagnostics"].as_array().unwrap().iter().map(|d| format!("{}:{}:{}", d["code"].as_str().unwrap(), d["line"], d["column"])).collect()
}

fn check(args: &[&str]) -> Output {
    promaudit(&[&["check", "--format", "json"], args].concat())
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

#[test]
fn the_configuration_is_found_upward_up_to_the_repository_root() {
    let repo = temp_dir("config-discovery");
    std::fs::create_dir_all(repo.join(".git")).unwrap();
    write(&repo.join(".promaudit.yaml"), "rules:\n  alerts/topk: off\n");
    write(&repo.join("rules/deep/alerts.yml"), TOPK);
    let output = check(&[repo.join("rules/deep").to_str().unwrap()]);
    assert_eq!((output.status.code(), codes(&output)), (Some(0), vec![]));
    // Above the repository root it is not looked for.
    let outer = temp_dir("config-outer");
    write(&outer.join(".promaudit.yaml"), "rules:\n  alerts/topk: off\n");
    write(&outer.join("repo/.git/HEAD"), "ref: refs/heads/main\n");
    write(&outer.join("repo/alerts.yml"), TOPK);
    assert_eq!(codes(&check(&[outer.join("repo").to_str().unwrap()])), vec!["alerts/topk:5:11"]);
}

#[test]
fn per_path_overrides_fail_on_and_an_explicit_config() {
    let dir = temp_dir("config-overrides");
    let config = dir.join(".promaudit-ci.yaml");
    // Globs match paths relative to the configuration's directory.
    write(&config, "rules:\n  alerts/topk: info\noverrides:\n  - paths: [\"legacy/**\"]\n    rules: {alerts: off}\nfail_on: error\n");
    write(&dir.join("legacy/old/alerts.yml"), TOPK);
    write(&dir.join("new/alerts.yml"), TOPK);
    let output = check(&["--config", config.to_str().unwrap(), dir.to_str().unwrap()]);
    assert_eq!((output.status.code(), codes(&output)), (Some(0), vec!["alerts/topk:5:11".to_string()]), "info does not fail under fail_on: error");
    let document: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert!(document["diagnostics"][0]["file"].as_str().unwrap().ends_with("new/alerts.yml"));
    assert_eq!(check(&["--config", config.to_str().unwrap(), "--fail-on", "info", dir.to_str().unwrap()]).status.code(), Some(1), "the flag wins");
    // However the checked path is spelled, it is matched relative to the configuration.
    let from_elsewhere = Command::new(env!("CARGO_BIN_EXE_promaudit")).current_dir(dir.join("new")).args(["check", "--format", "json", "--config", config.to_str().unwrap(), "../legacy"]).output().unwrap();
    assert_eq!(codes(&from_elsewhere), Vec::<String>::new());
    let missing = promaudit(&["check", "--config", dir.join("nope.yaml").to_str().unwrap(), dir.to_str().unwrap()]);
    assert!(missing.status.code() == Some(2) && String::from_utf8_lossy(&missing.stderr).contains("cannot read the configuration"));
    // Without the configuration, both files report at the rule's own severity.
    assert_eq!(codes(&check(&[dir.to_str().unwrap()])).len(), 2);
}

#[test]
fn an_invalid_configuration_stops_the_run_with_positions_and_never_echoes_a_secret() {
    let dir = temp_dir("config-invalid");
    write(&dir.join(".promaudit.yaml"), "rules:\n  units/missmatch: off\nprometheus:\n  url: https://ops:hunter1@prometheus:9090\n  token: \"hunter2-do-not-print\"\n");
    write(&dir.join("alerts.yml"), TOPK);
    let output = promaudit(&["check", dir.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(output.stdout, b"", "nothing was checked");
    // Rendered like any finding: a snippet with a caret at the position, secrets masked in it.
    assert!(stderr.contains("error[config/invalid]: `units/missmatch` is not a rule code, family or category: did you mean `units/mismatch`?"), "{stderr}");
    assert!(stderr.contains(".promaudit.yaml:2:3") && stderr.contains(".promaudit.yaml:4:8") && stderr.contains(".promaudit.yaml:5:3"), "{stderr}");
    assert!(stderr.contains("token: **********************") && stderr.contains("https://ops:*******@prometheus"), "{stderr}");
    assert!(!stderr.contains("hunter"), "{stderr}");
    // Text that is not YAML cannot be searched for secrets: no line of it is shown.
    write(&dir.join(".promaudit.yaml"), "prometheus: {token: \"hunter2\"\n");
    let output = promaudit(&["check", dir.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.code() == Some(2) && stderr.contains("error[config/invalid] invalid YAML") && !stderr.contains("hunter2"), "{stderr}");
}

/// Answers one request with 401 and returns what it was sent.
fn unauthorized_server() -> (String, std::thread::JoinHandle<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
    let request = std::thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        let mut request = [0u8; 4096];
        let read = stream.read(&mut request).unwrap();
        let _ = stream.write_all(b"HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        String::from_utf8_lossy(&request[..read]).into_owned()
    });
    (url, request)
}

#[test]
fn a_token_from_the_environment_is_sent_and_never_appears_in_any_output() {
    let dir = temp_dir("config-token");
    write(&dir.join("alerts.yml"), TOPK);
    for format in ["human", "json", "short"] {
        let (url, request) = unauthorized_server();
        write(&dir.join(".promaudit.yaml"), &format!("prometheus:\n  url: {url}\n  token_env: TEAM_PROM_TOKEN\n  timeout: 5\n"));
        let output = Command::new(env!("CARGO_BIN_EXE_promaudit")).args(["check", "--trust-config", "--format", format, dir.to_str().unwrap()]).env("TEAM_PROM_TOKEN", "s3cr3t-token-value").output().unwrap();
        assert!(request.join().unwrap().to_ascii_lowercase().contains("authorization: bearer s3cr3t-token-value"), "the variable the configuration names is used");
        assert_eq!(output.status.code(), Some(2), "a server refusing the credentials is an I/O error");
        let all = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
        assert!(all.contains(&url), "{all}");
        assert!(!all.contains("s3cr3t"), "{all}");
    }
}

#[test]
fn suppressions_hide_findings_and_report_their_own_problems() {
    let dir = temp_dir("config-suppressions");
    let text = "groups:\n- name: a\n  rules:\n  # promaudit: ignore[alerts/topk] the three busiest tenants page by design\n  - alert: Busy\n    expr: topk(3, rate(x_total[5m])) > 100\n    labels: {severity: page}\n    annotations: {summary: busy}\n  # promaudit: ignore[units/mismatch] left over\n  - alert: Down\n    expr: up == 0\n    labels: {severity: page}\n    annotations: {summary: down}\n  # promaudit: ignore[alerts/topk]\n  - alert: Busier\n    expr: topk(3, rate(x_total[5m])) > 200\n    labels: {severity: page}\n    annotations: {summary: busy}\n";
    write(&dir.join("alerts.yml"), text);
    let output = check(&[dir.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(codes(&output), vec!["suppression/unused:9:23", "suppression/malformed:14:3", "alerts/topk:16:11"]);
}

/// A Prometheus per cluster and a Thanos ruler over them, as `.promaudit.yaml` names them: the
/// ruler sees each cluster's recorded series with its external labels, and nothing else.
#[test]
fn configured_servers_give_a_global_ruler_the_external_labels() {
    let repo = temp_dir("config-servers");
    std::fs::create_dir_all(repo.join(".git")).unwrap();
    let config = "servers:\n  - name: eu\n    paths: [clusters/*.yml]\n    external_labels: {cluster: eu}\n  - name: global\n    kind: thanos-ruler\n    paths: [global/*.yml]\n";
    write(&repo.join(".promaudit.yaml"), config);
    write(&repo.join("clusters/eu.yml"), "groups:\n- name: eu\n  rules:\n  - record: job:errors:rate5m\n    expr: sum by (job) (rate(errors_total[5m]))\n");
    let global = "groups:\n- name: global\n  rules:\n  - alert: Errors\n    expr: job:errors:rate5m > 1\n    labels: {severity: page}\n    annotations:\n      summary: '{{ $labels.cluster }} {{ $labels.region }}'\n";
    write(&repo.join("global/alerts.yml"), global);
    let output = check(&[repo.to_str().unwrap()]);
    assert_eq!(codes(&output), vec!["alerts/template-label:8:42"], "`cluster` is an external label of eu; `region` is on no series");
    // Unconfigured, the two files may run anywhere: the ruler's labels are unknown.
    std::fs::remove_file(repo.join(".promaudit.yaml")).unwrap();
    assert_eq!(codes(&check(&[repo.to_str().unwrap()])), Vec::<String>::new());
}

/// A prometheus.yml among the checked files names its rule files and external labels.
#[test]
fn a_prometheus_yml_ties_its_rule_files_to_one_server() {
    let repo = temp_dir("config-prometheus-yml");
    write(&repo.join("prometheus.yml"), "global:\n  external_labels: {cluster: eu}\nrule_files: [rules/*.yml]\nscrape_configs: []\n");
    write(&repo.join("rules/a.yml"), "groups:\n- name: a\n  rules:\n  - record: job:a:sum\n    expr: sum by (job) (job:b:sum)\n");
    write(&repo.join("rules/b.yml"), "groups:\n- name: b\n  rules:\n  - record: job:b:sum\n    expr: sum by (job) (job:a:sum)\n");
    let output = check(&["--fail-on", "error", repo.to_str().unwrap()]);
    let errors: Vec<String> = codes(&output).into_iter().filter(|c| c.starts_with("graph/cycle")).collect();
    assert_eq!(errors.len(), 2, "one server loads both files: the cycle is proven ({errors:?})");
    assert_eq!(output.status.code(), Some(1));
}

/// Bucket bounds follow the configured Prometheus version: 3 stores `le="1"` as `le="1.0"`.
#[test]
fn the_prometheus_version_decides_how_bucket_bounds_match() {
    let repo = temp_dir("config-version");
    std::fs::create_dir_all(repo.join(".git")).unwrap();
    let case = common::repo().join("fixtures/precision/false-positives/le-normalised-by-prometheus-3");
    write(&repo.join("r.yaml"), &std::fs::read_to_string(case.join("r.yaml")).unwrap());
    let catalog = case.join("cat");
    let run = || check(&["--catalog", catalog.to_str().unwrap(), repo.join("r.yaml").to_str().unwrap()]);
    assert!(!codes(&run()).iter().any(|c| c.starts_with("catalog/unknown-bucket")), "Prometheus 3 by default");
    write(&repo.join(".promaudit.yaml"), "prometheus_version: 2\n");
    assert!(codes(&run()).iter().any(|c| c.starts_with("catalog/unknown-bucket")), "Prometheus 2 compares the bounds as written");
}
