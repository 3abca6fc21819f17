//! Detection by shape and extraction of artifacts from a file. The file's format is found from
//! its content (JSON, YAML, Markdown, Go template, metric exposition text), then each document's
//! shape says what it is.

use crate::artifact::*;
use crate::tree::{Document, Node, ScalarStyle};
use crate::spelling::bounded_edit_distance;
use crate::{exposition, json, markdown, placeholders, scalar, yaml, OffsetMap, SourceFile};
use promaudit_diagnostics::Span;
use std::sync::Arc;

/// ConfigMaps can hold documents that hold documents; real files nest two levels at most.
const MAX_EMBEDDING_DEPTH: usize = 4;

pub fn extract(file: &SourceFile) -> Extraction {
    let mut out = Extraction::default();
    let text = &file.text;
    let identity = OffsetMap::identity(0, text.len());
    if is_markdown(file) {
        extract_markdown(text, &mut out);
    } else if exposition::looks_like_exposition(text) {
        // Before JSON and YAML, safely: it takes a sample line (or nothing but `# HELP`/`# TYPE`
        // comments), which no JSON or YAML document is.
        out.artifacts.push(Artifact::Exposition(exposition::families(text)));
    } else {
        extract_text(text.clone(), identity, 0, &mut out);
    }
    if placeholders::looks_like_go_template(text) && !templates_only_in_alert_text(text, &out) {
        return Extraction {
            problems: vec![Problem::Skipped {
                reason: "Go-templated file (Helm chart or template output): render it first, then check the result".into(),
                span: Span::new(0, text.len()),
            }],
            ..Extraction::default()
        };
    }
    out
}

/// Whether every `{{` of a file that loaded stands in the label or annotation value of a rule:
/// alert templates, which the rule checks judge (a `{{ .value }}` is a mistake in one rule, not
/// a sign that the file is a Helm chart, whose templating stands outside scalars).
fn templates_only_in_alert_text(text: &str, out: &Extraction) -> bool {
    if out.problems.iter().any(|p| matches!(p, Problem::Syntax { .. })) {
        return false;
    }
    let rules = out.artifacts.iter().filter_map(|a| match a {
        Artifact::RuleFile(file) => Some(file),
        _ => None,
    });
    let rules = rules.flat_map(|f| &f.groups).flat_map(|g| &g.rules);
    let mut spans: Vec<Span> = rules.flat_map(|r| r.labels.iter().chain(&r.annotations)).map(|(_, value)| value.span).collect();
    // Scalars do not overlap: the one a `{{` could stand in is the last that starts before it.
    spans.sort_by_key(|span| span.start);
    text.match_indices("{{").all(|(at, _)| {
        let before = spans.partition_point(|span| span.start <= at);
        before > 0 && at + 2 <= spans[before - 1].end
    })
}

fn is_markdown(file: &SourceFile) -> bool {
    let by_name = file.path.extension().is_some_and(|e| e.eq_ignore_ascii_case("md") || e.eq_ignore_ascii_case("markdown"));
    // Shape: a fence line and prose that YAML would read as one long scalar.
    by_name || (!markdown::fenced_blocks(&file.text).is_empty() && file.text.trim_start().starts_with('#') && !looks_like_json(&file.text))
}

pub(crate) fn looks_like_json(text: &str) -> bool {
    matches!(text.trim_start_matches('\u{feff}').trim_start().as_bytes().first(), Some(b'{' | b'['))
}

fn extract_markdown(text: &str, out: &mut Extraction) {
    for block in markdown::fenced_blocks(text) {
        if block.lang == "promql" {
            out.artifacts.push(Artifact::PromqlBlock(promql_block(text, &block)));
            continue;
        }
        if !matches!(block.lang.as_str(), "yaml" | "yml" | "json") {
            continue;
        }
        let (body, map) = markdown::block_text(text, &block);
        let mut block_out = Extraction::default();
        extract_text(Arc::from(body.as_str()), map, 1, &mut block_out);
        // Guides label lists and sketches `yaml` too; only a block that looks like monitoring
        // configuration is held to being valid.
        let syntax_error = block_out.problems.iter().find_map(|p| match p {
            Problem::Syntax { language, message, .. } => Some(format!("the `{}` block is not valid {language} ({message})", block.lang)),
            _ => None,
        });
        if let (Some(reason), false) = (syntax_error, looks_like_monitoring_config(&body)) {
            block_out.problems = vec![Problem::Skipped { reason, span: block.fence }];
        }
        out.artifacts.append(&mut block_out.artifacts);
        out.problems.append(&mut block_out.problems);
        out.comments.append(&mut block_out.comments);
    }
}

/// Each expression of a ```` ```promql ```` block, mapped to the file. Guides show dashboards'
/// queries too, so Grafana variables (`$__rate_interval`, `$job`) are read as placeholders.
fn promql_block(text: &str, block: &markdown::FencedBlock) -> Vec<QuerySite> {
    let (content, to_file) = markdown::block_text(text, block);
    let expression = |span: Span| {
        let map = OffsetMap::identity(span.start, span.len()).then(&to_file);
        let query = MappedText { value: content[span.start..span.end].to_string(), span: to_file.map_span(span), map };
        QuerySite { query, role: QueryRole::PromqlBlock, templated: true, values: Vec::new() }
    };
    markdown::promql_expressions(&content).into_iter().map(expression).collect()
}

fn looks_like_monitoring_config(text: &str) -> bool {
    ["groups:", "apiVersion:", "expr:", "\"expr\"", "slos:", "slis:", "scrape_configs:", "\"panels\""].iter().any(|key| text.contains(key))
}

/// Loads `text` (JSON or YAML by its first character) whose offsets map to the file by `to_file`.
fn extract_text(text: Arc<str>, to_file: OffsetMap, depth: usize, out: &mut Extraction) {
    if looks_like_json(&text) {
        match json::load_json(&text) {
            Ok(root) => detect(&Document { text, to_file, root }, depth, out),
            Err(_) if is_json_lines(&text) => out.problems.push(Problem::Skipped {
                reason: "JSON lines (one document per line, as `promtool tsdb dump-series` writes label sets): nothing promaudit checks".into(),
                span: to_file.map_span(Span::new(0, text.len())),
            }),
            Err(error) => out.problems.push(Problem::Syntax {
                language: "JSON",
                message: error.message,
                span: to_file.map_span(error.span),
            }),
        }
        return;
    }
    let stream = yaml::load_yaml(&text);
    out.comments.extend(stream.comments.iter().map(|c| to_file.map_span(c.span)));
    if let Some(error) = &stream.error {
        out.problems.push(Problem::Syntax { language: "YAML", message: error.message.clone(), span: to_file.map_span(error.span) });
    }
    for duplicate in &stream.duplicate_keys {
        let (span, first) = (to_file.map_span(duplicate.span), to_file.map_span(duplicate.first));
        out.problems.push(Problem::DuplicateKey { key: duplicate.key.clone(), span, first });
    }
    for root in stream.documents {
        detect(&Document { text: text.clone(), to_file: to_file.clone(), root }, depth, out);
    }
}

