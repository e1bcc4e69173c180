"""The lab's truth, from Kafka only (never from metrics).

Both clusters are consumed completely. Every source record's key (``topic/partition/seq``) is
matched with its copies in the remote topic on the target:

* per partition and phase: produced and lost (records created in the phase that never reached
  the target), duplicated (copies beyond the first appended to the target during the phase);
* per record, replication latency = target append time (the target broker stamps
  LogAppendTime) − source create time, and its percentiles per phase;
* outages (DOWN as the KPI contract defines it): the one-second bins in which nothing reached
  the target although the source had records not yet copied, or fewer than the expected tasks
  were RUNNING on live workers (Connect REST status polled each second), merged into intervals
  of at least two seconds; each linked to the latest event started before it;
* rebalance end per worker event: the first second after the event from which every expected
  task is RUNNING on a live worker and stays so for three polls, looked for until the next
  worker event (no task disrupted: 0 s); after a worker is added, also running a connector or
  task itself (it has joined and taken its share), which the REST status of every connector
  tells (``measured_by: "join"``; journals recorded before hold no such status);
* capacity: a step is sustained when the target received ≥ 98 % of what was offered during
  the step (after the warm-up) and the backlog at the step's end is no larger than at the start
  of the step plus one second of load.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from . import env
from .load import QUIET

WARMUP = 10.0


def end_offsets(bootstrap: str, topics: list[str]) -> dict[tuple[str, int], int]:
    from confluent_kafka import Consumer, TopicPartition

    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "mm2report-lab-truth",
                         "enable.auto.commit": False}, logger=QUIET)
    try:
        meta = consumer.list_topics(timeout=10)
        out = {}
        for topic in topics:
            if topic not in meta.topics:
                continue
            for p in meta.topics[topic].partitions:
                out[(topic, p)] = consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=10)[1]
        return out
    finally:
        consumer.close()


def consume(bootstrap: str, topics: list[str]) -> list[tuple[str, float, int]]:
    """Every record of ``topics``: (key, timestamp in seconds, timestamp type)."""
    from confluent_kafka import Consumer, TopicPartition

    ends = end_offsets(bootstrap, topics)
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "mm2report-lab-truth",
                         "enable.auto.commit": False, "fetch.max.bytes": 8 * 1024 * 1024},
                        logger=QUIET)
    todo = {tp: end for tp, end in ends.items() if end > 0}
    consumer.assign([TopicPartition(t, p, 0) for (t, p) in todo])
    out = []
    seen = defaultdict(int)
    try:
        while any(seen[tp] < end for tp, end in todo.items()):
            batch = consumer.consume(10_000, timeout=5)
            if not batch:
                break
            for msg in batch:
                if msg.error():
                    continue
                tp = (msg.topic(), msg.partition())
                seen[tp] = msg.offset() + 1
                kind, ts = msg.timestamp()
                out.append((msg.key().decode(), ts / 1000.0, kind))
    finally:
        consumer.close()
    return out


def compute(state: env.LabState, journal: dict) -> dict:
    source = consume(state.source_bootstrap, list(env.TOPICS))
    target = consume(state.target_bootstrap, [f"{env.SOURCE_ALIAS}.{t}" for t in env.TOPICS])
    run = journal.get("run")  # keys of this campaign only (a lab may run several)
    began = journal["began"]

    def ours(key: str, ts: float) -> bool:
        return key.startswith(f"{run}/") if run else ts >= began - 1

    created = {key: ts for key, ts, _ in source if ours(key, ts)}
    copies: dict[str, list[float]] = defaultdict(list)
    for key, ts, _ in target:
        if ours(key, ts):
            copies[key].append(ts)
    phases = journal["phases"]
    out = {"lab": journal["lab"], "phases": {}, "partitions": {}}

    # per phase and partition: what the offsets of that window can show
    extra: list[tuple[str, float]] = []  # (key, append time) of every copy beyond the first
    for key, c in copies.items():
        for ts in sorted(c)[1:]:
            extra.append((key, ts))
    for name, ph in phases.items():
        per: dict[str, dict] = defaultdict(lambda: {"produced": 0, "replicated": 0, "lost": 0,
                                                    "duplicated": 0})
        lat = []
        for key, ts in created.items():
            if not ph["start"] <= ts < ph["end"]:
                continue
            row = per[_partition(key)]
            row["produced"] += 1
            c = copies.get(key, [])
            if c:
                row["replicated"] += 1
                lat.append((min(c) - ts) * 1000.0)
            else:
                row["lost"] += 1
        for key, ts in extra:
            if ph["start"] <= ts < ph["end"]:
                per[_partition(key)]["duplicated"] += 1
        lat_a = np.array(lat) if lat else np.array([np.nan])
        out["phases"][name] = {
            "start": env_iso(ph["start"]), "end": env_iso(ph["end"]),
            "produced": sum(r["produced"] for r in per.values()),
            "lost": sum(r["lost"] for r in per.values()),
            "duplicated": sum(r["duplicated"] for r in per.values()),
            "partitions": dict(sorted(per.items())),
            "latency_ms": {q: float(np.nanpercentile(lat_a, float(q[1:]))) for q in ("p50", "p99")}
            | {"max": float(np.nanmax(lat_a)), "records": len(lat)},
        }
    out["lost"] = sum(p["lost"] for p in out["phases"].values())
    out["duplicated"] = sum(p["duplicated"] for p in out["phases"].values())
    out["outages"] = _outages(created, copies, journal)
    out["rebalances"] = _rebalances(journal)
    out["capacity"] = _capacity(created, copies, journal)
    out["criteria"] = _criteria(out)
    return out


def _partition(key: str) -> str:
    _, topic, part, _ = key.rsplit("/", 3) if key.count("/") >= 3 else ("", *key.rsplit("/", 2))
    return f"{topic}/{part}"


def env_iso(t: float) -> str:
    from .campaign import iso
    return iso(t)


def _tasks_ok(sample: dict, expected: int) -> bool:
    return (sample["connector"] == "RUNNING" and len(sample["tasks"]) == expected
            and all(x["state"] == "RUNNING" and x["live"] for x in sample["tasks"]))


def _outages(created: dict, copies: dict, journal: dict) -> list[dict]:
    """DOWN seconds as the KPI contract defines them: replication stalled while the source had
    records to copy (nothing reached the target in that second), or fewer than the expected
    tasks RUNNING on live workers (the Connect REST status of that second)."""
    t0 = int(journal["began"])
    t1 = int(journal["ended"]) + 1
    n = t1 - t0
    made = np.zeros(n)
    landed = np.zeros(n)
    for key, ts in created.items():
        made[min(max(int(ts) - t0, 0), n - 1)] += 1
        c = copies.get(key)
        if c:
            landed[min(max(int(min(c)) - t0, 0), n - 1)] += 1
    backlog = np.cumsum(made) - np.cumsum(landed)  # records waiting at the end of each second
    stalled = (landed == 0) & (backlog > 0)
    tasks_down = np.zeros(n, dtype=bool)
    expected = journal["lab"]["tasks"]
    samples = journal["status"]
    for i, s in enumerate(samples):
        a = int(s["t"]) - t0
        b = int(samples[i + 1]["t"]) - t0 if i + 1 < len(samples) else n
        if not _tasks_ok(s, expected):
            tasks_down[max(a, 0):max(min(b, n), 0)] = True
    down = stalled | tasks_down
    out = []
    i = 0
    while i < n:
        if down[i]:
            j = i
            while j < n and down[j]:
                j += 1
            if j - i >= 2:
                start = t0 + i
                before = [e for e in journal["events"] if e["start"] <= start + 2]
                event = max(before, key=lambda e: e["start"]) if before else None
                out.append({"start": env_iso(start), "end": env_iso(t0 + j), "duration_s": j - i,
                            "event": event["kind"] if event else None,
                            "cause": "+".join(k for k, m in (("tasks", tasks_down), ("stall", stalled))
                                              if m[i:j].any())})
            i = j
        else:
            i += 1
    return out


def _rebalances(journal: dict) -> list[dict]:
    """From a worker event until every expected task RUNNING on a live worker for three polls
    in a row, looked for until the next worker event (no task disrupted: 0 s); a worker added
    must also run work of its own by then (when the polls name the workers holding work)."""
    expected = journal["lab"]["tasks"]
    samples = journal["status"]
    workers = [e for e in journal["events"] if e["kind"] in ("worker_add", "worker_stop", "worker_restart")]
    out = []
    for k, e in enumerate(workers):
        until = workers[k + 1]["start"] if k + 1 < len(workers) else float("inf")
        after = [s for s in samples if e["start"] <= s["t"] < until]
        join = e["kind"] == "worker_add" and bool(after) and all("holders" in s for s in after)

        def ok(s, e=e, join=join):
            return _tasks_ok(s, expected) and (not join or e.get("target") in s["holders"])
        end, disrupted = None, False
        for i, s in enumerate(after):
            if not _tasks_ok(s, expected):
                disrupted = True
            window = after[i:i + 3]
            if (disrupted or join) and len(window) == 3 and all(ok(w) for w in window):
                end = s["t"]
                break
        if not disrupted and not join:
            end = e["start"]
        out.append({"event": e["kind"], "start": env_iso(e["start"]),
                    "end": env_iso(end) if end else None,
                    "duration_s": round(end - e["start"], 1) if end else None,
                    "disrupted": disrupted, "measured_by": "join" if join else "tasks"})
    return out


def _capacity(created: dict, copies: dict, journal: dict) -> dict:
    steps = []
    made_ts = np.array(sorted(created.values()))
    landed_ts = np.array(sorted(min(c) for c in copies.values() if c))
    for s in journal["steps"]:
        a, b = s["start"] + WARMUP, s["end"]
        offered = np.count_nonzero((made_ts >= a) & (made_ts < b)) / (b - a)
        replicated = np.count_nonzero((landed_ts >= a) & (landed_ts < b)) / (b - a)
        backlog_a = np.count_nonzero(made_ts < a) - np.count_nonzero(landed_ts < a)
        backlog_b = np.count_nonzero(made_ts < b) - np.count_nonzero(landed_ts < b)
        sustained = replicated >= 0.98 * offered and backlog_b <= backlog_a + offered
        steps.append({"offered_rate": s["offered_rate"], "offered": round(offered, 1),
                      "replicated": round(replicated, 1), "backlog_start": int(backlog_a),
                      "backlog_end": int(backlog_b), "sustained": bool(sustained)})
    sustained = [s for s in steps if s["sustained"]]
    return {"steps": steps,
            "highest_sustained_step": max((s["offered_rate"] for s in sustained), default=None)}


def _criteria(t: dict) -> dict[str, str]:
    ph = t["phases"]

    def clean(name):
        return ph[name]["lost"] == 0 and not any(
            ph[name]["start"] <= o["start"] < ph[name]["end"] for o in t["outages"])
    rto = 300
    resilience_ok = ph["resilience"]["lost"] == 0 and all(
        o["duration_s"] < rto for o in t["outages"]
        if ph["resilience"]["start"] <= o["start"] < ph["resilience"]["end"])
    errors_ok = ph["errors"]["lost"] == 0 and any(
        ph["errors"]["start"] <= o["start"] < ph["errors"]["end"] and "tasks" in o["cause"]
        for o in t["outages"])  # a task FAILED (seen by Connect's REST API), then recovered
    return {
        "1": "GO" if clean("smoke") else "NOGO",
        "7": "GO" if errors_ok else "NOGO",
        "3": "GO" if ph["latency"]["latency_ms"]["p99"] < 5000 else "NOGO",
        "4": "GO" if t["capacity"]["highest_sustained_step"] else "NOGO",
        "5": "INCONCLUSIVE",  # a 40 s soak is shorter than the 24 h required
        "6": "GO" if resilience_ok else "NOGO",
        "8": "GO" if t["lost"] == 0 else "NOGO",
        "10": "INCONCLUSIVE",  # no rollback test recorded in the lab
    }
