//! Live mode against real servers on loopback: Prometheus and VictoriaMetrics scrape a real
//! node exporter and a fixture exporter serving the MatrixInfer and GPU exposition fixtures.
//! The findings on the seed guide must be the same as with the fixture catalog.

mod common;
mod lsp_client;

use common::{promaudit, repo, temp_dir};

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// A server binary from Debian's packages; `tests/run.sh` installs them.
fn server(name: &str) -> PathBuf {
    let path = PathBuf::from("/usr/bin").join(name);
    assert!(path.is_file(), "{name} is missing: run ./tests/run.sh, which installs it from Debian's packages");
    path
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// Kills its process when the test ends, however it ends.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn spawn(program: &Path, args: &[String]) -> Running {
    Running(Command::new(program).args(args).stdout(Stdio::null()).stderr(Stdio::null()).spawn().expect("server starts"))
}

/// Serves the MatrixInfer, Kubernetes and GPU fixtures as one scrape target.
fn fixture_exporter() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let mut body = String::new();
    for fixture in ["matrixinfer.prom", "kubernetes.prom", "dcgm-exporter.prom", "nvidia-smi-h100.prom"] {
        let text = std::fs::read_to_string(repo().join("fixtures/catalog").join(fixture)).unwrap();
        // `up` is Prometheus' own series for each target; a target must not expose it.
        body.extend(text.lines().filter(|l| !l.starts_with("up{") && !l.ends_with(" up gauge") && !l.contains(" up 1 if")).map(|l| format!("{l}\n")));
    }
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            serve(stream, &body);
        }
    });
    port
}

fn serve(mut stream: TcpStream, body: &str) {
    let mut request = [0u8; 4096];
    let _ = stream.read(&mut request);
    let header = format!("HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", body.len());
    let _ = stream.write_all(header.as_bytes());
    let _ = stream.write_all(body.as_bytes());
}

fn scrape_config(dir: &Path, fixture_port: u16, node_port: u16) -> PathBuf {
    let config = format!(
        "global:\n  scrape_interval: 1s\nscrape_configs:\n- job_name: fixtures\n  honor_labels: true\n  static_configs:\n  - targets: ['127.0.0.1:{fixture_port}']\n- job_name: node\n  static_configs:\n  - targets: ['127.0.0.1:{node_port}']\n  relabel_configs:\n  - target_label: datacenter\n    replacement: loopback\n"
    );
    let path = dir.join("prometheus.yml");
    std::fs::write(&path, config).unwrap();
    path
}


/// Waits until the server's catalog holds the fixture and node exporter series.
fn wait_for_series(url: &str, dir: &Path) -> String {
    let recorded = dir.join("recorded.json");
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        let output = promaudit(&["catalog", "record", "--prometheus", url, "--prometheus-timeout", "5", "-o", recorded.to_str().unwrap()]);
        if output.status.success() {
            let text = std::fs::read_to_string(&recorded).unwrap_or_default();
            if text.contains("\"matrixinfer_inference_duration_seconds") && text.contains("\"node_cpu_seconds_total\"") {
                return text;
            }
        }
        assert!(Instant::now() < deadline, "{url} never served the scraped series: {}", String::from_utf8_lossy(&output.stderr));
        std::thread::sleep(Duration::from_millis(500));
    }
}

