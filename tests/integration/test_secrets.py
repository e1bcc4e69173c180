"""No credential leaves the process, whatever quotes it (issue 13, section 3).

A real Prometheus (scenarios/small.yml, simulated and backfilled) sits behind the scripted proxy
of ``helpers.py``, which demands the credentials and quotes them back: in its error bodies, or
in the ``warnings`` of every answer and the ``lastError`` of every alert rule. Every command that
reads the source runs as a user would (the console script in a subprocess), in a bearer and a
basic-auth configuration; then every byte it printed and every file it wrote (the text of the
PDFs too) is searched for the credential, its base64 and, for basic auth, the base64 of
``user:password`` that the header carries. The spellings are computed here, not taken from
``mm2report.redact``.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import shutil
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml

from conftest import require_binaries
from mm2report import servers
from mm2report.simulate import simulate

from .helpers import Fault, FaultProxy

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
TIMEOUT = 300
USER = "mm2-reader"
ERROR_BODY = (b'{"status":"error","errorType":"bad_data","error":"refused the request '
              b'with Authorization: {authorization} (credential {secret}, {secret_b64})"}')


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


@pytest.fixture(scope="module")
def simulated(tmp_path_factory):
    require_binaries("prometheus", "promtool")
    work = tmp_path_factory.mktemp("secrets-sim")
    sim = simulate(ROOT / "scenarios" / "small.yml", work / "sim")
    rules = work / "alerts.yml"  # rules, so that the answers of /api/v1/rules have some
    rules.write_text("groups:\n  - name: mm2\n    rules:\n      - alert: MM2Down\n"
                     "        expr: up == 0\n")
    server = servers.start_prometheus(sim / "metrics.om", workdir=work / "prometheus",
                                      rule_files=[rules])
    yield SimpleNamespace(server=server, sim=sim)
    server.stop()


@pytest.fixture(scope="module")
def proxy(simulated):
    server = FaultProxy(simulated.server.url)
    yield server
    server.close()


@pytest.fixture(params=["bearer", "basic"])
def setup(request, simulated, proxy, tmp_path):
    """A campaign file behind the proxy, the environment holding its credentials, and the
    spellings of the secret that must appear nowhere."""
    proxy.reset()
    secret = f"{request.param}-{secrets.token_hex(12)}"
    params = yaml.safe_load((simulated.sim / "campaign.yml").read_text())
    env = dict(os.environ)
    if request.param == "bearer":
        auth = {"type": "bearer", "token": {"env": "MM2_TEST_TOKEN"}}
        env["MM2_TEST_TOKEN"] = secret
        header = f"Bearer {secret}"
        spellings = [secret, b64(secret)]
    else:
        secret_file = tmp_path / "password"
        secret_file.write_text(secret + "\n")
        auth = {"type": "basic", "username": {"env": "MM2_TEST_USER"},
                "password": {"file": str(secret_file)}}
        env["MM2_TEST_USER"] = USER
        header = f"Basic {b64(f'{USER}:{secret}')}"
        spellings = [secret, b64(secret), b64(f"{USER}:{secret}")]
    proxy.require_authorization = header
    params["source"] = {"url": proxy.url, "retries": 0, "auth": auth}
    work = tmp_path / "work"
    work.mkdir()
    path = work / "campaign.yml"
    path.write_text(yaml.safe_dump(params, sort_keys=False, allow_unicode=True), encoding="utf-8")
    at = params["phases"]["resilience"]["start"]
    yield SimpleNamespace(kind=request.param, proxy=proxy, params=path, env=env, work=work,
                          root=tmp_path, spellings=spellings, header=header, at=at,
                          secret_file=tmp_path / "password")
    proxy.reset()


def cli(setup, *args) -> subprocess.CompletedProcess:
    script = BIN / "mm2report"
    cmd = [str(script)] if script.exists() else [sys.executable, "-m", "mm2report.cli"]
    return subprocess.run([*cmd, *map(str, args)], cwd=setup.work, env=setup.env,
                          capture_output=True, text=True, timeout=TIMEOUT)


def pdf_text(path: Path) -> bytes:
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True,
                          check=True).stdout


def leaks(setup, procs: list[subprocess.CompletedProcess]) -> list[str]:
    """Where a spelling of the secret was found: a stream, a file, the text of a PDF."""
    found = []
    for i, proc in enumerate(procs):
        for name, text in (("stdout", proc.stdout), ("stderr", proc.stderr)):
            found += [f"{proc.args[1:3]} {name}: {s}" for s in setup.spellings if s in text]
    for path in sorted(setup.root.rglob("*")):
        if not path.is_file() or path == setup.secret_file:
            continue
        data = path.read_bytes()
        if path.suffix == ".pdf":
            data += pdf_text(path)
        found += [f"{path.relative_to(setup.root)}: {s}" for s in setup.spellings
                  if s.encode() in data]
    return found


def test_credentials_quoted_in_error_bodies_are_redacted_everywhere(setup):
    setup.proxy.always = Fault(400, ERROR_BODY, (("Content-Type", "application/json"),))
    outputs = setup.work / "outputs"
    procs = [
        cli(setup, "run", setup.params, "--phase", "smoke", "--outputs", outputs),
        cli(setup, "validate-change", setup.params, "--at", setup.at, "--window", "10m",
            "--outputs", outputs),
        cli(setup, "analyse", setup.params, "--json", setup.work / "analysis.json"),
        cli(setup, "inspect", setup.params),
        cli(setup, "snapshot", setup.params, "--out", setup.work / "snapshot"),
    ]
    assert [p.returncode for p in procs] == [1, 1, 1, 1, 1], [p.stderr[-2000:] for p in procs]
    # the server did quote the credential, and each command reported its error, redacted
    assert setup.proxy.seen and {h.get("Authorization") for h in setup.proxy.seen} == {setup.header}
    for proc in procs:
        assert "HTTP 400 bad_data: refused the request with Authorization: " in proc.stderr
        assert "[redacted]" in proc.stderr, proc.stderr[-2000:]
    # failed runs are kept for diagnosis: their notebooks hold the traceback
    kept = sorted(p.name for p in (outputs / "small-sim").rglob("*.ipynb"))
    assert kept == ["01-smoke.ipynb", "validate-change.ipynb"]
    for nb in (outputs / "small-sim").rglob("*.ipynb"):
        assert "[redacted]" in nb.read_text(encoding="utf-8")
    (run_json,) = (outputs / "small-sim").glob("*-failed/run.json")
    assert "[redacted]" in run_json.read_text(encoding="utf-8")
    assert leaks(setup, procs) == []


def test_credentials_quoted_in_answers_and_rules_are_redacted_everywhere(setup):
    require_binaries("chromium", "pdftotext")
    setup.proxy.echo = True
    outputs = setup.work / "outputs"
    procs = [cli(setup, "run", setup.params, "--phase", "smoke", "--phase", "resilience",
                 "--outputs", outputs)]
    procs.append(cli(setup, "report", setup.params, "--outputs", outputs))
    procs += [
        cli(setup, "validate-change", setup.params, "--at", setup.at, "--window", "10m",
            "--outputs", outputs),
        cli(setup, "analyse", setup.params, "--json", setup.work / "analysis.json"),
        cli(setup, "inspect", setup.params),
        cli(setup, "snapshot", setup.params, "--out", setup.work / "snapshot"),
    ]
    codes = [p.returncode for p in procs]
    assert codes[:2] == [0, 0] and codes[2] in (0, 3) and codes[3:] == [0, 0, 0], \
        [p.stderr[-2000:] for p in procs]
    # the quotes did reach the outputs (alert rules are kept in results.json and the snapshot)
    (run,) = (outputs / "small-sim").glob("2*")
    results = json.loads((run / "01-smoke" / "results.json").read_text(encoding="utf-8"))
    errors = {r.get("lastError") for g in results["rules"] for r in g["rules"]}
    scheme = setup.header.split()[0]
    assert errors == {f"upstream saw Authorization: {scheme} [redacted] "
                      "(credential [redacted], [redacted])"}
    assert "[redacted]" in (setup.work / "snapshot" / "rules.json").read_text(encoding="utf-8")
    assert list(run.glob("deliverables-*/*.pdf"))
    assert leaks(setup, procs) == []


def test_the_leak_search_finds_an_unredacted_secret(setup):
    """The search above can fail: a file holding a spelling is reported."""
    (setup.work / "planted.txt").write_text(f"oops {setup.spellings[-1]}")
    assert leaks(setup, []) == [f"work/planted.txt: {setup.spellings[-1]}"]
