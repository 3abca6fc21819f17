//! `--changed-since REV`: the files a change touched, read from git, and what those files
//! recorded before it. The whole repository is still learned, so a touched file is checked
//! against every other file; untouched files are checked only for reads of the recording rules
//! the change removed.

use promaudit_lint::project::{learn, may_teach, words_read};
use promaudit_lint::Checker;
use promaudit_source::SourceFile;
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::Command;

/// What a change did, from git.
pub struct Changes {
    rev: String,
    /// Files added, modified or untracked since `rev`, canonical.
    touched: HashSet<PathBuf>,
    /// Files modified or deleted since `rev`, as they were at `rev`: (repository path, text).
    earlier: Vec<(String, String)>,
}

/// How much of a file's findings a changed-files run reports.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// The change touched it: everything.
    Everything,
    /// Untouched, but reads a series the change stopped recording: only that.
    RemovedRecordings,
}

impl Changes {
    /// The changes between `rev` and the working tree of the repository holding `anchor`.
    pub fn since(rev: &str, anchor: &Path) -> Result<Changes, String> {
        let dir = if anchor.is_dir() { anchor } else { anchor.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new(".")) };
        let top = PathBuf::from(git(dir, &["rev-parse", "--show-toplevel"]).map_err(|e| format!("--changed-since needs a git repository: {e}"))?.trim_end());
        git(&top, &["rev-parse", "--verify", "--quiet", &format!("{rev}^{{commit}}")]).map_err(|_| format!("--changed-since: `{rev}` is not a commit of the repository at {}", top.display()))?;
        let mut touched = HashSet::new();
        let mut earlier = Vec::new();
        let diff = git(&top, &["diff", "--name-status", "--no-renames", "-z", rev, "--"])?;
        let mut fields = diff.split('\0').filter(|f| !f.is_empty());
        while let (Some(status), Some(path)) = (fields.next(), fields.next()) {
            if status != "D" {
                touched.extend(top.join(path).canonicalize().ok());
            }
            if status != "A" {
                earlier.extend(git(&top, &["cat-file", "blob", &format!("{rev}:{path}")]).ok().filter(|text| may_teach(text)).map(|text| (path.to_string(), text)));
            }
        }
        for path in git(&top, &["ls-files", "-z", "--others", "--exclude-standard"])?.split('\0').filter(|p| !p.is_empty()) {
            touched.extend(top.join(path).canonicalize().ok());
        }
        Ok(Changes { rev: rev.to_string(), touched, earlier })
    }

    /// After the whole repository is learned: notes the recording rules the change removed, and
    /// returns the files to check with how much of each to report — the touched ones, and the
    /// untouched ones that read a removed series.
    pub fn select(&self, files: Vec<PathBuf>, checker: &mut Checker) -> Vec<(PathBuf, Scope)> {
        for (path, text) in &self.earlier {
            let facts = learn(&SourceFile::new(path, text.as_str()), &checker.cache);
            checker.note_removed_recordings(&facts, &format!("`{path}` at `{}`", self.rev));
        }
        let removed = &checker.project.removed_recordings;
        files
            .into_iter()
            .filter_map(|path| {
                if path.canonicalize().is_ok_and(|p| self.touched.contains(&p)) {
                    return Some((path, Scope::Everything));
                }
                let reads_removed = !removed.is_empty() && std::fs::read_to_string(&path).is_ok_and(|text| words_read(&text).any(|word| removed.contains_key(word)));
                reads_removed.then_some((path, Scope::RemovedRecordings))
            })
            .collect()
    }
}

/// Runs git in `dir` and returns its standard output.
fn git(dir: &Path, args: &[&str]) -> Result<String, String> {
    let output = Command::new("git").arg("-C").arg(dir).args(args).output().map_err(|e| format!("cannot run git: {e}"))?;
    if output.status.success() {
        String::from_utf8(output.stdout).map_err(|_| format!("git {} printed a path that is not UTF-8", args.join(" ")))
    } else {
        Err(String::from_utf8_lossy(&output.stderr).trim().to_string())
    }
}