/// Several lines, each a JSON document of its own.
fn is_json_lines(text: &str) -> bool {
    let mut lines = text.lines().filter(|l| !l.trim().is_empty());
    let several = lines.clone().nth(1).is_some();
    several && lines.all(|line| json::load_json(line).is_ok())
}

/// Decides what a document is by its shape and extracts it.
fn detect(doc: &Document, depth: usize, out: &mut Extraction) {
    let cx = Cx { doc };
    let root = &doc.root;
    if root.is_null() {
        return;
    }
    if let (Some(api), Some(kind)) = (root.get_str("apiVersion"), root.get_str("kind")) {
        return detect_resource(&cx, api, kind, depth, out);
    }
    let artifact = if root.get("groups").is_some_and(is_rule_groups) {
        Some(Artifact::RuleFile(cx.rule_file(root, "groups", RuleFileFlavor::Prometheus, out)))
    } else if root.get_str("version").is_some_and(|v| v.starts_with("prometheus/")) && root.get("slos").is_some() {
        Some(Artifact::SloSpec(cx.sloth(root, SloFormat::Sloth)))
    } else if root.get("slis").is_some_and(Node::is_map) {
        Some(Artifact::SliList(cx.slis(root.get("slis").unwrap())))
    } else if let Some(metrics) = root.get("custom_metrics") {
        Some(Artifact::CustomMetrics(cx.custom_metrics(metrics)))
    } else if root.get("scrape_configs").is_some() || (root.get("global").is_some() && root.get("rule_files").is_some()) {
        Some(Artifact::ScrapeConfig(cx.scrape_config(root)))
    } else if let Some(dashboard) = dashboard_root(root) {
        Some(Artifact::Dashboard(cx.dashboard(dashboard)))
    } else if root.get("route").is_some() && root.get("receivers").is_some() {
        Some(Artifact::AlertmanagerConfig(cx.alertmanager(root)))
    } else if is_promtool_tests(root) {
        Some(Artifact::PromtoolTests(cx.promtool_tests(root)))
    } else {
        misspelt_groups_key(root).map(|key| Artifact::RuleFile(cx.rule_file(root, key, RuleFileFlavor::Prometheus, out)))
    };
    match artifact {
        Some(artifact) => out.artifacts.push(artifact),
        None => out.problems.push(Problem::Skipped {
            reason: format!("not a monitoring artifact promaudit knows ({})", describe_shape(root)),
            span: cx.span(root),
        }),
    }
}

/// `groups:` of a rule file, as opposed to other schemas that reuse the key (the
/// awesome-prometheus-alerts site data nests `services` in its groups).
fn is_rule_groups(groups: &Node) -> bool {
    !groups.is_seq() || groups.items().iter().all(|g| g.get("services").is_none())
}

/// The top-level key of a rule file whose `groups:` is misspelt (`group:`, `Groups:`): within two
/// edits of `groups`, and holding rule groups with at least one `expr`. Prometheus rejects such
/// a file, which is no reason to skip it: its key is reported, its rules are checked.
fn misspelt_groups_key(root: &Node) -> Option<&str> {
    let holds_rule_groups = |value: &Node| {
        let groups = value.items();
        let rules = || groups.iter().flat_map(|g| g.get("rules").map(Node::items).unwrap_or_default());
        !groups.is_empty() && groups.iter().all(|g| g.get("rules").is_some_and(Node::is_seq)) && rules().any(|rule| rule.get("expr").is_some())
    };
    root.entries().iter().find_map(|(key, value)| key.as_str().filter(|key| bounded_edit_distance(key, "groups", 2).is_some() && holds_rule_groups(value)))
}

/// A `promtool test rules` file: `tests:` entries with the keys promtool reads, or `rule_files`
/// beside `tests` (a file whose tests are still to be written).
fn is_promtool_tests(root: &Node) -> bool {
    const TEST_KEYS: [&str; 3] = ["input_series", "alert_rule_test", "promql_expr_test"];
    let Some(tests) = root.get("tests").filter(|t| t.is_seq()) else { return false };
    root.get("rule_files").is_some() || tests.items().iter().any(|t| TEST_KEYS.iter().any(|key| t.get(key).is_some()))
}

/// The `promtool test rules` file `doc` holds, if it is one: the catalog reads its input series
/// without extracting the rest of the file.
pub fn promtool_tests(doc: &Document) -> Option<PromtoolTests> {
    is_promtool_tests(&doc.root).then(|| Cx { doc }.promtool_tests(&doc.root))
}

fn describe_shape(root: &Node) -> String {
    let keys: Vec<&str> = root.entries().iter().filter_map(|(k, _)| k.as_str()).take(4).collect();
    match (&root.value, keys.is_empty()) {
        (crate::Value::Map(_), false) => format!("a mapping with keys {}", keys.join(", ")),
        (crate::Value::Seq(_), _) => "a list".into(),
        _ => "a plain value".into(),
    }
}

/// A Grafana dashboard, bare or in the `{"dashboard": …}` wrapper of Grafana's HTTP API.
fn dashboard_root(root: &Node) -> Option<&Node> {
    let candidate = root.get("dashboard").filter(|d| d.is_map()).unwrap_or(root);
    let has_panels = candidate.get("panels").is_some_and(Node::is_seq) || candidate.get("rows").is_some_and(Node::is_seq);
    (has_panels || candidate.get("templating").is_some()).then_some(candidate)
}

