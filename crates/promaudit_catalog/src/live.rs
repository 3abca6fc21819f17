//! A live Prometheus-compatible server as a catalog source: metric metadata, series with their
//! labels, and scrape intervals. Backends without some endpoint (VictoriaMetrics, Thanos, Mimir)
//! degrade: the run goes on, and a note says which checks lost which data.
//!
//! The server's answer is turned into exposition lines, so the live catalog and a recorded one
//! (`promaudit catalog record`) are read by the same code as any exposition dump. The series
//! listing is streamed a series at a time: a server's millions of series are never in memory
//! as text or as a JSON tree.

use crate::exposition::ExpositionReader;
use crate::Catalog;
use serde::de::{DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::hash::{Hash, Hasher};
use std::io::Read;
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

/// An answer other than the series listing (metadata, targets, configuration) is read whole;
/// more than this is not a Prometheus answer.
const MAX_ANSWER_BYTES: u64 = 512 * 1024 * 1024;
/// Enough of an error answer to quote its reason.
const MAX_ERROR_BYTES: u64 = 64 * 1024;

/// Environment variables holding credentials; their values are never printed.
pub const TOKEN_ENV: &str = "PROMAUDIT_PROMETHEUS_TOKEN";
pub const USER_ENV: &str = "PROMAUDIT_PROMETHEUS_USER";
pub const PASSWORD_ENV: &str = "PROMAUDIT_PROMETHEUS_PASSWORD";

/// What a server told: its metric families and series, scrape intervals per job, its
/// configuration, and what it could not tell.
#[derive(Debug, Default)]
pub struct LiveSnapshot {
    /// The families of the server's metadata and series, as read from exposition lines.
    pub catalog: Catalog,
    /// A hash of those lines: equal when the server's families and series did not change.
    pub fingerprint: u64,
    pub scrape_intervals: BTreeMap<String, Duration>,
    /// The server's `prometheus.yml`, for the target labels its relabeling writes.
    pub config: Option<String>,
    /// Series per metric from the TSDB status, when the series were too many to list.
    pub series_counts: BTreeMap<String, usize>,
    pub notes: Vec<String>,
    pub series: usize,
    /// The server failed part way (no answer, a server error): what is missing is not
    /// missing from the server.
    pub incomplete: bool,
}

/// The longest wait accepted for a server, a day: more is a typo, and would hang a CI job.
pub const MAX_WAIT_SECONDS: u64 = 86_400;

/// A wait in seconds (a timeout, a refresh period) as a duration, unless it is zero (no time to
/// answer, or a request storm) or longer than [`MAX_WAIT_SECONDS`].
pub fn wait_seconds(seconds: u64) -> Result<Duration, String> {
    if (1..=MAX_WAIT_SECONDS).contains(&seconds) {
        Ok(Duration::from_secs(seconds))
    } else {
        Err(format!("expected between 1 and {MAX_WAIT_SECONDS} seconds (a day), not {seconds}"))
    }
}

/// The byte range of the password in a URL's `user:password@`, if it has one: also a password
/// holding `/`, `?` or `#` (which RFC 3986 would take for the path) and a URL without a scheme.
/// `host:9090/a@b` has no password: a port is digits.
fn url_password(url: &str) -> Option<std::ops::Range<usize>> {
    let start = url.find("://").map_or(0, |i| i + 3);
    let rest = &url[start..];
    let colon = rest.find(':')?;
    if rest[..colon].contains(['@', '/', '?', '#']) {
        return None;
    }
    let authority = &rest[..rest.find(['/', '?', '#']).unwrap_or(rest.len())];
    let userinfo_end = match authority.rfind('@') {
        Some(at) => at,
        None if authority[colon + 1..].bytes().all(|b| b.is_ascii_digit()) => return None,
        // The first `@` followed by a host: what comes before it is the password.
        None => rest.match_indices('@').map(|(at, _)| at).find(|&at| at > colon && is_host(&rest[at + 1..]))?,
    };
    Some(start + colon + 1..start + userinfo_end)
}

/// Whether `text` starts with `host[:port]` and nothing or a path, query or fragment after it.
fn is_host(text: &str) -> bool {
    let end = text.find(['/', '?', '#']).unwrap_or(text.len());
    end > 0 && text[..end].bytes().all(|b| b.is_ascii_alphanumeric() || b".-_:[]".contains(&b))
}

/// Query parameters whose values are credentials.
const SECRET_PARAMETERS: &[&str] = &["access_token", "token", "api_key", "apikey", "password"];

/// The byte ranges of every credential in a URL: its password and its token-like query values.
pub fn url_secrets(url: &str) -> Vec<std::ops::Range<usize>> {
    let mut secrets: Vec<_> = url_password(url).into_iter().collect();
    let lower = url.to_ascii_lowercase();
    for (at, _) in lower.match_indices(['?', '&', ';']) {
        let parameter = &lower[at + 1..];
        let Some(name) = SECRET_PARAMETERS.iter().find(|name| parameter.starts_with(*name) && parameter[name.len()..].starts_with('=')) else { continue };
        let value = at + 1 + name.len() + 1;
        secrets.push(value..url[value..].find(['&', ';', '#']).map_or(url.len(), |i| value + i));
    }
    secrets
}

/// A URL as it may be printed: its credentials masked.
pub fn display_url(url: &str) -> String {
    redact(url, &[])
}

/// `text` (a message, a server's answer) with every credential in it masked: the passwords and
/// token parameters of URLs in it, `Authorization:` header values, and each of `secrets` (the
/// values sent) wherever it appears, since a server may echo them.
pub fn redact(text: &str, secrets: &[&str]) -> String {
    let mut ranges = Vec::new();
    // A URL ends at white space or a quote; `user:password@host` needs no scheme.
    let mut word = 0;
    for (i, c) in text.char_indices().chain([(text.len(), ' ')]) {
        if c.is_whitespace() || matches!(c, '"' | '\'' | '`' | '<' | '>') {
            ranges.extend(url_secrets(&text[word..i]).into_iter().map(|r| word + r.start..word + r.end));
            word = i + c.len_utf8();
        }
    }
    let lower = text.to_ascii_lowercase();
    for (at, header) in lower.match_indices("authorization:") {
        let value = at + header.len() + (text[at + header.len()..].len() - text[at + header.len()..].trim_start_matches([' ', '\t']).len());
        ranges.push(value..text[value..].find(['\n', '\r']).map_or(text.len(), |i| value + i));
    }
    for secret in secrets.iter().filter(|s| !s.is_empty()) {
        ranges.extend(text.match_indices(secret).map(|(at, _)| at..at + secret.len()));
    }
    ranges.sort_by_key(|r| r.start);
    let (mut shown, mut done) = (String::with_capacity(text.len()), 0);
    for range in ranges.into_iter().filter(|r| !r.is_empty()) {
        if range.end > done {
            shown.push_str(&text[done..range.start.max(done)]);
            if range.start >= done {
                shown.push_str("***");
            }
            done = range.end;
        }
    }
    shown.push_str(&text[done..]);
    shown
}

/// Reads the server within `options.timeout` in all: each request has the time the ones before
/// it left, so a server that stops answering costs the timeout once.
pub fn fetch(options: &LiveOptions, progress: &mut dyn FnMut(&str)) -> Result<LiveSnapshot, String> {
    let client = Client::new(options)?;
    let mut snapshot = LiveSnapshot::default();
    progress("reading metric metadata");
    let metadata = client.get_json("/api/v1/metadata").map(|data| metadata_by_name(&data, &mut snapshot.notes)).and_then(|m| if m.is_empty() { Err(Failure::Unserved("the server returned none".to_string())) } else { Ok(m) });
    let metadata = snapshot.degrade(metadata, "no metric metadata", "metric types, help and units are unknown, so type checks such as rate-on-gauge are skipped").unwrap_or_default();
    progress("reading TSDB status");
    let status = snapshot.degrade(client.get_json("/api/v1/status/tsdb?limit=100000"), "no TSDB status", "the series are listed without knowing their number first");
    let head_series = status.as_ref().and_then(|s| s["headStats"]["numSeries"].as_u64());
    let mut lines = Lines::new();
    lines.metadata(&metadata);
    match (head_series, status) {
        (Some(total), Some(status)) if total > SERIES_DUMP_LIMIT => {
            snapshot.series = total as usize;
            snapshot.series_counts = series_counts(&status);
            snapshot.notes.push(format!("{total} series are too many to list: series counts come from the TSDB status, label names are unknown, so label checks are skipped"));
        }
        _ => {
            progress("reading series");
            snapshot.series = client.each_series(&mut |series| lines.series(&series)).map_err(|f| f.to_string())?;
        }
    }
    (snapshot.catalog, snapshot.fingerprint) = lines.finish();
    progress("reading scrape targets");
    let targets = snapshot.degrade(client.get_json("/api/v1/targets"), "no scrape targets", "scrape intervals are unknown, so rate-window checks are skipped");
    snapshot.scrape_intervals = targets.map(|data| scrape_intervals(&data)).unwrap_or_default();
    progress("reading the configuration");
    let config = snapshot.degrade(client.get_json("/api/v1/status/config"), "no configuration", "labels that relabeling attaches are known only from the series");
    snapshot.config = config.and_then(|data| data["yaml"].as_str().map(str::to_string));
    Ok(snapshot)
}

impl LiveSnapshot {
    /// An endpoint's answer, or a note of what is missing (`what`) and which checks lose it
    /// (`consequence`); a server that stopped answering also makes the snapshot incomplete.
    fn degrade<T>(&mut self, answer: Result<T, Failure>, what: &str, consequence: &str) -> Option<T> {
        match answer {
            Ok(value) => Some(value),
            Err(failure) => {
                self.incomplete |= matches!(failure, Failure::Lost(_));
                self.notes.push(format!("{what} ({failure}): {consequence}"));
                None
            }
        }
    }
}

/// `seriesCountByMetricName` of a TSDB status answer.
fn series_counts(status: &Value) -> BTreeMap<String, usize> {
    let entries = status["seriesCountByMetricName"].as_array().map(Vec::as_slice).unwrap_or_default();
    entries.iter().filter_map(|e| Some((e["name"].as_str()?.to_string(), e["value"].as_u64()? as usize))).collect()
}

/// Why an endpoint gave nothing.
enum Failure {
    /// The server answered that it does not serve it: a backend without the endpoint.
    Unserved(String),
    /// No answer: the server is down, too slow, or cut the answer off.
    Lost(String),
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        match self {
            Failure::Unserved(text) | Failure::Lost(text) => f.write_str(text),
        }
    }
}

