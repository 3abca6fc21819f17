//! End-to-end tests of hostile input: what once took time or memory growing faster than the
//! input, or never returned, now takes bounded work.

mod common;

use common::{promaudit, temp_dir};
use std::time::{Duration, Instant};

/// Checks `dir` and returns the run's JSON document, failing when it takes longer than `limit`
/// (a debug build on a busy machine: generous, yet far below what the old behaviour took).
fn check_within(path: &std::path::Path, limit: Duration) -> serde_json::Value {
    let start = Instant::now();
    let output = promaudit(&["check", "--format", "json", path.to_str().unwrap()]);
    assert!(start.elapsed() < limit, "took {:?}", start.elapsed());
    serde_json::from_slice(&output.stdout).unwrap_or_else(|_| {
        panic!(
            "stdout is one JSON document; stderr: {}",
            String::from_utf8_lossy(&output.stderr)
        )
    })
}

fn rule_file(expr: &str) -> String {
    format!("groups:\n- name: g\n  rules:\n  - record: job:x:sum\n    expr: {expr}\n")
}

fn codes(document: &serde_json::Value) -> Vec<&str> {
    document["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap())
        .collect()
}

#[test]
fn a_long_or_chain_is_analyzed_in_linear_time() {
    // 999 `or`s: just under the operator limit. Label inference per ancestor took 9 s here.
    let dir = temp_dir("or-chain");
    let path = dir.join("chain.yml");
    let terms: Vec<String> = (0..1000).map(|i| format!("m{i}")).collect();
    std::fs::write(&path, rule_file(&terms.join(" or "))).unwrap();
    let document = check_within(&path, Duration::from_secs(4));
    assert!(!codes(&document).contains(&"promql/too-complex"));
}

#[test]
fn set_operators_count_towards_the_operator_limit() {
    let dir = temp_dir("or-limit");
    let path = dir.join("chain.yml");
    let terms: Vec<String> = (0..5000).map(|i| format!("m{i}")).collect();
    std::fs::write(&path, rule_file(&terms.join(" or "))).unwrap();
    let document = check_within(&path, Duration::from_secs(4));
    assert!(
        codes(&document).contains(&"promql/too-complex"),
        "{document}"
    );
}

#[test]
fn the_deepest_nesting_accepted_is_checked_without_overflowing_the_stack() {
    // 100 nested `sum(` overflowed the 2 MiB stack of the threads files were checked on.
    let dir = temp_dir("deep-nesting");
    let path = dir.join("deep.yml");
    let level = "x or x and x == x + x * sum(";
    let expr = format!("'{}x{}'", level.repeat(128), ")".repeat(128));
    std::fs::write(&path, rule_file(&expr)).unwrap();
    let document = check_within(&path, Duration::from_secs(10));
    assert_eq!(document["summary"]["queries"].as_u64(), Some(1));
    assert!(!codes(&document).contains(&"promql/too-complex"));
}

#[test]
fn a_query_of_many_unclosed_placeholders_is_checked_in_linear_time() {
    // A fuzzed Sloth file took minutes: each of 167,000 `[` searched the rest of the query for
    // the `]]` that would close a Grafana `[[variable]]`.
    let dir = temp_dir("unclosed-placeholders");
    let path = dir.join("slo.yml");
    let query = format!("sum(rate(x_total[{{{{.window}}}}{}]))", "[".repeat(150_000));
    let slo = format!("version: prometheus/v1\nservice: svc\nslos:\n  - name: s\n    objective: 99.9\n    sli:\n      raw:\n        error_ratio_query: |\n          {query}\n    alerting:\n      name: A\n");
    std::fs::write(&path, slo).unwrap();
    let document = check_within(&path, Duration::from_secs(10));
    assert!(codes(&document).contains(&"promql/too-complex"), "{document}");
}

#[test]
fn aliases_copying_long_strings_stop_at_the_alias_in_bounded_memory() {
    // A 1 MB file of anchored text repeated by aliases expanded to gigabytes: the alias budget
    // counted nodes, not the text they carry. Run with 1 GiB of address space, one worker.
    let dir = temp_dir("alias-text");
    let path = dir.join("aliases.yml");
    let text = format!("big: &s {}\ncopies:\n{}", "x".repeat(512 * 1024), "- *s\n".repeat(100_000));
    std::fs::write(&path, text).unwrap();
    let output = std::process::Command::new("sh")
        .args(["-c", "ulimit -v 1048576 && exec \"$0\" \"$@\""])
        .arg(env!("CARGO_BIN_EXE_promaudit"))
        .args(["check", "--format", "json", path.to_str().unwrap()])
        .env("RAYON_NUM_THREADS", "1")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1), "{}", String::from_utf8_lossy(&output.stderr));
    let document: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let error = &document["diagnostics"][0];
    assert_eq!(error["message"], "invalid YAML: aliases and anchors copy more than 64 MiB of text; is this an alias bomb?");
    // The 129th alias, the first over the budget, on the 131st line.
    assert_eq!((&error["line"], &error["column"]), (&131.into(), &3.into()));
}

