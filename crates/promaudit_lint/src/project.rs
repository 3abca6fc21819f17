//! What the checked files tell about each other, learned before any file is checked: the scrape
//! jobs a `prometheus.yml` configures (interval, target labels) and the series recording rules
//! write go into the catalog, so a rule in one file is checked against a recording rule or a
//! relabeling in another; the objectives SLOs set and the thresholds alerts use, so an alert is
//! judged against the SLO of the same quantity and a dashboard panel against the alert; the
//! input series of `promtool test rules` files show series that exist, and their `rule_files`
//! which rule files one server evaluates together.

use crate::analyze::Checker;
use crate::servers::{Scope, Servers};
use crate::parse_cache::ParseCache;
use promaudit_semantic::quantities::{measured_quantity, Quantity};
use promaudit_source::artifact::{QueryRole, Slo, SloFormat, SloPart};
use promql_parser::parser::{token, Expr};
use crate::names::parse_duration;
use promaudit_catalog::{JobInfo, LabelStats, MetricFamily, MetricKind, Origin, OriginKind};
use promaudit_semantic::{infer_labels, infer_values, Measure, Unit};
use promaudit_source::artifact::Artifact;
use promaudit_source::SourceFile;
use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Files learned from in parallel at a time, so memory stays flat however many there are.
const LEARN_CHUNK: usize = 256;

/// What one file contributes. Learned per file in parallel, merged in file order.
#[derive(Debug, Default)]
pub struct FileFacts {
    global_interval: Option<Duration>,
    jobs: Vec<(String, JobInfo)>,
    recorded: Vec<Recorded>,
    objectives: Vec<Bound>,
    /// Recording rules and the series they read.
    definitions: Vec<RuleReads>,
    /// The SLOs this file defines, by the id their tool knows them by, with their contents.
    slo_ids: Vec<(String, FirstSlo)>,
    routing: Vec<crate::routing::RoutingTree>,
    /// The SLO periods of Sloth `AlertWindows` specs.
    slo_periods: Vec<Duration>,
    burn_windows: Vec<BurnWindow>,
    sloth_budgets: Vec<(String, ErrorBudget)>,
    sloth_id_periods: Vec<(String, Duration)>,
    recorded_quantities: Vec<(String, Option<Quantity>)>,
    recording_groups: Vec<(String, RecordingGroup)>,
    /// The rule files this file loads into one server.
    loaders: Vec<crate::servers::Loader>,
    /// The families the input series of this file's promtool tests show.
    test_series: promaudit_catalog::Catalog,
    alerts: AlertFacts,
}

/// What a file's alerts tell the others.
#[derive(Debug, Default)]
struct AlertFacts {
    thresholds: Vec<Bound>,
    /// The `job` matchers of the series whose disappearance some alert notices.
    absence_watches: Vec<promql_parser::label::Matcher>,
    /// Each alert's name and static labels, when some routing tree may route them.
    labels: Vec<crate::alert_facts::AlertLabels>,
}

/// A recording rule, the series it reads, and where it is (its server is known once every file
/// is learned).
#[derive(Clone, Debug)]
pub struct RuleReads {
    pub record: String,
    pub reads: Vec<String>,
    /// The label matchers of each selector, which decide whether a writer's series can be read
    /// at all.
    pub filters: Vec<(String, Vec<promql_parser::label::Matcher>)>,
    /// The rule's `labels:`, which every series it writes carries.
    pub labels: Vec<(String, String)>,
    pub at: std::sync::Arc<RuleAt>,
}

/// The file and group of a rule, all that decides which server evaluates it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct RuleAt {
    pub path: PathBuf,
    pub display: String,
    /// In a group with `partial_response_strategy`.
    pub thanos: bool,
}

impl RuleAt {
    /// The places of one file's rules: in plain groups, and in Thanos ruler groups.
    fn of_file(file: &SourceFile) -> [std::sync::Arc<RuleAt>; 2] {
        let at = |thanos| std::sync::Arc::new(RuleAt { path: file.path.clone(), display: file.display_path(), thanos });
        [at(false), at(true)]
    }
}

/// A group that records a series and sets its own evaluation `interval`.
#[derive(Clone, Debug)]
pub struct RecordingGroup {
    pub name: String,
    pub interval: Duration,
    /// `file:line` of the group.
    pub location: String,
}

/// Where something is defined: the file as displayed and the span of its name there.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Place {
    pub file: String,
    pub line: usize,
    pub span: promaudit_diagnostics::Span,
}

impl Place {
    /// Whether this is the definition at `span` of `file`.
    pub fn is_at(&self, file: &SourceFile, span: promaudit_diagnostics::Span) -> bool {
        self.span == span && self.file == file.display_path()
    }
}

/// The first SLO seen with an id.
#[derive(Clone, Debug)]
pub struct FirstSlo {
    pub at: Place,
    /// What the SLO promises and measures, from [`slo_contents`].
    pub contents: Option<String>,
}

/// An SLO's objective, SLI kinds and queries without spacing: two definitions of one id with the
/// same contents are copies (examples in several layouts), with different contents a conflict.
/// `None` for a Sloth plugin SLI, whose queries the plugin writes.
pub fn slo_contents(slo: &Slo) -> Option<String> {
    if slo.sli_kinds.iter().any(|k| k.value == "plugin") {
        return None;
    }
    let compact = |text: &str| text.split_whitespace().collect::<String>();
    let objective = slo.objective.as_ref().map_or(String::new(), |o| compact(&o.value));
    let kinds = slo.sli_kinds.iter().map(|k| k.value.as_str());
    let queries = slo.queries.iter().map(|q| compact(&q.query.value));
    Some(std::iter::once(objective).chain(kinds.map(str::to_string)).chain(queries).collect::<Vec<_>>().join("\n"))
}

/// The first recording rule seen writing a series.
#[derive(Clone, Debug)]
pub struct FirstRecording {
    /// The expression as the parser prints it, so spacing and clause order do not count.
    pub canonical: String,
    pub at: Place,
}

