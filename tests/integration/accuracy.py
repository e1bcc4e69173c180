"""Compare a campaign analysis with the simulator's ground truth.

Tolerances are those the issue sets: every time KPI within one query step, capacity within 2 %,
loss and duplicate counts exact, each incident's downtime within one step, every criterion's
verdict equal to the truth's. Each check reports every mismatch at once.
"""

from __future__ import annotations

from datetime import datetime

from mm2report.evaluate import CampaignAnalysis
from mm2report.verdicts import Status

GO = {Status.PASS: "GO", Status.FAIL: "NOGO", Status.INCONCLUSIVE: "INCONCLUSIVE"}


def _t(iso: str) -> float:
    return datetime.fromisoformat(iso).timestamp()


def mismatches(analysis: CampaignAnalysis, truth: dict, step: int = 15) -> list[str]:
    out: list[str] = []
    out += _criteria(analysis, truth)
    out += _incidents(analysis, truth, step)
    out += _rebalances(analysis, truth, step)
    out += _rebalances_agree_with_incidents(analysis)
    out += _bursts(analysis, truth, step)
    out += _capacity(analysis, truth)
    out += _loss(analysis, truth)
    out += _errors(analysis, truth, step)
    out += _latency(analysis, truth)
    return out


def _criteria(a, truth) -> list[str]:
    measured = {v.id: GO[v.status] for v in a.criteria}
    return [f"criterion {k}: measured {measured.get(k)} ({_reason(a, k)}), truth {want}"
            for k, want in truth["criteria"].items() if measured.get(k) != want]


def _reason(a, key) -> str:
    return next((v.reason[:300] for v in a.criteria if v.id == key), "")


def _incidents(a, truth, step) -> list[str]:
    out = []
    measured = sorted(a.incidents, key=lambda i: i.start)
    used = set()
    for inc in truth["incidents"]:
        s = _t(inc["start"])
        match = [(j, m) for j, m in enumerate(measured)
                 if j not in used and abs(m.start.timestamp() - s) <= step + 1]
        if not match:
            if inc["duration_s"] >= step:  # shorter ones may fall between two readings
                out.append(f"incident at {inc['start']} ({inc['duration_s']} s, {inc['event']}) not found")
            continue
        j, m = match[0]
        used.add(j)
        if abs(m.duration_s - inc["duration_s"]) > step:
            out.append(f"incident at {inc['start']}: {m.duration_s} s measured, {inc['duration_s']} s true")
        kind = m.event.kind if m.event else None
        if kind != inc["event"]:
            out.append(f"incident at {inc['start']}: linked to {kind}, truth {inc['event']}")
        if m.rpo_seconds is None or abs(m.rpo_seconds - inc["rpo_seconds"]) > step:
            out.append(f"incident at {inc['start']}: RPO {m.rpo_seconds} s, truth {inc['rpo_seconds']} s")
    for j, m in enumerate(measured):
        if j not in used:
            out.append(f"spurious incident at {m.start.isoformat()} ({m.duration_s} s, {m.cause})")
    for name, phase in truth["phases"].items():
        p = a.phases.get(name)
        n = sum(1 for i in truth["incidents"] if phase["start"] <= i["start"] < phase["end"])
        if p is not None and abs(p.availability.down_s - phase["downtime_s"]) > step * max(n, 1):
            out.append(f"{name}: downtime {p.availability.down_s} s measured, {phase['downtime_s']} s true")
    return out


def _rebalances(a, truth, step) -> list[str]:
    measured = [r for p in a.phases.values() for r in p.rebalances]
    out = []
    for want in truth["rebalances"]:
        got = [r for r in measured if r.kind == want["kind"] and r.trigger == want["trigger"]
               and abs(r.start.timestamp() - _t(want["start"])) < 1]
        if len(got) != 1:
            out.append(f"rebalance {want['kind']}/{want['trigger']} at {want['start']}: {len(got)} measured")
        elif not got[0].span.known or abs(got[0].span.value - want["span_s"]) > step:
            out.append(f"rebalance {want['kind']}/{want['trigger']} at {want['start']}: "
                       f"{got[0].span.value} s measured, {want['span_s']} s true")
    return out


def _rebalances_agree_with_incidents(a) -> list[str]:
    """The rebalance and incident analyses of one event never contradict each other: once a
    rebalance is over, no step is DOWN until the next trigger (a stopped worker's return,
    the next event) or the phase's end."""
    out = []
    for p in a.phases.values():
        frame = p.timeline.frame
        # every event of the phase, and the return of a stopped worker
        triggers = sorted({r.start for r in p.rebalances} | {e.start for e, _ in p.event_loss})
        later_events: list = []
        for r in p.rebalances:
            if r.end is None:
                continue
            until = min([t for t in triggers + later_events if t > r.start] + [p.end])
            after = frame[(frame.index > r.end) & (frame.index <= until)]
            down = after.index[after["state"] == "DOWN"]
            if len(down):
                out.append(f"rebalance {r.kind}/{r.trigger} at {r.start.isoformat()} over at "
                           f"{r.end.isoformat()}, but DOWN at {down[0].isoformat()}")
        for i in p.incidents:  # an incident of a worker event ends by its rebalance's end
            ends = [r.end for r in p.rebalances
                    if r.end is not None and i.start < r.end and i.end > r.start]
            if ends and i.end > max(ends):
                out.append(f"incident at {i.start.isoformat()} ends {i.end.isoformat()}, after "
                           f"its rebalance was over ({max(ends).isoformat()})")
    return out


