//! Which server evaluates each rule group. Real setups run several: a Prometheus per cluster
//! and a Thanos or Mimir ruler over all of them. A rule sees the series its own server records
//! exactly as that server records them; a global ruler sees every server's series with that
//! server's external labels added. What no file or setting says is not assumed: two files
//! nothing ties together may or may not be loaded by one server.

use crate::config::normalized;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// What evaluates a rule group.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Scope {
    /// A server the configuration names, or the one a `promtool test rules` file or a
    /// prometheus.yml loads its `rule_files` into.
    Server(String),
    /// A Thanos ruler: the groups with `partial_response_strategy`.
    ThanosRuler,
    /// A file nothing assigns: whatever loads it loads the whole file, with which other files
    /// is unknown.
    File(String),
}

/// The scope as a message names it: "server `eu`", "the server prometheus.yml configures".
impl std::fmt::Display for Scope {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        match self {
            Scope::Server(name) if name.starts_with("the server ") => f.write_str(name),
            Scope::Server(name) => write!(f, "server `{name}`"),
            Scope::ThanosRuler => f.write_str("the Thanos ruler"),
            Scope::File(path) => write!(f, "whatever loads {path}"),
        }
    }
}

/// The kind of server, which decides what its rules can read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ServerKind {
    Prometheus,
    /// A Thanos ruler, or a Mimir/Cortex ruler: its queries read every server's series.
    GlobalRuler,
}

impl ServerKind {
    pub fn parse(word: &str) -> Option<ServerKind> {
        match word {
            "prometheus" => Some(ServerKind::Prometheus),
            "thanos-ruler" | "mimir-ruler" | "cortex-ruler" => Some(ServerKind::GlobalRuler),
            _ => None,
        }
    }
}

/// The names setups give external labels (Prometheus per cluster, HA pairs, Thanos and Mimir
/// deployments): on a server of unknown kind a selector may see them on any series.
pub const CONVENTIONAL_EXTERNAL_LABELS: &[&str] = &[
    "cluster",
    "cluster_id",
    "k8s_cluster",
    "region",
    "zone",
    "availability_zone",
    "datacenter",
    "dc",
    "site",
    "env",
    "environment",
    "replica",
    "prometheus",
    "prometheus_replica",
    "monitor",
    "tenant",
    "tenant_id",
    "receive_replica",
    "rule_replica",
];

/// A server the configuration names.
#[derive(Clone, Debug)]
pub struct ServerConfig {
    pub name: String,
    pub kind: ServerKind,
    /// Glob patterns of the rule files it loads, relative to the configuration's directory.
    pub paths: Vec<glob::Pattern>,
    /// Its `global.external_labels`: what a global ruler sees on its series.
    pub external_labels: BTreeMap<String, String>,
}

/// The servers of the project: configured ones, and rule files that a promtool test or a
/// prometheus.yml among the checked files loads together.
#[derive(Clone, Debug, Default)]
pub struct Servers {
    configured: Vec<ServerConfig>,
    root: PathBuf,
    /// Files that load rule files into one server: a prometheus.yml, a promtool test.
    loaders: Vec<Loader>,
    /// The external label names the configuration and the loaders name.
    named_external_labels: Vec<String>,
}

/// A file naming the rule files one server loads (a prometheus.yml's or a promtool test's
/// `rule_files`), and that server's external labels when it says them.
#[derive(Clone, Debug)]
pub struct Loader {
    /// The loading file, as shown.
    pub name: String,
    /// Paths or globs, resolved against the loading file's directory.
    pub rule_files: Vec<glob::Pattern>,
    pub external_labels: Option<BTreeMap<String, String>>,
}

impl Loader {
    /// A loader at `path` naming `rule_files` as written (relative to its directory, globs as
    /// promtool and Prometheus expand them).
    pub fn new(
        path: &Path,
        name: String,
        rule_files: &[String],
        external_labels: Option<BTreeMap<String, String>>,
    ) -> Loader {
        let dir = path.parent().unwrap_or(Path::new(""));
        let rule_files = rule_files
            .iter()
            .filter_map(|f| glob::Pattern::new(&normalized(&dir.join(f)).to_string_lossy()).ok())
            .collect();
        Loader {
            name,
            rule_files,
            external_labels,
        }
    }

