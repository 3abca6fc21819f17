//! The monitoring artifacts promaudit understands, as plain data with file spans. Every span
//! here is already in file coordinates, however deeply the artifact was embedded.

use crate::OffsetMap;
use promaudit_diagnostics::Span;

/// A scalar's decoded value and the file span of its whole token.
#[derive(Clone, Debug, PartialEq)]
pub struct Text {
    pub value: String,
    pub span: Span,
}

/// A scalar whose inner positions matter (a query, a Go template): its decoded value and the map
/// from offsets in `value` to file offsets.
#[derive(Clone, Debug, PartialEq)]
pub struct MappedText {
    pub value: String,
    pub span: Span,
    pub map: OffsetMap,
}

impl MappedText {
    /// The file span of `inner`, a span relative to `value`.
    pub fn file_span(&self, inner: Span) -> Span {
        self.map.map_span(inner)
    }
}

/// What a query is for; rules use it to judge and to name the query in messages.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum QueryRole {
    AlertingRule { name: String },
    RecordingRule { name: String },
    /// A rule with neither (or both) `alert:` and `record:`; still parsed.
    UnnamedRule,
    PanelTarget { panel: String },
    TemplateVariable { name: String },
    SliQuery { name: String },
    SloQuery { slo: String, part: SloPart },
    /// A `promql_expr_test` of a `promtool test rules` file: it runs on the test's input series,
    /// not on a server's, so checks about scrape intervals and series counts do not apply.
    TestExpression { test: String },
    /// An expression of a Markdown ```` ```promql ```` block, for a reader to run.
    PromqlBlock,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SloPart {
    Errors,
    Good,
    Total,
    ErrorRatio,
    Bad,
}

impl SloPart {
    pub fn as_str(self) -> &'static str {
        match self {
            SloPart::Errors => "error query",
            SloPart::Good => "good query",
            SloPart::Total => "total query",
            SloPart::ErrorRatio => "error ratio query",
            SloPart::Bad => "bad query",
        }
    }
}

impl QueryRole {
    /// "alert `HighErrorRate`", "panel `Error Rate`", …
    pub fn describe(&self) -> String {
        match self {
            QueryRole::AlertingRule { name } => format!("alert `{name}`"),
            QueryRole::RecordingRule { name } => format!("recording rule `{name}`"),
            QueryRole::UnnamedRule => "rule".to_string(),
            QueryRole::PanelTarget { panel } => format!("panel `{panel}`"),
            QueryRole::TemplateVariable { name } => format!("template variable `{name}`"),
            QueryRole::SliQuery { name } => format!("SLI `{name}`"),
            QueryRole::SloQuery { slo, part } => format!("{} of SLO `{slo}`", part.as_str()),
            QueryRole::TestExpression { test } => format!("the `promql_expr_test` of {test}"),
            QueryRole::PromqlBlock => "the `promql` block".to_string(),
        }
    }

    /// Whether the query runs in a `promtool test rules` unit test rather than on a server.
    pub fn is_test(&self) -> bool {
        matches!(self, QueryRole::TestExpression { .. })
    }
}

/// A PromQL expression found in a file.
#[derive(Clone, Debug, PartialEq)]
pub struct QuerySite {
    pub query: MappedText,
    pub role: QueryRole,
    /// The query language is known to be templated (Grafana, Sloth), so placeholders are expected.
    pub templated: bool,
    /// A value of each variable whose values the dashboard lists (custom, constant, interval).
    pub values: Vec<(String, String)>,
}