/// What the checked files tell about each other, across files.
#[derive(Debug, Default)]
pub struct ProjectFacts {
    /// What SLOs and SLI lists promise.
    pub objectives: Vec<Bound>,
    /// Where alerts fire.
    pub alert_thresholds: Vec<Bound>,
    pub graph: promaudit_semantic::graph::RuleGraph,
    /// Recorded series on a dependency cycle within one server, by that server, each with its
    /// cycle: a proof.
    pub cycles: HashMap<Scope, HashMap<String, Vec<String>>>,
    /// Recorded series on a cycle only if files nothing ties to one server are loaded together.
    pub cycles_if_loaded_together: HashMap<String, Vec<String>>,
    /// The servers evaluating the checked rule files.
    pub servers: Servers,
    /// The servers that record each recorded series.
    pub recorded_scopes: HashMap<String, Vec<Scope>>,
    /// Recording rules, their reads and places, until the servers are known.
    rule_reads: Vec<RuleReads>,
    /// Files loading rule files into one server, until the servers are known.
    loaders: Vec<crate::servers::Loader>,
    /// Series an older revision of the checked files recorded and none records now, each with
    /// where it was recorded (`--changed-since`): whatever still reads them breaks on deploy.
    pub removed_recordings: std::collections::HashMap<String, String>,
    /// Every distinct recording rule by what it writes and by what it computes.
    pub recordings: Recordings,
    /// The Alertmanager routing trees among the checked files.
    pub routing: Vec<crate::routing::RoutingTree>,
    /// The `job` matchers of the series whose disappearance some alert among the checked files
    /// notices (`absent(up{job="api"})`).
    pub absence_watches: HashSet<promql_parser::label::Matcher>,
    /// Every alert among the checked files by its name and static labels, learned only when
    /// some routing tree may route them.
    pub alerts: BTreeSet<crate::alert_facts::AlertLabels>,
    /// The first definition of each SLO id, in file order.
    pub slo_ids: std::collections::HashMap<String, FirstSlo>,
    /// The SLO periods of the Sloth `AlertWindows` specs among the checked files, which Sloth
    /// has alert windows for besides its built-in 30d and 28d.
    pub sloth_periods: BTreeSet<Duration>,
    /// The first group with its own evaluation interval recording each series.
    pub recording_groups: HashMap<String, RecordingGroup>,
    /// The burn-rate windows of the Sloth `AlertWindows` specs among the checked files.
    pub burn_windows: Vec<BurnWindow>,
    /// The error budget of each Sloth SLO, by the `sloth_id` its generated rules carry: the
    /// first of its spec and its generated `slo:objective:ratio` rule.
    pub sloth_budgets: HashMap<String, ErrorBudget>,
    /// The SLO period of each Sloth SLO, by `sloth_id`, from its generated
    /// `slo:time_period:days` rules; `None` when they disagree (alternative outputs).
    pub sloth_id_periods: HashMap<String, Option<Duration>>,
    /// The quantity each recorded series measures (an error ratio, a quantile), `None` when
    /// its rules record it from different quantities or from none.
    pub recorded_quantities: HashMap<String, Option<Quantity>>,
    /// The input series of the promtool tests, added to the catalog once recorded series are.
    test_series: promaudit_catalog::Catalog,
    /// Recording rules absorbed but not yet turned into catalog families.
    recorded: Vec<Recorded>,
    recorded_keys: HashSet<RecordedKey>,
}

/// A bound a file sets on a quantity: an SLO or SLI promising p95 latency under 1 (second) or
/// an error ratio under 0.001, an alert firing above 2 (seconds).
#[derive(Clone, Debug)]
pub struct Bound {
    pub quantity: Quantity,
    /// In the quantity's own unit (seconds, a 0-1 ratio).
    pub bound: f64,
    /// "SLO `inference-latency`", "SLI `latency`", "alert `HighInferenceLatency`".
    pub source: String,
    /// `file:line`, for messages.
    pub location: String,
    /// The `label="value"` matchers of an alert's selectors: the series it is about. Empty for
    /// objectives, which are judged whatever the labels.
    pub matchers: Vec<(String, String)>,
}

impl Bound {
    /// Whether this bound may be about the series a query with these `label="value"` matchers
    /// reads: no label is matched to two different values.
    pub fn applies_to(&self, matchers: &[(String, String)]) -> bool {
        self.matchers.iter().all(|(label, value)| matchers.iter().all(|(l, v)| l != label || v == value))
    }
}

/// The `label="value"` matchers of the selectors in `expr`, but the metric name and bucket
/// bounds, which name the quantity rather than the series.
pub fn equality_matchers(expr: &Expr) -> Vec<(String, String)> {
    let selectors = promaudit_promql::descendants(expr).filter_map(crate::context::selector_of);
    let equal = selectors.flat_map(|s| &s.matchers.matchers).filter(|m| m.op == promql_parser::label::MatchOp::Equal && m.name != promql_parser::label::METRIC_NAME && m.name != "le");
    equal.map(|m| (m.name.clone(), m.value.clone())).collect()
}

/// One window of a Sloth `AlertWindows` spec, as the burn factor its alert compares with.
#[derive(Clone, Debug)]
pub struct BurnWindow {
    /// The spec's `sloPeriod`.
    pub period: Duration,
    pub long: Duration,
    pub short: Duration,
    /// `errorBudgetPercent` × period / long window.
    pub factor: f64,
}

/// What an SLO allows to fail: 1 - objective.
#[derive(Clone, Debug)]
pub struct ErrorBudget {
    pub budget: f64,
    /// "SLO `api-availability`".
    pub owner: String,
    /// "objective 99.9% at slo.yml:7".
    pub origin: String,
    /// From a generated `slo:objective:ratio` rule, which the spec it was generated from wins
    /// over: after an objective changes, the rules are stale, not the spec.
    pub generated: bool,
}

/// The first definition of each computation, in file order, to find rules computing the same
/// thing twice, and the first rule writing each series, to find a series written from two
/// expressions.
#[derive(Debug, Default)]
pub struct Recordings {
    by_computation: HashMap<(String, Labels), Definition>,
    /// By the server writing, so that two servers may record one name each their own way; then
    /// by name, with each set of `labels:` the name is written with.
    by_series: HashMap<Scope, HashMap<String, Vec<(Labels, FirstRecording)>>>,
}

/// The key all files nothing assigns to a server share, for what would happen if they were
/// loaded together.
fn pooled(scope: &Scope) -> Option<Scope> {
    matches!(scope, Scope::File(_)).then(|| Scope::File(String::new()))
}

type Labels = Vec<(String, String)>;

/// A recording rule as the duplicate checks compare it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Definition {
    pub name: String,
    /// `file:line`.
    pub location: String,
}

impl Recordings {
    /// The first rule computing `canonical` with `labels`.
    pub fn first_computing(&self, canonical: &str, labels: &Labels) -> Option<&Definition> {
        self.by_computation.get(&(canonical.to_string(), labels.clone()))
    }

    /// The first rule of server `scope` writing the series `name` with `labels`.
    pub fn first_writing(&self, scope: &Scope, name: &str, labels: &Labels) -> Option<&FirstRecording> {
        self.by_series.get(scope)?.get(name)?.iter().find(|(l, _)| l == labels).map(|(_, first)| first)
    }

    /// The first rule writing `name` with `labels` among the files nothing assigns to a server,
    /// were they all loaded by one.
    pub fn first_writing_if_loaded_together(&self, name: &str, labels: &Labels) -> Option<&FirstRecording> {
        self.first_writing(&Scope::File(String::new()), name, labels)
    }

    fn add(&mut self, rule: &Recorded, scope: Scope) {
        let definition = Definition { name: rule.name.clone(), location: format!("{}:{}", rule.source, rule.line) };
        self.by_computation.entry((rule.canonical.clone(), rule.labels.clone())).or_insert(definition);
        let first = FirstRecording { canonical: rule.canonical.clone(), at: Place { file: rule.source.clone(), line: rule.line, span: rule.span } };
        let pool = pooled(&scope);
        for scope in pool.into_iter().chain([scope]) {
            let writers = self.by_series.entry(scope).or_default().entry(rule.name.clone()).or_default();
            if !writers.iter().any(|(l, _)| *l == rule.labels) {
                writers.push((rule.labels.clone(), first.clone()));
            }
        }
    }
}

