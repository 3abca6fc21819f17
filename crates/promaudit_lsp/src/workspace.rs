//! What the server knows: the open documents, the analysis of the whole workspace (catalog and
//! project facts, as the CLI's pre-pass learns them) and the diagnostics last published.

use lsp_types::Url;
use promaudit_catalog::Catalog;
use promaudit_diagnostics::{stderr_line, Diagnostic};
use promaudit_ide::WorkspaceIndex;
use promaudit_lint::config::Config;
use promaudit_lint::Checker;
use promaudit_source::SourceFile;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};

/// An open document as the editor holds it.
#[derive(Clone)]
pub struct Document {
    pub version: i32,
    pub text: Arc<str>,
}

/// Diagnostics published for one version of a document, with the text they point into, so code
/// actions can find their fixes.
pub struct Published {
    pub version: i32,
    pub file: Arc<SourceFile>,
    pub diagnostics: Vec<Diagnostic>,
}

/// State shared by the message loop and the analysis worker. Locks are held only to read or
/// swap, never during analysis.
pub struct Shared {
    pub root: Option<PathBuf>,
    pub documents: Mutex<HashMap<Url, Document>>,
    pub checker: RwLock<Arc<Checker>>,
    pub index: RwLock<WorkspaceIndex>,
    pub published: Mutex<HashMap<Url, Published>>,
}

impl Shared {
    pub fn new(root: Option<PathBuf>) -> Self {
        Shared { root, documents: Default::default(), checker: RwLock::new(Arc::new(Checker::default())), index: Default::default(), published: Default::default() }
    }

    pub fn checker(&self) -> Arc<Checker> {
        self.checker.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    pub fn document(&self, uri: &Url) -> Option<Document> {
        self.documents.lock().unwrap_or_else(|e| e.into_inner()).get(uri).cloned()
    }

    /// The path diagnostics and messages name: relative to the workspace root, as `promaudit
    /// check` run there names it; the URI itself for documents that are not files.
    pub fn path_of(&self, uri: &Url) -> PathBuf {
        let Ok(path) = uri.to_file_path() else { return PathBuf::from(uri.as_str()) };
        match &self.root {
            Some(root) => path.strip_prefix(root).map(Path::to_path_buf).unwrap_or(path),
            None => path,
        }
    }

    /// An open document as a source file, or `None` when the editor never opened it.
    pub fn source(&self, uri: &Url) -> Option<SourceFile> {
        self.document(uri).map(|d| SourceFile::new(self.path_of(uri), d.text))
    }

    /// A file's text: the editor's buffer when it is open (saved or not), else the disk's.
    pub fn read(&self, path: &Path) -> Option<String> {
        let absolute = match &self.root {
            Some(root) if path.is_relative() => root.join(path),
            _ => path.to_path_buf(),
        };
        let open = Url::from_file_path(&absolute).ok().and_then(|uri| self.document(&uri));
        match open {
            Some(document) => Some(document.text.to_string()),
            None => read_from_disk(&absolute),
        }
    }

    /// The workspace's files (as the CLI walks a directory) and the open documents outside it,
    /// relative to the root.
    pub fn files(&self) -> Vec<PathBuf> {
        let mut files = match &self.root {
            Some(root) => promaudit_source::walk::collect(std::slice::from_ref(root)).0,
            None => Vec::new(),
        };
        let open: Vec<Url> = self.documents.lock().unwrap_or_else(|e| e.into_inner()).keys().cloned().collect();
        for uri in open {
            let path = uri.to_file_path().unwrap_or_else(|()| PathBuf::from(uri.as_str()));
            if !files.contains(&path) {
                files.push(path);
            }
        }
        if let Some(root) = &self.root {
            for file in &mut files {
                if let Ok(relative) = file.strip_prefix(root) {
                    *file = relative.to_path_buf();
                }
            }
        }
        files
    }

    /// The workspace's `.promaudit.yaml` (the editor's buffer if open); its problems go to the
    /// editor's log and the defaults apply.
    pub fn config(&self) -> Config {
        let Some(root) = &self.root else { return Config::default() };
        let Some(text) = self.read(Path::new(promaudit_lint::config::FILE_NAME)) else { return Config::default() };
        Config::parse(&text, root.clone()).unwrap_or_else(|problems| {
            let file = SourceFile::new(promaudit_lint::config::FILE_NAME, text);
            for problem in problems {
                let at = file.line_col(problem.span.start);
                stderr_line!("promaudit lsp: {}:{}:{}: {} (the defaults apply)", promaudit_lint::config::FILE_NAME, at.line, at.column, problem.message);
            }
            Config::default()
        })
    }

    /// The project pre-pass over the workspace against `catalog`, as `promaudit check` runs it,
    /// under the workspace's configuration.
    pub fn learn(&self, catalog: &Catalog, user_catalog: bool) -> (Checker, WorkspaceIndex) {
        let mut checker = Checker::with_catalog(catalog.clone());
        checker.user_catalog = user_catalog;
        checker.config = self.config();
        if let Some(limit) = checker.config.series_limit {
            checker.series_limit = limit;
        }
        checker.catalog.add_builtins();
        let files = self.files();
        checker.learn_from_files(&files, &|path| self.read(path));
        let mut index = WorkspaceIndex::default();
        for path in &files {
            if let Some(text) = self.read(path) {
                index.update(&SourceFile::new(path, text), &checker.cache);
            }
        }
        (checker, index)
    }
}

/// A file's text as the disk has it, for regular files of a checkable size only: a FIFO or
/// `/dev/zero` named by an editor must not hang the server or fill its memory.
pub fn read_from_disk(path: &Path) -> Option<String> {
    let bytes = promaudit_source::read_bounded(path).ok().filter(|bytes| bytes.len() <= promaudit_source::MAX_FILE_SIZE)?;
    String::from_utf8(bytes).ok()
}
