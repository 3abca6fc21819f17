//! The server's settings: the workspace folder, and `initializationOptions`:
//! `{"catalog": ["fixtures/catalog"], "prometheus": "http://…", "catalogRefreshSeconds": 300}`.
//! Relative catalog paths are relative to the workspace folder. `.promaudit.yaml` adds its
//! catalog sources and its Prometheus server (TLS, credentials' variable names, timeout), the
//! editor's URL winning.

use crate::worker::Job;
use lsp_types::InitializeParams;
use promaudit_catalog::live::{display_url, redact, LiveOptions};
use promaudit_catalog::Catalog;
use promaudit_diagnostics::stderr_line;
use std::hash::{Hash, Hasher};
use promaudit_lint::config::PrometheusSettings;
use serde::Deserialize;
use std::path::PathBuf;
use std::time::Duration;

/// How often a live server's catalog is read again unless the editor says otherwise.
const DEFAULT_REFRESH: Duration = Duration::from_secs(300);

#[derive(Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct InitializationOptions {
    #[serde(default)]
    catalog: Vec<PathBuf>,
    prometheus: Option<String>,
    catalog_refresh_seconds: Option<u64>,
}

pub struct Options {
    pub root: Option<PathBuf>,
    catalog: Vec<PathBuf>,
    /// The server's URL; TLS, credentials and timeout come from `.promaudit.yaml`.
    prometheus: PrometheusSettings,
    refresh: Duration,
}

/// The catalog the editor's settings name, and whether it holds anything the user gave.
pub struct LoadedCatalog {
    pub catalog: Catalog,
    pub user_given: bool,
}

impl Options {
    #[allow(deprecated)] // `root_uri` is what Neovim 0.7 and many clients still send.
    pub fn from_initialize(params: &InitializeParams) -> Self {
        let folder = params.workspace_folders.as_ref().and_then(|folders| folders.first()).map(|f| f.uri.clone());
        let root = folder.or_else(|| params.root_uri.clone()).and_then(|uri| uri.to_file_path().ok());
        // The error may quote a value, such as a URL with its password.
        let given: InitializationOptions = params.initialization_options.clone().and_then(|value| serde_json::from_value(value).map_err(|e| stderr_line!("promaudit lsp: ignoring initializationOptions: {}", redact(&e.to_string(), &[]))).ok()).unwrap_or_default();
        let catalog: Vec<PathBuf> = given.catalog.into_iter().map(|path| match &root {
            Some(root) if path.is_relative() => root.join(path),
            _ => path,
        }).collect();
        let prometheus = PrometheusSettings { url: given.prometheus, ..Default::default() };
        Options { root, catalog, prometheus, refresh: refresh_period(given.catalog_refresh_seconds) }
    }

    /// Adds the catalog sources and the server `.promaudit.yaml` names; the editor's URL wins.
    /// The workspace's file is not trusted to reach outside it (see `Config::untrusted_problems`)
    /// unless PROMAUDIT_TRUST_CONFIG is set: a cloned repository must not read the editor's
    /// environment into a server of its choosing.
    pub fn add_config(&mut self, config: &promaudit_lint::config::Config) {
        let problems = match &self.root {
            Some(root) if !promaudit_lint::config::trusted_by_environment() => config.untrusted_problems(root, self.prometheus.url.is_some()),
            _ => Vec::new(),
        };
        for problem in &problems {
            stderr_line!("promaudit lsp: {}: {} (its catalogs and server are not used)", promaudit_lint::config::FILE_NAME, problem.message);
        }
        if !problems.is_empty() {
            return;
        }
        self.catalog.extend(config.catalog.iter().cloned());
        let url = self.prometheus.url.take().or_else(|| config.prometheus.url.clone());
        self.prometheus = PrometheusSettings { url, ..config.prometheus.clone() };
    }

    /// The catalog files' metrics; problems go to the editor's log (stderr).
    pub fn load_catalog(&self) -> LoadedCatalog {
        let mut catalog = Catalog::default();
        for path in &self.catalog {
            let loaded = promaudit_catalog::load_path_lenient(path);
            for problem in &loaded.errors {
                stderr_line!("promaudit lsp: catalog {problem}");
            }
            catalog.merge(loaded.catalog);
        }
        LoadedCatalog { user_given: !catalog.is_empty() || self.prometheus.url.is_some(), catalog }
    }

    /// Reads the live server's catalog now and then every refresh period on a thread of its
    /// own, handing each snapshot, merged over the catalog files, to the worker. Requests are
    /// answered from the previous catalog meanwhile.
    pub fn refresh_live_catalog(&self, jobs: crossbeam_channel::Sender<Job>) {
        let Some(options) = self.prometheus.live_options() else { return };
        let (files, refresh) = (self.load_catalog().catalog, self.refresh);
        // The server's configuration is read as a rule file would be: on an analysis stack.
        let refreshing = promaudit_lint::spawn_analysis_thread("promaudit-catalog", move || {
            let mut last = None;
            while refresh_once(&options, &files, &jobs, &mut last) {
                std::thread::sleep(refresh);
            }
        });
        if let Err(error) = refreshing {
            stderr_line!("promaudit lsp: cannot start the catalog refresh: {error}");
        }
    }
}

/// `catalogRefreshSeconds`, unless zero (a request storm) or longer than a day.
fn refresh_period(seconds: Option<u64>) -> Duration {
    let Some(seconds) = seconds else { return DEFAULT_REFRESH };
    promaudit_catalog::live::wait_seconds(seconds).unwrap_or_else(|error| {
        stderr_line!("promaudit lsp: catalogRefreshSeconds: {error}; reading the server every {} s instead", DEFAULT_REFRESH.as_secs());
        DEFAULT_REFRESH
    })
}

/// Reads the server and hands the worker its catalog over the files' when it differs from the
/// last one read: an unchanged server causes no new check of every open document. False once
/// the worker is gone.
fn refresh_once(options: &LiveOptions, files: &Catalog, jobs: &crossbeam_channel::Sender<Job>, last: &mut Option<u64>) -> bool {
    let snapshot = match promaudit_catalog::live::fetch(options, &mut |_| {}) {
        Ok(snapshot) => snapshot,
        Err(error) => {
            stderr_line!("promaudit lsp: cannot read the catalog from {}: {error}", display_url(&options.url));
            return true;
        }
    };
    let mut hasher = std::hash::DefaultHasher::new();
    (snapshot.fingerprint, &snapshot.scrape_intervals, &snapshot.config, &snapshot.series_counts).hash(&mut hasher);
    if last.replace(hasher.finish()) == Some(hasher.finish()) {
        return true;
    }
    let mut catalog = files.clone();
    catalog.merge(promaudit_lint::project::live_catalog(snapshot));
    jobs.send(Job::Catalog(catalog)).is_ok()
}
