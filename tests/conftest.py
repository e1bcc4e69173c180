"""Shared fixtures: real Prometheus and VictoriaMetrics servers on 127.0.0.1.

Servers are started from the Debian binaries and stopped by PID. When a binary is missing the
test is skipped on a developer's machine but *fails* in CI (``CI=true``), so a missing install
step can never turn into a green run.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

import datasets  # noqa: E402

from mm2report import servers  # noqa: E402

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def require_binaries(*names: str) -> None:
    missing = [n for n in names if shutil.which(n) is None]
    if missing:
        message = f"missing server binaries: {', '.join(missing)} (apt-get install prometheus victoria-metrics)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture(scope="session")
def small_openmetrics(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("small") / "small.om"
    datasets.write_openmetrics(path)
    return path


@pytest.fixture(scope="session")
def prometheus_small(small_openmetrics, tmp_path_factory):
    require_binaries("prometheus", "promtool")
    server = servers.start_prometheus(small_openmetrics, workdir=tmp_path_factory.mktemp("prom"))
    yield server
    server.stop()


@pytest.fixture(scope="session")
def victoria_small(small_openmetrics, tmp_path_factory):
    require_binaries("victoria-metrics")
    server = servers.start_victoria_metrics(small_openmetrics, workdir=tmp_path_factory.mktemp("vm"))
    yield server
    server.stop()
