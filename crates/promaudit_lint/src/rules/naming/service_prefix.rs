use crate::context::{selector_name, selector_of, FileContext};
use crate::declare_rule;
use crate::registry::{Rule, RuleMeta};
use promaudit_diagnostics::Diagnostic;
use promaudit_source::artifact::{Artifact, Text};
use std::collections::{BTreeMap, BTreeSet};

declare_rule! {
    /// ## What it finds
    /// A metric declared in a `custom_metrics:` list without the prefix most metrics of its
    /// file share: `model_accuracy_score` in a file whose queries and declarations mostly
    /// name `matrixinfer_…` metrics. A prefix counts as the service's when at least three
    /// distinct metric names of the file have it and no other prefix has even half as many.
    /// Only declarations are judged: a query may read any exporter's metrics, while a
    /// declaration names the service's own.
    ///
    /// ## Why it matters
    /// The prefix is the service's namespace. A metric without it is missed by everything that
    /// finds the service's metrics by name: `{__name__=~"matrixinfer_.*"}` in a cardinality
    /// check, the metrics browser, a recording rule or a `metric_relabel_configs` keep or drop
    /// on the prefix; and a generic name (`model_accuracy_score`, `inference_queue_depth`) may
    /// collide with another exporter's metric of the same name.
    ///
    /// ## Example
    /// ```yaml
    /// custom_metrics:
    ///   - name: matrixinfer_inference_queue_depth
    ///   - name: matrixinfer_model_cache_hit_ratio
    ///   - name: matrixinfer_model_load_failures_total
    ///   - name: model_accuracy_score
    /// ```
    ///
    /// ## Fix
    /// Name it with the service's prefix (`matrixinfer_model_accuracy_score`); when production
    /// already exposes the old name, record the new one beside it until readers have moved.
    pub ServicePrefix {
        code: "naming/service-prefix",
        category: Style,
        severity: Info,
        summary: "A declared metric lacks the prefix the other metrics of its service share",
    }
}

/// Distinct names that make a prefix the service's.
const MIN_SHARING: usize = 3;

impl Rule for ServicePrefix {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &FileContext, out: &mut Vec<Diagnostic>) {
        let declared: Vec<&Text> = cx
            .extraction
            .artifacts
            .iter()
            .filter_map(|a| {
                if let Artifact::CustomMetrics(metrics) = a {
                    Some(metrics)
                } else {
                    None
                }
            })
            .flatten()
            .filter_map(|m| m.name.as_ref())
            .collect();
        if declared.is_empty() {
            return;
        }
        let mut names: BTreeSet<&str> = declared.iter().map(|name| name.value.as_str()).collect();
        for (_, parsed) in cx.parsed_queries() {
            parsed.walk(&mut |visit| names.extend(selector_of(visit.expr).and_then(selector_name)));
        }
        let Some((prefix, sharing)) = service_prefix(&names) else {
            return;
        };
        let examples: Vec<&str> = sharing.iter().take(2).copied().collect();
        for name in declared
            .iter()
            .filter(|name| prefix_of(&name.value) != Some(prefix))
        {
            let message = format!(
                "`{}` lacks the `{prefix}_` prefix that {} other metrics of this file share (`{}`, …): whatever finds the service's metrics by name (`{{__name__=~\"{prefix}_.*\"}}`, the metrics browser, a relabeling on the prefix) misses it, and a generic name may collide with another exporter's",
                name.value,
                sharing.len(),
                examples.join("`, `")
            );
            out.push(
                Self::META
                    .diagnostic(name.span, message)
                    .with_help(format!("name it `{prefix}_{}`", name.value)),
            );
        }
    }
}

/// A metric name's first word: `matrixinfer` of `matrixinfer_model_status`. None for names of
/// one word and recorded names (`job:x:rate5m`), whose first part is a level.
fn prefix_of(name: &str) -> Option<&str> {
    if name.contains(':') {
        return None;
    }
    name.split_once('_')
        .map(|(prefix, _)| prefix)
        .filter(|p| !p.is_empty())
}

/// The prefix at least [`MIN_SHARING`] names share, twice as many as share any other, with
/// the names sharing it.
fn service_prefix<'a>(names: &BTreeSet<&'a str>) -> Option<(&'a str, Vec<&'a str>)> {
    let mut by_prefix: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for name in names {
        if let Some(prefix) = prefix_of(name) {
            by_prefix.entry(prefix).or_default().push(name);
        }
    }
    let (&prefix, sharing) = by_prefix.iter().max_by_key(|(_, names)| names.len())?;
    let runner_up = by_prefix
        .iter()
        .filter(|(p, _)| **p != prefix)
        .map(|(_, names)| names.len())
        .max()
        .unwrap_or(0);
    (sharing.len() >= MIN_SHARING && sharing.len() >= 2 * runner_up)
        .then(|| (prefix, sharing.clone()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::snapshot;

    const DECLARED: &str = "custom_metrics:\n  - name: matrixinfer_inference_queue_depth\n    type: gauge\n  - name: matrixinfer_model_cache_hit_ratio\n    type: gauge\n  - name: matrixinfer_model_load_failures_total\n    type: counter\n  - name: model_accuracy_score\n    type: gauge\n";

    #[test]
    fn declared_metrics_without_the_service_prefix() {
        insta::assert_snapshot!(snapshot(&ServicePrefix, "metrics.yaml", DECLARED));
    }

    #[test]
    fn no_prefix_is_the_services_without_a_clear_majority() {
        let mixed = "custom_metrics:\n  - name: model_accuracy_score\n  - name: inference_queue_depth\n  - name: model_cache_hit_ratio\n  - name: batch_processing_efficiency\n";
        assert_eq!(snapshot(&ServicePrefix, "metrics.yaml", mixed), "");
        let shared = DECLARED.replace("model_accuracy_score", "matrixinfer_model_accuracy_score");
        assert_eq!(snapshot(&ServicePrefix, "metrics.yaml", &shared), "");
    }
}
