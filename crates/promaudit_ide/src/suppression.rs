//! "Suppress with a reason": a `# promaudit: ignore[CODE] reason` comment on its own line above
//! the rule item a diagnostic is in, at the item's indentation.

use promaudit_diagnostics::{Diagnostic, Edit, Fix};
use promaudit_source::artifact::Artifact;
use promaudit_source::SourceFile;

use promaudit_lint::suppress::REASON_PLACEHOLDER;

/// The fix for a diagnostic inside a rule of a YAML file; `None` elsewhere (JSON has no comments).
pub fn suppression(file: &SourceFile, diagnostic: &Diagnostic) -> Option<Fix> {
    let extension = file.path.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
    if !matches!(extension.as_str(), "yml" | "yaml" | "rules") {
        return None;
    }
    let extraction = promaudit_source::extract(file);
    let rule = extraction
        .artifacts
        .iter()
        .filter_map(|a| match a {
            Artifact::RuleFile(rules) => Some(rules),
            _ => None,
        })
        .flat_map(|rules| rules.groups.iter().flat_map(|g| &g.rules))
        .find(|rule| rule.span.start <= diagnostic.span.start && diagnostic.span.start <= rule.span.end)?;
    let line_start = file.lines.line_start(file.lines.line_of(rule.span.start));
    let indentation: String = file.text[line_start..].chars().take_while(|c| *c == ' ').collect();
    let comment = format!("{indentation}# promaudit: ignore[{}] {REASON_PLACEHOLDER}\n", diagnostic.code);
    Some(Fix::new(format!("Suppress `{}` for this rule, with a reason", diagnostic.code), vec![Edit::insert(line_start, comment)]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use promaudit_diagnostics::{Severity, Span};

    #[test]
    fn the_comment_goes_above_the_rule_item_at_its_indentation() {
        let text = "groups:\n- name: a\n  rules:\n  - alert: A\n    expr: up == 0\n  - alert: B\n    expr: irate(x[5m]) > 1\n";
        let file = SourceFile::new("alerts.yml", text);
        let at = text.find("irate").unwrap();
        let diagnostic = Diagnostic::new("functions/irate-in-alert", Severity::Warning, Span::new(at, at + 5), "m");
        let fixed = suppression(&file, &diagnostic).unwrap().apply(text);
        assert_eq!(fixed, text.replace("  - alert: B\n", "  # promaudit: ignore[functions/irate-in-alert] TODO: why this is fine\n  - alert: B\n"));
    }

    #[test]
    fn the_inserted_comment_asks_for_its_reason_then_hides_the_finding() {
        let text = "groups:\n- name: a\n  rules:\n  - alert: Flappy\n    expr: irate(x_total[5m]) > 1\n    labels: {severity: page}\n    annotations: {summary: s}\n";
        let checker = promaudit_lint::Checker::default();
        let codes = |text: &str| -> Vec<&'static str> { promaudit_lint::check_source(SourceFile::new("alerts.yml", text), &checker).diagnostics.iter().map(|d| d.code).collect() };
        let report = promaudit_lint::check_source(SourceFile::new("alerts.yml", text), &checker);
        let irate = report.diagnostics.iter().find(|d| d.code == "functions/irate-in-alert").expect("the irate finding");
        let inserted = suppression(&report.file, irate).unwrap().apply(text);
        // Until the placeholder is replaced, the suppression is reported and hides nothing.
        assert_eq!(codes(&inserted), ["suppression/malformed", "functions/irate-in-alert"]);
        let explained = inserted.replace(REASON_PLACEHOLDER, "a one-sample spike is the incident here");
        assert_eq!(codes(&explained), Vec::<&str>::new());
    }

    #[test]
    fn json_files_get_no_suppression() {
        let file = SourceFile::new("d.json", "{}");
        assert_eq!(suppression(&file, &Diagnostic::new("x/y", Severity::Warning, Span::empty(0), "m")), None);
    }
}
