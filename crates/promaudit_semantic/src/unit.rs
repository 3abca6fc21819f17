//! Units of metric values: what a number measures, how it scales to the base unit, and the values
//! it can take. Inferred from OpenMetrics `# UNIT`, the name suffix, or the help text, in that order
//! of trust (a name is a contract checked by promlint; help text is prose).

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Unit {
    Seconds,
    Milliseconds,
    Microseconds,
    Nanoseconds,
    Bytes,
    Kibibytes,
    Mebibytes,
    /// A fraction in 0..1.
    Ratio,
    /// A fraction in 0..100.
    Percent,
    Celsius,
    Hertz,
    Megahertz,
    Joules,
    Millijoules,
    Watts,
    Volts,
    /// A dimensionless number of things (requests, errors, processes).
    Count,
    #[default]
    Unknown,
}

/// What a unit measures; values of different dimensions must never be added or compared.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Dimension {
    Time,
    Data,
    Fraction,
    Temperature,
    Frequency,
    Energy,
    Power,
    Voltage,
    Count,
    Unknown,
}

impl Unit {
    pub const ALL: [Unit; 18] = [
        Unit::Seconds,
        Unit::Milliseconds,
        Unit::Microseconds,
        Unit::Nanoseconds,
        Unit::Bytes,
        Unit::Kibibytes,
        Unit::Mebibytes,
        Unit::Ratio,
        Unit::Percent,
        Unit::Celsius,
        Unit::Hertz,
        Unit::Megahertz,
        Unit::Joules,
        Unit::Millijoules,
        Unit::Watts,
        Unit::Volts,
        Unit::Count,
        Unit::Unknown,
    ];

    pub fn dimension(self) -> Dimension {
        use Unit::*;
        match self {
            Seconds | Milliseconds | Microseconds | Nanoseconds => Dimension::Time,
            Bytes | Kibibytes | Mebibytes => Dimension::Data,
            Ratio | Percent => Dimension::Fraction,
            Celsius => Dimension::Temperature,
            Hertz | Megahertz => Dimension::Frequency,
            Joules | Millijoules => Dimension::Energy,
            Watts => Dimension::Power,
            Volts => Dimension::Voltage,
            Count => Dimension::Count,
            Unknown => Dimension::Unknown,
        }
    }

    /// The unit this one scales to (seconds, bytes, ratio, …); itself when it is a base unit.
    pub fn base(self) -> Unit {
        use Unit::*;
        match self {
            Milliseconds | Microseconds | Nanoseconds => Seconds,
            Kibibytes | Mebibytes => Bytes,
            Percent => Ratio,
            Megahertz => Hertz,
            Millijoules => Joules,
            other => other,
        }
    }

    /// Multiply a value in this unit by this factor to get it in [`Unit::base`].
    pub fn scale_to_base(self) -> f64 {
        use Unit::*;
        match self {
            Milliseconds => 1e-3,
            Microseconds => 1e-6,
            Nanoseconds => 1e-9,
            Kibibytes => 1024.0,
            Mebibytes => 1024.0 * 1024.0,
            Percent => 0.01,
            Megahertz => 1e6,
            Millijoules => 1e-3,
            _ => 1.0,
        }
    }

    pub fn is_base(self) -> bool {
        self.base() == self
    }

    /// Values the unit itself bounds; `None` when only the metric type can say (a counter ≥ 0).
    pub fn value_range(self) -> Option<(f64, f64)> {
        match self {
            Unit::Ratio => Some((0.0, 1.0)),
            Unit::Percent => Some((0.0, 100.0)),
            _ => None,
        }
    }

