//! Hostile input, through the binary: a configuration in the checked tree that tries to send
//! secrets or read files elsewhere, servers that echo credentials, hang or die part way, and
//! writes that fail. Every server here is a real one on loopback.

mod common;

use common::{promaudit, temp_dir};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const TOPK: &str = "groups:\n- name: a\n  rules:\n  - alert: Busy\n    expr: topk(3, rate(x_total[5m])) > 100\n    labels: {severity: page}\n    annotations: {summary: busy}\n";

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn run(args: &[&str], env: Env) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_promaudit"));
    for name in [
        "PROMAUDIT_TRUST_CONFIG",
        "PROMAUDIT_PROMETHEUS_TOKEN",
        "PROMAUDIT_PROMETHEUS_USER",
        "PROMAUDIT_PROMETHEUS_PASSWORD",
    ] {
        command.env_remove(name);
    }
    command
        .args(args)
        .envs(env.iter().copied())
        .output()
        .unwrap()
}

/// Environment variables given to a run.
type Env<'a> = &'a [(&'a str, &'a str)];

fn all_output(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// One request's text (headers and all).
fn read_request(stream: &mut TcpStream) -> String {
    let mut request = [0u8; 8192];
    let read = stream.read(&mut request).unwrap_or(0);
    String::from_utf8_lossy(&request[..read]).into_owned()
}

/// A server on loopback that answers up to `limit` requests with `answer(request)` (status and
/// body), then stops listening, as a server that dies does. Returns its URL and every request.
fn server(
    limit: usize,
    answer: impl Fn(&str) -> (u16, String) + Send + 'static,
) -> (String, Arc<Mutex<String>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
    let seen = Arc::new(Mutex::new(String::new()));
    let requests = seen.clone();
    std::thread::spawn(move || {
        for mut stream in listener.incoming().flatten().take(limit) {
            let request = read_request(&mut stream);
            let (status, body) = answer(&request);
            requests.lock().unwrap().push_str(&request);
            let _ = write!(stream, "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len());
        }
    });
    (url, seen)
}

/// A Prometheus API answer per endpoint; the metadata has `metrics` families, and one whose
/// type tries to declare another family.
fn prometheus_answer(request: &str, metrics: usize) -> (u16, String) {
    let path = request.split_whitespace().nth(1).unwrap_or_default();
    let data = if path.starts_with("/api/v1/metadata") {
        let mut families: serde_json::Map<String, serde_json::Value> = (0..metrics)
            .map(|i| {
                (
                    format!("app_requests_{i}_total"),
                    serde_json::json!([{"type": "counter", "help": "Requests.", "unit": ""}]),
                )
            })
            .collect();
        families.insert("evil_total".into(), serde_json::json!([{"type": "counter\n# TYPE injected_metric gauge", "help": "x\n# TYPE injected_help gauge", "unit": ""}]));
        serde_json::Value::Object(families)
    } else if path.starts_with("/api/v1/status/tsdb") {
        serde_json::json!({"headStats": {"numSeries": 1}})
    } else if path.starts_with("/api/v1/series") {
        serde_json::json!([{"__name__": "app_requests_0_total", "job": "api"}])
    } else if path.starts_with("/api/v1/targets") {
        serde_json::json!({"activeTargets": [{"labels": {"job": "api"}, "scrapeInterval": "15s"}]})
    } else {
        serde_json::json!({"yaml": "global: {}\n"})
    };
    (
        200,
        serde_json::json!({"status": "success", "data": data}).to_string(),
    )
}

/// `promaudit` with the size of the files it writes limited to 512 bytes (RLIMIT_FSIZE, as a
/// full disk does): writing more fails with EFBIG instead of killing the process.
fn with_small_disk(args: &[&str]) -> Output {
    let script = "ulimit -f 1 && trap '' XFSZ && exec \"$0\" \"$@\"";
    Command::new("sh")
        .arg("-c")
        .arg(script)
        .arg(env!("CARGO_BIN_EXE_promaudit"))
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

#[test]
fn a_configuration_in_the_checked_tree_sends_no_credential_unless_trusted() {
    let repo = temp_dir("hostile-trust");
    std::fs::create_dir_all(repo.join(".git")).unwrap();
    write(&repo.join("alerts.yml"), TOPK);
    let secret = "do-not-send-this-value";
    let (url, seen) = server(usize::MAX, |_| (401, String::new()));
    write(
        &repo.join(".promaudit.yaml"),
        &format!("prometheus:\n  url: {url}\n  token_env: SECRET_VAR\n  timeout: 5\n"),
    );
    let refused = run(
        &["check", repo.to_str().unwrap()],
        &[("SECRET_VAR", secret)],
    );
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert_eq!(refused.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("error[config/invalid]: `token_env` would hand a credential to")
            && stderr.contains(".promaudit.yaml:3:14")
            && stderr.contains("--trust-config"),
        "{stderr}"
    );
    // The default variables are not sent to the file's server either.
    write(
        &repo.join(".promaudit.yaml"),
        &format!("prometheus:\n  url: {url}\n  timeout: 5\n"),
    );
    let refused = run(
        &["check", repo.to_str().unwrap()],
        &[("PROMAUDIT_PROMETHEUS_TOKEN", secret)],
    );
    assert!(
        refused.status.code() == Some(2)
            && String::from_utf8_lossy(&refused.stderr)
                .contains("PROMAUDIT_PROMETHEUS_TOKEN would be sent to"),
        "{}",
        all_output(&refused)
    );
    assert!(
        !seen.lock().unwrap().contains(secret),
        "the server never received the secret"
    );
    assert!(!all_output(&refused).contains(secret));
    // Without credentials in reach, the file's server is read.
    let plain = run(&["check", repo.to_str().unwrap()], &[]);
    assert!(
        all_output(&plain).contains("HTTP 401"),
        "{}",
        all_output(&plain)
    );

    // Trusted by a flag, the environment, or naming the server or the file on the command line.
    write(
        &repo.join(".promaudit.yaml"),
        &format!("prometheus:\n  url: {url}\n  token_env: SECRET_VAR\n  timeout: 5\n"),
    );
    let config = repo.join(".promaudit.yaml");
    let trusted: [(&[&str], Env); 4] = [
        (&["--trust-config"], &[]),
        (&[], &[("PROMAUDIT_TRUST_CONFIG", "1")]),
        (&["--prometheus", &url], &[]),
        (&["--config", config.to_str().unwrap()], &[]),
    ];
    for (flags, env) in trusted {
        seen.lock().unwrap().clear();
        let args = [&["check"], flags, &[repo.to_str().unwrap()]].concat();
        let mut command = Command::new(env!("CARGO_BIN_EXE_promaudit"));
        command
            .args(&args)
            .env("SECRET_VAR", secret)
            .envs(env.iter().copied());
        let output = command.output().unwrap();
        assert!(
            seen.lock().unwrap().contains(secret),
            "{flags:?} {env:?}: {}",
            all_output(&output)
        );
        assert!(!all_output(&output).contains(secret));
    }
}

#[test]
fn a_configuration_in_the_checked_tree_reads_no_catalog_outside_the_repository() {
    let dir = temp_dir("hostile-catalog");
    let repo = dir.join("repo");
    std::fs::create_dir_all(repo.join(".git")).unwrap();
    write(&repo.join("rules/alerts.yml"), TOPK);
    write(
        &dir.join("outside/secret.prom"),
        "root:x:0:0:SECRET-FILE-CONTENT\n",
    );
    write(
        &repo.join("fixtures/ok.prom"),
        "# TYPE x_total counter\nx_total 1\n",
    );
    std::os::unix::fs::symlink(dir.join("outside"), repo.join("linked")).unwrap();
    write(&repo.join(".promaudit.yaml"), "catalog:\n  - fixtures/ok.prom\n  - ../outside/secret.prom\n  - linked/secret.prom\n  - fixtures/../../../../../../etc/passwd\n");
    let output = run(&["check", repo.join("rules").to_str().unwrap()], &[]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    for line in [3, 4, 5] {
        assert!(
            stderr.contains(&format!(".promaudit.yaml:{line}:5")),
            "line {line}: {stderr}"
        );
    }
    assert!(
        stderr.contains("this catalog path leads outside the repository")
            && !stderr.contains(".promaudit.yaml:2:"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("SECRET-FILE-CONTENT") && !stderr.contains("root:"),
        "{stderr}"
    );
    // Trusted, the paths are read.
    let trusted = run(
        &[
            "check",
            "--trust-config",
            repo.join("rules").to_str().unwrap(),
        ],
        &[],
    );
    assert!(
        !String::from_utf8_lossy(&trusted.stderr).contains("leads outside"),
        "{}",
        all_output(&trusted)
    );
}

#[test]
fn credentials_are_masked_in_urls_and_in_what_servers_echo() {
    let dir = temp_dir("hostile-echo");
    let output_path = dir.join("catalog.json");
    // Each answer repeats the request's Authorization header: a 401 in plain text, 500s in JSON.
    let echo = |request: &str| {
        let header = request
            .lines()
            .find(|l| l.to_ascii_lowercase().starts_with("authorization:"))
            .unwrap_or_default()
            .to_string();
        if request.contains("/metadata") {
            (401, format!("denied {header}"))
        } else if request.contains("/series") {
            (200, r#"{"status": "success", "data": []}"#.to_string())
        } else {
            (500, serde_json::json!({"status": "error", "error": format!("internal: {header} (value {})", header.rsplit(' ').next().unwrap_or_default())}).to_string())
        }
    };
    let cases: [(Env, &[&str]); 2] = [
        (
            &[("PROMAUDIT_PROMETHEUS_TOKEN", "tok-secret-1")],
            &["tok-secret-1"],
        ),
        (
            &[
                ("PROMAUDIT_PROMETHEUS_USER", "ops"),
                ("PROMAUDIT_PROMETHEUS_PASSWORD", "pw-secret-2"),
            ],
            &["pw-secret-2", "b3BzOnB3LXNlY3JldC0y"],
        ),
    ];
    for (env, secrets) in cases {
        let (url, seen) = server(5, echo);
        let url = format!("{url}/?access_token=query-secret-3");
        let output = run(
            &[
                "catalog",
                "record",
                "--prometheus",
                &url,
                "--prometheus-timeout",
                "5",
                "-o",
                output_path.to_str().unwrap(),
            ],
            env,
        );
        let printed = all_output(&output);
        assert_eq!(output.status.code(), Some(2), "{printed}");
        assert!(
            seen.lock().unwrap().contains(secrets.last().unwrap()),
            "the credentials were sent"
        );
        let lower = printed.to_ascii_lowercase();
        assert!(
            lower.contains("http 401: denied authorization: ***")
                && lower.contains("http 500: internal: authorization: ***"),
            "{printed}"
        );
        assert!(printed.contains("access_token=***"), "{printed}");
        for secret in secrets.iter().chain(&["query-secret-3"]) {
            assert!(!printed.contains(secret), "{secret}: {printed}");
        }
    }
}

#[test]
fn the_language_server_logs_no_password() {
    let dir = temp_dir("hostile-lsp");
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_promaudit"))
        .arg("lsp")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let options = serde_json::json!({"prometheus": format!("http://ops:lsp-hunter2@127.0.0.1:{port}"), "catalogRefreshSeconds": 0});
    let initialize = serde_json::json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"capabilities": {}, "rootUri": format!("file://{}", dir.display()), "initializationOptions": options}});
    let mut stdin = child.stdin.take().unwrap();
    for message in [
        initialize,
        serde_json::json!({"jsonrpc": "2.0", "method": "initialized", "params": {}}),
    ] {
        let body = message.to_string();
        write!(stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).unwrap();
    }
    let mut stderr = child.stderr.take().unwrap();
    let (sender, log) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut text = String::new();
        let mut buffer = [0u8; 1024];
        while let Ok(read @ 1..) = stderr.read(&mut buffer) {
            text.push_str(&String::from_utf8_lossy(&buffer[..read]));
            // The whole line: a message may reach the pipe in more than one write.
            if text
                .find("cannot read the catalog")
                .is_some_and(|at| text[at..].contains('\n'))
            {
                break;
            }
        }
        let _ = sender.send(text);
    });
    let log = log
        .recv_timeout(Duration::from_secs(60))
        .expect("the failed read is logged");
    let _ = child.kill();
    let _ = child.wait();
    assert!(
        log.contains("catalogRefreshSeconds: expected between 1 and 86400 seconds (a day), not 0"),
        "{log}"
    );
    assert!(
        log.contains(&format!("http://ops:***@127.0.0.1:{port}")) && !log.contains("lsp-hunter2"),
        "{log}"
    );
}

#[test]
fn a_server_that_never_answers_costs_the_timeout_once() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
    std::thread::spawn(move || {
        // Accepted and held open, never answered.
        let held: Vec<TcpStream> = listener.incoming().flatten().collect();
        drop(held);
    });
    let dir = temp_dir("hostile-timeout");
    write(&dir.join("alerts.yml"), TOPK);
    let started = Instant::now();
    let output = run(
        &[
            "check",
            "--prometheus",
            &url,
            "--prometheus-timeout",
            "2",
            dir.to_str().unwrap(),
        ],
        &[],
    );
    let elapsed = started.elapsed();
    assert_eq!(output.status.code(), Some(2), "{}", all_output(&output));
    assert!(
        elapsed < Duration::from_millis(3500),
        "took {elapsed:?}: {}",
        all_output(&output)
    );
    assert!(
        all_output(&output).contains("no answer within the 2 s the whole read may take"),
        "{}",
        all_output(&output)
    );
    // Zero, or more than a day, is refused before anything is read.
    for (args, message) in [
        (
            vec![
                "check",
                "--prometheus",
                &url,
                "--prometheus-timeout",
                "0",
                dir.to_str().unwrap(),
            ],
            "expected between 1 and 86400 seconds (a day), not 0",
        ),
        (
            vec![
                "catalog",
                "record",
                "--prometheus",
                &url,
                "--prometheus-timeout",
                "86401",
                "-o",
                "x.json",
            ],
            "not 86401",
        ),
    ] {
        let output = run(&args, &[]);
        assert!(
            output.status.code() == Some(2)
                && String::from_utf8_lossy(&output.stderr).contains(message),
            "{}",
            all_output(&output)
        );
    }
    write(&dir.join(".promaudit.yaml"), "prometheus:\n  timeout: 0\n");
    let output = run(&["check", dir.to_str().unwrap()], &[]);
    assert!(
        output.status.code() == Some(2)
            && String::from_utf8_lossy(&output.stderr).contains(".promaudit.yaml:2:12"),
        "{}",
        all_output(&output)
    );
}

