//! The `promaudit` command line: the edge where files are found and read, checked in parallel,
//! and the diagnostics rendered.

mod baseline;
mod changed;
mod config_file;
mod output;
mod paths;
mod stdin;

use baseline::Baseline;
use changed::{Changes, Scope};
use output::{Format, Notices, Rendered, RuleIndex, Summary, Writer};
use stdin::Stdin;

use clap::{Parser, Subcommand, ValueEnum};
use promaudit_diagnostics::render::FileView;
use promaudit_diagnostics::{stderr_line, Severity};
use promaudit_lint::registry::docs_markdown;
use promaudit_catalog::Catalog;
use promaudit_lint::{all_rules, check_bytes, find_rule, report_internal_error, report_unreadable, Checker, FileReport};
use promaudit_source::{read_bounded, ReadError, SourceFile};
use rayon::prelude::*;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

/// A quarter of a check's instructions went to glibc's malloc and free: the YAML tree, label
/// sets and diagnostics are many small, short-lived allocations across threads.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Files checked in parallel before their output is written.
const CHUNK: usize = 256;

#[derive(Parser)]
#[command(name = "promaudit", version, about = "A static analyzer for PromQL in Prometheus rules, Grafana dashboards and SLO specs")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check files and directories (recursively) for problems.
    Check(Box<CheckArgs>),
    /// List every rule with its code, category and default severity.
    Rules,
    /// Print a rule's documentation.
    Explain {
        /// The rule's code, e.g. `promql/syntax`.
        code: String,
    },
    /// Work with metric catalogs.
    #[command(subcommand)]
    Catalog(CatalogCommand),
    /// Serve editors over the Language Server Protocol on stdin and stdout: diagnostics as you
    /// type, hover, completion, go-to-definition and quick fixes. Catalog paths and a Prometheus
    /// URL come from the editor's `initializationOptions`.
    Lsp,
}

#[derive(Subcommand)]
enum CatalogCommand {
    /// Snapshot a live Prometheus-compatible server's metrics into a catalog file (promaudit's
    /// JSON catalog format) for offline runs with `--catalog`.
    Record {
        #[command(flatten)]
        server: ServerArgs,
        /// The file to write. It is replaced whole or not at all.
        #[arg(short, long)]
        output: PathBuf,
        /// Write the catalog even when the server stopped answering part way (its scrape
        /// intervals or configuration missing). By default the previous file is kept.
        #[arg(long)]
        allow_partial: bool,
    },
}

#[derive(clap::Args)]
struct ServerArgs {
    /// A Prometheus-compatible server to read the catalog from (Prometheus, VictoriaMetrics,
    /// Thanos, Mimir). Credentials come from PROMAUDIT_PROMETHEUS_TOKEN (bearer) or
    /// PROMAUDIT_PROMETHEUS_USER and PROMAUDIT_PROMETHEUS_PASSWORD (basic auth), or from the
    /// variables `.promaudit.yaml` names.
    #[arg(long = "prometheus")]
    url: Option<String>,
    /// Seconds the whole read of the server may take, 1 to 86400 [default: 30].
    #[arg(long, value_parser = wait_seconds)]
    prometheus_timeout: Option<u64>,
    /// PEM file of the CA that signed an `https://` server's certificate.
    #[arg(long)]
    prometheus_ca_file: Option<PathBuf>,
    /// PEM client certificate (with --prometheus-key-file) for servers that require one.
    #[arg(long)]
    prometheus_cert_file: Option<PathBuf>,
    #[arg(long)]
    prometheus_key_file: Option<PathBuf>,
    /// Accept any server certificate. For test servers only.
    #[arg(long)]
    prometheus_insecure_skip_verify: bool,
}

/// `--prometheus-timeout`: seconds, neither zero nor more than a day.
fn wait_seconds(text: &str) -> Result<u64, String> {
    let seconds = text.parse().map_err(|e| format!("{e}"))?;
    promaudit_catalog::live::wait_seconds(seconds)?;
    Ok(seconds)
}

impl ServerArgs {
    /// The server to read, from these flags over the configuration's `prometheus:` section.
    fn options(&self, config: &promaudit_lint::config::PrometheusSettings) -> Option<promaudit_catalog::live::LiveOptions> {
        promaudit_lint::config::PrometheusSettings {
            url: self.url.clone().or_else(|| config.url.clone()),
            timeout_seconds: self.prometheus_timeout.or(config.timeout_seconds),
            ca_file: self.prometheus_ca_file.clone().or_else(|| config.ca_file.clone()),
            cert_file: self.prometheus_cert_file.clone().or_else(|| config.cert_file.clone()),
            key_file: self.prometheus_key_file.clone().or_else(|| config.key_file.clone()),
            insecure_skip_verify: self.prometheus_insecure_skip_verify || config.insecure_skip_verify,
            token_env: config.token_env.clone(),
            username_env: config.username_env.clone(),
            password_env: config.password_env.clone(),
        }
        .live_options()
    }
}