/// (code, line, column) of every finding above info on the seed guide.
fn seed_findings(catalog_args: &[&str]) -> (Vec<(String, u64, u64)>, Output) {
    let seed = repo().join("fixtures/seed/matrixinfer-monitoring.md");
    let mut args = vec!["check", "--format", "json"];
    args.extend_from_slice(catalog_args);
    args.push(seed.to_str().unwrap());
    let output = promaudit(&args);
    let document: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    let mut findings: Vec<(String, u64, u64)> = document["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["severity"] != "info")
        .map(|d| (d["code"].as_str().unwrap().to_string(), d["line"].as_u64().unwrap(), d["column"].as_u64().unwrap()))
        .collect();
    findings.sort();
    (findings, output)
}

fn fixture_findings() -> Vec<(String, u64, u64)> {
    let catalog = repo().join("fixtures/catalog");
    let (findings, _) = seed_findings(&["--catalog", catalog.to_str().unwrap()]);
    assert!(findings.len() >= 6, "{findings:?}");
    findings
}

#[test]
fn prometheus_gives_the_same_findings_as_the_fixture_catalog() {
    let dir = temp_dir("prometheus");
    let node_port = free_port();
    let _node = spawn(&server("prometheus-node-exporter"), &[format!("--web.listen-address=127.0.0.1:{node_port}")]);
    let config = scrape_config(&dir, fixture_exporter(), node_port);
    let port = free_port();
    let _prometheus = spawn(
        &server("prometheus"),
        &[
            format!("--config.file={}", config.display()),
            format!("--storage.tsdb.path={}", dir.join("data").display()),
            format!("--web.listen-address=127.0.0.1:{port}"),
        ],
    );
    let url = format!("http://127.0.0.1:{port}");
    let recorded = wait_for_series(&url, &dir);
    let recorded: serde_json::Value = serde_json::from_str(&recorded).expect("the recorded catalog is JSON");
    let histogram = recorded["metrics"].as_array().unwrap().iter().find(|m| m["name"] == "matrixinfer_inference_duration_seconds").expect("recorded");
    assert_eq!(histogram["type"], "histogram", "metadata is recorded: {histogram}");
    assert!(recorded.to_string().contains("fixtures"), "scrape jobs are recorded");
    let node_job = recorded["jobs"].as_array().unwrap().iter().find(|j| j["name"] == "node").expect("the node job");
    assert!(node_job["target_labels"].to_string().contains("datacenter"), "relabeling from the server's configuration is recorded: {node_job}");

    let (live, output) = seed_findings(&["--prometheus", &url]);
    assert_eq!(output.status.code(), Some(1), "{}", String::from_utf8_lossy(&output.stderr));
    assert_eq!(live, fixture_findings());
    // The recorded snapshot works offline, with the same result.
    let recorded_path = dir.join("recorded.json");
    assert_eq!(seed_findings(&["--catalog", recorded_path.to_str().unwrap()]).0, fixture_findings());
}

#[test]
fn victoria_metrics_degrades_gracefully_with_the_same_findings() {
    let dir = temp_dir("victoria");
    let node_port = free_port();
    let _node = spawn(&server("prometheus-node-exporter"), &[format!("--web.listen-address=127.0.0.1:{node_port}")]);
    let config = scrape_config(&dir, fixture_exporter(), node_port);
    let port = free_port();
    let _victoria = spawn(
        &server("victoria-metrics"),
        &[
            format!("-httpListenAddr=127.0.0.1:{port}"),
            format!("-promscrape.config={}", config.display()),
            format!("-storageDataPath={}", dir.join("data").display()),
            "-search.latencyOffset=0s".to_string(),
            "-search.disableCache".to_string(),
        ],
    );
    let url = format!("http://127.0.0.1:{port}");
    wait_for_series(&url, &dir);
    let (live, output) = seed_findings(&["--prometheus", &url]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_ne!(output.status.code(), Some(2), "a backend's missing endpoints must not fail the run: {stderr}");
    assert!(stderr.contains("no metric metadata"), "the lost data is named: {stderr}");
    assert_eq!(live, fixture_findings());
}

#[test]
fn an_unreachable_server_is_an_error_that_names_it() {
    let url = format!("http://127.0.0.1:{}", free_port());
    let output = promaudit(&["check", "--prometheus", &url, "--prometheus-timeout", "2", repo().join("rules").to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains(&url));
}

#[test]
fn an_unreachable_server_does_not_make_every_metric_unknown() {
    let dir = temp_dir("live-unreachable");
    let rules = dir.join("rules.yml");
    std::fs::write(&rules, "groups:\n- name: a\n  rules:\n  - record: job:my_app_requests:rate5m\n    expr: sum by (job) (rate(my_app_requests_total[5m]))\n").unwrap();
    let url = format!("http://127.0.0.1:{}", free_port());
    let output = promaudit(&["check", "--format", "json", "--prometheus", &url, "--prometheus-timeout", "2", rules.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    assert!(!String::from_utf8_lossy(&output.stdout).contains("catalog/unknown-metric"));
    assert!(String::from_utf8_lossy(&output.stderr).contains("the catalog checks (unknown metrics, labels, buckets) are skipped"));
}

#[test]
fn credentials_are_sent_but_never_printed() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let seen = std::thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        let mut request = [0u8; 4096];
        let read = stream.read(&mut request).unwrap();
        let _ = stream.write_all(b"HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        String::from_utf8_lossy(&request[..read]).into_owned()
    });
    let output = Command::new(env!("CARGO_BIN_EXE_promaudit"))
        .args(["catalog", "record", "--prometheus", &format!("http://127.0.0.1:{port}"), "-o", "/dev/null"])
        .env("PROMAUDIT_PROMETHEUS_TOKEN", "s3cret-token")
        .output()
        .unwrap();
    assert!(seen.join().unwrap().to_ascii_lowercase().contains("authorization: bearer s3cret-token"));
    let printed = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert!(!printed.contains("s3cret"), "{printed}");
    assert_eq!(output.status.code(), Some(2));
}

/// A CA and a certificate it signed for 127.0.0.1, made with openssl.
fn certificates(dir: &Path) -> (PathBuf, PathBuf, PathBuf) {
    let run = |args: &[&str]| {
        let output = Command::new("openssl").args(args).current_dir(dir).output().expect("openssl runs");
        assert!(output.status.success(), "openssl {args:?}: {}", String::from_utf8_lossy(&output.stderr));
    };
    run(&["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=promaudit test CA"]);
    run(&["req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=127.0.0.1"]);
    std::fs::write(dir.join("san.ext"), "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n").unwrap();
    run(&["x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out", "server.pem", "-days", "2", "-extfile", "san.ext"]);
    (dir.join("ca.pem"), dir.join("server.pem"), dir.join("server.key"))
}

#[test]
fn https_servers_are_read_with_the_given_ca() {
    let dir = temp_dir("tls");
    let (ca, cert, key) = certificates(&dir);
    let web_config = dir.join("web.yml");
    std::fs::write(&web_config, format!("tls_server_config:\n  cert_file: {}\n  key_file: {}\n", cert.display(), key.display())).unwrap();
    let config = dir.join("prometheus.yml");
    std::fs::write(&config, "global:\n  scrape_interval: 1s\nscrape_configs: []\n").unwrap();
    let port = free_port();
    let _prometheus = spawn(
        &server("prometheus"),
        &[
            format!("--config.file={}", config.display()),
            format!("--web.config.file={}", web_config.display()),
            format!("--storage.tsdb.path={}", dir.join("data").display()),
            format!("--web.listen-address=127.0.0.1:{port}"),
        ],
    );
    let url = format!("https://127.0.0.1:{port}");
    let out = dir.join("recorded.json");
    let record = |extra: &[&str]| {
        let mut args = vec!["catalog", "record", "--prometheus", &url, "--prometheus-timeout", "5", "-o", out.to_str().unwrap()];
        args.extend_from_slice(extra);
        promaudit(&args)
    };
    let deadline = Instant::now() + Duration::from_secs(60);
    let trusted = loop {
        let output = record(&["--prometheus-ca-file", ca.to_str().unwrap()]);
        if output.status.success() || Instant::now() > deadline {
            break output;
        }
        std::thread::sleep(Duration::from_millis(500));
    };
    assert!(trusted.status.success(), "with the CA: {}", String::from_utf8_lossy(&trusted.stderr));
    let untrusted = record(&[]);
    assert_eq!(untrusted.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&untrusted.stderr).to_lowercase().contains("certificate"), "{}", String::from_utf8_lossy(&untrusted.stderr));
    assert!(record(&["--prometheus-insecure-skip-verify"]).status.success());
}

/// `promaudit lsp` with a live Prometheus: the catalog is read again in the background on a
/// timer, and a metric that starts being scraped stops being unknown without any edit.
#[test]
fn the_language_server_refreshes_its_live_catalog_in_the_background() {
    let dir = temp_dir("lsp-live");
    let body = std::sync::Arc::new(std::sync::Mutex::new(String::from("# TYPE early_jobs_total counter\nearly_jobs_total{queue=\"a\"} 1\n")));
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let exporter_port = listener.local_addr().unwrap().port();
    let served = body.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let text = served.lock().unwrap().clone();
            serve(stream, &text);
        }
    });
    let config = dir.join("prometheus.yml");
    std::fs::write(&config, format!("global:\n  scrape_interval: 1s\nscrape_configs:\n- job_name: jobs\n  static_configs:\n  - targets: ['127.0.0.1:{exporter_port}']\n")).unwrap();
    let port = free_port();
    let _prometheus = spawn(&server("prometheus"), &[format!("--config.file={}", config.display()), format!("--storage.tsdb.path={}", dir.join("data").display()), format!("--web.listen-address=127.0.0.1:{port}")]);

    let text = "groups:\n- name: a\n  rules:\n  - alert: JobsFailing\n    expr: rate(late_jobs_total[5m]) > 1\n    labels: {severity: page}\n    annotations: {summary: failing}\n";
    let mut client = lsp_client::Client::start();
    client.initialize(&dir, serde_json::json!({"prometheus": format!("http://127.0.0.1:{port}"), "catalogRefreshSeconds": 1}));
    let uri = client.open(&dir.join("alerts.yml"), text);
    let unknown = |published: &serde_json::Value| published["diagnostics"].as_array().unwrap().iter().any(|d| d["code"] == "catalog/unknown-metric");
    let deadline = Instant::now() + Duration::from_secs(90);
    // Before the exporter serves it, the metric is unknown to the server's catalog.
    while !unknown(&client.diagnostics(&uri)) {
        assert!(Instant::now() < deadline, "late_jobs_total was never reported unknown");
    }
    body.lock().unwrap().push_str("# HELP late_jobs_total Jobs finished late.\n# TYPE late_jobs_total counter\nlate_jobs_total{queue=\"a\"} 1\n");
    while unknown(&client.diagnostics(&uri)) {
        assert!(Instant::now() < deadline, "the refreshed catalog never learned late_jobs_total");
    }
    let hover = client.result("textDocument/hover", serde_json::json!({"textDocument": {"uri": uri}, "position": lsp_client::position(text, text.find("late_jobs").unwrap())}));
    let markdown = hover["contents"]["value"].as_str().unwrap();
    assert!(markdown.starts_with("**late_jobs_total** counter") && markdown.contains("Jobs finished late."), "{markdown}");
    assert_eq!(client.shutdown(), Some(0));
}