#[test]
fn a_recorded_catalog_is_replaced_whole_or_not_at_all() {
    let dir = temp_dir("hostile-record");
    let target = dir.join("catalog.json");
    let previous = b"{\"previous\": \"catalog, kept byte for byte\"}\n";
    std::fs::write(&target, previous).unwrap();
    let target_text = target.to_str().unwrap();
    let record = |url: &str, extra: &[&str]| {
        [
            &[
                "catalog",
                "record",
                "--prometheus",
                url,
                "--prometheus-timeout",
                "5",
                "-o",
                target_text,
            ],
            extra,
        ]
        .concat()
        .iter()
        .map(|s| s.to_string())
        .collect::<Vec<String>>()
    };

    // A full disk: the write fails, the previous file stays.
    let (url, _) = server(5, |r| prometheus_answer(r, 40));
    let args = record(&url, &[]);
    let output = with_small_disk(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(output.status.code(), Some(2), "{}", all_output(&output));
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("cannot write"),
        "{}",
        all_output(&output)
    );
    assert_eq!(std::fs::read(&target).unwrap(), previous);
    assert_eq!(
        std::fs::read_dir(&dir).unwrap().count(),
        1,
        "no temporary file is left behind"
    );

    // A server that dies after the series, before the targets and the configuration.
    let (url, _) = server(3, |r| prometheus_answer(r, 3));
    let output = run(
        &record(&url, &[])
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
        &[],
    );
    assert_eq!(output.status.code(), Some(2), "{}", all_output(&output));
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("--allow-partial"),
        "{}",
        all_output(&output)
    );
    assert_eq!(std::fs::read(&target).unwrap(), previous);
    let (url, _) = server(3, |r| prometheus_answer(r, 3));
    let output = run(
        &record(&url, &["--allow-partial"])
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
        &[],
    );
    assert_eq!(output.status.code(), Some(0), "{}", all_output(&output));

    // A whole answer replaces the file; metadata cannot declare families of its own.
    let (url, _) = server(5, |r| prometheus_answer(r, 3));
    let output = run(
        &record(&url, &[])
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
        &[],
    );
    assert_eq!(output.status.code(), Some(0), "{}", all_output(&output));
    let recorded = std::fs::read_to_string(&target).unwrap();
    assert!(
        recorded.contains("app_requests_0_total") && recorded.contains("\"api\""),
        "{recorded}"
    );
    assert!(
        !recorded.contains("injected") && !recorded.contains("evil_total"),
        "{recorded}"
    );
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("ignored the metadata of 1 metrics"),
        "{}",
        all_output(&output)
    );
}

