//! Finding and reading `.promaudit.yaml`, and combining it with the command line: flags win over
//! the file, the file over the defaults.

use crate::output::Notices;
use promaudit_diagnostics::render::{self, FileView};
use promaudit_lint::config::{redact_secrets, Config, FILE_NAME};
use std::io::Write;
use std::path::{Path, PathBuf};

/// The configuration of a run: `explicit` (`--config`), or the first `.promaudit.yaml` found
/// from `start` upward, stopping at the repository root; the defaults when there is none. A file
/// that cannot be read or has errors is reported with positions (snippets on stderr, one line
/// each in the notices), and is `Err`.
///
/// A file found in the checked tree is not `trusted` unless the user says so: a pull request
/// can change it, so it may not send credentials to a server it names (`url_given`: the user
/// named the server) nor read catalogs outside its repository.
pub fn load(explicit: Option<&Path>, start: &Path, trusted: bool, url_given: bool, color: bool, notices: &mut Notices) -> Result<Config, ()> {
    let Some(path) = explicit.map(Path::to_path_buf).or_else(|| discover(start)) else {
        return Ok(Config::default());
    };
    let text = std::fs::read_to_string(&path).map_err(|e| notices.error(format!("cannot read the configuration {}: {e}", path.display())))?;
    let root = std::path::absolute(&path).ok().and_then(|p| p.parent().map(Path::to_path_buf)).unwrap_or_default();
    let repository = repository_of(&root);
    let checked = |config: Config| {
        let problems = if explicit.is_some() || trusted { Vec::new() } else { config.untrusted_problems(&repository, url_given) };
        if problems.is_empty() { Ok(config) } else { Err(problems) }
    };
    Config::parse(&text, root).and_then(checked).map_err(|errors| {
        let shown = path.display().to_string();
        // Only positions and messages, never the file's lines, which may hold secrets.
        let lines = render::short(&FileView::new(&shown, &text), &errors);
        // Snippets quote the file with its secrets masked; text that is not YAML cannot be
        // searched for secrets, so none of its lines is quoted.
        let rendered = match redact_secrets(&text) {
            Some(redacted) => render::human(&FileView::new(&shown, &redacted), &errors, color),
            None => lines.clone(),
        };
        let _ = std::io::stderr().write_all(rendered.as_bytes());
        notices.error_with_details(format!("{shown} has {} error{}; nothing was checked", errors.len(), if errors.len() == 1 { "" } else { "s" }), &lines);
    })
}

/// The git repository holding `dir` (the nearest directory with a `.git`), else `dir` itself.
fn repository_of(dir: &Path) -> PathBuf {
    dir.ancestors().find(|d| d.join(".git").exists()).unwrap_or(dir).to_path_buf()
}

/// The nearest `.promaudit.yaml` at or above `start`, not above the git repository holding it.
fn discover(start: &Path) -> Option<PathBuf> {
    let start = std::path::absolute(start).ok()?;
    let mut dir = if start.is_dir() { Some(start.as_path()) } else { start.parent() };
    while let Some(current) = dir {
        let candidate = current.join(FILE_NAME);
        if candidate.is_file() {
            return Some(candidate);
        }
        if current.join(".git").exists() {
            return None;
        }
        dir = current.parent();
    }
    None
}
