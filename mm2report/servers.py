"""Local Prometheus and VictoriaMetrics servers, backfilled from OpenMetrics text.

Used by the integration tests and by the command that serves a simulated campaign to an analyst.
Servers listen on 127.0.0.1 only, on a free port, and are stopped by PID.

Backfilled series carry no staleness markers: a live Prometheus hides a vanished series at the
next scrape, a backfilled one stays visible to instant selectors for the whole lookback delta
(5 min by default). Prometheus is therefore started with ``--query.lookback-delta`` just above the
scrape interval, and VictoriaMetrics with the matching ``-search.maxStalenessInterval``, so that
queries behave as they do on a live server.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import requests

from .errors import Mm2ReportError


class ServerError(Mm2ReportError):
    """A local server binary is missing, or failed to start or to load data."""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def require_binary(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise ServerError(
            f"{name} is not installed; on Debian: apt-get install --no-install-recommends "
            f"{'prometheus' if name in ('prometheus', 'promtool') else name}"
        )
    return path


def _wait(ready: Callable[[], bool], proc: subprocess.Popen, log: Path, what: str,
          timeout: float = 30.0) -> None:
    """Poll ``ready`` until it holds; fail early if the server exits, with its log."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise ServerError(f"server exited with code {proc.returncode}; log:\n{_tail(log)}")
        if ready():
            return
        time.sleep(0.05)
    proc.kill()
    raise ServerError(f"server not {what} after {timeout:.0f} s; log:\n{_tail(log)}")


def _answers_ok(url: str, **request_options) -> Callable[[], bool]:
    """``url`` answers 200 (``request_options``: verify, auth, cert for a secured server)."""
    session = requests.Session()
    session.trust_env = False

    def check() -> bool:
        try:
            return session.get(url, timeout=1, **request_options).status_code == 200
        except requests.RequestException:
            return False

    return check


def _port_open(port: int) -> Callable[[], bool]:
    def check() -> bool:
        with socket.socket() as sock:
            return sock.connect_ex(("127.0.0.1", port)) == 0

    return check


def _tail(path: Path, lines: int = 20) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


@dataclass
class LocalServer:
    """A running server; use as a context manager or call :meth:`stop`."""

    kind: str
    url: str
    proc: subprocess.Popen
    workdir: Path
    log: Path
    _owned_dir: bool = field(default=False, repr=False)

    @property
    def pid(self) -> int:
        return self.proc.pid

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        if self._owned_dir:
            shutil.rmtree(self.workdir, ignore_errors=True)

    def __enter__(self) -> "LocalServer":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def backfill(openmetrics: Path, data_dir: Path) -> None:
    """Create TSDB blocks from an OpenMetrics file with promtool."""
    promtool = require_binary("promtool")
    data_dir.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        [promtool, "tsdb", "create-blocks-from", "openmetrics", "-q", str(openmetrics), str(data_dir)],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise ServerError(f"promtool backfill failed: {done.stderr.strip() or done.stdout.strip()}")


def start_prometheus(
    openmetrics: Path | None = None,
    *,
    workdir: Path | None = None,
    lookback_delta: str = "20s",
    web_config: Path | None = None,
    rule_files: list[Path] | None = None,
    port: int | None = None,
    ready_options: dict | None = None,
    alertmanager: str | None = None,
    evaluation_interval: str = "15s",
) -> LocalServer:
    """Backfill ``openmetrics`` (if given) into a fresh TSDB and start Prometheus on 127.0.0.1.

    ``alertmanager`` (``host:port``) receives the firing alerts of ``rule_files``, evaluated
    every ``evaluation_interval`` (a group's own ``interval`` wins).

    Returns once ``/-/ready`` answers 200. Behind a ``web_config`` (TLS, basic auth) that needs
    ``ready_options`` (requests' ``verify``, ``auth``, ``cert``); without them only the port is
    awaited, and Prometheus may still answer 503 while it loads its TSDB.
    """
    binary = require_binary("prometheus")
    owned = workdir is None
    workdir = Path(workdir or tempfile.mkdtemp(prefix="mm2-prom-"))
    workdir.mkdir(parents=True, exist_ok=True)
    data = workdir / "data"
    if openmetrics is not None:
        backfill(openmetrics, data)
    data.mkdir(parents=True, exist_ok=True)
    config = workdir / "prometheus.yml"
    rules = "".join(f"\n  - {p}" for p in (rule_files or []))
    config.write_text(
        f"global: {{scrape_interval: 15s, evaluation_interval: {evaluation_interval}}}\n"
        "scrape_configs: []\n" + (f"rule_files:{rules}\n" if rules else "")
        + (f"alerting: {{alertmanagers: [{{static_configs: [{{targets: ['{alertmanager}']}}]}}]}}\n"
           if alertmanager else "")
    )
    port = port or free_port()
    log = workdir / "prometheus.log"
    args = [
        binary,
        f"--config.file={config}",
        f"--storage.tsdb.path={data}",
        "--storage.tsdb.retention.time=10y",
        f"--web.listen-address=127.0.0.1:{port}",
        f"--query.lookback-delta={lookback_delta}",
    ]
    if web_config is not None:
        args.append(f"--web.config.file={web_config}")
    if alertmanager:  # alerts fired before Alertmanager is discovered are sent again soon
        args.append("--rules.alert.resend-delay=2s")
    with open(log, "wb") as fh:
        proc = subprocess.Popen(args, stdout=fh, stderr=subprocess.STDOUT, cwd=workdir)
    # A web config may add basic auth without TLS: the scheme follows tls_server_config.
    uses_tls = web_config is not None and "tls_server_config" in Path(web_config).read_text()
    scheme = "https" if uses_tls else "http"
    server = LocalServer("prometheus", f"{scheme}://127.0.0.1:{port}", proc, workdir, log, owned)
    if web_config is None or ready_options is not None:
        _wait(_answers_ok(f"{server.url}/-/ready", **(ready_options or {})), proc, log, "ready")
    else:
        _wait(_port_open(port), proc, log, "listening")
    return server