/// The expression as the parser prints it; the text itself when it does not parse.
pub fn canonical_expression(text: &str, cache: &ParseCache) -> String {
    cache.parse(text).as_ref().as_ref().map_or(text, |parsed| parsed.canonical()).to_string()
}

/// What makes two recording rules the same: name, expression and static labels.
type RecordedKey = (String, String, Vec<(String, String)>);

/// The words of `text` that can name a series it reads: maximal runs of name characters
/// (`[A-Za-z0-9_:]`) not starting with a digit, except those after `record` on their line (a
/// rule's own `record:` line does not read it). A word scan instead of parsing every query of
/// every file a second time; a name in a comment counts as read, which can only hide an unused
/// rule, never invent one.
pub fn words_read(text: &str) -> WordsRead<'_> {
    let record = memchr::memmem::Finder::new("record");
    let next_record = record.find(text.as_bytes());
    let mut words = WordsRead { text, at: 0, readable_end: 0, next_record, record };
    words.readable_end = words.readable_end(0);
    words
}

/// The iterator of [`words_read`]: a hand-written scan, as it runs over every byte of every file.
pub struct WordsRead<'a> {
    text: &'a str,
    at: usize,
    /// Where the current line stops being read.
    readable_end: usize,
    /// The first `record` at or after the current line.
    next_record: Option<usize>,
    record: memchr::memmem::Finder<'static>,
}

impl WordsRead<'_> {
    /// Where the line starting at `start` stops being read: its end, or the end of the word
    /// holding its first `record`.
    fn readable_end(&mut self, start: usize) -> usize {
        let bytes = self.text.as_bytes();
        let line_end = memchr::memchr(b'\n', &bytes[start..]).map_or(bytes.len(), |i| start + i);
        if self.next_record.is_some_and(|at| at < start) {
            self.next_record = self.record.find(&bytes[start..]).map(|i| start + i);
        }
        match self.next_record {
            Some(at) if at < line_end => at + bytes[at..line_end].iter().take_while(|&&b| is_name_byte(b)).count(),
            _ => line_end,
        }
    }
}

impl<'a> Iterator for WordsRead<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        let bytes = self.text.as_bytes();
        loop {
            while self.at < self.readable_end && !is_name_byte(bytes[self.at]) {
                self.at += 1;
            }
            if self.at == self.readable_end {
                self.at += memchr::memchr(b'\n', &bytes[self.at..])? + 1;
                self.readable_end = self.readable_end(self.at);
                continue;
            }
            let start = self.at;
            while self.at < self.readable_end && is_name_byte(bytes[self.at]) {
                self.at += 1;
            }
            // Name characters are ASCII: a word starts and ends on character boundaries.
            if !bytes[start].is_ascii_digit() {
                return Some(&self.text[start..self.at]);
            }
        }
    }
}

fn is_name_byte(b: u8) -> bool {
    NAME_BYTES[usize::from(b)]
}

const NAME_BYTES: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        table[b] = c.is_ascii_alphanumeric() || c == b'_' || c == b':';
        b += 1;
    }
    table
};

/// Whether [`words_read`] can find `name` at all: names with other characters (invalid ones,
/// reported by their own rule) are never taken for unused.
fn is_word(name: &str) -> bool {
    name.starts_with(|c: char| !c.is_ascii_digit()) && name.bytes().all(is_name_byte)
}

/// The words some file reads, by their hashes: no word is copied or compared, which keeps the
/// scan cheap. Two words with one 64-bit hash are vanishingly unlikely, and could only make an
/// unused rule look read, never the reverse.
#[derive(Default)]
struct Words(foldhash::HashSet<u64>);

impl Words {
    fn hash(word: &str) -> u64 {
        use std::hash::BuildHasher;
        foldhash::fast::FixedState::default().hash_one(word)
    }

    /// The hashes of the words `text` reads that are not known yet.
    fn new_in(&self, text: &str) -> foldhash::HashSet<u64> {
        words_read(text).map(Words::hash).filter(|hash| !self.0.contains(hash)).collect()
    }

    fn contains(&self, word: &str) -> bool {
        self.0.contains(&Words::hash(word))
    }
}

impl ProjectFacts {
    pub fn objectives_for<'a>(&'a self, quantity: &'a Quantity) -> impl Iterator<Item = &'a Bound> {
        self.objectives.iter().filter(move |o| o.quantity == *quantity)
    }

    pub fn alert_thresholds_for<'a>(&'a self, quantity: &'a Quantity) -> impl Iterator<Item = &'a Bound> {
        self.alert_thresholds.iter().filter(move |a| a.quantity == *quantity)
    }
}

#[derive(Debug)]
struct Recorded {
    name: String,
    expr: String,
    /// The expression as the parser prints it; the text itself when it does not parse.
    canonical: String,
    /// The `record:` value's span.
    span: promaudit_diagnostics::Span,
    /// The rule's `labels:`, which every recorded series carries with exactly these values.
    labels: Vec<(String, String)>,
    source: String,
    line: usize,
    at: std::sync::Arc<RuleAt>,
}

/// Cheap test on the raw text: can this file hold anything [`learn`] looks for? Most files
/// (alerts, dashboards) cannot, and are not parsed twice.
pub fn may_teach(text: &str) -> bool {
    ["scrape_configs", "record", "objective", "slis:", "indicator", "receivers", "sloPeriod", "input_series", "rule_files"].iter().any(|w| text.contains(w))
}