#[derive(clap::Args)]
struct CheckArgs {
    /// Files or directories; directories are searched for YAML, JSON, Markdown and `.prom`
    /// exposition files. `-` reads stdin.
    #[arg(default_value = ".")]
    paths: Vec<PathBuf>,
    /// The path the text read from stdin (`-`) stands for: its extension tells its format, and
    /// it is shown and configured as that file. The other paths' copy of that file is not read.
    #[arg(long, value_name = "NAME")]
    stdin_filename: Option<PathBuf>,
    /// How to report. SARIF, GitHub annotations, checkstyle and JUnit name files relative to the
    /// git repository holding the first path (else the directory of its `.promaudit.yaml`),
    /// wherever promaudit runs; the others as the paths were given.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
    /// Metric catalog: exposition dumps (Prometheus text format or OpenMetrics), DCGM counter
    /// CSVs, promaudit catalog files, `custom_metrics:` lists, `promtool test rules` files; a
    /// file or a directory of them. Enables the checks against what the metrics really are.
    #[arg(long)]
    catalog: Vec<PathBuf>,
    #[command(flatten)]
    server: ServerArgs,
    /// Series a query may return, or a selector read, before the cardinality rules report it
    /// (estimated from the catalog's series counts) [default: 10000].
    #[arg(long)]
    series_limit: Option<u64>,
    /// Exit with status 1 when a finding at or above this severity is reported [default: warning].
    #[arg(long, value_enum)]
    fail_on: Option<Level>,
    /// Show only the findings at or above this severity [default: info]. The others are not
    /// counted and do not fail the run: --fail-on judges the findings shown.
    #[arg(long, value_enum, value_name = "LEVEL")]
    min_severity: Option<Level>,
    /// Print the findings only: no summary and no notes on stderr. Errors are still printed.
    #[arg(short, long)]
    quiet: bool,
    /// Run only these rules: codes (`units/mismatch`), families (`units`) or categories, repeated
    /// or comma-separated. Over the configuration: a selected rule it turned off runs again.
    #[arg(long, value_name = "RULES", value_delimiter = ',')]
    select: Vec<String>,
    /// Turn these rules off (codes, families or categories, repeated or comma-separated). The
    /// most specific of --select and --ignore wins, --ignore on a tie.
    #[arg(long, value_name = "RULES", value_delimiter = ',')]
    ignore: Vec<String>,
    /// The configuration file; by default `.promaudit.yaml` is searched from the first path
    /// upward, up to the root of its git repository.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Let a `.promaudit.yaml` found in the checked tree send credentials to the server it names
    /// and read catalogs outside its repository (also PROMAUDIT_TRUST_CONFIG=1). Only for trees
    /// no one else can change: not for pull requests in CI.
    #[arg(long)]
    trust_config: bool,
    /// Report and fail only on findings not recorded in this baseline file.
    #[arg(long, value_name = "FILE", conflicts_with = "write_baseline")]
    baseline: Option<PathBuf>,
    /// Record every finding of this run in a baseline file (and exit 0 unless a path could not
    /// be read), for `--baseline` to hide from now on. Not with --changed-since, which would
    /// record only the changed files' findings.
    #[arg(long, value_name = "FILE", conflicts_with = "changed_since")]
    write_baseline: Option<PathBuf>,
    /// `auto`: colour on a terminal whose TERM is not `dumb`, unless NO_COLOR is set (not
    /// empty); CLICOLOR_FORCE (not empty nor `0`) gives colour even into a pipe.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    color: ColorChoice,
    /// Check only the files changed since this git revision (committed, staged, unstaged or
    /// untracked). The other files are still read for what they define, and are checked for
    /// reads of recording rules the change removed.
    #[arg(long, value_name = "REV")]
    changed_since: Option<String>,
}

#[derive(Clone, Copy, ValueEnum)]
enum Level {
    Error,
    Warning,
    Info,
}

impl Level {
    fn severity(self) -> Severity {
        match self {
            Level::Error => Severity::Error,
            Level::Warning => Severity::Warning,
            Level::Info => Severity::Info,
        }
    }
}

