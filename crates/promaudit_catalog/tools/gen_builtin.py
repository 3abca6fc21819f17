#!/usr/bin/env python3
"""Generates data/builtin.tsv, promaudit's built-in exporter knowledge, from the shared corpus.

Run once by hand (python3 tools/gen_builtin.py ../../../shared/corpus > data/builtin.tsv); the
generated file is committed, the corpus is not a build dependency.
Columns: exporter, name, type, unit ('' = infer), labels (comma-separated), labels_complete (1/0), help.
"""
import csv, html, io, re, sys
from pathlib import Path

corpus = Path(sys.argv[1])
rows = {}

def add(exporter, name, kind, labels, complete, help_text, unit=""):
    if name in rows:
        return
    labels = sorted(set(l for l in labels if l and l not in ("le", "quantile", "__name__")))
    help_text = " ".join(help_text.replace("\t", " ").split())
    rows[name] = (exporter, name, kind, unit, ",".join(labels), "1" if complete else "0", help_text)

def exposition(exporter, path, prefix):
    helps, types, labels = {}, {}, {}
    for line in path.read_text().splitlines():
        if line.startswith("# HELP "):
            _, _, name, *rest = line.split(" ", 3)
            helps[name] = rest[0] if rest else ""
        elif line.startswith("# TYPE "):
            _, _, name, kind = line.split(" ", 3)
            types[name] = kind
        elif line and not line.startswith("#"):
            m = re.match(r"([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?", line.strip())
            if not m:
                continue
            name = m.group(1)
            base = name
            for suffix in ("_bucket", "_sum", "_count"):
                if name.endswith(suffix) and name[: -len(suffix)] in types:
                    base = name[: -len(suffix)]
            labels.setdefault(base, set()).update(re.findall(r'([a-zA-Z_][a-zA-Z0-9_]*)="', m.group(3) or ""))
    for name, kind in types.items():
        if name.startswith(prefix):
            add(exporter, name, kind, labels.get(name, ()), True, helps.get(name, ""))

# node_exporter: the Linux end-to-end output covers every collector; the other systems' add
# their own names (the Linux rows, read first, win).
fixtures = corpus / "node_exporter/collector/fixtures"
exposition("node_exporter", fixtures / "e2e-output.txt", "node_")
for dump in sorted(fixtures.glob("e2e-output-*.txt")):
    exposition("node_exporter", dump, "node_")
# /proc/meminfo fields of kernels newer than the e2e fixture's (MemAvailable is 3.14): the
# meminfo collector exposes every field as a gauge, in bytes.
for field in ["MemAvailable", "KReclaimable", "Percpu", "FileHugePages", "FilePmdMapped", "ShmemHugePages", "ShmemPmdMapped", "Hugetlb", "CmaTotal", "CmaFree"]:
    add("node_exporter", f"node_memory_{field}_bytes", "gauge", [], True, f"Memory information field {field}_bytes.")

# Client libraries' standard metrics (process_*, go_*, promhttp_*), from a Prometheus server's
# own dump (a recent Go client) and node_exporter's.
for dump in [corpus / "prometheus-testdata/exposition/alltypes.237mfs.prom.txt", fixtures / "e2e-output.txt"]:
    for prefix in ("process_", "go_", "promhttp_"):
        exposition("client_golang", dump, prefix)
# nvidia_gpu_exporter: the largest real dumps (H100/H200 with MIG) plus the seeded demo.
for f in ["linux-x86_64__nvidia-h200-mig__590.48.01__load.metrics", "linux-x86_64__nvidia-h100-80gb-hbm3__590.48.01__load.metrics", "demo__seeded.metrics"]:
    exposition("nvidia_smi", corpus / "nvidia_gpu_exporter/internal/integration/testdata" / f, "nvidia_smi_")

# kube-state-metrics: the metric tables of its documentation.
for page in sorted((corpus / "kube-state-metrics/docs/metrics").rglob("*.md")):
    columns = {}
    for line in page.read_text().splitlines():
        cells = [c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]]
        if cells and cells[0].lower().startswith("metric name"):
            # Pages order their columns differently; find them by header.
            columns = {name.lower().split()[0].split("/")[0]: i for i, name in enumerate(cells)}
            continue
        if not columns or not cells or not re.fullmatch(r"kube_[a-z0-9_]+", cells[0]):
            continue
        cell = lambda key: cells[columns[key]] if key in columns and columns[key] < len(cells) else ""
        kind = cells[1].lower()
        if kind not in ("gauge", "counter", "histogram", "summary", "info", "stateset"):
            continue
        labels = re.findall(r"`([a-zA-Z_][a-zA-Z0-9_]*)`", html.unescape(cell("labels")))
        dynamic = any(re.search(r"[A-Z]", l) for l in labels) or cells[0].endswith(("_labels", "_annotations"))
        labels = [l for l in labels if not re.search(r"[A-Z]", l)]
        unit = {"seconds": "seconds", "bytes": "bytes"}.get(cell("unit").lower(), "")
        add("kube-state-metrics", cells[0], kind, labels, not dynamic, html.unescape(cell("description")), unit)