/// The scrape jobs, recording rules and objectives of one file.
pub fn learn(file: &SourceFile, cache: &ParseCache) -> FileFacts {
    let mut facts = FileFacts::default();
    let location = |span: promaudit_diagnostics::Span| format!("{}:{}", file.display_path(), file.line_col(span.start).line);
    for artifact in promaudit_source::extract(file).artifacts {
        match artifact {
            Artifact::ScrapeConfig(config) => {
                if !config.rule_files.is_empty() {
                    let rule_files: Vec<String> = config.rule_files.iter().map(|f| f.value.clone()).collect();
                    let external = config.external_labels.iter().map(|(name, value)| (name.value.clone(), value.value.clone())).collect();
                    facts.loaders.push(crate::servers::Loader::new(&file.path, file.display_path(), &rule_files, Some(external)));
                }
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
                for group in &rules.groups {
                    let (Some(name), Some(interval)) = (&group.name, group.interval.as_ref().and_then(|i| parse_duration(&i.value))) else { continue };
                    let at = RecordingGroup { name: name.value.clone(), interval, location: location(name.span) };
                    facts.recording_groups.extend(group.rules.iter().filter(|r| r.alert.is_none()).filter_map(|r| Some((r.record.as_ref()?.value.clone(), at.clone()))));
                }
                facts.alerts.learn(file, &rules, cache, AlertNeeds { thresholds: true, labels: true });
                let places = RuleAt::of_file(file);
                for (group, rule) in rules.groups.iter().flat_map(|g| g.rules.iter().map(move |r| (g, r))) {
                    let (Some(expr), Some(record), None) = (&rule.expr, &rule.record, &rule.alert) else { continue };
                    let outcome = cache.parse(&expr.query.value);
                    let parsed = outcome.as_ref().as_ref().ok();
                    let at = places[usize::from(group.partial_response_strategy.is_some())].clone();
                    let reads = parsed.map(|p| series_read(p, &record.value, at.thanos)).unwrap_or_default();
                    let filters = parsed.map(recorded_filters).unwrap_or_default();
                    facts.definitions.push(RuleReads { record: record.value.clone(), reads, filters, labels: static_labels(rule), at: at.clone() });
                    let quantity = parsed.and_then(|p| measured_quantity(&p.expr)).filter(|(_, factor)| *factor == 1.0).map(|(quantity, _)| quantity);
                    facts.recorded_quantities.push((record.value.clone(), quantity));
                    // A hand-edited constant can be negative or infinite: no period, not a panic.
                    if let Some((id, Ok(period))) = generated_sloth_constant(rule, "slo:time_period:days", cache).map(|(id, days)| (id, Duration::try_from_secs_f64(days * 86400.0))) {
                        facts.sloth_id_periods.push((id, period));
                    }
                    if let Some(budget) = generated_sloth_budget(rule, cache) {
                        let (owner, origin) = (format!("SLO `{}`", budget.0), format!("`slo:objective:ratio` at {}", location(record.span)));
                        facts.sloth_budgets.push((budget.0, ErrorBudget { budget: budget.1, owner, origin, generated: true }));
                    }
                    let line = file.line_col(record.span.start).line;
                    let canonical = canonical_expression(&expr.query.value, cache);
                    let recorded = Recorded { name: record.value.clone(), expr: expr.query.value.clone(), canonical, span: record.span, labels: static_labels(rule), source: file.display_path(), line, at };
                    facts.recorded.push(recorded);
                }
            }
            Artifact::SloSpec(spec) => {
                for slo in &spec.slos {
                    if let (Some(id), Some(name)) = (spec.id_of(slo), &slo.name) {
                        let at = Place { file: file.display_path(), line: file.line_col(name.span.start).line, span: name.span };
                        facts.slo_ids.push((id, FirstSlo { at, contents: slo_contents(slo) }));
                    }
                    facts.sloth_budgets.extend(sloth_budget(&spec, slo, location));
                    facts.objectives.extend(slo_objective(slo, spec.format, cache).map(|(quantity, bound)| Bound {
                        quantity,
                        bound,
                        source: format!("SLO `{}`", slo.name.as_ref().map_or("", |n| n.value.as_str())),
                        location: location(slo.span),
                        matchers: Vec::new(),
                    }));
                }
            }
            Artifact::AlertmanagerConfig(config) => {
                let at = config.route.as_ref().map_or(0, |r| r.span.start);
                facts.routing.extend(crate::routing::RoutingTree::new(&config, format!("{}:{}", file.display_path(), file.line_col(at).line)));
            }
            Artifact::AlertWindows(windows) => {
                let period = windows.period.as_ref().and_then(|p| parse_duration(&p.value));
                facts.slo_periods.extend(period);
                facts.burn_windows.extend(windows.windows.iter().filter_map(|w| {
                    let (long, short) = (parse_duration(&w.long.as_ref()?.value)?, parse_duration(&w.short.as_ref()?.value)?);
                    let percent: f64 = w.budget_percent.as_ref()?.value.trim().parse().ok()?;
                    let period = period?;
                    Some(BurnWindow { period, long, short, factor: percent / 100.0 * period.as_secs_f64() / long.as_secs_f64() })
                }));
            }
            Artifact::PromtoolTests(tests) => {
                let loaded = promaudit_catalog::promtool_tests::input_series_families(&tests, &file.display_path(), |offset| file.line_col(offset));
                // Kind conflicts between tests are the catalog loader's to report, not a check's.
                let _ = facts.test_series.merge(loaded.catalog);
                let rule_files: Vec<String> = tests.rule_files.iter().map(|f| f.value.clone()).collect();
                // promtool evaluates the tests locally: its external labels are for templates only.
                facts.loaders.push(crate::servers::Loader::new(&file.path, file.display_path(), &rule_files, None));
            }
            Artifact::SliList(slis) => {
                for sli in slis {
                    let (Some(query), Some(target)) = (&sli.query, &sli.target) else { continue };
                    let Some((quantity, factor)) = parsed_quantity(&query.query.value, cache) else { continue };
                    let Some(bound) = upper_bound(&target.value) else { continue };
                    facts.objectives.push(Bound { quantity, bound: bound / factor, source: format!("SLI `{}`", sli.name.value), location: location(sli.name.span), matchers: Vec::new() });
                }
            }
            _ => {}
        }
    }
    facts
}

/// A rule's `labels:`, sorted, as what tells its series apart from another rule's.
pub fn static_labels(rule: &promaudit_source::artifact::Rule) -> Vec<(String, String)> {
    let mut labels: Vec<_> = rule.labels.iter().map(|(name, value)| (name.value.clone(), value.value.clone())).collect();
    labels.sort_unstable();
    labels
}

/// Cycles among the rules `members` (indices into `reads`) by what each rule can read of the
/// others: for each rule on a cycle, its name and the names along the cycle back to it.
fn rule_cycles(reads: &[RuleReads], members: &[usize]) -> HashMap<String, Vec<String>> {
    // A node is a series a server writes: a name and its rule's `labels:`. Copies of one rule
    // (the same file checked twice, per-cluster copies) are one node, so the graph grows with
    // distinct definitions, not with copies.
    let node = |record: &str, labels: &[(String, String)]| {
        let mut key = record.to_string();
        for (label, value) in labels {
            key.push('\u{0}');
            key.push_str(label);
            key.push('=');
            key.push_str(value);
        }
        key
    };
    let mut writers: HashMap<&str, Vec<&[(String, String)]>> = HashMap::new();
    for &index in members {
        let known = writers.entry(reads[index].record.as_str()).or_default();
        if !known.contains(&reads[index].labels.as_slice()) {
            known.push(&reads[index].labels);
        }
    }
    // Only rules reading another rule of the same server can be on a cycle: most read none.
    let mut graph = promaudit_semantic::graph::RuleGraph::default();
    for &index in members {
        let rule = &reads[index];
        let read: Vec<String> = rule
            .reads
            .iter()
            .filter_map(|name| writers.get(name.as_str()).map(|w| (name, w)))
            .flat_map(|(name, w)| w.iter().filter(move |labels| sees_writer(rule, name, labels)).map(move |labels| node(name, labels)))
            .collect();
        if !read.is_empty() {
            graph.add_definition(&node(&rule.record, &rule.labels), &read);
        }
    }
    if !graph.has_definitions() {
        return HashMap::new();
    }
    let name = |key: &String| key.split('\u{0}').next().unwrap_or_default().to_string();
    graph.cycles().into_iter().map(|(key, cycle)| (name(&key), cycle.iter().map(name).collect())).collect()
}