    /// The name used in catalog files and OpenMetrics `# UNIT`.
    pub fn as_str(self) -> &'static str {
        use Unit::*;
        match self {
            Seconds => "seconds",
            Milliseconds => "milliseconds",
            Microseconds => "microseconds",
            Nanoseconds => "nanoseconds",
            Bytes => "bytes",
            Kibibytes => "kibibytes",
            Mebibytes => "mebibytes",
            Ratio => "ratio",
            Percent => "percent",
            Celsius => "celsius",
            Hertz => "hertz",
            Megahertz => "megahertz",
            Joules => "joules",
            Millijoules => "millijoules",
            Watts => "watts",
            Volts => "volts",
            Count => "count",
            Unknown => "unknown",
        }
    }

    /// Parses a unit word as written in `# UNIT`, a catalog file or a name suffix.
    pub fn parse(word: &str) -> Option<Unit> {
        use Unit::*;
        let unit = match word.to_ascii_lowercase().as_str() {
            "seconds" | "second" | "s" => Seconds,
            "milliseconds" | "millisecond" | "ms" => Milliseconds,
            "microseconds" | "microsecond" | "us" | "µs" => Microseconds,
            "nanoseconds" | "nanosecond" | "ns" => Nanoseconds,
            "bytes" | "byte" | "b" => Bytes,
            "kibibytes" | "kib" | "kb" | "kilobytes" => Kibibytes,
            "mebibytes" | "mib" | "mb" | "megabytes" => Mebibytes,
            "ratio" => Ratio,
            "percent" | "%" => Percent,
            "celsius" | "c" => Celsius,
            "hertz" | "hz" => Hertz,
            "megahertz" | "mhz" => Megahertz,
            "joules" | "j" => Joules,
            "millijoules" | "mj" => Millijoules,
            "watts" | "w" => Watts,
            "volts" | "v" => Volts,
            "count" | "1" => Count,
            "unknown" | "" => Unknown,
            _ => return None,
        };
        Some(unit)
    }

    /// The unit of an OpenMetrics `# UNIT` line; unknown words give [`Unit::Unknown`].
    pub fn from_openmetrics(word: &str) -> Unit {
        Unit::parse(word.trim()).unwrap_or_default()
    }

    /// The unit a metric name declares by its suffix, ignoring the series suffixes that follow it
    /// (`_total`, `_bucket`, `_sum`, `_count`, `_created`).
    /// A gauge that names a rate (`_bytes_per_second`) has the unit before `_per_second`.
    pub fn from_name(name: &str) -> Unit {
        let mut stem = name;
        for suffix in ["_total", "_bucket", "_sum", "_count", "_created", "_gsum", "_gcount", "_per_second"] {
            stem = stem.strip_suffix(suffix).unwrap_or(stem);
        }
        let last = stem.rsplit('_').next().unwrap_or(stem);
        // Only full words count: `_s` or `_b` as a name suffix is too ambiguous to trust.
        match last {
            "seconds" | "milliseconds" | "microseconds" | "nanoseconds" | "bytes" | "ratio" | "percent"
            | "celsius" | "hertz" | "joules" | "watts" | "volts" => Unit::parse(last).unwrap_or_default(),
            // nvidia_smi's `*_clock_hz` and `*_hz` gauges are converted to Hz by the exporter.
            "hz" => Unit::Hertz,
            "mhz" => Unit::Megahertz,
            "ms" => Unit::Milliseconds,
            _ => Unit::Unknown,
        }
    }

    /// The unit a name declares by the suffixes Prometheus's naming conventions prescribe (base
    /// units only): what a name says when nothing else is known of its metric. Abbreviations
    /// and `_percent` are left out, as exporters use them loosely.
    pub fn from_conventional_name(name: &str) -> Unit {
        match Unit::from_name(name) {
            unit @ (Unit::Seconds | Unit::Bytes | Unit::Ratio | Unit::Celsius | Unit::Hertz | Unit::Joules | Unit::Watts | Unit::Volts) => unit,
            _ => Unit::Unknown,
        }
    }

    /// The unit help text states, in the forms exporters write: `(in MiB)`, `in MHz`, `(in %)`,
    /// `in mJ`, `in W`, `in C`, `(in ms)`; else a help that starts "Ratio of" (DCGM's profiling
    /// fields: "Ratio of time the graphics engine is active.") is a 0-1 ratio.
    pub fn from_help(help: &str) -> Unit {
        let mut rest = help;
        while let Some(at) = find_word(rest, "in ") {
            let word: String = rest[at + 3..]
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '%' || *c == 'µ')
                .collect();
            if let Some(unit) = help_unit_word(&word) {
                return unit;
            }
            rest = &rest[at + 3..];
        }
        let opening = help.trim_start().to_ascii_lowercase();
        if opening.starts_with("ratio of ") || opening.starts_with("the ratio of ") {
            return Unit::Ratio;
        }
        Unit::Unknown
    }
}

/// Whether a gauge's name says its value is already a rate of its unit: `_per_second`
/// (`nvidia_smi_pcie_throughput_rx_bytes_per_second`), or a link's speed
/// (`node_network_speed_bytes`, bytes per second).
pub fn names_a_rate(name: &str) -> bool {
    name.ends_with("_per_second") || name.ends_with("_speed_bytes") || name.ends_with("_speed_bits")
}

