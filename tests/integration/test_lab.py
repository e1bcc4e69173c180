"""The real MirrorMaker 2 lab: real Kafka, MM2, JMX exporter agent and a live Prometheus.

One mini-campaign (Strimzi's rules and names on the newest Kafka 4.x Maven Central serves) runs
on 127.0.0.1 in about 13 minutes; mm2report then analyses it from the live Prometheus and every
number is compared with the truth computed from Kafka's own records (tests/integration/
lab_accuracy.py). The other proven combination (connect-jmx on Kafka 3.9) is the recorded example
``parameters/lab.yml``, replayed offline by test_lab_recorded.py. Needs java and mvn: skipped on
a developer machine without them, failed in CI.
"""

from __future__ import annotations

import json
import time
from datetime import datetime

import pytest
import requests
import yaml

from conftest import require_binaries
from .lab_accuracy import mismatches
from mm2report.analyses.data import RANGE_QUERIES
from mm2report.analyses.core import aggregate
from mm2report.evaluate import evaluate
from mm2report.lab import campaign, env
from mm2report.params import load_campaign
from mm2report.sources import open_source
from mm2report.alerting import FAULT_RULES
from mm2report.alerting.webhook import WebhookReceiver

pytestmark = pytest.mark.integration

# No TLS and no blackbox exporter in the lab: no certificate series (criterion INCONCLUSIVE).
NOT_IN_LAB = {"cert_expiry", "cert_expiry_by_target"}


@pytest.fixture(scope="module")
def lab_run(tmp_path_factory):
    require_binaries("java", "mvn", "prometheus", "prometheus-alertmanager")
    root = tmp_path_factory.mktemp("lab")
    directory = root / "lab"
    # the test's own endpoint: the lab's Alertmanager delivers the rule pack's alerts to it
    hook = WebhookReceiver().start()
    try:
        state = env.up(directory, line="4", profile="strimzi", progress=lambda _: None,
                       alert_webhook=hook.url)
        out = campaign.run(directory, root / "campaign", progress=lambda _: None)
        time.sleep(2 * env.SCRAPE)  # the last notifications on their way
        hook.save(out / "notifications.json")
        params_file = out / "campaign.yml"
        data = yaml.safe_load(params_file.read_text())
        data["alerts"]["notifications"] = "notifications.json"
        params_file.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
        params = load_campaign(params_file)
        source = open_source(params)
        truth = json.loads((out / "truth.json").read_text())
        analysis = evaluate(params, source)
        # beside the truth, for the diagnosis of a mismatch once the lab is down
        (out / "analysis.json").write_text(json.dumps(analysis.to_dict(), indent=1, default=str))
        ranges = {q: source.range(q, params.span.start, params.span.end)
                  for q in RANGE_QUERIES if q not in NOT_IN_LAB}
        # when the lab's Prometheus itself fired each alert: its ALERTS series
        fired = requests.get(f"{state.prometheus_url}/api/v1/query", params={
            "query": f'ALERTS{{alertstate="firing"}}[{int(time.time() - truth_start(params)) + 60}s]',
            "time": time.time()}, timeout=30).json()["data"]["result"]
        yield {"state": state, "out": out, "params": params, "truth": truth,
               "analysis": analysis, "ranges": ranges, "hook": hook, "alerts_series": fired}
    finally:
        hook.stop()
        stopped = env.down(directory) if (directory / "lab.json").exists() else []
        assert isinstance(stopped, list)


def truth_start(params) -> float:
    return params.span.start.timestamp()


def test_lab_is_the_real_thing(lab_run):
    state = lab_run["state"]
    assert state.kafka.startswith("4.")
    assert state.connectors["Source"] == "primary->backup.MirrorSourceConnector"
    assert lab_run["truth"]["phases"]["nominal"]["produced"] > 5000