fn detect_resource(cx: &Cx, api: &str, kind: &str, depth: usize, out: &mut Extraction) {
    let root = &cx.doc.root;
    let spec = root.get("spec");
    match kind {
        "PrometheusRule" => match spec {
            Some(spec) => {
                let file = cx.rule_file(spec, "groups", RuleFileFlavor::PrometheusRuleCrd, out);
                out.artifacts.push(Artifact::RuleFile(file));
            }
            None => cx.shape(out, root, "a PrometheusRule needs `spec.groups`"),
        },
        "ConfigMap" => cx.config_map(root, depth, out),
        "List" | "ConfigMapList" => {
            for item in root.get("items").map(Node::items).unwrap_or_default() {
                detect(&Document { text: cx.doc.text.clone(), to_file: cx.doc.to_file.clone(), root: item.clone() }, depth, out);
            }
        }
        "PrometheusServiceLevel" if api.starts_with("sloth.slok.dev") => match spec {
            Some(spec) => out.artifacts.push(Artifact::SloSpec(SloSpec { resource: resource_id(root), ..cx.sloth(spec, SloFormat::SlothCrd) })),
            None => cx.shape(out, root, "a PrometheusServiceLevel needs `spec`"),
        },
        "ServiceLevelObjective" if api.starts_with("pyrra.dev") => {
            out.artifacts.push(Artifact::SloSpec(cx.pyrra(root)));
        }
        "AlertWindows" if api.starts_with("sloth.slok.dev") => out.artifacts.push(Artifact::AlertWindows(cx.alert_windows(root))),
        _ if api.starts_with("openslo/") => out.artifacts.push(Artifact::SloSpec(cx.openslo(root))),
        _ => out.problems.push(Problem::Skipped {
            reason: format!("{kind} ({api}) holds no PromQL promaudit checks"),
            span: cx.span(root),
        }),
    }
}

/// Extraction over one document: turns its nodes into artifact data with file spans.
struct Cx<'a> {
    doc: &'a Document,
}

