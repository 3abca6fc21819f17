//! A live Prometheus-compatible server as a catalog source: metric metadata, series with their
//! labels, and scrape intervals. Backends without some endpoint (VictoriaMetrics, Thanos, Mimir)
//! degrade: the run goes on, and a note says which checks lost which data.
//!
//! The server's answer is turned into exposition text, so the live catalog and a recorded one
//! (`promaudit catalog record`) are read by the same code as any exposition dump.

use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::Duration;

/// Where and how to reach the server. Credentials come from the environment only.
#[derive(Default)]
pub struct LiveOptions {
    pub url: String,
    pub timeout: Duration,
    pub tls: TlsOptions,
    pub credentials: Credentials,
}

/// The environment variables credentials are read from: names only, so that a configuration
/// file can choose them without ever holding a secret.
pub struct Credentials {
    pub token_env: String,
    pub user_env: String,
    pub password_env: String,
}

impl Default for Credentials {
    fn default() -> Self {
        Credentials { token_env: TOKEN_ENV.into(), user_env: USER_ENV.into(), password_env: PASSWORD_ENV.into() }
    }
}

/// TLS for `https://` servers: a private CA, a client certificate, or no verification at all.
#[derive(Default)]
pub struct TlsOptions {
    pub ca_file: Option<std::path::PathBuf>,
    pub client_cert: Option<std::path::PathBuf>,
    pub client_key: Option<std::path::PathBuf>,
    pub insecure_skip_verify: bool,
}

/// Above this many series the full series listing is not read: it would take minutes and
/// gigabytes. Series counts then come from the TSDB status, label names stay unknown.
pub const SERIES_DUMP_LIMIT: u64 = 2_000_000;

/// Environment variables holding credentials; their values are never printed.
pub const TOKEN_ENV: &str = "PROMAUDIT_PROMETHEUS_TOKEN";
pub const USER_ENV: &str = "PROMAUDIT_PROMETHEUS_USER";
pub const PASSWORD_ENV: &str = "PROMAUDIT_PROMETHEUS_PASSWORD";

/// What a server told: its series as exposition text, scrape intervals per job, its
/// configuration, and what it could not tell.
#[derive(Debug, Default)]
pub struct LiveSnapshot {
    pub exposition: String,
    pub scrape_intervals: BTreeMap<String, Duration>,
    /// The server's `prometheus.yml`, for the target labels its relabeling writes.
    pub config: Option<String>,
    /// Series per metric from the TSDB status, when the series were too many to list.
    pub series_counts: BTreeMap<String, usize>,
    pub notes: Vec<String>,
    pub series: usize,
}

/// The byte range of the password in a URL's `user:password@`, if it has one.
pub fn url_password(url: &str) -> Option<std::ops::Range<usize>> {
    let authority_start = url.find("://")? + 3;
    let authority_end = url[authority_start..].find(['/', '?', '#']).map_or(url.len(), |i| authority_start + i);
    let userinfo_end = authority_start + url[authority_start..authority_end].rfind('@')?;
    let colon = authority_start + url[authority_start..userinfo_end].find(':')?;
    Some(colon + 1..userinfo_end)
}

/// A URL as it may be printed: a password in it masked.
pub fn display_url(url: &str) -> String {
    let mut shown = url.to_string();
    if let Some(password) = url_password(url) {
        shown.replace_range(password, "***");
    }
    shown
}