#[derive(Clone, Copy, ValueEnum)]
enum ColorChoice {
    Auto,
    Always,
    Never,
}

fn main() -> ExitCode {
    // Analysis recurses as deep as the expression limits allow, past Rust's default 2 MiB thread
    // stack: the command and rayon's workers run on threads with the stack it needs.
    let _ = rayon::ThreadPoolBuilder::new().stack_size(promaudit_lint::ANALYSIS_STACK_SIZE).build_global();
    match promaudit_lint::spawn_analysis_thread("promaudit", run).map(std::thread::JoinHandle::join) {
        Ok(Ok(code)) => code,
        Ok(Err(panic)) => std::panic::resume_unwind(panic),
        Err(error) => {
            stderr_line!("promaudit: cannot start a thread: {error}");
            ExitCode::from(2)
        }
    }
}

fn run() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Check(args) => check(*args),
        Command::Rules => {
            print_rules();
            ExitCode::SUCCESS
        }
        Command::Explain { code } => explain(&code),
        Command::Catalog(CatalogCommand::Record { server, output, allow_partial }) => record(&server, &output, allow_partial),
        Command::Lsp => match promaudit_lsp::run() {
            Ok(()) => ExitCode::SUCCESS,
            Err(error) => {
                stderr_line!("promaudit lsp: {error}");
                ExitCode::FAILURE
            }
        },
    }
}

/// What one file's check leaves behind: rendered output and counts, not the file.
struct FileOutcome {
    rendered: Rendered,
    counts: [usize; 3],
    queries: usize,
    failed: bool,
    baselined: usize,
    /// For `--write-baseline`.
    entries: Vec<baseline::Entry>,
}

/// How each file is checked and reported: the same for every file of a run.
struct Reporting<'a> {
    checker: &'a Checker,
    stdin: Option<&'a Stdin>,
    format: Format,
    color: bool,
    fail_on: Severity,
    min_severity: Severity,
    rules: RuleIndex,
    baseline: Option<Baseline>,
    write_baseline: Option<&'a Path>,
    /// Where CI reports name files from: [`paths::report_root`].
    root: PathBuf,
}

impl Reporting<'_> {
    /// A file's name in the output: relative to the repository in CI reports, as the user named
    /// it on the terminal, where the working directory is what paths resolve against. Stdin
    /// without a `--stdin-filename` names no file of the repository.
    fn file_name(&self, file: &SourceFile) -> String {
        let unnamed_stdin = self.stdin.is_some_and(|stdin| stdin.is_unnamed() && stdin.name == file.path);
        if self.format.names_files_from_root() && !unnamed_stdin { paths::relative_name(&self.root, &file.path) } else { file.display_path() }
    }
}

/// `--color auto`: NO_COLOR (not empty) turns colour off, then CLICOLOR_FORCE (not empty nor
/// `0`) turns it on even into a pipe; otherwise a terminal gets colour unless TERM is `dumb`.
/// The order is anstream's, as in cargo and clap.
fn auto_color(terminal: bool) -> bool {
    let set = |name| std::env::var_os(name).filter(|value| !value.is_empty());
    if set("NO_COLOR").is_some() {
        return false;
    }
    if set("CLICOLOR_FORCE").is_some_and(|value| value != "0") {
        return true;
    }
    terminal && set("TERM").is_none_or(|term| term != "dumb")
}

