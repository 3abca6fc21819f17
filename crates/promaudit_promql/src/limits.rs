//! Numbers Prometheus refuses and promql-parser panics on or lets through: durations beyond the
//! ~292 years an int64 of nanoseconds holds, `@` timestamps beyond int64 seconds, and `topk`,
//! `bottomk`, `limitk` parameters that are no int64. Checked on the tokens, before parsing.

use crate::lexer::{Tok, Token};
use crate::{syntax, QueryError};
use promaudit_diagnostics::Span;

/// 2^63 nanoseconds, the longest duration Prometheus represents.
const MAX_DURATION_SECONDS: f64 = 9_223_372_036.854_775;
/// Go's `math.MaxInt64` as a float, the bound Prometheus puts on `@` timestamps (in seconds) and
/// on `topk` parameters.
const MAX_INT64: f64 = 9_223_372_036_854_775_807.0;

enum Place {
    Duration,
    Timestamp,
    Parameter(&'static str),
}

pub(crate) fn check(text: &str, tokens: &[Token]) -> Result<(), QueryError> {
    for (i, token) in tokens.iter().enumerate() {
        let Some(value) = value_of(text, token) else {
            continue;
        };
        let signed = i > 0 && matches!(tokens[i - 1].kind, Tok::Plus | Tok::Minus);
        let start = if signed { i - 1 } else { i };
        let Some(place) = place(text, tokens, start, i) else {
            continue;
        };
        let negative = signed && tokens[i - 1].kind == Tok::Minus;
        let value = if negative { -value } else { value };
        let span = Span::new(tokens[start].span.start, token.span.end);
        let literal = &text[span.start..span.end];
        match place {
            Place::Duration if !within(value, MAX_DURATION_SECONDS) => {
                return Err(syntax(format!("duration out of range: `{literal}` is longer than the 292 years Prometheus can represent"), span));
            }
            Place::Timestamp if !within(value, MAX_INT64) => {
                return Err(syntax(format!("timestamp out of bounds for @ modifier: `{literal}` is no Unix time Prometheus can represent"), span));
            }
            Place::Parameter(function) if !within(value, MAX_INT64) => {
                let message = format!("`{function}`'s parameter `{literal}` is no 64-bit integer: Prometheus fails every evaluation with \"Scalar value overflows int64\"");
                return Err(syntax(message, span));
            }
            _ => {}
        }
    }
    Ok(())
}

/// False for NaN too.
fn within(value: f64, bound: f64) -> bool {
    value.abs() < bound
}

/// The value of a number, in seconds for a duration; `None` for other tokens and for numbers
/// the parser will refuse anyway.
fn value_of(text: &str, token: &Token) -> Option<f64> {
    let word = &text[token.span.start..token.span.end];
    match token.kind {
        Tok::Duration => Some(duration_seconds(word)),
        Tok::Number => match word.strip_prefix("0x").or_else(|| word.strip_prefix("0X")) {
            Some(hex) => u128::from_str_radix(hex, 16).ok().map(|n| n as f64),
            None => word.replace('_', "").parse().ok(),
        },
        Tok::Ident if word.eq_ignore_ascii_case("inf") => Some(f64::INFINITY),
        Tok::Ident if word.eq_ignore_ascii_case("nan") => Some(f64::NAN),
        _ => None,
    }
}

/// A duration's length in seconds, infinite when its digits overflow.
fn duration_seconds(word: &str) -> f64 {
    let units = [
        ("ms", 0.001),
        ("s", 1.0),
        ("m", 60.0),
        ("h", 3600.0),
        ("d", 86_400.0),
        ("w", 604_800.0),
        ("y", 31_536_000.0),
    ];
    let mut rest = word;
    let mut total = 0.0;
    while !rest.is_empty() {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        let count: f64 = rest[..digits].parse().unwrap_or(f64::INFINITY);
        rest = &rest[digits..];
        let Some((unit, seconds)) = units.iter().find(|(unit, _)| rest.starts_with(unit)) else {
            return total;
        };
        total += count * seconds;
        rest = &rest[unit.len()..];
    }
    total
}

/// What the number starting at token `start` (its sign, if any) and ending at `value` stands for.
fn place(text: &str, tokens: &[Token], start: usize, value: usize) -> Option<Place> {
    let before = tokens[..start].last()?;
    match before.kind {
        Tok::LBracket | Tok::Colon => Some(Place::Duration),
        Tok::Ident if before.is_keyword(text, "offset") => Some(Place::Duration),
        Tok::At => Some(Place::Timestamp),
        Tok::LParen if tokens.get(value + 1).is_some_and(|t| t.kind == Tok::Comma) => {
            let function = ["topk", "bottomk", "limitk"].into_iter().find(|f| {
                aggregation(tokens, start - 1).is_some_and(|name| name.is_keyword(text, f))
            })?;
            Some(Place::Parameter(function))
        }
        _ => None,
    }
}

/// The name of the aggregation whose argument list opens at token `open`: `topk(` or
/// `topk by (job) (`.
fn aggregation(tokens: &[Token], open: usize) -> Option<&Token> {
    let mut name = open.checked_sub(1)?;
    if tokens[name].kind == Tok::RParen {
        let clause = tokens[..name].iter().rposition(|t| t.kind == Tok::LParen)?;
        name = clause.checked_sub(2)?;
    }
    Some(&tokens[name])
}

#[cfg(test)]
mod tests {
    use crate::{parse, QueryErrorKind};

