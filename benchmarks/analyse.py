"""Campaign analysis benchmark: a 30-day campaign, 1,000 partitions at 15 s, from a snapshot.

Target (the issue): ``evaluate(campaign, SnapshotSource(campaign))`` in < 60 s and < 1.5 GB peak
RSS on this 2-core machine.

Set-up, not measured: a synthetic :class:`MetricSource` recognises each catalog query of the
snapshot plan (by comparing its PromQL with ``catalog.render``) and answers with plausible
series computed on one 30-day grid (smoke, nominal, latency with a baseline, capacity with 4
steps, a 27.5-day soak, resilience with a worker stop, a broker stop and a burst, errors with two
error scenarios; 10 topics × 100 partitions, 30 tasks on 3 workers, a probe histogram).
``record_snapshot`` writes it to Parquet. No simulator and no server: 1 s resolution over 30
days would be far too big.

Measured, each in a fresh interpreter (so that the set-up's memory does not count), median of
``--runs`` interleaved runs:

(a) baseline: import mm2report, validate the campaign and read every query file of the
    snapshot with pyarrow into numpy, without analysing: the floor of any analysis of it;
(b) mm2report: the same imports, then ``evaluate(campaign, SnapshotSource(campaign))``.

Run: ``.venv/bin/python benchmarks/analyse.py [--runs 3] [--profile] [--snapshot DIR]``.
Targets: (b) process wall time < 60 s and peak RSS < 1,500 MB (the child's own ``VmHWM``; see
``_peak_mb`` for why not ``ru_maxrss`` alone).
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

T0 = time.perf_counter()  # a child's clock starts here: before any third-party import

START = 1_793_491_200  # 2026-11-01T00:00:00Z, a multiple of the step
STEP = 15
DAYS = 30
END = START + DAYS * 86400
TOPICS = [f"bench-{k:02d}" for k in range(10)]
PER_TOPIC = 100  # 10 × 100 = 1,000 partitions
WORKERS = ("mm2-worker-0", "mm2-worker-1", "mm2-worker-2")
TASKS = 30
CAPACITY = 30_000.0  # records/s MM2 can replicate
PROBE_LE = ("0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "10", "30", "60", "+Inf")
PROBE_RATE = 10.0  # probe records/s

TARGET_S = 60.0
TARGET_MB = 1500.0

# Campaign layout, in hours from START (720 h in all).
PHASES = {
    "smoke": (0, 1), "nominal": (1, 25), "latency": (25, 29), "capacity": (29, 33),
    "soak": (33, 694), "resilience": (694, 718), "errors": (718, 720),
}
BASELINE = (25, 25.5)
LOAD_STEPS = [(29, 29 + 50 / 60, 5_000.0), (30, 30 + 50 / 60, 10_000.0),
              (31, 31 + 50 / 60, 20_000.0), (32, 32.5, 40_000.0)]
M = 1 / 60  # a minute, in hours
WORKER_STOP = (695, 695 + 10 * M)  # mm2-worker-1 down; its tasks move after 2 minutes
BROKER_STOP = (700, 700 + 5 * M)  # replication stalls for 2 minutes
BURST = (706, 706 + 5 * M)  # offered × 4
ERROR_FAILED = (718 + 15 * M, 718 + 25 * M)  # one task FAILED until restarted
ERROR_TOLERATED = (719 + 15 * M, 719 + 25 * M)  # record errors, tolerated


def iso(hours: float) -> str:
    return datetime.fromtimestamp(START + round(hours * 3600), tz=timezone.utc).isoformat().replace(
        "+00:00", "Z")


def campaign_dict(source: dict) -> dict:
    def span(name: str) -> dict:
        a, b = PHASES[name]
        return {"start": iso(a), "end": iso(b)}

    return {
        "version": 1,
        "campaign": {"name": "bench-30d-1000p", "client": "Benchmark", "timezone": "Europe/Paris",
                     "language": "en"},
        "source": {**source, "step": f"{STEP}s", "scrape_interval": f"{STEP}s"},
        "metrics": {
            "source_alias": "primary", "target_alias": "backup", "topics": "bench-[0-9]{2}",
            "mm2_selector": 'namespace="kafka", strimzi_io_cluster="mm2"',
            "source_exporter_selector": 'job="kafka-exporter-source"',
            "target_exporter_selector": 'job="kafka-exporter-target"',
            "expected_tasks": TASKS,
            "probe": {"histogram": "mm2_probe_latency_seconds", "unit": "seconds",
                      "loss_counter": "mm2_probe_lost_total", "selector": 'job="mm2-probe"'},
            "overrides": {"cert_expiry": {"selector": 'job="blackbox-kafka-tls"'}},
        },
        "phases": {
            "smoke": span("smoke"),
            "nominal": span("nominal"),
            "latency": {**span("latency"), "baseline": {"start": iso(BASELINE[0]),
                                                        "end": iso(BASELINE[1])}},
            "capacity": {**span("capacity"), "warmup": "2m",
                         "steps": [{"start": iso(a), "end": iso(b), "offered_rate": r}
                                   for a, b, r in LOAD_STEPS]},
            "soak": span("soak"),
            "resilience": {**span("resilience"), "events": [
                {"kind": "worker_stop", "start": iso(WORKER_STOP[0]), "end": iso(WORKER_STOP[1]),
                 "target": "mm2-worker-1"},
                {"kind": "broker_stop", "start": iso(BROKER_STOP[0]), "end": iso(BROKER_STOP[1]),
                 "target": "source broker 2"},
                {"kind": "burst", "start": iso(BURST[0]), "end": iso(BURST[1]),
                 "note": "offered load x4"},
            ]},
            "errors": {**span("errors"), "events": [
                {"kind": "error_scenario", "start": iso(ERROR_FAILED[0]), "end": iso(ERROR_FAILED[1]),
                 "target": "SASL credentials revoked"},
                {"kind": "error_scenario", "start": iso(ERROR_TOLERATED[0]),
                 "end": iso(ERROR_TOLERATED[1]), "target": "poison records (errors.tolerance=all)"},
            ]},
        },
        "alerts": {"expected_rules": ["MM2ConnectorDown", "MM2TaskFailed"]},
        "projection": {"faults_per_year": {"worker_stop": 2, "broker_stop": 4}},
    }


# --------------------------------------------------------------------------------------------
# Set-up: synthetic data and the snapshot
# --------------------------------------------------------------------------------------------


class Model:
    """Every series of the campaign on one grid, from a small queueing model:

    offered load per phase → backlog drained at most at MM2's capacity (reduced while tasks are
    down, zero while a broker is stopped) → replicated rate, lag, latency. Per-partition end
    offsets are consistent with it (written = produced − Δlag, plus duplicates after the worker
    stop), so the loss analysis finds duplicates and no loss."""

    def __init__(self, seed: int = 20261121):
        import numpy as np

        self.np = np
        rng = np.random.default_rng(seed)
        t = np.arange(START, END + 1, STEP, dtype="int64")
        n = len(t)
        h = (t - START) / 3600.0
        self.t = t

        def during(span):  # samples at T cover (T - step, T]
            return (h > span[0]) & (h <= span[1])

        diurnal = np.sin(2 * np.pi * (t % 86400) / 86400)
        offered = 10_000.0 * (1 + 0.1 * diurnal)
        offered[during(PHASES["smoke"])] = 1_000.0
        offered[during(BASELINE)] = 500.0
        offered[during(PHASES["capacity"])] = 0.0
        for a, b, rate in LOAD_STEPS:
            offered[during((a, b))] = rate
        soak = during(PHASES["soak"])
        offered[soak] = 10_000.0 * (1 + 0.2 * diurnal[soak])
        offered[during(BURST)] *= 4
        offered = np.clip(offered * (1 + 0.01 * rng.standard_normal(n)), 0, None)
        offered[offered < 1] = 0.0

        cap = np.full(n, CAPACITY)
        stopped = during((WORKER_STOP[0], WORKER_STOP[0] + 2 * M))  # before its tasks move
        cap[stopped] = offered[stopped] * 2 / 3
        cap[during((BROKER_STOP[0], BROKER_STOP[0] + 2 * M))] = 0.0
        failed = during(ERROR_FAILED)
        cap[failed] = offered[failed] * (TASKS - 1) / TASKS

        replicated = np.empty(n)
        backlog = np.empty(n)
        q = 0.0
        for i in range(n):  # 172,801 steps: a fraction of a second
            q += offered[i] * STEP
            r = min(q / STEP, cap[i])
            q -= r * STEP
            replicated[i], backlog[i] = r, q
        replicated[replicated < 1e-9] = 0.0
        noisy = replicated * (1 + 0.003 * rng.standard_normal(n))
        lag = np.round(0.3 * offered + backlog + rng.gamma(2.0, 50.0, n))
        active = replicated * STEP >= 1  # windowed gauges read NaN on idle partitions
        lat = 100 + 0.015 * offered + rng.gamma(4.0, 25.0, n) + backlog / CAPACITY * 1000
        lat[during(BASELINE)] = 40 + rng.gamma(4.0, 5.0, during(BASELINE).sum())
        lat[~active] = np.nan
        lat_avg = 0.35 * lat * (1 + 0.05 * rng.standard_normal(n))

        running = np.full(n, float(TASKS))
        total = np.full(n, float(TASKS))
        down = during(WORKER_STOP)
        running[stopped] = total[stopped] = TASKS * 2 / 3  # `alive` drops the dead worker's
        running[failed] = TASKS - 1
        tasks_failed = np.zeros(n)
        tasks_failed[failed] = 1
        rebalancing = np.zeros(n)
        rebalancing[stopped | during((WORKER_STOP[1], WORKER_STOP[1] + M))] = 1
        rebalance_time = np.full(n, np.nan)  # windowed: only for a minute after a rebalance
        rebalance_time[during((WORKER_STOP[0] + 2 * M, WORKER_STOP[0] + 3 * M))] = 3_480.0
        rebalance_time[during((WORKER_STOP[1] + M, WORKER_STOP[1] + 2 * M))] = 1_250.0
        errors = np.zeros(n)
        errors[during((ERROR_FAILED[0], ERROR_FAILED[0] + M))] = 2.0
        errors[during(ERROR_TOLERATED)] = 5.0
        failures = np.zeros(n)
        failures[during((ERROR_FAILED[0], ERROR_FAILED[0] + M))] = 1.0

        self.agg = {
            "replicated_rate": noisy, "offered_rate": offered,
            "target_rate": replicated * (1 + 0.003 * rng.standard_normal(n)),
            "latency_max": lat, "latency_avg": lat_avg, "record_age_max": 0.8 * lat,
            "consumer_lag": lag, "consumer_lag_max": np.round(lag / 1000 * 3),
            "tasks_running": running, "tasks_total": total, "tasks_failed": tasks_failed,
            "workers": np.where(down, 2.0, 3.0), "rebalancing": rebalancing,
            "rebalance_max_time": rebalance_time, "record_errors_rate": errors,
            "record_failures_rate": failures,
            "cert_expiry": np.full(n, float(START + 200 * 86400)), "probe_lost": np.zeros(n),
        }
        self.replicated, self.offered = noisy, offered
        self.worker_down = {w: (down if w == "mm2-worker-1" else np.zeros(n, bool)) for w in WORKERS}
        phase = (np.arange(n) * STEP / 600.0)[None, :] + np.arange(len(WORKERS))[:, None] / 3
        self.heap = 1.2e9 + 1.6e9 * (phase % 1) + 2e7 * rng.standard_normal((len(WORKERS), n))

        parts = [(topic, p) for topic in TOPICS for p in range(PER_TOPIC)]
        self.parts = parts
        w = 1 + 0.2 * rng.uniform(-1, 1, len(parts))
        self.w = w / w.sum()
        self.topic_w = self.w.reshape(len(TOPICS), PER_TOPIC).sum(axis=1)
        self.produced = np.concatenate([[0.0], np.cumsum(offered[1:] * STEP)])  # since START
        self.lag = lag
        self.base_src = rng.integers(1_000_000, 50_000_000, len(parts)).astype("float64")
        self.base_tgt = rng.integers(0, 1_000_000, len(parts)).astype("float64")
        self.dup_from = START + round((WORKER_STOP[0] + 2 * M) * 3600)
        self.dup_parts = np.array([i % 3 == 1 for i in range(len(parts))])  # mm2-worker-1's
        # Probe: lognormal latency, median 300 ms; cumulative share below each bound.
        from scipy import stats
        bounds = np.array([float(x) for x in PROBE_LE])
        self.probe_cdf = np.where(np.isinf(bounds), 1.0,
                                  stats.lognorm.cdf(bounds, s=0.6, scale=0.3))

    def index(self, start: int, end: int) -> slice:
        if start < START or end > END or (start - START) % STEP or (end - START) % STEP:
            raise ValueError(f"request {start}..{end} is off the benchmark grid")
        return slice((start - START) // STEP, (end - START) // STEP + 1)

    def series(self, name: str, start: int, end: int, window: int | None) -> list:
        from mm2report.sources.base import Series

        np = self.np
        sl = self.index(start, end)
        ts = self.t[sl]

        def one(labels: dict, values) -> Series:
            values = np.asarray(values, dtype="float64")
            keep = ~np.isnan(values)
            return Series(labels, ts[keep], values[keep])

        mm2 = {"namespace": "kafka", "strimzi_io_cluster": "mm2"}
        if name in self.agg:
            s = one({}, self.agg[name][sl])
            return [s] if len(s.ts) else []  # a server returns no series where none has a sample
        if name in ("replicated_rate_by_topic", "offered_rate_by_topic"):
            rate = self.replicated if name.startswith("replicated") else self.offered
            prefix = "primary." if name.startswith("replicated") else ""
            return [one({"topic": prefix + topic}, rate[sl] * self.topic_w[k])
                    for k, topic in enumerate(TOPICS)]
        if name in ("up", "jvm_heap_used"):
            out = []
            for k, worker in enumerate(WORKERS):
                labels = {**mm2, "instance": f"10.0.0.{11 + k}:9404", "job": "mm2-metrics",
                          "pod": worker}
                down = self.worker_down[worker][sl]
                if name == "up":
                    out.append(one({"__name__": "up", **labels}, np.where(down, 0.0, 1.0)))
                else:
                    out.append(one(labels, np.where(down, np.nan, self.heap[k, sl])))
            return out
        if name in ("source_offsets", "target_offsets", "consumer_lag_by_partition"):
            produced = np.floor(self.produced[sl][None, :] * self.w[:, None])
            lag = np.floor(self.lag[sl][None, :] * self.w[:, None])
            if name == "source_offsets":
                values, prefix = self.base_src[:, None] + produced, ""
            elif name == "consumer_lag_by_partition":
                values, prefix = lag, ""
            else:  # written = produced - lag, plus at-least-once duplicates after the stop
                dups = np.where(self.dup_parts[:, None] & (ts[None, :] >= self.dup_from), 150.0, 0.0)
                values, prefix = self.base_tgt[:, None] + produced - lag + dups, "primary."
            return [one({"topic": prefix + topic, "partition": str(p)}, values[i])
                    for i, (topic, p) in enumerate(self.parts)]
        if name == "probe_latency_buckets":
            span = window if window is not None else 3 * STEP  # increase(...[range])
            counts = np.round(PROBE_RATE * span * self.probe_cdf)
            return [one({"le": le}, np.full(len(ts), counts[k])) for k, le in enumerate(PROBE_LE)]
        raise ValueError(f"the benchmark model has no data for query {name!r}")


def synthetic_source(campaign, model: Model):
    """A MetricSource answering the snapshot plan's requests from ``model``."""
    from mm2report import catalog
    from mm2report.errors import SourceError
    from mm2report.sources.base import MetricSource, align, to_epoch

    names = catalog.needed_queries(campaign)
    known: dict[str, tuple[str, int | None]] = {catalog.render(n, campaign): (n, None) for n in names}
    for _, phase in campaign.phases.items():
        s, e = align(to_epoch(phase.start), to_epoch(phase.end), STEP)
        for n in names:
            if catalog.QUERIES[n].optional:  # probe integrals over a whole phase
                known[catalog.render(n, campaign, range_=f"{e - s}s")] = (n, e - s)

    class SyntheticSource(MetricSource):
        origin = "synthetic benchmark model (benchmarks/analyse.py)"

        def _fetch(self, promql, start, end, step, instant):
            if promql not in known:
                raise SourceError(f"the benchmark model does not know {promql!r}")
            if step != STEP:
                raise SourceError(f"the benchmark model is on a {STEP}s grid, not {step}s")
            name, window = known[promql]
            return model.series(name, start, end, window)

    return SyntheticSource(campaign)


