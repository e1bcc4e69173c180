"""Ground truth of a simulated campaign, computed from the model's state, never from metrics.

Definitions (the analyses must measure the same things, to one query step):

* service state per second: DOWN when fewer than the expected tasks run, or replication is
  stalled while the source produces; UP otherwise (DEGRADED is reported as time, not as down);
* incident: a run of DOWN seconds; its RPO is the backlog (records) and the age of the oldest
  unreplicated record (seconds) at the second the incident began;
* rebalance span of a worker event: from the event until every expected task runs, no worker is
  rebalancing and replication flows;
* burst recovery: from the end of the burst until the total backlog is back to its highest level
  of the five minutes before the burst (plus a margin: 10 % of it and one second of the load
  offered before the burst), and stays there until the next event (any kind) or the phase end;
  ``recovery_s`` is None when it is not back by then;
* capacity step: sustained when replicated >= ratio x offered over the step after warm-up and the
  backlog did not grow over it;
* latency: percentiles of the per-record latency distribution, records weighted; the records
  written by one partition in one second share that second's mean latency (the model's
  resolution), while the emitted window maxima use the oldest record of each second.
* criterion 8 is INCONCLUSIVE as soon as the campaign has a monitoring gap (conservative: the
  analyses may still read offsets at phase bounds outside the gap);
* a scrape a live worker holding tasks did not answer leaves that step's task count unknown
  (Prometheus stores ``up`` 0 and none of its series): the criteria that need every step of
  a phase known (1, 2, 5, 6) are INCONCLUSIVE when their phase has one.
"""

from __future__ import annotations

import numpy as np

from ..params import Thresholds
from .model import PhaseSpan, Timeline
from .scenario import Scenario, _seconds

PRE_BURST = 300


def _iso(tl: Timeline, t: int) -> str:
    from datetime import datetime, timezone

    return datetime.fromtimestamp(tl.origin + int(t), tz=timezone.utc).isoformat()


def down_seconds(tl: Timeline) -> np.ndarray:
    producing = tl.produced.sum(axis=1) > 0
    return (tl.running.sum(axis=1) < tl.K) | (tl.stall & producing)


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    edges = np.diff(np.concatenate([[0], mask.astype(int), [0]]))
    return list(zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)))


def _weighted_percentiles(values: np.ndarray, weights: np.ndarray, qs) -> dict[str, float]:
    ok = ~np.isnan(values) & (weights > 0)
    if not ok.any():
        return {f"p{q:g}": None for q in qs}
    order = np.argsort(values[ok])
    v, w = values[ok][order], weights[ok][order]
    cum = np.cumsum(w) / w.sum()
    return {f"p{q:g}": float(v[min(np.searchsorted(cum, q / 100.0), len(v) - 1)]) for q in qs}


def _oldest_age(tl: Timeline, t: int) -> float:
    """Seconds waited by the oldest record not yet consumed at second t (0 when none)."""
    if t <= 0:
        return 0.0
    produced_cum = np.cumsum(tl.produced[:t], axis=0)
    consumed = (tl.replicated[:t] + tl.lost[:t]).sum(axis=0)
    ages = []
    for p in range(tl.P):
        if tl.backlog[t - 1, p] > 0:
            born = np.searchsorted(produced_cum[:, p], consumed[p] + 1)
            ages.append(t - born)
    return float(max(ages)) if ages else 0.0


def compute(sc: Scenario, tl: Timeline, thresholds: Thresholds | None = None) -> dict:
    th = thresholds or Thresholds()
    down = down_seconds(tl)
    gaps = _gap_mask(sc, tl)
    phases = {span.name: _phase_truth(sc, tl, span, down) for span in tl.phases}
    incidents = _incidents(tl, down)
    truth = {
        "scenario": sc.name,
        "seed": sc.seed,
        "resolution_s": 1,
        "expected_tasks": tl.K,
        "workers": {"initial": sc.mm2.workers, "max": int(tl.joined.any(axis=0).sum())},
        "true_capacity_rps": float(tl.cap.sum()),
        "phases": phases,
        "incidents": incidents,
        "rebalances": _rebalance_spans(tl),
        "bursts": _bursts(tl),
        "capacity": _capacity(sc, tl, th),
        "latency": _latency_truth(tl),
        "errors": _error_truth(tl),
        "monitoring_gaps_s": int(gaps.sum()),
        "fault_conditions": _fault_conditions(sc, tl),
    }
    truth["criteria"] = _criteria(sc, tl, truth, th, gaps, _unseen_tasks(sc, tl))
    return truth


