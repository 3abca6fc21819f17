use crate::context::FileContext;
use crate::declare_rule;
use crate::registry::{Rule, RuleMeta};
use promaudit_diagnostics::Diagnostic;
use promaudit_source::artifact::SloFormat;

declare_rule! {
    /// ## What it finds
    /// Sloth SLOs whose `sli` does not declare exactly one kind of SLI: none of `events`, `raw`
    /// and `plugin`, two of them, or a key Sloth does not know.
    ///
    /// ## Why it matters
    /// Sloth rejects the spec (`at least one SLI type is required`, `only one SLI type is
    /// allowed`) and generates no rules for any SLO of the file: the service loses all of its
    /// SLO alerts at the next deploy. A misspelt kind (`event:`) is the same as none.
    ///
    /// ## Example
    /// ```yaml
    /// sli:
    ///   events:
    ///     error_query: sum(rate(http_requests_total{code=~"5.."}[{{.window}}]))
    ///     total_query: sum(rate(http_requests_total[{{.window}}]))
    ///   raw:
    ///     error_ratio_query: slo:error_ratio:rate{{.window}}
    /// ```
    ///
    /// ## Fix
    /// Keep one kind: `events` when you have error and total counters, `raw` when a ratio is
    /// already recorded, `plugin` for a Sloth SLI plugin.
    pub SlothSliKind {
        code: "slo/sloth-sli-kind",
        category: Correctness,
        severity: Error,
        summary: "A Sloth SLO declares no SLI kind, or more than one",
    }
}

const KINDS: &[&str] = &["events", "raw", "plugin"];

impl Rule for SlothSliKind {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &FileContext, out: &mut Vec<Diagnostic>) {
        for spec in cx.slo_specs().filter(|s| matches!(s.format, SloFormat::Sloth | SloFormat::SlothCrd)) {
            for slo in &spec.slos {
                let name = slo.name.as_ref().map_or("", |n| n.value.as_str());
                for unknown in slo.sli_kinds.iter().filter(|k| !KINDS.contains(&k.value.as_str())) {
                    out.push(Self::META.diagnostic(unknown.span, format!("Sloth knows no SLI kind `{}`: SLO `{name}` is rejected", unknown.value)).with_help("use `events`, `raw` or `plugin`"));
                }
                let known: Vec<_> = slo.sli_kinds.iter().filter(|k| KINDS.contains(&k.value.as_str())).collect();
                match known.as_slice() {
                    [] if slo.sli_kinds.is_empty() => {
                        let at = slo.name.as_ref().map_or(slo.span, |n| n.span);
                        out.push(Self::META.diagnostic(at, format!("SLO `{name}` has no SLI: Sloth rejects the spec and generates no rules for any of its SLOs")).with_help("add `sli:` with `events`, `raw` or `plugin`"));
                    }
                    [] | [_] => {}
                    [first, rest @ ..] => {
                        for extra in rest {
                            out.push(
                                Self::META
                                    .diagnostic(extra.span, format!("SLO `{name}` declares both `{}` and `{}`: Sloth allows one SLI kind per SLO and rejects the spec", first.value, extra.value))
                                    .with_label(first.span, "first SLI kind")
                                    .with_help("keep one kind, or split it into two SLOs"),
                            );
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::snapshot;

    #[test]
    fn none_two_and_unknown_kinds() {
        let text = "version: prometheus/v1\nservice: api\nslos:\n- name: two\n  objective: 99.9\n  sli:\n    events:\n      error_query: sum(rate(errors_total[{{.window}}]))\n      total_query: sum(rate(requests_total[{{.window}}]))\n    raw:\n      error_ratio_query: slo:error_ratio:rate{{.window}}\n- name: none\n  objective: 99.9\n- name: misspelt\n  objective: 99.9\n  sli:\n    event:\n      error_query: sum(rate(errors_total[{{.window}}]))\n";
        insta::assert_snapshot!(snapshot(&SlothSliKind, "slo.yml", text));
    }

    #[test]
    fn one_kind_each() {
        let text = "version: prometheus/v1\nservice: api\nslos:\n- name: events\n  objective: 99.9\n  sli:\n    events:\n      error_query: sum(rate(errors_total[{{.window}}]))\n      total_query: sum(rate(requests_total[{{.window}}]))\n- name: plugin\n  objective: 99.9\n  sli:\n    plugin:\n      id: sloth-common/kubernetes/apiserver/availability\n";
        assert!(snapshot(&SlothSliKind, "slo.yml", text).is_empty());
    }
}
