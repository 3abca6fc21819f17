use super::*;
use proptest::prelude::*;
use std::time::{Duration, Instant};

/// The error message and a caret line under its span.
fn error(text: &str) -> String {
    let error = parse(text).unwrap_err();
    let caret = format!("{}{}", " ".repeat(text[..error.span.start].chars().count()), "^".repeat(text[error.span.start..error.span.end].chars().count().max(1)));
    format!("{:?}: {}\n{text}\n{caret}", error.kind, error.message)
}

fn span_texts(text: &str) -> Vec<String> {
    let parsed = parse(text).unwrap();
    let mut out = Vec::new();
    parsed.walk(&mut |visit| out.push(text[visit.spans.node.start..visit.spans.node.end].to_string()));
    out
}

#[test]
fn every_node_gets_its_span() {
    assert_eq!(
        span_texts("sum by (job) (rate(x{a=\"b\"}[5m])) / on(job) y > -1"),
        [
            "sum by (job) (rate(x{a=\"b\"}[5m])) / on(job) y > -1",
            "sum by (job) (rate(x{a=\"b\"}[5m])) / on(job) y",
            "sum by (job) (rate(x{a=\"b\"}[5m]))",
            "rate(x{a=\"b\"}[5m])",
            "x{a=\"b\"}[5m]",
            "y",
            "-1"
        ]
    );
    assert_eq!(span_texts("topk(5, x) or (y)"), ["topk(5, x) or (y)", "topk(5, x)", "5", "x", "(y)", "y"]);
    assert_eq!(span_texts("rate(x[5m])[1h:1m] offset 5m"), ["rate(x[5m])[1h:1m] offset 5m", "rate(x[5m])", "x[5m]"]);
    assert_eq!(span_texts("-2 ^ 2"), ["-2 ^ 2", "2 ^ 2", "2", "2"]);
}

#[test]
fn keywords_ignore_case_as_in_prometheus() {
    assert_eq!(span_texts("SUM BY (job) (x) OR On(job) y OffSet 5m"), ["SUM BY (job) (x) OR On(job) y OffSet 5m", "SUM BY (job) (x)", "x", "y OffSet 5m"]);
    assert_eq!(parse(&vec!["up"; MAX_OPERATORS + 2].join(" OR ")).unwrap_err().kind, QueryErrorKind::TooComplex);
}

#[test]
fn parts_have_spans() {
    let text = "histogram_quantile(0.9, sum(rate(x_bucket{le!=\"\"}[5m])) by (le)) > bool on(job) group_left(team) y";
    let parsed = parse(text).unwrap();
    let mut clauses = Vec::new();
    parsed.walk(&mut |v| {
        for clause in [&v.spans.grouping, &v.spans.group_modifier].into_iter().flatten() {
            clauses.push(&text[clause.span.start..clause.span.end]);
        }
    });
    assert_eq!(clauses, ["on(job)", "group_left(team)", "by (le)"]);
}

#[test]
fn syntax_errors_point_at_the_failing_token() {
    insta::assert_snapshot!([
        error("foo{status=}"),
        error("sum(rate(x[5m])"),
        error("test +"),
        error("sum(x) by (le"),
        error("x{a=\"b}"),
        error("rate(hi)"),
        error("rate(x[5m]) foo"),
        error("histogram_quantile(0.9, rate(x[5m])) by (le)"),
        error("nosuchfunction(x)"),
    ]
    .join("\n\n"));
}

#[test]
fn unsupported_syntax_names_the_feature() {
    for (text, feature) in [("rate(up[1m * 2])", "duration arithmetic"), ("rate(x[5m+1m])", "duration arithmetic"), ("rate(up[1m] anchored)", "extended range selectors")] {
        let error = parse(text).unwrap_err();
        match error.kind {
            QueryErrorKind::Unsupported { feature: named } => assert!(named.starts_with(feature), "{text}: {named}"),
            other => panic!("{text}: {other:?} {}", error.message),
        }
    }
}

#[test]
fn backtick_strings_with_backslashes_parse() {
    let text = "x{path=~`/api/\\d+`} + on(a) y";
    let parsed = parse(text).unwrap();
    let mut values = Vec::new();
    parsed.walk(&mut |v| {
        for m in &v.spans.matchers {
            values.push(&text[m.value.start..m.value.end]);
        }
        if let Some(op) = v.spans.op {
            values.push(&text[op.start..op.end]);
        }
    });
    assert_eq!(values, ["+", "`/api/\\d+`"]);
}

fn assert_fast(text: &str, kind: QueryErrorKind) {
    let start = Instant::now();
    let error = parse(text).unwrap_err();
    assert_eq!(error.kind, kind);
    assert!(start.elapsed() < Duration::from_secs(1), "took {:?}", start.elapsed());
    assert!(error.span.end <= text.len());
}

