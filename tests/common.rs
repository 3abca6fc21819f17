//! Helpers shared by the end-to-end tests.
#![allow(dead_code)] // Each test binary uses some of these helpers.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

pub fn promaudit(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_promaudit")).args(args).output().expect("the binary runs")
}

/// A fresh directory for one test.
pub fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("promaudit-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