    /// Whether it loads the file at `path` (normalized).
    fn loads(&self, path: &Path) -> bool {
        self.rule_files.iter().any(|p| p.matches_path(path))
    }

    fn scope(&self) -> Scope {
        Scope::Server(format!("the server {} configures", self.name))
    }
}

impl Servers {
    pub fn new(configured: Vec<ServerConfig>, root: PathBuf, loaders: Vec<Loader>) -> Servers {
        let configured_labels = configured.iter().flat_map(|s| s.external_labels.keys());
        let loaded_labels = loaders
            .iter()
            .filter_map(|l| l.external_labels.as_ref())
            .flat_map(|l| l.keys());
        let mut named_external_labels: Vec<String> =
            configured_labels.chain(loaded_labels).cloned().collect();
        named_external_labels.sort();
        named_external_labels.dedup();
        Servers {
            configured,
            root,
            loaders,
            named_external_labels,
        }
    }

    /// The scope of a group in the file at `path` (shown as `display`); `thanos` when the group
    /// has `partial_response_strategy`.
    pub fn scope_of(&self, path: &Path, display: &str, thanos: bool) -> Scope {
        if self.configured.is_empty() && self.loaders.is_empty() {
            return if thanos {
                Scope::ThanosRuler
            } else {
                Scope::File(display.to_string())
            };
        }
        let path = &normalized(path);
        let relative = path.strip_prefix(&self.root).unwrap_or(path);
        if let Some(server) = self.configured.iter().find(|s| {
            s.paths
                .iter()
                .any(|p| p.matches_path(relative) || p.matches_path(path))
        }) {
            return Scope::Server(server.name.clone());
        }
        if thanos {
            return Scope::ThanosRuler;
        }
        match self.loaders.iter().find(|loader| loader.loads(path)) {
            Some(loader) => loader.scope(),
            None => Scope::File(display.to_string()),
        }
    }

    /// Whether rules in `scope` read every server's series, not only their own.
    pub fn is_global(&self, scope: &Scope) -> bool {
        match scope {
            Scope::ThanosRuler => true,
            Scope::Server(name) => self
                .configured
                .iter()
                .any(|s| &s.name == name && s.kind == ServerKind::GlobalRuler),
            Scope::File(_) => false,
        }
    }

    /// Whether rules in `scope` may query through something that adds external labels to the
    /// series they select (a Thanos querier), as far as anyone knows: not on a server known to be
    /// a Prometheus, which evaluates its rules against its own storage.
    pub fn sees_external_labels(&self, scope: &Scope) -> bool {
        match scope {
            Scope::ThanosRuler | Scope::File(_) => true,
            Scope::Server(name) => self
                .configured
                .iter()
                .any(|s| &s.name == name && s.kind == ServerKind::GlobalRuler),
        }
    }

    /// Labels that may be external labels for a reader in `scope`: those the configured servers
    /// and prometheus.yml files name, and, unless the reader is a configured server (whose
    /// configuration names them all), the names setups conventionally use.
    pub fn external_label_names(&self, scope: &Scope) -> impl Iterator<Item = &str> {
        let known =
            matches!(scope, Scope::Server(name) if self.configured.iter().any(|s| &s.name == name));
        let conventional = if known {
            &[][..]
        } else {
            CONVENTIONAL_EXTERNAL_LABELS
        };
        self.named_external_labels
            .iter()
            .map(String::as_str)
            .chain(conventional.iter().copied())
    }

    /// The external labels of a server; `None` when unknown.
    pub fn external_labels(&self, scope: &Scope) -> Option<&BTreeMap<String, String>> {
        let Scope::Server(name) = scope else {
            return None;
        };
        let configured = self
            .configured
            .iter()
            .find(|s| &s.name == name)
            .map(|s| &s.external_labels);
        configured.or_else(|| {
            self.loaders
                .iter()
                .find(|l| l.scope() == *scope)?
                .external_labels
                .as_ref()
        })
    }
}