impl Cx<'_> {
    fn span(&self, node: &Node) -> Span {
        self.doc.to_file.map_span(node.span)
    }

    fn text(&self, node: &Node) -> Text {
        Text { value: node.as_str().unwrap_or_default().to_string(), span: self.span(node) }
    }

    fn text_of(&self, parent: &Node, key: &str) -> Option<Text> {
        parent.get(key).filter(|n| n.scalar().is_some()).map(|n| self.text(n))
    }

    /// The scalar with a map from every offset of its decoded value to the file.
    fn mapped(&self, node: &Node) -> MappedText {
        let value = node.as_str().unwrap_or_default().to_string();
        let local = match node.scalar().map(|s| s.style) {
            Some(ScalarStyle::JsonString) => json::json_string_offset_map(&self.doc.text, node),
            _ => scalar::scalar_offset_map(&self.doc.text, node),
        };
        MappedText { value, span: self.span(node), map: local.then(&self.doc.to_file) }
    }

    fn query(&self, node: &Node, role: QueryRole, templated: bool) -> Option<QuerySite> {
        node.scalar()?;
        Some(QuerySite { query: self.mapped(node), role, templated, values: Vec::new() })
    }

    fn shape(&self, out: &mut Extraction, node: &Node, message: impl Into<String>) {
        out.problems.push(Problem::Shape { message: message.into(), span: self.span(node) });
    }

    fn unknown_fields(&self, node: &Node, known: &[&str]) -> Vec<Text> {
        node.entries().iter().filter(|(k, _)| !k.as_str().is_some_and(|k| known.contains(&k))).map(|(k, _)| self.text(k)).collect()
    }

    /// The rule file under `root`, its groups read from `groups_key` (`groups`, or a misspelling).
    fn rule_file(&self, root: &Node, groups_key: &str, flavor: RuleFileFlavor, out: &mut Extraction) -> RuleFile {
        let unknown_fields = match flavor {
            RuleFileFlavor::Prometheus => self.unknown_fields(root, &["groups"]),
            RuleFileFlavor::PrometheusRuleCrd => Vec::new(),
        };
        let mut groups = Vec::new();
        match root.get(groups_key) {
            Some(list) if list.is_seq() => {
                for group in list.items() {
                    if group.is_map() {
                        groups.push(self.rule_group(group, out));
                    } else {
                        self.shape(out, group, "each entry of `groups` must be a mapping with `name` and `rules`");
                    }
                }
            }
            Some(list) if list.is_null() => {}
            Some(list) => self.shape(out, list, "`groups` must be a list of rule groups"),
            None => self.shape(out, root, "missing `groups`"),
        }
        RuleFile { flavor, groups, unknown_fields }
    }

    fn rule_group(&self, group: &Node, out: &mut Extraction) -> RuleGroup {
        const KNOWN: &[&str] = &["name", "interval", "rules", "limit", "query_offset", "labels", "partial_response_strategy", "source_tenants"];
        let mut rules = Vec::new();
        match group.get("rules") {
            Some(list) if list.is_seq() => {
                for rule in list.items() {
                    if rule.is_map() {
                        rules.push(self.rule(rule));
                    } else {
                        self.shape(out, rule, "each rule must be a mapping with `alert` or `record`, and `expr`");
                    }
                }
            }
            Some(list) if list.is_null() => {}
            Some(list) => self.shape(out, list, "`rules` must be a list"),
            None => {}
        }
        RuleGroup {
            span: self.span(group),
            name: self.text_of(group, "name"),
            interval: self.text_of(group, "interval"),
            partial_response_strategy: self.text_of(group, "partial_response_strategy"),
            rules,
            unknown_fields: self.unknown_fields(group, KNOWN),
        }
    }

    fn rule(&self, rule: &Node) -> Rule {
        const KNOWN: &[&str] = &["record", "alert", "expr", "for", "keep_firing_for", "labels", "annotations"];
        let record = self.text_of(rule, "record");
        let alert = self.text_of(rule, "alert");
        let role = match (&alert, &record) {
            (Some(a), None) => QueryRole::AlertingRule { name: a.value.clone() },
            (None, Some(r)) => QueryRole::RecordingRule { name: r.value.clone() },
            _ => QueryRole::UnnamedRule,
        };
        let expr_entry = rule.entry("expr");
        Rule {
            span: self.span(rule),
            expr_key: expr_entry.map(|(k, _)| self.span(k)),
            expr: expr_entry.and_then(|(_, v)| self.rule_expr(v, role)),
            record,
            alert,
            for_: self.text_of(rule, "for"),
            keep_firing_for: self.text_of(rule, "keep_firing_for"),
            labels: self.string_map(rule.get("labels")),
            annotations: self.string_map(rule.get("annotations")),
            unknown_fields: self.unknown_fields(rule, KNOWN),
        }
    }

    /// A null `expr` (`expr:`, `expr: ~`) is an empty expression, as Prometheus reads it, not
    /// the text `~`.
    fn rule_expr(&self, node: &Node, role: QueryRole) -> Option<QuerySite> {
        let mut site = self.query(node, role, false)?;
        if node.is_null() {
            site.query.value.clear();
        }
        Some(site)
    }

    fn string_map(&self, node: Option<&Node>) -> Vec<(Text, MappedText)> {
        let entries = node.map(Node::entries).unwrap_or_default();
        entries.iter().filter(|(_, v)| v.scalar().is_some()).map(|(k, v)| (self.text(k), self.mapped(v))).collect()
    }

    fn config_map(&self, root: &Node, depth: usize, out: &mut Extraction) {
        let Some(data) = root.get("data") else { return };
        if depth >= MAX_EMBEDDING_DEPTH {
            return self.shape(out, data, "documents embedded this deeply are not checked");
        }
        let mut found = false;
        for (key, value) in data.entries() {
            let Some(body) = value.as_str() else { continue };
            let name = key.as_str().unwrap_or_default();
            if !(name.ends_with(".yml") || name.ends_with(".yaml") || name.ends_with(".json") || name.ends_with(".rules")) {
                continue;
            }
            found = true;
            extract_text(Arc::from(body), self.mapped(value).map, depth + 1, out);
        }
        if !found {
            out.problems.push(Problem::Skipped {
                reason: "ConfigMap without YAML or JSON data".into(),
                span: self.span(root),
            });
        }
    }

    fn sloth(&self, spec: &Node, format: SloFormat) -> SloSpec {
        let slos = spec.get("slos").map(Node::items).unwrap_or_default();
        let slos = slos.iter().map(|slo| {
            let name = self.text_of(slo, "name");
            let slo_name = name.as_ref().map(|n| n.value.clone()).unwrap_or_default();
            let sli = slo.get("sli");
            let mut queries = Vec::new();
            // The CRD spells these in camelCase, the plain spec in snake_case.
            let parts: [(&str, &str, SloPart); 3] = [("events", "error_query", SloPart::Errors), ("events", "total_query", SloPart::Total), ("raw", "error_ratio_query", SloPart::ErrorRatio)];
            let mut query_keys = Vec::new();
            for (kind, field, part) in parts {
                // Either spelling is read, and the one written is kept for the rules to judge.
                let entries = sli.and_then(|s| s.get(kind)).map(Node::entries).unwrap_or_default();
                let camel = snake_to_camel(field);
                let Some((key, node)) = entries.iter().find(|(k, _)| k.as_str() == Some(field) || k.as_str() == Some(camel.as_str())) else { continue };
                query_keys.push(self.text(key));
                queries.extend(self.query(node, QueryRole::SloQuery { slo: slo_name.clone(), part }, true));
            }
            let sli_kinds = sli.map(Node::entries).unwrap_or_default().iter().map(|(key, _)| self.text(key)).collect();
            Slo { span: self.span(slo), name, objective: self.text_of(slo, "objective"), window: None, queries, query_keys, sli_kinds, time_windows: None }
        });
        SloSpec { format, service: self.text_of(spec, "service"), resource: None, slos: slos.collect() }
    }

    fn pyrra(&self, root: &Node) -> SloSpec {
        let spec = root.get("spec");
        let name = root.path(&["metadata", "name"]).map(|n| self.text(n));
        let slo_name = name.as_ref().map(|n| n.value.clone()).unwrap_or_default();
        let mut queries = Vec::new();
        if let Some(indicator) = spec.and_then(|s| s.get("indicator")) {
            let parts: [(&[&str], SloPart); 6] = [
                (&["ratio", "errors", "metric"], SloPart::Errors),
                (&["ratio", "total", "metric"], SloPart::Total),
                (&["latency", "success", "metric"], SloPart::Good),
                (&["latency", "total", "metric"], SloPart::Total),
                (&["latencyNative", "total", "metric"], SloPart::Total),
                (&["bool_gauge", "metric"], SloPart::Good),
            ];
            for (path, part) in parts {
                if let Some(node) = indicator.path(path) {
                    queries.extend(self.query(node, QueryRole::SloQuery { slo: slo_name.clone(), part }, false));
                }
            }
        }
        let slo = Slo {
            span: self.span(root),
            name,
            objective: spec.and_then(|s| self.text_of(s, "target")),
            window: spec.and_then(|s| self.text_of(s, "window")),
            queries,
            query_keys: Vec::new(),
            sli_kinds: Vec::new(),
            time_windows: None,
        };
        SloSpec { format: SloFormat::Pyrra, service: None, resource: resource_id(root), slos: vec![slo] }
    }

    /// OpenSLO keeps queries under `metricSource` (v1) or `ratioMetrics`/`thresholdMetric` (v1alpha);
    /// only those whose source is Prometheus hold PromQL.
    fn openslo(&self, root: &Node) -> SloSpec {
        let name = root.path(&["metadata", "name"]).map(|n| self.text(n));
        let slo_name = name.as_ref().map(|n| n.value.clone()).unwrap_or_default();
        let mut queries = Vec::new();
        self.openslo_queries(root, &slo_name, None, &mut queries);
        let objective = root.path(&["spec", "objectives"]).and_then(|o| o.items().first()).and_then(|o| self.text_of(o, "target"));
        let (window, time_windows) = root.get("spec").map_or((None, None), |spec| self.time_windows(spec));
        let slo = Slo { span: self.span(root), name, objective, window, queries, query_keys: Vec::new(), sli_kinds: Vec::new(), time_windows };
        SloSpec { format: SloFormat::OpenSlo, service: root.path(&["spec", "service"]).map(|n| self.text(n)), resource: resource_id(root).filter(|_| root.get_str("kind") == Some("SLO")), slos: vec![slo] }
    }

    /// The first window's duration (v1alpha's `count` and `unit` as `30d`, spanning the item)
    /// and the list it is in.
    fn time_windows(&self, spec: &Node) -> (Option<Text>, Option<TimeWindows>) {
        let Some((key, list)) = spec.entries().iter().find(|(k, _)| matches!(k.as_str(), Some("timeWindow" | "timeWindows"))) else { return (None, None) };
        let items = list.items();
        let first = items.first();
        let duration = first.and_then(|item| match (self.text_of(item, "duration"), item.get_str("count"), item.get_str("unit")) {
            (Some(duration), _, _) => Some(duration),
            (None, Some(count), Some(unit)) => Some(Text { value: format!("{count}{}", openslo_unit(unit).unwrap_or(unit)), span: self.span(item) }),
            _ => None,
        });
        let calendar = first.and_then(|item| item.entries().iter().find(|(k, _)| k.as_str() == Some("calendar"))).map(|(key, calendar)| Calendar {
            key: self.text(key),
            start_time: self.text_of(calendar, "startTime"),
            time_zone: self.text_of(calendar, "timeZone"),
        });
        let rolling = first.and_then(|item| self.text_of(item, "isRolling"));
        (duration, Some(TimeWindows { key: self.text(key), items: items.len(), rolling, calendar }))
    }

    fn alert_windows(&self, root: &Node) -> AlertWindows {
        let spec = root.get("spec");
        let mut windows = Vec::new();
        for severity in ["page", "ticket"] {
            for speed in ["quick", "slow"] {
                let Some(window) = spec.and_then(|s| s.path(&[severity, speed])) else { continue };
                windows.push(BurnRateWindow {
                    name: format!("{severity}.{speed}"),
                    span: self.span(window),
                    budget_percent: self.text_of(window, "errorBudgetPercent"),
                    short: self.text_of(window, "shortWindow"),
                    long: self.text_of(window, "longWindow"),
                });
            }
        }
        AlertWindows { span: self.span(root), period: spec.and_then(|s| self.text_of(s, "sloPeriod")), windows }
    }

    fn openslo_queries(&self, node: &Node, slo: &str, part: Option<SloPart>, out: &mut Vec<QuerySite>) {
        for (key, value) in node.entries() {
            let key = key.as_str().unwrap_or_default();
            let part = match key {
                "good" => Some(SloPart::Good),
                "bad" => Some(SloPart::Bad),
                "total" => Some(SloPart::Total),
                _ => part,
            };
            if key == "query" && is_prometheus_source(node) {
                if let Some(part) = part {
                    out.extend(self.query(value, QueryRole::SloQuery { slo: slo.into(), part }, true));
                }
            } else if key == "spec" && value.get("query").is_some() && is_prometheus_source(node) {
                if let (Some(query), Some(part)) = (value.get("query"), part) {
                    out.extend(self.query(query, QueryRole::SloQuery { slo: slo.into(), part }, true));
                }
            } else {
                self.openslo_queries(value, slo, part, out);
                for item in value.items() {
                    self.openslo_queries(item, slo, part, out);
                }
            }
        }
    }

    fn slis(&self, slis: &Node) -> Vec<Sli> {
        slis.entries()
            .iter()
            .map(|(key, sli)| Sli {
                name: self.text(key),
                target: self.text_of(sli, "target"),
                query: sli.get("query").and_then(|q| self.query(q, QueryRole::SliQuery { name: key.as_str().unwrap_or_default().into() }, false)),
            })
            .collect()
    }

    fn custom_metrics(&self, list: &Node) -> Vec<DeclaredMetric> {
        list.items()
            .iter()
            .map(|metric| DeclaredMetric {
                span: self.span(metric),
                name: self.text_of(metric, "name"),
                kind: self.text_of(metric, "type"),
                help: self.text_of(metric, "help"),
                labels: metric.get("labels").map(Node::items).unwrap_or_default().iter().map(|l| self.text(l)).collect(),
            })
            .collect()
    }

    fn scrape_config(&self, root: &Node) -> ScrapeConfig {
        let jobs = root.get("scrape_configs").map(Node::items).unwrap_or_default();
        let jobs = jobs.iter().map(|job| ScrapeJob {
            name: self.text_of(job, "job_name"),
            interval: self.text_of(job, "scrape_interval"),
            target_labels: job
                .get("relabel_configs")
                .map(Node::items)
                .unwrap_or_default()
                .iter()
                .filter_map(|r| self.text_of(r, "target_label"))
                .collect(),
        });
        let global = root.get("global");
        let rule_files = root.get("rule_files").map(Node::items).unwrap_or_default().iter().filter(|f| f.scalar().is_some()).map(|f| self.text(f)).collect();
        let external = global.and_then(|g| g.get("external_labels")).map(Node::entries).unwrap_or_default();
        let external_labels = external.iter().filter(|(_, value)| value.scalar().is_some()).map(|(name, value)| (self.text(name), self.text(value))).collect();
        ScrapeConfig { global_interval: global.and_then(|g| self.text_of(g, "scrape_interval")), jobs: jobs.collect(), rule_files, external_labels }
    }

    fn promtool_tests(&self, root: &Node) -> PromtoolTests {
        let rule_files = root.get("rule_files").map(Node::items).unwrap_or_default();
        let tests = root.get("tests").map(Node::items).unwrap_or_default();
        PromtoolTests {
            rule_files: rule_files.iter().filter(|f| f.scalar().is_some()).map(|f| self.text(f)).collect(),
            tests: tests.iter().enumerate().map(|(index, test)| self.promtool_test(index, test)).collect(),
        }
    }

    fn promtool_test(&self, index: usize, test: &Node) -> PromtoolTest {
        let label = match test.get_str("name") {
            Some(name) => format!("test `{name}`"),
            None => format!("test {}", index + 1),
        };
        let external_labels = test.get("external_labels").map(Node::entries).unwrap_or_default();
        let input_series = test.get("input_series").map(Node::items).unwrap_or_default();
        let expressions = test.get("promql_expr_test").map(Node::items).unwrap_or_default();
        let role = || QueryRole::TestExpression { test: label.clone() };
        PromtoolTest {
            span: self.span(test),
            external_labels: external_labels.iter().filter(|(_, v)| v.scalar().is_some()).map(|(k, v)| (self.text(k), self.text(v))).collect(),
            input_series: input_series.iter().filter_map(|i| i.get("series")).filter(|s| s.scalar().is_some()).map(|s| self.mapped(s)).collect(),
            expressions: expressions.iter().filter_map(|e| e.get("expr")).filter_map(|e| self.query(e, role(), false)).collect(),
            label,
        }
    }

    fn alertmanager(&self, root: &Node) -> AlertmanagerConfig {
        let receivers = root.get("receivers").map(Node::items).unwrap_or_default();
        AlertmanagerConfig {
            route: root.get("route").filter(|r| r.is_map()).map(|r| self.route(r)),
            receivers: receivers.iter().filter_map(|r| self.text_of(r, "name")).collect(),
            silent_receivers: receivers
                .iter()
                .filter(|r| !r.entries().iter().any(|(key, value)| key.as_str().is_some_and(|k| k.ends_with("_configs")) && !value.items().is_empty()))
                .filter_map(|r| r.get_str("name").map(str::to_string))
                .collect(),
        }
    }

    fn route(&self, node: &Node) -> Route {
        let deprecated = ["match", "match_re"].iter().filter_map(|key| node.entries().iter().find(|(k, _)| k.as_str() == Some(key)));
        Route {
            span: self.span(node),
            receiver: self.text_of(node, "receiver"),
            matchers: node.get("matchers").map(Node::items).unwrap_or_default().iter().filter(|m| m.scalar().is_some()).map(|m| self.text(m)).collect(),
            deprecated_match: deprecated.clone().map(|(key, _)| self.text(key)).collect(),
            legacy_matchers: deprecated
                .flat_map(|(key, map)| {
                    let op = if key.as_str() == Some("match_re") { "=~" } else { "=" };
                    map.entries().iter().filter_map(move |(label, value)| Some(format!("{}{op}{:?}", label.as_str()?, value.as_str()?)))
                })
                .collect(),
            continue_matching: node.get("continue").and_then(Node::as_str) == Some("true"),
            routes: node.get("routes").map(Node::items).unwrap_or_default().iter().filter(|r| r.is_map()).map(|r| self.route(r)).collect(),
        }
    }

    fn dashboard(&self, dash: &Node) -> Dashboard {
        let templating = Templating::of(dash);
        let mut panels = Vec::new();
        self.collect_panels(dash, &templating, &mut panels);
        let variables = dash.path(&["templating", "list"]).map(Node::items).unwrap_or_default();
        let variables = variables.iter().filter(|v| v.get_str("type") == Some("query")).filter_map(|v| self.variable_query(v, &templating));
        Dashboard { span: self.span(dash), title: self.text_of(dash, "title"), variables: variables.collect(), panels }
    }

    /// Panels nest in collapsed rows (`panels[].panels`) and in the old `rows[].panels` layout.
    fn collect_panels(&self, container: &Node, templating: &Templating, panels: &mut Vec<Panel>) {
        for key in ["panels", "rows"] {
            for panel in container.get(key).map(Node::items).unwrap_or_default() {
                if panel.get("targets").is_some() {
                    panels.push(self.panel(panel, templating));
                }
                self.collect_panels(panel, templating, panels);
            }
        }
    }

    fn panel(&self, panel: &Node, templating: &Templating) -> Panel {
        let title = self.text_of(panel, "title");
        let panel_name = title.as_ref().map(|t| t.value.clone()).unwrap_or_else(|| "untitled".into());
        let panel_source = templating.source_kind(panel);
        let targets = panel.get("targets").map(Node::items).unwrap_or_default();
        let targets = targets
            .iter()
            .filter(|t| is_prometheus_kind(templating.source_kind(t).or(panel_source)))
            .filter_map(|t| t.get("expr"))
            .filter(|e| e.as_str().is_some_and(|s| !s.trim().is_empty()))
            .filter_map(|e| self.query(e, QueryRole::PanelTarget { panel: panel_name.clone() }, true))
            .map(|site| QuerySite { values: templating.values.clone(), ..site });
        let defaults = panel.path(&["fieldConfig", "defaults"]);
        Panel {
            span: self.span(panel),
            kind: self.text_of(panel, "type"),
            // The old graph panel keeps its unit as the left axis format.
            unit: defaults.and_then(|d| self.text_of(d, "unit")).or_else(|| self.left_axis(panel, "format")),
            unit_overridden: overrides_unit(panel),
            axis_label: defaults.and_then(|d| d.get("custom")).and_then(|c| self.text_of(c, "axisLabel")).or_else(|| self.left_axis(panel, "label")),
            thresholds: defaults.map(|d| self.thresholds(d)).unwrap_or_default(),
            targets: targets.collect(),
            title,
        }
    }

    /// A field of the old graph panel's left axis. Hand-written dashboards spell the list
    /// `yAxes` too; Grafana reads only `yaxes`, but the author meant the same axis.
    fn left_axis(&self, panel: &Node, field: &str) -> Option<Text> {
        let axes = panel.get("yaxes").or_else(|| panel.get("yAxes"))?;
        self.text_of(axes.items().first()?, field)
    }

    /// A panel's color steps, lowest first. None for steps nobody sees: a time series that
    /// neither draws them (`thresholdsStyle: off`) nor colors by them. None for Grafana's
    /// default (green, red from 80), which every new panel gets whether or not its author
    /// thought about thresholds.
    fn thresholds(&self, defaults: &Node) -> Vec<Threshold> {
        let mode = |path: &[&str]| defaults.path(path).and_then(Node::as_str);
        let hidden = mode(&["custom", "thresholdsStyle", "mode"]) == Some("off") && mode(&["color", "mode"]) != Some("thresholds");
        let steps = defaults.path(&["thresholds", "steps"]).map(Node::items).unwrap_or_default();
        let mut steps: Vec<Threshold> = steps.iter().filter_map(|s| self.threshold(s)).collect();
        steps.sort_by(|a, b| a.value.total_cmp(&b.value));
        let grafana_default = matches!(steps.as_slice(), [base, red] if base.value == f64::NEG_INFINITY && red.value == 80.0
            && base.color.as_deref() == Some("green") && red.color.as_deref() == Some("red"));
        if hidden || grafana_default {
            Vec::new()
        } else {
            steps
        }
    }

    fn threshold(&self, step: &Node) -> Option<Threshold> {
        let color = step.get_str("color").map(str::to_string);
        match step.get("value") {
            Some(value) if !value.is_null() => Some(Threshold { value: value.as_str()?.parse().ok()?, span: self.span(value), color }),
            _ => Some(Threshold { value: f64::NEG_INFINITY, span: self.span(step), color }),
        }
    }

    /// Query variables hold `label_values(expr, label)`, `query_result(expr)` or a bare expression.
    fn variable_query(&self, variable: &Node, templating: &Templating) -> Option<QuerySite> {
        if !is_prometheus_kind(templating.source_kind(variable)) {
            return None;
        }
        let node = variable.get("query").map(|q| q.get("query").unwrap_or(q))?;
        let site = self.query(node, QueryRole::TemplateVariable { name: variable.get_str("name").unwrap_or_default().into() }, true)?;
        narrow_variable_query(site)
    }
}