# DCGM exporter: its counter lists (type from the column, unit from the help text).
for f in ["default-counters.csv", "dcp-metrics-included.csv", "1.x-compatibility-metrics.csv"]:
    for line in (corpus / "dcgm-exporter/etc" / f).read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        parts = [p.strip() for p in line.split(",", 2)]
        if len(parts) == 3 and parts[1] in ("gauge", "counter"):
            add("dcgm-exporter", parts[0], parts[1], ["gpu", "UUID", "device", "modelName", "Hostname"], False, parts[2])
# Fields a custom counter list enables that the bundled lists leave out; units from DCGM's field
# reference (dcgm_fields.h: FB_TOTAL in MB, i.e. MiB; 15109 on a 16 GB Tesla T4 in Datadog's
# dcgm test fixture).
for name, help_text in [("DCGM_FI_DEV_FB_TOTAL", "Total framebuffer memory (in MiB).")]:
    add("dcgm-exporter", name, "gauge", ["gpu", "UUID", "device", "modelName", "Hostname"], False, help_text)

# cAdvisor (as the kubelet exposes it) and Prometheus itself: written by hand from their docs.
CADVISOR = ["container", "id", "image", "name", "namespace", "pod"]
for name, kind, extra, help_text in [
    ("container_cpu_usage_seconds_total", "counter", ["cpu"], "Cumulative cpu time consumed in seconds."),
    ("container_cpu_user_seconds_total", "counter", [], "Cumulative user cpu time consumed in seconds."),
    ("container_cpu_system_seconds_total", "counter", [], "Cumulative system cpu time consumed in seconds."),
    ("container_cpu_cfs_periods_total", "counter", [], "Number of elapsed enforcement period intervals."),
    ("container_cpu_cfs_throttled_periods_total", "counter", [], "Number of throttled period intervals."),
    ("container_cpu_cfs_throttled_seconds_total", "counter", [], "Total time duration the container has been throttled."),
    ("container_memory_working_set_bytes", "gauge", [], "Current working set in bytes."),
    ("container_memory_usage_bytes", "gauge", [], "Current memory usage in bytes, including all memory regardless of when it was accessed."),
    ("container_memory_rss", "gauge", [], "Size of RSS in bytes."),
    ("container_memory_cache", "gauge", [], "Number of bytes of page cache memory."),
    ("container_memory_swap", "gauge", [], "Container swap usage in bytes."),
    ("container_memory_max_usage_bytes", "gauge", [], "Maximum memory usage recorded in bytes."),
    ("container_memory_failcnt", "counter", [], "Number of memory usage hits limits."),
    ("container_oom_events_total", "counter", [], "Count of out of memory events observed for the container."),
    ("container_spec_memory_limit_bytes", "gauge", [], "Memory limit for the container."),
    ("container_spec_cpu_quota", "gauge", [], "CPU quota of the container."),
    ("container_spec_cpu_period", "gauge", [], "CPU period of the container."),
    ("container_spec_cpu_shares", "gauge", [], "CPU share of the container."),
    ("container_network_receive_bytes_total", "counter", ["interface"], "Cumulative count of bytes received."),
    ("container_network_transmit_bytes_total", "counter", ["interface"], "Cumulative count of bytes transmitted."),
    ("container_network_receive_packets_dropped_total", "counter", ["interface"], "Cumulative count of packets dropped while receiving."),
    ("container_network_transmit_packets_dropped_total", "counter", ["interface"], "Cumulative count of packets dropped while transmitting."),
    ("container_network_receive_errors_total", "counter", ["interface"], "Cumulative count of errors encountered while receiving."),
    ("container_network_transmit_errors_total", "counter", ["interface"], "Cumulative count of errors encountered while transmitting."),
    ("container_fs_usage_bytes", "gauge", ["device"], "Number of bytes that are consumed by the container on this filesystem."),
    ("container_fs_limit_bytes", "gauge", ["device"], "Number of bytes that can be consumed by the container on this filesystem."),
    ("container_fs_reads_bytes_total", "counter", ["device"], "Cumulative count of bytes read."),
    ("container_fs_writes_bytes_total", "counter", ["device"], "Cumulative count of bytes written."),
    ("container_last_seen", "gauge", [], "Last time a container was seen by the exporter."),
    ("container_start_time_seconds", "gauge", [], "Start time of the container since unix epoch in seconds."),
    ("container_threads", "gauge", [], "Number of threads running inside the container."),
    ("container_processes", "gauge", [], "Number of processes running inside the container."),
]:
    add("cadvisor", name, kind, CADVISOR + extra, False, help_text)

