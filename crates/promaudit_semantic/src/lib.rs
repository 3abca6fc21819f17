//! Semantic facts inferred over the promql-parser AST: which labels a result can carry, its unit
//! and value range, how many series it may have. Facts come from the metric catalog through the
//! [`MetricFacts`] trait, so this crate knows nothing of where they were loaded from.

pub mod labels;

pub use labels::{infer_labels, LabelSet, MetricFacts};
