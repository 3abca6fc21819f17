use crate::context::FileContext;
use crate::declare_rule;
use crate::registry::{Rule, RuleMeta};
use promaudit_diagnostics::Diagnostic;

declare_rule! {
    /// ## What it finds
    /// A `.promaudit.yaml` that cannot be used as it is: invalid YAML, an unknown key, a value of
    /// the wrong kind, a rule code that does not exist, a bad glob, or a secret written into the
    /// file (`token:` instead of `token_env:`).
    ///
    /// ## Why it matters
    /// A configuration that is silently half-applied is worse than none: a misspelled
    /// `units/missmatch: off` would leave the rule on while its author thinks it is off, and a
    /// token committed to the repository is a leaked token. promaudit stops (exit status 2)
    /// instead of checking with a configuration nobody wrote.
    ///
    /// ## Example
    /// ```yaml
    /// rules:
    ///   units/missmatch: off
    /// prometheus:
    ///   token: s3cr3t
    /// ```
    ///
    /// ## Fix
    /// Use the codes `promaudit rules` lists, and name environment variables for credentials:
    /// ```yaml
    /// rules:
    ///   units/mismatch: off
    /// prometheus:
    ///   token_env: PROMETHEUS_TOKEN
    /// ```
    /// Editors validate the file with the JSON Schema in `docs/promaudit.schema.json`.
    pub ConfigInvalid {
        code: "config/invalid",
        category: Correctness,
        severity: Error,
        summary: "The configuration file has an error",
    }
}

impl Rule for ConfigInvalid {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    /// Reported when the configuration is read ([`crate::config::Config::parse`]), not per file.
    fn check(&self, _: &FileContext, _: &mut Vec<Diagnostic>) {}
}

#[cfg(test)]
mod tests {
    use crate::config::Config;
    use crate::testing::render;

    fn errors(text: &str) -> String {
        render(".promaudit.yaml", text, &Config::parse(text, "/repo".into()).expect_err("the configuration is invalid"))
    }

    #[test]
    fn unknown_keys_codes_and_values() {
        insta::assert_snapshot!(errors("rules:\n  units/missmatch: off\n  naming: loud\n  style: info\noverides: []\nalerts:\n  severities: critical\ncardinality:\n  series_limit: many\nfail_on: fatal\n"));
    }

    #[test]
    fn secrets_and_globs() {
        insta::assert_snapshot!(errors("prometheus:\n  url: http://localhost:9090\n  token: \"s3cr3t\"\noverrides:\n  - paths: [\"legacy/[a-\"]\n    rules: {alerts: off}\n  - rules: {style: off}\n"));
    }

    #[test]
    fn yaml_errors_have_their_position() {
        insta::assert_snapshot!(errors("rules:\n  units/mismatch: off\n    naming: off\n"));
    }
}
