//! The analysis worker: documents are checked here, never on the message loop, a short while
//! after the last change (typing produces a change per keystroke), and a result for a document
//! version that is no longer current is dropped instead of published.

use crate::convert;
use crate::transport::Outbox;
use crate::workspace::{Published, Shared};
use crossbeam_channel::{Receiver, RecvTimeoutError};
use lsp_types::notification::{Notification as _, PublishDiagnostics};
use lsp_types::{PublishDiagnosticsParams, Url};
use promaudit_catalog::Catalog;
use promaudit_diagnostics::stderr_line;
use promaudit_lint::{Checker, FileReport};
use promaudit_source::SourceFile;
use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// Quiet time after the last change before a document is checked.
pub const DEBOUNCE: Duration = Duration::from_millis(150);

pub enum Job {
    /// A document was opened or changed; `teaches` when its recording rules, scrape configs or
    /// objectives may have changed, which other documents' checks depend on.
    Check { uri: Url, teaches: bool },
    /// A document was closed: its diagnostics are cleared.
    Close(Url),
    /// A fresh catalog (a live server's, re-read on a timer): everything is checked again.
    Catalog(Catalog),
}

pub struct Worker {
    pub shared: Arc<Shared>,
    pub outbox: Outbox,
    pub catalog: Catalog,
    pub user_catalog: bool,
}

impl Worker {
    /// Learns the workspace, then serves jobs until the channel closes.
    pub fn run(mut self, jobs: Receiver<Job>) {
        self.relearn();
        while let Ok(first) = jobs.recv() {
            let mut pending = BTreeSet::new();
            let mut relearn = false;
            let mut job = first;
            loop {
                match job {
                    Job::Check { uri, teaches } => {
                        relearn |= teaches;
                        pending.insert(uri);
                    }
                    Job::Close(uri) => {
                        pending.remove(&uri);
                        self.index_from_disk(&uri);
                        self.shared.published.lock().unwrap_or_else(|e| e.into_inner()).remove(&uri);
                        self.publish(uri, None, Vec::new());
                    }
                    Job::Catalog(catalog) => {
                        self.catalog = catalog;
                        relearn = true;
                    }
                }
                job = match jobs.recv_timeout(DEBOUNCE) {
                    Ok(next) => next,
                    Err(RecvTimeoutError::Timeout) => break,
                    Err(RecvTimeoutError::Disconnected) => return,
                };
            }
            if relearn {
                self.relearn();
                // What every open document is checked against has changed.
                pending.extend(self.shared.documents.lock().unwrap_or_else(|e| e.into_inner()).keys().cloned());
            }
            for uri in pending {
                self.check(uri);
            }
        }
    }

    fn relearn(&self) {
        let started = std::time::Instant::now();
        let learned = promaudit_lint::isolated(|| self.shared.learn(&self.catalog, self.user_catalog));
        let Ok((checker, index)) = learned.map_err(|panic| stderr_line!("promaudit lsp: learning the workspace failed ({panic}); checks use what was learned before")) else { return };
        stderr_line!("promaudit lsp: learned the workspace ({} recording rules) in {} ms", checker.project.graph.defined().count(), started.elapsed().as_millis());
        *self.shared.checker.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(checker);
        *self.shared.index.write().unwrap_or_else(|e| e.into_inner()) = index;
    }

    /// A closed document's unsaved text no longer counts: index the file as the disk has it.
    fn index_from_disk(&self, uri: &Url) {
        let path = self.shared.path_of(uri);
        let mut index = self.shared.index.write().unwrap_or_else(|e| e.into_inner());
        let indexed = promaudit_lint::isolated(|| match self.shared.read(&path) {
            Some(text) => index.update(&SourceFile::new(path.as_path(), text), &self.shared.checker().cache),
            None => index.forget(&path),
        });
        if let Err(panic) = indexed {
            stderr_line!("promaudit lsp: indexing {} failed ({panic})", path.display());
        }
    }

    fn check(&self, uri: Url) {
        let Some(document) = self.shared.document(&uri) else { return };
        let checker = self.shared.checker();
        let path = self.shared.path_of(&uri);
        let report = if document.text.len() as u64 > promaudit_source::MAX_FILE_SIZE { promaudit_lint::report_too_large(&path) } else { self.analyse(path, &document.text, &checker) };
        // Typed over while being checked: the newer version's check is already queued.
        if self.shared.document(&uri).map(|d| d.version) != Some(document.version) {
            return;
        }
        let file = Arc::new(report.file);
        let diagnostics = report.diagnostics.iter().map(|d| convert::diagnostic(&file, &uri, d)).collect();
        self.shared.published.lock().unwrap_or_else(|e| e.into_inner()).insert(uri.clone(), Published { version: document.version, file, diagnostics: report.diagnostics });
        self.publish(uri, Some(document.version), diagnostics);
    }

    /// A panic is the document's `source/internal-error`; the worker goes on to the next job.
    fn analyse(&self, path: PathBuf, text: &Arc<str>, checker: &Checker) -> FileReport {
        let report = promaudit_lint::isolated(|| {
            let file = SourceFile::new(path.as_path(), text.clone());
            self.shared.index.write().unwrap_or_else(|e| e.into_inner()).update(&file, &checker.cache);
            promaudit_lint::check_source(file, checker)
        });
        report.unwrap_or_else(|panic| promaudit_lint::report_internal_error(SourceFile::new(path, text.clone()), &panic))
    }

    fn publish(&self, uri: Url, version: Option<i32>, diagnostics: Vec<lsp_types::Diagnostic>) {
        let params = PublishDiagnosticsParams { uri, diagnostics, version };
        self.outbox.send(lsp_server::Notification::new(PublishDiagnostics::METHOD.to_string(), params));
    }
}