/// Whether some selector of `name` in `rule` can select what a writer with these `labels:`
/// records: `x{env="prod"}` does not read the rule writing `x` with `env: staging`.
fn sees_writer(rule: &RuleReads, name: &str, labels: &[(String, String)]) -> bool {
    let admits = |matchers: &Vec<promql_parser::label::Matcher>| matchers.iter().all(|m| labels.iter().find(|(l, _)| *l == m.name).is_none_or(|(_, value)| m.is_match(value)));
    let mut selectors = rule.filters.iter().filter(|(n, _)| n == name).map(|(_, m)| m).peekable();
    selectors.peek().is_none() || selectors.any(admits)
}

/// The label matchers of each selector.
fn recorded_filters(parsed: &promaudit_promql::ParsedQuery) -> Vec<(String, Vec<promql_parser::label::Matcher>)> {
    let mut filters = Vec::new();
    parsed.walk(&mut |visit| {
        let Some(selector) = crate::context::selector_of(visit.expr) else { return };
        let Some(name) = crate::context::selector_name(selector) else { return };
        let matchers: Vec<_> = selector.matchers.matchers.iter().filter(|m| m.name != promql_parser::label::METRIC_NAME).cloned().collect();
        filters.push((name.to_string(), matchers));
    });
    filters
}

/// The series names a recording rule's selectors read. Two reads of its own name are not a
/// dependency on itself: `x offset 25s`, which asks for its earlier value on purpose (a running
/// total), and, in a Thanos ruler, `x{monitor!="global"}`, which reads what the servers below
/// record: its own output carries the ruler's external labels, which the filter may exclude.
fn series_read(parsed: &promaudit_promql::ParsedQuery, record: &str, thanos: bool) -> Vec<String> {
    let mut names = Vec::new();
    parsed.walk(&mut |visit| {
        let Some(selector) = crate::context::selector_of(visit.expr) else { return };
        let Some(name) = crate::context::selector_name(selector) else { return };
        let filtered = selector.matchers.matchers.iter().any(|m| m.name != promql_parser::label::METRIC_NAME);
        let earlier = selector.offset.is_some();
        if name != record || !(earlier || thanos && filtered) {
            names.push(name.to_string());
        }
    });
    names
}

/// `quantity > threshold` at the top of an alert (through `and`/`unless` filters): the
/// quantity, the threshold in the quantity's own unit, and the threshold's node.
pub(crate) fn alert_comparison(expr: &Expr) -> Option<(Quantity, f64, &Expr)> {
    match expr {
        Expr::Paren(p) => alert_comparison(&p.expr),
        Expr::Binary(b) if matches!(b.op.id(), token::T_LAND | token::T_LUNLESS) => alert_comparison(&b.lhs),
        Expr::Binary(b) if matches!(b.op.id(), token::T_GTR | token::T_GTE) => {
            let Expr::NumberLiteral(t) = b.rhs.as_ref() else { return None };
            let (quantity, factor) = measured_quantity(&b.lhs)?;
            Some((quantity, t.val / factor, &b.rhs))
        }
        _ => None,
    }
}

/// Cheap tests on the raw text: can this file hold an alert, or a dashboard panel's thresholds?
/// Alerts' thresholds are learned from files [`may_teach`] rejects only when some file may hold
/// panels to judge by them, so a repository of rules alone never reads its alerts twice.
fn may_alert(text: &str) -> bool {
    text.contains("alert")
}

/// Grafana keeps a panel's colors under `thresholds.steps`; prose in alerts often says
/// "thresholds" but seldom "steps".
fn may_show_thresholds(text: &str) -> bool {
    text.contains("thresholds") && text.contains("steps")
}

/// Which facts of alerts the checks need, known once the files [`may_teach`] accepts are
/// learned: those files give theirs whatever is needed.
#[derive(Clone, Copy, Debug)]
struct AlertNeeds {
    /// Some file may hold panels to judge by alert thresholds.
    thresholds: bool,
    /// Some routing tree may route the alerts.
    labels: bool,
}

impl AlertNeeds {
    fn any(self) -> bool {
        self.thresholds || self.labels
    }
}

/// Cheap test on the raw text: can an alert of this file notice a job's targets disappearing?
fn may_watch_absence(text: &str) -> bool {
    text.contains("absent") || text.contains("vector")
}

impl AlertFacts {
    fn learn(&mut self, file: &SourceFile, rules: &promaudit_source::artifact::RuleFile, cache: &ParseCache, needs: AlertNeeds) {
        if needs.thresholds {
            self.thresholds.extend(alert_thresholds(file, rules, cache));
        }
        self.absence_watches.extend(crate::alert_facts::absence_watches_of(rules, cache));
        if needs.labels {
            self.labels.extend(crate::alert_facts::alert_labels(rules));
        }
    }
}

/// The facts `needs` asks of the alerts of a file [`learn`] was not run on.
fn learn_alerts(file: &SourceFile, cache: &ParseCache, needs: AlertNeeds) -> AlertFacts {
    let mut facts = AlertFacts::default();
    for artifact in promaudit_source::extract(file).artifacts {
        if let Artifact::RuleFile(rules) = artifact {
            facts.learn(file, &rules, cache, needs);
        }
    }
    facts
}

/// Where each alert on a known quantity fires, in the quantity's unit.
fn alert_thresholds<'a>(file: &'a SourceFile, rules: &'a promaudit_source::artifact::RuleFile, cache: &'a ParseCache) -> impl Iterator<Item = Bound> + 'a {
    rules.groups.iter().flat_map(|g| &g.rules).filter_map(move |rule| {
        let (alert, expr) = (rule.alert.as_ref()?, rule.expr.as_ref()?);
        let outcome = cache.parse(&expr.query.value);
        let parsed = &outcome.as_ref().as_ref().ok()?.expr;
        let (quantity, bound, _) = alert_comparison(parsed)?;
        let location = format!("{}:{}", file.display_path(), file.line_col(alert.span.start).line);
        Some(Bound { quantity, bound, source: format!("alert `{}`", alert.value), location, matchers: equality_matchers(parsed) })
    })
}

/// The quantity a query (with Grafana or Sloth placeholders substituted) measures.
fn parsed_quantity(text: &str, cache: &ParseCache) -> Option<(Quantity, f64)> {
    let substituted = promaudit_source::placeholders::substitute(text);
    measured_quantity(&cache.parse(&substituted.text).as_ref().as_ref().ok()?.expr)
}

