//! Label-set inference: for every expression, the labels its series certainly carry and the
//! labels they can possibly carry (unbounded when a selector's metric is unknown).

use crate::MetricFacts;
use promql_parser::label::{MatchOp, METRIC_NAME};
use promql_parser::parser::{token, Expr, LabelModifier, VectorMatchCardinality};
use promql_parser::parser::value::ValueType;
use foldhash::{HashMap, HashMapExt};
use std::collections::BTreeSet;

/// `certain ⊆ actual labels ⊆ possible`; `possible: None` means any label may occur, except
/// those in `absent`: labels the expression itself removed (`without (job)`, `ignoring(job)`),
/// absent whatever its input carries.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LabelSet {
    pub certain: BTreeSet<String>,
    pub possible: Option<BTreeSet<String>>,
    pub absent: BTreeSet<String>,
}

impl LabelSet {
    fn exactly(labels: BTreeSet<String>) -> Self {
        LabelSet { certain: labels.clone(), possible: Some(labels), absent: BTreeSet::new() }
    }

    fn unknown_with(certain: BTreeSet<String>) -> Self {
        LabelSet { certain, possible: None, absent: BTreeSet::new() }
    }

    /// No series of this set can carry `label`.
    pub fn lacks(&self, label: &str) -> bool {
        self.absent.contains(label) || self.possible.as_ref().is_some_and(|p| !p.contains(label))
    }

    pub fn is_exact(&self) -> bool {
        self.possible.as_ref().is_some_and(|p| *p == self.certain)
    }

    fn keep(&self, labels: &BTreeSet<String>) -> Self {
        LabelSet {
            certain: self.certain.intersection(labels).cloned().collect(),
            possible: Some(match &self.possible {
                Some(p) => p.intersection(labels).cloned().collect(),
                None => labels.difference(&self.absent).cloned().collect(),
            }),
            absent: BTreeSet::new(),
        }
    }

    fn drop(&self, labels: &BTreeSet<String>) -> Self {
        LabelSet {
            certain: self.certain.difference(labels).cloned().collect(),
            possible: self.possible.as_ref().map(|p| p.difference(labels).cloned().collect()),
            absent: self.absent.union(labels).cloned().collect(),
        }
    }

    fn add(&self, label: &str) -> Self {
        let mut out = self.clone();
        out.absent.remove(label);
        out.certain.insert(label.to_string());
        if let Some(p) = out.possible.as_mut() {
            p.insert(label.to_string());
        }
        out
    }

    fn union(&self, other: &LabelSet) -> Self {
        LabelSet {
            certain: self.certain.intersection(&other.certain).cloned().collect(),
            possible: match (&self.possible, &other.possible) {
                (Some(a), Some(b)) => Some(a.union(b).cloned().collect()),
                _ => None,
            },
            absent: self.absent.intersection(&other.absent).cloned().collect(),
        }
    }

    fn without_name(&self) -> Self {
        self.drop(&BTreeSet::from([METRIC_NAME.to_string()]))
    }
}

fn names(labels: &promql_parser::label::Labels) -> BTreeSet<String> {
    labels.labels.iter().cloned().collect()
}

/// The labels of `expr`'s result. Scalars and strings have none.
pub fn infer_labels(expr: &Expr, facts: &dyn MetricFacts) -> LabelSet {
    infer_all_labels(expr, facts).of(expr).cloned().unwrap_or_default()
}

/// The labels of every sub-expression of one parsed query.
pub struct LabelFacts {
    by_node: HashMap<*const Expr, Node>,
}

/// One node's labels and whether it is a scalar, which its parents' labels depend on.
struct Node {
    labels: LabelSet,
    scalar: bool,
}

impl LabelFacts {
    /// The labels of `expr`, a node of the expression the facts were inferred over.
    pub fn of(&self, expr: &Expr) -> Option<&LabelSet> {
        self.by_node.get(&(expr as *const Expr)).map(|node| &node.labels)
    }
}

/// Infers the labels of `expr` and of every node below it, bottom-up, once: asking each node's
/// parents separately would redo the whole subtree per ancestor, cubic on long `or` chains.
pub fn infer_all_labels(expr: &Expr, facts: &dyn MetricFacts) -> LabelFacts {
    let mut inference = Inference { facts, by_node: HashMap::new() };
    inference.infer(expr);
    LabelFacts { by_node: inference.by_node }
}

