"""A file written by OpenMetricsWriter, backfilled by promtool, reads back exactly from Prometheus."""

from __future__ import annotations

import math
from datetime import datetime, timezone

import numpy as np
import pytest
import requests

from conftest import require_binaries
from mm2report import servers
from mm2report.openmetrics import OpenMetricsWriter

pytestmark = pytest.mark.integration

START = 1_793_491_200  # 2026-11-01T00:00:00Z
N = 240  # one hour at 15 s
TIMES = START + 15 * np.arange(N, dtype="int64")
END = int(TIMES[-1])

QUOTED = {"connector": '"primary->backup.MirrorSourceConnector"', "path": "C:\\dir\\x",
          "note": "two\nlines", "partition": "0"}
PLAIN = {"topic": "orders", "partition": "1"}


def _gauge_values() -> np.ndarray:
    values = 0.5 * np.arange(N, dtype="float64") + 0.125
    values[10] = math.nan
    values[11] = math.inf
    values[12] = -math.inf
    values[13] = 0.1
    values[14] = -3.0
    return values


@pytest.fixture(scope="module")
def backfilled(tmp_path_factory):
    require_binaries("prometheus", "promtool")
    work = tmp_path_factory.mktemp("om")
    path = work / "data.om"
    with open(path, "w", encoding="utf-8") as fh:
        om = OpenMetricsWriter(fh)
        om.family("mm2t_gauge", "gauge", "a test gauge")
        om.series("mm2t_gauge", QUOTED, TIMES[:120], _gauge_values()[:120])
        om.series("mm2t_gauge", PLAIN, TIMES, np.arange(N, dtype="float64"))
        # the same series continued in a second call
        om.series("mm2t_gauge", QUOTED, TIMES[120:], _gauge_values()[120:])
        om.family("mm2t_fraction", "gauge")
        om.series("mm2t_fraction", {}, TIMES[:4] + 0.5, [1.0, 2.0, 3.0, 4.0])
        om.close()
    server = servers.start_prometheus(path, workdir=work / "prom")
    yield server
    server.stop()


def _raw_samples(server, selector: str) -> list[dict]:
    session = requests.Session()
    session.trust_env = False
    # A range selector returns the raw samples with their own timestamps.
    resp = session.get(f"{server.url}/api/v1/query",
                       params={"query": f"{selector}[3h]", "time": str(END + 3600)}, timeout=30)
    body = resp.json()
    assert body["status"] == "success", body
    return body["data"]["result"]


def _as_float(text: str) -> float:
    return float(text)  # Prometheus writes NaN, +Inf, -Inf, which float() reads


def test_timestamps_and_values_come_back_exactly(backfilled):
    results = {tuple(sorted((k, v) for k, v in r["metric"].items() if k != "__name__")): r
               for r in _raw_samples(backfilled, "mm2t_gauge")}
    assert set(results) == {tuple(sorted(QUOTED.items())), tuple(sorted(PLAIN.items()))}

    plain = results[tuple(sorted(PLAIN.items()))]["values"]
    assert [t for t, _ in plain] == TIMES.tolist()
    assert [float(v) for _, v in plain] == list(range(N))

    quoted = results[tuple(sorted(QUOTED.items()))]["values"]
    assert [t for t, _ in quoted] == TIMES.tolist()
    expected = _gauge_values()
    got = np.array([_as_float(v) for _, v in quoted])
    assert np.array_equal(np.isnan(got), np.isnan(expected))
    ok = ~np.isnan(expected)
    assert (got[ok] == expected[ok]).all()
    assert got[11] == math.inf and got[12] == -math.inf and got[13] == 0.1


def test_dates_are_right(backfilled):
    (series,) = _raw_samples(backfilled, 'mm2t_gauge{topic="orders"}')
    first = datetime.fromtimestamp(series["values"][0][0], tz=timezone.utc)
    last = datetime.fromtimestamp(series["values"][-1][0], tz=timezone.utc)
    assert first == datetime(2026, 11, 1, tzinfo=timezone.utc)
    assert last == datetime(2026, 11, 1, 0, 59, 45, tzinfo=timezone.utc)


def test_label_with_literal_double_quotes_is_selectable(backfilled):
    from mm2report.promql import quote

    selector = f'mm2t_gauge{{connector={quote(QUOTED["connector"])}, path={quote(QUOTED["path"])}}}'
    (series,) = _raw_samples(backfilled, selector)
    assert series["metric"]["connector"] == '"primary->backup.MirrorSourceConnector"'
    assert series["metric"]["path"] == "C:\\dir\\x"
    assert series["metric"]["note"] == "two\nlines"
    assert len(series["values"]) == N


def test_fractional_timestamps(backfilled):
    (series,) = _raw_samples(backfilled, "mm2t_fraction")
    assert [t for t, _ in series["values"]] == (TIMES[:4] + 0.5).tolist()
    assert [float(v) for _, v in series["values"]] == [1.0, 2.0, 3.0, 4.0]
