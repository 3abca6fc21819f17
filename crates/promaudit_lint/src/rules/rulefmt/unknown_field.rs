use crate::context::FileContext;
use crate::declare_rule;
use crate::registry::{Rule, RuleMeta};
use promaudit_diagnostics::Diagnostic;
use promaudit_source::artifact::Text;

declare_rule! {
    /// ## What it finds
    /// Keys the rule file format does not have, in a rule, a group or at the top level:
    /// misspellings such as `annotation:`, `label:` or `group:` (a file whose only list of rule
    /// groups is under a key spelt like `groups` is a rule file with that key misspelt), and
    /// tool-specific extras.
    ///
    /// ## Why it matters
    /// Prometheus rejects the file ("field annotation not found"). Even where a tool ignores
    /// unknown fields, a misspelt `annotation:` silently drops every annotation of the alert.
    ///
    /// ## Example
    /// ```yaml
    /// - alert: hola
    ///   expr: 1
    ///   annotation:
    ///     summary: annotations is written without s
    /// ```
    ///
    /// ## Fix
    /// Correct the key (`annotations:`), or remove it.
    pub UnknownField {
        code: "rulefmt/unknown-field",
        category: Correctness,
        severity: Error,
        summary: "A rule, group or rule file has a field the format does not define",
    }
}

const RULE_FIELDS: &[&str] = &["record", "alert", "expr", "for", "keep_firing_for", "labels", "annotations"];
const GROUP_FIELDS: &[&str] = &["name", "interval", "rules", "limit", "query_offset", "labels", "partial_response_strategy", "source_tenants"];

impl Rule for UnknownField {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &FileContext, out: &mut Vec<Diagnostic>) {
        for file in cx.rule_files() {
            report(out, &file.unknown_fields, "rule file", &["groups"]);
            for group in &file.groups {
                report(out, &group.unknown_fields, "rule group", GROUP_FIELDS);
                for rule in &group.rules {
                    report(out, &rule.unknown_fields, "rule", RULE_FIELDS);
                }
            }
        }
    }
}

fn report(out: &mut Vec<Diagnostic>, fields: &[Text], owner: &str, known: &[&str]) {
    for field in fields {
        let mut diagnostic = UnknownField::META.diagnostic(field.span, format!("unknown field `{}` in {owner}; Prometheus rejects the file", field.value));
        diagnostic = match closest(&field.value, known) {
            Some(close) => diagnostic.with_help(format!("did you mean `{close}`?")),
            None => diagnostic.with_help(format!("a {owner} has the fields {}", known.join(", "))),
        };
        out.push(diagnostic);
    }
}

/// The known name within edit distance 2, for "did you mean".
fn closest<'k>(name: &str, known: &[&'k str]) -> Option<&'k str> {
    known.iter().filter_map(|k| promaudit_catalog::bounded_edit_distance(name, k, 2).map(|d| (d, *k))).min().map(|(_, k)| k)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::snapshot;

    #[test]
    fn misspelt_rule_field() {
        let text = "groups:\n  - name: yolo\n    rules:\n      - alert: hola\n        expr: 1\n        annotation:\n          summary: x\n";
        insta::assert_snapshot!(snapshot(&UnknownField, "r.yml", text));
    }

    #[test]
    fn unknown_group_field() {
        let text = "groups:\n  - name: alerts\n    namespace: \"foobar\"\n    rules: []\n";
        insta::assert_snapshot!(snapshot(&UnknownField, "r.yml", text));
    }

    #[test]
    fn misspelt_groups_key() {
        let text = "group:\n  - name: yolo\n    rules:\n      - alert: hola\n        expr: 1\n";
        insta::assert_snapshot!(snapshot(&UnknownField, "r.yml", text));
        // A `group:` that holds no rule groups is some other file.
        assert!(snapshot(&UnknownField, "r.yml", "group: wheel\nmembers: [a]\n").is_empty());
        assert!(snapshot(&UnknownField, "r.yml", "group:\n  - name: a\n    rules: [{apiGroups: [\"\"]}]\n").is_empty());
    }

    #[test]
    fn thanos_fields_are_known() {
        let text = "groups:\n  - name: a\n    partial_response_strategy: warn\n    interval: 1m\n    rules:\n      - alert: A\n        expr: up == 0\n";
        assert!(snapshot(&UnknownField, "r.yml", text).is_empty());
    }
}
