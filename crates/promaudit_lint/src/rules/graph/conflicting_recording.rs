use crate::context::FileContext;
use crate::servers::Scope;
use crate::declare_rule;
use crate::project::static_labels;
use crate::registry::{Rule, RuleMeta};
use promaudit_diagnostics::{Diagnostic, Severity};
use promql_parser::label::{MatchOp, Matcher, METRIC_NAME};
use promql_parser::parser::{Expr, LabelModifier, VectorSelector};

declare_rule! {
    /// ## What it finds
    /// A recording rule that writes the same series (name and `labels:`) as an earlier rule of
    /// the same server, from a different expression. Expressions are compared as the parser
    /// prints them, so spacing and clause order do not count. Identical copies are left to
    /// `rulefmt/duplicate-rule`, and slices of one family (`code=~"2.."` and `code=~"5.."` under
    /// `sum by (code)`, or `mode="iowait"` and `mode!="iowait"` with `mode` kept) write disjoint
    /// series and pass. Two servers (a Prometheus and the Thanos ruler above it) may record one
    /// name each their own way; two files nothing ties to one server conflict only if loaded
    /// together, which is reported as info.
    ///
    /// ## Why it matters
    /// Both rules write one series: each evaluation overwrites the other's sample (or Prometheus
    /// drops one as a duplicate), and every reader sees a value that jumps between two
    /// definitions. Usually one file was updated and its old copy elsewhere was not.
    ///
    /// ## Example
    /// ```yaml
    /// # rules/api.yml
    /// - record: job:http_requests:rate5m
    ///   expr: sum by (job) (rate(http_requests_total[5m]))
    /// # legacy/api.yml
    /// - record: job:http_requests:rate5m
    ///   expr: sum by (job) (rate(http_requests_total{code!="499"}[5m]))
    /// ```
    ///
    /// ## Fix
    /// Keep one definition, or tell the series apart with a static label or another name.
    pub ConflictingRecording {
        code: "graph/conflicting-recording",
        category: Correctness,
        severity: Error,
        summary: "Two recording rules write the same series from different expressions",
    }
}

impl Rule for ConflictingRecording {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &FileContext, out: &mut Vec<Diagnostic>) {
        let recordings = &cx.project.recordings;
        for group in cx.rule_files().flat_map(|f| &f.groups) {
            let scope = cx.scope_of(group);
            for rule in &group.rules {
                let (Some(record), None, Some(expr)) = (&rule.record, &rule.alert, &rule.expr) else { continue };
                let labels = static_labels(rule);
                let (first, proven) = match recordings.first_writing(&scope, &record.value, &labels) {
                    Some(first) if !first.at.is_at(cx.file, record.span) => (first, true),
                    _ => match recordings.first_writing_if_loaded_together(&record.value, &labels) {
                        Some(first) if matches!(scope, Scope::File(_)) && first.at.file != cx.file.display_path() => (first, false),
                        _ => continue,
                    },
                };
                let Some((_, parsed)) = cx.parsed_query_of(expr) else { continue };
                if first.canonical == parsed.canonical() {
                    continue;
                }
                let Ok(first_parsed) = promaudit_promql::parse(&first.canonical) else { continue };
                if sliced_shape(&first_parsed.expr) == sliced_shape(&parsed.expr) || disjoint(&first_parsed.expr, &parsed.expr) {
                    continue;
                }
                out.push(conflict(cx, record, first, proven));
            }
        }
    }
}

fn conflict(cx: &FileContext, record: &promaudit_source::artifact::Text, first: &crate::project::FirstRecording, proven: bool) -> Diagnostic {
    let message = if proven {
        format!("`{}` is already recorded with the same labels from another expression: the two rules overwrite each other's samples", record.value)
    } else {
        format!("if both files are loaded by one server, `{}` is recorded twice with the same labels from different expressions, and the rules overwrite each other's samples", record.value)
    };
    let diagnostic = ConflictingRecording::META.diagnostic(record.span, message).with_help("keep one definition, or tell the series apart with a label or another name");
    let mut diagnostic = if first.at.file == cx.file.display_path() {
        diagnostic.with_label(first.at.span, "first recorded here")
    } else {
        diagnostic.with_note(format!("first recorded at {}:{} as `{}`", first.at.file, first.at.line, first.canonical))
    };
    if !proven {
        diagnostic.severity = Severity::Info;
    }
    diagnostic
}

/// Whether two expressions write disjoint series: a label their outer aggregation keeps is
/// pinned to a value by one (`mode="iowait"`) that the other's matchers on it reject
/// (`mode!="iowait"`).
fn disjoint(a: &Expr, b: &Expr) -> bool {
    let (pins_a, pins_b) = (kept_matchers(a), kept_matchers(b));
    let rejects = |matchers: &[Matcher], value: &str| matchers.iter().any(|m| !m.is_match(value));
    let pinned = |matchers: &[Matcher]| matchers.iter().filter(|m| m.op == MatchOp::Equal).map(|m| m.value.clone()).collect::<Vec<_>>();
    pins_a.iter().any(|(label, mine)| {
        let Some(theirs) = pins_b.get(label) else { return false };
        pinned(mine).iter().any(|v| rejects(theirs, v)) || pinned(theirs).iter().any(|v| rejects(mine, v))
    })
}