def record(snapshot: Path) -> dict:
    """Record the benchmark snapshot into ``snapshot``; return set-up figures."""
    from mm2report.params import validate_campaign
    from mm2report.sources.snapshot import plan, record_snapshot

    campaign = validate_campaign(campaign_dict({"url": "http://127.0.0.1:9"}))
    began = time.perf_counter()
    model = Model()
    modelled = time.perf_counter() - began
    source = synthetic_source(campaign, model)
    requests = plan(campaign)
    began = time.perf_counter()
    record_snapshot(campaign, source, snapshot)
    return {"model_s": modelled, "record_s": time.perf_counter() - began,
            "requests": len(requests),
            "range": sum(r.kind == "range" for r in requests),
            "instant": sum(r.kind == "instant" for r in requests)}


def snapshot_figures(snapshot: Path) -> dict:
    import pyarrow.parquet as pq

    files = sorted((snapshot / "queries").glob("*.parquet"))
    sizes = {f.stem: f.stat().st_size for f in files}
    rows = {f.stem: pq.ParquetFile(f).metadata.num_rows for f in files}
    total = sum(p.stat().st_size for p in snapshot.rglob("*") if p.is_file())
    return {"files": len(files), "bytes": total, "rows": sum(rows.values()),
            "largest": sorted(((sizes[k], rows[k], k) for k in sizes), reverse=True)[:3]}