pub fn fetch(options: &LiveOptions, progress: &mut dyn FnMut(&str)) -> Result<LiveSnapshot, String> {
    let client = Client::new(options)?;
    let mut snapshot = LiveSnapshot::default();
    progress("reading metric metadata");
    let metadata = client.get_json("/api/v1/metadata").map(|data| metadata_by_name(&data)).and_then(|m| if m.is_empty() { Err("the server returned none".to_string()) } else { Ok(m) });
    let metadata = metadata.unwrap_or_else(|error| {
        snapshot.notes.push(format!("no metric metadata ({error}): metric types, help and units are unknown, so type checks such as rate-on-gauge are skipped"));
        BTreeMap::new()
    });
    progress("reading TSDB status");
    let status = client.get_json("/api/v1/status/tsdb?limit=100000");
    let head_series = status.as_ref().ok().and_then(|s| s["headStats"]["numSeries"].as_u64());
    if let Err(error) = &status {
        snapshot.notes.push(format!("no TSDB status ({error}): the series are listed without knowing their number first"));
    }
    match (head_series, status) {
        (Some(total), Ok(status)) if total > SERIES_DUMP_LIMIT => {
            snapshot.series = total as usize;
            snapshot.series_counts = series_counts(&status);
            snapshot.exposition = exposition_text(&metadata, &[]);
            snapshot.notes.push(format!("{total} series are too many to list: series counts come from the TSDB status, label names are unknown, so label checks are skipped"));
        }
        _ => {
            progress("reading series");
            let series = client.get_json("/api/v1/series?match[]=%7B__name__%3D~%22.%2B%22%7D")?;
            let series = series.as_array().ok_or("the series endpoint did not answer a list")?;
            snapshot.series = series.len();
            snapshot.exposition = exposition_text(&metadata, series);
        }
    }
    progress("reading scrape targets");
    match client.get_json("/api/v1/targets") {
        Ok(data) => snapshot.scrape_intervals = scrape_intervals(&data),
        Err(error) => snapshot.notes.push(format!("no scrape targets ({error}): scrape intervals are unknown, so rate-window checks are skipped")),
    }
    progress("reading the configuration");
    match client.get_json("/api/v1/status/config") {
        Ok(data) => snapshot.config = data["yaml"].as_str().map(str::to_string),
        Err(error) => snapshot.notes.push(format!("no configuration ({error}): labels that relabeling attaches are known only from the series")),
    }
    Ok(snapshot)
}

/// `seriesCountByMetricName` of a TSDB status answer.
fn series_counts(status: &Value) -> BTreeMap<String, usize> {
    let entries = status["seriesCountByMetricName"].as_array().map(Vec::as_slice).unwrap_or_default();
    entries.iter().filter_map(|e| Some((e["name"].as_str()?.to_string(), e["value"].as_u64()? as usize))).collect()
}

struct Client {
    agent: ureq::Agent,
    base: String,
    authorization: Option<String>,
}

impl Client {
    fn new(options: &LiveOptions) -> Result<Self, String> {
        let config = ureq::Agent::config_builder().timeout_global(Some(options.timeout)).http_status_as_error(false).tls_config(tls_config(&options.tls)?).build();
        let names = &options.credentials;
        let authorization = match (std::env::var(&names.token_env), std::env::var(&names.user_env), std::env::var(&names.password_env)) {
            (Ok(token), _, _) => Some(format!("Bearer {token}")),
            (_, Ok(user), Ok(password)) => Some(format!("Basic {}", base64(&format!("{user}:{password}")))),
            _ => None,
        };
        Ok(Client { agent: config.into(), base: options.url.trim_end_matches('/').to_string(), authorization })
    }

    /// The `data` of a Prometheus API answer.
    fn get_json(&self, path: &str) -> Result<Value, String> {
        let url = format!("{}{path}", self.base);
        let mut request = self.agent.get(&url);
        if let Some(authorization) = &self.authorization {
            request = request.header("Authorization", authorization);
        }
        // Errors name the endpoint, never the request headers that carry credentials.
        let endpoint = path.split('?').next().unwrap_or(path);
        let mut response = request.call().map_err(|e| format!("{endpoint}: {e}"))?;
        let status = response.status();
        if !status.is_success() {
            return Err(format!("{endpoint} answered HTTP {}", status.as_u16()));
        }
        let body = response.body_mut().with_config().limit(512 * 1024 * 1024).read_to_string().map_err(|e| format!("{endpoint}: {e}"))?;
        let answer: Value = serde_json::from_str(&body).map_err(|e| format!("{endpoint} did not answer JSON: {e}"))?;
        if answer["status"] != "success" {
            return Err(format!("{endpoint}: {}", answer["error"].as_str().unwrap_or("error")));
        }
        Ok(answer["data"].clone())
    }
}

fn tls_config(options: &TlsOptions) -> Result<ureq::tls::TlsConfig, String> {
    use ureq::tls::{Certificate, ClientCert, PrivateKey, RootCerts, TlsConfig};
    let read = |path: &std::path::Path| std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()));
    let certificates = |path: &std::path::Path| -> Result<Vec<Certificate<'static>>, String> {
        let pem = read(path)?;
        let parsed: Vec<Certificate<'static>> = ureq::tls::parse_pem(&pem)
            .filter_map(|item| match item {
                Ok(ureq::tls::PemItem::Certificate(c)) => Some(c),
                _ => None,
            })
            .collect();
        if parsed.is_empty() {
            return Err(format!("{} holds no PEM certificate", path.display()));
        }
        Ok(parsed)
    };
    let mut builder = TlsConfig::builder().disable_verification(options.insecure_skip_verify);
    if let Some(ca) = &options.ca_file {
        builder = builder.root_certs(RootCerts::new_with_certs(&certificates(ca)?));
    }
    match (&options.client_cert, &options.client_key) {
        (Some(cert), Some(key)) => {
            let key = PrivateKey::from_pem(&read(key)?).map_err(|e| format!("{}: {e}", key.display()))?;
            builder = builder.client_cert(Some(ClientCert::new_with_certs(&certificates(cert)?, key)));
        }
        (None, None) => {}
        _ => return Err("a client certificate needs both --prometheus-cert-file and --prometheus-key-file".into()),
    }
    Ok(builder.build())
}

