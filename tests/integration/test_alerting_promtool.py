"""The rule pack, proven with promtool: ``promtool check rules`` for every deployment profile,
and ``promtool test rules`` unit tests where each alert must fire at a stated time on input
series that show its fault, and must not fire where they do not.

The input series imitate a Strimzi deployment (the simulator's labels: quoted connector and
client ids, ``strimzi_io_cluster``), two workers running two tasks each, 100 records/s on one
partition, scraped every 15 s. Each case changes one thing at minute 10; the pack's rules are
evaluated every 30 s with ``pending`` 1 min (so ``for: 1m``, 2 min for lag and latency, 5 min for
divergence, the RTO of 5 min for a rebalance).
"""

from __future__ import annotations

import copy
import subprocess
from pathlib import Path

import pytest
import yaml

from conftest import require_binaries
from mm2report.alerting import ALERTS, rule_pack, rules_yaml
from mm2report.alerting.rules import VALUE
from mm2report.cli import main
from mm2report.params import validate_campaign

pytestmark = pytest.mark.integration

BASE = {
    "campaign": {"name": "alerting", "client": "Test", "timezone": "Europe/Paris",
                 "language": "en"},
    "source": {"url": "http://127.0.0.1:1", "scrape_interval": "15s"},
    "metrics": {"source_alias": "primary", "target_alias": "backup", "topics": "orders",
                "mm2_selector": 'strimzi_io_cluster="mm2"',
                "source_exporter_selector": 'job="kafka-exporter-source"',
                "target_exporter_selector": 'job="kafka-exporter-target"',
                "expected_tasks": 4,
                "overrides": {"cert_expiry": {"selector": 'job="blackbox"'}}},
    "thresholds": {"lag_records": 10000, "latency_p99_slo_ms": 5000, "rto": "5m"},
    "phases": {"smoke": {"start": "2026-11-16T07:00:00+00:00",
                         "end": "2026-11-16T07:30:00+00:00"}},
    "alerts": {"evaluation_interval": "30s", "pending": "1m"},
}

CONNECTOR = '"primary->backup.MirrorSourceConnector"'
CLIENT = '"primary->backup|primary->backup.MirrorSourceConnector-0|replication-consumer"'
N = 300  # samples at 15 s: 75 minutes
AT = 40  # the sample at minute 10


def _campaign(**metrics):
    data = copy.deepcopy(BASE)
    data["metrics"].update(metrics)
    return validate_campaign(data)


def _sel(name: str, **labels: str) -> str:
    inner = ", ".join(f'{k}="{_esc(v)}"' for k, v in labels.items())
    return f"{name}{{{inner}}}"


