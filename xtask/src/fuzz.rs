//! `cargo xtask fuzz [--budget-secs N] [--seed S] [--max-execs N]`: a mutation fuzzer on the
//! stable toolchain. It mutates real inputs (the repository's fixtures, the shared corpus in
//! `$PROMAUDIT_CORPUS` or `../shared/corpus`, and the expressions extracted from both) and runs
//! the whole pipeline in-process on each: `check_bytes` on files, the PromQL parser on
//! expressions (and the expression inside a rule file). A panic, an input taking over 10 s, or a
//! diagnostic whose span leaves its file or splits a character is a crash: the input is written
//! to `target/fuzz-crashes/` and the run exits non-zero. A seed gives the same inputs every run.

use promaudit_lint::{check_bytes, Checker, ParseCache};
use promaudit_source::SourceFile;
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicI32, AtomicPtr, AtomicUsize, Ordering};
use std::sync::{mpsc, Mutex};
use std::time::{Duration, Instant};

/// Longer than this on one input is a hang.
const HANG: Duration = Duration::from_secs(10);
/// Seeds above this size would make each execution slow for little gain.
const MAX_SEED_BYTES: u64 = 256 * 1024;
/// Mutated inputs are cut back to this size.
const MAX_INPUT_BYTES: usize = 1024 * 1024;
/// Crash files kept per distinct panic location or problem.
const KEPT_PER_CRASH: usize = 3;

/// Text that breaks parsers: PromQL tokens, brackets, quotes, huge numbers, YAML and JSON
/// syntax, templates, odd Unicode.
const TOKENS: &[&str] = &[
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    "\"",
    "'",
    "`",
    "\\",
    ",",
    ":",
    "{{",
    "}}",
    "${",
    "$x",
    "[[x]]",
    "$__rate_interval",
    "[5m]",
    "[1e30s]",
    "[5m:1m]",
    "[293y]",
    " offset 1e30s",
    " @ 1e30",
    " @ start()",
    " by (",
    " without (",
    " on(",
    " ignoring(",
    " group_left(",
    " bool ",
    "sum(",
    "rate(",
    "histogram_quantile(",
    "topk(",
    "label_replace(",
    "absent(",
    "1e309",
    "-1e309",
    "Inf",
    "-Inf",
    "NaN",
    "0x1p4",
    "99999999999999999999",
    "1_000",
    "=~",
    "!~",
    "!=",
    "==",
    ">",
    " and ",
    " or ",
    " unless ",
    "^",
    "%",
    "::",
    "|",
    "|-",
    ">-",
    "- ",
    "\n",
    "\r\n",
    "\r",
    "\t",
    "#",
    "---\n",
    "&a ",
    "*a",
    "<<: ",
    "? ",
    "!!str ",
    "~",
    "\u{feff}",
    "é",
    "😀",
    "\u{301}",
    "\u{2028}",
    "expr: ",
    "alert: ",
    "record: ",
    "groups:\n",
    "rules:\n",
    "annotations:\n",
    "labels:\n",
    "for: ",
    "{{ $labels.x }}",
    "{{ .value }}",
    "{{- if .Values.x }}",
    "{{ end }}",
    "\"panels\": [",
    "\"targets\": [{\"expr\": \"",
    "\"expr\": ",
    "\\u00e9",
    "\\ud83d",
    "\\\"",
    "a{99999}",
    "(?x)",
    "\\p{Greek}",
    "le=\"+Inf\"",
    "_bucket",
    "_total",
    "# TYPE x counter\n",
    "# HELP x ",
    "x{a=\"b\"} 1e30\n",
    "```yaml\n",
    "```\n",
    "# promaudit: ignore",
];