/// Cuts a Grafana variable query down to its PromQL part; `None` for functions with none.
fn narrow_variable_query(mut site: QuerySite) -> Option<QuerySite> {
    let text = site.query.value.trim();
    let lead = site.query.value.len() - site.query.value.trim_start().len();
    let inner = |prefix: &str| -> Option<(usize, usize)> {
        let rest = text.strip_prefix(prefix)?.strip_suffix(')')?;
        Some((lead + prefix.len(), lead + prefix.len() + rest.len()))
    };
    let (start, end) = if let Some((start, end)) = inner("label_values(") {
        // `label_values(label)` has no expression; `label_values(expr, label)` ends at the last comma.
        let body = &site.query.value[start..end];
        let comma = last_top_level_comma(body)?;
        (start, start + comma)
    } else if let Some(range) = inner("query_result(") {
        range
    } else if text.starts_with("label_names(") || text.starts_with("metrics(") || text.is_empty() {
        return None;
    } else {
        (0, site.query.value.len())
    };
    site.query.map = OffsetMap::identity(start, end - start).then(&site.query.map);
    site.query.value = site.query.value[start..end].to_string();
    Some(site)
}

fn last_top_level_comma(body: &str) -> Option<usize> {
    let mut depth = 0i32;
    let mut quote = None;
    let mut last = None;
    for (i, c) in body.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'' | '`') => quote = Some(c),
            (None, '(' | '{' | '[') => depth += 1,
            (None, ')' | '}' | ']') => depth -= 1,
            (None, ',') if depth == 0 => last = Some(i),
            _ => {}
        }
    }
    last
}

