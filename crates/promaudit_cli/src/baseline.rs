//! Baselines: today's findings recorded in a file (`--write-baseline`), so that a run with
//! `--baseline` fails only on new ones. Findings are matched by content (rule, file, the text
//! under the span, message), never by line, and counted: two identical findings need two entries.

use crate::paths::relative_name;
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

/// A baseline being applied.
pub struct Baseline {
    dir: PathBuf,
    state: Mutex<Matching>,
}

/// How far matching has got.
#[derive(Default)]
struct Matching {
    /// Per file not checked yet, how many findings of each fingerprint it may hide.
    unchecked: HashMap<String, HashMap<String, usize>>,
    /// Entries of checked files that matched no finding: fixed since the baseline was written.
    fixed: usize,
}

/// What was left of a baseline after a run.
pub struct Leftover {
    pub fixed: usize,
    /// Entries for files this run did not check: deleted, renamed or outside its paths.
    pub unchecked: usize,
}

impl Baseline {
    pub fn read(path: &Path) -> Result<Baseline, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read the baseline {}: {e}", path.display()))?;
        let file: BaselineFile = serde_json::from_str(&text).map_err(|e| format!("{}:{}:{}: not a promaudit baseline: {e}", path.display(), e.line(), e.column()))?;
        if file.version != VERSION {
            return Err(format!("{}: baseline version {} is not {VERSION}; write it again with --write-baseline", path.display(), file.version));
        }
        let mut matching = Matching::default();
        for entry in file.findings {
            *matching.unchecked.entry(entry.file).or_default().entry(entry.fingerprint).or_insert(0) += 1;
        }
        Ok(Baseline { dir: directory_of(path), state: Mutex::new(matching) })
    }

    /// Removes the findings the baseline still holds, and returns how many it removed.
    pub fn hide(&self, path: &Path, text: &str, diagnostics: &mut Vec<Diagnostic>) -> usize {
        let name = relative_name(&self.dir, path);
        let mut state = self.state.lock().expect("no panic while holding the baseline");
        let Some(mut remaining) = state.unchecked.remove(&name) else { return 0 };
        let before = diagnostics.len();
        diagnostics.retain(|d| match remaining.get_mut(&fingerprint(&name, text, d)) {
            Some(count) if *count > 0 => {
                *count -= 1;
                false
            }
            _ => true,
        });
        state.fixed += remaining.values().sum::<usize>();
        before - diagnostics.len()
    }

    /// The entries that hid nothing in this run.
    pub fn leftover(&self) -> Leftover {
        let state = self.state.lock().expect("no panic while holding the baseline");
        Leftover { fixed: state.fixed, unchecked: state.unchecked.values().flat_map(HashMap::values).sum() }
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
    crate::replace_file(path, text.as_bytes()).map_err(|e| format!("cannot write the baseline {}: {e}", path.display()))
}

/// Whether two paths name the same file, however they are spelled (`./a.json`, `a.json`):
/// paths compare by components.
pub fn same_file(a: &Path, b: &Path) -> bool {
    matches!((std::path::absolute(a), std::path::absolute(b)), (Ok(a), Ok(b)) if a == b)
}

/// The directory finding names are relative to, folded as [`relative_name`] folds them.
fn directory_of(path: &Path) -> PathBuf {
    promaudit_lint::config::normalized(path).parent().map(Path::to_path_buf).unwrap_or_default()
}