def _gap_mask(sc: Scenario, tl: Timeline) -> np.ndarray:
    mask = np.zeros(tl.T, bool)
    span_of = {s.name: s for s in tl.phases}
    for g in sc.faults.monitoring_gaps:
        s = span_of[g.phase].start + _seconds(g.at)
        mask[s:s + _seconds(g.duration)] = True
    return mask


def _unseen_tasks(sc: Scenario, tl: Timeline) -> np.ndarray:
    """Seconds whose task count no reading tells: the step before a scrape that a live worker
    running tasks did not answer (the same draws as the emitted metrics)."""
    from .emit import Scrapes

    mask = np.zeros(tl.T, bool)
    s = Scrapes(sc, tl)
    inside = (s.t >= 0) & (s.t < tl.T)
    t, gap = s.t[inside], s.gap[inside]
    for w in range(tl.W):
        answered = s.answered(f"worker-{w}")[inside]
        missed = t[~answered & ~gap & tl.alive[t, w] & (tl.assign[t] == w).any(axis=1)]
        for end in missed:
            mask[max(0, end - s.si + 1): end + 1] = True
    return mask


def _phase_truth(sc: Scenario, tl: Timeline, span: PhaseSpan, down: np.ndarray) -> dict:
    window = slice(span.start, span.end)
    names = [(t, p) for t in sc.topics.names for p in range(sc.topics.partitions)]
    per_partition = [
        {"topic": t, "partition": p,
         "produced": int(tl.produced[window, i].sum()),
         "replicated": int(tl.replicated[window, i].sum()),
         "duplicated": int(tl.dup_sent[window, i].sum()),
         "lost": int(tl.lost[window, i].sum())}
        for i, (t, p) in enumerate(names)
    ]
    total_backlog = tl.backlog[window].sum(axis=1)
    return {
        "start": _iso(tl, span.start), "end": _iso(tl, span.end),
        "produced": int(tl.produced[window].sum()),
        "replicated": int(tl.replicated[window].sum()),
        "duplicated": int(tl.dup_sent[window].sum()),
        "lost": int(tl.lost[window].sum()),
        "backlog_at_end": int(tl.backlog[span.end - 1].sum()),
        "lag_max_records": int(total_backlog.max()),
        "downtime_s": int(down[window].sum()),
        "failed_task_s": int(tl.failed[window].any(axis=1).sum()),
        "per_partition": per_partition,
    }


def _incidents(tl: Timeline, down: np.ndarray) -> list[dict]:
    out = []
    for s, e in _runs(down):
        linked = [(es, ev) for (_, ev, es, ee) in tl.events
                  if ev.kind != "burst" and es - 60 <= s <= (ee or es) + 600]
        event = max(linked, key=lambda x: x[0])[1] if linked else None  # the latest one
        out.append({
            "start": _iso(tl, s), "end": _iso(tl, e), "duration_s": int(e - s),
            "event": event.kind if event else None,
            "rpo_records": int(tl.backlog[s - 1].sum()) if s > 0 else 0,
            "rpo_seconds": _oldest_age(tl, int(s)),
        })
    return out


def _flowing(tl: Timeline, t: int) -> bool:
    return tl.replicated[t].sum() > 0 or tl.backlog[t].sum() == 0


def _rebalance_spans(tl: Timeline) -> list[dict]:
    """From each worker event (and a stopped worker's return) until every task runs, nothing
    rebalances and replication flows; a join (a worker added, a stopped worker back) also
    waits for the end of the rebalance it triggers, which may begin after a JVM start."""
    spans = []
    rebalancing = tl.rebalancing.any(axis=1)
    for phase, ev, s, e in tl.events:
        if ev.kind not in ("worker_stop", "worker_restart", "worker_add"):
            continue
        starts = [s] + ([e] if ev.kind == "worker_stop" and e is not None else [])
        for trigger_at, trigger in zip(starts, ("event", "rejoin")):
            join = ev.kind == "worker_add" or trigger == "rejoin"
            joined = min((r.end for r in tl.rebalances if r.start >= trigger_at), default=tl.T) \
                if join else trigger_at
            t = max(trigger_at, joined - 1)
            while t < tl.T and not (tl.running[t].sum() == tl.K and not rebalancing[t]
                                    and _flowing(tl, t) and t > trigger_at):
                t += 1
            spans.append({"phase": phase, "kind": ev.kind, "trigger": trigger,
                          "start": _iso(tl, trigger_at), "end": _iso(tl, t),
                          "span_s": int(t - trigger_at)})
    return spans


