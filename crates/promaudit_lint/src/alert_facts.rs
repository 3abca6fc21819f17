//! What alerts tell about each other across files: the jobs whose disappearance some alert
//! notices, and the static labels Alertmanager routes each alert by.

use crate::parse_cache::ParseCache;
use promaudit_source::artifact::RuleFile;
use promql_parser::label::{MatchOp, Matcher};
use promql_parser::parser::{token, Expr};

/// An alert as Alertmanager routes it: its name and its static `labels:`, sorted (templated
/// values left out, as their values are not known).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AlertLabels {
    pub name: String,
    pub labels: Vec<(String, String)>,
}

/// The alerts of a rule file and their static labels.
pub fn alert_labels(rules: &RuleFile) -> impl Iterator<Item = AlertLabels> + '_ {
    rules
        .groups
        .iter()
        .flat_map(|g| &g.rules)
        .filter(|r| r.record.is_none())
        .filter_map(|rule| {
            let mut labels: Vec<_> = rule
                .labels
                .iter()
                .filter(|(_, value)| !value.value.contains("{{"))
                .map(|(name, value)| (name.value.clone(), value.value.clone()))
                .collect();
            labels.sort_unstable();
            Some(AlertLabels {
                name: rule.alert.as_ref()?.value.clone(),
                labels,
            })
        })
}

/// The `job` matchers of the series whose disappearance the alerts of a rule file notice.
pub fn absence_watches_of<'a>(
    rules: &'a RuleFile,
    cache: &'a ParseCache,
) -> impl Iterator<Item = Matcher> + 'a {
    rules
        .groups
        .iter()
        .flat_map(|g| &g.rules)
        .filter(|r| r.alert.is_some())
        .flat_map(|rule| {
            let outcome = rule
                .expr
                .as_ref()
                .map(|expr| cache.parse(&expr.query.value));
            outcome
                .and_then(|o| {
                    o.as_ref()
                        .as_ref()
                        .ok()
                        .map(|parsed| absence_watches(&parsed.expr))
                })
                .unwrap_or_default()
        })
}

/// The `job` matchers of the selectors whose absence `expr` turns into a sample: those under
/// `absent()` and `absent_over_time()`, those on the right of `unless` (what is expected
/// unless it is up), and those beside a fallback of `or` (`(count(up{job="api"}) or
/// vector(0)) == 0`, `up{job="api"} or last_over_time(up{job="api"}[12h]) * 0`). A bare `count(up{job="api"}) == 0` is no
/// such alert: `count` of nothing is nothing, not 0.
pub fn absence_watches(expr: &Expr) -> Vec<Matcher> {
    let mut found = Vec::new();
    let mut stack = vec![(expr, false)];
    while let Some((node, watched)) = stack.pop() {
        if let Some(selector) = crate::context::selector_of(node).filter(|_| watched) {
            found.extend(
                selector
                    .matchers
                    .matchers
                    .iter()
                    .filter(|m| m.name == "job" && matches!(m.op, MatchOp::Equal | MatchOp::Re(_)))
                    .cloned(),
            );
        }
        let watches = watched
            || matches!(node, Expr::Call(call) if matches!(call.func.name, "absent" | "absent_over_time"))
            || has_vector_fallback(node);
        match node {
            // `expected unless on (cluster) up{job="kubelet"} == 1`: what is expected but not up.
            Expr::Binary(binary) if binary.op.id() == token::T_LUNLESS => {
                stack.extend([(binary.lhs.as_ref(), watches), (binary.rhs.as_ref(), true)])
            }
            _ => stack.extend(
                promaudit_promql::children(node)
                    .into_iter()
                    .map(|child| (child, watches)),
            ),
        }
    }
    found
}

/// `x or vector(…)`, `x or last_over_time(x[12h]) * 0`: the expression yields a sample when
/// `x` has none, a constant or what the series were lately.
fn has_vector_fallback(expr: &Expr) -> bool {
    let Expr::Binary(binary) = expr else {
        return false;
    };
    binary.op.id() == token::T_LOR && is_fallback(&binary.rhs)
}

fn is_fallback(expr: &Expr) -> bool {
    promaudit_promql::descendants(expr).any(|node| matches!(node, Expr::Call(call) if call.func.name == "vector" || call.func.name.ends_with("_over_time")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn watched(query: &str) -> Vec<String> {
        let expr = promql_parser::parser::parse(query).expect("the test's query parses");
        absence_watches(&expr)
            .iter()
            .map(|m| m.value.clone())
            .collect()
    }

    #[test]
    fn absence_is_noticed_by_absent_and_vector_fallbacks_only() {
        assert_eq!(watched(r#"absent(up{job="api"} == 1)"#), ["api"]);
        assert_eq!(
            watched(r#"absent_over_time(http_requests_total{job=~"api|web"}[5m])"#),
            ["api|web"]
        );
        assert_eq!(
            watched(r#"(count(up{job="api"}) or vector(0)) == 0"#),
            ["api"]
        );
        assert_eq!(
            watched(
                r#"count by (cluster) (kube_node_info) unless on (cluster) count by (cluster) (up{job="kubelet"} == 1)"#
            ),
            ["kubelet"]
        );
        assert_eq!(
            watched(r#"sum(up{job="p"} or (last_over_time(up{job="p"}[12h]) * 0)) < 1"#),
            ["p", "p"]
        );
        assert!(watched(r#"count(up{job="api"}) == 0"#).is_empty());
        assert!(watched(r#"up{job="api"} == 0 or up{job="web"} == 0"#).is_empty());
        assert!(watched(r#"up{job="api"} == 0"#).is_empty());
        assert!(watched("absent(up)").is_empty());
    }
}
