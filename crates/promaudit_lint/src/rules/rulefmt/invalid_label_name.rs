use crate::context::FileContext;
use crate::declare_rule;
use crate::registry::{Rule, RuleMeta};
use promaudit_diagnostics::Diagnostic;

declare_rule! {
    /// ## What it finds
    /// Label or annotation names a rule may not set: `__name__`, and empty names.
    ///
    /// ## Why it matters
    /// `__name__` is the metric name itself; Prometheus rejects a rule that sets it as a label
    /// ("invalid label name"), and with it the whole file.
    ///
    /// ## Example
    /// ```yaml
    /// - record: hola
    ///   expr: 1
    ///   labels:
    ///     __name__: anything
    /// ```
    ///
    /// ## Fix
    /// Rename a recording rule with `record:`; choose another name for an ordinary label.
    pub InvalidLabelName {
        code: "rulefmt/invalid-label-name",
        category: Correctness,
        severity: Error,
        summary: "A rule sets the label `__name__` or an empty label or annotation name",
    }
}

impl Rule for InvalidLabelName {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &FileContext, out: &mut Vec<Diagnostic>) {
        for rule in cx.rule_files().flat_map(|f| &f.groups).flat_map(|g| &g.rules) {
            for (kind, entries) in [("label", &rule.labels), ("annotation", &rule.annotations)] {
                for (name, _) in entries.iter() {
                    let message = match name.value.as_str() {
                        "" => format!("empty {kind} name"),
                        "__name__" if kind == "label" => "invalid label name `__name__`: it is the metric name; rules may not set it".to_string(),
                        _ => continue,
                    };
                    out.push(Self::META.diagnostic(name.span, message));
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
    fn name_label() {
        insta::assert_snapshot!(snapshot(&InvalidLabelName, "r.yml", "groups:\n  - name: yolo\n    rules:\n      - record: hola\n        expr: 1\n        labels:\n          __name__: anything\n"));
    }

    #[test]
    fn ordinary_labels() {
        assert!(snapshot(&InvalidLabelName, "r.yml", "groups:\n  - name: yolo\n    rules:\n      - record: hola\n        expr: 1\n        labels:\n          team: a\n").is_empty());
    }
}