/// The matchers on each label the result keeps, when every selector of the expression has some
/// on it: a label one selector leaves open is not pinned.
fn kept_matchers(expr: &Expr) -> std::collections::HashMap<String, Vec<Matcher>> {
    let keeps = kept_by(expr);
    let selectors: Vec<&VectorSelector> = promaudit_promql::descendants(expr).filter_map(crate::context::selector_of).collect();
    let mut by_label: std::collections::HashMap<String, Vec<Matcher>> = std::collections::HashMap::new();
    for selector in &selectors {
        for matcher in selector.matchers.matchers.iter().filter(|m| m.name != METRIC_NAME && keeps(&m.name)) {
            by_label.entry(matcher.name.clone()).or_default().push(matcher.clone());
        }
    }
    by_label.retain(|label, _| selectors.iter().all(|s| s.matchers.matchers.iter().any(|m| &m.name == label)));
    by_label
}

/// The expression with the values of matchers on labels its result keeps blanked. Rules that
/// record one name from slices of a family (`code=~"2.."` and `code=~"3.."` under
/// `sum by (code)`) have the same shape, and write disjoint series.
fn sliced_shape(expr: &Expr) -> String {
    let keeps = kept_by(expr);
    let mut copy = expr.clone();
    blank_kept_matchers(&mut copy, &keeps);
    copy.to_string()
}

/// Which labels the result of `expr` keeps, judged by its outer aggregation.
fn kept_by(expr: &Expr) -> impl Fn(&str) -> bool + '_ {
    let outer = match expr {
        Expr::Paren(p) => p.expr.as_ref(),
        other => other,
    };
    move |label: &str| match outer {
        Expr::Aggregate(aggregate) => match &aggregate.modifier {
            Some(LabelModifier::Include(kept)) => kept.labels.iter().any(|l| l == label),
            Some(LabelModifier::Exclude(dropped)) => !dropped.labels.iter().any(|l| l == label),
            None => false,
        },
        _ => true,
    }
}

fn blank_kept_matchers(expr: &mut Expr, keeps: &dyn Fn(&str) -> bool) {
    match expr {
        Expr::VectorSelector(selector) => blank_matchers(selector, keeps),
        Expr::MatrixSelector(matrix) => blank_matchers(&mut matrix.vs, keeps),
        Expr::Aggregate(aggregate) => {
            blank_kept_matchers(&mut aggregate.expr, keeps);
            if let Some(param) = &mut aggregate.param {
                blank_kept_matchers(param, keeps);
            }
        }
        Expr::Unary(unary) => blank_kept_matchers(&mut unary.expr, keeps),
        Expr::Binary(binary) => {
            blank_kept_matchers(&mut binary.lhs, keeps);
            blank_kept_matchers(&mut binary.rhs, keeps);
        }
        Expr::Paren(paren) => blank_kept_matchers(&mut paren.expr, keeps),
        Expr::Subquery(subquery) => blank_kept_matchers(&mut subquery.expr, keeps),
        Expr::Call(call) => call.args.args.iter_mut().for_each(|arg| blank_kept_matchers(arg, keeps)),
        Expr::NumberLiteral(_) | Expr::StringLiteral(_) | Expr::Extension(_) => {}
    }
}

fn blank_matchers(selector: &mut VectorSelector, keeps: &dyn Fn(&str) -> bool) {
    for matcher in selector.matchers.matchers.iter_mut().chain(selector.matchers.or_matchers.iter_mut().flatten()) {
        if matcher.name != METRIC_NAME && keeps(&matcher.name) {
            matcher.value.clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::check_project;

    const API: &str = "groups:\n- name: api\n  rules:\n  - record: job:http_requests:rate5m\n    expr: sum by (job) (rate(http_requests_total[5m]))\n";
    const LEGACY: &str = "groups:\n- name: legacy\n  rules:\n  - record: job:http_requests:rate5m\n    expr: sum by (job) (rate(http_requests_total{code!=\"499\"}[5m]))\n  - record: job:http_requests:rate5m\n    expr: sum(rate(http_requests_total[5m])) by (job)\n  - record: job:http_requests:rate5m\n    expr: sum by (job) (rate(http_requests_total{env=\"eu\"}[5m]))\n    labels:\n      region: eu\n";

    #[test]
    fn another_expression_for_the_same_series() {
        let files = [("api.yml", API), ("legacy.yml", LEGACY)];
        assert!(check_project(&ConflictingRecording, &files, "api.yml").is_empty());
        insta::assert_snapshot!(check_project(&ConflictingRecording, &files, "legacy.yml"));
    }

    #[test]
    fn slices_of_one_family_pass() {
        let text = "groups:\n- name: a\n  rules:\n  - record: code:requests:increase1h\n    expr: sum by (code) (increase(requests_total{code=~\"2..\"}[1h]))\n  - record: code:requests:increase1h\n    expr: sum by (code) (increase(requests_total{code=~\"5..\"}[1h]))\n  - record: code:requests:increase1h\n    expr: sum by (code) (increase(requests_total{job=\"api\"}[1h]))\n";
        insta::assert_snapshot!(check_project(&ConflictingRecording, &[("r.yml", text)], "r.yml"));
    }

    #[test]
    fn within_one_file() {
        let text = "groups:\n- name: a\n  rules:\n  - record: job:up:sum\n    expr: sum by (job) (up)\n  - record: job:up:sum\n    expr: count by (job) (up)\n";
        insta::assert_snapshot!(check_project(&ConflictingRecording, &[("r.yml", text)], "r.yml"));
    }
}