/// What an input is, which decides how it is run.
#[derive(Clone, Copy)]
enum Kind {
    /// A file, checked under a name with this extension.
    File(&'static str),
    /// A PromQL expression: parsed, and checked as a rule's `expr`.
    Expr,
}

struct Seed {
    kind: Kind,
    bytes: Vec<u8>,
}

pub fn run(root: &Path, args: &[String]) -> Result<(), String> {
    let options = Options::parse(args)?;
    let seeds = load_seeds(root);
    if seeds.is_empty() {
        return Err("no seed inputs found under fixtures/".into());
    }
    let expressions = seeds
        .iter()
        .filter(|s| matches!(s.kind, Kind::Expr))
        .count();
    eprintln!(
        "fuzz: {} seeds ({} files, {expressions} expressions), seed {}, budget {} s",
        seeds.len(),
        seeds.len() - expressions,
        options.seed,
        options.budget.as_secs()
    );
    let crash_dir = target_dir(root).join("fuzz-crashes");
    std::fs::create_dir_all(&crash_dir).map_err(|e| format!("{}: {e}", crash_dir.display()))?;
    let aborted = crash_dir.join("aborted-input");
    install_abort_guard(&aborted)?;
    panic::set_hook(Box::new(record_panic));
    let outcome = fuzz(&seeds, &options, &crash_dir);
    // Nothing aborted: the guard's file is empty.
    let _ = std::fs::remove_file(&aborted);
    outcome
}

struct Options {
    budget: Duration,
    seed: u64,
    max_execs: u64,
}

impl Options {
    fn parse(args: &[String]) -> Result<Options, String> {
        let mut options = Options {
            budget: Duration::from_secs(60),
            seed: 1,
            max_execs: u64::MAX,
        };
        let mut args = args.iter();
        while let Some(flag) = args.next() {
            let value = args
                .next()
                .and_then(|v| v.parse::<u64>().ok())
                .ok_or_else(|| format!("{flag} takes a number"))?;
            match flag.as_str() {
                "--budget-secs" => options.budget = Duration::from_secs(value),
                "--seed" => options.seed = value,
                "--max-execs" => options.max_execs = value,
                _ => return Err(format!("unknown option {flag}; usage: cargo xtask fuzz [--budget-secs N] [--seed S] [--max-execs N]")),
            }
        }
        Ok(options)
    }
}

fn fuzz(seeds: &[Seed], options: &Options, crash_dir: &Path) -> Result<(), String> {
    let worker = Worker::spawn();
    let mut rng = Rng(options.seed);
    let started = Instant::now();
    let (mut execs, mut crashes) = (0u64, 0usize);
    let mut seen: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    let mut last_report = Instant::now();
    while execs < options.max_execs && started.elapsed() < options.budget {
        let (kind, bytes) = mutate(seeds, &mut rng);
        execs += 1;
        let Some(outcome) = worker.run(kind, bytes.clone()) else {
            let path = write_crash(
                crash_dir,
                execs,
                kind,
                &bytes,
                "hang: over 10 s on one input",
            )?;
            return Err(format!("hang after {execs} executions: {}", path.display()));
        };
        if let Some(problem) = outcome {
            crashes += 1;
            let key = problem.lines().next().unwrap_or_default().to_string();
            let count = seen.entry(key).or_default();
            *count += 1;
            if *count <= KEPT_PER_CRASH {
                let path = write_crash(crash_dir, execs, kind, &bytes, &problem)?;
                eprintln!(
                    "fuzz: crash at execution {execs}: {problem}\n      input: {}",
                    path.display()
                );
            }
        }
        if last_report.elapsed() > Duration::from_secs(30) {
            eprintln!(
                "fuzz: {execs} executions, {:.0}/s, {crashes} crashes",
                execs as f64 / started.elapsed().as_secs_f64()
            );
            last_report = Instant::now();
        }
    }
    eprintln!(
        "fuzz: {execs} executions in {:.0} s, {crashes} crashes ({} distinct)",
        started.elapsed().as_secs_f64(),
        seen.len()
    );
    if crashes > 0 {
        return Err(format!(
            "{} distinct crashes; inputs in {}",
            seen.len(),
            crash_dir.display()
        ));
    }
    Ok(())
}

/// Runs inputs on a thread of its own, so that a hang is seen from outside.
struct Worker {
    inputs: mpsc::Sender<(Kind, Vec<u8>)>,
    outcomes: mpsc::Receiver<Option<String>>,
}

impl Worker {
    fn spawn() -> Worker {
        let (inputs, receive_input) = mpsc::channel::<(Kind, Vec<u8>)>();
        let (send_outcome, outcomes) = mpsc::channel();
        // The stack the CLI and the language server analyse on.
        promaudit_lint::spawn_analysis_thread("fuzz-worker", move || {
            let mut checker = checker();
            for (kind, bytes) in receive_input {
                // Each input is a run of its own: one parse cache would keep every expression
                // ever fuzzed, gigabytes within minutes.
                checker.cache = ParseCache::default();
                IN_FLIGHT
                    .0
                    .store(bytes.as_ptr().cast_mut(), Ordering::SeqCst);
                IN_FLIGHT.1.store(bytes.len(), Ordering::SeqCst);
                let outcome = panic::catch_unwind(AssertUnwindSafe(|| {
                    execute(kind, bytes.clone(), &checker)
                }));
                IN_FLIGHT.1.store(0, Ordering::SeqCst);
                let outcome = outcome.unwrap_or_else(|_| {
                    Some(LAST_PANIC.lock().map(|p| p.clone()).unwrap_or_default())
                });
                if send_outcome.send(outcome).is_err() {
                    break;
                }
            }
        })
        .expect("the worker thread starts");
        Worker { inputs, outcomes }
    }

