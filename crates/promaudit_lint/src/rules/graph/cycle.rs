use crate::context::FileContext;
use crate::declare_rule;
use crate::registry::{Rule, RuleMeta};
use promaudit_diagnostics::{Diagnostic, Severity};

declare_rule! {
    /// ## What it finds
    /// Recording rules that read their own output, directly or through other recording rules,
    /// on one server. Rules of one file, of one configured server, or loaded together by a
    /// promtool test are on one server: a cycle among them is an error. A cycle that exists
    /// only if unrelated files are loaded together is an info: alternative example files are
    /// never loaded together. A Thanos ruler's rule reading its own name through a label filter
    /// (`x{monitor!="global"}`) reads what the servers below it record, not itself, and a rule
    /// reading its own name with `offset` (a running total) asks for its earlier value on purpose.
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
        if cx.project.cycles.is_empty() && cx.project.cycles_if_loaded_together.is_empty() {
            return;
        }
        for group in cx.rule_files().flat_map(|f| &f.groups) {
            let scope = cx.scope_of(group);
            let cycles = cx.project.cycles.get(&scope);
            for rule in &group.rules {
                let Some(record) = rule.record.as_ref().filter(|_| rule.alert.is_none()) else { continue };
                let path = |cycle: &[String]| cycle.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(" → ");
                // Of several rules recording one name, only those reading the next series of the
                // cycle are on it.
                let on_cycle = |cycle: &&Vec<String>| cycle.get(1).is_some_and(|next| reads(cx, rule).contains(next.as_str()));
                if let Some(cycle) = cycles.and_then(|c| c.get(&record.value)).filter(on_cycle) {
                    out.push(Self::META.diagnostic(record.span, format!("recording rule `{}` reads its own output: {}", record.value, path(cycle))).with_help("compute it from raw series or from rules upstream of it"));
                } else if let Some(cycle) = cx.project.cycles_if_loaded_together.get(&record.value).filter(on_cycle).filter(|_| matches!(scope, crate::servers::Scope::File(_))) {
                    let mut diagnostic = Self::META
                        .diagnostic(record.span, format!("if the files recording these series are loaded by one server, recording rule `{}` reads its own output: {}", record.value, path(cycle)))
                        .with_help("if they are alternatives, nothing is wrong; if one server loads them, compute one from raw series")
                        .with_note("name the servers in `.promaudit.yaml` (`servers:`) to make this a proof or silence it");
                    diagnostic.severity = Severity::Info;
                    out.push(diagnostic);
                }
            }
        }
    }
}

/// The series names a rule's expression selects.
fn reads<'a>(cx: &'a FileContext, rule: &promaudit_source::artifact::Rule) -> std::collections::HashSet<&'a str> {
    let mut names = std::collections::HashSet::new();
    if let Some((_, parsed)) = rule.expr.as_ref().and_then(|site| cx.parsed_query_of(site)) {
        parsed.walk(&mut |visit| names.extend(crate::context::selector_of(visit.expr).and_then(crate::context::selector_name)));
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::check_project;

    #[test]
    fn cycle_in_one_file_is_proven_and_a_thanos_self_read_is_not_a_cycle() {
        let one = "groups:\n- name: a\n  rules:\n  - record: job:a:sum\n    expr: sum by (job) (job:b:sum)\n  - record: job:b:sum\n    expr: sum by (job) (job:a:sum)\n";
        assert!(check_project(&Cycle, &[("one.yml", one)], "one.yml").contains("error[graph/cycle]"));
        let thanos = "groups:\n- name: global\n  partial_response_strategy: warn\n  rules:\n  - record: job:a:sum\n    expr: sum by (job) (job:a:sum{monitor!=\"global\"})\n";
        let local = "groups:\n- name: local\n  rules:\n  - record: job:a:sum\n    expr: sum by (job) (a_total)\n";
        assert_eq!(check_project(&Cycle, &[("local.yml", local), ("thanos.yml", thanos)], "thanos.yml"), "");
        let two = "groups:\n- name: a\n  rules:\n  - record: job:a:sum\n    expr: sum by (job) (a_total)\n  - record: job:a:sum\n    expr: sum by (job) (job:b:sum)\n  - record: job:b:sum\n    expr: sum by (job) (job:a:sum)\n";
        let found = check_project(&Cycle, &[("two.yml", two)], "two.yml");
        assert!(!found.contains("two.yml:4:") && found.contains("two.yml:6:") && found.contains("two.yml:8:"), "only the rules on the cycle: {found}");
        let slices = "groups:\n- name: a\n  rules:\n  - record: job:a:sum\n    expr: sum by (job) (a_total)\n    labels: {env: staging}\n  - record: job:a:sum\n    expr: sum by (job) (job:a:sum{env=\"staging\"}) * 2\n    labels: {env: prod}\n";
        assert_eq!(check_project(&Cycle, &[("slices.yml", slices)], "slices.yml"), "", "`env=\"staging\"` reads only the staging writer");
        let total = "groups:\n- name: t\n  rules:\n  - record: job:a:total\n    expr: sum_over_time(job:a:sum[30s:1s]) + (job:a:total offset 25s or vector(0))\n";
        assert_eq!(check_project(&Cycle, &[("total.yml", total)], "total.yml"), "", "a running total reads its earlier value on purpose");
        let plain = thanos.replace("  partial_response_strategy: warn\n", "");
        assert!(check_project(&Cycle, &[("plain.yml", &plain)], "plain.yml").contains("error[graph/cycle]"), "on one Prometheus the filter keeps its own output");
    }

    #[test]
    fn cycle_across_files() {
        let a = "groups:\n- name: a\n  rules:\n  - record: job:a:sum\n    expr: sum by (job) (job:b:sum)\n";
        let b = "groups:\n- name: b\n  rules:\n  - record: job:b:sum\n    expr: sum by (job) (job:a:sum) + sum by (job) (x_total)\n  - record: job:c:sum\n    expr: sum by (job) (job:b:sum)\n";
        insta::assert_snapshot!(check_project(&Cycle, &[("a.yml", a), ("b.yml", b)], "b.yml"));
    }
}
