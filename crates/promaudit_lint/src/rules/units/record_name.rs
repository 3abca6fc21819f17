use crate::context::{selector_name, FileContext};
use crate::declare_rule;
use crate::registry::{Rule, RuleMeta};
use promaudit_catalog::{MetricFamily, OriginKind};
use promaudit_diagnostics::Diagnostic;
use promaudit_semantic::{Measure, Unit};
use promql_parser::parser::Expr;

declare_rule! {
    /// ## What it finds
    /// Recording rules whose name states a unit (`…_bytes`, `…_seconds`, `…_hertz`,
    /// `…_celsius`, `…_watts`, `…_joules`, `…_ratio`, `…_percent`) while their expression
    /// computes another one: a `_bytes` series recorded from a gauge in MiB, a `_hertz` one
    /// from MHz, a `_bytes` one from a percentage. The expression's unit comes from the
    /// catalog or built-in exporter knowledge (`# UNIT`, the name suffix, help text such as
    /// "in MiB") and follows its arithmetic, so `x_mib * 1024 * 1024` is in bytes.
    ///
    /// ## Why it matters
    /// Every reader trusts the name: a panel shows the series as bytes, an alert compares it
    /// with a byte threshold, Grafana scales it to GiB. Off by a factor of 1,048,576 (or by a
    /// whole dimension), each of them is wrong without any error.
    ///
    /// ## Example
    /// ```yaml
    /// - record: gpu_memory_total_bytes
    ///   expr: DCGM_FI_DEV_FB_TOTAL
    /// ```
    ///
    /// ## Fix
    /// Convert in the expression (`DCGM_FI_DEV_FB_TOTAL * 1024 * 1024`), or name the rule after
    /// the unit it records (`gpu_memory_total_mebibytes`).
    pub RecordName {
        code: "units/record-name",
        category: Correctness,
        severity: Warning,
        summary: "A recording rule's name states a unit its expression does not compute",
    }
}

impl Rule for RecordName {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &FileContext, out: &mut Vec<Diagnostic>) {
        for rule in cx
            .rule_files()
            .flat_map(|f| &f.groups)
            .flat_map(|g| &g.rules)
        {
            let (Some(record), Some(site), None) = (&rule.record, &rule.expr, &rule.alert) else {
                continue;
            };
            let Some((named_unit, named)) = named_measure(&record.value) else {
                continue;
            };
            let Some((query, parsed)) = cx.parsed_query_of(site) else {
                continue;
            };
            let Some(computed) = query.values(parsed, cx.catalog).of(&parsed.expr).measure else {
                continue;
            };
            // A rate of bytes named `_bytes` is a naming habit, not a wrong unit.
            if computed.dimension == named.dimension
                && (computed.scale / named.scale - 1.0).abs() < 1e-9
            {
                continue;
            }
            let mut message = format!(
                "`{}` says {} in its name, but its expression is {}",
                record.value,
                named_unit.as_str(),
                Measure {
                    per_second: false,
                    ..computed
                }
                .phrase()
            );
            if let Some(source) = source_evidence(cx, parsed) {
                message.push_str(&format!(": {source}"));
            }
            out.push(
                Self::META
                    .diagnostic(record.span, message)
                    .with_help(help(named, computed)),
            );
        }
    }
}

/// The unit the last part of a recorded name states, by the conventional suffixes only.
fn named_measure(name: &str) -> Option<(Unit, Measure)> {
    let last = name.rsplit(':').next()?;
    let (_, suffix) = last.rsplit_once('_')?;
    let unit = match suffix {
        "bytes" | "seconds" | "hertz" | "celsius" | "watts" | "joules" | "ratio" | "percent" => {
            Unit::parse(suffix)?
        }
        _ => return None,
    };
    Some((unit, Measure::of(unit)?))
}

/// The first selector of a known unit, with where its unit comes from.
fn source_evidence(cx: &FileContext, parsed: &promaudit_promql::ParsedQuery) -> Option<String> {
    let mut found = None;
    parsed.walk(&mut |visit| {
        let Expr::VectorSelector(vs) = visit.expr else {
            return;
        };
        if found.is_some() {
            return;
        }
        let family = selector_name(vs)
            .and_then(|name| cx.catalog.resolve_series_name(name))
            .map(|(family, _)| family);
        found = family
            .filter(|f| f.unit != Unit::Unknown)
            .map(describe_unit);
    });
    found
}

