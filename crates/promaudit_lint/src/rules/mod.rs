//! Every rule, one per file, grouped by family. `ALL` is the registry.

use crate::registry::Rule;

/// Changed-files runs report only this rule's findings in the files a change did not touch.
pub use config::invalid::ConfigInvalid;
pub use source::internal_error::InternalError;
pub use graph::removed_recording_rule::RemovedRecordingRule;
pub use suppression::{malformed::SuppressionMalformed, unused::SuppressionUnused};

mod alertmanager {
    pub mod deprecated_match;
    pub mod shadowed_route;
    pub mod undefined_receiver;
    pub mod unrouted_alert;
    pub mod unused_receiver;
}

mod alerts {
    pub mod constant_result;
    pub mod down_without_absent;
    pub mod for_within_range;
    pub mod no_condition;
    pub mod required_annotation;
    pub mod required_label;
    pub mod short_for;
    pub mod template_label;
    pub mod topk;
    pub mod unformatted_value;
    pub mod unknown_external_label;
    pub mod unknown_severity;
    pub mod value_in_label;
}

mod labels {
    pub mod external_conflict;
}

mod cardinality {
    pub mod id_label;
    pub mod match_all;
    pub mod series_limit;
    pub mod unfiltered_selector;
}

mod config {
    pub mod invalid;
}

mod dashboards {
    pub mod deprecated_panel_type;
}

mod catalog {
    pub mod missing_label;
    pub mod unknown_bucket;
    pub mod unknown_metric;
}

mod functions {
    pub mod absent_without_for;
    pub mod delta_on_counter;
    pub mod quantile_without_le;
    pub mod irate_in_alert;
    pub mod rate_on_gauge;
    pub mod raw_counter;
    pub mod rate_window;
}

pub(crate) mod graph {
    pub mod conflicting_recording;
    pub mod cycle;
    pub mod duplicate_recording;
    pub mod evaluation_order;
    pub mod removed_recording_rule;
    pub mod undefined_recording_rule;
    pub mod unused_recording_rule;
}

mod join {
    pub mod ambiguous_match;
    pub mod disjoint_labels;
    pub mod missing_label;
}

mod thresholds {
    pub mod humanize_percentage;
    pub mod out_of_range;
    pub mod panel_threshold;
    pub mod slo_mismatch;
}

mod slo {
    pub mod burn_rate;
    pub mod duplicate_id;
    pub mod error_outside_total;
    pub mod grouping_mismatch;
    pub mod inverted_sli;
    pub mod objective;
    pub mod rate_then_sum;
    pub mod sloth_field;
    pub mod sloth_sli_kind;
    pub mod sloth_window;
    pub mod window;
}

mod units {
    pub mod mismatch;
    pub mod panel_unit;
    pub mod record_name;
    pub mod threshold_scale;
}

mod naming {
    pub mod alert_name;
    pub mod metric_name;
    pub mod misspelt_unit;
    pub mod record_window;
    pub mod recording_rule_name;
    pub mod service_prefix;
}

mod promql {
    pub mod empty_regex;
    pub mod literal_regex;
    pub mod match_nothing;
    pub mod redundant_anchor;
    pub mod syntax;
    pub mod too_complex;
    pub mod unknown_placeholder;
    pub mod unsupported_syntax;
}

mod rulefmt {
    pub mod duplicate_group;
    pub mod duplicate_rule;
    pub mod expr_type;
    pub mod for_in_recording_rule;
    pub mod invalid_duration;
    pub mod invalid_label_name;
    pub mod invalid_record_name;
    pub mod invalid_template;
    pub mod legacy_name;
    pub mod missing_expr;
    pub mod missing_record_or_alert;
    pub mod record_and_alert;
    pub mod unknown_field;
}

mod suppression {
    pub mod malformed;
    pub mod unused;
}

mod source {
    pub mod internal_error;
    pub mod invalid_structure;
    pub mod skipped;
    pub mod syntax;
    pub mod unreadable;
}