# --------------------------------------------------------------------------------------------
# Measured children: each in a fresh interpreter
# --------------------------------------------------------------------------------------------


def _peak_mb() -> float:
    """This process's peak RSS in MB: ``VmHWM``, else ``ru_maxrss`` (KiB on Linux).

    ``ru_maxrss`` alone is not enough in a child: Linux carries it across ``execve`` from the
    forking parent (``exec_mmap`` keeps the old mm's high-water mark), so a child forked by a
    big parent starts with the parent's peak. ``VmHWM`` belongs to the new address space."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024 / 1e6
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e6


def child(mode: str, params: Path, profile: bool) -> int:
    import warnings

    if mode == "setup":  # the set-up runs in a child too, so that the parent stays small
        snapshot = params
        out = {"reused": snapshot.exists()}
        if not out["reused"]:
            out.update(record(snapshot))
        out.update(snapshot_figures(snapshot), peak_mb=_peak_mb())
        print("RESULT " + json.dumps(out), flush=True)
        return 0

    out: dict = {"mode": mode}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        import mm2report.evaluate as ev
        from mm2report.params import validate_campaign
        from mm2report.sources.snapshot import SnapshotSource

        campaign = validate_campaign(json.loads(params.read_text()))
        imported = time.perf_counter()
        out.update(import_s=imported - T0, import_mb=_peak_mb())
        if mode == "baseline":
            import pyarrow.parquet as pq

            rows = 0
            for f in sorted((Path(campaign.source.snapshot) / "queries").glob("*.parquet")):
                table = pq.read_table(f)
                json.loads(table.schema.metadata[b"mm2report"])
                for column in table.columns:
                    column.to_numpy()
                rows += table.num_rows
            out.update(work_s=time.perf_counter() - imported, rows=rows)
        else:
            phases: dict[str, dict[str, float]] = {}

            def timed(kind, fn):  # wraps evaluate's own module globals: same calls, timed
                def wrapper(*args, **kwargs):
                    began = time.perf_counter()
                    result = fn(*args, **kwargs)
                    name = args[2] if kind == "fetch" else args[1].name
                    phase = phases.setdefault(name, {})
                    phase[kind] = time.perf_counter() - began
                    phase[kind + "_peak_mb"] = _peak_mb()  # the process's peak so far
                    return result
                return wrapper

            if not profile:  # keep the profile free of the benchmark's own frames
                ev.fetch_phase = timed("fetch", ev.fetch_phase)
                ev.analyse_phase = timed("analyse", ev.analyse_phase)
            source = SnapshotSource(campaign)
            opened = time.perf_counter()
            profiler = None
            if profile:
                import cProfile
                profiler = cProfile.Profile()
                profiler.enable()
            analysis = ev.evaluate(campaign, source)
            if profiler is not None:
                profiler.disable()
            done = time.perf_counter()
            out.update(open_s=opened - imported, evaluate_s=done - opened, work_s=done - imported,
                       phases=phases, summary=summarise(analysis))
            if profiler is not None:
                import pstats
                for key in ("cumulative", "tottime"):
                    print(f"\n--- cProfile of evaluate(), top 10 by {key} ---")
                    pstats.Stats(profiler, stream=sys.stdout).strip_dirs().sort_stats(key).print_stats(10)
    seen: dict[str, int] = {}
    for w in caught:
        key = f"{w.category.__name__}: {str(w.message)[:160]} ({Path(w.filename).name}:{w.lineno})"
        seen[key] = seen.get(key, 0) + 1
    out.update(total_s=time.perf_counter() - T0, peak_mb=_peak_mb(), warnings=seen,
               ru_maxrss_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e6)
    print("RESULT " + json.dumps(out), flush=True)
    return 0


def summarise(a) -> dict:
    """What the analyses found: a sanity check of the data and of the analyses on it."""
    def v(kpi, fmt="{:,.0f}"):
        return "n/a (" + "; ".join(kpi.notes) + ")" if not kpi.known else fmt.format(kpi.value)

    phases = {}
    for name, p in a.phases.items():
        line = (f"avail {v(p.availability.optimistic, '{:.4f}')} %, {len(p.incidents)} incident(s), "
                f"lost {v(p.loss.lost)}, dup {v(p.loss.duplicates)}, p99 {v(p.latency.percentiles['p99'])} ms"
                f", lag max {v(p.lag_max)}")
        if p.stability is not None:
            line += f", stable {p.stability.stable}"
            if p.stability.problems:
                line += f" ({'; '.join(p.stability.problems)})"
        if p.capacity is not None:
            line += (f", capacity {v(p.capacity.max_tested)} rec/s, steps sustained "
                     f"{[s.sustained for s in p.capacity.steps]}, ceiling {v(p.capacity.ceiling)}")
        if p.baseline is not None:
            line += f", baseline {v(p.baseline)} ms"
        for r in p.rebalances:
            line += f", rebalance {r.kind}/{r.trigger} {v(r.span)} s"
        for b in p.bursts:
            line += f", burst recovery {v(b.recovery)} s (peak {v(b.peak_records)})"
        for e in p.errors:
            line += (f", error '{e.event.target}': failed={e.task_failed} errors "
                     f"{v(e.errors_counted)} recovery {v(e.recovery)} s")
        phases[name] = line
    return {"decision": ("GO" if a.decision.go else "NOGO") + f": {a.decision.reason}",
            "criteria": {c.id: c.status.value for c in a.criteria},
            "incidents": [f"{i.phase} {i.cause} {i.duration_s:.1f} s "
                          f"({i.event.kind if i.event else 'unlinked'})" for i in a.incidents],
            "restore": f"MTTR {v(a.restore.mttr, '{:.1f}')} s, RTO {v(a.restore.rto, '{:.1f}')} s",
            "phases": phases}


# --------------------------------------------------------------------------------------------
# Parent: set-up, runs, report
# --------------------------------------------------------------------------------------------


def run_child(mode: str, params: Path, profile: bool = False) -> dict:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", mode, str(params)]
    if profile:
        cmd.append("--profile")
    began = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=1800)
    wall = time.perf_counter() - began
    lines = proc.stdout.splitlines()
    results = [json.loads(line[7:]) for line in lines if line.startswith("RESULT ")]
    if proc.returncode != 0 or not results:
        sys.stderr.write(proc.stdout + proc.stderr)
        raise SystemExit(f"the {mode} child failed (exit {proc.returncode})")
    out = results[-1]
    out["wall_s"] = wall
    out["stdout"] = "\n".join(line for line in lines if not line.startswith("RESULT "))
    out["stderr"] = proc.stderr
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="measured runs of each child (median)")
    parser.add_argument("--profile", action="store_true",
                        help="also run evaluate() under cProfile and print where the time goes")
    parser.add_argument("--snapshot", type=Path,
                        help="record the snapshot here (reused when it already exists)")
    parser.add_argument("--child", nargs=2, metavar=("MODE", "PARAMS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args.child[0], Path(args.child[1]), args.profile)

    # The parent imports nothing but the standard library and does no work itself: a child's
    # memory must not start from a big parent's (see _peak_mb).
    with tempfile.TemporaryDirectory(prefix="mm2-bench-analyse-") as tmp:
        snapshot = (args.snapshot or Path(tmp) / "snapshot").resolve()
        if snapshot.exists():
            print(f"reusing the snapshot in {snapshot}", flush=True)
        else:
            print(f"recording a {DAYS}-day, {len(TOPICS) * PER_TOPIC:,}-partition snapshot at "
                  f"{STEP} s into {snapshot} …", flush=True)
        figures = run_child("setup", snapshot)
        if not figures["reused"]:
            print(f"  model {figures['model_s']:.1f} s; record_snapshot {figures['record_s']:.1f} s "
                  f"for {figures['requests']} requests ({figures['range']} ranges, "
                  f"{figures['instant']} instants); set-up process peak RSS "
                  f"{figures['peak_mb']:,.0f} MB — set-up, not measured", flush=True)
        print(f"  snapshot: {figures['bytes'] / 1e6:.1f} MB on disk, {figures['files']} query files, "
              f"{figures['rows']:,} samples; largest: "
              + ", ".join(f"{k} {b / 1e6:.1f} MB ({r:,} samples)" for b, r, k in figures["largest"]),
              flush=True)
        params = Path(tmp) / "params.json"
        params.write_text(json.dumps(campaign_dict({"snapshot": str(snapshot)})))

        runs: dict[str, list[dict]] = {"baseline": [], "analyse": []}
        for i in range(args.runs):
            for mode in ("baseline", "analyse"):
                r = run_child(mode, params)
                runs[mode].append(r)
                print(f"  run {i + 1}/{args.runs} {mode:<8}: process {r['wall_s']:.1f} s, "
                      f"work {r['work_s']:.1f} s, peak RSS {r['peak_mb']:,.0f} MB", flush=True)
        profiled = run_child("analyse", params, profile=True) if args.profile else None
    report(runs, profiled)
    return 0


def report(runs: dict[str, list[dict]], profiled: dict | None) -> None:
    base, ana = runs["baseline"], runs["analyse"]

    def med(rows, key):
        return statistics.median(r[key] for r in rows)

    print(f"\n{DAYS}-day campaign, {len(TOPICS) * PER_TOPIC:,} partitions, {STEP} s step; "
          f"median of {len(ana)} fresh processes each")
    print(f"{'variant':<44} {'process s':>9} {'import s':>8} {'work s':>7} {'× base':>7} "
          f"{'peak RSS MB':>11}")
    rows = [("(a) baseline: import + read every query file", base),
            ("(b) mm2report: import + evaluate(snapshot)", ana)]
    for name, rs in rows:
        print(f"{name:<44} {med(rs, 'wall_s'):>9.1f} {med(rs, 'import_s'):>8.1f} "
              f"{med(rs, 'work_s'):>7.1f} {med(rs, 'wall_s') / med(base, 'wall_s'):>7.2f} "
              f"{max(r['peak_mb'] for r in rs):>11,.0f}")
    print(f"\nwork: analysis {med(ana, 'work_s'):.1f} s vs baseline {med(base, 'work_s'):.2f} s "
          f"(× {med(ana, 'work_s') / med(base, 'work_s'):.1f}); of it, SnapshotSource() "
          f"{med(ana, 'open_s'):.2f} s (checksums), evaluate() {med(ana, 'evaluate_s'):.1f} s")
    last = ana[-1]
    print("per phase (last run), s:  " + ", ".join(
        f"{n} {p.get('fetch', 0):.1f}+{p.get('analyse', 0):.1f}" for n, p in last["phases"].items())
        + "   (fetch + analyse)")
    fetch = sum(p.get("fetch", 0) for p in last["phases"].values())
    analyse = sum(p.get("analyse", 0) for p in last["phases"].values())
    print(f"  fetch_phase {fetch:.1f} s, analyse_phase {analyse:.1f} s, combine/verdicts "
          f"{last['evaluate_s'] - fetch - analyse:.1f} s")
    prev, where = last["import_mb"], []
    for n, p in last["phases"].items():
        for kind in ("fetch", "analyse"):
            now = p.get(kind + "_peak_mb", prev)
            if now > prev + 20:
                where.append(f"{n} {kind} → {now:,.0f}")
            prev = now
    print(f"peak RSS growth (last run), MB: after imports {last['import_mb']:,.0f}; "
          + ", ".join(where))

    wall, rss = max(r["wall_s"] for r in ana), max(r["peak_mb"] for r in ana)
    ok_t, ok_m = wall < TARGET_S, rss < TARGET_MB
    print(f"\nanalysis, slowest process: {wall:.1f} s (target < {TARGET_S:.0f} s) "
          f"{'PASS' if ok_t else 'FAIL'}; peak RSS {rss:,.0f} MB (target < {TARGET_MB:,.0f} MB) "
          f"{'PASS' if ok_m else 'FAIL'}; baseline {med(base, 'wall_s'):.1f} s / "
          f"{max(r['peak_mb'] for r in base):,.0f} MB")

    s = last["summary"]
    print(f"\nwhat the analyses found (sanity check of the synthetic data):\n  {s['decision']}")
    print("  criteria: " + ", ".join(f"{k}={v}" for k, v in s["criteria"].items()))
    print(f"  {s['restore']}; incidents: " + "; ".join(s["incidents"]))
    for name, line in s["phases"].items():
        print(f"  {name}: {line}")
    warned = {k: n for r in ana for k, n in r["warnings"].items()}
    if warned:
        print("warnings raised during the analysis (last count per message):")
        for k, n in warned.items():
            print(f"  {n}× {k}")
    inherited = max(r["ru_maxrss_mb"] - r["peak_mb"] for r in base + ana)
    if inherited > 20:
        print(f"note: ru_maxrss exceeded VmHWM by up to {inherited:,.0f} MB (inherited from the "
              "parent across exec); VmHWM is reported")
    errs = {r["stderr"].strip() for r in base + ana if r["stderr"].strip()}
    for e in errs:
        print(f"child stderr:\n{e}")
    if profiled is not None:
        print(f"\nprofiled run (cProfile overhead included): evaluate() {profiled['evaluate_s']:.1f} s")
        print(profiled["stdout"])


if __name__ == "__main__":
    sys.exit(main())