def _bursts(tl: Timeline) -> list[dict]:
    out = []
    total = tl.backlog.sum(axis=1)
    for phase, ev, s, e in tl.events:
        if ev.kind != "burst" or e is None:
            continue
        span = next(p for p in tl.phases if p.name == phase)
        until = min([span.end] + [bs for (ph, _, bs, _) in tl.events if ph == phase and bs > s])
        level = int(total[max(0, s - PRE_BURST):s].max()) if s > 0 else 0
        margin = 0.1 * level + (tl.produced[max(0, s - PRE_BURST):s].sum(axis=1).mean() if s > 0 else 0)
        above = np.flatnonzero(total[e:until] > level + margin)
        recovered = e + (int(above[-1]) + 1 if len(above) else 0)
        back = recovered < until
        out.append({"phase": phase, "start": _iso(tl, s), "end": _iso(tl, e),
                    "baseline_records": level,
                    "recovered_at": _iso(tl, recovered) if back else None,
                    "recovery_s": int(recovered - e) if back else None,
                    "peak_backlog": int(total[s:until].max())})
    return out


def _capacity(sc: Scenario, tl: Timeline, th: Thresholds) -> dict:
    span = next((p for p in tl.phases if p.name == "capacity"), None)
    if span is None or not span.steps:
        return {"steps": [], "max_tested_rps": None, "recommended_rps": None}
    phase = next(p for p in sc.phases if p.name == "capacity")
    warm = _seconds(phase.warmup)
    steps = []
    for s, e, rate in span.steps:
        a, b = s + warm, min(e, span.load_end)
        offered = float(tl.produced[a:b].sum() / (b - a))
        replicated = float(tl.replicated[a:b].sum() / (b - a))
        total = tl.backlog[a:b].sum(axis=1)
        grew = total[-1] > total[0] + offered * 15
        steps.append({"start": _iso(tl, s), "end": _iso(tl, e), "nominal_rate": rate,
                      "offered_rps": offered, "replicated_rps": replicated,
                      "sustained": bool(replicated >= th.sustained_ratio * offered and not grew)})
    sustained = [x["replicated_rps"] for x in steps if x["sustained"]]
    best = max(sustained) if sustained else None
    return {"steps": steps, "max_tested_rps": best,
            "recommended_rps": best * th.recommended_capacity_ratio if best else None}


def _latency_truth(tl: Timeline) -> dict:
    out = {}
    for span in tl.phases:
        w = slice(span.start, span.end)
        pct = _weighted_percentiles(tl.lat_mean[w].ravel(), tl.replicated[w].ravel().astype(float),
                                    (50, 95, 99, 99.9))
        mx = tl.lat_max[w]
        out[span.name] = {"percentiles_ms": pct,
                          "max_ms": float(np.nanmax(mx)) if np.isfinite(mx).any() else None}
        if span.baseline:
            b = slice(*span.baseline)
            out[span.name]["baseline_median_ms"] = _weighted_percentiles(
                tl.lat_mean[b].ravel(), tl.replicated[b].ravel().astype(float), (50,))["p50"]
    return out


def _error_truth(tl: Timeline) -> list[dict]:
    out = []
    for phase, ev, s, e in tl.events:
        if ev.kind != "error_scenario":
            continue
        end = e if e is not None else s + 300
        out.append({"phase": phase, "scenario": ev.scenario, "start": _iso(tl, s),
                    "end": _iso(tl, end),
                    "task_failed": bool(tl.failed[s:end].any()),
                    "errors_counted": float(tl.errors[s:end].sum()),
                    "lost": int(tl.lost[s:end].sum())})
    return out


FAULT_KINDS = ("worker_stop", "worker_restart", "broker_stop", "network_cut", "error_scenario")


