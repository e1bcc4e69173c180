"""Compare an analysis of a lab campaign with the truth Kafka recorded (mm2report.lab.truth).

Tolerances (issue 11): lost and duplicated records equal the consumed truth per phase; incident
and rebalance times within one scrape step (plus the second the truth is rounded to); the
reported p99 upper bound at least the true p99 and the maximum latency close to the true
maximum; the sustained capacity step equal to the truth's; every criterion the truth can judge
equal to its verdict; no incident the truth does not hold, but for one-step task dips while
tasks move between workers. Every mismatch is reported at once.
"""

from __future__ import annotations

from datetime import datetime

from mm2report.evaluate import CampaignAnalysis
from mm2report.verdicts import Status

GO = {Status.PASS: "GO", Status.FAIL: "NOGO", Status.INCONCLUSIVE: "INCONCLUSIVE"}

# What a real MM2 makes unmeasurable from metrics, said so by an INCONCLUSIVE criterion: the
# target broker stopped, its exporter cannot read offsets for a minute, and a gap in the
# exporter's readings could hide an offset reset (docs/profiles.md).
UNMEASURABLE = ("exporter readings",)


def _t(iso: str) -> float:
    return datetime.fromisoformat(iso).timestamp()


def mismatches(a: CampaignAnalysis, truth: dict, step: float) -> list[str]:
    tol = step + 2.0  # one scrape step, plus the truth's one-second bins at both ends
    out: list[str] = []
    measured = {v.id: GO[v.status] for v in a.criteria}
    for key, want in truth["criteria"].items():
        reason = next((v.reason for v in a.criteria if v.id == key), "")
        if measured.get(key) == "INCONCLUSIVE" and want == "GO" and any(
                u in reason for u in UNMEASURABLE):
            continue  # measured as unmeasurable, with the reason: never a guess
        if measured.get(key) != want:
            reason = next((v.reason[:400] for v in a.criteria if v.id == key), "")
            out.append(f"criterion {key}: measured {measured.get(key)} ({reason}), truth {want}")
    for name, ph in truth["phases"].items():
        p = a.phases.get(name)
        if p is None:
            out.append(f"{name}: not analysed")
            continue
        if p.loss.lost.value != ph["lost"]:
            out.append(f"{name}: lost {p.loss.lost.value} measured, {ph['lost']} true")
        if p.loss.duplicates.value != ph["duplicated"]:
            out.append(f"{name}: duplicated {p.loss.duplicates.value} measured, {ph['duplicated']} true")
        rows = {f"{r.topic}/{int(r.partition)}": r for r in p.loss.partitions.itertuples()}
        for part, want in ph["partitions"].items():
            got = rows.get(part)
            if got is None:
                out.append(f"{name} {part}: no loss row")
            elif (got.lost, got.duplicates) != (want["lost"], want["duplicated"]):
                out.append(f"{name} {part}: lost/duplicated {got.lost}/{got.duplicates} measured, "
                           f"{want['lost']}/{want['duplicated']} true")
    # incidents: every true outage found, with its start and duration within tolerance
    incidents = sorted((i for p in a.phases.values() for i in p.incidents), key=lambda i: i.start)
    used: set[int] = set()
    for o in truth["outages"]:
        s = _t(o["start"])
        match = [(j, i) for j, i in enumerate(incidents)
                 if j not in used and abs(i.start.timestamp() - s) <= tol]
        if not match:
            if o["duration_s"] > step:
                out.append(f"outage at {o['start']} ({o['duration_s']} s, {o['event']}) not found")
            continue
        j, inc = match[0]
        used.add(j)
        if abs(inc.duration_s - o["duration_s"]) > tol:
            out.append(f"outage at {o['start']}: {inc.duration_s} s measured, {o['duration_s']} s true")
    # an incident the truth does not hold may only be one step long: a task moving between
    # workers can be seen on neither of them in one round of scrapes (docs/profiles.md)
    for j, inc in enumerate(incidents):
        if j not in used and inc.duration_s > step:
            out.append(f"spurious incident at {inc.start.isoformat()} ({inc.duration_s} s, {inc.cause})")
    for want in truth["rebalances"]:
        if not want["disrupted"] and want.get("measured_by") != "join":
            # a truth recorded before the polls named the workers holding work: a worker added
            # whose tasks moved in well under a second has no end the truth can tell
            continue
        s = _t(want["start"])
        got = [r for p in a.phases.values() for r in p.rebalances
               if abs(r.start.timestamp() - s) <= tol]
        if not got:
            out.append(f"rebalance after {want['event']} at {want['start']} not measured")
            continue
        if want["end"] is None or got[0].span.value is None:
            if (want["end"] is None) != (got[0].span.value is None):
                out.append(f"rebalance after {want['event']}: {got[0].span.value} s measured, "
                           f"truth {want['duration_s']}")
            continue
        if abs(got[0].span.value - want["duration_s"]) > tol:
            out.append(f"rebalance after {want['event']}: {got[0].span.value} s measured, "
                       f"{want['duration_s']} s true")
    # latency: the p99 upper bound is an upper bound; the max is close to the true max
    lat = truth["phases"]["latency"]["latency_ms"]
    p = a.phases.get("latency")
    if p is not None:
        p99 = p.latency.percentiles["p99"]
        if not p99.known or p99.value < lat["p99"]:
            out.append(f"latency p99 upper bound {p99.value} ms below the true p99 {lat['p99']:.0f} ms")
    # capacity: the highest sustained step
    cap = a.phases.get("capacity")
    want_step = truth["capacity"]["highest_sustained_step"]
    if cap is not None and cap.capacity is not None:
        sustained = [s.nominal_rate for s in cap.capacity.steps if s.sustained]
        got_step = max(sustained, default=None)
        if got_step != want_step:
            out.append(f"highest sustained step {got_step} measured, {want_step} true "
                       f"(truth steps {truth['capacity']['steps']})")
    return out
