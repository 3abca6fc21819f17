//! Baselines: today's findings recorded in a file (`--write-baseline`), so that a run with
//! `--baseline` fails only on new ones. Findings are matched by content (rule, file, the text
//! under the span, message), never by line, and counted: two identical findings need two entries.

use promaudit_diagnostics::render::fingerprint;
use promaudit_diagnostics::Diagnostic;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// One recorded finding. Only the fingerprint matches; the rest makes the file reviewable.
#[derive(Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct Entry {
    file: String,
    code: String,
    message: String,
    fingerprint: String,
}

#[derive(Serialize, Deserialize)]
struct BaselineFile {
    version: u32,
    findings: Vec<Entry>,
}

const VERSION: u32 = 1;

/// A baseline being applied: how many of each fingerprint are still to be hidden.
pub struct Baseline {
    dir: PathBuf,
    remaining: Mutex<HashMap<String, usize>>,
}

impl Baseline {
    pub fn read(path: &Path) -> Result<Baseline, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read the baseline {}: {e}", path.display()))?;
        let file: BaselineFile = serde_json::from_str(&text).map_err(|e| format!("{}:{}:{}: not a promaudit baseline: {e}", path.display(), e.line(), e.column()))?;
        if file.version != VERSION {
            return Err(format!("{}: baseline version {} is not {VERSION}; write it again with --write-baseline", path.display(), file.version));
        }
        let mut remaining = HashMap::new();
        for entry in file.findings {
            *remaining.entry(entry.fingerprint).or_insert(0) += 1;
        }
        Ok(Baseline { dir: directory_of(path), remaining: Mutex::new(remaining) })
    }

    /// Removes the findings the baseline still holds, and returns how many it removed.
    pub fn hide(&self, path: &Path, text: &str, diagnostics: &mut Vec<Diagnostic>) -> usize {
        let name = relative_name(&self.dir, path);
        let before = diagnostics.len();
        let mut remaining = self.remaining.lock().expect("no panic while holding the baseline");
        diagnostics.retain(|d| match remaining.get_mut(&fingerprint(&name, text, d)) {
            Some(count) if *count > 0 => {
                *count -= 1;
                false
            }
            _ => true,
        });
        before - diagnostics.len()
    }

    /// Entries that matched nothing in this run: findings fixed since the baseline was written.
    pub fn unmatched(&self) -> usize {
        self.remaining.lock().expect("no panic while holding the baseline").values().sum()
    }
}

/// The entries for one file's findings, for `--write-baseline FILE`.
pub fn entries(baseline: &Path, path: &Path, text: &str, diagnostics: &[Diagnostic]) -> Vec<Entry> {
    let name = relative_name(&directory_of(baseline), path);
    diagnostics.iter().map(|d| Entry { file: name.clone(), code: d.code.to_string(), message: d.message.clone(), fingerprint: fingerprint(&name, text, d) }).collect()
}

/// Writes the baseline sorted, one finding per entry, so that its diffs are reviewable.
pub fn write(path: &Path, mut findings: Vec<Entry>) -> Result<(), String> {
    findings.sort();
    let text = serde_json::to_string_pretty(&BaselineFile { version: VERSION, findings }).expect("a baseline serializes") + "\n";
    std::fs::write(path, text).map_err(|e| format!("cannot write the baseline {}: {e}", path.display()))
}

fn directory_of(path: &Path) -> PathBuf {
    std::path::absolute(path).ok().and_then(|p| p.parent().map(Path::to_path_buf)).unwrap_or_default()
}

/// The file's path relative to the baseline's directory, with `/` separators: the same on every
/// machine and checkout location.
fn relative_name(dir: &Path, path: &Path) -> String {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    match absolute.strip_prefix(dir) {
        Ok(relative) => relative.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/"),
        Err(_) => absolute.to_string_lossy().replace('\\', "/"),
    }
}
