use crate::context::FileContext;
use crate::declare_rule;
use crate::registry::{Rule, RuleMeta};
use crate::fixes::list_item_removal;
use promaudit_diagnostics::{Diagnostic, Edit, Fix};
use promql_parser::parser::token::{self, TokenId};
use promql_parser::parser::{Expr, LabelModifier, VectorMatchCardinality};

declare_rule! {
    /// ## What it finds
    /// Binary operations whose `on(…)` lists a label one side never carries while the other
    /// always does, and
    /// `group_left(…)`/`group_right(…)` copying a label the other side never carries. What a side
    /// carries comes from the catalog and from the expression itself (`sum by (a)` keeps only `a`).
    ///
    /// ## Why it matters
    /// Series are matched on the listed labels. A label one side lacks is empty there and set on
    /// the other side, so no pair ever matches: the result is always empty, and an alert built on
    /// it can never fire. `unless` then never excludes anything, and `or` adds every right-hand
    /// series, even those the left-hand side already covers.
    ///
    /// ## Example
    /// ```yaml
    /// expr: kube_deployment_status_replicas == kube_deployment_spec_replicas
    ///   and on(deployment) rate(inference_requests_total[5m]) > 10
    /// ```
    /// when `inference_requests_total` carries `pod` and `model_id` but no `deployment`.
    ///
    /// ## Fix
    /// Match on labels both sides have, or give the other side the label first, e.g. with
    /// `label_replace(…, "deployment", "$1", "model_id", "(.+)")` or a join with an info metric.
    pub JoinMissingLabel {
        code: "join/missing-label",
        category: Correctness,
        severity: Error,
        summary: "`on(…)` or `group_left(…)` names a label one side never has",
        fix: "removes the label from `on(…)` (when others remain) or from `group_left(…)`/`group_right(…)`",
    }
}

impl Rule for JoinMissingLabel {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &FileContext, out: &mut Vec<Diagnostic>) {
        for (query, parsed) in cx.parsed_queries() {
            parsed.walk(&mut |visit| {
                let Expr::Binary(binary) = visit.expr else { return };
                let Some(modifier) = &binary.modifier else { return };
                let sides = [("left-hand", cx.labels(query, &binary.lhs)), ("right-hand", cx.labels(query, &binary.rhs))];
                if let (Some(LabelModifier::Include(on)), Some(clause)) = (&modifier.matching, &visit.spans.grouping) {
                    let spans: Vec<_> = clause.labels.iter().map(|(_, s)| *s).collect();
                    for (index, (label, span)) in on.labels.iter().zip(spans.iter().copied()).enumerate() {
                        for (at, (side, labels)) in sides.iter().enumerate() {
                            // A missing label is empty: absent on both sides, it still matches.
                            if labels.lacks(label) && sides[1 - at].1.certain.contains(label) {
                                let diagnostic = Self::META
                                    .diagnostic(query.file_span(span), format!("the {side} side never has the label `{label}`, so `on(…)` matches nothing: {}", unmatched_consequence(binary.op.id())))
                                    .with_help(format!("match on labels both sides carry, or add `{label}` to the {side} side (label_replace, or a join with an info metric)"));
                                // Emptying `on()` would match on no label at all: not a mechanical fix.
                                out.push(if spans.len() > 1 {
                                    let removal = query.file_span(list_item_removal(&spans, index));
                                    diagnostic.with_fix(Fix::new(format!("Remove `{label}` from `on(…)`"), vec![Edit::delete(removal)]))
                                } else {
                                    diagnostic
                                });
                            }
                        }
                    }
                }
                let (included, one_side) = match &modifier.card {
                    VectorMatchCardinality::ManyToOne(labels) => (labels, &sides[1]),
                    VectorMatchCardinality::OneToMany(labels) => (labels, &sides[0]),
                    _ => return,
                };
                let Some(clause) = &visit.spans.group_modifier else { return };
                let spans: Vec<_> = clause.labels.iter().map(|(_, s)| *s).collect();
                for (index, (label, span)) in included.labels.iter().zip(spans.iter().copied()).enumerate() {
                    // `group_left(__name__)` is an idiom for keeping the name; missing, it is a no-op.
                    if label != "__name__" && one_side.1.lacks(label) {
                        let removal = query.file_span(list_item_removal(&spans, index));
                        out.push(
                            Self::META
                                .diagnostic(query.file_span(span), format!("`{label}` is copied from the {} side, which never has it: the result gets no `{label}`", one_side.0))
                                .with_fix(Fix::new(format!("Stop copying `{label}`"), vec![Edit::delete(removal)])),
                        );
                    }
                }
            });
        }
    }
}