def test_every_query_of_the_profile_returns_data(lab_run):
    empty = [q for q, r in lab_run["ranges"].items() if not aggregate(r).notna().any()]
    assert not empty, f"queries without data on a real MM2: {empty}"


def test_lab_analysis_matches_what_kafka_recorded(lab_run):
    problems = mismatches(lab_run["analysis"], lab_run["truth"], step=env.SCRAPE)
    assert not problems, "\n".join(problems)


def test_lab_soak_is_inconclusive_never_go(lab_run):
    soak = next(v for v in lab_run["analysis"].criteria if v.id == "5")
    assert soak.status.value == "INCONCLUSIVE"
    assert not lab_run["analysis"].decision.go


def test_each_lab_fault_notified_when_prometheus_fired_it(lab_run):
    """The rule pack, live in the lab's Prometheus and routed through a real Alertmanager:
    each fault of the campaign reached the test's webhook, and the detection time measured
    from the rules' evaluations (mm2report.alerting.detection) is when Prometheus fired the
    alert, within one evaluation interval."""
    params, analysis = lab_run["params"], lab_run["analysis"]
    interval = params.alerts.evaluation_interval.total_seconds()
    notes = lab_run["hook"].firing()
    assert notes, "no notification reached the webhook"
    fired = {}
    for s in lab_run["alerts_series"]:  # every firing run of each alert, from ALERTS
        times = [float(t) for t, _ in s["values"]]
        starts = [t for i, t in enumerate(times) if i == 0 or t - times[i - 1] > 1.5 * interval]
        fired.setdefault(s["metric"]["alertname"], []).extend(starts)
    detections = [d for p in analysis.phases.values() if p.detection
                  for d in p.detection.detections]
    assert {d.event.kind for d in detections} >= {"worker_stop", "broker_stop", "error_scenario"}
    problems = []
    for d in detections:
        name = f"{d.event.kind} at {d.event.start.isoformat()}"
        if d.first_alert is None:
            problems.append(f"{name}: no rule fired")
            continue
        measured = d.event.start.timestamp() + d.detected_after_s
        t0, t1 = d.event.start.timestamp(), d.window_end.timestamp()
        mine = [n for n in notes if n["alertname"] == d.first_alert
                and t0 <= _epoch(n["startsAt"]) < t1]
        if not mine:
            problems.append(f"{name}: {d.first_alert} fired (measured) but never notified")
            continue
        starts = min(_epoch(n["startsAt"]) for n in mine)
        if abs(starts - measured) > interval:
            problems.append(f"{name}: {d.first_alert} fired by Prometheus at {starts:.1f}, "
                            f"measured {measured:.1f} (more than {interval:.0f} s apart)")
        prom = [t for t in fired.get(d.first_alert, []) if t0 <= t < t1]
        if not prom or abs(min(prom) - starts) > interval:
            problems.append(f"{name}: ALERTS fires at {prom[:1]}, the notification says {starts}")
        if d.notified is None or d.notified not in FAULT_RULES:
            problems.append(f"{name}: the analysis did not read its notification")
    assert not problems, "\n".join(problems)
    nine = next(v for v in analysis.criteria if v.id == "9")
    parts = {p.id: p for p in nine.parts}
    assert parts["9-notified"].status.value == "PASS", parts["9-notified"].reason
    assert parts["9-detected"].status.value == "PASS", parts["9-detected"].reason
    assert parts["9-loaded"].status.value == "PASS", parts["9-loaded"].reason
    # the evidence goes where the decision reads it: the phases' results (results.json)
    assert json.loads(json.dumps(analysis.to_dict()))["phases"]["resilience"]["detection"][
        "notifications_checked"] is True


def _epoch(iso: str) -> float:
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()


def test_lab_stops_every_process_by_pid(lab_run):
    directory = lab_run["state"].path
    env.down(directory)
    state = env.LabState.load(directory)
    assert not [p.name for p in state.procs.values() if env.alive(p)]
