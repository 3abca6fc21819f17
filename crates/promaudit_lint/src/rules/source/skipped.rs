use crate::context::FileContext;
use crate::declare_rule;
use crate::registry::{Rule, RuleMeta};
use promaudit_diagnostics::Diagnostic;
use promaudit_source::artifact::Problem;

declare_rule! {
    /// ## What it finds
    /// Documents that promaudit read but did not check, and why: YAML of other kinds
    /// (ServiceMonitors, application config), Go-templated files such as Helm charts.
    ///
    /// ## Why it matters
    /// A gate that silently ignores a file gives false confidence. This note says which parts of
    /// the checked paths were not looked at, so a Helm chart's rules can be rendered and checked.
    ///
    /// ## Example
    /// ```yaml
    /// expr: rate(http_requests_total{job="{{ .Values.job }}"}[5m])
    /// ```
    ///
    /// ## Fix
    /// Nothing to fix. Render templates first (`helm template`) and check the output, or leave
    /// unrelated files out of the checked paths.
    pub Skipped {
        code: "source/skipped",
        category: Coverage,
        severity: Info,
        summary: "A document was recognized as something promaudit does not check",
    }
}

impl Rule for Skipped {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &FileContext, out: &mut Vec<Diagnostic>) {
        for problem in &cx.extraction.problems {
            if let Problem::Skipped { reason, span } = problem {
                // Point at the document's first line: the whole document is the subject, but a
                // caret under hundreds of lines helps nobody.
                let start = span.start;
                let line_end = cx.file.text[start..].find('\n').map_or(span.end, |i| (start + i).min(span.end));
                let first_line = promaudit_diagnostics::Span::new(start, line_end.max(start));
                out.push(Self::META.diagnostic(first_line, format!("not checked: {reason}")));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::snapshot;

    #[test]
    fn helm_templates_are_skipped_with_a_note() {
        let text = "groups:\n- name: a\n  rules:\n  - alert: X\n    expr: up{job=\"{{ .Values.job }}\"} == 0\n{{- if .Values.extra }}\n{{- end }}\n";
        insta::assert_snapshot!(snapshot(&Skipped, "chart.yaml", text));
    }

    #[test]
    fn other_kubernetes_kinds_are_skipped_with_a_note() {
        let text = "apiVersion: monitoring.coreos.com/v1\nkind: ServiceMonitor\nmetadata:\n  name: x\n";
        insta::assert_snapshot!(snapshot(&Skipped, "sm.yaml", text));
    }

    #[test]
    fn rule_files_are_not_skipped() {
        assert!(snapshot(&Skipped, "r.yml", "groups:\n- name: a\n  rules:\n  - record: a:b\n    expr: up\n").is_empty());
    }
}