struct Inference<'a> {
    facts: &'a dyn MetricFacts,
    by_node: HashMap<*const Expr, Node>,
}

impl Inference<'_> {
    fn infer(&mut self, expr: &Expr) -> &Node {
        let node = match expr {
            Expr::VectorSelector(vs) => Node { labels: selector_labels(vs, self.facts), scalar: false },
            Expr::MatrixSelector(ms) => Node { labels: selector_labels(&ms.vs, self.facts), scalar: false },
            Expr::Paren(p) => self.same_as(&p.expr),
            Expr::Subquery(s) => Node { labels: self.labels(&s.expr), scalar: false },
            Expr::Unary(u) => {
                let inner = self.infer(&u.expr);
                Node { labels: inner.labels.without_name(), scalar: inner.scalar }
            }
            Expr::NumberLiteral(_) => Node { labels: LabelSet::exactly(BTreeSet::new()), scalar: true },
            Expr::StringLiteral(_) | Expr::Extension(_) => Node { labels: LabelSet::exactly(BTreeSet::new()), scalar: false },
            Expr::Aggregate(agg) => Node { labels: self.aggregate(agg), scalar: false },
            Expr::Call(call) => Node { labels: self.call(call), scalar: call.func.return_type == ValueType::Scalar },
            Expr::Binary(binary) => self.binary(binary),
        };
        self.by_node.entry(expr as *const Expr).insert_entry(node).into_mut()
    }

    fn labels(&mut self, expr: &Expr) -> LabelSet {
        self.infer(expr).labels.clone()
    }

    fn same_as(&mut self, expr: &Expr) -> Node {
        let inner = self.infer(expr);
        Node { labels: inner.labels.clone(), scalar: inner.scalar }
    }
}

fn selector_labels(vs: &promql_parser::parser::VectorSelector, facts: &dyn MetricFacts) -> LabelSet {
    // A matcher that cannot match the empty string proves the label is present.
    let proven: BTreeSet<String> = vs
        .matchers
        .matchers
        .iter()
        .filter(|m| match &m.op {
            MatchOp::Equal => !m.value.is_empty(),
            MatchOp::Re(re) => !re.is_match(""),
            _ => false,
        })
        .map(|m| m.name.clone())
        .collect();
    let name = vs.name.clone().or_else(|| vs.matchers.matchers.iter().find(|m| m.name == METRIC_NAME && m.op == MatchOp::Equal).map(|m| m.value.clone()));
    // Prometheus attaches `job` and `instance` to every scraped series; recorded series (named
    // with a colon) keep only what their rule kept.
    let mut proven = proven;
    if let Some(name) = name.as_deref() {
        if !name.contains(':') {
            proven.extend(["job".to_string(), "instance".to_string()]);
        }
        proven.extend(facts.always_labels_of(name));
    }
    let mut set = match name.as_deref().and_then(|n| facts.labels_of(n)) {
        Some(mut known) => {
            known.extend(proven.iter().cloned());
            LabelSet::exactly(known).keep_proven(&proven)
        }
        None => LabelSet::unknown_with(proven),
    };
    set = set.add(METRIC_NAME);
    set
}

impl LabelSet {
    /// Labels of a known metric are possible, but only matched ones are certain: a family's
    /// series need not all carry every label.
    fn keep_proven(mut self, proven: &BTreeSet<String>) -> Self {
        self.certain = proven.clone();
        self
    }
}

