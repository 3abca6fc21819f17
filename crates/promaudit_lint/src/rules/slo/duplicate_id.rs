use crate::context::FileContext;
use crate::declare_rule;
use crate::project::slo_contents;
use crate::registry::{Rule, RuleMeta};
use promaudit_diagnostics::Diagnostic;

declare_rule! {
    /// ## What it finds
    /// Two SLOs with the same id among all checked files: the same Sloth service and SLO name,
    /// the same `PrometheusServiceLevel` (namespace and name) and SLO name, the same Pyrra
    /// `ServiceLevelObjective` namespace and name, the same OpenSLO `SLO` name, with a different
    /// objective or different queries. Reported at the second and every later definition.
    /// Identical copies (one example in several layouts) write identical series and pass, and so
    /// do Sloth plugin SLIs, whose queries the plugin writes.
    ///
    /// ## Why it matters
    /// The tool keys everything it generates on the id: Sloth's rules carry
    /// `sloth_id="<service>-<slo>"`, so two SLOs write the same series with different values and
    /// their burn-rate alerts flap between them; two custom resources with one name replace each
    /// other on apply, and only the last one is ever enforced.
    ///
    /// ## Example
    /// ```yaml
    /// # api-slos.yml and api-slos-v2.yml, both:
    /// service: api
    /// slos:
    /// - name: requests-availability
    /// ```
    ///
    /// ## Fix
    /// Rename one of them, or delete the copy that is no longer meant.
    pub DuplicateId {
        code: "slo/duplicate-id",
        category: Correctness,
        severity: Error,
        summary: "Two SLOs have the same id across the checked files",
    }
}

impl Rule for DuplicateId {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &FileContext, out: &mut Vec<Diagnostic>) {
        for spec in cx.slo_specs() {
            for slo in &spec.slos {
                let (Some(id), Some(name)) = (spec.id_of(slo), &slo.name) else { continue };
                let Some(first) = cx.project.slo_ids.get(&id) else { continue };
                if first.at.is_at(cx.file, name.span) {
                    continue;
                }
                let (Some(first_contents), Some(contents)) = (&first.contents, slo_contents(slo)) else { continue };
                if *first_contents == contents {
                    continue;
                }
                let message = format!("{id} is defined twice, differently: the tool generates both under one id, and their series and alerts overwrite each other");
                let diagnostic = Self::META.diagnostic(name.span, message).with_help("rename one of the SLOs, or delete the copy");
                out.push(if first.at.file == cx.file.display_path() {
                    diagnostic.with_label(first.at.span, "first defined here")
                } else {
                    // Example folders and alternatives are never deployed together: only one file proves it.
                    let mut diagnostic = diagnostic.with_note(format!("first defined at {}:{}; if both files are deployed together", first.at.file, first.at.line));
                    diagnostic.severity = promaudit_diagnostics::Severity::Info;
                    diagnostic
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::check_project;

    const SLOTH: &str = "version: prometheus/v1\nservice: api\nslos:\n- name: availability\n  objective: 99.9\n  sli:\n    raw:\n      error_ratio_query: slo:error_ratio:rate{{.window}}\n- name: availability\n  objective: 99\n  sli:\n    raw:\n      error_ratio_query: slo:error_ratio:rate{{.window}}\n";
    const SLOTH_OTHER_SERVICE: &str = "version: prometheus/v1\nservice: web\nslos:\n- name: availability\n  objective: 99.9\n  sli:\n    raw:\n      error_ratio_query: slo:error_ratio:rate{{.window}}\n";
    const PYRRA: &str = "apiVersion: pyrra.dev/v1alpha1\nkind: ServiceLevelObjective\nmetadata:\n  name: api\n  namespace: prod\nspec:\n  target: \"99\"\n  window: 4w\n  indicator:\n    ratio:\n      errors:\n        metric: http_requests_total{code=~\"5..\"}\n      total:\n        metric: http_requests_total\n";

    #[test]
    fn repeated_in_a_file_and_across_files() {
        let files = [("a.yml", SLOTH), ("b.yml", SLOTH_OTHER_SERVICE), ("c.yml", SLOTH)];
        insta::assert_snapshot!(check_project(&DuplicateId, &files, "a.yml"));
        insta::assert_snapshot!(check_project(&DuplicateId, &files, "c.yml"));
        assert!(check_project(&DuplicateId, &files, "b.yml").is_empty());
    }

    #[test]
    fn pyrra_namespace_and_name() {
        let other_namespace = PYRRA.replace("namespace: prod", "namespace: staging");
        let other_target = PYRRA.replace("\"99\"", "\"99.5\"");
        let files = [("p1.yml", PYRRA), ("p2.yml", other_namespace.as_str()), ("copy.yml", PYRRA), ("p3.yml", other_target.as_str())];
        assert!(check_project(&DuplicateId, &files, "p2.yml").is_empty());
        assert!(check_project(&DuplicateId, &files, "copy.yml").is_empty(), "an identical copy writes identical series");
        insta::assert_snapshot!(check_project(&DuplicateId, &files, "p3.yml"));
    }
}
