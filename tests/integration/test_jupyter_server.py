"""A real Jupyter server (JupyterLab's backend) runs the smoke notebook, cell by cell.

The server is started from the venv on 127.0.0.1 with a random token and a copy of the notebooks
directory as its root; the notebook is fetched through the contents API, a kernel session is
created through the sessions API, and every code cell is sent over the kernel's websocket as a
Jupyter protocol 5.3 ``execute_request``, as JupyterLab does. Nothing here imports the notebook
machinery of mm2report: the only proof is what comes back over the wire and the results file the
kernel wrote in its own working directory.

Missing ``jupyter_server`` (the ``test`` extra): skipped on a developer's machine, a failure in CI.
"""

from __future__ import annotations

import asyncio
import importlib.util
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path

import nbformat
import pytest
import requests

from conftest import IN_CI
from mm2report.documents.results import read_results

pytestmark = pytest.mark.integration

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
NOTEBOOK = "01-smoke.ipynb"
START_TIMEOUT = 30.0  # server answering /api/status
CELL_TIMEOUT = 60.0  # one cell, from execute_request to its reply and idle status


def server_command() -> list[str]:
    """The venv's ``jupyter-server``, else ``python -m jupyter_server``; skip or fail if neither."""
    binary = Path(sys.executable).parent / "jupyter-server"
    if binary.exists():
        return [str(binary)]
    if importlib.util.find_spec("jupyter_server") is not None:
        return [sys.executable, "-m", "jupyter_server"]
    message = ("missing jupyter_server (jupyter-server binary and module): "
               "pip install -e '.[test]'")
    if IN_CI:
        pytest.fail(message)
    pytest.skip(message)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class JupyterServer:
    """``jupyter server`` in a child process, stopped by PID (its kernels with it)."""

    def __init__(self, root: Path, workdir: Path):
        self.token = secrets.token_hex(24)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.runtime = workdir / "runtime"  # kernel connection files: finds orphan kernels
        self.log = workdir / "server.log"
        env = {**os.environ, "JUPYTER_RUNTIME_DIR": str(self.runtime),
               "JUPYTER_CONFIG_DIR": str(workdir / "config"), "IPYTHONDIR": str(workdir / "ipython"),
               "JUPYTER_PLATFORM_DIRS": "1"}
        cmd = [*server_command(), "--no-browser", "--allow-root", "--ip=127.0.0.1",
               f"--port={self.port}", "--port-retries=0", f"--ServerApp.root_dir={root}",
               f"--IdentityProvider.token={self.token}"]
        with open(self.log, "wb") as log:
            self.proc = subprocess.Popen(cmd, cwd=workdir, env=env, stdin=subprocess.DEVNULL,
                                         stdout=log, stderr=subprocess.STDOUT)
        self.orphans: list[int] = []
        self.http = requests.Session()
        self.http.trust_env = False  # never through a proxy
        self.http.headers["Authorization"] = f"token {self.token}"

    def log_tail(self, lines: int = 40) -> str:
        try:
            text = self.log.read_text(errors="replace").splitlines()[-lines:]
        except OSError:
            return "(no log)"
        return "\n".join(line.replace(self.token, "<token>") for line in text)

    def wait_ready(self, timeout: float = START_TIMEOUT) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"jupyter server exited ({self.proc.returncode}):\n"
                                     + self.log_tail())
            try:
                resp = self.http.get(f"{self.url}/api/status", timeout=2)
                if resp.status_code == 200:
                    return resp.json()
            except requests.ConnectionError:
                pass
            time.sleep(0.2)
        raise AssertionError(f"jupyter server not answering after {timeout:.0f} s:\n"
                             + self.log_tail())

    def api(self, method: str, path: str, **kwargs) -> requests.Response:
        return self.http.request(method, f"{self.url}/api/{path}", timeout=30, **kwargs)

    def kernel_pids(self) -> list[int]:
        """Live processes started with a connection file of this server's runtime directory."""
        marker = str(self.runtime).encode()
        pids = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    if marker in (entry / "cmdline").read_bytes():
                        pids.append(int(entry.name))
                except OSError:
                    continue
        return pids

    def stop(self) -> None:
        self.http.close()
        if self.proc.poll() is None:
            self.proc.terminate()  # SIGTERM: the server shuts its kernels down
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self.orphans = self.kernel_pids()  # kernels the server failed to shut down
        for pid in self.orphans:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


def execute_request(code: str, session: str) -> dict:
    """A Jupyter messaging protocol 5.3 execute_request, as JupyterLab sends it."""
    return {
        "header": {"msg_id": uuid.uuid4().hex, "msg_type": "execute_request", "session": session,
                   "username": "mm2report-test", "version": "5.3",
                   "date": datetime.now(timezone.utc).isoformat()},
        "parent_header": {}, "metadata": {},
        "content": {"code": code, "silent": False, "store_history": True, "user_expressions": {},
                    "allow_stdin": False, "stop_on_error": True},
        "channel": "shell", "buffers": [],
    }