/// Help-text unit words; case matters (`mJ` vs `MJ`, `C` for Celsius only as a whole word).
fn help_unit_word(word: &str) -> Option<Unit> {
    use Unit::*;
    let unit = match word {
        "MiB" | "MB" => Mebibytes,
        "KiB" | "KB" => Kibibytes,
        "B" | "bytes" => Bytes,
        "MHz" => Megahertz,
        "Hz" => Hertz,
        "%" | "percent" => Percent,
        "mJ" => Millijoules,
        "J" => Joules,
        "W" | "watts" => Watts,
        "V" => Volts,
        "C" | "celsius" | "Celsius" => Celsius,
        "ms" => Milliseconds,
        "us" | "µs" => Microseconds,
        "ns" => Nanoseconds,
        "s" | "seconds" => Seconds,
        _ => return None,
    };
    Some(unit)
}

/// Byte index of `needle` where it starts a word (start of text, or after a space or bracket).
fn find_word(haystack: &str, needle: &str) -> Option<usize> {
    haystack.match_indices(needle).map(|(at, _)| at).find(|&at| {
        at == 0 || matches!(haystack.as_bytes()[at - 1], b' ' | b'(' | b'[' | b',')
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_suffixes() {
        assert_eq!(Unit::from_name("node_cpu_seconds_total"), Unit::Seconds);
        assert_eq!(Unit::from_name("http_request_duration_seconds_bucket"), Unit::Seconds);
        assert_eq!(Unit::from_name("node_memory_MemAvailable_bytes"), Unit::Bytes);
        assert_eq!(Unit::from_name("model_cache_hit_ratio"), Unit::Ratio);
        assert_eq!(Unit::from_name("nvidia_smi_clocks_current_sm_clock_hz"), Unit::Hertz);
        assert_eq!(Unit::from_name("http_requests_total"), Unit::Unknown);
        assert_eq!(Unit::from_name("foo_s"), Unit::Unknown);
        assert_eq!(Unit::from_name("node_infiniband_rate_bytes_per_second"), Unit::Bytes);
    }

    #[test]
    fn conventional_names_and_rates() {
        assert_eq!(Unit::from_conventional_name("http_request_duration_seconds_sum"), Unit::Seconds);
        assert_eq!(Unit::from_conventional_name("gpu_clock_mhz"), Unit::Unknown);
        assert_eq!(Unit::from_conventional_name("disk_used_percent"), Unit::Unknown);
        assert!(names_a_rate("node_network_speed_bytes") && names_a_rate("rx_bytes_per_second"));
        assert!(!names_a_rate("node_memory_MemAvailable_bytes"));
    }

    #[test]
    fn help_text() {
        assert_eq!(Unit::from_help("Framebuffer memory used (in MiB)."), Unit::Mebibytes);
        assert_eq!(Unit::from_help("SM clock frequency (in MHz)."), Unit::Megahertz);
        assert_eq!(Unit::from_help("GPU utilization (in %)."), Unit::Percent);
        assert_eq!(Unit::from_help("Total energy consumption since boot (in mJ)."), Unit::Millijoules);
        assert_eq!(Unit::from_help("Power draw (in W)."), Unit::Watts);
        assert_eq!(Unit::from_help("Memory temperature (in C)."), Unit::Celsius);
        assert_eq!(Unit::from_help("Throttling duration (in us)."), Unit::Microseconds);
        assert_eq!(Unit::from_help("Latency (in ms)"), Unit::Milliseconds);
        assert_eq!(Unit::from_help("Number of retries in Cache"), Unit::Unknown);
        assert_eq!(Unit::from_help("Time spent in sleep"), Unit::Unknown);
        assert_eq!(Unit::from_help("Ratio of time the graphics engine is active."), Unit::Ratio);
        assert_eq!(Unit::from_help("The ratio of number of warps resident on an SM."), Unit::Ratio);
        assert_eq!(Unit::from_help("Ratio of time the graphics engine is active (in %)."), Unit::Percent);
    }

    #[test]
    fn scaling_and_dimensions() {
        assert_eq!(Unit::Milliseconds.scale_to_base(), 0.001);
        assert_eq!(Unit::Mebibytes.scale_to_base(), 1_048_576.0);
        assert_eq!(Unit::Percent.scale_to_base(), 0.01);
        assert_eq!(Unit::Percent.base(), Unit::Ratio);
        assert_eq!(Unit::Mebibytes.dimension(), Unit::Bytes.dimension());
        assert_ne!(Unit::Seconds.dimension(), Unit::Bytes.dimension());
        assert_eq!(Unit::Ratio.value_range(), Some((0.0, 1.0)));
        assert_eq!(Unit::Percent.value_range(), Some((0.0, 100.0)));
        for unit in Unit::ALL {
            assert_eq!(Unit::parse(unit.as_str()), Some(unit));
        }
    }
}
