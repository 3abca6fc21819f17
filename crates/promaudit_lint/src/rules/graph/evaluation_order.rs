use crate::context::{selector_name, selector_of, FileContext};
use crate::declare_rule;
use crate::registry::{Rule, RuleMeta};
use promaudit_diagnostics::Diagnostic;
use std::collections::HashMap;

declare_rule! {
    /// ## What it finds
    /// A rule reading a recorded series that a later rule of the same group writes.
    ///
    /// ## Why it matters
    /// Rules of a group are evaluated in order, each at the group's timestamp. A rule that reads
    /// a series recorded further down sees the previous evaluation's value: one interval stale,
    /// and absent at the first evaluation after a restart.
    ///
    /// ## Example
    /// ```yaml
    /// rules:
    /// - alert: HighRate
    ///   expr: job:requests:rate5m > 100
    /// - record: job:requests:rate5m
    ///   expr: sum by (job) (rate(requests_total[5m]))
    /// ```
    ///
    /// ## Fix
    /// Move the recording rule above the rules that read it.
    pub EvaluationOrder {
        code: "graph/evaluation-order",
        category: Suspicious,
        severity: Warning,
        summary: "A rule reads a series recorded later in its group",
    }
}

impl Rule for EvaluationOrder {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &FileContext, out: &mut Vec<Diagnostic>) {
        for group in cx.rule_files().flat_map(|f| &f.groups) {
            let written_at: HashMap<&str, usize> = group.rules.iter().enumerate().filter(|(_, r)| r.alert.is_none()).filter_map(|(i, r)| Some((r.record.as_ref()?.value.as_str(), i))).collect();
            for (position, rule) in group.rules.iter().enumerate() {
                let Some(site) = &rule.expr else { continue };
                let Some((query, parsed)) = cx.parsed_query_of(site) else { continue };
                parsed.walk(&mut |visit| {
                    let Some(name) = selector_of(visit.expr).and_then(selector_name) else { return };
                    let Some(&written) = written_at.get(name).filter(|&&w| w > position) else { return };
                    let writer = &group.rules[written];
                    let span = query.file_span(visit.spans.name.unwrap_or(visit.spans.node));
                    let message = format!("`{name}` is recorded by rule {} of this group, after this one (rule {}): it reads the previous evaluation's value", written + 1, position + 1);
                    let diagnostic = Self::META.diagnostic(span, message).with_help("move the recording rule above the rules that read it");
                    out.push(match &writer.record {
                        Some(record) => diagnostic.with_label(record.span, "recorded here"),
                        None => diagnostic,
                    });
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::snapshot;

    #[test]
    fn read_before_written() {
        let text = "groups:\n- name: a\n  rules:\n  - alert: HighRate\n    expr: job:requests:rate5m > 100\n  - record: job:requests:rate5m\n    expr: sum by (job) (rate(requests_total[5m]))\n  - alert: Fine\n    expr: job:requests:rate5m > 100\n";
        insta::assert_snapshot!(snapshot(&EvaluationOrder, "r.yml", text));
    }
}
