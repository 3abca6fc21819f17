use crate::context::FileContext;
use crate::declare_rule;
use crate::registry::{Rule, RuleMeta};
use promaudit_diagnostics::Diagnostic;
use std::collections::HashMap;

declare_rule! {
    /// ## What it finds
    /// Rules in one file that repeat another rule: the same name, the same labels and the same
    /// expression (`promtool check rules --lint=duplicate-rules`). Expressions are compared as
    /// the parser prints them, so `sum(up) by (job)` repeats `sum by (job) (up)`.
    ///
    /// ## Why it matters
    /// Duplicate recording rules write the same series twice per evaluation, with conflicting
    /// samples; duplicate alerts notify twice. Usually a copy-paste left over after a refactor.
    ///
    /// ## Example
    /// ```yaml
    /// - record: job:test:count_over_time1m
    ///   expr: sum without(instance) (count_over_time(test[1m]))
    /// - record: job:test:count_over_time1m
    ///   expr: sum without(instance) (count_over_time(test[1m]))
    /// ```
    ///
    /// ## Fix
    /// Delete the copy.
    pub DuplicateRule {
        code: "rulefmt/duplicate-rule",
        category: Suspicious,
        severity: Warning,
        summary: "A rule repeats another rule's name, labels and expression",
    }
}

impl Rule for DuplicateRule {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &FileContext, out: &mut Vec<Diagnostic>) {
        for file in cx.rule_files() {
            let mut seen = HashMap::new();
            for rule in file.groups.iter().flat_map(|g| &g.rules) {
                let (Some(name), Some(expr)) = (rule.name(), &rule.expr) else { continue };
                let mut labels: Vec<(&str, &str)> = rule.labels.iter().map(|(k, v)| (k.value.as_str(), v.value.as_str())).collect();
                labels.sort_unstable();
                // Compared as the parser prints them: `sum(up) by (job)` is `sum by (job) (up)`.
                let canonical = cx.parsed_query_of(expr).map(|(_, parsed)| parsed.canonical().to_string());
                let key = (name.value.as_str(), labels, canonical.unwrap_or_else(|| expr.query.value.trim().to_string()));
                match seen.get(&key) {
                    Some(&first) => out.push(
                        Self::META
                            .diagnostic(name.span, format!("rule `{}` repeats an earlier rule with the same labels and expression", name.value))
                            .with_label(first, "first defined here")
                            .with_help("delete one of the copies"),
                    ),
                    None => {
                        seen.insert(key, name.span);
                    }
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
    fn repeated_in_and_across_groups() {
        let text = "groups:\n  - name: base\n    rules:\n      - record: job:t:c\n        expr: sum(t)\n      - record: job:t:c\n        expr: sum(t)\n  - name: dup\n    rules:\n      - record: job:t:c\n        expr: sum(t)\n";
        insta::assert_snapshot!(snapshot(&DuplicateRule, "r.yml", text));
    }

    #[test]
    fn same_expression_other_formatting() {
        let text = "groups:\n  - name: base\n    rules:\n      - record: job:up:sum\n        expr: sum(up) by (job)\n      - record: job:up:sum\n        expr: sum by (job) (up)\n";
        let found = snapshot(&DuplicateRule, "r.yml", text);
        assert!(found.starts_with("r.yml:6:17: "), "{found}");
    }

    #[test]
    fn same_name_other_labels() {
        let text = "groups:\n  - name: base\n    rules:\n      - alert: A\n        expr: up == 0\n        labels: {severity: page}\n      - alert: A\n        expr: up == 0\n        labels: {severity: ticket}\n";
        assert!(snapshot(&DuplicateRule, "r.yml", text).is_empty());
    }
}