/// `{name: [{type, help, unit}]}` → name → (type, help, unit).
fn metadata_by_name(data: &Value) -> BTreeMap<String, (String, String, String)> {
    let Some(entries) = data.as_object() else { return BTreeMap::new() };
    entries
        .iter()
        .filter_map(|(name, list)| {
            let first = list.as_array()?.first()?;
            let field = |key: &str| first[key].as_str().unwrap_or("").to_string();
            Some((name.clone(), (field("type"), field("help"), field("unit"))))
        })
        .collect()
}

/// The server's families and series as exposition text, HELP/TYPE/UNIT first.
fn exposition_text(metadata: &BTreeMap<String, (String, String, String)>, series: &[Value]) -> String {
    let mut text = String::new();
    for (name, (kind, help, unit)) in metadata {
        let _ = writeln!(text, "# HELP {name} {}", help.replace('\n', " "));
        let _ = writeln!(text, "# TYPE {name} {kind}");
        if !unit.is_empty() {
            let _ = writeln!(text, "# UNIT {name} {unit}");
        }
    }
    for labels in series.iter().filter_map(Value::as_object) {
        let Some(name) = labels.get("__name__").and_then(Value::as_str) else { continue };
        let pairs: Vec<String> = labels
            .iter()
            .filter(|(key, _)| key.as_str() != "__name__")
            .map(|(key, value)| format!("{key}=\"{}\"", escape(value.as_str().unwrap_or(""))))
            .collect();
        let _ = writeln!(text, "{name}{{{}}} 0", pairs.join(","));
    }
    text
}

fn escape(value: &str) -> String {
    value.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

/// Each job's scrape interval, from the active targets.
fn scrape_intervals(data: &Value) -> BTreeMap<String, Duration> {
    let targets = data["activeTargets"].as_array().map(Vec::as_slice).unwrap_or_default();
    targets
        .iter()
        .filter_map(|target| {
            let job = target["labels"]["job"].as_str().or_else(|| target["scrapePool"].as_str())?;
            let interval = crate::parse_duration(target["scrapeInterval"].as_str()?)?;
            Some((job.to_string(), interval))
        })
        .collect()
}

fn base64(text: &str) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in text.as_bytes().chunks(3) {
        let n = chunk.iter().enumerate().fold(0u32, |acc, (i, b)| acc | (u32::from(*b) << (16 - 8 * i)));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn passwords_in_urls_are_masked_for_display() {
        assert_eq!(super::display_url("https://ops:hunter2@prometheus:9090/x@y"), "https://ops:***@prometheus:9090/x@y");
        assert_eq!(super::display_url("http://ops@prometheus:9090"), "http://ops@prometheus:9090");
        assert_eq!(super::url_password("http://host:9090/a@b"), None);
    }

    use super::*;

    #[test]
    fn answers_become_exposition_text() {
        let metadata: Value = serde_json::json!({"req_total": [{"type": "counter", "help": "Requests.", "unit": ""}]});
        let series: Value = serde_json::json!([{"__name__": "req_total", "job": "a", "path": "/x\"y"}]);
        let text = exposition_text(&metadata_by_name(&metadata), series.as_array().unwrap());
        assert_eq!(text, "# HELP req_total Requests.\n# TYPE req_total counter\nreq_total{job=\"a\",path=\"/x\\\"y\"} 0\n");
        let loaded = crate::parse_exposition(&text, "live");
        assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
        assert!(loaded.catalog.family("req_total").unwrap().labels["path"].values.contains("/x\"y"));
    }

    #[test]
    fn intervals_and_credentials() {
        let data = serde_json::json!({"activeTargets": [{"labels": {"job": "api"}, "scrapeInterval": "1m30s"}]});
        assert_eq!(scrape_intervals(&data)["api"], Duration::from_secs(90));
        assert_eq!(base64("user:pass"), "dXNlcjpwYXNz");
        assert_eq!(base64("ab"), "YWI=");
    }
}
