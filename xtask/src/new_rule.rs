//! `cargo xtask new-rule family/name`: a new rule file with its docs, check and tests, registered
//! in the rule list, ready for `cargo xtask docs`.

use std::path::Path;

const RULES_DIR: &str = "crates/promaudit_lint/src/rules";

pub fn run(root: &Path, code: Option<&str>) -> Result<(), String> {
    let code = code.ok_or("usage: cargo xtask new-rule family/name (e.g. alerts/missing-runbook)")?;
    let rule = NewRule::parse(code)?;
    let file = root.join(RULES_DIR).join(&rule.family).join(format!("{}.rs", rule.module));
    if file.exists() {
        return Err(format!("{} already exists", file.display()));
    }
    let registry_path = root.join(RULES_DIR).join("mod.rs");
    let registry = std::fs::read_to_string(&registry_path).map_err(|e| format!("{}: {e}", registry_path.display()))?;
    let registry = rule.register(&registry)?;
    std::fs::create_dir_all(file.parent().expect("rule files are in a family directory")).map_err(|e| e.to_string())?;
    std::fs::write(&file, rule.source()).map_err(|e| format!("{}: {e}", file.display()))?;
    std::fs::write(&registry_path, registry).map_err(|e| format!("{}: {e}", registry_path.display()))?;
    println!("created {}\nregistered {} in {}", file.display(), rule.type_name, registry_path.display());
    println!("next: write the docs, the check and the examples, then `cargo test -p promaudit_lint {}` and `cargo xtask docs`", rule.module);
    Ok(())
}

/// A rule's names, derived from its code `family/kebab-name`.
#[derive(Debug, PartialEq)]
struct NewRule {
    code: String,
    family: String,
    /// The file and module name: `kebab-name` in snake case.
    module: String,
    /// The rule's type: `kebab-name` in CamelCase.
    type_name: String,
}

impl NewRule {
    fn parse(code: &str) -> Result<NewRule, String> {
        let valid = |part: &str| !part.is_empty() && part.starts_with(|c: char| c.is_ascii_lowercase()) && part.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-') && !part.ends_with('-') && !part.contains("--");
        let Some((family, name)) = code.split_once('/').filter(|(family, name)| valid(family) && valid(name)) else {
            return Err(format!("`{code}` is not a rule code: write `family/name` in lowercase kebab case, e.g. `alerts/missing-runbook`"));
        };
        let type_name = name.split('-').map(|word| word[..1].to_ascii_uppercase() + &word[1..]).collect();
        Ok(NewRule { code: code.to_string(), family: family.replace('-', "_"), module: name.replace('-', "_"), type_name })
    }

    /// `rules/mod.rs` with the module declared in its family's block (a new block for a new
    /// family) and the rule appended to `ALL` after its family's last rule.
    fn register(&self, registry: &str) -> Result<String, String> {
        let block_start = format!("mod {} {{\n", self.family);
        let declaration = format!("    pub mod {};\n", self.module);
        let mut text = match registry.find(&block_start) {
            Some(start) => {
                let body = start + block_start.len();
                let end = body + registry[body..].find("}\n").ok_or("rules/mod.rs: a family block is not closed")?;
                let mut modules: Vec<&str> = registry[body..end].lines().collect();
                modules.push(declaration.trim_end());
                modules.sort();
                format!("{}{}\n{}", &registry[..body], modules.join("\n"), &registry[end..])
            }
            None => {
                let all = registry.find("pub static ALL").ok_or("rules/mod.rs has no `pub static ALL`")?;
                format!("{}{block_start}{declaration}}}\n\n{}", &registry[..all], &registry[all..])
            }
        };
        let entry = format!("    &{}::{}::{},\n", self.family, self.module, self.type_name);
        let list_end = text.rfind("];").ok_or("rules/mod.rs: `ALL` is not closed")?;
        let family_prefix = format!("    &{}::", self.family);
        let insert_at = text[..list_end].rfind(&family_prefix).map_or(list_end, |last| last + text[last..].find('\n').expect("entries end their line") + 1);
        text.insert_str(insert_at, &entry);
        Ok(text)
    }

    fn source(&self) -> String {
        TEMPLATE.replace("{code}", &self.code).replace("{Type}", &self.type_name).replace("{module}", &self.module)
    }
}