#[test]
fn pathological_input_is_refused_quickly() {
    assert_fast(&format!("{}up{}", "(".repeat(100_000), ")".repeat(100_000)), QueryErrorKind::TooComplex);
    assert_fast(&"up + ".repeat(200_000), QueryErrorKind::TooComplex);
    assert_fast(&format!("up{{a=\"{}\"}} +", "x".repeat(1 << 20)), QueryErrorKind::TooComplex);
    assert_fast(&"- ".repeat(50_000), QueryErrorKind::TooComplex);
    assert_fast(&"2 ^ ".repeat(20_000), QueryErrorKind::TooComplex);
    assert_fast(&"up or ".repeat(20_000), QueryErrorKind::TooComplex);
    assert_fast(&"up and on(x) up unless ".repeat(1000), QueryErrorKind::TooComplex);
}

#[test]
fn set_operator_words_as_labels_are_not_operators() {
    let labels = vec!["or"; MAX_OPERATORS + 1].join(", ");
    assert!(parse(&format!("sum by ({labels}) (up)")).is_ok());
}

#[test]
fn long_but_reasonable_chains_parse() {
    let text = vec!["up"; MAX_OPERATORS / 2].join(" + ") + " or " + &vec!["up"; MAX_OPERATORS / 2].join(" or ");
    let start = Instant::now();
    assert!(parse(&text).is_ok());
    assert!(start.elapsed() < Duration::from_secs(2), "took {:?}", start.elapsed());
}

proptest! {
    #[test]
    fn never_panics_on_arbitrary_text(text in "\\PC{0,80}") {
        check_bounds(&text);
    }

    #[test]
    fn never_panics_on_token_soup(parts in proptest::collection::vec(prop_oneof![
        Just("sum"), Just("rate"), Just("by"), Just("on"), Just("("), Just(")"), Just("{"), Just("}"), Just("["), Just("]"),
        Just("5m"), Just(":"), Just("x"), Just("=~"), Just("\"a\""), Just(","), Just("+"), Just("-"), Just(">"), Just("bool"),
        Just("offset"), Just("@"), Just("1"), Just("1e30"), Just("99999999999999999999"), Just("293y"), Just("NaN"), Just("topk"), Just("group_left"), Just("`\\d`"), Just("and"), Just("^"),
    ], 0..24)) {
        check_bounds(&parts.join(" "));
    }
}

fn check_bounds(text: &str) {
    match parse(text) {
        Ok(parsed) => parsed.walk(&mut |v| {
            assert!(v.spans.node.end <= text.len() && text.is_char_boundary(v.spans.node.start) && text.is_char_boundary(v.spans.node.end));
        }),
        Err(error) => assert!(error.span.end <= text.len() && text.is_char_boundary(error.span.start)),
    }
}

#[test]
fn regexes_go_rejects_are_syntax_errors_at_the_matcher_value() {
    assert_eq!(error("x{a=~\"a{99999}\"}"), "Syntax: error parsing regexp: invalid repeat count: `{99999}`\nx{a=~\"a{99999}\"}\n     ^^^^^^^^^^");
    assert_eq!(error("rate(x{b=\"c\", \"a\"!~`(?x) a`}[5m])"), "Syntax: error parsing regexp: invalid or unsupported Perl syntax: `(?x`\nrate(x{b=\"c\", \"a\"!~`(?x) a`}[5m])\n                   ^^^^^^^^");
    assert!(parse("x{a=~\"a{1000}\"}").is_ok());
}

/// Runs `check` on a thread with the stack the CLI and the language server analyse on.
fn on_analysis_stack(check: impl FnOnce() + Send + 'static) {
    std::thread::Builder::new().stack_size(ANALYSIS_STACK_SIZE).spawn(check).unwrap().join().unwrap();
}

#[test]
fn signs_and_powers_count_as_nesting() {
    // 850 signs in a row overflowed the stack: the parsers recurse once per sign, as per bracket.
    let nested = |level: &str, levels: usize| format!("{}x{}", level.repeat(levels), ")".repeat(levels * level.matches('(').count()));
    for text in [nested("- ", 850), nested("- ", MAX_NESTING + 1), nested("x ^ ", MAX_NESTING + 1), nested("-(", MAX_NESTING / 2 + 1), nested("x ^ -", MAX_NESTING / 2 + 1)] {
        assert_eq!(parse(&text).unwrap_err().kind, QueryErrorKind::TooComplex, "{text}");
    }
    // A sign or a power ends with its operand: these do not nest.
    for text in [vec!["-x"; 400].join(" + "), vec!["-x ^ -2"; 200].join(" * "), format!("clamp({signs}x, {signs}0, 1)", signs = "- ".repeat(100))] {
        assert!(parse(&text).is_ok(), "{text}");
    }
}

#[test]
fn the_deepest_nesting_accepted_parses_on_the_analysis_stack() {
    // 100 nested `sum(` overflowed the span recognizer's stack in a debug build; each level here
    // also climbs every precedence.
    let level = "x or x and x == x + x * sum(";
    let text = format!("{}x{}", level.repeat(MAX_NESTING), ")".repeat(MAX_NESTING));
    on_analysis_stack(move || assert!(parse(&text).is_ok()));
}
