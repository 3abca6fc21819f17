//! The last line of defence: a panic while checking one file becomes that file's
//! `source/internal-error` finding, and the run (or the language server) goes on; and the
//! threads analysis runs on get the stack it needs, since an overflow cannot be caught.

use crate::analyze::FileReport;
use crate::rules::InternalError;
use promaudit_diagnostics::Span;
use promaudit_promql::ANALYSIS_STACK_SIZE;
use promaudit_source::SourceFile;
use std::cell::{Cell, RefCell};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Once;
use std::thread::JoinHandle;

thread_local! {
    /// Set while this thread runs an isolated check: its panics are reported, not printed.
    static ISOLATED: Cell<bool> = const { Cell::new(false) };
    /// The message and place of the last isolated panic on this thread, for the report.
    static LAST_PANIC: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Runs `check`; a panic in it is returned as its message and place, and Rust's panic message
/// is kept off stderr. Panics elsewhere still print as usual.
pub fn isolated<T>(check: impl FnOnce() -> T) -> Result<T, String> {
    install_hook();
    let was = ISOLATED.replace(true);
    let outcome = catch_unwind(AssertUnwindSafe(check));
    ISOLATED.set(was);
    outcome.map_err(|payload| {
        LAST_PANIC
            .take()
            .unwrap_or_else(|| payload_text(payload.as_ref()))
    })
}

fn install_hook() {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !ISOLATED.get() {
                return default(info);
            }
            let place = info
                .location()
                .map(|l| format!(" at {}:{}", l.file(), l.line()))
                .unwrap_or_default();
            LAST_PANIC.set(Some(format!("{}{place}", payload_text(info.payload()))));
        }));
    });
}

fn payload_text(payload: &(dyn std::any::Any + Send)) -> String {
    match (
        payload.downcast_ref::<&str>(),
        payload.downcast_ref::<String>(),
    ) {
        (Some(text), _) => text.to_string(),
        (_, Some(text)) => text.clone(),
        _ => "a panic without a message".into(),
    }
}

/// Starts a thread with the stack that analysis needs ([`ANALYSIS_STACK_SIZE`]): a stack
/// overflow cannot be isolated, it aborts the process.
pub fn spawn_analysis_thread<T: Send + 'static>(
    name: &str,
    work: impl FnOnce() -> T + Send + 'static,
) -> std::io::Result<JoinHandle<T>> {
    std::thread::Builder::new()
        .name(name.into())
        .stack_size(ANALYSIS_STACK_SIZE)
        .spawn(work)
}

/// The report for a file whose check panicked with `panic`; `file` may hold an empty copy.
pub fn report_internal_error(file: SourceFile, panic: &str) -> FileReport {
    let message = format!("promaudit hit an internal error checking this file ({panic}): its findings are missing, the other files were checked");
    let help = "please report this at https://github.com/promaudit/promaudit/issues with the file (or the smallest part of it that still fails) attached";
    FileReport {
        file,
        diagnostics: vec![InternalError::META
            .diagnostic(Span::empty(0), message)
            .with_help(help)],
        queries: 0,
    }
}

/// For end-to-end tests only, in debug builds only: checking a file with this name panics, so
/// that the isolation above can be tested now that no known input panics.
#[cfg(debug_assertions)]
pub(crate) fn test_panic(file: &SourceFile) {
    let name = std::env::var_os("PROMAUDIT_TEST_PANIC_ON");
    if name.is_some_and(|name| file.path.file_name() == Some(name.as_os_str())) {
        panic!("PROMAUDIT_TEST_PANIC_ON names this file");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_is_returned_with_its_place() {
        let error = isolated(|| -> () { panic!("boom {}", 1) }).unwrap_err();
        assert!(
            error.starts_with("boom 1 at ") && error.contains("isolation.rs"),
            "{error}"
        );
        assert_eq!(isolated(|| 2), Ok(2));
    }
}
