"""Regenerate the embedded demo campaign: parameters/demo.yml and parameters/snapshots/demo.

The scenario scenarios/demo.yml is simulated, backfilled into a real Prometheus with promtool,
and every catalog query is recorded through the snapshot source. The ground truth is kept
beside the snapshot (parameters/snapshots/demo.ground_truth.json) for the accuracy tests.

    make demo-snapshot        # or: .venv/bin/python tools/record_demo.py
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]

from mm2report import servers  # noqa: E402
from mm2report.alerting import ALERTS, rules_yaml  # noqa: E402
from mm2report.params import validate_campaign  # noqa: E402
from mm2report.sources.prometheus import PrometheusSource  # noqa: E402
from mm2report.sources.snapshot import record_snapshot  # noqa: E402
from mm2report.simulate import simulate  # noqa: E402

# Manual checklist items and alert rules of the demo: some done, some not, as in a real campaign.
DEMO_MANUAL = {
    "checklist": [
        {"id": "runbook", "status": "done", "evidence": "Wiki OPS-MM2-12", "date": "2026-11-15T17:00:00+01:00"},
        {"id": "rollback_procedure", "status": "done", "evidence": "rollback_mm2.sh reviewed", "date": "2026-11-15T17:00:00+01:00"},
        {"id": "escalation_contacts", "status": "done", "evidence": "On-call rota v3", "date": "2026-11-15T17:00:00+01:00"},
        {"id": "config_backup", "status": "done", "evidence": "backup_mm2_config_20261115.json", "date": "2026-11-15T18:00:00+01:00"},
        {"id": "acls", "status": "not_done"},
        {"id": "rollback_tested", "status": "not_done"},
    ],
    "alerts": {"expected_rules": list(ALERTS)},
    "projection": {"faults_per_year": {"worker_restart": 12, "worker_stop": 2, "broker_stop": 4,
                                       "network_cut": 1}},
}

# The demo's Prometheus holds the campaign's own rule pack (mm2report alerts): criterion 9
# checks they are loaded, and the snapshot records their evaluations (detection times).


def _wait_for_rule_evaluation(source: PrometheusSource, timeout: float = 120) -> None:
    """Rules read 'unknown' health until their first evaluation (the group's interval)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        healths = [r.get("health") for g in source.rules() for r in g.get("rules", [])]
        if healths and "unknown" not in healths:
            return
        time.sleep(1)
    raise SystemExit("the demo's alert rules were not evaluated in time")


def main() -> None:
    params_dir = ROOT / "parameters"
    target = params_dir / "snapshots" / "demo"
    with tempfile.TemporaryDirectory() as tmp:
        started = time.monotonic()
        sim = simulate(ROOT / "scenarios" / "demo.yml", Path(tmp) / "sim")
        print(f"simulated in {time.monotonic() - started:.0f} s", file=sys.stderr)
        data = yaml.safe_load((sim / "campaign.yml").read_text())
        rules = Path(tmp) / "mm2-alerts.yml"
        rules.write_text(rules_yaml(validate_campaign({**data, "source": {"url": "http://x"}})))
        with servers.start_prometheus(sim / "metrics.om", workdir=Path(tmp) / "prom",
                                      rule_files=[rules]) as server:
            print(f"backfilled and started in {time.monotonic() - started:.0f} s", file=sys.stderr)
            data["source"] = {"url": server.url}
            live = validate_campaign(data)
            staging = Path(tmp) / "snapshot"
            with PrometheusSource(live) as source:
                _wait_for_rule_evaluation(source)
                record_snapshot(live, source, staging)
        if target.exists():
            shutil.rmtree(target)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(staging), target)
        shutil.copy(sim / "ground_truth.json", params_dir / "snapshots" / "demo.ground_truth.json")
    data["source"] = {"snapshot": "snapshots/demo"}
    data.update(DEMO_MANUAL)
    header = ("# Embedded demo campaign (simulated from scenarios/demo.yml): replays\n"
              "# parameters/snapshots/demo, so no Prometheus and no Kafka are needed.\n"
              "# Regenerate with: make demo-snapshot\n")
    (params_dir / "demo.yml").write_text(
        header + yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
        + "# Action plan of the deliverables (open P0 actions block production): see demo-actions.yml\n"
        + "action_plan: demo-actions.yml\n")
    print(f"demo snapshot written to {target} in {time.monotonic() - started:.0f} s")


if __name__ == "__main__":
    main()
