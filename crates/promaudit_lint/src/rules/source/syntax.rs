use crate::context::FileContext;
use crate::declare_rule;
use crate::registry::{Rule, RuleMeta};
use promaudit_diagnostics::{Diagnostic, Span};
use promaudit_source::artifact::Problem;

declare_rule! {
    /// ## What it finds
    /// YAML or JSON that does not parse, at the character where parsing stopped — also inside
    /// documents embedded in strings (a dashboard in a ConfigMap) and Markdown code blocks.
    /// Also a YAML key set twice in one mapping (two `expr:` in a rule), which Go's YAML reader
    /// rejects. (JSON dashboards may repeat a key: Grafana keeps the last value, and so does
    /// promaudit.)
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
            match problem {
                Problem::Syntax { language, message, span } => out.push(Self::META.diagnostic(*span, format!("invalid {language}: {message}"))),
                Problem::DuplicateKey { key, span, first } => out.push(duplicate_key(cx, key, *span, *first)),
                _ => {}
            }
        }
    }
}

/// Go's YAML reader, which Prometheus uses, rejects the file ("mapping key already defined");
/// other readers silently keep one of the values, so the file means different things to each.
fn duplicate_key(cx: &FileContext, key: &str, span: Span, first: Span) -> Diagnostic {
    let line = cx.file.line_col(first.start).line;
    let message = format!("invalid YAML: mapping key `{key}` already defined at line {line}; Prometheus rejects the file");
    Syntax::META.diagnostic(span, message).with_label(first, format!("`{key}` first defined here")).with_help("keep one of the two entries")
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
    fn duplicate_yaml_key_is_reported_at_the_second_key() {
        let text = "groups:\n  - name: a\n    rules:\n    - alert: X\n      expr: up == 0\n      expr: up == 1\n";
        insta::assert_snapshot!(snapshot(&Syntax, "rules.yml", text));
    }

    #[test]
    fn valid_files_pass() {
        assert!(snapshot(&Syntax, "rules.yml", "groups: []\n").is_empty());
        assert!(snapshot(&Syntax, "dash.json", "{\"panels\": []}").is_empty());
    }
}
