use crate::context::FileContext;
use crate::declare_rule;
use crate::registry::{Rule, RuleMeta};
use promaudit_diagnostics::Diagnostic;

declare_rule! {
    /// ## What it finds
    /// Recording rule names that are not metric names: empty, or with a label selector
    /// (`{…}`) or spaces in them.
    ///
    /// ## Why it matters
    /// The recorded series is stored under this name. Prometheus rejects the file ("braces
    /// present in the recording rule name; should it be in expr?").
    ///
    /// ## Example
    /// ```yaml
    /// - record: strawberry{flavor="sweet"}
    ///   expr: 1
    /// ```
    ///
    /// ## Fix
    /// Use a plain name (`strawberry`) and put labels under `labels:` or filters in `expr:`.
    pub InvalidRecordName {
        code: "rulefmt/invalid-record-name",
        category: Correctness,
        severity: Error,
        summary: "A recording rule name is not a valid metric name",
    }
}

impl Rule for InvalidRecordName {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &FileContext, out: &mut Vec<Diagnostic>) {
        for rule in cx.rule_files().flat_map(|f| &f.groups).flat_map(|g| &g.rules) {
            let Some(record) = &rule.record else { continue };
            let name = record.value.as_str();
            let problem = if name.trim().is_empty() {
                "recording rule name is empty".to_string()
            } else if name.contains('{') || name.contains('}') {
                format!("braces in recording rule name `{name}`; a selector belongs in `expr:`, labels in `labels:`")
            } else if name.chars().any(char::is_whitespace) {
                format!("recording rule name `{name}` contains whitespace")
            } else {
                continue;
            };
            out.push(Self::META.diagnostic(record.span, problem).with_help("name recording rules `level:metric:operations`, e.g. `job:http_requests:rate5m`"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::snapshot;

    #[test]
    fn braces() {
        insta::assert_snapshot!(snapshot(&InvalidRecordName, "r.yml", "groups:\n  - name: yolo\n    rules:\n      - record: strawberry{flavor=\"sweet\"}\n        expr: 1\n"));
    }

    #[test]
    fn valid_name() {
        assert!(snapshot(&InvalidRecordName, "r.yml", "groups:\n  - name: yolo\n    rules:\n      - record: job:x:rate5m\n        expr: 1\n").is_empty());
    }
}
