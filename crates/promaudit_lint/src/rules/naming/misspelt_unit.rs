use crate::context::FileContext;
use crate::declare_rule;
use crate::registry::{Rule, RuleMeta};
use promaudit_diagnostics::Diagnostic;

declare_rule! {
    /// ## What it finds
    /// Recording rules whose name misspells a unit or a measured quantity: `_celcius` for
    /// `_celsius`, `_miliseconds` for `_milliseconds`, `_cloc` for `_clock`. Only spellings
    /// known to be wrong are reported, never a word that is merely close to a unit.
    ///
    /// ## Why it matters
    /// Tools read units from names: Grafana's and promaudit's unit checks, the OpenMetrics
    /// naming conventions, people searching for `_celsius`. A misspelt suffix hides the unit
    /// from all of them, and every dashboard and rule that reads the series inherits the typo.
    ///
    /// ## Example
    /// ```yaml
    /// - record: gpu_temperature_celcius
    ///   expr: DCGM_FI_DEV_GPU_TEMP
    /// ```
    ///
    /// ## Fix
    /// Rename the rule (`gpu_temperature_celsius`) and its readers together.
    pub MisspeltUnit {
        code: "naming/misspelt-unit",
        category: Suspicious,
        severity: Warning,
        summary: "A recording rule's name misspells a unit",
    }
}

/// Misspellings seen in real rule files, with their right spelling.
const MISSPELLINGS: &[(&str, &str)] = &[
    ("celcius", "celsius"),
    ("celsuis", "celsius"),
    ("celsious", "celsius"),
    ("farenheit", "fahrenheit"),
    ("miliseconds", "milliseconds"),
    ("milisecond", "millisecond"),
    ("microsecods", "microseconds"),
    ("nanosecods", "nanoseconds"),
    ("secods", "seconds"),
    ("seconts", "seconds"),
    ("hertzs", "hertz"),
    ("jouls", "joules"),
    ("percnet", "percent"),
    ("precent", "percent"),
    ("raito", "ratio"),
    ("cloc", "clock"),
    ("temprature", "temperature"),
    ("tempreature", "temperature"),
];

impl Rule for MisspeltUnit {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &FileContext, out: &mut Vec<Diagnostic>) {
        for rule in cx
            .rule_files()
            .flat_map(|f| &f.groups)
            .flat_map(|g| &g.rules)
        {
            let Some(record) = &rule.record else { continue };
            // The first word names a namespace or a tool (`cloc_…` counts lines of code).
            for word in record.value.split([':', '_']).skip(1) {
                let Some((_, right)) = MISSPELLINGS
                    .iter()
                    .find(|(wrong, _)| word.eq_ignore_ascii_case(wrong))
                else {
                    continue;
                };
                let renamed = respelt(&record.value, word, right);
                let message = format!("`{}` misspells `{right}` as `{word}`: tools that read units from names will not recognise it", record.value);
                out.push(
                    Self::META
                        .diagnostic(record.span, message)
                        .with_help(format!(
                            "rename the rule to `{renamed}`, and its readers with it"
                        )),
                );
            }
        }
    }
}

/// `name` with the word `wrong` spelt `right`, whole words only.
fn respelt(name: &str, wrong: &str, right: &str) -> String {
    let mut out = String::new();
    let mut word = String::new();
    for c in name.chars().chain(std::iter::once('\0')) {
        if c == ':' || c == '_' || c == '\0' {
            out.push_str(if word == wrong { right } else { &word });
            word.clear();
            if c != '\0' {
                out.push(c);
            }
        } else {
            word.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::snapshot;

    #[test]
    fn misspelt_units() {
        let text = "groups:\n- name: a\n  rules:\n  - record: gpu_temperature_celcius\n    expr: DCGM_FI_DEV_GPU_TEMP\n  - record: job:sm_cloc:max\n    expr: max by (job) (DCGM_FI_DEV_SM_CLOCK)\n";
        insta::assert_snapshot!(snapshot(&MisspeltUnit, "r.yml", text));
    }

    #[test]
    fn right_spellings_and_near_words() {
        let text = "groups:\n- name: a\n  rules:\n  - record: gpu_temperature_celsius\n    expr: DCGM_FI_DEV_GPU_TEMP\n  - record: node_disk_block_bytes\n    expr: node_disk_read_bytes_total\n  - record: cloc_total\n    expr: x\n  - alert: CpuTempratureHigh\n    expr: x > 1\n";
        assert_eq!(snapshot(&MisspeltUnit, "r.yml", text), "");
    }
}