    fn refused(text: &str) -> String {
        let error = parse(text).unwrap_err();
        assert_eq!(error.kind, QueryErrorKind::Syntax, "{text}");
        format!(
            "{} at {}",
            error.message,
            &text[error.span.start..error.span.end]
        )
    }

    #[test]
    fn durations_beyond_292_years_are_refused() {
        for (text, at) in [
            ("x[1e30]", "1e30"),
            ("x offset 99999999999999999999", "99999999999999999999"),
            ("x[5m:99999999999999999999]", "99999999999999999999"),
            ("rate(x[293y])", "293y"),
            ("x offset -1e30", "-1e30"),
            ("x[99999999999999999999999s]", "99999999999999999999999s"),
            ("x offset NaN", "NaN"),
            // Keywords ignore case: the fuzzer's `offseT` reached the parser crate's panic.
            ("x offseT 99999999999999999999", "99999999999999999999"),
        ] {
            let message = refused(text);
            assert!(
                message.starts_with("duration out of range")
                    && message.ends_with(&format!(" at {at}")),
                "{message}"
            );
        }
        for fits in [
            "rate(x[292y])",
            "x offset 9223372036",
            "x[5m:1m] offset -1h",
            "x[1.5]",
        ] {
            assert!(parse(fits).is_ok(), "{fits}");
        }
    }

    #[test]
    fn timestamps_and_parameters_beyond_int64_are_refused() {
        assert_eq!(refused("x @ 1e30"), "timestamp out of bounds for @ modifier: `1e30` is no Unix time Prometheus can represent at 1e30");
        assert!(refused("x @ -1e19").ends_with("at -1e19"));
        assert!(refused("topk(1e309, x)")
            .starts_with("`topk`'s parameter `1e309` is no 64-bit integer"));
        assert!(refused("bottomk by (job) (Inf, x)").starts_with("`bottomk`'s parameter `Inf`"));
        assert!(refused("TopK(1e309, x)").starts_with("`topk`'s parameter `1e309`"));
        for fits in [
            "x @ 1609746000",
            "topk(5, x)",
            "limitk by (job) (-1, x)",
            "quantile(0.9, x)",
            "histogram_quantile(1e309, x)",
        ] {
            assert!(parse(fits).is_ok(), "{fits}");
        }
    }
}