struct Client {
    agent: ureq::Agent,
    base: String,
    authorization: Option<String>,
    /// The credential values sent, masked wherever a server's answer echoes them.
    secrets: Vec<String>,
    /// When the whole read must be over.
    deadline: std::time::Instant,
    timeout: Duration,
}

impl Client {
    fn new(options: &LiveOptions) -> Result<Self, String> {
        let config = ureq::Agent::config_builder().http_status_as_error(false).tls_config(tls_config(&options.tls)?).build();
        let names = &options.credentials;
        let (authorization, secrets) = match (std::env::var(&names.token_env), std::env::var(&names.user_env), std::env::var(&names.password_env)) {
            (Ok(token), _, _) => (Some(format!("Bearer {token}")), vec![token]),
            (_, Ok(user), Ok(password)) => {
                let encoded = base64(&format!("{user}:{password}"));
                (Some(format!("Basic {encoded}")), vec![password, encoded])
            }
            _ => (None, Vec::new()),
        };
        let deadline = std::time::Instant::now() + options.timeout;
        Ok(Client { agent: config.into(), base: options.url.trim_end_matches('/').to_string(), authorization, secrets, deadline, timeout: options.timeout })
    }

    /// The `data` of a Prometheus API answer; errors name the endpoint, never the request
    /// headers, and are masked of the credentials a server may echo.
    fn get_json(&self, path: &str) -> Result<Value, Failure> {
        self.get(path, |body| {
            let mut text = String::new();
            body.take(MAX_ANSWER_BYTES + 1).read_to_string(&mut text).map_err(|e| Failure::Lost(format!(": {e}")))?;
            if text.len() as u64 > MAX_ANSWER_BYTES {
                return Err(Failure::Unserved(format!(" answered more than {} MiB", MAX_ANSWER_BYTES >> 20)));
            }
            let answer: Value = serde_json::from_str(&text).map_err(|_| Failure::Unserved(" did not answer JSON".to_string()))?;
            if answer["status"] != "success" {
                return Err(Failure::Unserved(format!(": {}", answer["error"].as_str().unwrap_or("the answer's status is not success"))));
            }
            Ok(answer["data"].clone())
        })
    }