pub static ALL: &[&dyn Rule] = &[
    &source::unreadable::Unreadable,
    &source::internal_error::InternalError,
    &source::syntax::Syntax,
    &source::invalid_structure::InvalidStructure,
    &source::skipped::Skipped,
    &promql::syntax::PromqlSyntax,
    &promql::unsupported_syntax::UnsupportedSyntax,
    &promql::too_complex::TooComplex,
    &promql::unknown_placeholder::UnknownPlaceholder,
    &promql::match_nothing::MatchNothing,
    &promql::empty_regex::EmptyRegex,
    &promql::literal_regex::LiteralRegex,
    &promql::redundant_anchor::RedundantAnchor,
    &rulefmt::record_and_alert::RecordAndAlert,
    &rulefmt::missing_record_or_alert::MissingRecordOrAlert,
    &rulefmt::missing_expr::MissingExpr,
    &rulefmt::for_in_recording_rule::ForInRecordingRule,
    &rulefmt::invalid_record_name::InvalidRecordName,
    &rulefmt::invalid_label_name::InvalidLabelName,
    &rulefmt::legacy_name::LegacyName,
    &rulefmt::duplicate_group::DuplicateGroup,
    &rulefmt::unknown_field::UnknownField,
    &rulefmt::invalid_duration::InvalidDuration,
    &rulefmt::duplicate_rule::DuplicateRule,
    &rulefmt::expr_type::ExprType,
    &rulefmt::invalid_template::InvalidTemplate,
    &catalog::unknown_metric::UnknownMetric,
    &catalog::missing_label::MissingLabel,
    &catalog::unknown_bucket::UnknownBucket,
    &join::missing_label::JoinMissingLabel,
    &join::ambiguous_match::AmbiguousMatch,
    &join::disjoint_labels::DisjointLabels,
    &functions::rate_on_gauge::RateOnGauge,
    &functions::delta_on_counter::DeltaOnCounter,
    &functions::quantile_without_le::QuantileWithoutLe,
    &functions::rate_window::RateWindow,
    &functions::raw_counter::RawCounter,
    &functions::irate_in_alert::IrateInAlert,
    &functions::absent_without_for::AbsentWithoutFor,
    &cardinality::id_label::IdLabel,
    &cardinality::match_all::MatchAll,
    &cardinality::unfiltered_selector::UnfilteredSelector,
    &cardinality::series_limit::SeriesLimit,
    &thresholds::out_of_range::OutOfRange,
    &thresholds::humanize_percentage::HumanizePercentage,
    &thresholds::slo_mismatch::SloMismatch,
    &thresholds::panel_threshold::PanelThreshold,
    &alertmanager::undefined_receiver::UndefinedReceiver,
    &alertmanager::unused_receiver::UnusedReceiver,
    &alertmanager::deprecated_match::DeprecatedMatch,
    &alertmanager::unrouted_alert::UnroutedAlert,
    &alertmanager::shadowed_route::ShadowedRoute,
    &alerts::template_label::TemplateLabel,
    &alerts::unknown_external_label::UnknownExternalLabel,
    &labels::external_conflict::ExternalConflict,
    &alerts::value_in_label::ValueInLabel,
    &alerts::topk::Topk,
    &alerts::required_label::RequiredLabel,
    &alerts::unknown_severity::UnknownSeverity,
    &alerts::required_annotation::RequiredAnnotation,
    &alerts::unformatted_value::UnformattedValue,
    &alerts::no_condition::NoCondition,
    &alerts::constant_result::ConstantResult,
    &alerts::for_within_range::ForWithinRange,
    &alerts::short_for::ShortFor,
    &alerts::down_without_absent::DownWithoutAbsent,
    &graph::undefined_recording_rule::UndefinedRecordingRule,
    &graph::removed_recording_rule::RemovedRecordingRule,
    &graph::cycle::Cycle,
    &graph::evaluation_order::EvaluationOrder,
    &graph::unused_recording_rule::UnusedRecordingRule,
    &graph::duplicate_recording::DuplicateRecording,
    &graph::conflicting_recording::ConflictingRecording,
    &slo::inverted_sli::InvertedSli,
    &slo::burn_rate::BurnRate,
    &slo::error_outside_total::ErrorOutsideTotal,
    &slo::grouping_mismatch::GroupingMismatch,
    &slo::objective::Objective,
    &slo::sloth_field::SlothField,
    &slo::sloth_window::SlothWindow,
    &slo::rate_then_sum::RateThenSum,
    &slo::sloth_sli_kind::SlothSliKind,
    &slo::duplicate_id::DuplicateId,
    &slo::window::Window,
    &units::mismatch::Mismatch,
    &units::threshold_scale::ThresholdScale,
    &units::panel_unit::PanelUnit,
    &units::record_name::RecordName,
    &dashboards::deprecated_panel_type::DeprecatedPanelType,
    &naming::alert_name::AlertName,
    &naming::recording_rule_name::RecordingRuleName,
    &naming::metric_name::MetricName,
    &naming::misspelt_unit::MisspeltUnit,
    &naming::record_window::RecordWindow,
    &naming::service_prefix::ServicePrefix,
    &config::invalid::ConfigInvalid,
    &suppression::malformed::SuppressionMalformed,
    &suppression::unused::SuppressionUnused,
];
