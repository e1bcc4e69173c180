"""`mm2report validate-change` end to end on the embedded demo campaign (offline snapshot).

Expected outcomes come from the demo's own event list (parameters/demo.yml), not from the code:
the worker added at 16:55Z is a rebalance the service absorbs within seconds; the revoked SASL
credentials at 20:10Z leave a task FAILED until it is restarted (event end 20:13Z)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "parameters" / "demo.yml"
CLI = [sys.executable, "-m", "mm2report.cli"]


def run(*args, cwd=ROOT):
    return subprocess.run([*CLI, *args], cwd=cwd, capture_output=True, text=True, timeout=180)


def events():
    return {e["target"] if e.get("target") else e["kind"]: e
            for p in yaml.safe_load(DEMO.read_text())["phases"].values()
            for e in p.get("events", [])}


def test_a_rebalance_absorbed_within_the_window_validates(tmp_path):
    add = events()["mm2-mirrormaker2-2"]
    assert add["kind"] == "worker_add"
    r = run("validate-change", str(DEMO), "--at", add["start"], "--outputs", str(tmp_path))
    assert r.returncode == 0, r.stderr
    assert "VALIDATED" in r.stdout and "NOT VALIDATED" not in r.stdout
    (out,) = (tmp_path / "demo" / "validate-change").iterdir()
    data = json.loads((out / "change.json").read_text())
    assert data["overall"]["status"] == "PASS"
    assert [c["id"] for c in data["checks"]] == ["connector", "tasks", "latency", "lag", "errors"]
    html = (out / "validate-change.html").read_text()
    assert "Validation post-changement" in html and "open_change(" not in html


def test_a_failed_task_does_not_validate_exit_3(tmp_path):
    sasl = events()["SASL credentials revoked"]
    r = run("validate-change", str(DEMO), "--at", sasl["start"], "--window", "2m",
            "--lang", "en", "--outputs", str(tmp_path))
    assert r.returncode == 3, r.stdout + r.stderr
    assert "Tasks RUNNING: FAIL" in r.stdout
    (out,) = (tmp_path / "demo" / "validate-change").iterdir()
    assert "Post-change validation" in (out / "validate-change.html").read_text()


@pytest.mark.parametrize("args, field", [
    (["--at", "2026-11-17T17:55:00"], "--at"),  # no UTC offset
    (["--at", "yesterday"], "--at"),
    (["--at", "2026-11-17T17:55:00+01:00", "--window", "-5m"], "--window"),
    (["--at", "2026-11-18T12:00:00+00:00"], "not recorded"),  # outside the demo snapshot
])
def test_bad_input_exit_2_and_nothing_written(tmp_path, args, field):
    r = run("validate-change", str(DEMO), *args, "--outputs", str(tmp_path))
    assert r.returncode == 2
    assert field in r.stderr
    assert not any(tmp_path.rglob("*.json"))