    /// Hands every series of the server's listing to `each` as it arrives; how many there were.
    fn each_series(&self, each: &mut dyn FnMut(BTreeMap<String, String>)) -> Result<usize, Failure> {
        self.get("/api/v1/series?match[]=%7B__name__%3D~%22.%2B%22%7D", |body| {
            let mut reader = serde_json::Deserializer::from_reader(std::io::BufReader::new(body));
            let answer = SeriesAnswer { each }.deserialize(&mut reader).map_err(|e| match e.classify() {
                serde_json::error::Category::Io | serde_json::error::Category::Eof => Failure::Lost(format!(": {e}")),
                _ => Failure::Unserved(format!(" did not answer a list of series: {e}")),
            })?;
            match answer.status.as_deref() {
                Some("success") => Ok(answer.series),
                _ => Err(Failure::Unserved(format!(": {}", answer.error.as_deref().unwrap_or("the answer's status is not success")))),
            }
        })
    }

    /// A successful answer's body, given to `read`; errors name the endpoint, never the request
    /// headers, and are masked of the credentials a server may echo.
    fn get<T>(&self, path: &str, read: impl FnOnce(&mut dyn Read) -> Result<T, Failure>) -> Result<T, Failure> {
        let endpoint = path.split('?').next().unwrap_or(path);
        let secrets: Vec<&str> = self.secrets.iter().map(String::as_str).collect();
        self.get_unmasked(path, read).map_err(|failure| match failure {
            Failure::Unserved(text) => Failure::Unserved(redact(&format!("{endpoint}{text}"), &secrets)),
            Failure::Lost(text) => Failure::Lost(redact(&format!("{endpoint}{text}"), &secrets)),
        })
    }

