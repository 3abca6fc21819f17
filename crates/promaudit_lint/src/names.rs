//! Prometheus name syntax, shared by the naming and rulefmt rules.

/// `[a-zA-Z_][a-zA-Z0-9_]*`: a label name under legacy (pre-3.0) validation.
pub fn is_legacy_label_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_') && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// `[a-zA-Z_:][a-zA-Z0-9_:]*`: a metric name under legacy (pre-3.0) validation.
pub fn is_legacy_metric_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == ':') && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
}

/// A Prometheus duration: one or more `<number><unit>` with units y w d h m s ms, largest first,
/// or `0` alone (model.ParseDuration's one unit-less value).
pub fn is_duration(text: &str) -> bool {
    const UNITS: [&str; 7] = ["y", "w", "d", "h", "m", "s", "ms"];
    let mut rest = text;
    let mut last_unit = None;
    if rest.is_empty() || rest == "0" {
        return rest == "0";
    }
    while !rest.is_empty() {
        let digits = rest.len() - rest.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        if digits == 0 {
            return false;
        }
        rest = &rest[digits..];
        // `ms` before `m`, so that `5ms` is not read as minutes followed by garbage.
        let unit = if rest.starts_with("ms") {
            6
        } else {
            match UNITS.iter().position(|u| rest.starts_with(u)) {
                Some(unit) => unit,
                None => return false,
            }
        };
        if last_unit.is_some_and(|last| unit <= last) {
            return false;
        }
        last_unit = Some(unit);
        rest = &rest[UNITS[unit].len()..];
    }
    true
}

/// A Prometheus duration's length (`1m30s` → 90 s); `None` when it is not a valid duration.
pub fn parse_duration(text: &str) -> Option<std::time::Duration> {
    is_duration(text).then(|| promaudit_catalog::parse_duration(text)).flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        for ok in ["5m", "1h30m", "0s", "0", "100ms", "2w", "1y2w3d4h5m6s7ms"] {
            assert!(is_duration(ok), "{ok}");
        }
        for bad in ["", "5", "00", "1", "m", "5 m", "1m1h", "5min", "-5m", "1.5h", "5mm"] {
            assert!(!is_duration(bad), "{bad}");
        }
    }

    #[test]
    fn duration_lengths() {
        assert_eq!(parse_duration("1m30s"), Some(std::time::Duration::from_secs(90)));
        assert_eq!(parse_duration("15s"), Some(std::time::Duration::from_secs(15)));
        assert_eq!(parse_duration("250ms"), Some(std::time::Duration::from_millis(250)));
        assert_eq!(parse_duration("0"), Some(std::time::Duration::ZERO));
        assert_eq!(parse_duration("5 min"), None);
    }

    #[test]
    fn legacy_names() {
        assert!(is_legacy_metric_name("job:http_requests:rate5m"));
        assert!(!is_legacy_label_name("job:x"));
        assert!(!is_legacy_label_name("ins-tance"));
        assert!(!is_legacy_metric_name("1abc"));
    }
}
