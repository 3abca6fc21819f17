use crate::context::FileContext;
use crate::declare_rule;
use crate::registry::{Rule, RuleMeta};
use promaudit_diagnostics::Diagnostic;
use promaudit_source::artifact::Problem;

declare_rule! {
    /// ## What it finds
    /// YAML or JSON that does not parse, at the character where parsing stopped — also inside
    /// documents embedded in strings (a dashboard in a ConfigMap) and Markdown code blocks.
    ///
    /// ## Why it matters
    /// Prometheus refuses to load a rule file that is not valid YAML, and with it every rule in
    /// the file; Grafana refuses the dashboard. Everything after the error goes unchecked here too.
    ///
    /// ## Example
    /// ```yaml
    /// groups:
    ///   - name: example
    ///     rules:
    ///     - alert: Down
    ///       expr: up == 0
    ///      for: 5m      # one space short: not part of the rule
    /// ```
    ///
    /// ## Fix
    /// Correct the syntax at the reported position; indentation and unclosed quotes or brackets
    /// are the usual causes.
    pub Syntax {
        code: "source/syntax",
        category: Correctness,
        severity: Error,
        summary: "YAML or JSON syntax error",
    }
}

impl Rule for Syntax {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &FileContext, out: &mut Vec<Diagnostic>) {
        for problem in &cx.extraction.problems {
            if let Problem::Syntax { language, message, span } = problem {
                out.push(Self::META.diagnostic(*span, format!("invalid {language}: {message}")));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::snapshot;

    #[test]
    fn yaml_error_points_at_the_offending_character() {
        let text = "groups:\n  - name: a\n    rules:\n    - alert: X\n      expr: up == 0\n     for: 5m\n";
        insta::assert_snapshot!(snapshot(&Syntax, "rules.yml", text));
    }

    #[test]
    fn json_error_points_at_the_offending_character() {
        let text = "{\n  \"panels\": [\n    {\"targets\": [{\"expr\": \"up\"},]}\n  ]\n}\n";
        insta::assert_snapshot!(snapshot(&Syntax, "dash.json", text));
    }

    #[test]
    fn valid_files_pass() {
        assert!(snapshot(&Syntax, "rules.yml", "groups: []\n").is_empty());
        assert!(snapshot(&Syntax, "dash.json", "{\"panels\": []}").is_empty());
    }
}
