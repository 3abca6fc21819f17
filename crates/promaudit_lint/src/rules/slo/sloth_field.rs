use crate::context::FileContext;
use crate::declare_rule;
use crate::registry::{Rule, RuleMeta};
use promaudit_diagnostics::Diagnostic;
use promaudit_source::artifact::{Artifact, SloFormat};

declare_rule! {
    /// ## What it finds
    /// Sloth SLI query fields spelled for the other format: the `PrometheusServiceLevel`
    /// custom resource takes `errorQuery`, `totalQuery` and `errorRatioQuery`; the plain
    /// `prometheus/v1` spec takes `error_query`, `total_query` and `error_ratio_query`.
    ///
    /// ## Why it matters
    /// Kubernetes prunes fields a CRD's schema does not define, so the SLO arrives without its
    /// queries and Sloth rejects it (or, with the plain spec, Sloth's loader ignores them): no
    /// SLI recording rules and no burn-rate alerts are generated, and nothing says so until
    /// someone looks for the missing alerts.
    ///
    /// ## Example
    /// ```yaml
    /// kind: PrometheusServiceLevel
    /// ...
    ///       events:
    ///         error_query: sum(rate(http_requests_total{code=~"5.."}[{{.window}}]))
    /// ```
    ///
    /// ## Fix
    /// `errorQuery:` in the custom resource.
    pub SlothField {
        code: "slo/sloth-field",
        category: Correctness,
        severity: Error,
        summary: "A Sloth SLI query field is spelled for the other Sloth format",
    }
}

impl Rule for SlothField {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &FileContext, out: &mut Vec<Diagnostic>) {
        for spec in cx.extraction.artifacts.iter().filter_map(|a| if let Artifact::SloSpec(s) = a { Some(s) } else { None }) {
            let crd = match spec.format {
                SloFormat::SlothCrd => true,
                SloFormat::Sloth => false,
                SloFormat::Pyrra | SloFormat::OpenSlo => continue,
            };
            for key in spec.slos.iter().flat_map(|s| &s.query_keys) {
                let snake = key.value.contains('_');
                if snake != crd {
                    continue;
                }
                let (format, right) = if crd { ("the PrometheusServiceLevel custom resource", promaudit_source::extract::snake_to_camel(&key.value)) } else { ("Sloth's prometheus/v1 spec", snake_case(&key.value)) };
                let message = format!("{format} spells this field `{right}`: `{}` is dropped, and the SLO has no such query", key.value);
                out.push(Self::META.diagnostic(key.span, message).with_help(format!("write `{right}:`")));
            }
        }
    }
}

fn snake_case(camel: &str) -> String {
    camel.chars().flat_map(|c| if c.is_ascii_uppercase() { vec!['_', c.to_ascii_lowercase()] } else { vec![c] }).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::snapshot;

    #[test]
    fn snake_case_in_the_custom_resource() {
        let text = "apiVersion: sloth.slok.dev/v1\nkind: PrometheusServiceLevel\nmetadata:\n  name: api\nspec:\n  service: api\n  slos:\n  - name: availability\n    objective: 99.9\n    sli:\n      events:\n        error_query: sum(rate(http_requests_total{code=~\"5..\"}[{{.window}}]))\n        totalQuery: sum(rate(http_requests_total[{{.window}}]))\n";
        insta::assert_snapshot!(snapshot(&SlothField, "slo.yaml", text));
    }

    #[test]
    fn camel_case_in_the_plain_spec() {
        let text = "version: prometheus/v1\nservice: api\nslos:\n- name: availability\n  objective: 99.9\n  sli:\n    events:\n      errorQuery: sum(rate(http_requests_total{code=~\"5..\"}[{{.window}}]))\n      total_query: sum(rate(http_requests_total[{{.window}}]))\n";
        insta::assert_snapshot!(snapshot(&SlothField, "slo.yml", text));
    }
}