    /// The input's problem, if any; `None` when it ran over [`HANG`].
    fn run(&self, kind: Kind, bytes: Vec<u8>) -> Option<Option<String>> {
        self.inputs.send((kind, bytes)).ok()?;
        self.outcomes.recv_timeout(HANG).ok()
    }
}

/// A checker with a catalog, so that the catalog rules run too.
fn checker() -> Checker {
    let mut checker = Checker::default();
    checker.catalog.add_builtins();
    checker.user_catalog = true;
    checker
}

/// Runs one input through the pipeline; the problem found, if any.
fn execute(kind: Kind, bytes: Vec<u8>, checker: &Checker) -> Option<String> {
    match kind {
        Kind::File(extension) => check_file(&format!("fuzz.{extension}"), bytes, checker),
        Kind::Expr => {
            let text = String::from_utf8_lossy(&bytes).into_owned();
            check_expression(&text)
                .or_else(|| check_file("fuzz.yml", as_rule_file(&text).into_bytes(), checker))
        }
    }
}

fn check_file(name: &str, bytes: Vec<u8>, checker: &Checker) -> Option<String> {
    let report = check_bytes(Path::new(name), bytes, checker);
    let text = &report.file.text;
    report.diagnostics.iter().find_map(|d| {
        let spans = std::iter::once(d.span)
            .chain(d.labels.iter().map(|l| l.span))
            .chain(d.fix.iter().flat_map(|f| f.edits.iter().map(|e| e.span)));
        spans
            .filter(|s| !within(text, s.start, s.end))
            .map(|s| {
                format!(
                    "{} span {}..{} outside the {}-byte text or off a character boundary: {}",
                    d.code,
                    s.start,
                    s.end,
                    text.len(),
                    d.message
                )
            })
            .next()
    })
}

fn check_expression(text: &str) -> Option<String> {
    let spans = match promaudit_promql::parse(text) {
        Err(error) => std::iter::once(error.span).chain(error.related).collect(),
        Ok(parsed) => {
            let mut spans = Vec::new();
            parsed.walk(&mut |visit| {
                let parts = visit
                    .spans
                    .matchers
                    .iter()
                    .flat_map(|m| [m.name, m.op, m.value, m.whole]);
                spans.extend(
                    std::iter::once(visit.spans.node)
                        .chain(visit.spans.name)
                        .chain(visit.spans.range)
                        .chain(visit.spans.offset)
                        .chain(parts),
                );
            });
            spans
        }
    };
    let bad = spans.into_iter().find(|s| !within(text, s.start, s.end))?;
    Some(format!(
        "promql span {}..{} outside the {}-byte expression or off a character boundary",
        bad.start,
        bad.end,
        text.len()
    ))
}

fn within(text: &str, start: usize, end: usize) -> bool {
    start <= end && end <= text.len() && text.is_char_boundary(start) && text.is_char_boundary(end)
}

/// An expression as the `expr` of an alerting rule, in a block scalar.
fn as_rule_file(expr: &str) -> String {
    let body: String = expr.lines().map(|line| format!("      {line}\n")).collect();
    format!("groups:\n- name: fuzz\n  rules:\n  - alert: Fuzz\n    expr: |\n{body}")
}

/// The repository's fixtures, the shared corpus, and the expressions extracted from them.
fn load_seeds(root: &Path) -> Vec<Seed> {
    let corpus = std::env::var_os("PROMAUDIT_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("../shared/corpus"));
    let mut paths = Vec::new();
    for dir in [root.join("fixtures"), corpus] {
        collect(&dir, &mut paths);
    }
    paths.sort();
    let mut seeds = Vec::new();
    for path in paths {
        let Some(extension) = file_kind(&path) else {
            continue;
        };
        let Ok(bytes) = std::fs::read(&path) else {
            continue;
        };
        if let Ok(text) = std::str::from_utf8(&bytes) {
            let extraction = promaudit_source::extract(&SourceFile::new(&path, text));
            let queries = extraction
                .artifacts
                .iter()
                .flat_map(|a| a.queries())
                .map(|q| q.query.value.clone().into_bytes());
            seeds.extend(queries.map(|bytes| Seed {
                kind: Kind::Expr,
                bytes,
            }));
        }
        seeds.push(Seed {
            kind: Kind::File(extension),
            bytes,
        });
    }
    seeds
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        match entry.file_type() {
            Ok(t) if t.is_dir() => collect(&path, out),
            Ok(t) if t.is_file() && entry.metadata().is_ok_and(|m| m.len() <= MAX_SEED_BYTES) => {
                out.push(path)
            }
            _ => {}
        }
    }
}

/// The extension a file is checked under, for the kinds promaudit reads.
fn file_kind(path: &Path) -> Option<&'static str> {
    let extension = path.extension()?.to_str()?.to_ascii_lowercase();
    [
        "yml", "yaml", "json", "md", "prom", "txt", "metrics", "rules",
    ]
    .into_iter()
    .find(|e| *e == extension)
}

