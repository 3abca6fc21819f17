use crate::context::FileContext;
use crate::declare_rule;
use crate::names::{is_legacy_label_name, is_legacy_metric_name};
use crate::registry::{Rule, RuleMeta};
use promaudit_diagnostics::Diagnostic;

declare_rule! {
    /// ## What it finds
    /// Recording rule, label and annotation names outside the classic character set
    /// (`[a-zA-Z_][a-zA-Z0-9_]*`, plus `:` in metric names), such as `ins-tance` or `http.method`.
    ///
    /// ## Why it matters
    /// Prometheus 3 accepts any UTF-8 name, but Prometheus 2, remote-write receivers and many
    /// tools still run with legacy name validation and reject the file ("invalid annotation
    /// name"). Such names also need quoting in every query (`{"http.method"="GET"}`). An error
    /// when the configuration says the rules run on Prometheus 2 (`prometheus_version: 2`); an
    /// info on Prometheus 3, where only other tools may reject them.
    ///
    /// ## Example
    /// ```yaml
    /// annotations:
    ///   ins-tance: localhost
    /// ```
    ///
    /// ## Fix
    /// Use underscores: `instance`, `http_method`.
    pub LegacyName {
        code: "rulefmt/non-legacy-name",
        category: Suspicious,
        severity: Info,
        summary: "A name is only valid under Prometheus 3's UTF-8 name validation",
    }
}

impl Rule for LegacyName {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &FileContext, out: &mut Vec<Diagnostic>) {
        for rule in cx.rule_files().flat_map(|f| &f.groups).flat_map(|g| &g.rules) {
            let rejected = cx.config.prometheus_version() < 3;
            if let Some(record) = &rule.record {
                let name = record.value.as_str();
                if !name.is_empty() && !name.contains(['{', '}']) && !is_legacy_metric_name(name) {
                    out.push(self.diagnostic(record.span, "recording rule name", name, rejected));
                }
            }
            for (kind, entries) in [("label name", &rule.labels), ("annotation name", &rule.annotations)] {
                for (name, _) in entries.iter().filter(|(n, _)| !n.value.is_empty() && !is_legacy_label_name(&n.value)) {
                    out.push(self.diagnostic(name.span, kind, &name.value, rejected));
                }
            }
        }
    }
}

impl LegacyName {
    /// `rejected` when the configured Prometheus rejects the file.
    fn diagnostic(&self, span: promaudit_diagnostics::Span, kind: &str, name: &str, rejected: bool) -> Diagnostic {
        let suggestion: String = name.chars().map(|c| if c.is_ascii_alphanumeric() || c == '_' || (c == ':' && kind.starts_with("recording")) { c } else { '_' }).collect();
        let mut diagnostic = Self::META
            .diagnostic(span, format!("{kind} `{name}` is rejected by Prometheus 2 and by legacy name validation"))
            .with_help(format!("use `{suggestion}`"));
        if rejected {
            diagnostic.severity = promaudit_diagnostics::Severity::Error;
        }
        diagnostic
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::snapshot;

    #[test]
    fn dashed_annotation() {
        insta::assert_snapshot!(snapshot(&LegacyName, "r.yml", "groups:\n  - name: yolo\n    rules:\n      - alert: hola\n        expr: 1\n        annotations:\n          ins-tance: localhost\n"));
    }

    #[test]
    fn classic_names() {
        assert!(snapshot(&LegacyName, "r.yml", "groups:\n  - name: yolo\n    rules:\n      - record: a:b_c:rate5m\n        expr: 1\n        labels:\n          team_x: a\n").is_empty());
    }
}
