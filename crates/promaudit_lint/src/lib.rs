//! Lint rules over extracted artifacts and parsed queries. One rule per file under `rules/`,
//! each declaring its metadata and docs once with [`declare_rule!`].

pub mod alert_facts;
pub mod analyze;
pub mod config;
pub mod context;
pub mod fixes;
pub mod gotemplate;
pub mod isolation;
pub mod names;
pub mod parse_cache;
pub mod project;
pub mod registry;
pub mod routing;
pub mod rules;
pub mod servers;
pub mod suppress;
#[cfg(test)]
mod format_tests;
#[cfg(test)]
mod testing;

pub use analyze::{check_bytes, check_source, report_too_large, report_unreadable, Checker, FileReport, DEFAULT_SERIES_LIMIT};
pub use isolation::{isolated, report_internal_error, spawn_analysis_thread};
pub use parse_cache::ParseCache;
pub use promaudit_promql::ANALYSIS_STACK_SIZE;
pub use registry::{all_rules, find_rule, Category, Rule, RuleMeta};
