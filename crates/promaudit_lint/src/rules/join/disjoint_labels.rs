use super::missing_label::unmatched_consequence;
use crate::context::{selector_name, selector_of, CheckedQuery, FileContext};
use crate::declare_rule;
use crate::registry::{Rule, RuleMeta};
use crate::rules::catalog::missing_label::{evidence, location};
use promaudit_diagnostics::Diagnostic;
use promaudit_semantic::{LabelSet, MetricFacts};
use promql_parser::label::METRIC_NAME;
use promql_parser::parser::value::ValueType;
use promql_parser::parser::{token, BinaryExpr, Expr, LabelModifier};
use std::collections::BTreeSet;

declare_rule! {
    /// ## What it finds
    /// Binary operations and `and`/`unless` without `on(…)` whose sides cannot agree on every
    /// label: one side always carries a label the other never has. Such as
    /// `sum by (job) (a) / sum by (instance) (b)`, or `up{job="api"} == 0 and sum(maintenance) == 0`,
    /// whose right-hand side has no labels at all. What a side carries comes from the expression
    /// (matchers, aggregations) and from closed evidence: a catalog's samples, a recording rule.
    ///
    /// ## Why it matters
    /// Without `on(…)`, series match only when all their labels are equal (but those
    /// `ignoring(…)` lists). A label set on one side and missing (empty) on the other means no
    /// pair ever matches: a ratio is always empty, an alert built on `and` can never fire, and
    /// `unless` never excludes anything.
    ///
    /// ## Example
    /// ```yaml
    /// expr: up{job="api"} == 0 and sum(maintenance_mode) == 0
    /// ```
    ///
    /// ## Fix
    /// To test whether a label-less side has any series at all, match on no label:
    /// `and on() sum(maintenance_mode) == 0`. Otherwise aggregate both sides by the same labels,
    /// or say which labels to match with `on(…)`.
    pub DisjointLabels {
        code: "join/disjoint-labels",
        category: Correctness,
        severity: Error,
        summary: "Vector matching without `on(…)` between label sets that cannot be equal",
    }
}

const SIDES: [&str; 2] = ["left-hand", "right-hand"];

impl Rule for DisjointLabels {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &FileContext, out: &mut Vec<Diagnostic>) {
        for (query, parsed) in cx.parsed_queries() {
            parsed.walk(&mut |visit| {
                let Expr::Binary(binary) = visit.expr else { return };
                let Some(ignored) = ignored_labels(binary) else { return };
                let operands = [binary.lhs.as_ref(), binary.rhs.as_ref()];
                if operands.iter().any(|side| side.value_type() != ValueType::Vector) {
                    return;
                }
                let sides = operands.map(|side| cx.labels(query, side));
                let Some((labels, with)) = unmatchable(&sides, &ignored) else { return };
                let exact = sides.map(|side| exact(side, &ignored));
                let situation = match &exact {
                    [Some(lhs), Some(rhs)] => format!("the left-hand side has {} and the right-hand side {}", describe(lhs), describe(rhs)),
                    _ => {
                        let other = if exact[1 - with].as_ref().is_some_and(BTreeSet::is_empty) { "has no labels" } else { "never does" };
                        let listed: Vec<String> = labels.iter().map(|label| format!("`{label}`")).collect();
                        format!("the {} side always has {} and the {} side {other}", SIDES[with], listed.join(", "), SIDES[1 - with])
                    }
                };
                let matching = if ignored.len() > 1 { "matched on every label but those ignored" } else { "without `on(…)`" };
                let message = format!("{situation}: {matching}, no series ever match, so {}", unmatched_consequence(binary.op.id()));
                let span = query.file_span(visit.spans.op.unwrap_or(visit.spans.node));
                let diagnostic = Self::META.diagnostic(span, message).with_help(help(binary, &exact));
                out.push(match closed_evidence(cx, query, operands, &labels[0], with) {
                    Some(note) => diagnostic.with_note(note),
                    None => diagnostic,
                });
            });
        }
    }
}

/// The labels one-to-one matching ignores: the name, and what `ignoring(…)` lists. `None` when
/// `on(…)` names the labels (join/missing-label's case) and for `or`, which keeps both sides.
fn ignored_labels(binary: &BinaryExpr) -> Option<BTreeSet<String>> {
    if binary.op.id() == token::T_LOR {
        return None;
    }
    let mut ignored = BTreeSet::from([METRIC_NAME.to_string()]);
    match binary.modifier.as_ref().and_then(|m| m.matching.as_ref()) {
        Some(LabelModifier::Include(_)) => return None,
        Some(LabelModifier::Exclude(labels)) => ignored.extend(labels.labels.iter().cloned()),
        None => {}
    }
    Some(ignored)
}

/// The matched labels one side always carries and the other never does, with the side carrying them.
fn unmatchable(sides: &[LabelSet; 2], ignored: &BTreeSet<String>) -> Option<(Vec<String>, usize)> {
    (0..2).find_map(|with| {
        let labels: Vec<String> = sides[with].certain.iter().filter(|label| !ignored.contains(*label) && sides[1 - with].lacks(label)).cloned().collect();
        (!labels.is_empty()).then_some((labels, with))
    })
}

/// The matched labels of a side when known exactly.
fn exact(set: LabelSet, ignored: &BTreeSet<String>) -> Option<BTreeSet<String>> {
    set.is_exact().then(|| set.certain.difference(ignored).cloned().collect())
}

fn describe(set: &BTreeSet<String>) -> String {
    if set.is_empty() {
        "no labels".to_string()
    } else {
        format!("({})", set.iter().cloned().collect::<Vec<_>>().join(", "))
    }
}