def _esc(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"')


def _const(v: float, n: int = N) -> str:
    return f"{v:g}x{n - 1}"


def _steps(before: float, after: float) -> str:
    """``before`` until minute 10, ``after`` from then on."""
    return f"{before:g}x{AT - 1} {after:g}x{N - AT - 1}"


def _counter(rate_per_scrape: float, stop: bool = False) -> str:
    if not stop:
        return f"0+{rate_per_scrape:g}x{N - 1}"
    last = rate_per_scrape * (AT - 1)
    return f"0+{rate_per_scrape:g}x{AT - 1} {last:g}+0x{N - AT - 1}"


def _healthy() -> dict[str, str]:
    """A healthy deployment: series -> promtool values."""
    w = {"strimzi_io_cluster": "mm2"}
    out = {}
    for i in (0, 1):
        worker = {**w, "instance": f"worker-{i}:9404"}
        out[_sel("up", **worker)] = _const(1)
        for kind in ("running", "total"):
            out[_sel(f"kafka_connect_worker_connector_{kind}_task_count", **worker,
                     connector=CONNECTOR)] = _const(2)
        out[_sel("kafka_connect_worker_connector_failed_task_count", **worker,
                 connector=CONNECTOR)] = _const(0)
        out[_sel("kafka_connect_worker_connector_count", **worker)] = _const(2)
        out[_sel("kafka_connect_worker_rebalance_rebalancing", **worker)] = _const(0)
        out[_sel("kafka_connect_task_error_total_record_errors", **worker, connector=CONNECTOR,
                 task=str(i))] = _const(0)
        out[_sel("kafka_connect_source_task_source_record_active_count", **worker,
                 connector=CONNECTOR, task=str(i))] = _const(0)
    worker0 = {**w, "instance": "worker-0:9404"}
    part = {"source": "primary", "target": "backup", "topic": "primary.orders", "partition": "0"}
    out[_sel("kafka_connect_mirror_mirrorsourceconnector_record_count", **worker0, **part)] = \
        _counter(1500)
    out[_sel("kafka_connect_mirror_mirrorsourceconnector_replication_latency_ms_max", **worker0,
             **part)] = _const(200)
    out[_sel("kafka_consumer_fetch_manager_records_lag", **worker0, clientid=CLIENT,
             topic="orders", partition="0")] = _const(10)
    out[_sel("kafka_topic_partition_current_offset", job="kafka-exporter-source",
             instance="exporter-source:9308", topic="orders", partition="0")] = _counter(1500)
    out[_sel("kafka_topic_partition_current_offset", job="kafka-exporter-target",
             instance="exporter-target:9308", topic="primary.orders", partition="0")] = \
        _counter(1500)
    out[_sel("probe_ssl_earliest_cert_expiry", job="blackbox", instance="blackbox:9115",
             target="backup-kafka:9093")] = _const(200 * 86400)
    return out


def _with(changes: dict[str, str]) -> dict[str, str]:
    series = _healthy()
    for key, values in changes.items():
        assert key in series, key
        series[key] = values
    return series


W1 = {"strimzi_io_cluster": "mm2", "instance": "worker-1:9404"}
W0 = {"strimzi_io_cluster": "mm2", "instance": "worker-0:9404"}
PART = {"source": "primary", "target": "backup", "topic": "primary.orders", "partition": "0"}
RUNNING1 = _sel("kafka_connect_worker_connector_running_task_count", **W1, connector=CONNECTOR)
FAILED1 = _sel("kafka_connect_worker_connector_failed_task_count", **W1, connector=CONNECTOR)
UP1 = _sel("up", **W1)
REBAL1 = _sel("kafka_connect_worker_rebalance_rebalancing", **W1)
ERRORS1 = _sel("kafka_connect_task_error_total_record_errors", **W1, connector=CONNECTOR,
               task="1")
RECORDS = _sel("kafka_connect_mirror_mirrorsourceconnector_record_count", **W0, **PART)
LATENCY = _sel("kafka_connect_mirror_mirrorsourceconnector_replication_latency_ms_max", **W0,
               **PART)
LAG = _sel("kafka_consumer_fetch_manager_records_lag", **W0, clientid=CLIENT, topic="orders",
           partition="0")
SOURCE = _sel("kafka_topic_partition_current_offset", job="kafka-exporter-source",
              instance="exporter-source:9308", topic="orders", partition="0")
TARGET = _sel("kafka_topic_partition_current_offset", job="kafka-exporter-target",
              instance="exporter-target:9308", topic="primary.orders", partition="0")
CERT = _sel("probe_ssl_earliest_cert_expiry", job="blackbox", instance="blackbox:9115",
            target="backup-kafka:9093")

# alert: (changed series, minute of the last evaluation it is only pending, minute it fires,
#         the value its description shows, the labels of the alert beyond the rule's)
CASES = {
    "MM2TasksNotRunning": ({RUNNING1: _steps(2, 0)}, "10m30s", "11m", "2", {}),
    "MM2TaskFailed": ({FAILED1: _steps(0, 1), RUNNING1: _steps(2, 1)}, "10m30s", "11m", "1", {}),
    "MM2ReplicationStalled": ({RECORDS: _counter(1500, stop=True)}, "10m30s", "11m", "100", {}),
    "MM2WorkerDown": ({UP1: _steps(1, 0)}, "10m30s", "11m", "0", W1),
    "MM2RecordErrors": ({ERRORS1: f"0x{AT - 1} 75+75x{N - AT - 1}"}, "10m30s", "11m", "5", {}),
    "MM2LagHigh": ({LAG: _steps(10, 20000)}, "11m30s", "12m", "20k", {}),
    "MM2LatencyHigh": ({LATENCY: _steps(200, 8000)}, "11m30s", "12m", "8k", {}),
    "MM2RebalanceStuck": ({REBAL1: _steps(0, 1)}, "14m30s", "15m", "1", {}),
    # the target's end offset frozen from 9m45s: 1500 more records missing every scrape (less
    # the lag of 10); above the 3000 records two scrapes of 100/s explain from 10m30s (4490),
    # firing 5 min later with 93000 - 58500 - 10 missing
    "MM2OffsetsDiverging": ({TARGET: _counter(1500, stop=True)}, "15m", "15m30s", "34.49k", {}),
}
# certificates: (expiry in days from time 0, alerts that fire at 1 h, the value at 1 h)
CERT_CASES = {20: ("MM2CertificateExpiry90d", "MM2CertificateExpiry30d"),
              5: ("MM2CertificateExpiry90d", "MM2CertificateExpiry30d", "MM2CertificateExpiry7d")}


def _expected(rule, value: str, labels: dict) -> dict:
    return {"exp_labels": {"severity": rule.severity, "campaign": "alerting", **labels},
            "exp_annotations": {"summary": rule.summary,
                                "description": rule.description.replace(VALUE, value)
                                .replace("{{ $labels.instance }}", labels.get("instance", "")),
                                "runbook_url": rule.runbook_url}}


def _test_file(rules_file: Path) -> dict:
    c = _campaign()
    rules = {r.alert: r for r in rule_pack(c)}
    tests = []

    def group(series: dict[str, str], checks: list[dict]) -> dict:
        return {"interval": "15s",
                "input_series": [{"series": k, "values": v} for k, v in series.items()],
                "alert_rule_test": checks}

    # healthy: no alert at all, at any of these times
    tests.append(group(_healthy(), [{"eval_time": t, "alertname": a, "exp_alerts": []}
                                    for t in ("5m", "12m", "30m", "70m") for a in ALERTS]))
    for alert, (changes, pending, fires, value, labels) in CASES.items():
        tests.append(group(_with(changes), [
            {"eval_time": "9m30s", "alertname": alert, "exp_alerts": []},
            {"eval_time": pending, "alertname": alert, "exp_alerts": []},
            {"eval_time": fires, "alertname": alert,
             "exp_alerts": [_expected(rules[alert], value, labels)]},
        ]))
    # must not fire: a rebalance that ends (3 minutes), a source that stops producing (no
    # stall while nothing is offered), lag and latency high for less than their `for:`
    tests.append(group(_with({REBAL1: f"0x{AT - 1} 1x11 0x{N - AT - 13}"}), [
        {"eval_time": t, "alertname": "MM2RebalanceStuck", "exp_alerts": []}
        for t in ("12m", "15m", "20m")]))
    tests.append(group(_with({RECORDS: _counter(1500, stop=True),
                              SOURCE: _counter(1500, stop=True),
                              TARGET: _counter(1500, stop=True)}), [
        {"eval_time": t, "alertname": a, "exp_alerts": []}
        for t in ("11m", "20m") for a in ("MM2ReplicationStalled", "MM2OffsetsDiverging")]))
    tests.append(group(_with({LAG: f"10x{AT - 1} 20000x5 10x{N - AT - 7}",
                              LATENCY: f"200x{AT - 1} 8000x5 200x{N - AT - 7}"}), [
        {"eval_time": t, "alertname": a, "exp_alerts": []}
        for t in ("11m", "12m", "13m") for a in ("MM2LagHigh", "MM2LatencyHigh")]))
    for days, firing in CERT_CASES.items():
        left_at_1h = f"{days - 1 / 24:.4g}"  # humanize: 4 significant digits
        checks = [{"eval_time": "59m30s", "alertname": a, "exp_alerts": []} for a in firing]
        for a in (x for x in ALERTS if x.startswith("MM2CertificateExpiry")):
            r = rules[a]
            exp = ([{"exp_labels": {"severity": r.severity, "campaign": "alerting",
                                    "instance": "blackbox:9115", "target": "backup-kafka:9093"},
                     "exp_annotations": {
                         "summary": r.summary.replace("{{ $labels.target }}", "backup-kafka:9093")
                         .replace("{{ $labels.instance }}", "blackbox:9115"),
                         "description": r.description.replace(VALUE, left_at_1h)
                         .replace("{{ $labels.target }}", "backup-kafka:9093")
                         .replace("{{ $labels.instance }}", "blackbox:9115"),
                         "runbook_url": r.runbook_url}}] if a in firing else [])
            checks.append({"eval_time": "1h", "alertname": a, "exp_alerts": exp})
        tests.append(group(_with({CERT: _const(days * 86400)}), checks))
    return {"rule_files": [str(rules_file)], "evaluation_interval": "30s", "tests": tests}


def test_every_alert_has_a_case():
    covered = set(CASES) | {a for f in CERT_CASES.values() for a in f}
    assert covered == set(ALERTS)


def test_promtool_unit_tests(tmp_path):
    require_binaries("promtool")
    rules_file = tmp_path / "rules.yml"
    rules_file.write_text(rules_yaml(_campaign()))
    test_file = tmp_path / "tests.yml"
    test_file.write_text(yaml.safe_dump(_test_file(rules_file), sort_keys=False,
                                        allow_unicode=True, width=10_000))
    done = subprocess.run(["promtool", "test", "rules", str(test_file)], capture_output=True,
                          text=True)
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-3000:]
    assert "SUCCESS" in done.stdout


