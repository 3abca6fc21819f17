//! Rule documentation generated from the rules' own metadata: docs/rules/<family>/<name>.md and
//! the rules table in README.md; and the configuration's JSON Schema, docs/promaudit.schema.json,
//! from the configuration's own field list. `--check` fails when the committed files are stale.

use promaudit_lint::all_rules;
use promaudit_lint::registry::docs_markdown;
use std::path::Path;

const TABLE_START: &str = "<!-- rules:start -->";
const TABLE_END: &str = "<!-- rules:end -->";

pub fn run(root: &Path, check: bool) -> Result<(), String> {
    let mut expected = Vec::new();
    for rule in all_rules() {
        let meta = rule.meta();
        let fix = meta.fix.map(|fix| format!("- Fix: {fix} (a quick fix in editors, through `promaudit lsp`)\n")).unwrap_or_default();
        let page = format!(
            "# `{}`\n\n{}\n\n- Category: {}\n- Default severity: {}\n{fix}\n{}\n",
            meta.code,
            meta.summary,
            meta.category.as_str(),
            meta.severity,
            docs_markdown(meta).trim_end()
        );
        expected.push((root.join("docs/rules").join(format!("{}.md", meta.code)), page));
    }
    let schema = serde_json::to_string_pretty(&promaudit_lint::config::json_schema()).expect("the schema serializes") + "\n";
    expected.push((root.join("docs/promaudit.schema.json"), schema));
    let readme_path = root.join("README.md");
    let readme = std::fs::read_to_string(&readme_path).map_err(|e| format!("{}: {e}", readme_path.display()))?;
    expected.push((readme_path, with_table(&readme)?));

    let stale: Vec<String> = expected.iter().filter(|(path, text)| std::fs::read_to_string(path).ok().as_deref() != Some(text)).map(|(p, _)| p.display().to_string()).collect();
    if check {
        return if stale.is_empty() { Ok(()) } else { Err(format!("generated docs are stale; run `cargo xtask docs`:\n  {}", stale.join("\n  "))) };
    }
    for (path, text) in &expected {
        std::fs::create_dir_all(path.parent().expect("docs have a parent")).map_err(|e| e.to_string())?;
        std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    println!("wrote {} files ({} changed)", expected.len(), stale.len());
    Ok(())
}

fn with_table(readme: &str) -> Result<String, String> {
    let (Some(start), Some(end)) = (readme.find(TABLE_START), readme.find(TABLE_END)) else {
        return Err(format!("README.md lacks the {TABLE_START} … {TABLE_END} markers"));
    };
    let mut table = String::from("\n| code | category | severity | what it finds |\n|---|---|---|---|\n");
    for rule in all_rules() {
        let meta = rule.meta();
        table.push_str(&format!("| [`{0}`](docs/rules/{0}.md) | {1} | {2} | {3} |\n", meta.code, meta.category.as_str(), meta.severity, meta.summary));
    }
    Ok(format!("{}{TABLE_START}{table}{}", &readme[..start], &readme[end..]))
}