def _bursts(a, truth, step) -> list[str]:
    measured = [b for p in a.phases.values() for b in p.bursts]
    out = []
    for want in truth["bursts"]:
        got = [b for b in measured if abs(b.start.timestamp() - _t(want["start"])) < 1]
        if len(got) == 1 and want["recovery_s"] is None:
            if got[0].recovery.known:
                out.append(f"burst at {want['start']}: recovery {got[0].recovery.value} s measured, "
                           "truth: not back before the next event")
        elif len(got) != 1 or not got[0].recovery.known:
            out.append(f"burst at {want['start']}: not measured")
        elif abs(got[0].recovery.value - want["recovery_s"]) > step:
            out.append(f"burst at {want['start']}: recovery {got[0].recovery.value} s, "
                       f"truth {want['recovery_s']} s")
    return out


def _capacity(a, truth) -> list[str]:
    want = truth["capacity"]
    p = a.phases.get("capacity")
    if p is None or p.capacity is None:
        return [] if not want["steps"] else ["capacity phase not analysed"]
    c = p.capacity
    out = []
    flags = [s.sustained for s in c.steps]
    if flags != [s["sustained"] for s in want["steps"]]:
        out.append(f"sustained steps {flags}, truth {[s['sustained'] for s in want['steps']]}")
    for key, kpi in (("max_tested_rps", c.max_tested), ("recommended_rps", c.recommended)):
        if want[key] is None:
            if kpi.known:
                out.append(f"{key}: {kpi.value} measured, none true")
        elif not kpi.known or abs(kpi.value - want[key]) > 0.02 * want[key]:
            out.append(f"{key}: {kpi.value} measured, {want[key]} true")
    for s, w in zip(c.steps, want["steps"]):
        if s.replicated.known and abs(s.replicated.value - w["replicated_rps"]) > 0.02 * w["replicated_rps"]:
            out.append(f"step {w['nominal_rate']}: replicated {s.replicated.value}, truth {w['replicated_rps']}")
    return out


def _loss(a, truth) -> list[str]:
    out = []
    for name, phase in truth["phases"].items():
        p = a.phases.get(name)
        if p is None:
            continue
        table = p.loss.partitions.set_index(["topic", "partition"])
        for part in phase["per_partition"]:
            key = (part["topic"], str(part["partition"]))
            if key not in table.index:
                out.append(f"{name} {key}: no offsets")
                continue
            row = table.loc[key]
            if not row["complete"]:
                continue  # incomplete data is the monitoring-gap case, judged by the criteria
            if row["lost"] != part["lost"] or row["duplicates"] != part["duplicated"]:
                out.append(f"{name} {key}: lost {row['lost']} dup {row['duplicates']} measured, "
                           f"lost {part['lost']} dup {part['duplicated']} true")
            if row["produced"] != part["produced"]:
                out.append(f"{name} {key}: produced {row['produced']}, truth {part['produced']}")
    return out


def _errors(a, truth, step) -> list[str]:
    measured = [e for p in a.phases.values() for e in p.errors]
    out = []
    for want in truth["errors"]:
        got = [e for e in measured if abs(e.event.start.timestamp() - _t(want["start"])) < 1]
        if len(got) != 1:
            out.append(f"error scenario at {want['start']}: {len(got)} measured")
            continue
        e = got[0]
        if e.task_failed != want["task_failed"]:
            out.append(f"error scenario at {want['start']}: task_failed {e.task_failed}, truth {want['task_failed']}")
        rate = want["errors_counted"] / max(_t(want["end"]) - _t(want["start"]), 1)
        if not e.errors_counted.known or abs(e.errors_counted.value - want["errors_counted"]) > rate * step + 1:
            out.append(f"error scenario at {want['start']}: {e.errors_counted.value} errors, "
                       f"truth {want['errors_counted']}")
        if e.lost.value != want["lost"]:
            out.append(f"error scenario at {want['start']}: lost {e.lost.value}, truth {want['lost']}")
    return out


def _latency(a, truth) -> list[str]:
    out = []
    for name, want in truth["latency"].items():
        p = a.phases.get(name)
        if p is None or want["percentiles_ms"]["p99"] is None:
            continue
        p99 = p.latency.percentiles["p99"]
        # an upper bound: at least the true p99 of record latency
        if not p99.known or p99.value < want["percentiles_ms"]["p99"] - 1:
            out.append(f"{name}: p99 of maxima {p99.value} under the true p99 {want['percentiles_ms']['p99']}")
        if want["max_ms"] is not None and (
                not p.latency.maximum.known or abs(p.latency.maximum.value - want["max_ms"]) > 0.005 * want["max_ms"]):
            out.append(f"{name}: max {p.latency.maximum.value}, truth {want['max_ms']}")
        if "baseline_median_ms" in want:
            b = p.baseline
            if b is None or not b.known or abs(b.value - want["baseline_median_ms"]) > 0.05 * want["baseline_median_ms"]:
                out.append(f"{name}: baseline {b and b.value}, truth median {want['baseline_median_ms']}")
    return out
