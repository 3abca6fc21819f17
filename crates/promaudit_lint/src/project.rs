//! What the checked files tell about each other, learned before any file is checked: the scrape
//! jobs a `prometheus.yml` configures (interval, target labels) and the series recording rules
//! write. Both go into the catalog, so a rule in one file is checked against a recording rule
//! or a relabeling in another.

use crate::analyze::Checker;
use crate::names::parse_duration;
use promaudit_catalog::{JobInfo, LabelStats, MetricFamily, MetricKind, Origin, OriginKind};
use promaudit_semantic::{infer_labels, infer_values, Measure, Unit};
use promaudit_source::artifact::Artifact;
use promaudit_source::SourceFile;
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

/// What one file contributes. Learned per file in parallel, merged in file order.
#[derive(Debug, Default)]
pub struct FileFacts {
    global_interval: Option<Duration>,
    jobs: Vec<(String, JobInfo)>,
    recorded: Vec<Recorded>,
}

#[derive(Debug)]
struct Recorded {
    name: String,
    expr: String,
    /// The rule's `labels:`, which every recorded series carries with exactly these values.
    labels: Vec<(String, String)>,
    source: String,
    line: usize,
}

/// Cheap test on the raw text: can this file hold anything [`learn`] looks for?
pub fn may_teach(text: &str) -> bool {
    text.contains("scrape_configs") || text.contains("record")
}

/// The scrape jobs and recording rules of one file.
pub fn learn(file: &SourceFile) -> FileFacts {
    let mut facts = FileFacts::default();
    for artifact in promaudit_source::extract(file).artifacts {
        match artifact {
            Artifact::ScrapeConfig(config) => {
                let global = config.global_interval.as_ref().and_then(|t| parse_duration(&t.value));
                facts.global_interval = facts.global_interval.or(global);
                for job in config.jobs {
                    let Some(name) = job.name else { continue };
                    let scrape_interval = job.interval.as_ref().and_then(|t| parse_duration(&t.value)).or(global);
                    let target_labels = job.target_labels.into_iter().map(|t| t.value).filter(|l| !l.starts_with("__")).collect();
                    facts.jobs.push((name.value, JobInfo { scrape_interval, target_labels }));
                }
            }
            Artifact::RuleFile(rules) => {
                for rule in rules.groups.iter().flat_map(|g| &g.rules).filter(|r| r.alert.is_none()) {
                    let (Some(record), Some(expr)) = (&rule.record, &rule.expr) else { continue };
                    let line = file.line_col(record.span.start).line;
                    let labels = rule.labels.iter().map(|(name, value)| (name.value.clone(), value.value.clone())).collect();
                    facts.recorded.push(Recorded { name: record.value.clone(), expr: expr.query.value.clone(), labels, source: file.display_path(), line });
                }
            }
            _ => {}
        }
    }
    facts
}

impl FileFacts {
    /// Adds the scrape jobs; intervals the catalog already knows win, target labels add up.
    pub fn add_jobs_to(&self, catalog: &mut promaudit_catalog::Catalog) {
        if let Some(global) = self.global_interval {
            catalog.default_scrape_interval.get_or_insert(global);
        }
        for (name, job) in &self.jobs {
            let known = catalog.jobs.entry(name.clone()).or_default();
            known.scrape_interval = known.scrape_interval.or(job.scrape_interval);
            for label in &job.target_labels {
                if !known.target_labels.contains(label) {
                    known.target_labels.push(label.clone());
                }
            }
        }
    }
}

impl Checker {
    /// Adds what the files taught. The catalog the user gave wins: a live server's intervals and
    /// recorded series are the truth, the files are what should be.
    pub fn learn_from(&mut self, facts: Vec<FileFacts>) {
        let mut recorded = Vec::new();
        for file in facts {
            file.add_jobs_to(&mut self.catalog);
            recorded.extend(file.recorded);
        }
        self.add_recorded(&recorded);
    }

    /// Recorded series become families with the labels and unit their expressions give. Rules
    /// reading other recorded series are inferred again once those are known, a few rounds deep.
    fn add_recorded(&mut self, recorded: &[Recorded]) {
        const ROUNDS: usize = 3;
        let fresh: BTreeSet<&str> = recorded.iter().map(|r| r.name.as_str()).filter(|n| self.catalog.family(n).is_none()).collect();
        for _ in 0..ROUNDS {
            let mut families: BTreeMap<&str, MetricFamily> = BTreeMap::new();
            for rule in recorded.iter().filter(|r| fresh.contains(r.name.as_str())) {
                let Some(family) = self.recorded_family(rule) else { continue };
                families.entry(rule.name.as_str()).and_modify(|known| merge_definitions(known, &family)).or_insert(family);
            }
            for (name, family) in families {
                self.catalog.families.insert(name.to_string(), family);
            }
        }
    }

    fn recorded_family(&self, rule: &Recorded) -> Option<MetricFamily> {
        let outcome = self.cache.parse(&rule.expr);
        let parsed = outcome.as_ref().as_ref().ok()?;
        let labels = infer_labels(&parsed.expr, &self.catalog);
        let measure = infer_values(&parsed.expr, &self.catalog).of(&parsed.expr).measure;
        let mut family = MetricFamily::new(rule.name.clone(), MetricKind::Unknown, Origin::new(OriginKind::RecordingRule, rule.source.clone(), rule.line));
        family.unit = measure.map_or(Unit::Unknown, unit_of);
        family.labels_complete = labels.possible.is_some();
        let names = labels.possible.unwrap_or(labels.certain);
        family.labels = names.into_iter().filter(|l| l != promql_parser::label::METRIC_NAME).map(|l| (l, Default::default())).collect();
        for (name, value) in &rule.labels {
            let mut stats = LabelStats::default();
            stats.add(value);
            family.labels.insert(name.clone(), stats);
        }
        Some(family)
    }
}

/// The catalog unit a measure is exactly, if any (rates have none).
fn unit_of(measure: Measure) -> Unit {
    Unit::ALL.into_iter().find(|&u| Measure::of(u).is_some_and(|m| m.same(measure))).unwrap_or(Unit::Unknown)
}

/// The same name recorded twice (two groups, two files): either definition's labels may occur.
/// Values are listed only while every definition that has the label sets it in `labels:`.
fn merge_definitions(known: &mut MetricFamily, other: &MetricFamily) {
    known.labels_complete &= other.labels_complete;
    for (label, stats) in &other.labels {
        match known.labels.get_mut(label) {
            Some(known_stats) if known_stats.values.is_empty() || stats.values.is_empty() => *known_stats = LabelStats::default(),
            Some(known_stats) => known_stats.merge(stats),
            None => {
                known.labels.insert(label.clone(), stats.clone());
            }
        }
    }
    if known.unit != other.unit {
        known.unit = Unit::Unknown;
    }
}
