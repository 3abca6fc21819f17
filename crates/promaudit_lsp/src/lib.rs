//! `promaudit lsp`: a Language Server Protocol server over stdio for the files promaudit checks.
//! This is the only crate that knows LSP types. Analysis runs on a worker thread ([`worker`]);
//! the message loop answers requests from the last analysis and never waits for a check.
//! Editor features themselves are plain functions over byte offsets in `promaudit_ide`.

mod convert;
mod handlers;
mod options;
mod positions;
mod transport;
mod worker;
mod workspace;

use lsp_server::{ErrorCode, Message, Notification, Request, Response};
use lsp_types::notification::{DidChangeTextDocument, DidCloseTextDocument, DidOpenTextDocument, Exit, Notification as _};
use lsp_types::request::{Initialize, Request as _, Shutdown};
use lsp_types::{InitializeParams, Url};
use options::Options;
use promaudit_diagnostics::stderr_line;
use std::sync::Arc;
use transport::{Incoming, Outbox};
use worker::{Job, Worker};
use workspace::{Document, Shared};

/// Serves one editor over stdin and stdout until it sends `exit`. `Err` when the editor exited
/// without asking for a shutdown first, or went away.
pub fn run() -> Result<(), String> {
    let (incoming, outbox) = transport::stdio();
    let Some((id, params)) = wait_for_initialize(&incoming, &outbox) else { return Err("the editor exited before initializing".into()) };
    outbox.send(Response::new_ok(id, handlers::initialize_result()));
    let mut options = Options::from_initialize(&params);
    let shared = Arc::new(Shared::new(options.root.clone()));
    options.add_config(&shared.config());
    let (jobs, job_queue) = crossbeam_channel::unbounded();
    let catalog = options.load_catalog();
    let worker = Worker { shared: shared.clone(), outbox: outbox.clone(), catalog: catalog.catalog, user_catalog: catalog.user_given };
    promaudit_lint::spawn_analysis_thread("promaudit-analysis", move || worker.run(job_queue)).map_err(|e| format!("cannot start the analysis thread: {e}"))?;
    options.refresh_live_catalog(jobs.clone());
    let server = Server { shared, outbox, jobs, shutting_down: false };
    server.serve(&incoming)
}

/// Requests before `initialize` get an error and are otherwise ignored.
fn wait_for_initialize(incoming: &crossbeam_channel::Receiver<Incoming>, outbox: &Outbox) -> Option<(lsp_server::RequestId, InitializeParams)> {
    for message in incoming {
        match message {
            Incoming::Message(Message::Request(request)) if request.method == Initialize::METHOD => match serde_json::from_value(request.params) {
                Ok(params) => return Some((request.id, params)),
                Err(e) => outbox.send(Response::new_err(request.id, ErrorCode::InvalidParams as i32, format!("invalid initialize parameters: {e}"))),
            },
            Incoming::Message(Message::Request(request)) => outbox.send(Response::new_err(request.id, ErrorCode::ServerNotInitialized as i32, "the server is not initialized yet".into())),
            Incoming::Message(Message::Notification(n)) if n.method == Exit::METHOD => return None,
            Incoming::Message(_) => {}
            Incoming::Malformed(reason) => outbox.parse_error(&reason),
        }
    }
    None
}

struct Server {
    shared: Arc<Shared>,
    outbox: Outbox,
    jobs: crossbeam_channel::Sender<Job>,
    shutting_down: bool,
}

impl Server {
    fn serve(mut self, incoming: &crossbeam_channel::Receiver<Incoming>) -> Result<(), String> {
        for message in incoming {
            match message {
                Incoming::Message(Message::Request(request)) => self.request(request),
                Incoming::Message(Message::Notification(n)) if n.method == Exit::METHOD => {
                    return if self.shutting_down { Ok(()) } else { Err("the editor exited without a shutdown request".into()) };
                }
                Incoming::Message(Message::Notification(notification)) => {
                    let method = notification.method.clone();
                    if let Err(panic) = promaudit_lint::isolated(|| self.notification(notification)) {
                        stderr_line!("promaudit lsp: handling `{method}` failed ({panic})");
                    }
                }
                Incoming::Message(Message::Response(_)) => {}
                Incoming::Malformed(reason) => {
                    stderr_line!("promaudit lsp: ignoring a malformed message: {reason}");
                    self.outbox.parse_error(&reason);
                }
            }
        }
        Err("the editor closed the connection".into())
    }