#[test]
fn a_baseline_is_never_rewritten_from_a_partial_run() {
    let dir = temp_dir("hostile-baseline");
    let tree = dir.join("rules");
    for i in 0..3 {
        write(&tree.join(format!("alerts-{i}.yml")), TOPK);
    }
    let baseline = dir.join("baseline.json");
    let write_baseline = [
        "check",
        "--write-baseline",
        baseline.to_str().unwrap(),
        tree.to_str().unwrap(),
    ];
    assert_eq!(promaudit(&write_baseline).status.code(), Some(0));
    let previous = std::fs::read(&baseline).unwrap();
    for i in 3..10 {
        write(&tree.join(format!("alerts-{i}.yml")), TOPK);
    }

    // One file cannot be read: its findings would be missing from the baseline.
    assert!(Command::new("mkfifo")
        .arg(tree.join("broken.yml"))
        .status()
        .unwrap()
        .success());
    let output = promaudit(&write_baseline);
    assert_eq!(output.status.code(), Some(2), "{}", all_output(&output));
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("was left as it was"),
        "{}",
        all_output(&output)
    );
    assert_eq!(std::fs::read(&baseline).unwrap(), previous);
    std::fs::remove_file(tree.join("broken.yml")).unwrap();

    // A full disk.
    let output = with_small_disk(&write_baseline);
    assert_eq!(output.status.code(), Some(2), "{}", all_output(&output));
    assert_eq!(std::fs::read(&baseline).unwrap(), previous);
    assert_eq!(promaudit(&write_baseline).status.code(), Some(0));
    assert_ne!(
        std::fs::read(&baseline).unwrap(),
        previous,
        "with room, the baseline is rewritten"
    );
}
