//! Semantic facts inferred over the promql-parser AST: which labels a result can carry, its unit
//! and value range, how many series it may have. Facts come from the metric catalog through the
//! [`MetricFacts`] trait, so this crate knows nothing of where they were loaded from.

pub mod graph;
pub mod labels;
pub mod quantities;
pub mod series;
pub mod unit;
pub mod values;

pub use labels::{infer_all_labels, infer_labels, LabelFacts, LabelSet};
pub use series::{estimate_series, first_selector};
pub use unit::{Dimension, Unit};
pub use values::{infer_values, Interval, Measure, Quantity, ValueFacts};

use std::collections::BTreeSet;

/// What the catalog knows about a metric.
pub trait MetricFacts {
    /// Every label a series of `metric` (a series name, such as `x_bucket`) can carry, including
    /// the target labels its scrape attaches; `None` when the metric is unknown.
    fn labels_of(&self, metric: &str) -> Option<BTreeSet<String>>;

    /// Labels every series named `metric` is known to carry (seen on every sample, or set by
    /// the rule that records it); empty when nothing proves any.
    fn always_labels_of(&self, _metric: &str) -> BTreeSet<String> {
        BTreeSet::new()
    }

    /// The values the series `metric` holds; `None` when the metric is unknown.
    fn value_of(&self, metric: &str) -> Option<SeriesValue>;

    /// How many series named `metric` exist; `None` when nobody counted.
    fn series_count(&self, metric: &str) -> Option<u64>;

    /// How many distinct values `label` takes on series named `metric`; `None` when unknown,
    /// 0 when the metric does not have the label.
    fn label_values_count(&self, metric: &str, label: &str) -> Option<u64>;
}

/// The values of one series name, as the catalog knows them.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SeriesValue {
    /// The unit of the sample values (`_count` and `_bucket` series count observations).
    pub unit: Unit,
    /// The unit of what a histogram or summary observes (for `histogram_quantile`).
    pub observed: Unit,
    /// Only goes up, resetting to zero on restart: meaningful through `rate()` or `increase()`.
    pub counter: bool,
    /// A gauge whose value is already a rate of `unit` (a link speed in bytes per second).
    pub per_second: bool,
    /// The values samples can take, when the type or unit bounds them.
    pub range: Option<(f64, f64)>,
}
