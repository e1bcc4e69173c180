"""Every command line the READMEs give, run as written from a fresh clone, in a clean shell.

What counts as a command: every line of a ```bash block, and every `make <target>` named in the
prose, of README.md and notebooks/README.md. They run one after the other in one bash process
(so `. .venv/bin/activate` holds for the lines after it), from a ``git clone`` of this
repository, with a minimal environment: no virtual environment on PATH, a new HOME. Each must
succeed, and the clone must be left clean (``git status --porcelain`` empty: everything written
goes under the ignored outputs/).

Two things stand in for ``make setup``, so that the test does not install everything again: the
clone's ``.venv`` is a link to this environment's, and its pyproject.toml is dated before this
environment's install stamp, so make sees the set-up as done. PYTHONPATH names the clone, so
the code that runs is the clone's, not the one this environment was installed from.

Some commands are left out, each for the reason in EXCLUDED; the test fails when one of them is
no longer in a README (the list stays honest) or when a README gains a command nobody runs.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration
REPO = Path(__file__).resolve().parents[2]
DOCS = ("README.md", "notebooks/README.md")
VENV = Path(sys.prefix)

EXCLUDED = {
    "make test": "runs this whole test suite, this test included (about 30 minutes)",
    "make lab": "installs JupyterLab, then serves it until Ctrl-C (an interactive session)",
    "make mm2-lab": "the live MirrorMaker 2 lab: Kafka, Connect and Prometheus for about 15 "
                    "minutes (Java, Maven); tests/integration/test_lab.py runs it",
    "make bench": "the benchmarks: minutes of both cores, meant for an idle machine",
    "make demo-snapshot": "a maintainer's command: re-records parameters/snapshots/demo from a "
                          "local Prometheus, so it changes the tree by design",
}

_FENCE = re.compile(r"^```bash\n(.*?)^```", re.S | re.M)
_MAKE = re.compile(r"`(make [a-z][a-z0-9-]*)`")


def readme_commands(text: str) -> list[str]:
    """The command lines of one README, in order: the lines of its ```bash blocks, then the
    `make <target>` spans of its prose not already among them."""
    lines = [line.strip() for block in _FENCE.findall(text) for line in block.splitlines()]
    lines = [line for line in lines if line and not line.startswith("#")]
    prose = _FENCE.sub("", text)
    return lines + [m for m in dict.fromkeys(_MAKE.findall(prose))
                    if m not in {line.split("#")[0].strip() for line in lines}]


def _command(line: str) -> str:
    return line.split(" #")[0].strip()


def test_readme_commands_are_found():
    text = ("Some `make demo` text and `make mm2-lab`.\n```bash\nmake demo   # comment\n"
            "# a comment line\n\nmm2report check x.yml\n```\n`mm2report check FILE` is a form.\n")
    assert readme_commands(text) == ["make demo   # comment", "mm2report check x.yml",
                                     "make mm2-lab"]
    found = [_command(c) for doc in DOCS for c in readme_commands((REPO / doc).read_text())]
    assert "make demo" in found and ". .venv/bin/activate" in found
    assert any(c.startswith("papermill ") for c in found)
    assert set(EXCLUDED) <= set(found), set(EXCLUDED) - set(found)  # the list stays honest


@pytest.fixture(scope="module")
def clone(tmp_path_factory) -> Path:
    if not (VENV / "bin" / "mm2report").exists():
        pytest.skip("not run from the project's virtual environment")
    root = tmp_path_factory.mktemp("readme")
    target = root / "mm2report"
    subprocess.run(["git", "clone", "--quiet", str(REPO), str(target)], check=True)
    (target / ".venv").symlink_to(VENV)
    stamp = VENV / "bin" / ".installed"
    if stamp.exists():  # `make setup` is done: pyproject.toml is older than the install
        before = stamp.stat().st_mtime - 60
        os.utime(target / "pyproject.toml", (before, before))
    return target


def test_every_readme_command_runs_from_a_fresh_clone(clone):
    commands = [c for doc in DOCS for c in readme_commands((clone / doc).read_text())]
    run = [c for c in commands if _command(c) not in EXCLUDED]
    assert len(run) >= 6
    script = ["set -e"]
    for line in run:
        script += [f"echo {_quote('+ ' + line)} >&2", line]
    home = clone.parent / "home"
    home.mkdir()
    env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": str(home), "LANG": "C.UTF-8",
           "PYTHONPATH": str(clone)}
    done = subprocess.run(["bash", "-c", "\n".join(script)], cwd=clone, env=env,
                          capture_output=True, text=True, timeout=900)
    failed = [line for line in done.stderr.splitlines() if line.startswith("+ ")][-1:]
    assert done.returncode == 0, f"{failed}: exit {done.returncode}\n{done.stderr[-3000:]}"
    assert "Traceback" not in done.stderr
    # what they wrote is where the READMEs say, in the clone
    runs = sorted((clone / "outputs" / "demo").glob("2*T*Z"))
    assert runs and all((r / "run.json").is_file() for r in runs)
    assert any((r / "deliverables-fr" / "index.html").is_file() for r in runs)
    assert (clone / "outputs" / "03-latency.ipynb").is_file()
    assert (clone / "outputs" / "03-latency" / "results.json").is_file()
    status = subprocess.run(["git", "status", "--porcelain"], cwd=clone, capture_output=True,
                            text=True, check=True).stdout
    assert status == "", status


def test_a_command_without_the_environment_fails_in_that_shell(clone):
    # the check above can fail: `mm2report` is not found until .venv is activated
    env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": str(clone.parent), "LANG": "C.UTF-8"}
    done = subprocess.run(["bash", "-c", "mm2report check parameters/demo.yml"], cwd=clone,
                          env=env, capture_output=True, text=True)
    assert done.returncode == 127 and "not found" in done.stderr


def _quote(text: str) -> str:
    return "'" + text.replace("'", "'\\''") + "'"