/// Whether a panel's field overrides set a unit of their own.
fn overrides_unit(panel: &Node) -> bool {
    let overrides = panel.path(&["fieldConfig", "overrides"]).map(Node::items).unwrap_or_default();
    overrides.iter().flat_map(|o| o.get("properties").map(Node::items).unwrap_or_default()).any(|p| p.get_str("id") == Some("unit"))
}

/// What a dashboard's `templating` says about its variables.
#[derive(Default)]
struct Templating {
    /// Data source variables and the plugin each selects (`loki`, `prometheus`).
    sources: Vec<(String, String)>,
    /// A value of each variable whose values the dashboard lists.
    values: Vec<(String, String)>,
}

impl Templating {
    fn of(dash: &Node) -> Templating {
        let mut templating = Templating::default();
        for variable in dash.path(&["templating", "list"]).map(Node::items).unwrap_or_default() {
            let (Some(name), Some(kind)) = (variable.get_str("name"), variable.get_str("type")) else { continue };
            let known = match kind {
                "datasource" => (&mut templating.sources, variable.get_str("query").map(str::to_string)),
                "custom" | "constant" | "interval" | "textbox" => (&mut templating.values, listed_value(variable)),
                _ => continue,
            };
            known.0.extend(known.1.map(|value| (name.to_string(), value)));
        }
        templating
    }

