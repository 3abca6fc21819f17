use crate::context::FileContext;
use crate::declare_rule;
use crate::registry::{Rule, RuleMeta};
use promaudit_diagnostics::Diagnostic;

declare_rule! {
    /// ## What it finds
    /// Recording rules that read their own output, directly or through other recording rules,
    /// across all checked files.
    ///
    /// ## Why it matters
    /// Each evaluation feeds on the previous one's result: values drift or freeze, and a
    /// restart (with no previous result) changes what the rules compute.
    ///
    /// ## Example
    /// ```yaml
    /// - record: job:requests:rate5m
    ///   expr: sum by (job) (job:requests:rate5m)
    /// ```
    ///
    /// ## Fix
    /// Compute each recorded series from raw series or from rules upstream of it.
    pub Cycle {
        code: "graph/cycle",
        category: Correctness,
        severity: Error,
        summary: "Recording rules depend on each other in a cycle",
    }
}

impl Rule for Cycle {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &FileContext, out: &mut Vec<Diagnostic>) {
        for rule in cx.rule_files().flat_map(|f| &f.groups).flat_map(|g| &g.rules) {
            let Some(record) = rule.record.as_ref().filter(|_| rule.alert.is_none()) else { continue };
            let Some(cycle) = cx.project.cycles.get(&record.value) else { continue };
            let path = cycle.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(" → ");
            out.push(Self::META.diagnostic(record.span, format!("recording rule `{}` reads its own output: {path}", record.value)).with_help("compute it from raw series or from rules upstream of it"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::check_project;

    #[test]
    fn cycle_across_files() {
        let a = "groups:\n- name: a\n  rules:\n  - record: job:a:sum\n    expr: sum by (job) (job:b:sum)\n";
        let b = "groups:\n- name: b\n  rules:\n  - record: job:b:sum\n    expr: sum by (job) (job:a:sum) + sum by (job) (x_total)\n  - record: job:c:sum\n    expr: sum by (job) (job:b:sum)\n";
        insta::assert_snapshot!(check_project(&Cycle, &[("a.yml", a), ("b.yml", b)], "b.yml"));
    }
}
