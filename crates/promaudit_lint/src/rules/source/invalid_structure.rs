use crate::context::FileContext;
use crate::declare_rule;
use crate::registry::{Rule, RuleMeta};
use promaudit_diagnostics::Diagnostic;
use promaudit_source::artifact::Problem;

declare_rule! {
    /// ## What it finds
    /// Recognized files whose parts hold the wrong kind of value: `groups:` or `rules:` that is
    /// not a list, a rule that is a plain string instead of a mapping.
    ///
    /// ## Why it matters
    /// Prometheus rejects the whole file when its structure does not match the rule file format,
    /// so none of its rules are loaded.
    ///
    /// ## Example
    /// ```yaml
    /// groups:
    ///   name: example      # a mapping, but groups must be a list
    ///   rules: []
    /// ```
    ///
    /// ## Fix
    /// Make the value the kind the format expects: here `groups:` followed by `- name: example`.
    pub InvalidStructure {
        code: "source/invalid-structure",
        category: Correctness,
        severity: Error,
        summary: "A field holds the wrong kind of value for its format",
    }
}

impl Rule for InvalidStructure {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &FileContext, out: &mut Vec<Diagnostic>) {
        for problem in &cx.extraction.problems {
            if let Problem::Shape { message, span } = problem {
                out.push(Self::META.diagnostic(*span, message.clone()));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::snapshot;

    #[test]
    fn groups_must_be_a_list() {
        insta::assert_snapshot!(snapshot(&InvalidStructure, "rules.yml", "groups:\n  name: a\n  rules: []\n"));
    }

    #[test]
    fn rules_must_be_mappings() {
        insta::assert_snapshot!(snapshot(&InvalidStructure, "rules.yml", "groups:\n- name: a\n  rules:\n  - up == 0\n"));
    }

    #[test]
    fn well_formed_files_pass() {
        assert!(snapshot(&InvalidStructure, "rules.yml", "groups:\n- name: a\n  rules:\n  - record: a:b\n    expr: up\n").is_empty());
    }
}