/// An SLO's promise: latency SLOs (errors counted from a `le` bucket) bound a quantile by the
/// bucket, ratio SLOs bound the error ratio by the error budget.
fn slo_objective(slo: &Slo, format: SloFormat, cache: &ParseCache) -> Option<(Quantity, f64)> {
    let objective: f64 = slo.objective.as_ref()?.value.trim().trim_end_matches('%').parse().ok()?;
    let percent = if format == SloFormat::OpenSlo { objective * 100.0 } else { objective };
    let part = |wanted: &[SloPart]| slo.queries.iter().find(|q| matches!(&q.role, QueryRole::SloQuery { part, .. } if wanted.contains(part)));
    let numerator = part(&[SloPart::Errors, SloPart::Bad, SloPart::Good])?;
    let total = part(&[SloPart::Total])?;
    let substituted = promaudit_source::placeholders::substitute(&numerator.query.value);
    let outcome = cache.parse(&substituted.text);
    let parsed = outcome.as_ref().as_ref().ok()?;
    if let Some((histogram, le)) = latency_bucket(&parsed.expr) {
        return Some((Quantity::Quantile { histogram, quantile: percent / 100.0 }, le));
    }
    let total = promaudit_source::placeholders::substitute(&total.query.value);
    let total = cache.parse(&total.text);
    let quantity = promaudit_semantic::quantities::ratio_between(&parsed.expr, &total.as_ref().as_ref().ok()?.expr)?;
    // The budget bounds the error ratio: a good-events ratio stands for its complement.
    let errors = if matches!(numerator.role, QueryRole::SloQuery { part: SloPart::Good, .. }) { quantity.complement().unwrap_or(quantity) } else { quantity };
    Some((errors, error_budget(percent)))
}

/// A Sloth SLO's `sloth_id` (`service-name`) and its error budget.
fn sloth_budget(spec: &promaudit_source::artifact::SloSpec, slo: &Slo, location: impl Fn(promaudit_diagnostics::Span) -> String) -> Option<(String, ErrorBudget)> {
    if !matches!(spec.format, SloFormat::Sloth | SloFormat::SlothCrd) {
        return None;
    }
    let (service, name, objective) = (spec.service.as_ref()?, slo.name.as_ref()?, slo.objective.as_ref()?);
    let percent: f64 = objective.value.trim().parse().ok()?;
    let id = format!("{}-{}", service.value, name.value);
    let origin = format!("objective {percent}% at {}", location(objective.span));
    Some((id.clone(), ErrorBudget { budget: error_budget(percent), owner: format!("SLO `{id}`"), origin, generated: false }))
}

/// `record: slo:objective:ratio` with `expr: vector(0.999)` and a `sloth_id` label, as Sloth
/// generates it: the id and its error budget.
fn generated_sloth_budget(rule: &promaudit_source::artifact::Rule, cache: &ParseCache) -> Option<(String, f64)> {
    let (id, objective) = generated_sloth_constant(rule, "slo:objective:ratio", cache)?;
    Some((id, error_budget(objective * 100.0)))
}

/// A Sloth-generated rule `record`ing a constant (`vector(0.999)`) for one `sloth_id`.
fn generated_sloth_constant(rule: &promaudit_source::artifact::Rule, record: &str, cache: &ParseCache) -> Option<(String, f64)> {
    if rule.record.as_ref()?.value != record {
        return None;
    }
    let id = rule.labels.iter().find(|(name, _)| name.value == "sloth_id")?.1.value.clone();
    let outcome = cache.parse(&rule.expr.as_ref()?.query.value);
    let value = match &outcome.as_ref().as_ref().ok()?.expr {
        Expr::Call(call) if call.func.name == "vector" => match call.args.args.first()?.as_ref() {
            Expr::NumberLiteral(n) => n.val,
            _ => return None,
        },
        Expr::NumberLiteral(n) => n.val,
        _ => return None,
    };
    Some((id, value))
}

/// 1 - objective, without the float noise of `1.0 - 0.999` (0.0009999999999998899).
fn error_budget(percent: f64) -> f64 {
    ((100.0 - percent) / 100.0 * 1e9).round() / 1e9
}

/// The histogram and bound of the first `…_bucket{le="x"}` selector.
fn latency_bucket(expr: &Expr) -> Option<(String, f64)> {
    for selector in promaudit_promql::descendants(expr).filter_map(crate::context::selector_of) {
        let name = crate::context::selector_name(selector).and_then(|n| n.strip_suffix("_bucket"));
        let le = selector.matchers.matchers.iter().find(|m| m.name == "le" && m.op == promql_parser::label::MatchOp::Equal);
        if let (Some(name), Some(le)) = (name, le) {
            return Some((name.to_string(), le.value.parse().ok()?));
        }
    }
    None
}

/// `< 1s` → 1, `< 500ms` → 0.5, `< 0.1%` → 0.001: an SLI target's upper bound in base units.
fn upper_bound(target: &str) -> Option<f64> {
    let rest = target.trim().strip_prefix('<')?.trim_start_matches('=').trim();
    let number_end = rest.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(rest.len());
    let value: f64 = rest[..number_end].parse().ok()?;
    let scale = match rest[number_end..].trim() {
        "" | "s" => 1.0,
        "ms" => 1e-3,
        "%" => 1e-2,
        "m" | "min" => 60.0,
        _ => return None,
    };
    Some(value * scale)
}

/// A live snapshot as a catalog: its series and metadata, its jobs' scrape intervals and the
/// target labels its configuration's relabeling writes.
pub fn live_catalog(snapshot: promaudit_catalog::live::LiveSnapshot) -> promaudit_catalog::Catalog {
    let mut catalog = snapshot.catalog;
    for (job, interval) in snapshot.scrape_intervals {
        catalog.set_job(job, promaudit_catalog::JobInfo { scrape_interval: Some(interval), target_labels: Vec::new() });
    }
    if let Some(config) = snapshot.config {
        learn(&SourceFile::new("live:/api/v1/status/config", config), &Default::default()).add_jobs_to(&mut catalog);
    }
    // Too many series to list: counts without label names.
    if !snapshot.series_counts.is_empty() {
        for family in catalog.families.values_mut() {
            family.labels_complete = false;
        }
    }
    for (name, series) in snapshot.series_counts {
        let origin = promaudit_catalog::Origin::new(promaudit_catalog::OriginKind::Live, "live", 0);
        let family = catalog.families.entry(name.clone()).or_insert_with(|| promaudit_catalog::MetricFamily::new(name, promaudit_catalog::MetricKind::Untyped, origin));
        family.series = series;
        family.labels_complete = false;
    }
    catalog
}

