//! One snapshot per ingest format: a planted PromQL error must be reported at its exact token,
//! however the expression is embedded and quoted.

use crate::Checker;
use crate::testing::render;
use promaudit_source::SourceFile;

fn all(path: &str, text: &str) -> String {
    let report = crate::check_source(SourceFile::new(path, text), &Checker::default());
    render(path, text, &report.diagnostics)
}

#[test]
fn plain_rule_file_with_multiple_documents() {
    let text = "groups:\n- name: a\n  rules:\n  - alert: A\n    expr: up == 0\n---\ngroups:\n- name: b\n  rules:\n  - record: job:x:sum\n    expr: sum by (job (x)\n";
    insta::assert_snapshot!(all("multi.yml", text));
}

#[test]
fn thanos_rule_file() {
    let text = "groups:\n- name: thanos\n  partial_response_strategy: warn\n  rules:\n  - alert: A\n    expr: 'absent(up{job=\"x\"}) =='\n";
    insta::assert_snapshot!(all("thanos.yml", text));
}

#[test]
fn prometheus_rule_crd_with_folded_scalar() {
    let text = "apiVersion: monitoring.coreos.com/v1\nkind: PrometheusRule\nmetadata:\n  name: x\nspec:\n  groups:\n  - name: a\n    rules:\n    - alert: A\n      expr: >-\n        sum(rate(errors_total[5m]))\n        / sum(rate(requests_total[5m])) >\n      for: 5m\n";
    insta::assert_snapshot!(all("crd.yaml", text));
}

#[test]
fn config_map_with_embedded_rule_file() {
    let text = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: rules\ndata:\n  alerts.yml: |\n    groups:\n    - name: a\n      rules:\n      - alert: A\n        expr: \"rate(x{code=~\\\"5..\\\"}[5m] > 1\"\n";
    insta::assert_snapshot!(all("cm.yaml", text));
}

#[test]
fn config_map_with_embedded_dashboard() {
    let text = "apiVersion: v1\nkind: ConfigMapList\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: dash\n  data:\n    api.json: |-\n      {\n        \"title\": \"API\",\n        \"panels\": [{\"title\": \"Errors\", \"targets\": [{\"expr\": \"sum(rate(x{code=~\\\"5..\\\"}[$__rate_interval])) by (job\"}]}]\n      }\n";
    insta::assert_snapshot!(all("cml.yaml", text));
}

#[test]
fn bare_dashboard_with_rows_and_variables() {
    let text = r#"{
  "title": "API",
  "templating": {"list": [
    {"name": "job", "type": "query", "query": "label_values(up{job=~\"api.*\"}, job)"},
    {"name": "bad", "type": "query", "query": {"query": "query_result(topk(5, x) by)", "refId": "A"}}
  ]},
  "rows": [{"panels": [{"title": "Old row", "targets": [{"expr": "rate(x[$__interval]) >"}]}]}],
  "panels": [{"type": "row", "panels": [{"title": "Collapsed", "targets": [{"expr": "sum(x{job=\"$job\"}) by (${group:csv}) /"}]}]}]
}
"#;
    insta::assert_snapshot!(all("dash.json", text));
}

#[test]
fn dashboard_in_the_api_wrapper() {
    let text = "{\n  \"dashboard\": {\n    \"title\": \"W\",\n    \"panels\": [{\"title\": \"P\", \"targets\": [{\"expr\": \"histogram_quantile(0.95, sum(rate(x_bucket[5m])) by (le)\"}]}]\n  }\n}\n";
    insta::assert_snapshot!(all("wrapped.json", text));
}

#[test]
fn sloth_spec_with_window_placeholder() {
    let text = "version: \"prometheus/v1\"\nservice: api\nslos:\n- name: availability\n  objective: 99.9\n  sli:\n    events:\n      error_query: sum(rate(http_requests_total{code=~\"5..\"}[{{.window}}]))\n      total_query: sum(rate(http_requests_total[{{.window}}])\n";
    insta::assert_snapshot!(all("sloth.yml", text));
}

#[test]
fn sloth_crd() {
    let text = "apiVersion: sloth.slok.dev/v1\nkind: PrometheusServiceLevel\nmetadata:\n  name: x\nspec:\n  service: api\n  slos:\n  - name: latency\n    objective: 95\n    sli:\n      events:\n        errorQuery: sum(rate(x_count[{{.window}}])) - sum(rate(x_bucket{le=\"1\"}[{{.window}}])\n        totalQuery: sum(rate(x_count[{{.window}}]))\n";
    insta::assert_snapshot!(all("sloth-crd.yaml", text));
}

#[test]
fn pyrra_slo() {
    let text = "apiVersion: pyrra.dev/v1alpha1\nkind: ServiceLevelObjective\nmetadata:\n  name: api\nspec:\n  target: '99.9'\n  window: 4w\n  indicator:\n    ratio:\n      errors:\n        metric: http_requests_total{code=~\"5..\",}}\n      total:\n        metric: http_requests_total\n";
    insta::assert_snapshot!(all("pyrra.yaml", text));
}

#[test]
fn openslo_v1_and_v1alpha() {
    let text = "apiVersion: openslo/v1\nkind: SLI\nmetadata:\n  name: api\nspec:\n  ratioMetric:\n    good:\n      metricSource:\n        type: Prometheus\n        spec:\n          query: sum(rate(x{code!~\"5..\"}[5m]))\n    total:\n      metricSource:\n        type: Prometheus\n        spec:\n          query: sum(rate(x[5m])\n---\napiVersion: openslo/v1alpha\nkind: SLO\nmetadata:\n  name: b\nspec:\n  objectives:\n  - ratioMetrics:\n      good:\n        source: prometheus\n        queryType: promql\n        query: sum(rate(y{code!~\"5..\"}[{{.window}}]) by\n      total:\n        source: prometheus\n        queryType: promql\n        query: sum(rate(y[{{.window}}]))\n    target: 0.999\n";
    insta::assert_snapshot!(all("openslo.yaml", text));
}

#[test]
fn sli_list_and_custom_metrics() {
    let text = "slis:\n  availability:\n    query: \"sum(rate(x{status!~'5..'}[5m])) / sum(rate(x[5m])) by\"\n    target: 99.9%\n---\ncustom_metrics:\n  - name: model_accuracy_score\n    type: gauge\n";
    insta::assert_snapshot!(all("slis.yaml", text));
}

#[test]
fn crlf_rule_file() {
    let text = "groups:\r\n- name: a\r\n  rules:\r\n  - alert: A\r\n    expr: |\r\n      sum(rate(x[5m]))\r\n        > on(job) bool\r\n";
    insta::assert_snapshot!(all("crlf.yml", text));
}

#[test]
fn markdown_guide_with_embedded_blocks() {
    let text = "# Guide\n\nSome prose.\n\n```yaml\ngroups:\n- name: a\n  rules:\n  - alert: A\n    expr: rate(x[5m] > 0\n```\n\n1. In a list:\n\n   ```json\n   {\"panels\": [{\"title\": \"P\", \"targets\": [{\"expr\": \"up ==\"}]}]}\n   ```\n\n```bash\necho not checked\n```\n";
    insta::assert_snapshot!(all("guide.md", text));
}

#[test]
fn the_seed_guide_as_it_stands() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/seed/matrixinfer-monitoring.md");
    let text = std::fs::read_to_string(path).unwrap();
    insta::assert_snapshot!(all("matrixinfer-monitoring.md", &text));
}