def test_promtool_catches_a_wrong_expectation(tmp_path):
    """The harness can fail: the lag alert expected one evaluation too early is an error."""
    require_binaries("promtool")
    rules_file = tmp_path / "rules.yml"
    rules_file.write_text(rules_yaml(_campaign()))
    spec = _test_file(rules_file)
    lag_group = next(g for g in spec["tests"]
                     if any(c["alertname"] == "MM2LagHigh" and c["exp_alerts"]
                            for c in g["alert_rule_test"]))
    firing = next(c for c in lag_group["alert_rule_test"] if c["exp_alerts"])
    firing["eval_time"] = "11m30s"
    (tmp_path / "tests.yml").write_text(yaml.safe_dump(spec, sort_keys=False, width=10_000))
    done = subprocess.run(["promtool", "test", "rules", str(tmp_path / "tests.yml")],
                          capture_output=True, text=True)
    assert done.returncode != 0 and "MM2LagHigh" in done.stdout + done.stderr


PROFILE_VARIANTS = [
    {"profile": "strimzi"},
    {"profile": "connect-jmx", "mm2_selector": 'job="mm2"', "connector": "mm2-source-connector"},
    {"profile": "dedicated", "mm2_selector": 'job="mm2"', "expected_tasks": None},
    {"profile": "strimzi-metrics-reporter"},
    {"profile": "strimzi", "jmx_exporter": "0.x", "replication_policy": "identity",
     "worker_labels": ["kubernetes_pod_name"]},
]