    /// The data source a panel, target or variable reads: its `type`, else the plugin of the
    /// data source variable it names (`"datasource": "$loki"`), else the name itself.
    fn source_kind<'a>(&'a self, node: &'a Node) -> Option<&'a str> {
        let ds = node.get("datasource")?;
        if let Some(kind) = ds.get_str("type") {
            return Some(kind);
        }
        let variable = ds.as_str().or_else(|| ds.get_str("uid")).and_then(placeholders::sole_variable);
        let plugin = variable.and_then(|v| self.sources.iter().find(|(name, _)| *name == v));
        plugin.map(|(_, plugin)| plugin.as_str()).or_else(|| ds.as_str())
    }
}

/// A listed variable's current value, else its first: `custom` and `interval` list `a,b` or
/// `text : value,…`; `constant` and `textbox` hold one value.
fn listed_value(variable: &Node) -> Option<String> {
    if let Some(current) = variable.path(&["current", "value"]).and_then(Node::as_str).filter(|v| !v.is_empty()) {
        return Some(current.to_string());
    }
    let query = variable.get_str("query")?;
    let first = match variable.get_str("type") {
        Some("custom" | "interval") => query.split(',').next()?.rsplit(" : ").next()?,
        _ => query,
    };
    Some(first.trim().to_string())
}

/// Unknown and templated (`$datasource`, `${DS_PROMETHEUS}`) data sources count as Prometheus.
fn is_prometheus_kind(kind: Option<&str>) -> bool {
    match kind {
        None => true,
        Some(kind) => {
            let kind = kind.to_ascii_lowercase();
            kind.contains("prometheus") || kind.starts_with('$') || kind.is_empty() || kind.contains("mimir") || kind.contains("thanos") || kind == "-- mixed --" || kind == "datasource"
        }
    }
}

fn is_prometheus_source(node: &Node) -> bool {
    ["type", "source", "metricSourceType"]
        .iter()
        .any(|key| node.get_str(key).is_some_and(|t| t.eq_ignore_ascii_case("prometheus")))
        || node.get_str("queryType").is_some_and(|t| t.eq_ignore_ascii_case("promql"))
}

/// `namespace/name` of a custom resource.
/// OpenSLO v1alpha's `unit` as the letter of v1's duration shorthand.
fn openslo_unit(unit: &str) -> Option<&'static str> {
    Some(match unit {
        "Second" => "s",
        "Minute" => "m",
        "Hour" => "h",
        "Day" => "d",
        "Week" => "w",
        "Month" => "M",
        "Quarter" => "Q",
        "Year" => "Y",
        _ => return None,
    })
}

fn resource_id(root: &Node) -> Option<String> {
    let name = root.path(&["metadata", "name"])?.as_str()?;
    let namespace = root.path(&["metadata", "namespace"]).and_then(Node::as_str).unwrap_or_default();
    Some(format!("{namespace}/{name}"))
}