fn target_dir(root: &Path) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), PathBuf::from)
}

fn write_crash(
    dir: &Path,
    exec: u64,
    kind: Kind,
    bytes: &[u8],
    problem: &str,
) -> Result<PathBuf, String> {
    let extension = match kind {
        Kind::File(extension) => extension,
        Kind::Expr => "promql",
    };
    let path = dir.join(format!("crash-{exec}.{extension}"));
    let write = |path: &Path, bytes: &[u8]| {
        std::fs::write(path, bytes).map_err(|e| format!("{}: {e}", path.display()))
    };
    write(&path, bytes)?;
    write(
        &path.with_extension(format!("{extension}.txt")),
        problem.as_bytes(),
    )?;
    Ok(path)
}

/// splitmix64: small, fast, and the same sequence for the same seed everywhere.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n` > 0).
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// A seed with one to four mutations.
fn mutate(seeds: &[Seed], rng: &mut Rng) -> (Kind, Vec<u8>) {
    let seed = rng.pick(seeds);
    let mut bytes = seed.bytes.clone();
    for _ in 0..=rng.below(4) {
        mutate_once(&mut bytes, seeds, rng);
        bytes.truncate(MAX_INPUT_BYTES);
    }
    (seed.kind, bytes)
}

fn mutate_once(bytes: &mut Vec<u8>, seeds: &[Seed], rng: &mut Rng) {
    let at = rng.below(bytes.len() + 1);
    let len = 1 + rng.below(bytes.len().clamp(1, 64));
    let end = (at + len).min(bytes.len());
    match rng.below(12) {
        0 if at < bytes.len() => bytes[at] ^= 1 << rng.below(8),
        1 if at < bytes.len() => {
            bytes[at] = *rng.pick(&[
                0x80, 0xC3, 0xE2, 0xF0, 0xFF, b'\0', b'"', b'\\', b'{', b'}', b'(', b':',
            ])
        }
        2 => drop(bytes.splice(at..at, rng.pick(TOKENS).bytes())),
        3 => drop(bytes.drain(at..end)),
        4 => {
            let chunk = bytes[at..end].to_vec();
            let to = rng.below(bytes.len() + 1);
            bytes.splice(to..to, chunk);
        }
        5 => {
            let other = &rng.pick(seeds).bytes;
            let from = rng.below(other.len() + 1);
            let chunk = &other[from..(from + 1 + rng.below(256)).min(other.len())];
            bytes.splice(at..end, chunk.iter().copied());
        }
        6 => bytes.truncate(at),
        7 => {
            let (open, close) = *rng.pick(&[
                ("(", ")"),
                ("[", "]"),
                ("{", "}"),
                ("sum(", ")"),
                ("- ", ""),
                ("  ", ""),
                ("{\"a\":", "}"),
                ("[", ""),
            ]);
            let depth = 1 + rng.below(5000);
            let nested = format!(
                "{}x{}",
                open.repeat(depth),
                close.repeat(if rng.below(2) == 0 {
                    depth
                } else {
                    rng.below(depth)
                })
            );
            bytes.splice(at..at, nested.into_bytes());
        }
        8 => {
            let ending = *rng.pick(&["\r\n", "\r"]);
            *bytes = bytes
                .split(|b| *b == b'\n')
                .collect::<Vec<_>>()
                .join(ending.as_bytes());
        }
        9 => {
            let huge = *rng.pick(&[
                "1e30",
                "1e309",
                "-1e309",
                "18446744073709551616",
                "9223372036854775808s",
                "293y",
                "0.0000001",
                "NaN",
            ]);
            let digits = bytes[at..]
                .iter()
                .position(|b| b.is_ascii_digit())
                .map_or(at, |i| at + i);
            let digits_end = digits
                + bytes[digits..]
                    .iter()
                    .take_while(|b| b.is_ascii_digit())
                    .count();
            bytes.splice(digits..digits_end, huge.bytes());
        }
        10 => {
            let line_start = bytes[..at]
                .iter()
                .rposition(|b| *b == b'\n')
                .map_or(0, |i| i + 1);
            let line_end = bytes[at..]
                .iter()
                .position(|b| *b == b'\n')
                .map_or(bytes.len(), |i| at + i + 1);
            let line = bytes[line_start..line_end].to_vec();
            let copies = rng.below(200).min(MAX_INPUT_BYTES / line.len().max(1));
            bytes.splice(line_start..line_start, line.repeat(copies));
        }
        _ => {
            // A multi-byte character cut in two.
            let character = "é😀".as_bytes();
            bytes.splice(
                at..at,
                character[..1 + rng.below(character.len() - 1)]
                    .iter()
                    .copied(),
            );
        }
    }
}

