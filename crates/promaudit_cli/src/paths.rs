//! How reports name files: relative to a directory that does not move with the working
//! directory, so that baselines and CI reports say the same wherever promaudit ran.

use promaudit_lint::config::{normalized, FILE_NAME};
use std::path::{Path, PathBuf};

/// The directory CI reports (SARIF, annotations, checkstyle, JUnit) name files from: the git
/// repository holding `start`, as code scanning and annotations resolve paths against it; else
/// the directory of the nearest `.promaudit.yaml` above `start`; else the working directory.
pub fn report_root(start: &Path) -> PathBuf {
    let start = normalized(start);
    let dir = if start.is_dir() { start.as_path() } else { start.parent().unwrap_or(&start) };
    let holding = |marker: &str| dir.ancestors().find(|d| d.join(marker).exists()).map(Path::to_path_buf);
    holding(".git").or_else(|| holding(FILE_NAME)).unwrap_or_else(|| normalized(Path::new(".")))
}

/// `path` relative to `dir` with `/` separators, `.` and `..` folded away: the same on every
/// machine and checkout location. Absolute when it lies outside `dir`.
pub fn relative_name(dir: &Path, path: &Path) -> String {
    let absolute = normalized(path);
    match absolute.strip_prefix(dir) {
        Ok(relative) => relative.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/"),
        Err(_) => absolute.to_string_lossy().replace('\\', "/"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_fold_dots_and_stay_absolute_outside() {
        assert_eq!(relative_name(Path::new("/repo"), Path::new("/repo/other/../rules/./a.yml")), "rules/a.yml");
        assert_eq!(relative_name(Path::new("/repo"), Path::new("/elsewhere/a.yml")), "/elsewhere/a.yml");
    }
}