    fn request(&mut self, request: Request) {
        let id = request.id.clone();
        let response = if self.shutting_down {
            Response::new_err(id, ErrorCode::InvalidRequest as i32, "the server is shutting down".into())
        } else if request.method == Shutdown::METHOD {
            self.shutting_down = true;
            Response::new_ok(id, ())
        } else {
            match promaudit_lint::isolated(|| handlers::handle(&self.shared, &request)) {
                Ok(Ok(result)) => Response { id, result: Some(result), error: None },
                Ok(Err((code, message))) => Response::new_err(id, code as i32, message),
                Err(panic) => Response::new_err(id, ErrorCode::InternalError as i32, format!("promaudit failed on this request ({panic}); please report it at https://github.com/promaudit/promaudit/issues")),
            }
        };
        self.outbox.send(response);
    }

    fn notification(&mut self, notification: Notification) {
        let method = notification.method.as_str();
        match method {
            _ if method == DidOpenTextDocument::METHOD => {
                if let Ok(params) = notification.extract::<lsp_types::DidOpenTextDocumentParams>(DidOpenTextDocument::METHOD) {
                    let document = params.text_document;
                    self.update(document.uri, document.version, document.text.into());
                }
            }
            _ if method == DidChangeTextDocument::METHOD => {
                if let Ok(params) = notification.extract::<lsp_types::DidChangeTextDocumentParams>(DidChangeTextDocument::METHOD) {
                    let uri = params.text_document.uri;
                    let Some(current) = self.shared.document(&uri) else { return };
                    let text = handlers::apply_changes(&self.shared.path_of(&uri), &current.text, params.content_changes);
                    self.update(uri, params.text_document.version, text.into());
                }
            }
            _ if method == DidCloseTextDocument::METHOD => {
                if let Ok(params) = notification.extract::<lsp_types::DidCloseTextDocumentParams>(DidCloseTextDocument::METHOD) {
                    let uri = params.text_document.uri;
                    let closed = self.shared.documents.lock().unwrap_or_else(|e| e.into_inner()).remove(&uri);
                    let teaches = closed.is_some_and(|d| promaudit_lint::project::may_teach(&d.text));
                    let _ = self.jobs.send(Job::Close(uri.clone()));
                    if teaches {
                        // The disk's copy teaches again instead of the buffer's.
                        let _ = self.jobs.send(Job::Check { uri, teaches });
                    }
                }
            }
            // `initialized`, `$/cancelRequest`, configuration changes…: nothing to do.
            _ => {}
        }
    }

    /// Stores the new text and queues its check. The whole workspace is learned again only when
    /// what the other files' checks depend on may have changed: a recording rule, a scrape
    /// config, an objective, or `.promaudit.yaml`, differing from what was learned (the disk's
    /// copy, for a document just opened).
    fn update(&mut self, uri: Url, version: i32, text: Arc<str>) {
        let previous = self.shared.documents.lock().unwrap_or_else(|e| e.into_inner()).insert(uri.clone(), Document { version, text: text.clone() });
        let learned = match previous {
            Some(document) => Some(document.text.to_string()),
            None => uri.to_file_path().ok().and_then(|path| promaudit_source::file::read_bounded_text(&path)),
        };
        let is_config = self.shared.path_of(&uri) == std::path::Path::new(promaudit_lint::config::FILE_NAME);
        let teaches = match &learned {
            Some(learned) if **learned == *text => false,
            Some(learned) => is_config || promaudit_lint::project::may_teach(learned) || promaudit_lint::project::may_teach(&text),
            None => is_config || promaudit_lint::project::may_teach(&text),
        };
        let _ = self.jobs.send(Job::Check { uri, teaches });
    }
}