/// What an operator's result becomes when its matching pairs no series.
pub(super) fn unmatched_consequence(op: TokenId) -> &'static str {
    match op {
        token::T_LUNLESS => "nothing is ever excluded, and the left-hand side passes unchanged",
        token::T_LOR => "`or` adds every right-hand series, even those the left-hand side already covers",
        // `and`, arithmetic and comparisons keep only matched pairs.
        _ => "the result is always empty",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{fixed, snapshot, snapshot_with_catalog};

    const CATALOG: &str = "# TYPE requests_total counter\nrequests_total{model_id=\"a\",pod=\"p\"} 1\n# TYPE kube_deployment_status_replicas gauge\nkube_deployment_status_replicas{deployment=\"d\",namespace=\"n\"} 1\n";

    #[test]
    fn the_right_hand_side_lacks_the_join_label() {
        let text = "groups:\n- name: a\n  rules:\n  - alert: AutoscalingNotWorking\n    expr: kube_deployment_status_replicas > 1 and on(deployment) rate(requests_total[5m]) > 10\n";
        insta::assert_snapshot!(snapshot_with_catalog(&JoinMissingLabel, "r.yml", text, CATALOG));
    }

    #[test]
    fn aggregation_drops_the_label_even_without_a_catalog() {
        let text = "groups:\n- name: a\n  rules:\n  - record: a:b:c\n    expr: sum by (job) (x) / on(instance) group_left(team) sum by (instance) (y)\n";
        insta::assert_snapshot!(snapshot(&JoinMissingLabel, "r.yml", text));
    }

    #[test]
    fn a_label_absent_on_both_sides_matches() {
        // Prometheus treats a missing label as empty: `on(env)` pairs series lacking it on both sides.
        let text = "groups:\n- name: a\n  rules:\n  - record: a:b:c\n    expr: sum by (pod) (rate(requests_total[5m])) / on(env, pod) sum by (pod) (rate(requests_total[5m]))\n";
        assert!(snapshot_with_catalog(&JoinMissingLabel, "r.yml", text, CATALOG).is_empty());
    }

    #[test]
    fn each_set_operator_says_its_own_consequence() {
        let text = |op: &str| format!("groups:\n- name: a\n  rules:\n  - alert: A\n    expr: kube_deployment_status_replicas > 1 {op} on(deployment) rate(requests_total[5m]) > 10\n");
        let messages: Vec<String> = ["and", "or", "unless"].iter().map(|op| snapshot_with_catalog(&JoinMissingLabel, "r.yml", &text(op), CATALOG)).collect();
        insta::assert_snapshot!(messages.join("\n"));
    }

    #[test]
    fn labels_both_sides_carry_pass() {
        let text = "groups:\n- name: a\n  rules:\n  - record: a:b:c\n    expr: rate(requests_total[5m]) * on(pod) group_left(model_id) rate(requests_total[5m])\n";
        assert!(snapshot_with_catalog(&JoinMissingLabel, "r.yml", text, CATALOG).is_empty());
    }

    #[test]
    fn fixes_remove_the_label_from_on_and_group_left() {
        let text = |expr: &str| format!("groups:\n- name: a\n  rules:\n  - record: a:b:c\n    expr: {expr}\n");
        let fix = |expr: &str| fixed(&JoinMissingLabel, "r.yml", &text(expr), CATALOG);
        assert_eq!(
            fix("rate(requests_total[5m]) * on(deployment, pod) group_left(namespace, model_id) kube_deployment_status_replicas"),
            text("rate(requests_total[5m]) * on(pod) group_left(namespace) kube_deployment_status_replicas")
        );
        // The only label of `on(…)`: what to match on instead is the author's call.
        assert_eq!(fix("kube_deployment_status_replicas > 1 and on(deployment) rate(requests_total[5m]) > 10"), text("kube_deployment_status_replicas > 1 and on(deployment) rate(requests_total[5m]) > 10"));
    }
}