def alertmanager_config(webhook_url: str | None) -> str:
    """Route every alert at once to ``webhook_url`` (firing and resolved), one notification
    group per alert name; without a webhook, to a receiver that sends nothing."""
    receiver = ({"name": "webhook",
                 "webhook_configs": [{"url": webhook_url, "send_resolved": True}]}
                if webhook_url else {"name": "none"})
    config = {"route": {"receiver": receiver["name"], "group_by": ["alertname"],
                        "group_wait": "0s", "group_interval": "1s", "repeat_interval": "1h"},
              "receivers": [receiver]}
    import json

    return json.dumps(config, indent=1)  # JSON is YAML


def start_alertmanager(webhook_url: str | None = None, *, workdir: Path | None = None,
                       port: int | None = None) -> LocalServer:
    """Start Alertmanager (Debian ``prometheus-alertmanager``) on 127.0.0.1, clustering off,
    routing every alert to ``webhook_url``."""
    binary = shutil.which("prometheus-alertmanager") or shutil.which("alertmanager")
    if binary is None:
        raise ServerError("Alertmanager is not installed; on Debian: apt-get install "
                          "--no-install-recommends prometheus-alertmanager")
    owned = workdir is None
    workdir = Path(workdir or tempfile.mkdtemp(prefix="mm2-am-"))
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "alertmanager.yml").write_text(alertmanager_config(webhook_url))
    port = port or free_port()
    log = workdir / "alertmanager.log"
    args = [binary, f"--config.file={workdir / 'alertmanager.yml'}",
            f"--storage.path={workdir / 'data'}", f"--web.listen-address=127.0.0.1:{port}",
            "--cluster.listen-address="]
    with open(log, "wb") as fh:
        proc = subprocess.Popen(args, stdout=fh, stderr=subprocess.STDOUT, cwd=workdir)
    server = LocalServer("alertmanager", f"http://127.0.0.1:{port}", proc, workdir, log, owned)
    _wait(_answers_ok(f"{server.url}/-/ready"), proc, log, "ready")
    return server


def start_victoria_metrics(
    openmetrics: Path | None = None,
    *,
    workdir: Path | None = None,
    staleness: str = "20s",
    port: int | None = None,
) -> LocalServer:
    """Start VictoriaMetrics on 127.0.0.1 and import ``openmetrics`` (if given)."""
    binary = require_binary("victoria-metrics")
    owned = workdir is None
    workdir = Path(workdir or tempfile.mkdtemp(prefix="mm2-vm-"))
    workdir.mkdir(parents=True, exist_ok=True)
    port = port or free_port()
    log = workdir / "victoria-metrics.log"
    args = [
        binary,
        f"-httpListenAddr=127.0.0.1:{port}",
        f"-storageDataPath={workdir / 'data'}",
        "-retentionPeriod=100y",
        f"-search.maxStalenessInterval={staleness}",
        "-search.disableCache",
    ]
    with open(log, "wb") as fh:
        proc = subprocess.Popen(args, stdout=fh, stderr=subprocess.STDOUT, cwd=workdir)
    server = LocalServer("victoria-metrics", f"http://127.0.0.1:{port}", proc, workdir, log, owned)
    _wait(_answers_ok(f"{server.url}/health"), proc, log, "ready")
    if openmetrics is not None:
        import_victoria_metrics(server, openmetrics)
    return server


def import_victoria_metrics(server: LocalServer, openmetrics: Path) -> None:
    session = requests.Session()
    session.trust_env = False
    with open(openmetrics, "rb") as fh:
        resp = session.post(f"{server.url}/api/v1/import/prometheus", data=fh, timeout=300)
    if resp.status_code not in (200, 204):
        raise ServerError(f"VictoriaMetrics import failed: HTTP {resp.status_code} {resp.text[:300]}")
    # Imported rows become searchable only after a flush (about 5-11 s otherwise).
    session.get(f"{server.url}/internal/force_flush", timeout=60).raise_for_status()