impl Inference<'_> {
    fn aggregate(&mut self, agg: &promql_parser::parser::AggregateExpr) -> LabelSet {
        if let Some(param) = &agg.param {
            self.infer(param);
        }
        let input = self.labels(&agg.expr);
        // topk, bottomk and limitk select series; they keep all their labels.
        if matches!(agg.op.id(), token::T_TOPK | token::T_BOTTOMK | token::T_LIMITK | token::T_LIMIT_RATIO) {
            return input;
        }
        let grouped = match &agg.modifier {
            Some(LabelModifier::Include(labels)) => input.keep(&names(labels)),
            Some(LabelModifier::Exclude(labels)) => input.drop(&names(labels)).without_name(),
            None => LabelSet::exactly(BTreeSet::new()),
        };
        if agg.op.id() == token::T_COUNT_VALUES {
            if let Some(Expr::StringLiteral(label)) = agg.param.as_deref() {
                return grouped.add(&label.val);
            }
        }
        grouped
    }

    fn call(&mut self, call: &promql_parser::parser::Call) -> LabelSet {
        let args = &call.args.args;
        for arg in args {
            self.infer(arg);
        }
        // The vector argument: `quantile_over_time(0.5, v)` has a scalar first.
        let vector_arg = args.iter().find(|a| matches!(a.value_type(), ValueType::Vector | ValueType::Matrix));
        let first = vector_arg.map_or_else(LabelSet::default, |a| self.labels(a));
        let string_arg = |i: usize| match args.get(i).map(|a| a.as_ref()) {
            Some(Expr::StringLiteral(s)) => Some(s.val.clone()),
            _ => None,
        };
        match call.func.name {
            "vector" | "scalar" | "time" | "pi" => LabelSet::exactly(BTreeSet::new()),
            // Date functions default to `vector(time())`: no labels without an argument.
            "day_of_month" | "day_of_week" | "day_of_year" | "days_in_month" | "hour" | "minute" | "month" | "year" if args.is_empty() => {
                LabelSet::exactly(BTreeSet::new())
            }
            "label_replace" => match string_arg(1) {
                Some(dst) => first.add(&dst),
                None => first,
            },
            "label_join" => match string_arg(1) {
                Some(dst) => first.add(&dst),
                None => first,
            },
            "histogram_quantile" | "histogram_fraction" => args.last().map_or_else(LabelSet::default, |a| self.labels(a)).drop(&BTreeSet::from(["le".to_string()])).without_name(),
            "absent" | "absent_over_time" => {
                // The result carries the equality matchers' labels, nothing else.
                let equalities = args.first().and_then(|a| selector_of(a)).map(|vs| {
                    vs.matchers.matchers.iter().filter(|m| m.op == MatchOp::Equal && m.name != METRIC_NAME).map(|m| m.name.clone()).collect()
                });
                LabelSet::exactly(equalities.unwrap_or_default())
            }
            "sort" | "sort_desc" | "sort_by_label" | "sort_by_label_desc" | "last_over_time" | "first_over_time" => first,
            _ => first.without_name(),
        }
    }

    fn binary(&mut self, binary: &promql_parser::parser::BinaryExpr) -> Node {
        let Node { labels: lhs, scalar: lhs_scalar } = self.same_as(&binary.lhs);
        let Node { labels: rhs, scalar: rhs_scalar } = self.same_as(&binary.rhs);
        let op = binary.op.id();
        let is_comparison_filter = matches!(op, token::T_EQLC | token::T_NEQ | token::T_LSS | token::T_LTE | token::T_GTR | token::T_GTE)
            && !binary.modifier.as_ref().is_some_and(|m| m.return_bool);
        let drop_name = |set: LabelSet| if is_comparison_filter { set } else { set.without_name() };
        match (lhs_scalar, rhs_scalar) {
            (true, true) => return Node { labels: LabelSet::exactly(BTreeSet::new()), scalar: true },
            (true, false) => return Node { labels: drop_name(rhs), scalar: false },
            (false, true) => return Node { labels: drop_name(lhs), scalar: false },
            (false, false) => {}
        }
        match op {
            token::T_LAND | token::T_LUNLESS => return Node { labels: lhs, scalar: false },
            token::T_LOR => return Node { labels: lhs.union(&rhs), scalar: false },
            _ => {}
        }
        let modifier = binary.modifier.as_ref();
        let result = match modifier.map(|m| &m.card) {
            Some(VectorMatchCardinality::ManyToOne(include)) => with_included(lhs, &rhs, include),
            Some(VectorMatchCardinality::OneToMany(include)) => with_included(rhs, &lhs, include),
            _ => match modifier.and_then(|m| m.matching.as_ref()) {
                Some(LabelModifier::Include(on)) => lhs.keep(&names(on)),
                Some(LabelModifier::Exclude(ignoring)) => lhs.drop(&names(ignoring)),
                None => lhs,
            },
        };
        Node { labels: drop_name(result), scalar: false }
    }
}

fn selector_of(expr: &Expr) -> Option<&promql_parser::parser::VectorSelector> {
    match expr {
        Expr::VectorSelector(vs) => Some(vs),
        Expr::MatrixSelector(ms) => Some(&ms.vs),
        Expr::Paren(p) => selector_of(&p.expr),
        _ => None,
    }
}

