//! Finding the files to check: explicit files always, directories searched recursively for the
//! formats promaudit reads, skipping hidden directories and build output.

use std::path::{Path, PathBuf};

/// `.prom` is the exposition files' own extension (the node exporter's textfile collector reads
/// them); dumps under other names (`.txt`, `.metrics`) are checked when named explicitly.
const EXTENSIONS: &[&str] = &["yml", "yaml", "json", "md", "markdown", "rules", "prom"];
const SKIPPED_DIRECTORIES: &[&str] = &["node_modules", "target", "vendor"];

/// Files to check, sorted within each directory, and errors for paths that cannot be read.
pub fn collect(paths: &[PathBuf]) -> (Vec<PathBuf>, Vec<String>) {
    let mut files = Vec::new();
    let mut errors = Vec::new();
    for path in paths {
        match std::fs::metadata(path) {
            Ok(meta) if meta.is_dir() => walk_dir(path, &mut files, &mut errors),
            Ok(_) => files.push(path.clone()),
            Err(e) => errors.push(format!("cannot read {}: {e}", path.display())),
        }
    }
    (files, errors)
}

fn walk_dir(dir: &Path, files: &mut Vec<PathBuf>, errors: &mut Vec<String>) {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) => return errors.push(format!("cannot read directory {}: {e}", dir.display())),
    };
    let mut entries: Vec<_> = entries.filter_map(Result::ok).map(|e| e.path()).collect();
    entries.sort();
    for path in entries {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if path.is_dir() {
            if !name.starts_with('.') && !SKIPPED_DIRECTORIES.contains(&name) {
                walk_dir(&path, files, errors);
            }
        } else if !path.is_file() {
            // FIFOs, sockets, devices: opening a FIFO waits for a writer that never comes.
        } else if name.starts_with('.') {
            // Tools' own configuration (`.promaudit.yaml`, `.pre-commit-config.yaml`), as hidden
            // as the directories skipped above; named explicitly, such a file is still checked.
        } else if path.extension().and_then(|e| e.to_str()).is_some_and(|e| EXTENSIONS.contains(&e.to_ascii_lowercase().as_str())) {
            // `promaudit check` (the directory `.`) reports `rules/a.yml`, not `./rules/a.yml`.
            files.push(path.strip_prefix(".").map(Path::to_path_buf).unwrap_or(path));
        }
    }
}