/// "`DCGM_FI_DEV_FB_TOTAL` is in MiB (help text "…", built-in dcgm-exporter knowledge)".
fn describe_unit(family: &MetricFamily) -> String {
    let phrase =
        Measure::of(family.unit).map_or_else(|| family.unit.as_str().to_string(), Measure::phrase);
    let how = match family.help.as_deref() {
        _ if Unit::from_name(&family.name) == family.unit => "by its name".to_string(),
        Some(help) if Unit::from_help(help) == family.unit => {
            format!("its help text says \"{help}\"")
        }
        _ => "its declared unit".to_string(),
    };
    let source = match family.origin.kind {
        OriginKind::BuiltIn => format!("built-in {} knowledge", family.origin.source),
        OriginKind::Live => "the live server".to_string(),
        _ if family.origin.line > 0 => format!("{}:{}", family.origin.source, family.origin.line),
        _ => family.origin.source.clone(),
    };
    format!("`{}` is {phrase} ({how}; {source})", family.name)
}

fn help(named: Measure, computed: Measure) -> String {
    if computed.dimension != named.dimension {
        return "name the rule after what it records, or check that the expression reads the metric you meant".to_string();
    }
    let factor = computed.scale / named.scale;
    if factor > 1.0 {
        format!(
            "multiply the expression by {}, or name the rule after the unit it records",
            super::mismatch::format_factor(factor)
        )
    } else {
        format!(
            "divide the expression by {}, or name the rule after the unit it records",
            super::mismatch::format_factor(1.0 / factor)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::snapshot_with_catalog;

    const DCGM: &str = "# HELP DCGM_FI_DEV_FB_USED Framebuffer memory used (in MiB).\n# TYPE DCGM_FI_DEV_FB_USED gauge\nDCGM_FI_DEV_FB_USED{gpu=\"0\"} 1\n# HELP DCGM_FI_DEV_GPU_UTIL GPU utilization (in %).\n# TYPE DCGM_FI_DEV_GPU_UTIL gauge\nDCGM_FI_DEV_GPU_UTIL{gpu=\"0\"} 1\n# HELP DCGM_FI_DEV_SM_CLOCK SM clock frequency (in MHz).\n# TYPE DCGM_FI_DEV_SM_CLOCK gauge\nDCGM_FI_DEV_SM_CLOCK{gpu=\"0\"} 1\n# TYPE node_network_receive_bytes_total counter\nnode_network_receive_bytes_total 1\n";

    #[test]
    fn names_that_contradict_the_source_unit() {
        let text = "groups:\n- name: a\n  rules:\n  - record: gpu_memory_used_bytes\n    expr: DCGM_FI_DEV_FB_USED\n  - record: gpu_util_bytes\n    expr: DCGM_FI_DEV_GPU_UTIL\n  - record: gpu_sm_clock_hertz\n    expr: max by (gpu) (DCGM_FI_DEV_SM_CLOCK)\n";
        insta::assert_snapshot!(snapshot_with_catalog(&RecordName, "r.yml", text, DCGM));
    }

    #[test]
    fn names_that_match() {
        let text = "groups:\n- name: a\n  rules:\n  - record: gpu_memory_used_bytes\n    expr: DCGM_FI_DEV_FB_USED * 1024 * 1024\n  - record: gpu_sm_clock_hertz\n    expr: DCGM_FI_DEV_SM_CLOCK * 1000000\n  - record: instance:node_network_receive_bytes:rate5m\n    expr: rate(node_network_receive_bytes_total[5m])\n  - record: job:receive_bytes\n    expr: sum by (job) (rate(node_network_receive_bytes_total[5m]))\n  - record: unknown_bytes\n    expr: some_metric\n";
        assert_eq!(snapshot_with_catalog(&RecordName, "r.yml", text, DCGM), "");
    }
}
