"""The rule pack's construction and the `for:` semantics of the detection measurement, on
synthetic data (promtool and real servers prove the rules in tests/integration)."""

from __future__ import annotations

import copy
import json

import numpy as np
import pytest

from mm2report.alerting import ALERTS, FAULT_RULES, rule_pack
from mm2report.alerting.detection import firing_starts
from mm2report.alerting.notifications import NotificationError, load_notifications
from mm2report.catalog import render
from mm2report.errors import ParameterError
from mm2report.params import validate_campaign

BASE = {
    "campaign": {"name": "c", "client": "x", "language": "fr"},
    "source": {"url": "http://127.0.0.1:1"},
    "metrics": {"source_alias": "a", "target_alias": "b", "topics": "t",
                "source_exporter_selector": 'job="s"', "target_exporter_selector": 'job="t"',
                "expected_tasks": 3},
    "thresholds": {"lag_records": 1234, "latency_p99_slo_ms": 777, "rto": "4m"},
    "phases": {"smoke": {"start": "2026-11-16T07:00:00+00:00",
                         "end": "2026-11-16T07:30:00+00:00"}},
}


def campaign(**alerts):
    data = copy.deepcopy(BASE)
    if alerts:
        data["alerts"] = alerts
    return validate_campaign(data)


def test_rules_use_the_catalog_and_the_thresholds():
    c = campaign()
    rules = {r.alert: r for r in rule_pack(c)}
    assert tuple(rules) == ALERTS
    assert rules["MM2LagHigh"].expr == f"{render('consumer_lag', c)} > 1234"
    assert rules["MM2LatencyHigh"].expr == f"{render('latency_max', c)} > 777"
    assert rules["MM2TasksNotRunning"].expr == f"{render('tasks_running', c)} < 3"
    assert rules["MM2WorkerDown"].expr == f"{render('up', c)} == 0"
    # for: from alerts.pending (default 1 min) and the RTO
    assert [rules[a].for_s for a in ("MM2WorkerDown", "MM2LagHigh", "MM2OffsetsDiverging",
                                     "MM2RebalanceStuck")] == [60, 120, 300, 240]
    assert set(FAULT_RULES) == set(ALERTS) - {a for a in ALERTS if "Certificate" in a}


def test_texts_follow_the_language_and_the_runbook_template():
    fr = {r.alert: r for r in rule_pack(campaign())}
    data = copy.deepcopy(BASE)
    data["campaign"]["language"] = "en"
    data["alerts"] = {"runbook_url": "https://wiki/mm2/{alert}#{anchor}", "pending": "30s"}
    en = {r.alert: r for r in rule_pack(validate_campaign(data))}
    assert "tâche" in fr["MM2TaskFailed"].summary and "task" in en["MM2TaskFailed"].summary
    assert "1234" in en["MM2LagHigh"].description and "{{ $value | humanize }}" in \
        en["MM2LagHigh"].description
    assert en["MM2WorkerDown"].runbook_url == "https://wiki/mm2/MM2WorkerDown#mm2workerdown"
    assert fr["MM2WorkerDown"].runbook_url == "docs/alerting.md#mm2workerdown"
    assert en["MM2WorkerDown"].for_s == 30


@pytest.mark.parametrize("alerts, field", [
    ({"runbook_url": "https://wiki/{nope}"}, "alerts.runbook_url"),
    ({"pending": "1.5s"}, "alerts.pending"),
    ({"notifications": "/nonexistent/notifications.json"}, "alerts.notifications"),
    ({"unknown": 1}, "alerts.unknown"),
])
def test_bad_alert_parameters_name_their_field(alerts, field):
    with pytest.raises(ParameterError) as err:
        campaign(**alerts)
    assert field in str(err.value)


def test_for_is_honoured_as_prometheus_does():
    t = np.arange(0, 300, 30)
    on = np.array([0, 1, 1, 1, 0, 1, 1, 0, 1, 1], bool)
    # pending at 30 s, firing at 90 s (60 s later); reset at 120 s; pending 150 s, reset 210
    # s before its 60 s; pending 240 s, firing at 270 s... only at 300: not in the range
    assert firing_starts(on, t, 60) == [90]
    assert firing_starts(on, t, 0) == [30, 150, 240]
    assert firing_starts(on, t, 30) == [60, 180, 270]
    assert firing_starts(np.zeros(10, bool), t, 0) == []


def test_notifications_file(tmp_path):
    good = tmp_path / "n.json"
    good.write_text(json.dumps([{"at": 1000.5, "body": {"status": "firing", "alerts": [
        {"status": "firing", "labels": {"alertname": "MM2WorkerDown", "campaign": "c"},
         "startsAt": "1970-01-01T00:16:30Z"},
        {"status": "resolved", "labels": {"alertname": "MM2LagHigh"},
         "startsAt": "1970-01-01T00:10:00Z"}]}}]))
    (n,) = load_notifications(good)
    assert (n.alert, n.fired_at, n.received_at, n.campaign) == ("MM2WorkerDown", 990.0,
                                                                1000.5, "c")
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps([{"body": {}}]))
    with pytest.raises(NotificationError, match="notification 0"):
        load_notifications(bad)
