//! Project tasks: `cargo xtask audit | docs [--check] | new-rule family/name | bench [--copies N] [--corpus DIR] [--min-ratio R] | fuzz [--budget-secs N] [--seed S] [--max-execs N]`.

mod bench;
mod docs;
mod fuzz;
mod new_rule;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("audit") => audit(),
        Some("docs") => docs::run(&root(), args.iter().any(|a| a == "--check")),
        Some("new-rule") => new_rule::run(&root(), args.get(1).map(String::as_str)),
        Some("bench") => bench::run(&root(), &args[1..]),
        Some("fuzz") => fuzz::run(&root(), &args[1..]),
        _ => Err("usage: cargo xtask audit | docs [--check] | new-rule family/name | bench [--copies N] [--corpus DIR] [--min-ratio R] | fuzz [--budget-secs N] [--seed S] [--max-execs N]".into()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xtask: {message}");
            ExitCode::FAILURE
        }
    }
}

pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("xtask lives in the workspace").to_path_buf()
}

/// Builds the release binary and returns its path.
pub fn build_release(root: &Path) -> Result<PathBuf, String> {
    let status = Command::new(env!("CARGO")).args(["build", "--release", "--quiet", "-p", "promaudit_cli"]).current_dir(root).status().map_err(|e| e.to_string())?;
    if !status.success() {
        return Err("cargo build failed".into());
    }
    let target = std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), PathBuf::from);
    Ok(target.join("release/promaudit"))
}

/// The repository's own monitoring bundle, checked with every finding failing the build.
fn audit() -> Result<(), String> {
    let root = root();
    let binary = build_release(&root)?;
    let status = Command::new(binary)
        .args(["check", "rules/", "--catalog", "fixtures/catalog", "--fail-on", "info"])
        .current_dir(&root)
        .status()
        .map_err(|e| e.to_string())?;
    if status.success() {
        Ok(())
    } else {
        Err("the bundled rules/ have findings (see above)".into())
    }
}