#[test]
fn a_file_of_many_rules_is_checked_in_linear_time() {
    // Rules looked their query up by a linear search: 10,000 rules took 24 s, 16,000 over a
    // minute; now about 9 s.
    let dir = temp_dir("many-rules");
    let path = dir.join("rules.yml");
    let mut text = String::from("groups:\n- name: g\n  rules:\n");
    for i in 0..8000 {
        text.push_str(&format!(
            "  - record: job:m{i}:rate5m\n    expr: sum by (job) (rate(m{i}_total[5m]))\n"
        ));
        text.push_str(&format!("  - alert: A{i}\n    expr: rate(m{i}_total[5m]) > 1\n    for: 5m\n    labels: {{severity: page}}\n    annotations: {{summary: s, description: d}}\n"));
    }
    std::fs::write(&path, text).unwrap();
    let document = check_within(&path, Duration::from_secs(30));
    assert_eq!(document["summary"]["queries"].as_u64(), Some(16_000));
}

#[test]
fn a_tree_of_special_files_and_link_loops_is_walked_once() {
    // A FIFO named `.yml` hung the run, links to `.` multiplied every file, a device linked as
    // `.yml` was read without end and a sparse 1 GB file was read whole before its size check.
    let dir = temp_dir("special-tree");
    std::fs::write(
        dir.join("ok.yml"),
        "groups:\n- name: g\n  rules:\n  - record: job:up:sum\n    expr: sum by (job) (up)\n",
    )
    .unwrap();
    assert!(std::process::Command::new("mkfifo")
        .arg(dir.join("x.yml"))
        .status()
        .unwrap()
        .success());
    std::os::unix::fs::symlink(".", dir.join("self")).unwrap();
    std::os::unix::fs::symlink(".", dir.join("again")).unwrap();
    std::os::unix::fs::symlink("/dev/urandom", dir.join("random.yml")).unwrap();
    std::fs::File::create(dir.join("sparse.yml"))
        .unwrap()
        .set_len(1 << 30)
        .unwrap();
    let start = Instant::now();
    let output = promaudit(&["check", "--format", "json", dir.to_str().unwrap()]);
    assert!(
        start.elapsed() < Duration::from_secs(10),
        "took {:?}",
        start.elapsed()
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(
        stderr
            .matches("x.yml is a FIFO (named pipe), not a regular file")
            .count(),
        1,
        "{stderr}"
    );
    assert_eq!(
        stderr
            .matches("random.yml is a device, not a regular file")
            .count(),
        1,
        "{stderr}"
    );
    let document: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(document["summary"]["files"].as_u64(), Some(2), "{document}");
    let sparse = document["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["file"].as_str().unwrap().ends_with("sparse.yml"))
        .expect("the sparse file is reported");
    assert!(
        sparse["message"]
            .as_str()
            .unwrap()
            .contains("over the 16 MiB limit"),
        "{sparse}"
    );
}

/// A Prometheus API on loopback whose series listing holds `series` series, written as it is
/// sent (about 100 bytes each); the other endpoints answer as a server without them would.
fn server_with_many_series(series: usize) -> u16 {
    use std::io::{BufRead, BufReader, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut request = String::new();
            let _ = BufReader::new(&stream).read_line(&mut request);
            let mut out = std::io::BufWriter::new(stream);
            let json = |out: &mut std::io::BufWriter<std::net::TcpStream>, body: &str| {
                let _ = write!(out, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len());
            };
            if request.contains("/api/v1/metadata") {
                json(&mut out, r#"{"status":"success","data":{"http_requests_total":[{"type":"counter","help":"Requests.","unit":""}]}}"#);
            } else if request.contains("/api/v1/series") {
                let _ = write!(out, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n{{\"status\":\"success\",\"data\":[");
                for i in 0..series {
                    let comma = if i == 0 { "" } else { "," };
                    let _ = write!(out, r#"{comma}{{"__name__":"http_requests_total","job":"api","instance":"10.0.{}.{}:8080","pod":"api-{i:08x}","path":"/v1/{}"}}"#, i / 65536 % 256, i / 256 % 256, i % 50);
                }
                let _ = write!(out, "]}}");
            } else {
                let _ = write!(out, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
            }
            let _ = out.flush();
        }
    });
    port
}

/// Runs `promaudit args` and returns its output and its peak resident memory in KiB.
fn run_measuring_memory(args: &[&str]) -> (std::process::Output, i64) {
    use std::os::unix::process::ExitStatusExt;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_promaudit")).args(args).stdout(std::process::Stdio::piped()).stderr(std::process::Stdio::piped()).spawn().unwrap();
    let pid = child.id() as libc::pid_t;
    let (mut stdout, mut stderr) = (child.stdout.take().unwrap(), child.stderr.take().unwrap());
    let err_thread = std::thread::spawn(move || {
        let mut text = Vec::new();
        let _ = std::io::Read::read_to_end(&mut stderr, &mut text);
        text
    });
    let mut out = Vec::new();
    let _ = std::io::Read::read_to_end(&mut stdout, &mut out);
    let (mut status, mut usage) = (0, unsafe { std::mem::zeroed::<libc::rusage>() });
    // `Child::wait` cannot tell the peak memory: reap the child with wait4 instead.
    // SAFETY: waits for our own child once; `status` and `usage` are valid out-pointers.
    assert_eq!(unsafe { libc::wait4(pid, &mut status, 0, &mut usage) }, pid);
    std::mem::forget(child);
    let output = std::process::Output { status: std::process::ExitStatus::from_raw(status), stdout: out, stderr: err_thread.join().unwrap() };
    (output, usage.ru_maxrss)
}

#[test]
fn a_live_server_with_two_million_series_is_read_in_bounded_memory() {
    // 1.9 million series once took 3.7 GB: the listing was held as text, then as a JSON tree,
    // then as exposition text. Streamed, memory follows the catalog, not the answer.
    const SERIES: usize = 1_900_000;
    let port = server_with_many_series(SERIES);
    let dir = temp_dir("many-series");
    let recorded = dir.join("catalog.json");
    let url = format!("http://127.0.0.1:{port}");
    let (output, peak_kib) = run_measuring_memory(&["catalog", "record", "--prometheus", &url, "--prometheus-timeout", "600", "-o", recorded.to_str().unwrap()]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let catalog: serde_json::Value = serde_json::from_slice(&std::fs::read(&recorded).unwrap()).unwrap();
    let text = catalog.to_string();
    assert!(text.contains("http_requests_total") && text.contains(&format!("\"series\":{SERIES}")), "{}", &text[..text.len().min(2000)]);
    println!("{SERIES} series read with a peak of {} MiB", peak_kib / 1024);
    assert!(peak_kib < 600 * 1024, "peak resident memory {} MiB", peak_kib / 1024);
}

#[test]
fn numbers_promtool_refuses_are_errors_and_infinite_thresholds_are_no_crash() {
    let file = common::repo().join("fixtures/bad-input/numbers-out-of-range.yml");
    let document = check_within(&file, Duration::from_secs(60));
    let syntax_errors: Vec<u64> = document["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["code"] == "promql/syntax" && d["severity"] == "error")
        .map(|d| d["line"].as_u64().unwrap())
        .collect();
    // `[1e30]`, `offset 99999999999999999999`, `[5m:99999999999999999999]`, `@ 1e30`,
    // `topk(1e309, …)` and `[293y]`: each refused on its own line, as promtool refuses it.
    assert_eq!(syntax_errors, [12, 14, 16, 18, 20, 22]);
    assert!(!codes(&document).contains(&"source/internal-error"), "{document}");
    let regex = common::temp_dir("regex-repeat").join("r.yml");
    std::fs::write(&regex, rule_file(r#"x{a=~"a{99999}"}"#)).unwrap();
    let document = check_within(&regex, Duration::from_secs(60));
    assert!(codes(&document).contains(&"promql/syntax"), "{document}");
}
