use crate::context::FileContext;
use crate::declare_rule;
use crate::registry::{Rule, RuleMeta};
use promaudit_diagnostics::Diagnostic;
use promaudit_source::artifact::QueryRole;
use promql_parser::parser::value::ValueType;

declare_rule! {
    /// ## What it finds
    /// Alerting and recording rules whose expression is a range vector (`x[5m]`) or a string.
    ///
    /// ## Why it matters
    /// A rule's expression must produce an instant vector or a scalar. Prometheus rejects the file
    /// ("expression must be of type vector or scalar").
    ///
    /// ## Example
    /// ```yaml
    /// - record: job:requests:5m
    ///   expr: http_requests_total[5m]
    /// ```
    ///
    /// ## Fix
    /// Apply a function over the range: `rate(http_requests_total[5m])`.
    pub ExprType {
        code: "rulefmt/expr-type",
        category: Correctness,
        severity: Error,
        summary: "A rule's expression is a range vector or a string",
    }
}

impl Rule for ExprType {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &FileContext, out: &mut Vec<Diagnostic>) {
        for (query, parsed) in cx.parsed_queries() {
            if !matches!(query.site.role, QueryRole::AlertingRule { .. } | QueryRole::RecordingRule { .. } | QueryRole::UnnamedRule) {
                continue;
            }
            let kind = match parsed.expr.value_type() {
                ValueType::Matrix => "a range vector",
                ValueType::String => "a string",
                ValueType::Vector | ValueType::Scalar => continue,
            };
            let span = query.file_span(parsed.root_span());
            out.push(
                Self::META
                    .diagnostic(span, format!("{} evaluates to {kind}; a rule needs an instant vector or a scalar", query.site.role.describe()))
                    .with_help("apply a function over the range, such as `rate(…)` or `max_over_time(…)`"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::snapshot;

    #[test]
    fn range_vector() {
        insta::assert_snapshot!(snapshot(&ExprType, "r.yml", "groups:\n- name: a\n  rules:\n  - record: job:r:5m\n    expr: http_requests_total[5m]\n"));
    }

    #[test]
    fn instant_vector_and_scalar() {
        assert!(snapshot(&ExprType, "r.yml", "groups:\n- name: a\n  rules:\n  - record: a:b:c\n    expr: rate(x[5m])\n  - record: a:b:d\n    expr: 1\n").is_empty());
    }
}