/// `error_query` → `errorQuery`: Sloth's CRD spells the prometheus/v1 spec's fields this way.
pub fn snake_to_camel(name: &str) -> String {
    let mut out = String::new();
    let mut upper = false;
    for c in name.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn artifacts(path: &str, text: &str) -> Extraction {
        extract(&SourceFile::new(path, text))
    }

    #[test]
    fn exposition_text_whatever_its_extension() {
        let text = "# HELP up Whether the target is up.\n# TYPE up gauge\nup{job=\"node\"} 1\n";
        let out = artifacts("metrics.txt", text);
        let [Artifact::Exposition(families)] = out.artifacts.as_slice() else { panic!("{out:?}") };
        let declared = text.find("# TYPE up").unwrap() + "# TYPE ".len();
        assert_eq!(families[0].name.span, Span::new(declared, declared + "up".len()));
        assert_eq!(&text[families[0].labels[0].span.start..families[0].labels[0].span.end], "job");
        assert!(out.problems.is_empty());
    }

    #[test]
    fn yaml_and_json_keep_their_detection() {
        let yaml = "# HELP: alerting rules for the API\ngroups:\n- name: a\n  rules:\n  - alert: A\n    expr: up == 0\n";
        assert!(matches!(artifacts("a.prom", yaml).artifacts.as_slice(), [Artifact::RuleFile(_)]));
        let json = "{\"panels\": [{\"targets\": [{\"expr\": \"up\"}]}]}";
        assert!(matches!(artifacts("d.prom", json).artifacts.as_slice(), [Artifact::Dashboard(_)]));
    }

    const PROMTOOL_TEST: &str = "rule_files:\n  - rules.yml\nevaluation_interval: 1m\ntests:\n  - interval: 1m\n    input_series:\n      - series: 'job:up:sum{job=''api''}'\n        values: '1x10'\n      - series: \"up{job=\\\"api\\\", i=\\\"\\u00e9\\\"}\"\n        values: 1\n    external_labels:\n      site: eqiad\n    promql_expr_test:\n      - expr: job:up:sum > 0\n        eval_time: 5m\n  - name: quiet\n    alert_rule_test:\n      - alertname: Down\n";

    fn span_text(text: &str, span: Span) -> &str {
        &text[span.start..span.end]
    }

    #[test]
    fn promtool_tests_with_spans_through_quoting() {
        let out = artifacts("rules_test.yml", PROMTOOL_TEST);
        assert!(out.problems.is_empty(), "{:?}", out.problems);
        let [Artifact::PromtoolTests(file)] = out.artifacts.as_slice() else { panic!("{out:?}") };
        assert_eq!(file.rule_files.iter().map(|f| span_text(PROMTOOL_TEST, f.span)).collect::<Vec<_>>(), ["rules.yml"]);
        let [first, second] = file.tests.as_slice() else { panic!("{file:?}") };
        assert_eq!((first.label.as_str(), second.label.as_str()), ("test 1", "test `quiet`"));
        let [(site, eqiad)] = first.external_labels.as_slice() else { panic!("{first:?}") };
        assert_eq!((site.value.as_str(), span_text(PROMTOOL_TEST, eqiad.span)), ("site", "eqiad"));
        // `''` is one quote in the value and two bytes in the file.
        let single = &first.input_series[0];
        assert_eq!(single.value, "job:up:sum{job='api'}");
        assert_eq!(span_text(PROMTOOL_TEST, single.file_span(Span::new(15, 20))), "''api''");
        let double = &first.input_series[1];
        assert_eq!(double.value, "up{job=\"api\", i=\"é\"}");
        let e = double.value.find('é').unwrap();
        assert_eq!(span_text(PROMTOOL_TEST, double.file_span(Span::new(e, e + 'é'.len_utf8()))), "\\u00e9");
        let [expression] = first.expressions.as_slice() else { panic!("{first:?}") };
        assert_eq!(span_text(PROMTOOL_TEST, expression.query.span), "job:up:sum > 0");
        assert_eq!(expression.role.describe(), "the `promql_expr_test` of test 1");
        assert!(second.input_series.is_empty() && second.expressions.is_empty());
    }

    #[test]
    fn malformed_promtool_tests_are_read_as_far_as_they_go() {
        let text = "rule_files: rules.yml\ntests:\n  - 5\n  - input_series: {series: x}\n    promql_expr_test: [{expr: [a]}, {eval_time: 1m}]\n";
        let out = artifacts("t.yml", text);
        let [Artifact::PromtoolTests(file)] = out.artifacts.as_slice() else { panic!("{out:?}") };
        assert!(file.rule_files.is_empty());
        assert_eq!(file.tests.len(), 2);
        assert!(file.tests.iter().all(|t| t.input_series.is_empty() && t.expressions.is_empty()));
    }

    #[test]
    fn tests_without_promtool_keys_are_not_promtool_tests() {
        let out = artifacts("t.yml", "tests:\n  - name: a\n    steps: [1]\n");
        assert!(out.artifacts.is_empty());
        assert!(matches!(out.problems.as_slice(), [Problem::Skipped { .. }]), "{:?}", out.problems);
    }

    #[test]
    fn dashboard_templating_names_sources_and_values() {
        let json = r#"{"panels": [
          {"datasource": "$logs", "targets": [{"expr": "{job=\"x\"} |= \"e\""}]},
          {"datasource": {"uid": "${metrics}"}, "targets": [{"expr": "topk($k, up)"}]}],
         "templating": {"list": [{"name": "logs", "type": "datasource", "query": "loki"},
           {"name": "metrics", "type": "datasource", "query": "prometheus"},
           {"name": "k", "type": "custom", "query": "Two : 2, Four : 4"}]}}"#;
        let out = artifacts("d.json", json);
        let [Artifact::Dashboard(dashboard)] = out.artifacts.as_slice() else { panic!("{out:?}") };
        assert!(dashboard.panels[0].targets.is_empty());
        assert_eq!(dashboard.panels[1].targets[0].values, vec![("k".to_string(), "2".to_string())]);
    }

    #[test]
    fn json_lines_are_skipped_not_a_syntax_error() {
        let out = artifacts("dump-series.prom", "{\"__name__\":\"x\",\"a\":\"b\"}\n{\"__name__\":\"y\"}\n");
        assert!(matches!(out.problems.as_slice(), [Problem::Skipped { .. }]), "{:?}", out.problems);
    }

    #[test]
    fn alert_templates_keep_a_rule_file_a_rule_file() {
        let text = "groups:\n- name: a\n  rules:\n  - alert: A\n    expr: up == 0\n    annotations:\n      summary: '{{ .value }}'\n";
        let out = artifacts("r.yml", text);
        assert!(matches!(out.artifacts.as_slice(), [Artifact::RuleFile(_)]), "{out:?}");
        assert!(out.problems.is_empty(), "{:?}", out.problems);
    }

    #[test]
    fn helm_templating_outside_alert_text_skips_the_file() {
        let cases = [
            "groups:\n- name: a\n  rules:\n  - alert: A\n    expr: up{job=\"{{ .Values.job }}\"} == 0\n    annotations:\n      summary: '{{ .value }}'\n",
            "groups:\n{{- if .Values.rules }}\n- name: a\n  rules: []\n{{- end }}\n",
            "groups:\n- name: a\n  rules:\n  - alert: A\n    expr: up == 0\n    labels:\n      {{ .Values.key }}: x\n",
        ];
        for text in cases {
            let out = artifacts("r.yml", text);
            assert!(out.artifacts.is_empty() && matches!(out.problems.as_slice(), [Problem::Skipped { .. }]), "{text}: {out:?}");
        }
    }
}