def _fault_conditions(sc: Scenario, tl: Timeline) -> list[dict]:
    """What an alert rule could see of each fault, on the scrape grid: for every scrape instant
    (epoch ``e`` sees the state at the end of second ``e - 1``, as the emitted metrics), whether
    a worker is down, fewer tasks than expected run, a task is FAILED, nothing was replicated
    since the previous scrape while the source produced, record errors were counted since the
    previous scrape. Each condition is given as its runs of consecutive scrapes (epoch seconds
    of the first and last scrape) from the fault's start to the next event of the phase (or the
    phase's end)."""
    si = sc.scrape_interval
    first = -(-(tl.origin + 1) // si) * si
    epoch = np.arange(first, tl.origin + tl.T + 1, si, dtype=np.int64)
    t = (epoch - tl.origin - 1).astype(np.int64)
    cum = lambda a: np.concatenate([[0.0], np.cumsum(a, dtype="float64")])  # noqa: E731
    written = cum((tl.replicated + tl.dup_sent).sum(axis=1))
    produced = cum(tl.produced.sum(axis=1))
    errors = cum(tl.errors.sum(axis=1))
    prev = np.concatenate([[t[0] - si], t[:-1]])
    since = lambda c: c[t + 1] - c[np.maximum(prev + 1, 0)]  # noqa: E731
    conditions = {
        "worker_down": (tl.joined[t] & ~tl.alive[t]).any(axis=1),
        "tasks_short": tl.running[t].sum(axis=1) < tl.K,
        "task_failed": tl.failed[t].any(axis=1),
        "stalled": (since(written) == 0) & (since(produced) > 0),
        "record_errors": since(errors) > 0,
    }
    out = []
    spans = {s.name: s for s in tl.phases}
    for phase, ev, start, _ in tl.events:
        if ev.kind not in FAULT_KINDS:
            continue
        later = [s for (p, _, s, _) in tl.events if p == phase and s > start]
        until = min(later + [spans[phase].end])
        inside = (epoch >= tl.origin + start) & (epoch < tl.origin + until)
        runs = {}
        for name, mask in conditions.items():
            runs[name] = [[int(epoch[a]), int(epoch[b - 1])] for a, b in _runs(mask & inside)]
        out.append({"phase": phase, "kind": ev.kind, "start": _iso(tl, start),
                    "until": _iso(tl, until), "runs": runs})
    return out


def _criteria(sc, tl, truth, th: Thresholds, gaps: np.ndarray,
              unseen: np.ndarray) -> dict[str, str]:
    phases, spans = truth["phases"], {s.name: s for s in tl.phases}

    def gap_in(name, every_step=False):
        s = spans.get(name)
        return s is not None and (gaps[s.start:s.end].any()
                                  or every_step and unseen[s.start:s.end].any())

    def phase_ok(name, extra_ok=True):
        if name not in phases or gap_in(name, every_step=True):
            return "INCONCLUSIVE"
        p = phases[name]
        ok = p["downtime_s"] == 0 and p["lost"] == 0 and p["lag_max_records"] <= th.lag_records
        return "GO" if ok and extra_ok else "NOGO"

    def leaking(name):  # the heap grows from the leak's phase on
        leak = sc.faults.heap_leak
        return (leak is not None and name in spans
                and spans[name].start >= spans[leak.from_phase].start)

    crit = {"1": phase_ok("smoke"), "2": phase_ok("nominal", not leaking("nominal"))}
    lat = truth["latency"].get("latency")
    if lat is None or gap_in("latency") or lat["percentiles_ms"]["p99"] is None:
        crit["3"] = "INCONCLUSIVE"
    else:
        crit["3"] = "GO" if lat["percentiles_ms"]["p99"] < th.latency_p99_slo_ms else "NOGO"
    cap = truth["capacity"]
    crit["4"] = ("INCONCLUSIVE" if "capacity" not in phases or gap_in("capacity")
                 else "GO" if cap["max_tested_rps"] else "NOGO")
    soak = spans.get("soak")
    if soak is None or gap_in("soak") or soak.end - soak.start < th.soak_min_duration.total_seconds():
        crit["5"] = "INCONCLUSIVE"
    else:
        crit["5"] = phase_ok("soak", not leaking("soak"))
    res = [i for i in truth["incidents"] if _in_phase(i, phases.get("resilience"))]
    if "resilience" not in phases or gap_in("resilience", every_step=True):
        crit["6"] = "INCONCLUSIVE"
    else:
        fast = all(i["duration_s"] < th.rto.total_seconds() for i in res)  # "RTO < 5 min"
        crit["6"] = "GO" if fast and phases["resilience"]["lost"] == 0 else "NOGO"
    errs = truth["errors"]
    crit["7"] = ("INCONCLUSIVE" if "errors" not in phases or gap_in("errors") or not errs
                 else "GO" if all(e["lost"] == 0 for e in errs) else "NOGO")
    lost = sum(p["lost"] for p in phases.values())
    crit["8"] = "NOGO" if lost else ("INCONCLUSIVE" if gaps.any() else "GO")
    return crit


def _in_phase(incident: dict, phase: dict | None) -> bool:
    return phase is not None and phase["start"] <= incident["start"] < phase["end"]