/// A rule that reports nothing yet: the docs, the check and the two examples are to be written.
const TEMPLATE: &str = r#"use crate::context::FileContext;
use crate::declare_rule;
use crate::registry::{Rule, RuleMeta};
use promaudit_diagnostics::Diagnostic;

declare_rule! {
    /// ## What it finds
    /// What this rule reports, in one or two sentences.
    ///
    /// ## Why it matters
    /// What goes wrong in production when it is ignored.
    ///
    /// ## Example
    /// ```yaml
    /// expr: the smallest expression that shows the problem
    /// ```
    ///
    /// ## Fix
    /// What to write instead.
    pub {Type} {
        code: "{code}",
        category: Suspicious,
        severity: Warning,
        summary: "One line: what the rule finds",
    }
}

impl Rule for {Type} {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &FileContext, out: &mut Vec<Diagnostic>) {
        for (query, parsed) in cx.parsed_queries() {
            parsed.walk(&mut |visit| {
                // Decide on `visit.expr`; point at the node (or a token of it) that is wrong:
                // `query.file_span(visit.spans.node)`.
                let _ = (query, visit, &mut *out);
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::snapshot;

    const FAILING: &str = "groups:\n- name: a\n  rules:\n  - alert: Example\n    expr: up == 0\n";
    const PASSING: &str = "groups:\n- name: a\n  rules:\n  - alert: Example\n    expr: up == 0\n";

    #[test]
    fn reports_the_problem() {
        insta::assert_snapshot!(snapshot(&{Type}, "r.yml", FAILING));
    }

    #[test]
    fn accepts_the_fix() {
        assert_eq!(snapshot(&{Type}, "r.yml", PASSING), "");
    }
}
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_come_from_the_code() {
        let rule = NewRule::parse("alerts/missing-runbook-url").unwrap();
        assert_eq!((rule.family.as_str(), rule.module.as_str(), rule.type_name.as_str()), ("alerts", "missing_runbook_url", "MissingRunbookUrl"));
        for bad in ["alerts", "Alerts/x", "alerts/", "alerts/x_y", "alerts/-x", "a/b/c"] {
            assert!(NewRule::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn registers_in_an_existing_family_and_after_its_last_rule() {
        let registry = "mod alerts {\n    pub mod topk;\n    pub mod value_in_label;\n}\n\npub static ALL: &[&dyn Rule] = &[\n    &alerts::topk::Topk,\n    &alerts::value_in_label::ValueInLabel,\n    &graph::cycle::Cycle,\n];\n";
        let registered = NewRule::parse("alerts/missing-runbook").unwrap().register(registry).unwrap();
        assert_eq!(registered, "mod alerts {\n    pub mod missing_runbook;\n    pub mod topk;\n    pub mod value_in_label;\n}\n\npub static ALL: &[&dyn Rule] = &[\n    &alerts::topk::Topk,\n    &alerts::value_in_label::ValueInLabel,\n    &alerts::missing_runbook::MissingRunbook,\n    &graph::cycle::Cycle,\n];\n");
    }

    #[test]
    fn a_new_family_gets_its_own_block() {
        let registry = "mod alerts {\n    pub mod topk;\n}\n\npub static ALL: &[&dyn Rule] = &[\n    &alerts::topk::Topk,\n];\n";
        let registered = NewRule::parse("routing/dead-end").unwrap().register(registry).unwrap();
        assert_eq!(registered, "mod alerts {\n    pub mod topk;\n}\n\nmod routing {\n    pub mod dead_end;\n}\n\npub static ALL: &[&dyn Rule] = &[\n    &alerts::topk::Topk,\n    &routing::dead_end::DeadEnd,\n];\n");
    }

    #[test]
    fn the_real_registry_takes_a_new_rule() {
        let registry = std::fs::read_to_string(crate::root().join(RULES_DIR).join("mod.rs")).unwrap();
        let registered = NewRule::parse("alerts/scaffold-check").unwrap().register(&registry).unwrap();
        assert!(registered.contains("    pub mod scaffold_check;\n") && registered.contains("    &alerts::scaffold_check::ScaffoldCheck,\n"));
        assert_eq!(registered.len(), registry.len() + "    pub mod scaffold_check;\n".len() + "    &alerts::scaffold_check::ScaffoldCheck,\n".len());
    }
}
