"""Scrape the model every scrape interval and write what Prometheus would have stored.

Names, labels and semantics follow the ``strimzi-jmx`` flavour (see the metric catalog):
``record_count`` is cumulative per task object and restarts from 0 where a task resumes; the
windowed latency and record-age gauges cover the last 60 s and read NaN on idle partitions;
connector and client ids carry literal quotes; a dead worker's series vanish while its ``up``
reads 0; kafka_exporter reports end offsets on both clusters, the target topic renamed
``<alias>.<topic>``. Distractors that a selector must exclude are emitted too (the checkpoint
connector's tasks, a non-replicated topic, JVM non-heap memory).
"""

from __future__ import annotations

import zlib
from typing import IO

import numpy as np

from ..openmetrics import OpenMetricsWriter
from .model import Timeline
from .scenario import Scenario, _seconds

MSC = "kafka_connect_mirror_mirrorsourceconnector_"
WINDOW = 60  # Kafka's default sampled-stat window: 2 samples x 30 s
HISTOGRAM_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, float("inf"))


class Scrapes:
    """Scrape instants and which targets answered each scrape (the ground truth reads the
    same draws: a target's missed scrapes depend on the seed and the target's name only)."""

    def __init__(self, sc: Scenario, tl: Timeline):
        si = sc.scrape_interval
        # A scrape at instant e sees what happened before e: the state at the end of second
        # e - 1 (index t). Phase bounds then compare exactly with the ground truth.
        first = -(-(tl.origin + 1) // si) * si
        self.epoch = np.arange(first, tl.origin + tl.T + 1, si, dtype=np.int64)
        self.t = (self.epoch - tl.origin - 1).astype(np.int64)
        n = len(self.t)
        self.si = si
        gap = np.zeros(n, bool)
        span_of = {s.name: s for s in tl.phases}
        for g in sc.faults.monitoring_gaps:
            s = span_of[g.phase].start + _seconds(g.at)
            gap |= (self.t + 1 >= s) & (self.t + 1 < s + _seconds(g.duration))
        self.gap = gap
        self._seed = sc.seed
        self._p = sc.faults.missing_scrape_probability
        self._missing: dict[str, np.ndarray] = {}

    def answered(self, target: str) -> np.ndarray:
        if target not in self._missing:
            rng = np.random.default_rng([self._seed, zlib.crc32(target.encode())])
            miss = rng.random(len(self.t)) < self._p
            miss[[0, -1]] = False
            self._missing[target] = miss | self.gap
        return ~self._missing[target]


def _buckets(values: np.ndarray, t: np.ndarray, reducer, width: int) -> np.ndarray:
    """Reduce ``values`` (T, P) over the seconds (t-width, t] of every scrape index t."""
    out = np.empty((len(t), values.shape[1]))
    for i, end in enumerate(t):
        out[i] = reducer(values[max(0, end - width + 1): end + 1], axis=0)
    return out


def worker_labels(w: int, identity: str = "instance") -> dict[str, str]:
    """Labels of worker ``w``'s series. With ``identity="kubernetes_pod_name"`` they carry no
    ``instance`` (the workers are scraped through one address and told apart by pod)."""
    labels = {
        "job": "mm2-metrics",
        "namespace": "kafka",
        "strimzi_io_cluster": "mm2",
        "kubernetes_pod_name": f"mm2-mirrormaker2-{w}",
        "instance": f"mm2-mirrormaker2-{w}:9404",
    }
    if identity != "instance":
        del labels["instance"]
    return labels


def write_metrics(sc: Scenario, tl: Timeline, out: IO[str]) -> int:
    """Write the campaign's metrics as OpenMetrics; return the number of samples."""
    sc_ = Scrapes(sc, tl)
    om = OpenMetricsWriter(out)
    _mm2_partition_metrics(sc, tl, sc_, om)
    _worker_metrics(sc, tl, sc_, om)
    _exporter_metrics(sc, tl, sc_, om)
    _cert_metrics(sc, tl, sc_, om)
    if sc.probe:
        _probe_metrics(sc, tl, sc_, om)
    om.close()
    return om.samples


def _connector(sc: Scenario, kind: str = "MirrorSourceConnector") -> str:
    a, b = sc.cluster.source_alias, sc.cluster.target_alias
    return f'"{a}->{b}.{kind}"'


def _partition_names(sc: Scenario) -> list[tuple[str, int]]:
    return [(topic, p) for topic in sc.topics.names for p in range(sc.topics.partitions)]


def _mm2_partition_metrics(sc: Scenario, tl: Timeline, s: Scrapes, om: OpenMetricsWriter) -> None:
    a, b = sc.cluster.source_alias, sc.cluster.target_alias
    t = s.t
    lat_max = _buckets(tl.lat_max, t, np.fmax.reduce, WINDOW)
    weights = _buckets(tl.replicated.astype(float), t, np.sum, WINDOW)
    weighted = _buckets(np.nan_to_num(tl.lat_mean) * tl.replicated, t, np.sum, WINDOW)
    with np.errstate(invalid="ignore", divide="ignore"):
        lat_avg = np.where(weights > 0, weighted / np.where(weights > 0, weights, 1), np.nan)
    produce_rtt = 0.3 * sc.mm2.base_latency_ms
    age_max = np.maximum(lat_max - produce_rtt, 0)
    written = np.cumsum(tl.replicated + tl.dup_sent, axis=0)
    # records-lag is a "last value" stat: frozen while a stalled task cannot fetch.
    lag = tl.backlog.astype(float).copy()
    for i in range(1, tl.T):
        if tl.stall[i]:
            lag[i] = lag[i - 1]
    names = _partition_names(sc)
    om.family(MSC + "record_count", "gauge", "Records replicated (cumulative per task)")
    for stat in ("replication_latency_ms_max", "replication_latency_ms_avg", "record_age_ms_max"):
        om.family(MSC + stat, "gauge")
    om.family("kafka_consumer_fetch_manager_records_lag", "gauge")
    for p, (topic, part) in enumerate(names):
        k = tl.part_task[p]
        inc = tl.incarnation[t, k]
        worker = tl.assign[t, k]
        base = {"source": a, "target": b, "topic": f"{a}.{topic}", "partition": str(part)}
        for (w, i) in sorted({(int(x), int(y)) for x, y in zip(worker, inc) if y > 0}):
            ok = (worker == w) & (inc == i) & s.answered(f"worker-{w}")
            if not ok.any():
                continue
            born = int(np.flatnonzero(tl.incarnation[:, k] == i)[0])
            before = written[born - 1, p] if born > 0 else 0
            labels = {**worker_labels(w, sc.worker_label), **base}
            om.series(MSC + "record_count", labels, s.epoch[ok], written[t[ok], p] - before)
            om.series(MSC + "replication_latency_ms_max", labels, s.epoch[ok], lat_max[ok, p])
            om.series(MSC + "replication_latency_ms_avg", labels, s.epoch[ok], lat_avg[ok, p])
            om.series(MSC + "record_age_ms_max", labels, s.epoch[ok], age_max[ok, p])
            client = f'"{a}->{b}|{a}->{b}.MirrorSourceConnector-{k}|replication-consumer"'
            om.series("kafka_consumer_fetch_manager_records_lag",
                      {**worker_labels(w, sc.worker_label), "clientid": client, "topic": topic,
                       "partition": str(part)}, s.epoch[ok], lag[t[ok], p])


def _worker_metrics(sc: Scenario, tl: Timeline, s: Scrapes, om: OpenMetricsWriter) -> None:
    t = s.t
    source, checkpoint = _connector(sc), _connector(sc, "MirrorCheckpointConnector")
    counts = {"running": [], "total": [], "failed": []}
    for name in counts:
        om.family(f"kafka_connect_worker_connector_{name}_task_count", "gauge")
    for name in ("rebalancing", "rebalance_max_time_ms", "completed_rebalances"):
        om.family(f"kafka_connect_worker_rebalance_{name}", "gauge")
    om.family("kafka_connect_task_error_total_record_errors", "gauge")
    om.family("kafka_connect_task_error_total_record_failures", "gauge")
    om.family("kafka_connect_source_task_source_record_active_count", "gauge")
    om.family("jvm_memory_used_bytes", "gauge")
    om.family("up", "gauge")
    heap = _heap(sc, tl)
    errors_cum = np.cumsum(tl.errors, axis=0)
    for w in range(tl.W):
        labels = worker_labels(w, sc.worker_label)
        # A scrape the worker did not answer is stored as Prometheus stores it: ``up`` 0 and
        # none of its other series at that instant (a monitoring gap stores nothing at all).
        answered = s.answered(f"worker-{w}")
        scraped = tl.joined[t, w] & ~s.gap
        joined = tl.joined[t, w] & answered
        alive = tl.alive[t, w] & joined
        if scraped.any():
            om.series("up", labels, s.epoch[scraped],
                      (tl.alive[t[scraped], w] & answered[scraped]).astype(float))
        if not alive.any():
            continue
        ts, ti = s.epoch[alive], t[alive]
        on_w = tl.assign[ti] == w
        running = (on_w & tl.running[ti]).sum(axis=1)
        failed = (on_w & tl.failed[ti]).sum(axis=1)
        for name, value in (("running", running), ("total", on_w.sum(axis=1)), ("failed", failed)):
            metric = f"kafka_connect_worker_connector_{name}_task_count"
            om.series(metric, {**labels, "connector": source}, ts, value)
            # The checkpoint connector's single task runs on worker 0: a distractor.
            om.series(metric, {**labels, "connector": checkpoint}, ts,
                      np.full(len(ts), 1.0 if (w == 0 and name != "failed") else 0.0))
        om.series("kafka_connect_worker_rebalance_rebalancing", labels, ts,
                  tl.rebalancing[ti, w].astype(float))
        max_ms, completed = _rebalance_stats(tl, w, ti)
        om.series("kafka_connect_worker_rebalance_rebalance_max_time_ms", labels, ts, max_ms)
        om.series("kafka_connect_worker_rebalance_completed_rebalances", labels, ts, completed)
        om.series("jvm_memory_used_bytes", {**labels, "area": "heap"}, ts, heap[ti, w])
        om.series("jvm_memory_used_bytes", {**labels, "area": "nonheap"}, ts,
                  np.full(len(ts), 96e6))
        _task_error_series(tl, s, om, w, alive, labels, source, errors_cum)


def _task_error_series(tl, s, om, w, alive, labels, connector, errors_cum) -> None:
    t = s.t
    for k in range(tl.K):
        inc = tl.incarnation[t, k]
        for i in sorted(set(inc[(tl.assign[t, k] == w) & alive].tolist()) - {0}):
            ok = alive & (tl.assign[t, k] == w) & (inc == i)
            born = int(np.flatnonzero(tl.incarnation[:, k] == i)[0])
            before = errors_cum[born - 1, k] if born > 0 else 0.0
            value = np.floor(errors_cum[t[ok], k] - before)
            task_labels = {**labels, "connector": connector, "task": str(k)}
            om.series("kafka_connect_task_error_total_record_errors", task_labels, s.epoch[ok], value)
            om.series("kafka_connect_task_error_total_record_failures", task_labels, s.epoch[ok],
                      np.zeros(int(ok.sum())))
            # the model has no producer buffer: every polled record is written at once
            om.series("kafka_connect_source_task_source_record_active_count", task_labels,
                      s.epoch[ok], np.zeros(int(ok.sum())))


def _rebalance_stats(tl: Timeline, w: int, ti: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    mine = [r for r in tl.rebalances if w in r.workers]
    max_ms = np.full(len(ti), np.nan)
    completed = np.zeros(len(ti))
    for j, now in enumerate(ti):
        started = tl.worker_start[now, w]
        done = [r for r in mine if started <= r.start and r.end <= now]
        completed[j] = len(done)
        recent = [(r.end - r.start) * 1000.0 for r in done if now - r.end < WINDOW]
        if recent:
            max_ms[j] = max(recent)
    return max_ms, completed


def _heap(sc: Scenario, tl: Timeline) -> np.ndarray:
    """JVM heap: a GC sawtooth over a baseline that a leak makes grow."""
    seconds = np.arange(tl.T)[:, None]
    workers = np.arange(tl.W)[None, :]
    period = 90
    saw = 4e6 * ((seconds + 17 * workers) % period)
    base = np.full((tl.T, tl.W), 420e6)
    leak = sc.faults.heap_leak
    if leak is not None:
        start = {s.name: s for s in tl.phases}[leak.from_phase].start
        since = np.maximum(seconds - np.maximum(start, tl.worker_start), 0)
        base = base + leak.mb_per_hour * 1e6 / 3600.0 * since
    return base + saw


def _exporter_metrics(sc: Scenario, tl: Timeline, s: Scrapes, om: OpenMetricsWriter) -> None:
    a = sc.cluster.source_alias
    t = s.t
    om.family("kafka_topic_partition_current_offset", "gauge")
    produced = np.cumsum(tl.produced, axis=0)
    written = np.cumsum(tl.replicated + tl.dup_sent, axis=0)
    for p, (topic, part) in enumerate(_partition_names(sc)):
        initial = 10_000 * (p + 1)  # data already there before the campaign, already mirrored
        ok = s.answered("exporter-source")
        om.series("kafka_topic_partition_current_offset",
                  {"job": "kafka-exporter-source", "instance": "kafka-exporter-source:9308",
                   "topic": topic, "partition": str(part)}, s.epoch[ok], initial + produced[t[ok], p])
        ok = s.answered("exporter-target")
        om.series("kafka_topic_partition_current_offset",
                  {"job": "kafka-exporter-target", "instance": "kafka-exporter-target:9308",
                   "topic": f"{a}.{topic}", "partition": str(part)}, s.epoch[ok],
                  initial + written[t[ok], p])
    ok = s.answered("exporter-source")  # a topic that is not replicated
    om.series("kafka_topic_partition_current_offset",
              {"job": "kafka-exporter-source", "instance": "kafka-exporter-source:9308",
               "topic": "scratch", "partition": "0"}, s.epoch[ok], 5 * t[ok].astype(float))


def _cert_metrics(sc: Scenario, tl: Timeline, s: Scrapes, om: OpenMetricsWriter) -> None:
    om.family("probe_ssl_earliest_cert_expiry", "gauge")
    ok = s.answered("blackbox")
    for instance, days in (("primary-kafka-bootstrap:9093", 200), ("backup-kafka-bootstrap:9093", 150)):
        om.series("probe_ssl_earliest_cert_expiry", {"job": "blackbox", "instance": instance},
                  s.epoch[ok], np.full(int(ok.sum()), float(tl.origin + days * 86400)))


def _probe_metrics(sc: Scenario, tl: Timeline, s: Scrapes, om: OpenMetricsWriter) -> None:
    """A probe sends one record a second through partition 0 and histograms its latency."""
    latency_s = tl.lat_mean[:, 0] / 1000.0
    got = ~np.isnan(latency_s)
    counts = np.zeros((tl.T, len(HISTOGRAM_BUCKETS)))
    for j, le in enumerate(HISTOGRAM_BUCKETS):
        counts[:, j] = got & (latency_s <= le)
    cum = np.cumsum(counts, axis=0)
    total = np.cumsum(got.astype(float))
    lat_sum = np.cumsum(np.nan_to_num(latency_s))
    lost = np.zeros(tl.T)  # probe records go through the same path but are never skipped
    ok = s.answered("probe")
    labels = {"job": "mm2-probe", "instance": "mm2-probe:8080"}
    name = "mm2_probe_latency_seconds"
    om.family(name, "histogram")
    for j, le in enumerate(HISTOGRAM_BUCKETS):
        le_text = "+Inf" if np.isinf(le) else repr(le)
        om.series(f"{name}_bucket", {**labels, "le": le_text}, s.epoch[ok], cum[s.t[ok], j])
    om.series(f"{name}_count", labels, s.epoch[ok], total[s.t[ok]])
    om.series(f"{name}_sum", labels, s.epoch[ok], lat_sum[s.t[ok]])
    om.family("mm2_probe_lost", "counter")
    om.series("mm2_probe_lost_total", labels, s.epoch[ok], lost[s.t[ok]])