    fn get_unmasked<T>(&self, path: &str, read: impl FnOnce(&mut dyn Read) -> Result<T, Failure>) -> Result<T, Failure> {
        let out_of_time = || Failure::Lost(format!(": no answer within the {} s the whole read may take (--prometheus-timeout)", self.timeout.as_secs()));
        let remaining = self.deadline.saturating_duration_since(std::time::Instant::now());
        if remaining.is_zero() {
            return Err(out_of_time());
        }
        let mut request = self.agent.get(&format!("{}{path}", self.base)).config().timeout_global(Some(remaining)).build();
        if let Some(authorization) = &self.authorization {
            request = request.header("Authorization", authorization);
        }
        let mut response = request.call().map_err(|e| if matches!(e, ureq::Error::Timeout(_)) { out_of_time() } else { Failure::Lost(format!(": {e}")) })?;
        let status = response.status();
        // The deadline bounds a body without end; what is read is bounded by `read`.
        let mut body = response.body_mut().with_config().limit(u64::MAX).reader();
        if status.is_success() {
            return read(&mut body);
        }
        let mut text = String::new();
        let _ = body.take(MAX_ERROR_BYTES).read_to_string(&mut text);
        // Prometheus explains an error in the answer's `error`; a proxy in its first line.
        let answer: Option<Value> = serde_json::from_str(&text).ok();
        let reason = answer.as_ref().and_then(|a| a["error"].as_str().map(str::to_string)).unwrap_or_else(|| text.lines().next().unwrap_or_default().chars().take(200).collect::<String>());
        let text = format!(" answered HTTP {}: {}", status.as_u16(), reason);
        // A server error is a server in trouble; any other refusal, an endpoint it lacks.
        Err(if status.is_server_error() && status.as_u16() != 501 { Failure::Lost(text) } else { Failure::Unserved(text) })
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

/// `{name: [{type, help, unit}]}` → name → (type, help, unit). Entries whose name, type or
/// unit could not be written as one exposition line each (a type of `counter\n# TYPE x gauge`
/// would declare another family) are left out, with a note.
fn metadata_by_name(data: &Value, notes: &mut Vec<String>) -> BTreeMap<String, (String, String, String)> {
    let Some(entries) = data.as_object() else { return BTreeMap::new() };
    let mut ignored = Vec::new();
    let metadata = entries
        .iter()
        .filter_map(|(name, list)| {
            let first = list.as_array()?.first()?;
            let field = |key: &str| first[key].as_str().unwrap_or("");
            let kind = crate::MetricKind::parse(field("type")).filter(|_| is_plain_name(name) && field("unit").bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'));
            match kind {
                Some(kind) => Some((name.clone(), (kind.as_str().to_string(), field("help").to_string(), field("unit").to_string()))),
                None => {
                    ignored.push(format!("{name:?}"));
                    None
                }
            }
        })
        .collect();
    if !ignored.is_empty() {
        notes.push(format!("ignored the metadata of {} metrics whose name, type or unit is not valid: {}", ignored.len(), ignored.join(", ")));
    }
    metadata
}

/// Whether a metric or label name can be written unquoted on an exposition line without
/// changing its structure.
fn is_plain_name(name: &str) -> bool {
    !name.is_empty() && !name.starts_with('#') && !name.chars().any(|c| c.is_whitespace() || c.is_control() || "\"\\{},=".contains(c))
}

/// The server's families and series as exposition lines, HELP/TYPE/UNIT first, read as they
/// are written. Series with names that would break their line are left out.
struct Lines {
    reader: ExpositionReader<'static>,
    hasher: std::hash::DefaultHasher,
    line: String,
}

impl Lines {
    fn new() -> Self {
        Lines { reader: ExpositionReader::new("live"), hasher: std::hash::DefaultHasher::new(), line: String::new() }
    }

    fn push(&mut self) {
        self.line.hash(&mut self.hasher);
        self.reader.push_line(&self.line);
        self.line.clear();
    }

    fn metadata(&mut self, metadata: &BTreeMap<String, (String, String, String)>) {
        for (name, (kind, help, unit)) in metadata {
            let help = help.replace('\\', "\\\\").replace('\n', "\\n").replace('\r', " ");
            let _ = write!(self.line, "# HELP {name} {help}");
            self.push();
            let _ = write!(self.line, "# TYPE {name} {kind}");
            self.push();
            if !unit.is_empty() {
                let _ = write!(self.line, "# UNIT {name} {unit}");
                self.push();
            }
        }
    }

    fn series(&mut self, labels: &BTreeMap<String, String>) {
        let Some(name) = labels.get("__name__").filter(|n| is_plain_name(n)) else { return };
        if !labels.keys().all(|key| is_plain_name(key)) {
            return;
        }
        self.line.push_str(name);
        self.line.push('{');
        for (i, (key, value)) in labels.iter().filter(|(key, _)| key.as_str() != "__name__").enumerate() {
            let _ = write!(self.line, "{}{key}=\"{}\"", if i == 0 { "" } else { "," }, escape(value));
        }
        self.line.push_str("} 0");
        self.push();
    }

    fn finish(self) -> (Catalog, u64) {
        (self.reader.finish().catalog, self.hasher.finish())
    }
}

/// The `status`, `error` and `data` of a series listing, each series handed on as it is read.
struct SeriesAnswer<'f> {
    each: &'f mut dyn FnMut(BTreeMap<String, String>),
}

#[derive(Default)]
struct SeriesSummary {
    status: Option<String>,
    error: Option<String>,
    series: usize,
}

impl<'de> DeserializeSeed<'de> for SeriesAnswer<'_> {
    type Value = SeriesSummary;

    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<SeriesSummary, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for SeriesAnswer<'_> {
    type Value = SeriesSummary;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a Prometheus API answer")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<SeriesSummary, A::Error> {
        let mut summary = SeriesSummary::default();
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "status" => summary.status = map.next_value()?,
                "error" => summary.error = map.next_value()?,
                "data" => summary.series = map.next_value_seed(EachSeries { each: &mut *self.each })?,
                _ => drop(map.next_value::<IgnoredAny>()?),
            }
        }
        Ok(summary)
    }
}