fn help(binary: &BinaryExpr, exact: &[Option<BTreeSet<String>>; 2]) -> String {
    let op = binary.op.to_string();
    if let Some(empty) = (0..2).find(|&at| exact[at].as_ref().is_some_and(BTreeSet::is_empty)) {
        return match binary.op.id() {
            token::T_LAND | token::T_LUNLESS => format!("to test whether the {} side has any series at all, write `{op} on() …`; or aggregate both sides by the same labels", SIDES[empty]),
            _ => {
                let group = if empty == 1 { "group_left" } else { "group_right" };
                format!("to apply the {} side's single value to every series, write `{op} on() {group} …`; or aggregate both sides by the same labels", SIDES[empty])
            }
        };
    }
    let shared: Vec<String> = match exact {
        [Some(lhs), Some(rhs)] => lhs.intersection(rhs).cloned().collect(),
        _ => Vec::new(),
    };
    if shared.is_empty() {
        "aggregate both sides by the same labels, or match on labels both carry with `on(…)`".to_string()
    } else {
        format!("match on the shared labels: `on({})`, or aggregate both sides alike", shared.join(", "))
    }
}

/// What the proof takes from outside the expression: the catalog samples or recording rules
/// that show `label` on every series of side `with` and on none of the other. `None` when the
/// expression's shape alone proves it (`sum(…)` keeps no label, a matcher sets one).
fn closed_evidence(cx: &FileContext, query: &CheckedQuery, operands: [&Expr; 2], label: &str, with: usize) -> Option<String> {
    let shape = |side: &Expr| promaudit_semantic::infer_labels(side, &promaudit_catalog::Catalog::new());
    let mut facts = Vec::new();
    if !shape(operands[with]).certain.contains(label) {
        let carrier = metric_names(operands[with]).find(|name| cx.catalog.always_labels(name).contains(label));
        let family = carrier.and_then(|name| Some((name, cx.catalog.resolve_series_name(name)?.0)));
        facts.extend(family.map(|(name, family)| format!("every sample of `{name}` in the catalog ({}) carries `{label}`", location(&family.origin))));
    }
    if !shape(operands[1 - with]).lacks(label) {
        let seen = cx.seen_from(query.site);
        let lacking = metric_names(operands[1 - with]).find(|name| seen.labels_of(name).is_some_and(|labels| !labels.contains(label)));
        let family = lacking.and_then(|name| Some((name, cx.catalog.resolve_series_name(name)?.0)));
        facts.extend(family.map(|(name, family)| format!("`{name}` has no `{label}` label{}", evidence(&family.origin))));
    }
    (!facts.is_empty()).then(|| facts.join("; "))
}

fn metric_names(expr: &Expr) -> impl Iterator<Item = &str> {
    promaudit_promql::descendants(expr).filter_map(selector_of).filter_map(selector_name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{snapshot, snapshot_with_catalog};

    #[test]
    fn differently_aggregated_sides() {
        insta::assert_snapshot!(snapshot(&DisjointLabels, "r.yml", "groups:\n- name: a\n  rules:\n  - record: job:err:ratio\n    expr: sum by (job) (rate(e[5m])) / sum by (job, instance) (rate(r[5m]))\n"));
    }

    #[test]
    fn matching_aggregations_and_explicit_on_pass() {
        let text = "groups:\n- name: a\n  rules:\n  - record: a:b:c\n    expr: sum by (job) (rate(e[5m])) / sum by (job) (rate(r[5m]))\n  - record: a:b:d\n    expr: sum by (job) (e) / on(job) sum by (job, instance) (r)\n  - record: a:b:e\n    expr: sum(e) / sum(r)\n";
        assert!(snapshot(&DisjointLabels, "r.yml", text).is_empty());
    }

    #[test]
    fn set_operators_against_a_side_without_labels() {
        let text = |expr: &str| format!("groups:\n- name: a\n  rules:\n  - alert: A\n    expr: {expr}\n");
        let exprs = ["up{job=\"api\"} == 0 and sum(maintenance_mode) == 0", "up{job=\"api\"} == 0 unless sum(maintenance_mode) == 0", "sum(maintenance_mode) * up{job=\"api\"} > 0"];
        let messages: Vec<String> = exprs.iter().map(|expr| snapshot(&DisjointLabels, "r.yml", &text(expr))).collect();
        insta::assert_snapshot!(messages.join("\n"));
    }

    #[test]
    fn matching_on_no_label_or_either_side_passes() {
        let text = "groups:\n- name: a\n  rules:\n  - alert: A\n    expr: up{job=\"api\"} == 0 and on() sum(maintenance_mode) == 0\n  - alert: B\n    expr: up{job=\"api\"} == 0 or sum(maintenance_mode) == 0\n  - alert: C\n    expr: errs_a and errs_b\n";
        assert!(snapshot(&DisjointLabels, "r.yml", text).is_empty());
    }

    #[test]
    fn a_label_only_the_catalog_shows_on_one_side() {
        let catalog = "# TYPE foo gauge\nfoo{extra=\"a\"} 1\n# TYPE bar gauge\nbar 1\n";
        let text = |expr: &str| format!("groups:\n- name: a\n  rules:\n  - record: a:b:c\n    expr: {expr}\n");
        insta::assert_snapshot!(snapshot_with_catalog(&DisjointLabels, "r.yml", &text("foo / bar"), catalog));
        // Ignoring the label, or a catalog family without samples, leaves nothing proven.
        assert!(snapshot_with_catalog(&DisjointLabels, "r.yml", &text("foo / ignoring(extra) bar"), catalog).is_empty());
        assert!(snapshot_with_catalog(&DisjointLabels, "r.yml", &text("foo / bar"), "# TYPE foo gauge\nfoo{extra=\"a\"} 1\n# TYPE bar gauge\n").is_empty());
    }
}