for name, kind, labels, complete, help_text in [
    ("up", "gauge", [], True, "1 if the target was scraped successfully, 0 if not (set by Prometheus)."),
    ("scrape_duration_seconds", "gauge", [], True, "Duration of the scrape (set by Prometheus)."),
    ("scrape_samples_scraped", "gauge", [], True, "Samples the target exposed (set by Prometheus)."),
    ("scrape_samples_post_metric_relabeling", "gauge", [], True, "Samples remaining after metric relabelling (set by Prometheus)."),
    ("scrape_series_added", "gauge", [], True, "Approximate number of new series in this scrape (set by Prometheus)."),
    ("ALERTS", "gauge", ["alertname", "alertstate"], False, "Pending and firing alerts, with the alert's labels."),
    ("ALERTS_FOR_STATE", "gauge", ["alertname"], False, "Start time of active alerts, with the alert's labels."),
    ("prometheus_build_info", "gauge", ["branch", "goversion", "revision", "tags", "version"], True, "Build information."),
    ("prometheus_config_last_reload_successful", "gauge", [], True, "Whether the last configuration reload attempt was successful."),
    ("prometheus_config_last_reload_success_timestamp_seconds", "gauge", [], True, "Timestamp of the last successful configuration reload."),
    ("prometheus_notifications_dropped_total", "counter", [], True, "Total number of alerts dropped due to errors when sending to Alertmanager."),
    ("prometheus_notifications_queue_length", "gauge", [], True, "The number of alert notifications in the queue."),
    ("prometheus_notifications_queue_capacity", "gauge", [], True, "The capacity of the alert notifications queue."),
    ("prometheus_notifications_errors_total", "counter", ["alertmanager"], True, "Total number of errors sending alert notifications."),
    ("prometheus_notifications_sent_total", "counter", ["alertmanager"], True, "Total number of alerts sent."),
    ("prometheus_rule_evaluation_failures_total", "counter", ["rule_group"], True, "The total number of rule evaluation failures."),
    ("prometheus_rule_group_iterations_missed_total", "counter", ["rule_group"], True, "The total number of rule group evaluations missed due to slow rule group evaluation."),
    ("prometheus_rule_group_last_duration_seconds", "gauge", ["rule_group"], True, "The duration of the last rule group evaluation."),
    ("prometheus_rule_group_interval_seconds", "gauge", ["rule_group"], True, "The interval of a rule group."),
    ("prometheus_target_scrapes_exceeded_sample_limit_total", "counter", [], True, "Total number of scrapes that hit the sample limit and were rejected."),
    ("prometheus_target_sync_length_seconds", "summary", ["scrape_job"], True, "Actual interval to sync the scrape pool."),
    ("prometheus_target_interval_length_seconds", "summary", ["interval"], True, "Actual intervals between scrapes."),
    ("prometheus_tsdb_head_series", "gauge", [], True, "Total number of series in the head block."),
    ("prometheus_tsdb_head_samples_appended_total", "counter", ["type"], True, "Total number of appended samples."),
    ("prometheus_tsdb_compactions_failed_total", "counter", [], True, "Total number of compactions that failed for the partition."),
    ("prometheus_tsdb_reloads_failures_total", "counter", [], True, "Number of times the database failed to reloadBlocks block data from disk."),
    ("prometheus_tsdb_wal_corruptions_total", "counter", [], True, "Total number of WAL corruptions."),
    ("prometheus_remote_storage_samples_failed_total", "counter", ["remote_name", "url"], True, "Total number of samples which failed on send to remote storage, non-recoverable errors."),
    ("prometheus_sd_discovered_targets", "gauge", ["config", "name"], True, "Current number of discovered targets."),
    ("prometheus_http_requests_total", "counter", ["code", "handler"], True, "Counter of HTTP requests."),
    ("prometheus_http_request_duration_seconds", "histogram", ["handler"], True, "Histogram of latencies for HTTP requests."),
    ("prometheus_engine_query_duration_seconds", "summary", ["slice"], True, "Query timings."),
]:
    add("prometheus", name, kind, labels, complete, help_text)

out = io.StringIO()
out.write("# Generated by tools/gen_builtin.py from the shared corpus; do not edit by hand.\n")
out.write("# exporter\tname\ttype\tunit\tlabels\tlabels_complete\thelp\n")
for row in sorted(rows.values()):
    out.write("\t".join(row) + "\n")
sys.stdout.write(out.getvalue())
