"""The notification path of the lab, on its own: a real Prometheus evaluating rules, a real
Alertmanager (Debian prometheus-alertmanager) on 127.0.0.1, and the test's own webhook
endpoint, which must receive each firing alert; the alert's ``startsAt`` is the instant
Prometheus fired it (its ``ALERTS{alertstate="firing"}`` series starts there), after its
``for:``."""

from __future__ import annotations

import time
from datetime import datetime

import pytest
import requests

from conftest import require_binaries
from mm2report import servers
from mm2report.alerting.webhook import WebhookReceiver

pytestmark = pytest.mark.integration

RULES = """groups:
  - name: trivial
    interval: 1s
    rules:
      - alert: AlwaysFiring
        expr: vector(1) > 0
        labels: {severity: info}
      - alert: FiringAfterFiveSeconds
        expr: vector(1) > 0
        for: 5s
      - alert: NeverFiring
        expr: vector(1) < 0
"""


def test_alerts_reach_the_webhook_through_alertmanager(tmp_path):
    require_binaries("prometheus")
    if not (servers.shutil.which("prometheus-alertmanager") or servers.shutil.which("alertmanager")):
        require_binaries("prometheus-alertmanager")
    rules = tmp_path / "rules.yml"
    rules.write_text(RULES)
    with WebhookReceiver() as hook, \
            servers.start_alertmanager(hook.url, workdir=tmp_path / "am") as am:
        started = time.time()
        prom = servers.start_prometheus(workdir=tmp_path / "prom", rule_files=[rules],
                                        alertmanager=am.url.removeprefix("http://"),
                                        evaluation_interval="1s")
        with prom:
            deadline = time.time() + 60
            while time.time() < deadline and {a["alertname"] for a in hook.firing()} != {
                    "AlwaysFiring", "FiringAfterFiveSeconds"}:
                time.sleep(0.5)
            got = {a["alertname"]: a for a in hook.firing()}
            assert set(got) == {"AlwaysFiring", "FiringAfterFiveSeconds"}, hook.received
            # the raw samples of ALERTS: one per evaluation while the alert fires
            series = requests.get(f"{prom.url}/api/v1/query", params={
                "query": 'ALERTS{alertstate="firing"}[10m]'}, timeout=10).json()["data"]["result"]
        fired = {s["metric"]["alertname"]: float(s["values"][0][0]) for s in series}
    starts = {n: datetime.fromisoformat(a["startsAt"].replace("Z", "+00:00")).timestamp()
              for n, a in got.items()}
    for name, alert in got.items():
        assert alert["received"] >= starts[name] and alert["labels"]["alertname"] == name
        # the rule evaluations of Prometheus' first seconds may not reach its TSDB: ALERTS
        # starts at the firing instant or an evaluation or two later, never before
        assert 0 <= fired[name] - starts[name] <= 2.0, (name, fired[name], starts[name])
    # startsAt is the firing instant, not the pending one: the 5 s `for:` shows, exactly as in
    # the ALERTS series of an alert that fired once Prometheus was up
    assert abs(fired["FiringAfterFiveSeconds"] - starts["FiringAfterFiveSeconds"]) <= 1.0
    delay = starts["FiringAfterFiveSeconds"] - starts["AlwaysFiring"]
    assert 4.0 <= delay <= 6.0, delay
    assert got["AlwaysFiring"]["labels"]["severity"] == "info"
    assert prom.proc.poll() is not None and am.proc.poll() is not None  # stopped by PID
