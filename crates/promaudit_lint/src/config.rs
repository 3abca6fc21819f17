//! `.promaudit.yaml`: which rules run at which severity (per code, family or category, and per
//! path), the catalog sources, the Prometheus server, what alerts must carry, the limits.
//!
//! The file's shape is declared once, in [`FIELDS`]: the parser validates against it (so every
//! error has its position in the config file) and [`json_schema`] is generated from it, so the
//! schema cannot drift from what is accepted. Plain data, no I/O: the CLI reads the file.

use crate::registry::{all_rules, Category, RuleMeta};
use promaudit_diagnostics::{Diagnostic, Severity, Span};
use promaudit_source::tree::{Node, Value};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// The file name discovered upward from the checked path.
pub const FILE_NAME: &str = ".promaudit.yaml";

/// The whole configuration, with relative paths resolved against the config file's directory.
#[derive(Debug, Default)]
pub struct Config {
    /// The config file's directory: override globs match paths relative to it.
    pub root: PathBuf,
    rules: RuleSettings,
    overrides: Vec<Override>,
    pub catalog: Vec<PathBuf>,
    pub prometheus: PrometheusSettings,
    pub alerts: AlertPolicy,
    pub series_limit: Option<u64>,
    /// Labels `cardinality/id-label` treats as unbounded, besides its built-in list.
    pub high_cardinality_labels: Vec<String>,
    pub fail_on: Option<Severity>,
    /// The servers that evaluate the checked rule files.
    pub servers: Vec<crate::servers::ServerConfig>,
    /// The major version of Prometheus the rules run on (3 unless set).
    pub prometheus_version: Option<u64>,
    /// `--select` and `--ignore`, over everything the file says.
    command_line: Selection,
    /// Where the settings that reach outside the checked tree were written.
    reach: Reach,
}

/// The positions of the settings a configuration found in the checked tree may not use unless
/// the user trusts it (see [`Config::untrusted_problems`]).
#[derive(Debug, Default)]
struct Reach {
    /// One per entry of `catalog`, in order.
    catalog: Vec<Span>,
    url: Option<Span>,
    /// The keys naming credentials: `token_env`, `cert_file` and the like.
    credentials: Vec<(&'static str, Span)>,
}

/// Set to `1` (or `true`), this environment variable trusts a configuration found in the
/// checked tree as `--trust-config` does.
pub const TRUST_ENV: &str = "PROMAUDIT_TRUST_CONFIG";

/// Whether the environment trusts configurations found in the checked tree.
pub fn trusted_by_environment() -> bool {
    std::env::var(TRUST_ENV).is_ok_and(|v| v == "1" || v.eq_ignore_ascii_case("true"))
}

/// The keys of `prometheus:` that hand the server a credential.
const CREDENTIAL_KEYS: &[&str] = &["token_env", "username_env", "password_env", "cert_file", "key_file"];

/// The Prometheus major version judgements follow unless `prometheus_version` says otherwise.
pub const DEFAULT_PROMETHEUS_VERSION: u64 = 3;

impl Config {
    pub fn prometheus_version(&self) -> u64 {
        self.prometheus_version.unwrap_or(DEFAULT_PROMETHEUS_VERSION)
    }
}

/// What a rule does under a configuration: nothing, or report at a severity.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Setting {
    Off,
    Level(Severity),
}

/// The Prometheus server to read the catalog from. Credentials are names of environment
/// variables, never the secrets themselves.
#[derive(Clone, Debug, Default)]
pub struct PrometheusSettings {
    pub url: Option<String>,
    pub timeout_seconds: Option<u64>,
    pub ca_file: Option<PathBuf>,
    pub cert_file: Option<PathBuf>,
    pub key_file: Option<PathBuf>,
    pub insecure_skip_verify: bool,
    pub token_env: Option<String>,
    pub username_env: Option<String>,
    pub password_env: Option<String>,
}

/// Seconds a whole read of the server may take unless `timeout_seconds` says otherwise.
const DEFAULT_TIMEOUT_SECONDS: u64 = 30;

impl PrometheusSettings {
    /// How to reach the server, when a URL is set: its TLS files, the environment variables
    /// holding its credentials (promaudit's own unless others are named), its timeout.
    pub fn live_options(&self) -> Option<promaudit_catalog::live::LiveOptions> {
        use promaudit_catalog::live::{Credentials, LiveOptions, TlsOptions};
        let url = self.url.clone()?;
        let tls = TlsOptions { ca_file: self.ca_file.clone(), client_cert: self.cert_file.clone(), client_key: self.key_file.clone(), insecure_skip_verify: self.insecure_skip_verify };
        let defaults = Credentials::default();
        let credentials = Credentials {
            token_env: self.token_env.clone().unwrap_or(defaults.token_env),
            user_env: self.username_env.clone().unwrap_or(defaults.user_env),
            password_env: self.password_env.clone().unwrap_or(defaults.password_env),
        };
        let timeout = std::time::Duration::from_secs(self.timeout_seconds.unwrap_or(DEFAULT_TIMEOUT_SECONDS));
        Some(LiveOptions { url, timeout, tls, credentials })
    }
}

/// What every alert must carry.
#[derive(Debug)]
pub struct AlertPolicy {
    pub required_labels: Vec<String>,
    /// The values `severity` may take; `None`: any.
    pub severities: Option<Vec<String>>,
    /// Annotations every alert needs; `None`: a `summary` or a `description`.
    pub required_annotations: Option<Vec<String>>,
}