/// The last panic's message and location, kept by the hook instead of printed.
static LAST_PANIC: Mutex<String> = Mutex::new(String::new());

fn record_panic(info: &panic::PanicHookInfo) {
    let message = info
        .payload()
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| info.payload().downcast_ref::<String>().cloned())
        .unwrap_or_default();
    let location = info.location().map_or_else(String::new, |l| l.to_string());
    if let Ok(mut last) = LAST_PANIC.lock() {
        *last = format!("panic at {location}: {message}");
    }
}

/// The input being run and the file it is written to if the process aborts (a stack overflow
/// cannot be caught): the signal handler may only read these and call `write`.
static IN_FLIGHT: (AtomicPtr<u8>, AtomicUsize) =
    (AtomicPtr::new(std::ptr::null_mut()), AtomicUsize::new(0));
static ABORT_FD: AtomicI32 = AtomicI32::new(-1);

extern "C" fn on_abort(signal: libc::c_int) {
    let (fd, ptr, len) = (
        ABORT_FD.load(Ordering::SeqCst),
        IN_FLIGHT.0.load(Ordering::SeqCst),
        IN_FLIGHT.1.load(Ordering::SeqCst),
    );
    // SAFETY: `write`, `signal` and `raise` are async-signal-safe; `ptr` points at the worker's
    // input while `len` is non-zero.
    unsafe {
        if fd >= 0 && len > 0 {
            libc::write(fd, ptr.cast(), len);
        }
        libc::signal(signal, libc::SIG_DFL);
        libc::raise(signal);
    }
}

fn install_abort_guard(path: &Path) -> Result<(), String> {
    let file = std::fs::File::create(path).map_err(|e| format!("{}: {e}", path.display()))?;
    ABORT_FD.store(std::os::fd::IntoRawFd::into_raw_fd(file), Ordering::SeqCst);
    // SAFETY: installs a handler that only calls async-signal-safe functions.
    unsafe {
        // Rust's own SIGSEGV handler reports a stack overflow, then aborts: SIGABRT covers both.
        libc::signal(libc::SIGABRT, on_abort as *const () as libc::sighandler_t);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_inputs() {
        let seeds = [
            Seed {
                kind: Kind::Expr,
                bytes: b"sum(rate(x{a=\"b\"}[5m]))".to_vec(),
            },
            Seed {
                kind: Kind::File("yml"),
                bytes: b"groups: []\n".to_vec(),
            },
        ];
        let run = |seed| {
            let mut rng = Rng(seed);
            (0..200)
                .map(|_| mutate(&seeds, &mut rng).1)
                .collect::<Vec<_>>()
        };
        assert_eq!(run(7), run(7));
        assert_ne!(run(7), run(8));
    }

    #[test]
    fn spans_off_a_character_boundary_are_caught() {
        assert!(within("é", 0, 2));
        assert!(!within("é", 0, 1));
        assert!(!within("ab", 1, 3));
    }
}
