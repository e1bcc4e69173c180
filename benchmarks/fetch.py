"""Range-query fetch benchmark: our client vs plain requests vs stock prometheus-pandas.

Generates 50 latency gauges (one per partition) × 24 h at 15 s, backfills a local Prometheus,
then times the same range query (median of 5 after one warm-up):

(a) plain ``requests.get`` with ``Accept-Encoding: identity`` and ``.json()``: the floor;
(b) ``PrometheusClient.query_range`` + ``base.build_frame``: a DataFrame on the full grid;
(c) stock ``prometheus_pandas.query.Prometheus(url).query_range``.

Run: ``.venv/bin/python benchmarks/fetch.py``. Target: (b) ≤ 1.5 × (a).
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable

import numpy as np
import requests
from prometheus_pandas.query import Prometheus

from mm2report import servers
from mm2report.openmetrics import OpenMetricsWriter
from mm2report.sources.base import build_frame
from mm2report.sources.prometheus import PrometheusClient

START = 1_795_182_735 // 15 * 15
STEP = 15
END = START + 24 * 3600
PARTITIONS = 50
METRIC = "kafka_connect_mirror_mirrorsourceconnector_replication_latency_ms_max"
QUERY = METRIC + '{target="backup"}'
RUNS = 5


def write_data(path: Path) -> int:
    times = np.arange(START, END + 1, STEP, dtype="int64")
    rng = np.random.default_rng(7)
    with open(path, "w", encoding="utf-8") as fh:
        om = OpenMetricsWriter(fh)
        om.family(METRIC, "gauge")
        for p in range(PARTITIONS):
            labels = {"source": "primary", "target": "backup", "topic": "primary.orders",
                      "partition": str(p)}
            om.series(METRIC, labels, times, np.round(rng.gamma(4.0, 30.0, len(times)), 1))
        om.close()
        return om.samples


def timed(fn: Callable[[], object]) -> tuple[float, list[float], object]:
    result = fn()  # warm-up: page cache, connection, server-side caches
    runs = []
    for _ in range(RUNS):
        began = time.perf_counter()
        result = fn()
        runs.append(time.perf_counter() - began)
    return statistics.median(runs), runs, result


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="mm2-bench-") as tmp:
        data = Path(tmp) / "bench.om"
        began = time.perf_counter()
        samples = write_data(data)
        print(f"wrote {samples:,} samples in {time.perf_counter() - began:.1f} s; backfilling…",
              flush=True)
        began = time.perf_counter()
        server = servers.start_prometheus(data, workdir=Path(tmp) / "prom")
        print(f"Prometheus ready at {server.url} in {time.perf_counter() - began:.1f} s", flush=True)
        try:
            rows = measure(server.url)
        finally:
            server.stop()
    report(rows)
    return 0


def measure(url: str) -> list[tuple[str, float, list[float], str]]:
    params = {"query": QUERY, "start": START, "end": END, "step": STEP}
    plain_session = requests.Session()
    plain_session.trust_env = False

    def plain():
        resp = plain_session.get(f"{url}/api/v1/query_range", params=params, timeout=120,
                                 headers={"Accept-Encoding": "identity"})
        resp.raise_for_status()
        return resp.json()

    client = PrometheusClient(url, read_timeout=120)
    split = PrometheusClient(url, read_timeout=120, max_points=1441, concurrency=4)
    stock = Prometheus(url)

    def ours(c: PrometheusClient = client):
        return build_frame(c.query_range(QUERY, START, END, STEP), START, END, STEP)

    rows = []
    for name, fn in [("(a) plain requests + .json()", plain),
                     ("(b) PrometheusClient + build_frame", ours),
                     ("(b') same, 4 pieces, 4 threads", lambda: ours(split)),
                     ("(c) stock prometheus-pandas", lambda: stock.query_range(QUERY, START, END, STEP))]:
        median, runs, result = timed(fn)
        shape = getattr(result, "shape", None) or f"{len(result['data']['result'])} series"
        rows.append((name, median, runs, str(shape)))
        print(f"  {name}: {median * 1000:.0f} ms", flush=True)
    client.close()
    split.close()
    stock.http.close()
    return rows


def report(rows: list[tuple[str, float, list[float], str]]) -> None:
    plain = rows[0][1]
    print(f"\n{PARTITIONS} series × {(END - START) // STEP + 1} points, median of {RUNS} after a warm-up")
    print(f"{'variant':<38} {'median ms':>10} {'× plain':>8}  {'runs ms':<32} result")
    for name, median, runs, shape in rows:
        runs_text = " ".join(f"{r * 1000:.0f}" for r in runs)
        print(f"{name:<38} {median * 1000:>10.0f} {median / plain:>8.2f}  {runs_text:<32} {shape}")
    ours = rows[1][1] / plain
    print(f"\nours/plain = {ours:.2f} (target ≤ 1.5), stock/plain = {rows[-1][1] / plain:.2f}")


if __name__ == "__main__":
    sys.exit(main())