impl QuerySite {
    /// The query with its placeholders replaced by PromQL that parses.
    pub fn substituted(&self) -> crate::placeholders::Substituted {
        crate::placeholders::substitute_with(&self.query.value, &self.values)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RuleFileFlavor {
    Prometheus,
    /// A `PrometheusRule` custom resource (`spec.groups`).
    PrometheusRuleCrd,
}

#[derive(Clone, Debug, PartialEq)]
pub struct RuleFile {
    pub flavor: RuleFileFlavor,
    pub groups: Vec<RuleGroup>,
    /// Top-level keys besides `groups` (plain rule files only).
    pub unknown_fields: Vec<Text>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct RuleGroup {
    pub span: Span,
    pub name: Option<Text>,
    pub interval: Option<Text>,
    /// Set only on groups a Thanos ruler evaluates.
    pub partial_response_strategy: Option<Text>,
    pub rules: Vec<Rule>,
    pub unknown_fields: Vec<Text>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Rule {
    pub span: Span,
    pub record: Option<Text>,
    pub alert: Option<Text>,
    /// The `expr:` key, for diagnostics about a missing or empty expression.
    pub expr_key: Option<Span>,
    pub expr: Option<QuerySite>,
    pub for_: Option<Text>,
    pub keep_firing_for: Option<Text>,
    pub labels: Vec<(Text, MappedText)>,
    pub annotations: Vec<(Text, MappedText)>,
    pub unknown_fields: Vec<Text>,
}

impl Rule {
    /// The rule's name and its span: `alert:` or `record:` value.
    pub fn name(&self) -> Option<&Text> {
        self.alert.as_ref().or(self.record.as_ref())
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Dashboard {
    pub span: Span,
    pub title: Option<Text>,
    pub panels: Vec<Panel>,
    pub variables: Vec<QuerySite>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Panel {
    pub span: Span,
    pub title: Option<Text>,
    pub kind: Option<Text>,
    pub unit: Option<Text>,
    /// Some field override sets its own unit (`byRegexp` on a legend): which queries keep
    /// `unit` is not known.
    pub unit_overridden: bool,
    /// The label of the value axis: `fieldConfig.defaults.custom.axisLabel`, or the left
    /// axis's `label` of the old graph panel.
    pub axis_label: Option<Text>,
    /// The color steps the author set and the panel shows, lowest first; none when the panel
    /// keeps Grafana's default steps or does not show them.
    pub thresholds: Vec<Threshold>,
    pub targets: Vec<QuerySite>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Threshold {
    /// Where the step's color starts; minus infinity for the base step (`value: null`).
    pub value: f64,
    /// The value's span; the whole step's for the base step.
    pub span: Span,
    pub color: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SloFormat {
    /// Sloth `version: prometheus/v1`.
    Sloth,
    /// Sloth `PrometheusServiceLevel` custom resource.
    SlothCrd,
    /// Pyrra `ServiceLevelObjective` custom resource.
    Pyrra,
    OpenSlo,
}

#[derive(Clone, Debug, PartialEq)]
pub struct SloSpec {
    pub format: SloFormat,
    pub service: Option<Text>,
    /// `namespace/name` of a custom resource or an OpenSLO `SLO` (namespace empty when not
    /// written).
    pub resource: Option<String>,
    pub slos: Vec<Slo>,
}

impl SloSpec {
    /// What identifies `slo` to its tool: two SLOs with the same id write the same series.
    /// Sloth names its rules' `sloth_id` after the service and the SLO; custom resources are
    /// told apart by namespace and name; OpenSLO by name.
    pub fn id_of(&self, slo: &Slo) -> Option<String> {
        let name = &slo.name.as_ref()?.value;
        match self.format {
            SloFormat::Sloth => Some(format!("Sloth SLO `{}-{name}`", self.service.as_ref()?.value)),
            SloFormat::SlothCrd => Some(format!("Sloth SLO `{name}` of `{}`", self.resource.as_ref()?)),
            SloFormat::Pyrra => Some(format!("Pyrra SLO `{}`", self.resource.as_ref()?)),
            SloFormat::OpenSlo => Some(format!("OpenSLO SLO `{}`", self.resource.as_ref()?)),
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Slo {
    pub span: Span,
    pub name: Option<Text>,
    pub objective: Option<Text>,
    pub window: Option<Text>,
    pub queries: Vec<QuerySite>,
    /// The keys the queries were found under, as written (Sloth: `error_query` or `errorQuery`).
    pub query_keys: Vec<Text>,
    /// The kinds of SLI the SLO declares, as written (Sloth: `events`, `raw`, `plugin`).
    pub sli_kinds: Vec<Text>,
    /// OpenSLO's list of time windows; `window` holds its first item's duration.
    pub time_windows: Option<TimeWindows>,
}

/// OpenSLO's `timeWindow` (v1) or `timeWindows` (v1alpha, `count` and `unit`): a list of exactly
/// one window, rolling or aligned to a calendar.
#[derive(Clone, Debug, PartialEq)]
pub struct TimeWindows {
    /// The key, as written: it tells the version.
    pub key: Text,
    pub items: usize,
    /// The first item's `isRolling`.
    pub rolling: Option<Text>,
    /// The first item's `calendar`.
    pub calendar: Option<Calendar>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Calendar {
    pub key: Text,
    pub start_time: Option<Text>,
    pub time_zone: Option<Text>,
}

/// Sloth's `AlertWindows`: the multi-window burn-rate alerts of one SLO period.
#[derive(Clone, Debug, PartialEq)]
pub struct AlertWindows {
    pub span: Span,
    /// `sloPeriod`.
    pub period: Option<Text>,
    pub windows: Vec<BurnRateWindow>,
}

/// One of `page.quick`, `page.slow`, `ticket.quick`, `ticket.slow`.
#[derive(Clone, Debug, PartialEq)]
pub struct BurnRateWindow {
    /// `page.quick`.
    pub name: String,
    pub span: Span,
    /// `errorBudgetPercent`: the share of the period's budget that fires the alert.
    pub budget_percent: Option<Text>,
    pub short: Option<Text>,
    pub long: Option<Text>,
}

/// The seed guide's `slis:` map of named queries with targets.
#[derive(Clone, Debug, PartialEq)]
pub struct Sli {
    pub name: Text,
    pub target: Option<Text>,
    pub query: Option<QuerySite>,
}

/// A metric declared in a `custom_metrics:` list.
#[derive(Clone, Debug, PartialEq)]
pub struct DeclaredMetric {
    pub span: Span,
    pub name: Option<Text>,
    pub kind: Option<Text>,
    pub help: Option<Text>,
    pub labels: Vec<Text>,
}

/// A metric family in exposition text (Prometheus text format or OpenMetrics).
#[derive(Clone, Debug, PartialEq)]
pub struct ExposedFamily {
    /// The family's name where it is declared: its `# TYPE` line, else its first mention.
    pub name: Text,
    /// The word after `# TYPE name` (`counter`, `gauge`, …, as written).
    pub kind: Option<Text>,
    /// The `# HELP` text; empty when the line has none.
    pub help: Option<Text>,
    /// The `# UNIT` (OpenMetrics).
    pub unit: Option<Text>,
    /// Each distinct sample name (`x`, `x_bucket`, `x_total`, …) at its first sample.
    pub samples: Vec<Text>,
    /// Each distinct label name at its first occurrence in the family's samples.
    pub labels: Vec<Text>,
}

/// An `alertmanager.yml`: the routing tree and the receivers it routes to.
#[derive(Clone, Debug, PartialEq)]
pub struct AlertmanagerConfig {
    pub route: Option<Route>,
    pub receivers: Vec<Text>,
    /// Receivers without any `*_configs` entry: alerts routed to them notify no one.
    pub silent_receivers: Vec<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Route {
    pub span: Span,
    pub receiver: Option<Text>,
    /// `matchers:` entries as written (`severity="critical"`).
    pub matchers: Vec<Text>,
    /// The keys of deprecated `match:` and `match_re:` maps.
    pub deprecated_match: Vec<Text>,
    /// The entries of `match:` and `match_re:` written as matchers (`severity="critical"`,
    /// `team=~"db|infra"`), to be evaluated with `matchers:`.
    pub legacy_matchers: Vec<String>,
    /// `continue: true`: alerts matching this route go on to its later siblings.
    pub continue_matching: bool,
    pub routes: Vec<Route>,
}

impl Route {
    /// This route and every route below it, depth first.
    pub fn all(&self) -> Vec<&Route> {
        let mut found = vec![self];
        for child in &self.routes {
            found.extend(child.all());
        }
        found
    }
}

/// A `prometheus.yml`: scrape jobs and their intervals.
#[derive(Clone, Debug, PartialEq)]
pub struct ScrapeConfig {
    pub global_interval: Option<Text>,
    pub jobs: Vec<ScrapeJob>,
    /// The rule files this server loads: paths or globs relative to the file.
    pub rule_files: Vec<Text>,
    /// `global.external_labels`: what other systems see on this server's series.
    pub external_labels: Vec<(Text, Text)>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ScrapeJob {
    pub name: Option<Text>,
    pub interval: Option<Text>,
    /// Labels that `relabel_configs` write with `target_label`.
    pub target_labels: Vec<Text>,
}

/// A `promtool test rules` file: the rule files one server evaluates, and unit tests that run them
/// on made-up series.
#[derive(Clone, Debug, PartialEq)]
pub struct PromtoolTests {
    /// `rule_files` as written: paths (or globs) relative to the test file's directory.
    pub rule_files: Vec<Text>,
    pub tests: Vec<PromtoolTest>,
}

/// One entry of `tests:`.
#[derive(Clone, Debug, PartialEq)]
pub struct PromtoolTest {
    pub span: Span,
    /// "test `name`" when the test has a `name:`, else "test 3" (1-based, as listed).
    pub label: String,
    /// `external_labels`: every series the rules read is taken to carry them.
    pub external_labels: Vec<(Text, Text)>,
    /// `input_series[].series`: series in PromQL selector notation (`x{a="b"}`), mapped into the
    /// file through any YAML quoting.
    pub input_series: Vec<MappedText>,
    /// `promql_expr_test[].expr`, with role [`QueryRole::TestExpression`].
    pub expressions: Vec<QuerySite>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Artifact {
    RuleFile(RuleFile),
    Dashboard(Dashboard),
    SloSpec(SloSpec),
    SliList(Vec<Sli>),
    CustomMetrics(Vec<DeclaredMetric>),
    ScrapeConfig(ScrapeConfig),
    AlertmanagerConfig(AlertmanagerConfig),
    /// Metric exposition text: the families it exposes, in file order.
    Exposition(Vec<ExposedFamily>),
    AlertWindows(AlertWindows),
    PromtoolTests(PromtoolTests),
    /// The expressions of a Markdown ```` ```promql ```` block.
    PromqlBlock(Vec<QuerySite>),
}

impl Artifact {
    /// Every PromQL expression this artifact holds, in file order within the artifact.
    pub fn queries(&self) -> Vec<&QuerySite> {
        match self {
            // A blank `expr` is rulefmt/missing-expr's finding; parsing it would only repeat it.
            Artifact::RuleFile(file) => file.groups.iter().flat_map(|g| &g.rules).filter_map(|r| r.expr.as_ref()).filter(|e| !e.query.value.trim().is_empty()).collect(),
            Artifact::Dashboard(d) => d.variables.iter().chain(d.panels.iter().flat_map(|p| &p.targets)).collect(),
            Artifact::SloSpec(spec) => spec.slos.iter().flat_map(|s| &s.queries).collect(),
            Artifact::SliList(slis) => slis.iter().filter_map(|s| s.query.as_ref()).collect(),
            Artifact::PromtoolTests(file) => file.tests.iter().flat_map(|t| &t.expressions).collect(),
            Artifact::PromqlBlock(queries) => queries.iter().collect(),
            Artifact::CustomMetrics(_) | Artifact::ScrapeConfig(_) | Artifact::AlertmanagerConfig(_) | Artifact::Exposition(_) | Artifact::AlertWindows(_) => Vec::new(),
        }
    }
}

/// Why part of a file could not be read as an artifact. Rules turn these into diagnostics.
#[derive(Clone, Debug, PartialEq)]
pub enum Problem {
    /// Invalid YAML or JSON, at the position where loading stopped.
    Syntax { language: &'static str, message: String, span: Span },
    /// A field holds the wrong kind of value (`rules:` is not a list, …).
    Shape { message: String, span: Span },
    /// A document or file that is deliberately not checked, and why.
    Skipped { reason: String, span: Span },
    /// A YAML mapping key set twice (`span`), first set at `first`.
    DuplicateKey { key: String, span: Span, first: Span },
}

/// Everything extraction found in one file.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Extraction {
    pub artifacts: Vec<Artifact>,
    pub problems: Vec<Problem>,
    /// Comments (file spans) for suppressions.
    pub comments: Vec<Span>,
}