@pytest.mark.parametrize("variant", PROFILE_VARIANTS, ids=lambda v: "-".join(
    str(x) for x in v.values() if x))
def test_promtool_check_rules_every_profile(tmp_path, variant):
    """``mm2report alerts`` writes a file promtool accepts, for every profile, in both
    languages, with the profile's own names in the expressions."""
    require_binaries("promtool")
    for lang in ("fr", "en"):
        data = copy.deepcopy(BASE)
        data["metrics"].update(variant)
        data["campaign"]["language"] = lang
        params = tmp_path / f"c-{lang}.yml"
        params.write_text(yaml.safe_dump(data))
        out = tmp_path / f"rules-{lang}.yml"
        assert main(["alerts", str(params), "--out", str(out)]) == 0
        done = subprocess.run(["promtool", "check", "rules", str(out)], capture_output=True,
                              text=True)
        assert done.returncode == 0, done.stdout + done.stderr
        assert f"SUCCESS: {len(ALERTS)} rules found" in done.stdout
        text = yaml.safe_load(out.read_text())
        exprs = " ".join(r["expr"] for r in text["groups"][0]["rules"])
        if variant["profile"] == "strimzi-metrics-reporter":
            assert "kafka_connect_connect_worker_metrics_connector_running_task_count" in exprs
        else:
            assert "kafka_connect_worker_connector_running_task_count" in exprs
        if variant.get("jmx_exporter") == "0.x":
            assert "on (kubernetes_pod_name)" in exprs
        summaries = [r["annotations"]["summary"] for r in text["groups"][0]["rules"]]
        assert ("tâche" in summaries[0]) == (lang == "fr")


def test_alerts_never_overwrites(tmp_path, capsys):
    data = copy.deepcopy(BASE)
    params = tmp_path / "c.yml"
    params.write_text(yaml.safe_dump(data))
    out = tmp_path / "rules.yml"
    out.write_text("keep me\n")
    assert main(["alerts", str(params), "--out", str(out)]) == 2
    assert out.read_text() == "keep me\n"
    assert "already exists" in capsys.readouterr().err
    assert main(["alerts", str(params)]) == 0
    assert "MM2WorkerDown" in capsys.readouterr().out
