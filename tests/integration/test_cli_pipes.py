"""Every subcommand, its output piped into a reader that has gone (``mm2report … | head -1``
once ``head`` has exited): no traceback, no error line, exit status 141 (128 + SIGPIPE, what a
shell reports for ``yes | head -1``; see mm2report/cli.py and the README's exit codes).

The pipe's read end is closed before the command starts, so its first write to stdout fails:
the test does not depend on how fast a reader would have been. Commands run as a user runs them,
through the ``mm2report`` console script of this environment, in fresh processes.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

import datasets
from mm2report.cli import EXIT_CLOSED_PIPE, build_parser

pytestmark = pytest.mark.integration
REPO = Path(__file__).resolve().parents[2]
MM2REPORT = str(Path(sys.executable).parent / "mm2report")
DEMO = str(REPO / "parameters" / "demo.yml")
AT = "2026-11-17T17:55:00+01:00"  # the demo campaign's worker addition

#: Subcommands left out, with the reason. ``lab up|campaign|fixtures`` start Kafka, MirrorMaker 2
#: and Prometheus for minutes (Java, Maven); ``lab down`` is run here, on a lab without processes.
EXCLUDED = {"lab up", "lab campaign", "lab fixtures"}


def _closed_pipe_run(argv: list[str], cwd: Path) -> subprocess.CompletedProcess:
    read, write = os.pipe()
    os.close(read)  # the reader is gone before the first line is written
    try:
        return subprocess.run([MM2REPORT, *argv], stdout=write, stderr=subprocess.PIPE,
                              stdin=subprocess.DEVNULL, cwd=cwd, text=True, timeout=300)
    finally:
        os.close(write)


@pytest.fixture(scope="module")
def work(tmp_path_factory) -> Path:
    """A run for ``report``, a copy of the demo snapshot and a key to sign it with, an empty
    lab state for ``lab down``."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    work = tmp_path_factory.mktemp("pipes")
    done = subprocess.run([MM2REPORT, "run", DEMO, "--phase", "smoke", "--outputs",
                           str(work / "outputs")], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    shutil.copytree(REPO / "parameters" / "snapshots" / "demo", work / "snapshot")
    (work / "key.pem").write_bytes(Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))
    (work / "lab").mkdir()
    (work / "lab" / "lab.json").write_text(json.dumps(
        {"dir": str(work / "lab"), "line": "4", "kafka": "4.3.1", "profile": "connect-jmx",
         "procs": {}}))
    return work


def _commands(work: Path, prometheus_url: str | None = None) -> dict[str, list[str]]:
    out = str(work / "outputs")
    commands = {
        "--help": ["--help"],
        "check": ["check", DEMO],
        "catalog": ["catalog", DEMO],
        "inspect": ["inspect", DEMO],
        "analyse": ["analyse", DEMO],
        "verify-snapshot": ["verify-snapshot", str(work / "snapshot")],
        "sign-snapshot": ["sign-snapshot", str(work / "snapshot"), "--key", str(work / "key.pem")],
        "run": ["run", DEMO, "--phase", "smoke", "--outputs", out],
        "report": ["report", DEMO, "--outputs", out, "--no-pdf"],
        "compare": ["compare", DEMO, DEMO],
        "alerts": ["alerts", DEMO],
        "validate-change": ["validate-change", DEMO, "--at", AT, "--outputs", out],
        "simulate": ["simulate", str(REPO / "scenarios" / "small.yml"), "--out",
                     str(work / "simulated")],
        "lab down": ["lab", "down", "--dir", str(work / "lab")],
        "serve": ["serve", str(REPO / "scenarios" / "small.yml")],
    }
    if prometheus_url is not None:
        params = work / "live.yml"
        params.write_text(yaml.safe_dump(datasets.campaign_dict(url=prometheus_url)))
        commands["snapshot"] = ["snapshot", str(params), "--out", str(work / "recorded")]
    return commands


def test_every_subcommand_is_covered(tmp_path):
    (sub,) = [a for a in build_parser()._actions if a.dest == "command"]
    lab = next(a for a in sub.choices["lab"]._actions if a.dest == "action")
    names = {n for n in sub.choices if n != "lab"} | {f"lab {a}" for a in lab.choices}
    covered = set(_commands(tmp_path, "http://127.0.0.1:9")) - {"--help"}
    assert covered | EXCLUDED == names
    assert not covered & EXCLUDED


@pytest.mark.parametrize("name", [n for n in _commands(Path("/"), "x") if n not in
                                  ("serve", "snapshot")])
def test_closed_pipe_exits_quietly(work, name):
    result = _closed_pipe_run(_commands(work)[name], work)
    assert "Traceback" not in result.stderr and "BrokenPipe" not in result.stderr, result.stderr
    assert "Exception ignored" not in result.stderr and "error:" not in result.stderr, result.stderr
    assert result.returncode == EXIT_CLOSED_PIPE, (result.returncode, result.stderr)


def test_closed_pipe_while_recording_a_snapshot(work, prometheus_small):
    result = _closed_pipe_run(_commands(work, prometheus_small.url)["snapshot"], work)
    assert "Traceback" not in result.stderr and "error:" not in result.stderr, result.stderr
    assert result.returncode == EXIT_CLOSED_PIPE
    assert (work / "recorded" / "manifest.json").is_file()  # recorded before its report line


def test_closed_pipe_stops_the_served_prometheus(work):
    from conftest import require_binaries

    require_binaries("prometheus", "promtool")
    result = _closed_pipe_run(_commands(work)["serve"], work)
    assert "Traceback" not in result.stderr and "error:" not in result.stderr, result.stderr
    assert result.returncode == EXIT_CLOSED_PIPE
    assert "server stopped" in result.stderr  # not left serving with nobody to read its URL


def test_an_open_pipe_still_gets_everything(work):
    # the control: the same command into a reader that stays gets its whole output, exit 0
    result = subprocess.run([MM2REPORT, "catalog", DEMO], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0 and result.stderr == ""
    assert result.stdout.count("\n    ") > 20  # one PromQL line per query
