//! `-` among the paths: stdin is read once, before anything else, and its bytes are shared by
//! the learning pass and the check, since a pipe cannot be read twice.

use promaudit_source::file::read_bounded_from;
use promaudit_source::ReadError;
use std::path::{Path, PathBuf};

/// The paths that name stdin: `-`, and the device names a shell gives for it. As regular paths
/// a pipe behind them would be refused, and read once per pass if it were not.
const STDIN_PATHS: &[&str] = &["-", "/dev/stdin", "/dev/fd/0", "/proc/self/fd/0"];

fn names_stdin(path: &Path) -> bool {
    STDIN_PATHS.iter().any(|stdin| path.as_os_str() == *stdin)
}

/// What stdin is called in the output when `-` named it and `--stdin-filename` did not.
const UNNAMED: &str = "<stdin>";

/// Stdin's bytes, and the path they are checked and reported as.
pub struct Stdin {
    pub name: PathBuf,
    /// `Err`: the size it reached, over the limit.
    bytes: Result<Vec<u8>, u64>,
}

impl Stdin {
    /// Takes the paths naming stdin out of `paths` and reads stdin once if there were any.
    /// `name` (`--stdin-filename`) decides how it is detected (by its extension) and shown.
    pub fn take(paths: &mut Vec<PathBuf>, name: Option<&Path>) -> Result<Option<Stdin>, String> {
        let given = paths.iter().find(|path| names_stdin(path)).cloned();
        let Some(given) = given else {
            return match name {
                Some(_) => Err(
                    "--stdin-filename names the text read from stdin, but no path is `-`".into(),
                ),
                None => Ok(None),
            };
        };
        paths.retain(|path| !names_stdin(path));
        let name = name.map(Path::to_path_buf).unwrap_or_else(|| {
            if given.as_os_str() == "-" {
                PathBuf::from(UNNAMED)
            } else {
                given
            }
        });
        let bytes = match read_bounded_from(std::io::stdin().lock(), 0) {
            Ok(bytes) => Ok(bytes),
            Err(ReadError::TooLarge(size)) => Err(size),
            Err(error) => return Err(format!("stdin {error}")),
        };
        Ok(Some(Stdin { name, bytes }))
    }

    /// Whether only `-` named it: its name is no file's.
    pub fn is_unnamed(&self) -> bool {
        self.name.as_os_str() == UNNAMED
    }

    /// What was read, when `path` is stdin's name.
    pub fn bytes_for(&self, path: &Path) -> Option<Result<Vec<u8>, ReadError>> {
        (path == self.name).then(|| self.bytes.clone().map_err(ReadError::TooLarge))
    }
}
