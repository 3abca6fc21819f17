//! Finding the files to check: explicit files always, directories searched recursively for the
//! formats promaudit reads, skipping hidden directories and build output. Symlinks are followed,
//! each directory entered once (by device and inode, so links to `.` do not loop), and only
//! regular files are returned: a FIFO would block the run, a device never end.

use crate::file::file_kind;
use std::collections::HashSet;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

/// `.prom` is the exposition files' own extension (the node exporter's textfile collector reads
/// them); dumps under other names (`.txt`, `.metrics`) are checked when named explicitly.
const EXTENSIONS: &[&str] = &["yml", "yaml", "json", "md", "markdown", "rules", "prom"];
const SKIPPED_DIRECTORIES: &[&str] = &["node_modules", "target", "vendor"];

/// Files to check, sorted within each directory, and errors for paths that cannot be read.
pub fn collect(paths: &[PathBuf]) -> (Vec<PathBuf>, Vec<String>) {
    let mut walk = Walk::default();
    for path in paths {
        match std::fs::metadata(path) {
            Ok(meta) if meta.is_dir() => walk.dir(path, &meta),
            Ok(meta) => walk.file(path.clone(), &meta),
            Err(e) => walk.errors.push(format!("cannot read {}: {e}", path.display())),
        }
    }
    (walk.files, walk.errors)
}

#[derive(Default)]
struct Walk {
    files: Vec<PathBuf>,
    errors: Vec<String>,
    /// (device, inode) of the directories entered.
    entered: HashSet<(u64, u64)>,
}

impl Walk {
    fn dir(&mut self, dir: &Path, meta: &std::fs::Metadata) {
        if !self.entered.insert((meta.dev(), meta.ino())) {
            return;
        }
        let entries = match std::fs::read_dir(dir) {
            Ok(entries) => entries,
            Err(e) => return self.errors.push(format!("cannot read directory {}: {e}", dir.display())),
        };
        let mut entries: Vec<_> = entries.filter_map(Result::ok).map(|e| e.path()).collect();
        entries.sort();
        for path in entries {
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
            // Tools' own configuration (`.promaudit.yaml`, `.pre-commit-config.yaml`) is as
            // hidden as hidden directories; named explicitly, such a file is still checked.
            if name.starts_with('.') {
                continue;
            }
            // A dangling symlink is no file to check.
            let Ok(meta) = std::fs::metadata(&path) else { continue };
            if meta.is_dir() {
                if !SKIPPED_DIRECTORIES.contains(&name) {
                    self.dir(&path, &meta);
                }
            } else if path.extension().and_then(|e| e.to_str()).is_some_and(|e| EXTENSIONS.contains(&e.to_ascii_lowercase().as_str())) {
                // `promaudit check` (the directory `.`) reports `rules/a.yml`, not `./rules/a.yml`.
                self.file(path.strip_prefix(".").map(Path::to_path_buf).unwrap_or(path), &meta);
            }
        }
    }

    fn file(&mut self, path: PathBuf, meta: &std::fs::Metadata) {
        if meta.is_file() {
            self.files.push(path);
        } else {
            self.errors.push(format!("{} is {}, not a regular file: not read", path.display(), file_kind(&meta.file_type())));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("promaudit-walk-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn links_to_a_parent_are_entered_once() {
        let dir = temp_dir("loops");
        let sub = dir.join("sub");
        std::fs::create_dir(&sub).unwrap();
        std::fs::write(sub.join("a.yml"), "x: 1\n").unwrap();
        std::os::unix::fs::symlink(".", sub.join("self")).unwrap();
        std::os::unix::fs::symlink(".", sub.join("again")).unwrap();
        std::os::unix::fs::symlink("..", sub.join("up")).unwrap();
        let (files, errors) = collect(std::slice::from_ref(&dir));
        assert_eq!(files.len(), 1, "{:?}", &files[..files.len().min(5)]);
        assert_eq!(files, vec![sub.join("a.yml")]);
        assert!(errors.is_empty(), "{errors:?}");
    }

    #[test]
    fn special_files_are_reported_once_not_read() {
        let dir = temp_dir("special");
        let fifo = dir.join("x.yml");
        assert!(std::process::Command::new("mkfifo").arg(&fifo).status().unwrap().success());
        std::os::unix::fs::symlink("/dev/urandom", dir.join("random.yml")).unwrap();
        std::fs::write(dir.join("ok.yml"), "x: 1\n").unwrap();
        let (files, errors) = collect(std::slice::from_ref(&dir));
        assert_eq!(files, vec![dir.join("ok.yml")]);
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert!(errors[0].contains("random.yml is a device, not a regular file"), "{errors:?}");
        assert!(errors[1].contains("x.yml is a FIFO"), "{errors:?}");
        // Named explicitly, it is reported the same way.
        assert_eq!(collect(&[fifo]).1.len(), 1);
    }
}
