//! The benchmark: promaudit and `promtool check rules` on the same real-rule corpus, in one run.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

pub fn run(root: &Path, args: &[String]) -> Result<(), String> {
    let copies: usize = option(args, "--copies").map(|c| c.parse().map_err(|_| "--copies takes a number")).transpose()?.unwrap_or(40);
    let binary = crate::build_release(root)?;
    let corpus = match option(args, "--corpus") {
        Some(dir) => PathBuf::from(dir),
        None => make_corpus(root, copies)?,
    };
    let files = rule_files(&corpus)?;
    let rules: usize = files.iter().map(|f| std::fs::read_to_string(f).map(|t| t.matches("expr:").count()).unwrap_or(0)).sum();
    println!("corpus: {} files, {rules} rules ({})", files.len(), corpus.display());

    let promaudit = best_of(3, || measure(Command::new(&binary).args(["check", "--format", "json"]).arg(&corpus)))?;
    report("promaudit check", promaudit, rules);
    // With the MatrixInfer and GPU catalog loaded: every selector is looked up, every unit known.
    let catalog = root.join("fixtures/catalog");
    let with_catalog = best_of(3, || measure(Command::new(&binary).args(["check", "--format", "json", "--catalog"]).arg(&catalog).arg(&corpus)))?;
    report("promaudit check --catalog fixtures/catalog", with_catalog, rules);
    graph_share(root, &binary, &corpus)?;
    if copies >= 20 && option(args, "--corpus").is_none() {
        let small = best_of(1, || measure(Command::new(&binary).args(["check", "--format", "json"]).arg(make_corpus(root, copies / 4).expect("corpus"))))?;
        println!("memory: {} MiB for {} copies, {} MiB for {copies} copies", small.1 >> 10, copies / 4, promaudit.1 >> 10);
    }
    match which("promtool") {
        Some(promtool) => {
            let promtool = best_of(3, || measure(Command::new(&promtool).arg("check").arg("rules").args(&files)))?;
            report("promtool check rules", promtool, rules);
            for (what, run) in [("promaudit", promaudit), ("promaudit with a catalog", with_catalog)] {
                let ratio = promtool.0.as_secs_f64() / run.0.as_secs_f64();
                println!("{what} is {ratio:.1}x faster than promtool check rules");
                if let Some(min) = option(args, "--min-ratio") {
                    let min: f64 = min.parse().map_err(|_| "--min-ratio takes a number")?;
                    if ratio < min {
                        return Err(format!("{what} is only {ratio:.1}x faster than promtool; at least {min}x is required"));
                    }
                }
            }
        }
        None if option(args, "--min-ratio").is_some() => return Err("promtool is not on PATH: cannot compare (apt-get install prometheus)".into()),
        None => println!("promtool not on PATH: no comparison (apt-get install prometheus)"),
    }
    Ok(())
}

/// What the rule graph adds: the same check with `graph/*` off, which skips the graph rules and
/// the scan of every file for the recorded names it reads. Runs alternate, so both see the same
/// machine load; the best of five of each counts.
fn graph_share(root: &Path, binary: &Path, corpus: &Path) -> Result<(), String> {
    let graph_off = root.join("target/bench-graph-off.yaml");
    std::fs::write(&graph_off, "rules:\n  graph: off\n").map_err(|e| format!("{}: {e}", graph_off.display()))?;
    let (mut on, mut off) = (Duration::MAX, Duration::MAX);
    for _ in 0..5 {
        on = on.min(measure(Command::new(binary).args(["check", "--format", "json"]).arg(corpus))?.0);
        off = off.min(measure(Command::new(binary).args(["check", "--format", "json", "--config"]).arg(&graph_off).arg(corpus))?.0);
    }
    let share = (on.as_secs_f64() / off.as_secs_f64() - 1.0) * 100.0;
    println!("rule graph adds {share:.1}% ({:.2} s with graph/* on, {:.2} s off)", on.as_secs_f64(), off.as_secs_f64());
    Ok(())
}

fn option<'a>(args: &'a [String], name: &str) -> Option<&'a str> {
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).map(String::as_str)
}

fn make_corpus(root: &Path, copies: usize) -> Result<PathBuf, String> {
    let out = root.join(format!("target/bench-corpus-{copies}"));
    if out.is_dir() {
        return Ok(out);
    }
    let script = root.join("../shared/bench/make-corpus.py");
    let status = Command::new("python3").arg(&script).arg(&out).arg(copies.to_string()).status().map_err(|e| format!("python3 {}: {e}", script.display()))?;
    if !status.success() {
        return Err("make-corpus.py failed".into());
    }
    Ok(out)
}

fn rule_files(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir).map_err(|e| e.to_string())?.filter_map(|e| e.ok().map(|e| e.path())).filter(|p| p.is_file()).collect();
    files.sort();
    Ok(files)
}

/// Wall time and peak resident memory (KiB) of one run.
fn measure(command: &mut Command) -> Result<(Duration, i64), String> {
    let started = Instant::now();
    let child = command.stdout(Stdio::null()).stderr(Stdio::null()).spawn().map_err(|e| e.to_string())?;
    let mut status = 0;
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // wait4 reports this child's own peak memory, which std's wait does not expose.
    let pid = unsafe { libc::wait4(child.id() as libc::pid_t, &mut status, 0, &mut usage) };
    if pid < 0 {
        return Err("wait4 failed".into());
    }
    Ok((started.elapsed(), usage.ru_maxrss))
}

fn best_of(runs: usize, mut run: impl FnMut() -> Result<(Duration, i64), String>) -> Result<(Duration, i64), String> {
    let mut best: Option<(Duration, i64)> = None;
    for _ in 0..runs {
        let (time, memory) = run()?;
        best = Some(match best {
            Some((t, m)) => (t.min(time), m.max(memory)),
            None => (time, memory),
        });
    }
    Ok(best.expect("at least one run"))
}

fn report(name: &str, (time, memory): (Duration, i64), rules: usize) {
    println!("{name:22} {:>8.2} s  {:>10.0} rules/s  peak {} MiB", time.as_secs_f64(), rules as f64 / time.as_secs_f64(), memory >> 10);
}

fn which(program: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| std::env::split_paths(&paths).map(|p| p.join(program)).find(|p| p.is_file()))
}
