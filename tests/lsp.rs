//! End-to-end tests of `promaudit lsp`: the real binary driven over stdio by a scripted JSON-RPC
//! client, and by a real editor (Neovim, headless).

mod common;
mod lsp_client;

use common::temp_dir;
use lsp_client::{position, range, Client, TIMEOUT};
use serde_json::{json, Value};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const CATALOG: &str = "# HELP http_requests_total Requests served.\n# TYPE http_requests_total counter\nhttp_requests_total{job=\"api\",code=\"200\"} 1\nhttp_requests_total{job=\"api\",code=\"500\"} 1\n# TYPE http_request_duration_seconds histogram\nhttp_request_duration_seconds_bucket{job=\"api\",le=\"0.5\"} 1\nhttp_request_duration_seconds_bucket{job=\"api\",le=\"+Inf\"} 1\nhttp_request_duration_seconds_sum{job=\"api\"} 1\nhttp_request_duration_seconds_count{job=\"api\"} 1\n";
const RECORDING: &str = "groups:\n- name: recording\n  rules:\n  - record: job:http_errors:rate5m\n    expr: sum by (job) (rate(http_requests_total{code=\"500\"}[5m]))\n";
/// The quantile's `by (job)` sits after an astral character, so UTF-16 columns differ from
/// character and byte columns on that line.
const ALERTS: &str = "groups:\n- name: alerts\n  rules:\n  - alert: SlowRequests\n    expr: |\n      histogram_quantile(0.95, sum(rate(http_request_duration_seconds_bucket{job=\"😀\"}[5m])) by (job)) > 0.5\n  - alert: Errors\n    expr: job:http_errors:rate5m > 1\n";

fn workspace(name: &str) -> std::path::PathBuf {
    let dir = temp_dir(name);
    std::fs::write(dir.join("catalog.prom"), CATALOG).unwrap();
    std::fs::create_dir(dir.join("rules")).unwrap();
    std::fs::write(dir.join("rules/recording.yml"), RECORDING).unwrap();
    std::fs::write(dir.join("rules/alerts.yml"), ALERTS).unwrap();
    dir
}

#[test]
fn diagnostics_match_the_cli_at_exact_utf16_ranges_and_follow_changes() {
    let dir = workspace("lsp-diagnostics");
    let alerts = dir.join("rules/alerts.yml");
    let mut client = Client::start();
    client.initialize(&dir, json!({"catalog": ["catalog.prom"]}));
    let uri = client.open(&alerts, ALERTS);
    let published = client.diagnostics(&uri);
    assert_eq!(published["version"], 1);
    let diagnostics = published["diagnostics"].as_array().unwrap();

    // The same findings as `promaudit check`, in the same order, with the same messages.
    let output = common::promaudit(&["check", "--format", "json", "--catalog", dir.join("catalog.prom").to_str().unwrap(), dir.to_str().unwrap()]);
    let cli: Value = serde_json::from_slice(&output.stdout).unwrap();
    let from_cli: Vec<(String, String)> = cli["diagnostics"].as_array().unwrap().iter().filter(|d| d["file"].as_str().unwrap().ends_with("alerts.yml")).map(|d| (d["code"].to_string(), d["message"].to_string())).collect();
    let from_lsp: Vec<(String, String)> = diagnostics.iter().map(|d| (d["code"].to_string(), d["message"].to_string())).collect();
    assert_eq!(from_lsp, from_cli);

    let quantile = diagnostics.iter().find(|d| d["code"] == "functions/quantile-without-le").expect("the quantile finding");
    let by = ALERTS.find("by (job))").unwrap();
    assert_eq!(quantile["range"], range(ALERTS, by, by + "by (job)".len()));
    assert_eq!(quantile["severity"], 1);
    assert_eq!(quantile["source"], "promaudit");
    assert!(quantile["codeDescription"]["href"].as_str().unwrap().ends_with("docs/rules/functions/quantile-without-le.md"));
    let related = quantile["relatedInformation"].as_array().unwrap();
    let call = ALERTS.find("histogram_quantile").unwrap();
    assert_eq!(related[0]["location"]["range"]["start"], position(ALERTS, call));
    assert!(related.iter().any(|r| r["message"].as_str().unwrap().starts_with("help: ")));

    // Three quick edits: only the last version is checked and published.
    let insert_at = position(ALERTS, by + "by (job".len());
    for (version, text) in [(2, ", "), (3, "l"), (4, "e")] {
        let at = json!({"line": insert_at["line"], "character": insert_at["character"].as_u64().unwrap() + [0, 2, 3][version as usize - 2]});
        client.notify("textDocument/didChange", json!({"textDocument": {"uri": uri, "version": version}, "contentChanges": [{"range": {"start": at, "end": at}, "text": text}]}));
    }
    let published = client.diagnostics(&uri);
    assert_eq!(published["version"], 4, "stale versions are not published");
    assert!(published["diagnostics"].as_array().unwrap().iter().all(|d| d["code"] != "functions/quantile-without-le"), "{published}");
    assert_eq!(client.shutdown(), Some(0));
}