impl Default for AlertPolicy {
    fn default() -> Self {
        AlertPolicy { required_labels: vec!["severity".into()], severities: None, required_annotations: None }
    }
}

#[derive(Debug, Default)]
struct RuleSettings(Vec<(RuleSelector, Setting)>);

/// The command line's `--select` and `--ignore`, ignores last so that they win a tie.
#[derive(Debug, Default)]
struct Selection {
    picks: Vec<(RuleSelector, Pick)>,
    /// Whether any `--select` was given: then the rules no pick names are off.
    only_selected: bool,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Pick {
    Select,
    Ignore,
}

impl Selection {
    /// The setting of a rule the configuration set to `configured`: the most specific pick
    /// decides, as in `rules:`. A selected rule keeps its configured severity, or runs at its
    /// own if the configuration turned it off.
    fn decide(&self, meta: &RuleMeta, configured: Option<Setting>) -> Option<Setting> {
        match most_specific(&self.picks, meta) {
            Some(Pick::Ignore) => Some(Setting::Off),
            Some(Pick::Select) => configured.filter(|s| *s != Setting::Off),
            None if self.only_selected => Some(Setting::Off),
            None => configured,
        }
    }
}

/// A key of `rules:` — a code, a family (`units`, `units/*`) or a category (`style`).
#[derive(Debug, PartialEq)]
pub(crate) enum RuleSelector {
    Code(&'static str),
    Family(String),
    Category(Category),
}

#[derive(Debug)]
struct Override {
    paths: Vec<glob::Pattern>,
    rules: RuleSettings,
}

/// Every rule's setting for one file, where the configuration changes it.
#[derive(Debug, Default)]
pub struct FileSettings(HashMap<&'static str, Setting>);

impl FileSettings {
    pub fn is_off(&self, code: &str) -> bool {
        self.0.get(code) == Some(&Setting::Off)
    }

    /// Drops the diagnostics of rules turned off, and sets the severity of the others.
    pub fn apply(&self, diagnostics: &mut Vec<Diagnostic>) {
        if self.0.is_empty() {
            return;
        }
        diagnostics.retain_mut(|d| match self.0.get(d.code) {
            Some(Setting::Off) => false,
            Some(Setting::Level(severity)) => {
                d.severity = *severity;
                true
            }
            None => true,
        });
    }
}

impl Config {
    /// Whether the rule reports on any file: on unless `rules:` turns it off and no override
    /// turns it back on. Work only a rule turned off everywhere needs is skipped.
    pub fn may_report(&self, meta: &RuleMeta) -> bool {
        let configured = self.rules.setting_for(meta) != Some(Setting::Off) || self.overrides.iter().any(|o| matches!(o.rules.setting_for(meta), Some(Setting::Level(_))));
        // Whether the configuration left it on anywhere, as the command line would see it.
        let anywhere = if configured { None } else { Some(Setting::Off) };
        self.command_line.decide(meta, anywhere) != Some(Setting::Off)
    }

    /// Applies `--select` and `--ignore` (rule codes, families or categories) over the file's
    /// settings: with `select`, only those rules run; `ignore` turns rules off. Each text that
    /// names no rule is an error message.
    pub fn select_on_command_line(&mut self, select: &[String], ignore: &[String]) -> Result<(), Vec<String>> {
        let mut errors = Vec::new();
        let picks = select.iter().map(|text| (text, Pick::Select)).chain(ignore.iter().map(|text| (text, Pick::Ignore)));
        for (text, pick) in picks {
            match selector(text) {
                Some(selector) => self.command_line.picks.push((selector, pick)),
                None => errors.push(not_a_selector(text)),
            }
        }
        self.command_line.only_selected = !select.is_empty();
        if errors.is_empty() { Ok(()) } else { Err(errors) }
    }

    /// The settings of every rule for the file at `path`: the `rules:` section, then each
    /// matching override in order, the most specific selector winning within each.
    pub fn settings_for(&self, path: &Path) -> FileSettings {
        let relative = normalized(path).strip_prefix(&self.root).map(Path::to_path_buf).unwrap_or_else(|_| path.to_path_buf());
        let options = glob::MatchOptions { require_literal_separator: true, ..Default::default() };
        let matching: Vec<&RuleSettings> = self.overrides.iter().filter(|o| o.paths.iter().any(|p| p.matches_path_with(&relative, options))).map(|o| &o.rules).collect();
        if self.rules.0.is_empty() && matching.is_empty() && self.command_line.picks.is_empty() {
            return FileSettings::default();
        }
        let mut settings = HashMap::new();
        for rule in all_rules() {
            let meta = rule.meta();
            let configured = matching.iter().rev().copied().chain(std::iter::once(&self.rules)).find_map(|rules| rules.setting_for(meta));
            settings.extend(self.command_line.decide(meta, configured).map(|s| (meta.code, s)));
        }
        FileSettings(settings)
    }
}

/// What to do when a configuration found in the checked tree is refused.
const HOW_TO_TRUST: &str = "the configuration was found in the checked tree, which a pull request can change, so it may not reach outside it; give the setting on the command line, or pass `--trust-config` (or set PROMAUDIT_TRUST_CONFIG=1) when the tree is yours alone";

impl Config {
    /// What a configuration found in the checked tree may not do unless the user trusts it: a
    /// pull request can change the file, and CI runs it beside its secrets. Its catalog paths
    /// must resolve (`..` and symlinks followed) inside `repository`, so that no file elsewhere
    /// is read and quoted in messages; its server may receive no credential unless the user gave
    /// the URL (`url_given`). Reads the file system and the environment.
    pub fn untrusted_problems(&self, repository: &Path, url_given: bool) -> Vec<Diagnostic> {
        let boundary = resolved(repository);
        let mut problems: Vec<Diagnostic> = self
            .catalog
            .iter()
            .zip(&self.reach.catalog)
            .filter(|(path, _)| !resolved(path).starts_with(&boundary))
            .map(|(_, span)| invalid(*span, format!("this catalog path leads outside the repository {}: {HOW_TO_TRUST}", boundary.display())))
            .collect();
        if let (Some(url), Some(url_span), false) = (&self.prometheus.url, self.reach.url, url_given) {
            let shown = promaudit_catalog::live::display_url(url);
            for (key, span) in &self.reach.credentials {
                problems.push(invalid(*span, format!("`{key}` would hand a credential to {shown}, a server this file names: {HOW_TO_TRUST}")));
            }
            use promaudit_catalog::live::{PASSWORD_ENV, TOKEN_ENV, USER_ENV};
            let set: Vec<&str> = [TOKEN_ENV, USER_ENV, PASSWORD_ENV].into_iter().filter(|name| std::env::var_os(name).is_some()).collect();
            if self.reach.credentials.is_empty() && !set.is_empty() {
                problems.push(invalid(url_span, format!("{} would be sent to {shown}, a server this file names: {HOW_TO_TRUST}", set.join(" and "))));
            }
        }
        problems.sort_by_key(|d| d.span.start);
        problems
    }
}

/// `path` as the file system resolves it (symlinks followed) when it exists, else folded.
fn resolved(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| normalized(path))
}

/// `path` made absolute with `.` and `..` folded away, without touching the file system: the
/// checked paths and the config's directory may be spelled differently (`../rules`, `/repo`).
pub fn normalized(path: &Path) -> PathBuf {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let mut out = PathBuf::new();
    for component in absolute.components() {
        match component {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

impl RuleSelector {
    pub(crate) fn matches(&self, meta: &RuleMeta) -> bool {
        match self {
            RuleSelector::Code(code) => *code == meta.code,
            RuleSelector::Family(family) => meta.code.split('/').next() == Some(family.as_str()),
            RuleSelector::Category(category) => *category == meta.category,
        }
    }
}

impl RuleSettings {
    fn setting_for(&self, meta: &RuleMeta) -> Option<Setting> {
        most_specific(&self.0, meta)
    }
}

/// The value of the most specific selector matching the rule: a code over a family over a
/// category; later entries win.
fn most_specific<T: Copy>(entries: &[(RuleSelector, T)], meta: &RuleMeta) -> Option<T> {
    let find = |wanted: &dyn Fn(&RuleSelector) -> bool| entries.iter().rev().find(|(selector, _)| wanted(selector)).map(|(_, value)| *value);
    find(&|s| matches!(s, RuleSelector::Code(_)) && s.matches(meta))
        .or_else(|| find(&|s| matches!(s, RuleSelector::Family(_)) && s.matches(meta)))
        .or_else(|| find(&|s| matches!(s, RuleSelector::Category(_)) && s.matches(meta)))
}

/// What a key's value must be.
#[derive(Clone, Copy)]
enum Shape {
    Text,
    Flag,
    Count,
    /// A wait: 1 second to a day.
    Seconds,
    Texts,
    /// `error`, `warning` or `info`.
    Level,
    /// Rule selectors to `off`, `info`, `warning` or `error`.
    Rules,
    /// A list of `{paths, rules}`.
    Overrides,
    /// A list of `{name, kind, paths, external_labels}`.
    Servers,
    /// A mapping of label names to values.
    Labels,
    Section(&'static [Field]),
}

struct Field {
    key: &'static str,
    shape: Shape,
    doc: &'static str,
}

const FIELDS: &[Field] = &[
    Field { key: "rules", shape: Shape::Rules, doc: "Rules by code (`units/mismatch`), family (`units` or `units/*`) or category (`style`): `off`, `info`, `warning` or `error`. A code wins over a family, a family over a category." },
    Field { key: "overrides", shape: Shape::Overrides, doc: "Rule settings for some paths only, applied in order after `rules`." },
    Field { key: "catalog", shape: Shape::Texts, doc: "Metric catalog files or directories, relative to this file; added to `--catalog`." },
    Field { key: "prometheus", shape: Shape::Section(PROMETHEUS), doc: "A Prometheus-compatible server to read the catalog from; `--prometheus` wins." },
    Field { key: "alerts", shape: Shape::Section(ALERTS), doc: "What every alerting rule must carry." },
    Field { key: "cardinality", shape: Shape::Section(CARDINALITY), doc: "Cardinality limits." },
    Field { key: "fail_on", shape: Shape::Level, doc: "The lowest severity that fails the run; `--fail-on` wins." },
    Field { key: "servers", shape: Shape::Servers, doc: "The servers that evaluate the rule files, when there are several (a Prometheus per cluster, a Thanos or Mimir ruler): each server's rule graph and recorded series are its own, and a global ruler reads every server's series with its external labels." },
    Field { key: "prometheus_version", shape: Shape::Count, doc: "The major version of Prometheus the rules run on (default 3): version-dependent judgements, such as `le` values normalised to float form, follow it." },
];

const SERVER: &[Field] = &[
    Field { key: "name", shape: Shape::Text, doc: "The server's name, used in messages." },
    Field { key: "kind", shape: Shape::Text, doc: "`prometheus` (default), `thanos-ruler`, `mimir-ruler` or `cortex-ruler`." },
    Field { key: "paths", shape: Shape::Texts, doc: "Glob patterns of the rule files it loads, relative to this file." },
    Field { key: "external_labels", shape: Shape::Labels, doc: "Its `global.external_labels`: a global ruler sees them on every series of this server." },
];

const OVERRIDE: &[Field] = &[
    Field { key: "paths", shape: Shape::Texts, doc: "Glob patterns of paths relative to this file (`legacy/**/*.yml`)." },
    Field { key: "rules", shape: Shape::Rules, doc: "Rule settings for the matching files." },
];

const PROMETHEUS: &[Field] = &[
    Field { key: "url", shape: Shape::Text, doc: "The server's base URL." },
    Field { key: "timeout", shape: Shape::Seconds, doc: "Seconds the whole read of the server may take (default 30)." },
    Field { key: "ca_file", shape: Shape::Text, doc: "PEM file of the CA that signed the server's certificate." },
    Field { key: "cert_file", shape: Shape::Text, doc: "PEM client certificate." },
    Field { key: "key_file", shape: Shape::Text, doc: "PEM key of the client certificate." },
    Field { key: "insecure_skip_verify", shape: Shape::Flag, doc: "Accept any server certificate (test servers only)." },
    Field { key: "token_env", shape: Shape::Text, doc: "Name of the environment variable holding a bearer token." },
    Field { key: "username_env", shape: Shape::Text, doc: "Name of the environment variable holding the basic-auth user." },
    Field { key: "password_env", shape: Shape::Text, doc: "Name of the environment variable holding the basic-auth password." },
];

const ALERTS: &[Field] = &[
    Field { key: "required_labels", shape: Shape::Texts, doc: "Labels every alert must set (default: `[severity]`)." },
    Field { key: "severities", shape: Shape::Texts, doc: "The values `severity` may take (default: any)." },
    Field { key: "required_annotations", shape: Shape::Texts, doc: "Annotations every alert must set (default: a `summary` or a `description`)." },
];

const CARDINALITY: &[Field] = &[
    Field { key: "series_limit", shape: Shape::Count, doc: "Series a query may read or return before the cardinality rules report it; `--series-limit` wins." },
    Field { key: "high_cardinality_labels", shape: Shape::Texts, doc: "Labels with unbounded values in your metrics (`tenant_id`, `pod_uid`), added to the ids `cardinality/id-label` knows." },
];

/// Keys that would hold a secret in the file: refused, with the `_env` form to use instead.
const SECRET_KEYS: &[(&str, &str)] = &[("token", "token_env"), ("bearer_token", "token_env"), ("password", "password_env"), ("username", "username_env")];

impl Config {
    /// Parses a config file's text. Every problem is a `config/invalid` diagnostic at its
    /// position in the file; relative paths are resolved against `root`, the file's directory.
    pub fn parse(text: &str, root: PathBuf) -> Result<Config, Vec<Diagnostic>> {
        let stream = promaudit_source::yaml::load_yaml(text);
        if let Some(error) = stream.error {
            return Err(vec![invalid(error.span, format!("invalid YAML: {}", error.message))]);
        }
        let mut parser = Parser::default();
        let mut config = Config { root: normalized(&root), ..Config::default() };
        if let Some(document) = stream.documents.first().filter(|d| !d.is_null()) {
            parser.read(document, &mut config);
        }
        if parser.errors.is_empty() {
            Ok(config)
        } else {
            parser.errors.sort_by_key(|d| d.span.start);
            Err(parser.errors)
        }
    }
}

fn invalid(span: Span, message: impl Into<String>) -> Diagnostic {
    crate::rules::ConfigInvalid::META.diagnostic(span, message)
}

#[derive(Default)]
struct Parser {
    errors: Vec<Diagnostic>,
}

impl Parser {
    fn read(&mut self, document: &Node, config: &mut Config) {
        let top = self.section(document, FIELDS, "");
        if let Some(rules) = top.get("rules") {
            config.rules = self.rules(rules);
        }
        for item in top.get("overrides").map_or(&[][..], |n| n.items()) {
            let fields = self.section(item, OVERRIDE, "overrides");
            let paths = fields.get("paths").map(|n| self.globs(n)).unwrap_or_default();
            if !fields.contains_key("paths") && item.is_map() {
                self.error(item.span, "an override needs `paths:`, the files it applies to");
            }
            let rules = fields.get("rules").map(|n| self.rules(n)).unwrap_or_default();
            config.overrides.push(Override { paths, rules });
        }
        for (path, span) in top.get("catalog").map(|n| self.texts_at(n)).unwrap_or_default() {
            config.catalog.push(config.root.join(path));
            config.reach.catalog.push(span);
        }
        if let Some(node) = top.get("prometheus") {
            let server = self.section(node, PROMETHEUS, "prometheus");
            config.reach.url = server.get("url").map(|n| n.span);
            config.reach.credentials = CREDENTIAL_KEYS.iter().filter_map(|key| Some((*key, server.get(key)?.span))).collect();
            let path = |parser: &mut Parser, key| server.get(key).and_then(|n| parser.text(n)).map(|p| config.root.join(p));
            config.prometheus = PrometheusSettings {
                url: server.get("url").and_then(|n| self.url(n)),
                timeout_seconds: server.get("timeout").and_then(|n| self.seconds(n)),
                ca_file: path(self, "ca_file"),
                cert_file: path(self, "cert_file"),
                key_file: path(self, "key_file"),
                insecure_skip_verify: server.get("insecure_skip_verify").and_then(|n| self.flag(n)).unwrap_or(false),
                token_env: server.get("token_env").and_then(|n| self.text(n)),
                username_env: server.get("username_env").and_then(|n| self.text(n)),
                password_env: server.get("password_env").and_then(|n| self.text(n)),
            };
        }
        if let Some(node) = top.get("alerts") {
            let alerts = self.section(node, ALERTS, "alerts");
            let defaults = AlertPolicy::default();
            config.alerts = AlertPolicy {
                required_labels: alerts.get("required_labels").map(|n| self.texts(n)).unwrap_or(defaults.required_labels),
                severities: alerts.get("severities").map(|n| self.texts(n)),
                required_annotations: alerts.get("required_annotations").map(|n| self.texts(n)),
            };
        }
        if let Some(node) = top.get("cardinality") {
            let cardinality = self.section(node, CARDINALITY, "cardinality");
            config.series_limit = cardinality.get("series_limit").and_then(|n| self.count(n));
            config.high_cardinality_labels = cardinality.get("high_cardinality_labels").map(|n| self.texts(n)).unwrap_or_default();
        }
        config.fail_on = top.get("fail_on").and_then(|n| self.level(n));
        config.prometheus_version = top.get("prometheus_version").and_then(|n| self.count(n));
        config.servers = top.get("servers").map_or(&[][..], |n| n.items()).iter().filter_map(|item| self.server(item)).collect();
    }

    fn server(&mut self, item: &Node) -> Option<crate::servers::ServerConfig> {
        let fields = self.section(item, SERVER, "servers");
        let Some(name) = fields.get("name").and_then(|n| self.text(n)) else {
            if item.is_map() {
                self.error(item.span, "a server needs `name:`");
            }
            return None;
        };
        let kind = match fields.get("kind") {
            Some(node) => {
                let kind = self.text(node).and_then(|k| crate::servers::ServerKind::parse(&k));
                if kind.is_none() {
                    self.error(node.span, "expected `prometheus`, `thanos-ruler`, `mimir-ruler` or `cortex-ruler`");
                }
                kind?
            }
            None => crate::servers::ServerKind::Prometheus,
        };
        let paths = fields.get("paths").map(|n| self.globs(n)).unwrap_or_default();
        let external_labels = fields.get("external_labels").map(|n| self.labels(n)).unwrap_or_default();
        Some(crate::servers::ServerConfig { name, kind, paths, external_labels })
    }

    fn labels(&mut self, node: &Node) -> std::collections::BTreeMap<String, String> {
        if !node.is_map() {
            self.error(node.span, "expected a mapping of label names to values");
            return Default::default();
        }
        node.entries().iter().filter_map(|(key, value)| Some((key.as_str()?.to_string(), self.text(value)?))).collect()
    }

    fn error(&mut self, span: Span, message: impl Into<String>) {
        self.errors.push(invalid(span, message));
    }

    /// The known keys of a mapping; unknown keys, secrets and duplicates are errors.
    fn section<'n>(&mut self, node: &'n Node, fields: &[Field], name: &str) -> HashMap<&'static str, &'n Node> {
        let mut known = HashMap::new();
        if !node.is_map() {
            self.error(node.span, format!("{} must be a mapping", if name.is_empty() { "the configuration".to_string() } else { format!("`{name}`") }));
            return known;
        }
        for (key, value) in node.entries() {
            let key_text = key.as_str().unwrap_or_default();
            match fields.iter().find(|f| f.key == key_text) {
                Some(field) if known.contains_key(field.key) => self.error(key.span, format!("`{key_text}` is set twice")),
                Some(field) => {
                    known.insert(field.key, value);
                }
                None => match SECRET_KEYS.iter().find(|(secret, _)| *secret == key_text) {
                    Some((_, instead)) => self.error(key.span, format!("`{key_text}` would put a secret in a file that is committed: write `{instead}: VARIABLE` and set the variable in the environment")),
                    None => {
                        let closest = fields.iter().map(|f| f.key).filter(|k| promaudit_catalog::bounded_edit_distance(k, key_text, 3).is_some()).min_by_key(|k| promaudit_catalog::bounded_edit_distance(k, key_text, 3));
                        let keys: Vec<&str> = fields.iter().map(|f| f.key).collect();
                        let hint = closest.map_or_else(|| format!("the keys are {}", keys.join(", ")), |k| format!("did you mean `{k}`?"));
                        self.error(key.span, format!("unknown key `{key_text}`{}: {hint}", if name.is_empty() { String::new() } else { format!(" in `{name}`") }));
                    }
                },
            }
        }
        known
    }

    fn text(&mut self, node: &Node) -> Option<String> {
        match &node.value {
            Value::Scalar(s) if !node.is_null() => Some(s.text.clone()),
            _ => {
                self.error(node.span, "expected a string");
                None
            }
        }
    }

    fn texts(&mut self, node: &Node) -> Vec<String> {
        self.texts_at(node).into_iter().map(|(text, _)| text).collect()
    }

    /// The strings of a list, each with its position.
    fn texts_at(&mut self, node: &Node) -> Vec<(String, Span)> {
        match &node.value {
            Value::Seq(items) => items.iter().filter_map(|item| Some((self.text(item)?, item.span))).collect(),
            _ => {
                self.error(node.span, "expected a list of strings");
                Vec::new()
            }
        }
    }

    /// A server URL, which must not carry a credential: the file is committed, and the URL printed.
    fn url(&mut self, node: &Node) -> Option<String> {
        let url = self.text(node)?;
        if !promaudit_catalog::live::url_secrets(&url).is_empty() {
            self.error(node.span, "the URL holds a credential (a password or a token parameter), which would be committed with this file and printed in every message about the server: remove it and write `token_env: VARIABLE`, or `username_env: VARIABLE` and `password_env: VARIABLE`");
            return None;
        }
        Some(url)
    }

    fn flag(&mut self, node: &Node) -> Option<bool> {
        match node.as_str() {
            Some("true") => Some(true),
            Some("false") => Some(false),
            _ => {
                self.error(node.span, "expected `true` or `false`");
                None
            }
        }
    }

    fn count(&mut self, node: &Node) -> Option<u64> {
        let count = node.as_str().and_then(|t| t.parse().ok());
        if count.is_none() {
            self.error(node.span, "expected a whole number");
        }
        count
    }

    /// A count of seconds to wait: zero would fail every request, more than a day hang a run.
    fn seconds(&mut self, node: &Node) -> Option<u64> {
        let seconds = self.count(node)?;
        promaudit_catalog::live::wait_seconds(seconds).map_err(|e| self.error(node.span, e)).ok()?;
        Some(seconds)
    }

    fn level(&mut self, node: &Node) -> Option<Severity> {
        let level = node.as_str().and_then(Severity::parse);
        if level.is_none() {
            self.error(node.span, "expected `error`, `warning` or `info`");
        }
        level
    }

    fn globs(&mut self, node: &Node) -> Vec<glob::Pattern> {
        let Value::Seq(items) = &node.value else {
            self.error(node.span, "expected a list of glob patterns");
            return Vec::new();
        };
        items
            .iter()
            .filter_map(|item| {
                let text = self.text(item)?;
                glob::Pattern::new(&text).map_err(|e| self.error(item.span, format!("invalid glob pattern: {} (at character {})", e.msg, e.pos + 1))).ok()
            })
            .collect()
    }

    fn rules(&mut self, node: &Node) -> RuleSettings {
        if !node.is_map() {
            self.error(node.span, "`rules` must map rule codes, families or categories to `off`, `info`, `warning` or `error`");
            return RuleSettings::default();
        }
        let mut settings = Vec::new();
        for (key, value) in node.entries() {
            let selector = key.as_str().and_then(selector);
            if selector.is_none() {
                self.error(key.span, not_a_selector(key.as_str().unwrap_or_default()));
            }
            let setting = match value.as_str() {
                Some("off") => Some(Setting::Off),
                Some(level) => Severity::parse(level).map(Setting::Level),
                None => None,
            };
            if setting.is_none() {
                self.error(value.span, "expected `off`, `info`, `warning` or `error`");
            }
            if let (Some(selector), Some(setting)) = (selector, setting) {
                settings.push((selector, setting));
            }
        }
        RuleSettings(settings)
    }
}

/// `text` with every secret a config error might quote masked, byte for byte (so that the errors'
/// spans still hold): the values of `token:`-like keys anywhere, and passwords in URLs. `None`
/// when the text is not YAML, and so cannot be told apart: show no line of it then.
pub fn redact_secrets(text: &str) -> Option<String> {
    fn mask(bytes: &mut [u8], node: &Node) {
        match &node.value {
            Value::Map(entries) => {
                for (key, value) in entries {
                    if key.as_str().is_some_and(|k| SECRET_KEYS.iter().any(|(secret, _)| *secret == k)) {
                        bytes[value.span.start..value.span.end].fill(b'*');
                    } else {
                        mask(bytes, value);
                    }
                }
            }
            Value::Seq(items) => items.iter().for_each(|item| mask(bytes, item)),
            Value::Scalar(_) => {
                let raw = std::str::from_utf8(&bytes[node.span.start..node.span.end]).unwrap_or_default();
                for secret in promaudit_catalog::live::url_secrets(raw) {
                    bytes[node.span.start + secret.start..node.span.start + secret.end].fill(b'*');
                }
            }
        }
    }
    let stream = promaudit_source::yaml::load_yaml(text);
    if stream.error.is_some() {
        return None;
    }
    let mut bytes = text.as_bytes().to_vec();
    for document in &stream.documents {
        mask(&mut bytes, document);
    }
    // Whole values and ASCII-delimited parts of a URL were masked: still UTF-8.
    String::from_utf8(bytes).ok()
}

/// A rule code, a family (`units`, `units/*`) or a category (`style`).
pub(crate) fn selector(text: &str) -> Option<RuleSelector> {
    if let Some(rule) = crate::find_rule(text) {
        return Some(RuleSelector::Code(rule.meta().code));
    }
    let family = text.strip_suffix("/*").unwrap_or(text);
    if all_rules().iter().any(|r| r.meta().code.split('/').next() == Some(family)) {
        return Some(RuleSelector::Family(family.to_string()));
    }
    Category::ALL.iter().find(|c| c.as_str() == text).map(|c| RuleSelector::Category(*c))
}

/// Why `text` is not a selector, with the closest rule code if one is close.
pub(crate) fn not_a_selector(text: &str) -> String {
    let distance = |code: &&str| promaudit_catalog::bounded_edit_distance(code, text, 4);
    let closest = all_rules().iter().map(|r| r.meta().code).filter(|c| distance(c).is_some()).min_by_key(distance);
    let hint = closest.map_or_else(|| "`promaudit rules` lists the codes".to_string(), |c| format!("did you mean `{c}`?"));
    format!("`{text}` is not a rule code, family or category: {hint}")
}

/// The JSON Schema of the config file, from [`FIELDS`].
pub fn json_schema() -> serde_json::Value {
    let mut schema = section_schema(FIELDS);
    let object = schema.as_object_mut().expect("a section is an object");
    object.insert("$schema".into(), "http://json-schema.org/draft-07/schema#".into());
    object.insert("title".into(), "promaudit configuration (.promaudit.yaml)".into());
    schema
}

fn section_schema(fields: &[Field]) -> serde_json::Value {
    let properties: serde_json::Map<String, serde_json::Value> = fields
        .iter()
        .map(|field| {
            let mut schema = shape_schema(field.shape);
            schema.as_object_mut().expect("every shape is an object").insert("description".into(), field.doc.into());
            (field.key.to_string(), schema)
        })
        .collect();
    serde_json::json!({"type": "object", "properties": properties, "additionalProperties": false})
}

fn shape_schema(shape: Shape) -> serde_json::Value {
    use serde_json::json;
    match shape {
        Shape::Text => json!({"type": "string"}),
        Shape::Flag => json!({"type": "boolean"}),
        Shape::Count => json!({"type": "integer", "minimum": 0}),
        Shape::Seconds => json!({"type": "integer", "minimum": 1, "maximum": promaudit_catalog::live::MAX_WAIT_SECONDS}),
        Shape::Texts => json!({"type": "array", "items": {"type": "string"}}),
        Shape::Level => json!({"enum": ["error", "warning", "info"]}),
        Shape::Rules => {
            let mut selectors: Vec<String> = all_rules().iter().map(|r| r.meta().code.to_string()).collect();
            let mut families: Vec<&str> = all_rules().iter().filter_map(|r| r.meta().code.split('/').next()).collect();
            families.sort_unstable();
            families.dedup();
            selectors.extend(families.iter().flat_map(|f| [f.to_string(), format!("{f}/*")]));
            selectors.extend(Category::ALL.iter().map(|c| c.as_str().to_string()));
            json!({"type": "object", "propertyNames": {"enum": selectors}, "additionalProperties": {"enum": ["off", "info", "warning", "error"]}})
        }
        Shape::Overrides => json!({"type": "array", "items": section_schema(OVERRIDE)}),
        Shape::Servers => json!({"type": "array", "items": section_schema(SERVER)}),
        Shape::Labels => json!({"type": "object", "additionalProperties": {"type": "string"}}),
        Shape::Section(fields) => section_schema(fields),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn setting(config: &Config, path: &str, code: &str) -> Option<Setting> {
        let mut diagnostics = vec![Diagnostic::new(crate::find_rule(code).unwrap().meta().code, Severity::Warning, Span::empty(0), "x")];
        config.settings_for(Path::new(path)).apply(&mut diagnostics);
        diagnostics.first().map(|d| Setting::Level(d.severity)).or(Some(Setting::Off))
    }

    #[test]
    fn a_rule_reports_unless_turned_off_everywhere() {
        let unused = crate::find_rule("graph/unused-recording-rule").unwrap().meta();
        let parse = |text: &str| Config::parse(text, "/repo".into()).unwrap();
        assert!(parse("").may_report(unused));
        assert!(!parse("rules:\n  graph: off\n").may_report(unused));
        assert!(parse("rules:\n  graph: off\n  graph/unused-recording-rule: info\n").may_report(unused));
        assert!(parse("rules:\n  graph: off\noverrides:\n  - paths: [\"rules/**\"]\n    rules: {graph/*: warning}\n").may_report(unused));
        assert!(parse("overrides:\n  - paths: [\"legacy/**\"]\n    rules: {graph: off}\n").may_report(unused));
    }

    #[test]
    fn the_most_specific_selector_wins_and_overrides_apply_by_path() {
        let text = "rules:\n  style: off\n  naming/*: warning\n  naming/alert-name: error\n  units: error\noverrides:\n  - paths: [\"legacy/**/*.yml\"]\n    rules: {units/mismatch: off, naming: info}\n";
        let config = Config::parse(text, "/repo".into()).unwrap();
        assert_eq!(setting(&config, "/repo/alerts.yml", "naming/alert-name"), Some(Setting::Level(Severity::Error)));
        assert_eq!(setting(&config, "/repo/alerts.yml", "naming/metric-name"), Some(Setting::Level(Severity::Warning)));
        assert_eq!(setting(&config, "/repo/alerts.yml", "alerts/required-label"), Some(Setting::Off));
        assert_eq!(setting(&config, "/repo/alerts.yml", "units/mismatch"), Some(Setting::Level(Severity::Error)));
        assert_eq!(setting(&config, "/repo/legacy/old/a.yml", "units/mismatch"), Some(Setting::Off));
        assert_eq!(setting(&config, "/repo/legacy/old/a.yml", "naming/alert-name"), Some(Setting::Level(Severity::Info)));
        assert_eq!(setting(&config, "/repo/legacy/old/a.yml", "units/threshold-scale"), Some(Setting::Level(Severity::Error)));
        assert_eq!(setting(&config, "/repo/new/../legacy/./old/a.yml", "units/mismatch"), Some(Setting::Off), "paths are compared once normalized");
    }

    #[test]
    fn the_command_line_selects_and_ignores_over_the_file() {
        let mut config = Config::parse("rules:\n  units/mismatch: off\n  naming/alert-name: error\n", "/repo".into()).unwrap();
        config.select_on_command_line(&["units".into(), "naming/alert-name".into()], &["units/threshold-scale".into()]).unwrap();
        assert_eq!(setting(&config, "/repo/a.yml", "units/mismatch"), Some(Setting::Level(Severity::Warning)), "selected: back on at its own severity");
        assert_eq!(setting(&config, "/repo/a.yml", "naming/alert-name"), Some(Setting::Level(Severity::Error)), "selected: the configured severity stays");
        assert_eq!(setting(&config, "/repo/a.yml", "units/threshold-scale"), Some(Setting::Off), "the code ignored wins over the family selected");
        assert_eq!(setting(&config, "/repo/a.yml", "naming/metric-name"), Some(Setting::Off), "not selected");
        let unused = crate::find_rule("graph/unused-recording-rule").unwrap().meta();
        assert!(!config.may_report(unused));
        let mut ignoring = Config::default();
        ignoring.select_on_command_line(&[], &["graph".into()]).unwrap();
        assert!(!ignoring.may_report(unused));
        assert_eq!(setting(&ignoring, "/repo/a.yml", "units/mismatch"), Some(Setting::Level(Severity::Warning)), "only what is ignored is off");
        let errors = Config::default().select_on_command_line(&["unit/mismatch".into()], &[]).unwrap_err();
        assert!(errors[0].contains("did you mean `units/mismatch`?"), "{errors:?}");
    }

    #[test]
    fn paths_and_credentials_resolve_against_the_config_directory() {
        let text = "catalog: [fixtures/catalog]\nprometheus:\n  url: https://prometheus:9090\n  ca_file: certs/ca.pem\n  token_env: PROM_TOKEN\n  timeout: 5\nalerts:\n  severities: [critical, warning]\ncardinality:\n  series_limit: 500\n  high_cardinality_labels: [tenant_id]\nfail_on: error\n";
        let config = Config::parse(text, "/repo".into()).unwrap();
        assert_eq!(config.catalog, vec![PathBuf::from("/repo/fixtures/catalog")]);
        assert_eq!(config.prometheus.ca_file, Some(PathBuf::from("/repo/certs/ca.pem")));
        assert_eq!((config.prometheus.token_env.as_deref(), config.prometheus.timeout_seconds), (Some("PROM_TOKEN"), Some(5)));
        assert_eq!((config.series_limit, config.fail_on), (Some(500), Some(Severity::Error)));
        assert_eq!(config.high_cardinality_labels, vec!["tenant_id".to_string()]);
        assert_eq!(config.alerts.required_labels, vec!["severity".to_string()]);
        assert!(Config::parse("", "/repo".into()).is_ok());
    }

    #[test]
    fn secrets_are_masked_byte_for_byte_before_a_line_is_shown() {
        let text = "prometheus:\n  url: https://ops:hunter2@prometheus:9090/x\n  token: \"s3cr3t-ü\"\nfoo: {password: pw}\n";
        let redacted = redact_secrets(text).unwrap();
        assert_eq!(redacted, "prometheus:\n  url: https://ops:*******@prometheus:9090/x\n  token: ***********\nfoo: {password: **}\n");
        assert_eq!(redacted.len(), text.len());
        assert_eq!(redact_secrets("a: [b"), None);
    }

    #[test]
    fn a_password_in_the_url_is_refused() {
        let errors = Config::parse("prometheus:\n  url: https://ops:hunter2@prometheus:9090\n", "/repo".into()).unwrap_err();
        assert_eq!((errors.len(), errors[0].span.start), (1, 19));
        assert!(!errors[0].message.contains("hunter2"));
        assert!(Config::parse("prometheus:\n  url: https://ops@prometheus:9090\n", "/repo".into()).is_ok());
    }

    #[test]
    fn the_schema_lists_every_key_and_rule_code() {
        let schema = json_schema();
        assert_eq!(schema["properties"]["prometheus"]["properties"]["token_env"]["type"], "string");
        assert_eq!(schema["additionalProperties"], false);
        let selectors = schema["properties"]["rules"]["propertyNames"]["enum"].as_array().unwrap();
        for wanted in ["units/mismatch", "units", "units/*", "style"] {
            assert!(selectors.iter().any(|s| s == wanted), "{wanted}");
        }
    }
}
