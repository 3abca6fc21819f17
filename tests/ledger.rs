//! The precision ledger: every finding at warning or error that promaudit reports on the
//! third-party corpus must be a real defect, judged by reading the file, and listed in
//! tests/precision-ledger.tsv with the reason. The test fails on a finding the ledger does not
//! list (a new false positive, or a real defect nobody has judged yet) and on a ledger entry the
//! tool no longer produces (a lost true positive, or a stale entry).
//!
//! Each top-level directory of the corpus is one upstream project, checked as a user would run
//! promaudit on that repository: `promaudit check <corpus>/<dir> --format json --fail-on error`.
//! A finding is keyed as (file relative to the corpus root, line, code). Several findings with the
//! same key are matched by count: the ledger holds one line per finding, so a line that carries
//! two findings of one code has two ledger lines (their `why` may differ).
//!
//! The corpus is `$PROMAUDIT_CORPUS`, else `<repo>/../shared/corpus`; without it the test says so
//! on one line and passes. `PROMAUDIT_LEDGER_PRINT=1` prints the unlisted findings as ledger lines
//! with `why` = `TODO` and the message as a comment, to be judged by hand: a line is added to the
//! ledger only once someone has read the file and found the defect real.

mod common;

use common::{promaudit, repo};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// (file relative to the corpus root, line, code)
type Key = (String, u64, String);

fn corpus_root() -> PathBuf {
    match std::env::var_os("PROMAUDIT_CORPUS") {
        Some(dir) => PathBuf::from(dir),
        None => repo().join("../shared/corpus"),
    }
}

/// The ledger's entries, each key with how many times it is listed, and the message for a
/// malformed line.
fn read_ledger(path: &Path) -> (BTreeMap<Key, usize>, Vec<String>) {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut entries = BTreeMap::new();
    let mut malformed = Vec::new();
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let fields: Vec<&str> = line.split('\t').collect();
        let line_no = fields.get(1).and_then(|l| l.parse::<u64>().ok());
        match (fields.as_slice(), line_no) {
            ([file, _, code, why], Some(at)) if !why.trim().is_empty() && *why != "TODO" => {
                *entries
                    .entry((file.to_string(), at, code.to_string()))
                    .or_insert(0) += 1;
            }
            _ => malformed.push(format!(
                "precision-ledger.tsv:{}: want file<TAB>line<TAB>code<TAB>why: {line}",
                n + 1
            )),
        }
    }
    (entries, malformed)
}

/// The findings at warning or error on one corpus directory, each key with its count and the
/// first message seen for it.
fn findings(corpus: &Path, dir: &str) -> BTreeMap<Key, (usize, String)> {
    let target = corpus.join(dir);
    let output = promaudit(&[
        "check",
        &target.display().to_string(),
        "--format",
        "json",
        "--fail-on",
        "error",
    ]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    let json: serde_json::Value = serde_json::from_str(&stdout).unwrap_or_else(|e| {
        panic!(
            "{dir}: the JSON report does not parse ({e}); stderr:\n{}",
            String::from_utf8_lossy(&output.stderr)
        )
    });
    let mut found: BTreeMap<Key, (usize, String)> = BTreeMap::new();
    for d in json["diagnostics"].as_array().expect("a diagnostics array") {
        let severity = d["severity"].as_str().unwrap_or_default();
        if severity != "warning" && severity != "error" {
            continue;
        }
        let file = Path::new(d["file"].as_str().expect("a file"));
        let file = file.strip_prefix(corpus).unwrap_or(file);
        let key = (
            file.to_string_lossy().replace('\\', "/"),
            d["line"].as_u64().expect("a line"),
            d["code"].as_str().expect("a code").to_string(),
        );
        let entry = found
            .entry(key)
            .or_insert((0, d["message"].as_str().unwrap_or_default().to_string()));
        entry.0 += 1;
    }
    found
}

#[test]
fn precision_ledger() {
    let corpus = corpus_root();
    if !corpus.is_dir() {
        println!(
            "precision ledger: skipped, no corpus at {}; set PROMAUDIT_CORPUS",
            corpus.display()
        );
        return;
    }
    let corpus = corpus.canonicalize().unwrap();
    let (ledger, malformed) = read_ledger(&repo().join("tests/precision-ledger.tsv"));
    assert!(
        malformed.is_empty(),
        "malformed ledger lines:\n{}",
        malformed.join("\n")
    );

    let mut dirs: Vec<String> = std::fs::read_dir(&corpus)
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.path().is_dir() && !e.file_name().to_string_lossy().starts_with('.'))
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    dirs.sort();

    let mut unlisted = Vec::new(); // (key, extra count, message)
    let mut stale = Vec::new(); // (key, extra count)
    let mut counts = Vec::new();
    let mut seen_dirs = BTreeSet::new();
    for dir in &dirs {
        seen_dirs.insert(dir.clone());
        let found = findings(&corpus, dir);
        let prefix = format!("{dir}/");
        let listed: BTreeMap<&Key, usize> = ledger
            .iter()
            .filter(|(k, _)| k.0.starts_with(&prefix))
            .map(|(k, n)| (k, *n))
            .collect();
        let found_total: usize = found.values().map(|(n, _)| n).sum();
        let listed_total: usize = listed.values().sum();
        counts.push(format!(
            "  {dir:<28} {listed_total:>4} in the ledger, {found_total:>4} found"
        ));
        for (key, (n, message)) in &found {
            let have = listed.get(key).copied().unwrap_or(0);
            if *n > have {
                unlisted.push((key.clone(), n - have, message.clone()));
            }
        }
        for (key, n) in listed {
            let have = found.get(key).map_or(0, |(n, _)| *n);
            if n > have {
                stale.push((key.clone(), n - have));
            }
        }
    }
    // Entries for a directory the corpus no longer has are stale too.
    for (key, n) in &ledger {
        let dir = key.0.split('/').next().unwrap_or_default();
        if !seen_dirs.contains(dir) {
            stale.push((key.clone(), *n));
        }
    }

    println!("precision ledger: findings at warning or error per corpus directory");
    for line in &counts {
        println!("{line}");
    }

    if std::env::var_os("PROMAUDIT_LEDGER_PRINT").is_some_and(|v| v == "1") && !unlisted.is_empty()
    {
        println!("# candidate ledger lines: judge each by reading the file; never add one that is not a real defect");
        for ((file, line, code), n, message) in &unlisted {
            println!("# {file}:{line} {code}: {message}");
            for _ in 0..*n {
                println!("{file}\t{line}\t{code}\tTODO");
            }
        }
    }

    let mut problems = Vec::new();
    if !unlisted.is_empty() {
        problems.push(format!(
            "{} finding(s) not in tests/precision-ledger.tsv (a false positive to fix, or a real defect to judge and list; \
             PROMAUDIT_LEDGER_PRINT=1 prints them as ledger lines):",
            unlisted.iter().map(|u| u.1).sum::<usize>()
        ));
        for ((file, line, code), n, message) in &unlisted {
            let times = if *n > 1 {
                format!(" (x{n})")
            } else {
                String::new()
            };
            problems.push(format!("  {file}:{line}: {code}{times}: {message}"));
        }
    }
    if !stale.is_empty() {
        problems.push(format!(
            "{} ledger entr(ies) promaudit no longer reports (a lost true positive, or an entry to remove):",
            stale.iter().map(|s| s.1).sum::<usize>()
        ));
        for ((file, line, code), n) in &stale {
            let times = if *n > 1 {
                format!(" (x{n})")
            } else {
                String::new()
            };
            problems.push(format!("  {file}:{line}: {code}{times}"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