#[test]
fn hover_completion_definition_references_and_code_actions() {
    let dir = workspace("lsp-features");
    let alerts = dir.join("rules/alerts.yml");
    let recording = dir.join("rules/recording.yml");
    let mut client = Client::start();
    client.initialize(&dir, json!({"catalog": ["catalog.prom"]}));
    let uri = client.open(&alerts, ALERTS);
    client.diagnostics(&uri);
    let at = |needle: &str, delta: usize| json!({"textDocument": {"uri": uri}, "position": position(ALERTS, ALERTS.find(needle).unwrap() + delta)});

    let hover = client.result("textDocument/hover", at("http_request_duration_seconds_bucket", 4));
    let name = ALERTS.find("http_request_duration_seconds_bucket").unwrap();
    assert_eq!(hover["range"], range(ALERTS, name, name + "http_request_duration_seconds_bucket".len()));
    let markdown = hover["contents"]["value"].as_str().unwrap();
    assert!(markdown.starts_with("**http_request_duration_seconds** histogram"), "{markdown}");
    let hover = client.result("textDocument/hover", at("job:http_errors", 2));
    assert!(hover["contents"]["value"].as_str().unwrap().contains("sum by (job) (rate(http_requests_total{code=\"500\"}[5m]))"), "{hover}");
    let hover = client.result("textDocument/hover", at("rate(", 1));
    assert!(hover["contents"]["value"].as_str().unwrap().contains("rate(v range-vector) instant-vector"), "{hover}");

    let completion = client.result("textDocument/completion", at("job=", 2));
    let labels: Vec<&str> = completion["items"].as_array().unwrap().iter().map(|i| i["label"].as_str().unwrap()).collect();
    assert_eq!(labels, ["job"]);
    let item = &completion["items"][0];
    let job = ALERTS.find("job=").unwrap();
    assert_eq!(item["textEdit"]["range"], range(ALERTS, job, job + 2));

    let definition = client.result("textDocument/definition", at("job:http_errors", 3));
    let record = RECORDING.find("job:http_errors:rate5m").unwrap();
    assert_eq!(definition, json!([{"uri": lsp_client::uri(&recording), "range": range(RECORDING, record, record + "job:http_errors:rate5m".len())}]));
    let references = client.result("textDocument/references", json!({"textDocument": {"uri": uri}, "position": position(ALERTS, ALERTS.find("job:http_errors").unwrap()), "context": {"includeDeclaration": true}}));
    let read = ALERTS.find("job:http_errors").unwrap();
    assert_eq!(references, json!([
        {"uri": lsp_client::uri(&recording), "range": range(RECORDING, record, record + "job:http_errors:rate5m".len())},
        {"uri": uri, "range": range(ALERTS, read, read + "job:http_errors:rate5m".len())},
    ]));

    let by = ALERTS.find("by (job))").unwrap();
    let actions = client.result("textDocument/codeAction", json!({"textDocument": {"uri": uri}, "range": range(ALERTS, by, by), "context": {"diagnostics": []}}));
    let titles: Vec<&str> = actions.as_array().unwrap().iter().map(|a| a["title"].as_str().unwrap()).collect();
    assert_eq!(titles, ["Add `le` to `by (…)`", "Suppress `functions/quantile-without-le` for this rule, with a reason"]);
    let after_job = by + "by (job".len();
    assert_eq!(actions[0]["edit"]["changes"][&uri], json!([{"range": range(ALERTS, after_job, after_job), "newText": ", le"}]));
    let rule = ALERTS.find("  - alert: SlowRequests").unwrap();
    assert_eq!(actions[1]["edit"]["changes"][&uri], json!([{"range": range(ALERTS, rule, rule), "newText": "  # promaudit: ignore[functions/quantile-without-le] TODO: why this is fine\n"}]));
    assert_eq!(client.shutdown(), Some(0));
}

