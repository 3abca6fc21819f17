//! Every real exposition dump in the shared corpus and in fixtures/catalog loads without errors.
//! The summary (families, series, errors per file) is snapshotted so a parser change that loses
//! families shows up in review.

use promaudit_catalog::parse_exposition;
use std::path::{Path, PathBuf};
use std::time::Instant;

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus")
}

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn files_in(dir: &Path, extensions: &[&str], prefix: &str) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Vec::new() };
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            let name = p.file_name().unwrap().to_string_lossy();
            name.starts_with(prefix) && extensions.iter().any(|ext| name.ends_with(ext))
        })
        .collect();
    files.sort();
    files
}

fn exposition_files() -> Vec<PathBuf> {
    let corpus = corpus();
    let mut files = files_in(&corpus.join("node_exporter/collector/fixtures"), &[".txt"], "e2e-");
    files.extend(files_in(&corpus.join("nvidia_gpu_exporter/internal/integration/testdata"), &[".metrics"], ""));
    files.extend(files_in(&corpus.join("datadog-integrations-core/dcgm/tests/fixtures"), &["metrics.txt"], ""));
    files.extend(files_in(&corpus.join("prometheus-testdata/exposition"), &[".prom", ".txt"], ""));
    files.extend(files_in(&corpus.join("dcgm-exporter/metrics-samples"), &[".prom"], ""));
    files.extend(files_in(&workspace().join("fixtures/catalog"), &[".prom"], ""));
    files
}

/// A path relative to the corpus or the workspace, the same on every machine.
fn display_name(file: &Path) -> String {
    let text = file.display().to_string();
    let tail = text.rsplit_once("/shared/corpus/").or_else(|| text.rsplit_once("/../../"));
    tail.map_or(text.clone(), |(_, tail)| tail.to_string())
}

#[test]
fn every_exposition_dump_loads() {
    let files = exposition_files();
    if !corpus().exists() {
        eprintln!("shared corpus not present; checking fixtures/catalog only");
    }
    assert!(files.len() >= 5, "no exposition files found");
    let mut summary = String::new();
    let started = Instant::now();
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        let loaded = parse_exposition(&text, &file.display().to_string());
        let series: usize = loaded.catalog.families.values().map(|f| f.series).sum();
        let name = display_name(file);
        summary.push_str(&format!("{name}: {} families, {series} series, {} errors\n", loaded.catalog.len(), loaded.errors.len()));
        for error in &loaded.errors {
            summary.push_str(&format!("  {error}\n"));
        }
        assert!(loaded.errors.is_empty(), "{}: {:?}", file.display(), loaded.errors);
    }
    eprintln!("{summary}loaded {} files in {:?}", files.len(), started.elapsed());
    if corpus().exists() {
        insta::assert_snapshot!(summary);
    }
}