/// group_left/group_right: the many side's labels plus the listed labels from the one side.
fn with_included(many: LabelSet, one: &LabelSet, include: &promql_parser::label::Labels) -> LabelSet {
    include.labels.iter().fold(many, |set, label| if one.lacks(label) { set } else { set.add(label) })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    struct Facts(HashMap<&'static str, &'static [&'static str]>);

    impl MetricFacts for Facts {
        fn labels_of(&self, metric: &str) -> Option<BTreeSet<String>> {
            self.0.get(metric).map(|labels| labels.iter().map(|l| l.to_string()).collect())
        }

        fn value_of(&self, _: &str) -> Option<crate::SeriesValue> {
            None
        }

        fn series_count(&self, _: &str) -> Option<u64> {
            None
        }

        fn label_values_count(&self, _: &str, _: &str) -> Option<u64> {
            None
        }
    }

    fn facts() -> Facts {
        Facts(HashMap::from([
            ("requests_total", &["model_id", "pod", "namespace", "job", "instance"][..]),
            ("kube_deployment_status_replicas", &["deployment", "namespace", "job", "instance"][..]),
            ("latency_seconds_bucket", &["model_id", "le", "job", "instance"][..]),
        ]))
    }

    fn labels(query: &str) -> LabelSet {
        infer_labels(&promql_parser::parser::parse(query).unwrap(), &facts())
    }

    fn set(labels: &[&str]) -> Option<BTreeSet<String>> {
        Some(labels.iter().map(|l| l.to_string()).collect())
    }

    #[test]
    fn selectors_take_their_labels_from_the_catalog() {
        let rate = labels("rate(requests_total[5m])");
        assert!(rate.lacks("deployment"));
        assert!(!rate.lacks("model_id"));
        assert!(labels("unknown_metric{a=\"x\"}").certain.contains("a"));
        assert!(!labels("unknown_metric").lacks("anything"));
    }

    #[test]
    fn aggregations_keep_or_drop_their_grouping() {
        assert_eq!(labels("sum by (model_id, nope) (requests_total)").possible, set(&["model_id"]));
        assert_eq!(labels("sum without (pod) (requests_total)").possible, set(&["model_id", "namespace", "job", "instance"]));
        assert_eq!(labels("sum(requests_total)").possible, set(&[]));
        assert!(!labels("topk(3, requests_total)").lacks("pod"));
    }

    #[test]
    fn functions_transform_labels() {
        assert_eq!(labels("histogram_quantile(0.9, sum by (le, model_id) (rate(latency_seconds_bucket[5m])))").possible, set(&["model_id"]));
        assert!(!labels("label_replace(requests_total, \"deployment\", \"$1\", \"pod\", \"(.*)\")").lacks("deployment"));
        assert_eq!(labels("absent(requests_total{job=\"a\"})").possible, set(&["job"]));
        assert!(!labels("quantile_over_time(0.5, requests_total[1h])").lacks("pod"));
    }

    #[test]
    fn joins_keep_matching_labels() {
        assert_eq!(labels("requests_total / on(pod) requests_total").possible, set(&["pod"]));
        let grouped = labels("requests_total * on(namespace) group_left(deployment) kube_deployment_status_replicas");
        assert!(!grouped.lacks("deployment"));
        assert!(labels("requests_total > 10").certain.contains(METRIC_NAME));
    }

    #[test]
    fn dropped_labels_are_absent_even_from_unknown_metrics() {
        assert!(labels("sum without (job) (rate(errs_total[5m])) > 0").lacks("job"));
        assert!(labels("errs_a * ignoring(job) errs_b > 0").lacks("job"));
        assert!(!labels("errs_a * ignoring(job) errs_b").lacks("instance"));
        // `or` keeps a label either side may carry; a relabelling puts it back.
        assert!(!labels("sum without (job) (errs_a) or errs_b").lacks("job"));
        assert!(labels("sum without (job) (errs_a) or sum without (job, pod) (errs_b)").lacks("job"));
        assert!(!labels("label_replace(sum without (job) (errs_a), \"job\", \"x\", \"\", \"\")").lacks("job"));
        assert!(labels("sum by (job) (sum without (job) (errs_a))").lacks("job"));
    }
}