#[test]
fn bad_requests_get_errors_and_the_server_carries_on() {
    let dir = workspace("lsp-robustness");
    let mut client = Client::start();
    let early = client.request("textDocument/hover", json!({"textDocument": {"uri": "file:///x.yml"}, "position": {"line": 0, "character": 0}}));
    assert_eq!(early["error"]["code"], -32002, "requests before initialize: ServerNotInitialized");
    client.initialize(&dir, Value::Null);

    client.send_bytes(b"{not json");
    assert_eq!(client.wait_for(|m| m["id"].is_null() && m.get("error").is_some())["error"]["code"], -32700);
    client.send_bytes(b"{\"jsonrpc\":\"2.0\",\"id\":99,\"method\":\"textDocument/hover\",\"params\":\"\xff\xfe\"}");
    assert_eq!(client.wait_for(|m| m["id"].is_null() && m.get("error").is_some())["error"]["code"], -32700, "a non-UTF-8 body is a parse error");

    assert_eq!(client.request("workspace/unknownThing", json!({}))["error"]["code"], -32601);
    assert_eq!(client.request("textDocument/hover", json!({"textDocument": 7}))["error"]["code"], -32602);
    let unknown = json!({"textDocument": {"uri": "file:///nowhere.yml"}, "position": {"line": 0, "character": 0}});
    assert_eq!(client.result("textDocument/hover", unknown), Value::Null);

    // Positions past the end of a line or the file clamp.
    let uri = client.open(&dir.join("rules/alerts.yml"), ALERTS);
    client.diagnostics(&uri);
    for position in [json!({"line": 5, "character": 10_000}), json!({"line": 10_000, "character": 3}), json!({"line": 5, "character": 84})] {
        client.result("textDocument/hover", json!({"textDocument": {"uri": uri}, "position": position}));
        client.result("textDocument/completion", json!({"textDocument": {"uri": uri}, "position": position}));
        client.result("textDocument/definition", json!({"textDocument": {"uri": uri}, "position": position}));
    }
    let beyond = json!({"start": {"line": 9_999, "character": 0}, "end": {"line": 0, "character": 9_999}});
    client.notify("textDocument/didChange", json!({"textDocument": {"uri": uri, "version": 2}, "contentChanges": [{"range": beyond, "text": "x"}]}));
    assert_eq!(client.diagnostics(&uri)["version"], 2);
    assert_eq!(client.shutdown(), Some(0));
}

fn codes(diagnostics: &Value) -> Vec<String> {
    diagnostics["diagnostics"].as_array().unwrap().iter().map(|d| d["code"].as_str().unwrap().to_string()).collect()
}