impl FileFacts {
    /// The series this file's recording rules write.
    pub fn recorded_names(&self) -> impl Iterator<Item = &str> {
        self.definitions.iter().map(|d| d.record.as_str())
    }

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

/// Records `value` for `key`, or `None` once two definitions disagree.
fn note_agreed<T: PartialEq>(known: &mut HashMap<String, Option<T>>, key: String, value: Option<T>) {
    known.entry(key).and_modify(|known| if *known != value { *known = None }).or_insert(value);
}

impl Checker {
    /// Adds one file's facts. The catalog the user gave wins: a live server's intervals and
    /// recorded series are the truth, the files are what should be. A recording rule repeated verbatim (the same file checked twice,
    /// a vendored copy) is kept once, so what is held grows with distinct rules, not files.
    pub fn absorb(&mut self, file: FileFacts) {
        file.add_jobs_to(&mut self.catalog);
        self.project.objectives.extend(file.objectives);
        self.absorb_alerts(file.alerts);
        for definition in &file.definitions {
            self.project.graph.add_definition(&definition.record, &definition.reads);
        }
        self.project.rule_reads.extend(file.definitions);
        self.project.loaders.extend(file.loaders);
        self.project.routing.extend(file.routing);
        self.project.sloth_periods.extend(file.slo_periods);
        self.project.burn_windows.extend(file.burn_windows);
        for (series, quantity) in file.recorded_quantities {
            note_agreed(&mut self.project.recorded_quantities, series, quantity);
        }
        for (id, period) in file.sloth_id_periods {
            note_agreed(&mut self.project.sloth_id_periods, id, Some(period));
        }
        for (id, budget) in file.sloth_budgets {
            let known = self.project.sloth_budgets.entry(id).or_insert_with(|| budget.clone());
            if known.generated && !budget.generated {
                *known = budget;
            }
        }
        for (series, group) in file.recording_groups {
            self.project.recording_groups.entry(series).or_insert(group);
        }
        for (id, at) in file.slo_ids {
            self.project.slo_ids.entry(id).or_insert(at);
        }
        let _ = self.project.test_series.merge(file.test_series);
        for rule in file.recorded {
            if self.project.recorded_keys.insert((rule.name.clone(), rule.expr.clone(), rule.labels.clone())) {
                self.project.recorded.push(rule);
            }
        }
    }

    fn absorb_alerts(&mut self, alerts: AlertFacts) {
        self.project.alert_thresholds.extend(alerts.thresholds);
        self.project.absence_watches.extend(alerts.absence_watches);
        self.project.alerts.extend(alerts.labels);
    }

    /// What the alerts of the files [`may_teach`] rejects must tell, once the others are
    /// learned: what the files learned so far gave but no check needs is dropped.
    fn alert_needs(&mut self, panels: bool) -> AlertNeeds {
        let needs = AlertNeeds { thresholds: panels, labels: !self.project.routing.is_empty() };
        if !needs.thresholds {
            self.project.alert_thresholds = Vec::new();
        }
        if !needs.labels {
            self.project.alerts.clear();
        }
        needs
    }

    /// Once every file is absorbed: the graph's cycles, the recorded series' families, and which
    /// recorded series some file reads (`is_read` tells whether any file has the word).
    fn finish_learning(&mut self, is_read: impl Fn(&str) -> bool) {
        let loaders = std::mem::take(&mut self.project.loaders);
        self.project.servers = Servers::new(self.config.servers.clone(), self.config.root.clone(), loaders);
        self.find_cycles();
        let recorded = std::mem::take(&mut self.project.recorded);
        for rule in &recorded {
            let scope = self.project.servers.scope_of(&rule.at.path, &rule.at.display, rule.at.thanos);
            self.project.recordings.add(rule, scope);
        }
        self.add_recorded(&recorded);
        self.add_test_series();
        self.project.recorded_keys.clear();
        let read: Vec<String> = self.project.graph.defined().filter(|name| !is_word(name) || is_read(name)).map(str::to_string).collect();
        for name in read {
            self.project.graph.add_use(&name);
        }
    }

    /// Cycles within each server, then the cycles that appear only if the files nothing ties to
    /// a server are all loaded by one.
    fn find_cycles(&mut self) {
        let reads = std::mem::take(&mut self.project.rule_reads);
        let servers = &self.project.servers;
        // Rules come file by file: a file's groups share their server, asked once.
        let (mut unique, mut ids): (Vec<Scope>, HashMap<Scope, usize>) = Default::default();
        let mut scope_ids: Vec<usize> = Vec::with_capacity(reads.len());
        for (index, rule) in reads.iter().enumerate() {
            let id = match index.checked_sub(1) {
                Some(previous) if std::sync::Arc::ptr_eq(&reads[previous].at, &rule.at) => scope_ids[previous],
                _ => {
                    let scope = servers.scope_of(&rule.at.path, &rule.at.display, rule.at.thanos);
                    *ids.entry(scope.clone()).or_insert_with(|| {
                        unique.push(scope);
                        unique.len() - 1
                    })
                }
            };
            scope_ids.push(id);
        }
        let mut members: HashMap<usize, Vec<usize>> = HashMap::new();
        let mut unassigned = Vec::new();
        for (index, (rule, &id)) in reads.iter().zip(&scope_ids).enumerate() {
            members.entry(id).or_default().push(index);
            let scope = &unique[id];
            if matches!(scope, Scope::File(_)) {
                unassigned.push(index);
            }
            let writers = self.project.recorded_scopes.entry(rule.record.clone()).or_default();
            if !writers.contains(scope) {
                writers.push(scope.clone());
            }
        }
        for (id, rules) in members {
            let found = rule_cycles(&reads, &rules);
            if !found.is_empty() {
                self.project.cycles.insert(unique[id].clone(), found);
            }
        }
        let proven: HashSet<&str> = self.project.cycles.values().flat_map(|c| c.keys()).map(String::as_str).collect();
        let unproven: Vec<_> = rule_cycles(&reads, &unassigned).into_iter().filter(|(name, _)| !proven.contains(name.as_str())).collect();
        self.project.cycles_if_loaded_together.extend(unproven);
    }

    /// Notes the series a file recorded at an older revision (`earlier`, learned from that
    /// revision's text) that no checked file records now. Call after learning.
    pub fn note_removed_recordings(&mut self, earlier: &FileFacts, origin: &str) {
        for name in earlier.recorded_names().filter(|name| !self.project.graph.is_defined(name)) {
            self.project.removed_recordings.entry(name.to_string()).or_insert_with(|| origin.to_string());
        }
    }

