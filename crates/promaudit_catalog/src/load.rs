//! Reading catalog sources from disk: the only file I/O in the crate. A directory is walked
//! (sorted, so merges are deterministic) and every file is read by its extension and content.

use crate::model::{Catalog, LoadError};
use crate::tree_sources::{is_catalog_file, is_custom_metrics, read_catalog_file, read_custom_metrics};
use crate::{parse_dcgm_csv, parse_exposition, Loaded};
use promaudit_source::Node;
use std::path::{Path, PathBuf};

/// Loads a file or a directory, merging everything; fails when any error (not a warning)
/// occurred. See [`load_path_lenient`] to keep what loaded despite errors.
pub fn load_path(path: &Path) -> Result<Catalog, Vec<LoadError>> {
    let loaded = load_path_lenient(path);
    if loaded.errors.iter().any(|e| !e.warning) {
        return Err(loaded.errors);
    }
    Ok(loaded.catalog)
}

/// Loads a file or a directory: `.prom`, `.txt`, `.metrics`, `.om` as exposition text, `.csv` as a
/// DCGM counter list, `.yaml`/`.yml`/`.json` as a catalog file, a `custom_metrics:` list (also
/// inside a ConfigMap) or a `promtool test rules` file (its input series). Unreadable files and malformed lines are reported; the rest loads.
pub fn load_path_lenient(path: &Path) -> Loaded {
    let mut result = Loaded::default();
    let files = match collect_files(path) {
        Ok(files) => files,
        Err(error) => {
            result.errors.push(io_error(path, &error));
            return result;
        }
    };
    for file in files {
        let source = file.display().to_string();
        let loaded = match std::fs::read(&file) {
            Ok(bytes) => load_text(&String::from_utf8_lossy(&bytes), &source, extension(&file)),
            Err(error) => Loaded { errors: vec![io_error(&file, &error)], ..Loaded::default() },
        };
        result.errors.extend(loaded.errors);
        result.errors.extend(result.catalog.merge(loaded.catalog));
    }
    result
}

/// Reads one source's text by its file extension (`prom`, `csv`, `yaml`, …).
pub fn load_text(text: &str, source: &str, extension: &str) -> Loaded {
    match extension {
        "csv" => parse_dcgm_csv(text, source),
        "yaml" | "yml" | "json" => load_tree_file(text, source),
        _ => parse_exposition(text, source),
    }
}

fn extension(path: &Path) -> &str {
    path.extension().and_then(|e| e.to_str()).unwrap_or("")
}

const CATALOG_EXTENSIONS: [&str; 8] = ["prom", "txt", "metrics", "om", "csv", "yaml", "yml", "json"];

fn collect_files(path: &Path) -> std::io::Result<Vec<PathBuf>> {
    if !path.is_dir() {
        std::fs::metadata(path)?;
        return Ok(vec![path.to_path_buf()]);
    }
    let mut files = Vec::new();
    let mut pending = vec![path.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir)? {
            let entry = entry?.path();
            if entry.is_dir() {
                pending.push(entry);
            } else if CATALOG_EXTENSIONS.contains(&extension(&entry)) {
                files.push(entry);
            }
        }
    }
    files.sort();
    Ok(files)
}

fn io_error(path: &Path, error: &std::io::Error) -> LoadError {
    LoadError::unreadable(0, 0, format!("cannot read: {error}")).in_source(&path.display().to_string())
}

/// YAML (or JSON, which YAML reads) holding a catalog file, a `custom_metrics:` list, or a
/// ConfigMap whose data values hold either.
fn load_tree_file(text: &str, source: &str) -> Loaded {
    let stream = promaudit_source::yaml::load_yaml(text);
    let mut result = Loaded::default();
    if let Some(error) = &stream.error {
        let at = promaudit_source::LineIndex::new(text).line_col(text, error.span.start);
        let message = format!("not valid YAML or JSON: {}", error.message);
        result.errors.push(LoadError::unreadable(at.line, at.column, message).in_source(source));
    }
    for document in &stream.documents {
        let loaded = load_document(document, text, source);
        result.errors.extend(loaded.errors);
        result.errors.extend(result.catalog.merge(loaded.catalog));
    }
    result
}

fn load_document(root: &Node, text: &str, source: &str) -> Loaded {
    if is_catalog_file(root) {
        return read_catalog_file(root, text, source);
    }
    if is_custom_metrics(root) {
        return read_custom_metrics(root, text, source);
    }
    if let Some(tests) = crate::promtool_tests::promtool_tests_in(root, text) {
        let lines = promaudit_source::LineIndex::new(text);
        return crate::promtool_tests::input_series_families(&tests, source, |offset| lines.line_col(text, offset));
    }
    let mut result = Loaded::default();
    // A ConfigMap: each data value is a document of its own. Its positions are relative to the
    // embedded text, so origins name the key as well as the file.
    for (key, value) in root.get("data").map(Node::entries).unwrap_or_default() {
        let (Some(key), Some(inner_text)) = (key.as_str(), value.as_str()) else { continue };
        if !(inner_text.contains("custom_metrics") || inner_text.contains("metrics:")) {
            continue;
        }
        let inner_source = format!("{source} (data.{key})");
        for inner in promaudit_source::yaml::load_yaml(inner_text).documents {
            if is_catalog_file(&inner) || is_custom_metrics(&inner) {
                let loaded = load_document(&inner, inner_text, &inner_source);
                result.errors.extend(loaded.errors);
                result.errors.extend(result.catalog.merge(loaded.catalog));
            }
        }
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    fn workspace_path(relative: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").join(relative)
    }

    #[test]
    fn loads_the_fixture_directory() {
        let catalog = load_path(&workspace_path("fixtures/catalog")).expect("fixtures load cleanly");
        assert!(catalog.len() > 1400, "{}", catalog.len());
        assert!(catalog.family("DCGM_FI_DEV_FB_USED").is_some());
        assert!(catalog.resolve_series_name("node_cpu_seconds_total").is_some());
    }

    #[test]
    fn loads_the_configmap_and_reports_missing_paths() {
        let catalog = load_path(&workspace_path("rules/metrics-config.yaml")).unwrap();
        assert!(catalog.family("inference_queue_depth").is_some());
        let errors = load_path(Path::new("/nonexistent/catalog")).unwrap_err();
        assert!(errors[0].message.starts_with("cannot read"));
    }

    #[test]
    fn merging_reports_conflicting_types_and_unions_labels() {
        let mut catalog = parse_exposition("# TYPE x gauge\nx{a=\"1\"} 1\n", "one.prom").catalog;
        let other = parse_exposition("# TYPE x counter\nx{b=\"2\"} 1\nx{b=\"3\"} 1\n", "two.prom").catalog;
        let warnings = catalog.merge(other);
        assert_eq!(warnings.len(), 1);
        assert!(warnings[0].warning && warnings[0].source == "two.prom", "{:?}", warnings);
        let x = catalog.family("x").unwrap();
        assert_eq!((x.kind, x.series), (crate::MetricKind::Gauge, 2));
        assert_eq!(x.labels.keys().collect::<Vec<_>>(), ["a", "b"]);
    }
}