async def run_cells(ws_url: str, cells: list[str]) -> list[tuple[dict, list[dict]]]:
    """Execute ``cells`` in order on the kernel's websocket; per cell, its execute_reply and the
    iopub messages it caused (up to the kernel's ``idle`` for it: iopub may trail the reply)."""
    from tornado.websocket import websocket_connect

    conn = await asyncio.wait_for(websocket_connect(ws_url), timeout=30)
    session = uuid.uuid4().hex
    done = []
    try:
        for code in cells:
            request = execute_request(code, session)
            msg_id = request["header"]["msg_id"]
            await conn.write_message(json.dumps(request))
            reply, iopub, idle = None, [], False
            deadline = time.monotonic() + CELL_TIMEOUT
            while reply is None or not idle:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"no reply/idle within {CELL_TIMEOUT:.0f} s for:\n{code}")
                raw = await asyncio.wait_for(conn.read_message(), timeout=left)
                if raw is None:
                    raise AssertionError(f"kernel websocket closed while running:\n{code}")
                if isinstance(raw, bytes):  # binary frames carry buffers; none expected
                    continue
                msg = json.loads(raw)
                if msg.get("parent_header", {}).get("msg_id") != msg_id:
                    continue
                if msg["channel"] == "shell" and msg["msg_type"] == "execute_reply":
                    reply = msg
                elif msg["channel"] == "iopub":
                    iopub.append(msg)
                    if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
                        idle = True
            done.append((reply, iopub))
            if reply["content"]["status"] != "ok":
                break  # stop_on_error: the later cells would be aborted anyway
    finally:
        conn.close()
    return done


def describe_error(reply: dict, iopub: list[dict]) -> str:
    c = reply["content"]
    streams = "".join(m["content"].get("text", "") for m in iopub if m["msg_type"] == "stream")
    return f"{c['status']}: {c.get('ename')}: {c.get('evalue')}\n{streams[-2000:]}"


def test_jupyter_server_runs_the_smoke_notebook(tmp_path):
    command = server_command()  # skip/fail before copying anything
    root = tmp_path / "notebooks"
    shutil.copytree(NOTEBOOKS, root, ignore=shutil.ignore_patterns("results", ".ipynb_checkpoints"))
    results_file = root / "results" / "smoke" / "results.json"
    assert not results_file.exists()
    source = nbformat.read(root / NOTEBOOK, as_version=4)
    cells = [c.source for c in source.cells if c.cell_type == "code"]
    assert cells and any("report.summary()" in c for c in cells)

    server = JupyterServer(root, tmp_path)
    assert server.proc.args[: len(command)] == command
    try:
        status = server.wait_ready()
        assert "started" in status

        # the token is required: an anonymous client gets nothing
        anonymous = requests.get(f"{server.url}/api/contents/{NOTEBOOK}", timeout=10,
                                 proxies={"http": "", "https": ""})
        assert anonymous.status_code == 403, anonymous.status_code

        # the server serves the notebook itself, with the cells we are about to run
        resp = server.api("GET", f"contents/{NOTEBOOK}")
        assert resp.status_code == 200, resp.text[:500]
        served = resp.json()
        assert served["type"] == "notebook" and served["path"] == NOTEBOOK
        served_cells = [c["source"] for c in served["content"]["cells"] if c["cell_type"] == "code"]
        assert served_cells == cells

        resp = server.api("POST", "sessions", json={"path": NOTEBOOK, "name": NOTEBOOK,
                                                    "type": "notebook",
                                                    "kernel": {"name": "python3"}})
        assert resp.status_code == 201, resp.text[:500]
        session = resp.json()
        assert session["path"] == NOTEBOOK and session["kernel"]["name"] == "python3"
        kernel_id = session["kernel"]["id"]
        assert kernel_id in {k["id"] for k in server.api("GET", "kernels").json()}

        ws_url = (f"ws://127.0.0.1:{server.port}/api/kernels/{kernel_id}/channels"
                  f"?session_id={uuid.uuid4().hex}&token={server.token}")
        executed = asyncio.run(run_cells(ws_url, cells))

        assert len(executed) == len(cells), describe_error(*executed[-1])
        for (reply, iopub), code in zip(executed, cells):
            assert reply["content"]["status"] == "ok", (code, describe_error(reply, iopub))
            errors = [m["content"] for m in iopub if m["msg_type"] == "error"]
            assert not errors, (code, errors)
        counts = [reply["content"]["execution_count"] for reply, _ in executed]
        assert counts == list(range(1, len(cells) + 1)), counts  # in order, one kernel

        summary = next(i for i, c in enumerate(cells) if "report.summary()" in c)
        html = [m["content"]["data"]["text/html"] for m in executed[summary][1]
                if m["msg_type"] in ("execute_result", "display_data")
                and "text/html" in m["content"]["data"]]
        assert html and "<h" in html[0], [m["msg_type"] for m in executed[summary][1]]

        # the kernel ran in the notebook's directory (the copy) and wrote the results there
        assert results_file.is_file(), sorted(str(p.relative_to(root)) for p in root.rglob("*"))
        results = read_results(results_file)
        assert results.phase == "smoke" and results.campaign == "demo"
        assert results.verdicts

        resp = server.api("DELETE", f"sessions/{session['id']}")
        assert resp.status_code == 204, resp.text[:500]
    finally:
        server.stop()
    assert server.proc.returncode is not None
    assert not server.orphans, f"kernel processes outlived the server: {server.orphans}"