/// The `data` list of a series listing, counted and handed on a series at a time.
struct EachSeries<'f> {
    each: &'f mut dyn FnMut(BTreeMap<String, String>),
}

impl<'de> DeserializeSeed<'de> for EachSeries<'_> {
    type Value = usize;

    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<usize, D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for EachSeries<'_> {
    type Value = usize;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a list of series")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<usize, A::Error> {
        let mut count = 0;
        while let Some(series) = seq.next_element()? {
            (self.each)(series);
            count += 1;
        }
        Ok(count)
    }
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

    #[test]
    fn every_form_of_credential_in_a_url_is_masked() {
        for (url, shown) in [
            ("https://ops:pa/ss@prometheus:9090/api", "https://ops:***@prometheus:9090/api"),
            ("https://ops:pa#ss@prometheus", "https://ops:***@prometheus"),
            ("https://ops:pa?ss@prometheus/x?y=1", "https://ops:***@prometheus/x?y=1"),
            ("https://ops:pa@ss@prometheus", "https://ops:***@prometheus"),
            ("ops:hunter2@prometheus:9090", "ops:***@prometheus:9090"),
            ("https://prometheus/?access_token=abc&x=1", "https://prometheus/?access_token=***&x=1"),
            ("https://prometheus/?x=1&TOKEN=abc#top", "https://prometheus/?x=1&TOKEN=***#top"),
            ("https://prometheus/?api_key=a;apikey=b&password=c", "https://prometheus/?api_key=***;apikey=***&password=***"),
            ("http://host:9090/a@b", "http://host:9090/a@b"),
            ("https://prometheus/?tokens=1", "https://prometheus/?tokens=1"),
        ] {
            assert_eq!(super::display_url(url), shown, "{url}");
        }
    }

    #[test]
    fn server_text_is_masked_of_headers_sent_values_and_urls() {
        let text = "denied: Authorization: Bearer tok-123\nseen tok-123 and dXNlcjpwYXNz from \"http://u:pw@h/\"";
        assert_eq!(super::redact(text, &["tok-123", "dXNlcjpwYXNz"]), "denied: Authorization: ***\nseen *** and *** from \"http://u:***@h/\"");
        assert_eq!(super::redact("tok tok", &["tok", "to"]), "*** ***");
        assert_eq!(super::redact("nothing here", &[""]), "nothing here");
    }

    #[test]
    fn waits_are_neither_zero_nor_longer_than_a_day() {
        assert!(wait_seconds(0).is_err() && wait_seconds(86_401).is_err());
        assert_eq!(wait_seconds(30), Ok(Duration::from_secs(30)));
    }

    #[test]
    fn metadata_cannot_declare_other_families() {
        let metadata = serde_json::json!({
            "a_total": [{"type": "counter\n# TYPE other gauge", "help": "", "unit": ""}],
            "b_total": [{"type": "counter", "help": "line\n# TYPE other gauge\\n", "unit": ""}],
            "c\n# TYPE other gauge": [{"type": "gauge", "help": "", "unit": ""}],
        });
        let mut notes = Vec::new();
        let series = serde_json::json!([{"__name__": "d\n# TYPE other gauge", "job": "a"}, {"__name__": "e", "x\ny": "1"}]);
        let (catalog, _) = read_answers(&metadata_by_name(&metadata, &mut notes), &series);
        assert!(notes[0].contains("ignored the metadata of 2 metrics"), "{notes:?}");
        let names: Vec<&str> = catalog.sorted_families().iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["b_total"]);
        assert_eq!(catalog.family("b_total").unwrap().help.as_deref(), Some("line\n# TYPE other gauge\\n"));
    }

    /// The catalog and fingerprint of a metadata answer and a series listing.
    fn read_answers(metadata: &BTreeMap<String, (String, String, String)>, series: &Value) -> (Catalog, u64) {
        let mut lines = Lines::new();
        lines.metadata(metadata);
        let listing = serde_json::json!({"status": "success", "data": series}).to_string();
        let mut each = |series: BTreeMap<String, String>| lines.series(&series);
        let answer = SeriesAnswer { each: &mut each }.deserialize(&mut serde_json::Deserializer::from_str(&listing)).unwrap();
        assert_eq!(answer.series, series.as_array().unwrap().len());
        lines.finish()
    }

    use super::*;

    #[test]
    fn answers_become_families_with_their_labels() {
        let metadata: Value = serde_json::json!({"req_total": [{"type": "counter", "help": "Requests.", "unit": ""}]});
        let series: Value = serde_json::json!([{"__name__": "req_total", "job": "a", "path": "/x\"y"}, {"__name__": "req_total", "job": "b", "path": "/"}]);
        let (catalog, fingerprint) = read_answers(&metadata_by_name(&metadata, &mut Vec::new()), &series);
        let family = catalog.family("req_total").unwrap();
        assert_eq!((family.kind, family.series, family.help.as_deref()), (crate::MetricKind::Counter, 2, Some("Requests.")));
        assert!(family.labels["path"].values.contains("/x\"y"));
        let fewer = serde_json::json!([{"__name__": "req_total", "job": "a", "path": "/x\"y"}]);
        assert_ne!(read_answers(&metadata_by_name(&metadata, &mut Vec::new()), &fewer).1, fingerprint);
    }

    #[test]
    fn a_listing_that_is_not_a_list_of_series_is_an_error() {
        for listing in [r#"{"status":"success","data":{"a":1}}"#, r#"{"status":"success","data":[{"__name__":1}]}"#] {
            let mut each = |_: BTreeMap<String, String>| {};
            assert!(SeriesAnswer { each: &mut each }.deserialize(&mut serde_json::Deserializer::from_str(listing)).is_err(), "{listing}");
        }
    }

    #[test]
    fn intervals_and_credentials() {
        let data = serde_json::json!({"activeTargets": [{"labels": {"job": "api"}, "scrapeInterval": "1m30s"}]});
        assert_eq!(scrape_intervals(&data)["api"], Duration::from_secs(90));
        assert_eq!(base64("user:pass"), "dXNlcjpwYXNz");
        assert_eq!(base64("ab"), "YWI=");
    }
}