fn check(mut args: CheckArgs) -> ExitCode {
    let started = Instant::now();
    let color = match args.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => auto_color(std::io::stdout().is_terminal()),
    };
    let stdin = match Stdin::take(&mut args.paths, args.stdin_filename.as_deref()) {
        Ok(stdin) if stdin.is_some() && args.changed_since.is_some() => Err("--changed-since compares files with git, and cannot check stdin".to_string()),
        taken => taken,
    };
    let stdin_name = stdin.as_ref().ok().and_then(Option::as_ref).map(|s| &s.name);
    let first_path = args.paths.first().or(stdin_name).map_or_else(|| PathBuf::from("."), PathBuf::clone);
    let root = paths::report_root(&first_path);
    // Started before anything can fail, so that a failed run still leaves a whole document (CI
    // uploads the SARIF file whatever happened), saying why it failed.
    let mut writer = Writer::start(args.format, &root, std::io::stdout().lock());
    let mut notices = Notices::new(args.quiet);
    let stop = |writer: Writer<_>, notices: &Notices| {
        writer.finish(&Summary::default(), notices, 2);
        ExitCode::from(2)
    };
    let stdin = match stdin {
        Ok(stdin) => stdin,
        Err(error) => {
            notices.error(error);
            return stop(writer, &notices);
        }
    };
    let trusted = args.trust_config || promaudit_lint::config::trusted_by_environment();
    let Ok(mut config) = config_file::load(args.config.as_deref(), &first_path, trusted, args.server.url.is_some(), color, &mut notices) else {
        return stop(writer, &notices);
    };
    if let Err(errors) = config.select_on_command_line(&args.select, &args.ignore) {
        for error in errors {
            notices.error(format!("--select/--ignore: {error}"));
        }
        return stop(writer, &notices);
    }
    let baseline = match args.baseline.as_deref().map(Baseline::read).transpose() {
        Ok(baseline) => baseline,
        Err(error) => {
            notices.error(error);
            return stop(writer, &notices);
        }
    };
    let changes = match args.changed_since.as_deref().map(|rev| Changes::since(rev, &first_path)).transpose() {
        Ok(changes) => changes,
        Err(error) => {
            notices.error(error);
            return stop(writer, &notices);
        }
    };
    let mut catalog = Catalog::default();
    for path in args.catalog.iter().chain(&config.catalog) {
        let loaded = promaudit_catalog::load_path_lenient(path);
        // A catalog that cannot be read is a usage error; a bad line in a dump is not.
        for problem in &loaded.errors {
            let message = format!("catalog {problem}");
            if problem.unreadable { notices.error(message) } else { notices.warning(message) }
        }
        catalog.merge(loaded.catalog);
    }
    let (mut files, walk_errors) = promaudit_source::walk::collect(&args.paths);
    // Stdin stands in for the file it is named after.
    if let Some(stdin) = &stdin {
        files.retain(|file| !baseline::same_file(file, &stdin.name));
        files.push(stdin.name.clone());
    }
    // The baseline usually sits in the checked tree; it is promaudit's own output, not input.
    for baseline in args.baseline.iter().chain(&args.write_baseline) {
        files.retain(|file| !baseline::same_file(file, baseline));
    }
    for error in walk_errors {
        notices.error(error.to_string());
    }
    let server = args.server.options(&config.prometheus);
    let mut user_catalog = !catalog.is_empty();
    if let Some(server) = &server {
        match fetch_live(server, args.quiet) {
            Ok(snapshot) => {
                catalog.merge(promaudit_lint::project::live_catalog(snapshot));
                user_catalog = true;
            }
            Err(error) => {
                // Without the server's metrics every name would be "unknown": the catalog checks
                // judge only what `--catalog` gave, or nothing.
                let left = if user_catalog { "only against the --catalog files" } else { "skipped" };
                notices.error(error);
                notices.warning(format!("the catalog checks (unknown metrics, labels, buckets) are {left}"));
            }
        }
    }
    // Built-in exporter knowledge fills in what the given catalog does not say.
    catalog.add_builtins();
    let mut checker = Checker::with_catalog(catalog);
    checker.user_catalog = user_catalog;
    checker.series_limit = args.series_limit.or(config.series_limit).unwrap_or(promaudit_lint::DEFAULT_SERIES_LIMIT);
    let fail_on = args.fail_on.map(Level::severity).or(config.fail_on).unwrap_or(Severity::Warning);
    checker.config = config;
    checker.learn_from_files(&files, &|path| read_input(path, stdin.as_ref()).ok().and_then(|bytes| String::from_utf8(bytes).ok()));
    let files = match &changes {
        Some(changes) => changes.select(files, &mut checker),
        None => files.into_iter().map(|path| (path, Scope::Everything)).collect(),
    };
    let min_severity = args.min_severity.map_or(Severity::Info, Level::severity);
    let reporting = Reporting { checker: &checker, stdin: stdin.as_ref(), format: args.format, color, fail_on, min_severity, rules: RuleIndex::new(), baseline, write_baseline: args.write_baseline.as_deref(), root };
    let mut summary = Summary { files: files.len(), ..Summary::default() };
    let (mut failed, mut entries) = (false, Vec::new());
    // Files are checked in parallel a chunk at a time and written in order as each chunk ends,
    // so memory stays flat however many files there are.
    for chunk in files.chunks(CHUNK) {
        let outcomes: Vec<Result<FileOutcome, String>> = chunk.par_iter().map(|(path, scope)| check_file(path, *scope, &reporting)).collect();
        for outcome in outcomes {
            match outcome {
                Ok(mut outcome) => {
                    writer.file(&outcome.rendered);
                    for (total, count) in summary.counts.iter_mut().zip(outcome.counts) {
                        *total += count;
                    }
                    summary.queries += outcome.queries;
                    summary.baselined += outcome.baselined;
                    failed |= outcome.failed;
                    entries.append(&mut outcome.entries);
                }
                Err(error) => notices.error(error),
            }
        }
    }
    if let Some(leftover) = reporting.baseline.as_ref().map(Baseline::leftover) {
        report_leftover(&leftover, changes.is_some(), &mut notices);
    }
    if let Some(path) = reporting.write_baseline {
        let count = entries.len();
        // A baseline without the findings of what could not be read would fail the next run.
        let written = match notices.errors() {
            0 => baseline::write(path, entries),
            unread => Err(format!("the baseline {} was left as it was: {unread} path(s) or catalog(s) could not be read, so this run's findings are not all of them", path.display())),
        };
        match written {
            Ok(()) => {
                if !args.quiet {
                    stderr_line!("promaudit: wrote {count} findings to the baseline {}", path.display());
                }
                failed = false;
            }
            Err(error) => notices.error(error),
        }
    }
    let exit_code = if notices.errors() > 0 {
        2
    } else {
        u8::from(failed)
    };
    summary.elapsed_ms = started.elapsed().as_millis();
    writer.finish(&summary, &notices, exit_code);
    if !args.quiet {
        summary.print(args.format);
    }
    ExitCode::from(exit_code)
}