    /// Scrape configurations, recording rules and objectives among `files` are learned, and the
    /// words each file reads collected, in one read of each file: the checks of every other file
    /// need them. `read` gives a file's text (from disk, or an editor's unsaved buffer); files are
    /// read again for checking rather than kept, so memory stays flat (the words are distinct
    /// across the project).
    pub fn learn_from_files(&mut self, files: &[PathBuf], read: &(dyn Fn(&Path) -> Option<String> + Sync)) {
        let mut words = Words::default();
        let scan_words = self.finds_unused_rules();
        let (mut alert_files, mut panels) = (Vec::new(), false);
        for chunk in files.chunks(LEARN_CHUNK) {
            let (known, cache) = (&words, &self.cache);
            let learned: Vec<_> = chunk
                .par_iter()
                .filter_map(|path| read(path).map(|text| (path, text)))
                .map(|(path, text)| {
                    let new_words = if scan_words { known.new_in(&text) } else { Default::default() };
                    let (teaches, alerts, shows) = (may_teach(&text), may_alert(&text), may_show_thresholds(&text));
                    let alerts_only = (!teaches && alerts).then(|| may_watch_absence(&text));
                    // A file that panics here is reported when it is checked; the others still teach.
                    let facts = teaches.then(|| crate::isolation::isolated(|| learn(&SourceFile::new(path, text), cache)).ok()).flatten();
                    (path, new_words, facts, alerts_only, shows)
                })
                .collect();
            for (path, new_words, facts, alerts_only, shows) in learned {
                words.0.extend(new_words);
                if let Some(facts) = facts {
                    self.absorb(facts);
                }
                if let Some(watches_absence) = alerts_only {
                    alert_files.push((path, watches_absence));
                }
                panels |= shows;
            }
        }
        let needs = self.alert_needs(panels);
        let wanted: Vec<&PathBuf> = alert_files.into_iter().filter(|(_, watches_absence)| needs.any() || *watches_absence).map(|(path, _)| path).collect();
        for chunk in wanted.chunks(LEARN_CHUNK) {
            let cache = &self.cache;
            let learned: Vec<_> = chunk.par_iter().filter_map(|path| read(path).and_then(|text| crate::isolation::isolated(|| learn_alerts(&SourceFile::new(path.as_path(), text), cache, needs)).ok())).collect();
            for facts in learned {
                self.absorb_alerts(facts);
            }
        }
        self.finish_learning(|name| !scan_words || words.contains(name));
    }

    /// Only `graph/unused-recording-rule` needs the words files read: a scan of every byte.
    fn finds_unused_rules(&self) -> bool {
        self.config.may_report(&crate::rules::graph::unused_recording_rule::UnusedRecordingRule::META)
    }

    /// Every step for files already in memory.
    pub fn learn_project(&mut self, files: &[SourceFile]) {
        for file in files.iter().filter(|f| may_teach(&f.text)) {
            let facts = learn(file, &self.cache);
            self.absorb(facts);
        }
        let needs = self.alert_needs(files.iter().any(|f| may_show_thresholds(&f.text)));
        for file in files.iter().filter(|f| !may_teach(&f.text) && may_alert(&f.text) && (needs.any() || may_watch_absence(&f.text))) {
            let facts = learn_alerts(file, &self.cache, needs);
            self.absorb_alerts(facts);
        }
        let words = Words(files.iter().flat_map(|file| words_read(&file.text)).map(Words::hash).collect());
        self.finish_learning(|name| words.contains(name));
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

    /// The families promtool tests show that nothing else describes: the catalog the user gave
    /// and the recording rules that write a series know more than a test's example of it.
    fn add_test_series(&mut self) {
        let test_series = std::mem::take(&mut self.project.test_series);
        for (name, family) in test_series.families {
            self.catalog.families.entry(name).or_insert(family);
        }
    }

    fn recorded_family(&self, rule: &Recorded) -> Option<MetricFamily> {
        let outcome = self.cache.parse(&rule.expr);
        let parsed = outcome.as_ref().as_ref().ok()?;
        let writer = self.project.servers.scope_of(&rule.at.path, &rule.at.display, rule.at.thanos);
        let labels = infer_labels(&parsed.expr, &crate::servers::SeenFrom { catalog: &self.catalog, project: &self.project, reader: writer });
        let measure = infer_values(&parsed.expr, &self.catalog).of(&parsed.expr).measure;
        let mut family = MetricFamily::new(rule.name.clone(), MetricKind::Unknown, Origin::new(OriginKind::RecordingRule, rule.source.clone(), rule.line));
        family.unit = measure.map_or(Unit::Unknown, unit_of);
        family.labels_complete = labels.possible.is_some();
        family.always = labels.certain.iter().filter(|l| *l != promql_parser::label::METRIC_NAME).cloned().chain(rule.labels.iter().map(|(name, _)| name.clone())).collect();
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
    known.always = known.always.intersection(&other.always).cloned().collect();
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_whole_names_not_after_record_on_their_line() {
        let text = "- record: job:up:sum # record\n  expr: sum by (job) (up{job=\"api\"}) # 5m recorded\r\n\
                    - alert: Down\n    expr: job:up:sum==0 and é_name  9lives\n    # recorded: job:seen\n";
        let words: Vec<&str> = words_read(text).collect();
        // A colon is a name character: YAML keys come with theirs, and never equal a name.
        let expected = ["record:", "expr:", "sum", "by", "job", "up", "job", "api", "recorded", "alert:", "Down", "expr:", "job:up:sum", "and", "_name", "recorded:"];
        assert_eq!(words, expected);
    }

    /// The scan as it would be written plainly: split each line into words, and stop after
    /// the word holding the line's first `record`.
    fn words_by_splitting(text: &str) -> Vec<&str> {
        let mut words = Vec::new();
        for line in text.split('\n') {
            for word in line.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':')).filter(|w| !w.is_empty()) {
                if !word.starts_with(|c: char| c.is_ascii_digit()) {
                    words.push(word);
                }
                if word.contains("record") {
                    break;
                }
            }
        }
        words
    }

    proptest::proptest! {
        #[test]
        fn the_scan_finds_the_words_splitting_finds(text in "(record|rec|job:up|é|[a-z0-9_: \n\r#-]){0,40}") {
            proptest::prop_assert_eq!(words_read(&text).collect::<Vec<_>>(), words_by_splitting(&text));
        }
    }

    #[test]
    fn promtool_tests_teach_series_and_which_rule_files_run_together() {
        let test = "rule_files: [alerts.yml, ../shared/./rules.yml]\ntests:\n  - input_series:\n      - series: 'queue:depth{queue=\"a\"}'\n        values: 1\n      - series: 'job:up:sum{job=\"a\"}'\n        values: 1\n";
        let rules = "groups:\n- name: a\n  rules:\n  - record: job:up:sum\n    expr: sum by (job) (up)\n";
        let mut checker = Checker::default();
        checker.learn_project(&[SourceFile::new("/repo/team/rules_test.yml", test), SourceFile::new("/repo/team/rules.yml", rules)]);
        let scope = |path: &str| checker.project.servers.scope_of(Path::new(path), path, false);
        assert_eq!(scope("/repo/shared/rules.yml"), scope("/repo/team/alerts.yml"));
        assert_eq!(scope("/repo/team/rules.yml"), crate::servers::Scope::File("/repo/team/rules.yml".into()));
        let queue = checker.catalog.family("queue:depth").expect("the input series is a family");
        assert_eq!((queue.origin.kind, queue.origin.line), (OriginKind::PromtoolTest, 4));
        // The test shows `queue`; it does not show that no other label exists.
        assert!(!queue.labels_complete && queue.labels.contains_key("queue"));
        // The rule that writes a series knows it better than a test's example of it.
        assert_eq!(checker.catalog.family("job:up:sum").unwrap().origin.kind, OriginKind::RecordingRule);
    }

    #[test]
    fn a_record_without_a_newline_ends_the_text() {
        assert_eq!(words_read("a b record: c").collect::<Vec<_>>(), ["a", "b", "record:"]);
        assert_eq!(words_read("").count(), 0);
        assert_eq!(words_read("\n\n").count(), 0);
    }
}