#[test]
fn bad_frames_panics_special_files_and_huge_documents_do_not_stop_the_server() {
    let dir = workspace("lsp-survival");
    // The workspace walk and the disk copies of opened documents must not wait on a FIFO.
    let fifo = dir.join("rules/fifo.yml");
    assert!(Command::new("mkfifo").arg(&fifo).status().unwrap().success());
    let mut client = Client::start_with_env(&[("PROMAUDIT_TEST_PANIC_ON", "boom.yml")]);
    client.initialize(&dir, Value::Null);
    let nowhere = json!({"textDocument": {"uri": "file:///nowhere.yml"}, "position": {"line": 0, "character": 0}});

    client.send_raw(b"Content-Length: abc\r\n\r\n{\"jsonrpc\":\"2.0\",\"method\":\"initialized\"}");
    assert_eq!(client.result("textDocument/hover", nowhere.clone()), Value::Null, "answered after a frame with an unreadable length");

    let parser_panic = client.open(&dir.join("rules/range.yml"), "groups:\n- name: a\n  rules:\n  - record: a:b\n    expr: x[1e30]\n");
    assert!(codes(&client.diagnostics(&parser_panic)).contains(&"promql/syntax".to_string()));
    let boom = client.open(&dir.join("rules/boom.yml"), RECORDING);
    let internal = client.diagnostics(&boom);
    assert_eq!(codes(&internal), ["source/internal-error"]);
    assert!(internal["diagnostics"][0]["message"].as_str().unwrap().contains("PROMAUDIT_TEST_PANIC_ON"));

    for special in [lsp_client::uri(&fifo), "file:///dev/zero".to_string()] {
        client.notify("textDocument/didOpen", json!({"textDocument": {"uri": special, "languageId": "yaml", "version": 1, "text": RECORDING}}));
        client.diagnostics(&special);
        client.notify("textDocument/didClose", json!({"textDocument": {"uri": special}}));
    }

    let huge = format!("{RECORDING}# {}\n", "x".repeat(17 << 20));
    let huge = client.open(&dir.join("rules/huge.yml"), &huge);
    let too_large = client.diagnostics(&huge);
    assert_eq!(codes(&too_large), ["source/unreadable"]);
    assert!(too_large["diagnostics"][0]["message"].as_str().unwrap().contains("larger than the 16 MiB"));

    // Old Mac line endings: a lone `\r` ends a line, in the editor's positions too.
    let cr_only = client.open(&dir.join("rules/cr.yml"), "groups:\r- name: a\r  rules:\r  - record: a:b\r    expr: sum(x\r");
    let found = client.diagnostics(&cr_only);
    let lines: Vec<(&str, u64)> = found["diagnostics"].as_array().unwrap().iter().map(|d| (d["code"].as_str().unwrap(), d["range"]["start"]["line"].as_u64().unwrap())).collect();
    assert!(lines.contains(&("promql/syntax", 4)) && lines.contains(&("graph/unused-recording-rule", 3)), "{lines:?}");
    // As deep as the expression limits allow: checked and hovered without overflowing a stack.
    let deep_text = format!("groups:\n- name: a\n  rules:\n  - alert: A\n    expr: '{}x{}'\n", "x or x and x == x + x * sum(".repeat(128), ")".repeat(128));
    let deep = client.open(&dir.join("rules/deep.yml"), &deep_text);
    assert!(!codes(&client.diagnostics(&deep)).contains(&"promql/too-complex".to_string()));
    let innermost = json!({"textDocument": {"uri": deep}, "position": position(&deep_text, deep_text.rfind("sum").unwrap())});
    assert!(client.result("textDocument/hover", innermost).is_object());

    let alerts = client.open(&dir.join("rules/alerts.yml"), ALERTS);
    assert!(!codes(&client.diagnostics(&alerts)).is_empty(), "the worker still checks");
    assert_eq!(client.shutdown(), Some(0));
}

#[test]
fn unsaved_recording_rules_count_for_other_files_until_closed() {
    let dir = workspace("lsp-overlay");
    let mut client = Client::start();
    client.initialize(&dir, json!({"catalog": ["catalog.prom"]}));
    let alerts = client.open(&dir.join("rules/alerts.yml"), ALERTS);
    let undefined = |published: &Value| published["diagnostics"].as_array().unwrap().iter().any(|d| d["code"] == "graph/undefined-recording-rule");
    assert!(!undefined(&client.diagnostics(&alerts)));

    // Renaming the recording rule in an unsaved buffer leaves the alert reading nothing.
    let recording = client.open(&dir.join("rules/recording.yml"), RECORDING);
    client.diagnostics(&recording);
    client.notify("textDocument/didChange", json!({"textDocument": {"uri": recording, "version": 2}, "contentChanges": [{"text": RECORDING.replace("rate5m", "rate10m")}]}));
    let published = client.diagnostics(&alerts);
    assert!(undefined(&published), "{published}");
    let read = ALERTS.find("job:http_errors:rate5m").unwrap();
    let finding = published["diagnostics"].as_array().unwrap().iter().find(|d| d["code"] == "graph/undefined-recording-rule").unwrap();
    assert_eq!(finding["range"], range(ALERTS, read, read + "job:http_errors:rate5m".len()));

    // Closed without saving: the disk's definition counts again.
    client.notify("textDocument/didClose", json!({"textDocument": {"uri": recording}}));
    assert!(!undefined(&client.diagnostics(&alerts)));
    assert_eq!(client.shutdown(), Some(0));
}

