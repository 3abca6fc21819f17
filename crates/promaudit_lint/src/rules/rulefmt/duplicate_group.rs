use crate::context::FileContext;
use crate::declare_rule;
use crate::registry::{Rule, RuleMeta};
use promaudit_diagnostics::Diagnostic;
use std::collections::HashMap;

declare_rule! {
    /// ## What it finds
    /// Two rule groups with the same name in one file.
    ///
    /// ## Why it matters
    /// Prometheus identifies a group by file and name, and rejects the file ("groupname is
    /// repeated in the same file"); none of its rules are loaded.
    ///
    /// ## Example
    /// ```yaml
    /// groups:
    ///   - name: api
    ///   - name: api
    /// ```
    ///
    /// ## Fix
    /// Merge the groups, or give each a distinct name.
    pub DuplicateGroup {
        code: "rulefmt/duplicate-group",
        category: Correctness,
        severity: Error,
        summary: "Two rule groups in one file share a name",
    }
}

impl Rule for DuplicateGroup {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &FileContext, out: &mut Vec<Diagnostic>) {
        for file in cx.rule_files() {
            let mut seen = HashMap::new();
            for name in file.groups.iter().filter_map(|g| g.name.as_ref()) {
                if let Some(first) = seen.insert(name.value.as_str(), name.span) {
                    seen.insert(name.value.as_str(), first);
                    out.push(
                        Self::META
                            .diagnostic(name.span, format!("group name `{}` is repeated in this file; Prometheus rejects the file", name.value))
                            .with_label(first, "first defined here")
                            .with_help("merge the two groups or rename one"),
                    );
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::snapshot;

    #[test]
    fn repeated() {
        insta::assert_snapshot!(snapshot(&DuplicateGroup, "r.yml", "groups:\n  - name: yolo\n  - name: yolo\n"));
    }

    #[test]
    fn distinct() {
        assert!(snapshot(&DuplicateGroup, "r.yml", "groups:\n  - name: a\n  - name: b\n").is_empty());
    }
}