/// Baseline entries that hid nothing are not an error, but the user should know to refresh it.
fn report_leftover(leftover: &baseline::Leftover, changed_only: bool, notices: &mut Notices) {
    if leftover.fixed > 0 {
        notices.warning(format!("{} baseline entries matched nothing (fixed since?); run with --write-baseline to refresh the file", leftover.fixed));
    }
    // With --changed-since, most files are not checked by design.
    if leftover.unchecked > 0 && !changed_only {
        notices.warning(format!("{} baseline entries are for files this run did not check (deleted, renamed or outside its paths)", leftover.unchecked));
    }
}

/// The server's metrics; its progress and notes go to stderr unless `quiet`.
fn fetch_live(options: &promaudit_catalog::live::LiveOptions, quiet: bool) -> Result<promaudit_catalog::live::LiveSnapshot, String> {
    let url = &promaudit_catalog::live::display_url(&options.url);
    let note = |text: String| {
        if !quiet {
            stderr_line!("promaudit: {url}: {text}");
        }
    };
    let started = Instant::now();
    let snapshot = promaudit_catalog::live::fetch(options, &mut |step| note(format!("{step}…"))).map_err(|e| format!("cannot read the catalog from {url}: {e}"))?;
    for text in &snapshot.notes {
        note(text.to_string());
    }
    note(format!("{} series in {} ms", snapshot.series, started.elapsed().as_millis()));
    Ok(snapshot)
}

fn record(server: &ServerArgs, output: &Path, allow_partial: bool) -> ExitCode {
    let options = server.options(&Default::default()).ok_or_else(|| "--prometheus URL is required".to_string());
    match options.and_then(|options| fetch_live(&options, false)).and_then(|snapshot| {
        if snapshot.incomplete && !allow_partial {
            return Err(format!("the server failed part way (see above), so {} was left as it was: a catalog missing its jobs or configuration would weaken every later check; run again, or pass --allow-partial to write what was read", output.display()));
        }
        let text = promaudit_catalog::catalog_file::to_json(&promaudit_lint::project::live_catalog(snapshot));
        replace_file(output, text.as_bytes()).map_err(|e| format!("cannot write {}: {e}", output.display()))
    }) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            stderr_line!("promaudit: {error}");
            ExitCode::from(2)
        }
    }
}

/// Writes `bytes` to a temporary file beside `path`, then renames it over `path`: a full disk
/// or a crash leaves the previous file whole, never half written.
fn replace_file(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    // A symlink's target is replaced, not the link; `/dev/stdout` or a pipe is written to.
    let path = &std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    if path.metadata().is_ok_and(|m| !m.is_file()) {
        return std::fs::write(path, bytes);
    }
    let name = path.file_name().ok_or_else(|| std::io::Error::new(std::io::ErrorKind::InvalidInput, "not a file name"))?;
    let temporary = path.with_file_name(format!(".{}.{}.tmp", name.to_string_lossy(), std::process::id()));
    let written = std::fs::File::create(&temporary).and_then(|mut file| {
        file.write_all(bytes)?;
        file.sync_all()
    });
    let replaced = written.and_then(|()| std::fs::rename(&temporary, path));
    if replaced.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    replaced
}

