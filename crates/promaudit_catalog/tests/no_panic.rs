//! Loaders never panic, whatever the input: catalog files come from users and live servers.

use promaudit_catalog::{load_text, parse_dcgm_csv, parse_exposition};
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn exposition_parser_never_panics(text in "\\PC*") {
        let _ = parse_exposition(&text, "fuzz");
    }

    #[test]
    fn exposition_like_lines_never_panic(
        lines in prop::collection::vec("(# (HELP|TYPE|UNIT|EOF) )?[a-z_{}\"=,\\\\ #.0-9+Inf-]{0,40}", 0..20)
    ) {
        let _ = parse_exposition(&lines.join("\n"), "fuzz");
    }

    #[test]
    fn csv_and_tree_loaders_never_panic(text in "\\PC*") {
        let _ = parse_dcgm_csv(&text, "fuzz.csv");
        let _ = load_text(&text, "fuzz.yaml", "yaml");
    }

    #[test]
    fn catalog_file_shapes_never_panic(
        entries in prop::collection::vec("(name|type|unit|labels|series|buckets|help): ?(\\[[a-z0-9, ]*\\]|[a-z0-9]*)", 0..8)
    ) {
        let text = format!("version: 1\nmetrics:\n  - {}\n", entries.join("\n    "));
        let _ = load_text(&text, "fuzz.yaml", "yaml");
    }
}