#[test]
fn the_workspace_configuration_applies_and_follows_edits_of_its_buffer() {
    let dir = workspace("lsp-config");
    let config = dir.join(".promaudit.yaml");
    std::fs::write(&config, "rules:\n  alerts: off\n").unwrap();
    let mut client = Client::start();
    client.initialize(&dir, json!({"catalog": ["catalog.prom"]}));
    let uri = client.open(&dir.join("rules/alerts.yml"), ALERTS);
    let codes = |published: &Value| -> Vec<String> { published["diagnostics"].as_array().unwrap().iter().map(|d| d["code"].as_str().unwrap().to_string()).collect() };
    let first = codes(&client.diagnostics(&uri));
    assert!(first.contains(&"functions/quantile-without-le".to_string()) && !first.iter().any(|c| c.starts_with("alerts/")), "{first:?}");

    // Editing the configuration's buffer, unsaved, checks the open rule file again under it.
    let config_uri = client.open(&config, "rules:\n  alerts: off\n");
    client.notify("textDocument/didChange", json!({"textDocument": {"uri": config_uri, "version": 2}, "contentChanges": [{"text": "rules:\n  alerts: warning\n"}]}));
    let again = codes(&client.diagnostics(&uri));
    assert!(again.iter().any(|c| c.starts_with("alerts/")), "{again:?}");
    assert_eq!(client.shutdown(), Some(0));
}

#[test]
fn exit_without_shutdown_is_an_error_status() {
    let mut client = Client::start();
    client.initialize(&temp_dir("lsp-exit"), Value::Null);
    client.notify("exit", Value::Null);
    let status = client.child.wait().unwrap();
    assert_eq!(status.code(), Some(1));
}

/// A real editor: headless Neovim 0.7 starts the server, opens a rule file, receives its
/// diagnostics, and edits the file. Neovim converts the server's UTF-16 ranges to byte columns
/// itself, so the columns below are byte columns of the file's line. Fails, not skips, without
/// Neovim: tests/run.sh installs it.
#[test]
fn neovim_shows_the_diagnostics_at_their_tokens_and_drops_them_when_fixed() {
    let dir = workspace("lsp-neovim");
    let alerts = dir.join("rules/alerts.yml");
    let out = dir.join("diagnostics.json");
    let script = common::repo().join("tests/neovim/diagnostics.lua");
    let mut nvim = Command::new("nvim")
        .args(["--headless", "--clean", "-n", "-c"])
        .arg(format!("luafile {}", script.display()))
        .env("PROMAUDIT_BIN", env!("CARGO_BIN_EXE_promaudit"))
        .env("PROMAUDIT_ROOT", &dir)
        .env("PROMAUDIT_FILE", &alerts)
        .env("PROMAUDIT_OUT", &out)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .spawn()
        .expect("Neovim (`nvim`) must be installed for this test: tests/run.sh installs the `neovim` package");
    let deadline = Instant::now() + 3 * TIMEOUT;
    while nvim.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = nvim.kill();
            panic!("Neovim did not finish");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let result: Value = serde_json::from_str(&std::fs::read_to_string(&out).expect("the script wrote its result")).unwrap();
    assert_eq!(result["opened"], true, "{result:#}");
    let line = ALERTS.lines().nth(5).unwrap();
    let by = line.find("by (job)").unwrap();
    let quantile = result["before"].as_array().unwrap().iter().find(|d| d["code"] == "functions/quantile-without-le").expect("the quantile finding");
    assert_eq!((&quantile["lnum"], &quantile["col"], &quantile["end_lnum"], &quantile["end_col"]), (&json!(5), &json!(by), &json!(5), &json!(by + "by (job)".len())));
    assert_eq!(quantile["severity"], 1);
    assert_eq!(quantile["source"], "promaudit");
    assert!(quantile["message"].as_str().unwrap().starts_with("this drops the `le` label"));
    assert_eq!(result["fixed"], true, "{result:#}");
    assert!(result["after"].as_array().unwrap().iter().all(|d| d["code"] != "functions/quantile-without-le"));
}