/// One file's check and rendering; a panic in them is that file's `source/internal-error`, and
/// the other files are checked and reported as usual.
fn check_file(path: &Path, scope: Scope, reporting: &Reporting) -> Result<FileOutcome, String> {
    let checked = promaudit_lint::isolated(|| read_and_check(path, reporting).map(|report| outcome(path, report, scope, reporting)));
    checked.unwrap_or_else(|panic| Ok(outcome(path, report_internal_error(SourceFile::new(path, ""), &panic), scope, reporting)))
}

fn outcome(path: &Path, mut report: FileReport, scope: Scope, reporting: &Reporting) -> FileOutcome {
    // Matched against the whole file's findings, so that entries left over are really fixed.
    let baselined = reporting.baseline.as_ref().map_or(0, |b| b.hide(path, &report.file.text, &mut report.diagnostics));
    if scope == Scope::RemovedRecordings {
        report.diagnostics.retain(|d| d.code == promaudit_lint::rules::RemovedRecordingRule::META.code);
    }
    let entries = reporting.write_baseline.map(|to| baseline::entries(to, path, &report.file.text, &report.diagnostics)).unwrap_or_default();
    // After the baseline's matching and recording, which see every finding whatever is shown.
    report.diagnostics.retain(|d| d.severity >= reporting.min_severity);
    let path_text = reporting.file_name(&report.file);
    let view = FileView::new(&path_text, &report.file.text);
    let diagnostics = &report.diagnostics;
    let mut counts = [0; 3];
    for d in diagnostics {
        counts[match d.severity {
            Severity::Error => 0,
            Severity::Warning => 1,
            Severity::Info => 2,
        }] += 1;
    }
    let rendered = reporting.format.render(&view, diagnostics, reporting.color, reporting.fail_on, &reporting.rules);
    FileOutcome { rendered, counts, queries: report.queries, failed: diagnostics.iter().any(|d| d.severity >= reporting.fail_on), baselined, entries }
}

/// The bytes of `path`, or of stdin when it is stdin's name.
fn read_input(path: &Path, stdin: Option<&Stdin>) -> Result<Vec<u8>, ReadError> {
    stdin.and_then(|stdin| stdin.bytes_for(path)).unwrap_or_else(|| read_bounded(path))
}

fn read_and_check(path: &Path, reporting: &Reporting) -> Result<FileReport, String> {
    match read_input(path, reporting.stdin) {
        Ok(bytes) => Ok(check_bytes(path, bytes, reporting.checker)),
        Err(too_large @ ReadError::TooLarge(_)) => Ok(report_unreadable(SourceFile::new(path, ""), promaudit_diagnostics::Span::empty(0), too_large.to_string())),
        Err(error) => Err(format!("{} {error}", path.display())),
    }
}

/// Writes to stdout, ignoring a closed pipe (`promaudit rules | head`).
fn print(text: &str) {
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
}

fn print_rules() {
    let rules = all_rules();
    let width = rules.iter().map(|r| r.meta().code.len()).max().unwrap_or(0);
    let mut out = String::new();
    for rule in rules {
        let meta = rule.meta();
        out.push_str(&format!("{:width$}  {:12} {:8} {}\n", meta.code, meta.category.as_str(), meta.severity.as_str(), meta.summary));
    }
    print(&out);
}

fn explain(code: &str) -> ExitCode {
    match find_rule(code) {
        Some(rule) => {
            let meta = rule.meta();
            let fix = meta.fix.map(|fix| format!(" Fix: {fix}.")).unwrap_or_default();
            print(&format!("# {}\n\n{}\n\nCategory: {}. Default severity: {}.{fix}\n\n{}\n", meta.code, meta.summary, meta.category.as_str(), meta.severity, docs_markdown(meta)));
            ExitCode::SUCCESS
        }
        None => {
            let similar: Vec<&str> = all_rules().iter().map(|r| r.meta().code).filter(|c| c.contains(code) || code.split('/').any(|part| !part.is_empty() && c.contains(part))).collect();
            stderr_line!("promaudit: no rule `{code}`");
            if !similar.is_empty() {
                stderr_line!("did you mean: {}", similar.join(", "));
            }
            stderr_line!("`promaudit rules` lists them all");
            ExitCode::from(2)
        }
    }
}