/// The catalog as the rules of one server see it. A recorded series is known exactly only to
/// rules of the server that records it; a global ruler sees it with the external labels of the
/// server that wrote it, when configured; anyone else knows only the labels it certainly has.
pub struct SeenFrom<'a> {
    pub catalog: &'a promaudit_catalog::Catalog,
    pub project: &'a crate::project::ProjectFacts,
    pub reader: Scope,
}

impl SeenFrom<'_> {
    fn recorded_labels(
        &self,
        metric: &str,
        writers: &[Scope],
    ) -> Option<std::collections::BTreeSet<String>> {
        let servers = &self.project.servers;
        let mut labels = self.catalog.series_labels(metric)?;
        // The reader's own file records the series, so its server does; files nothing assigns
        // elsewhere that record it too either run there as well or are not seen: either way
        // their definitions bound the labels.
        let unassigned = |scope: &Scope| matches!(scope, Scope::File(_));
        if unassigned(&self.reader)
            && writers.contains(&self.reader)
            && writers.iter().all(unassigned)
        {
            return Some(labels);
        }
        for writer in writers {
            if *writer == self.reader {
                continue;
            }
            if !servers.is_global(&self.reader) {
                return None;
            }
            labels.extend(servers.external_labels(writer)?.keys().cloned());
        }
        Some(labels)
    }
}

impl promaudit_semantic::MetricFacts for SeenFrom<'_> {
    fn labels_of(&self, metric: &str) -> Option<std::collections::BTreeSet<String>> {
        let mut labels = match self.project.recorded_scopes.get(metric) {
            Some(writers)
                if self.catalog.family(metric).is_some_and(|f| {
                    f.origin.kind == promaudit_catalog::OriginKind::RecordingRule
                }) =>
            {
                self.recorded_labels(metric, writers)
            }
            _ => self.catalog.series_labels(metric),
        }?;
        let servers = &self.project.servers;
        if servers.sees_external_labels(&self.reader) {
            labels.extend(
                servers
                    .external_label_names(&self.reader)
                    .map(str::to_string),
            );
        }
        Some(labels)
    }

    fn always_labels_of(&self, metric: &str) -> std::collections::BTreeSet<String> {
        self.catalog.always_labels(metric)
    }

    fn value_of(&self, metric: &str) -> Option<promaudit_semantic::SeriesValue> {
        self.catalog.value_of(metric)
    }

    fn series_count(&self, metric: &str) -> Option<u64> {
        self.catalog.series_count(metric)
    }

    fn label_values_count(&self, metric: &str, label: &str) -> Option<u64> {
        self.catalog.label_values_count(metric, label)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_come_from_configuration_thanos_groups_and_loaders() {
        let eu = ServerConfig {
            name: "eu".into(),
            kind: ServerKind::Prometheus,
            paths: vec![glob::Pattern::new("eu/*.yml").unwrap()],
            external_labels: BTreeMap::new(),
        };
        let loader = Loader::new(
            Path::new("/repo/tests/t.yml"),
            "tests/t.yml".into(),
            &["../rules/*.yml".into()],
            None,
        );
        let servers = Servers::new(vec![eu], PathBuf::from("/repo"), vec![loader]);
        assert_eq!(
            servers.scope_of(Path::new("/repo/eu/r.yml"), "eu/r.yml", true),
            Scope::Server("eu".into())
        );
        assert_eq!(
            servers.scope_of(Path::new("/repo/x.yml"), "x.yml", true),
            Scope::ThanosRuler
        );
        assert_eq!(
            servers.scope_of(Path::new("/repo/rules/a.yml"), "rules/a.yml", false),
            Scope::Server("the server tests/t.yml configures".into())
        );
        assert_eq!(
            servers.scope_of(Path::new("/repo/x.yml"), "x.yml", false),
            Scope::File("x.yml".into())
        );
        assert!(
            servers.is_global(&Scope::ThanosRuler)
                && !servers.is_global(&Scope::File("x.yml".into()))
        );
    }
}
