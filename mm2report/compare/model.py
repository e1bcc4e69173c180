"""Compare two analysed campaigns: every KPI of the technical sheet and the SLA report, A (the
reference), B, B − A with its interval and whether it is significant; the regressions; the
ACT-003 criteria (:mod:`.params`) as PASS / FAIL / INCONCLUSIVE verdicts.

A difference is *significant* when its interval excludes 0. Where what a run stores gives no
interval (one event of a kind per campaign, an availability that is the outcome of the faults
injected, a maximum), the difference is shown with ``ci=None`` and the reason, never called
significant: the comparison says "no interval" rather than invent one.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from .. import verdicts as V
from ..analyses.core import Kpi, window
from ..evaluate import STEADY_PHASES
from ..verdicts import Status, Verdict
from . import stats as S
from .params import CompareCriteria

if TYPE_CHECKING:
    from ..evaluate import CampaignAnalysis, PhaseAnalysis

SIGNIFICANT_BETTER, SIGNIFICANT_WORSE = "better", "worse"
NO_DIFFERENCE, NO_INTERVAL, NOT_MEASURED = "no_difference", "no_interval", "not_measured"


@dataclass(frozen=True)
class Difference:
    key: str  # stable id, e.g. "capacity.step.3", "latency.nominal.p99", "rebalance.worker_stop"
    group: str  # capacity | latency | times | availability | incidents | other
    label: str  # i18n key of the line's name
    args: tuple[tuple[str, float | str | None], ...]
    unit: str
    a: float | None
    b: float | None
    ci: tuple[float, float] | None  # of b - a (a ratio's interval for method "poisson")
    better: str  # "higher" or "lower": the direction of an improvement ("" when neither)
    method: str  # fit | bootstrap-mean | block-bootstrap | welch | poisson | none
    reason: str = ""  # why there is no interval (English; i18n key in reason_key)
    reason_key: str = ""
    completeness: float = 1.0
    detail: tuple[tuple[str, float | str | bool | None], ...] = ()

    @property
    def diff(self) -> float | None:
        return None if self.a is None or self.b is None else self.b - self.a

    @property
    def relative(self) -> float | None:
        if self.diff is None or not self.a:
            return None
        return self.diff / abs(self.a)

    @property
    def significant(self) -> bool | None:
        """True when the interval excludes 0 (for a rate ratio, 1); None without one."""
        if self.ci is None or self.diff is None:
            return None
        null = 1.0 if self.method == "poisson" else 0.0
        return bool(self.ci[0] > null or self.ci[1] < null)

    @property
    def outcome(self) -> str:
        if self.a is None or self.b is None:
            return NOT_MEASURED
        if self.significant is None:
            return NO_INTERVAL
        if not self.significant:
            return NO_DIFFERENCE
        up = self.ci[0] > (1.0 if self.method == "poisson" else 0.0)
        if not self.better:
            return SIGNIFICANT_BETTER if up else SIGNIFICANT_WORSE  # unreachable in practice
        return SIGNIFICANT_BETTER if up == (self.better == "higher") else SIGNIFICANT_WORSE


@dataclass(frozen=True)
class Regression:
    id: str  # criterion or SLA id
    kind: str  # "criterion" | "sla"
    title: str
    a: Status
    b: Status


@dataclass(frozen=True)
class Comparison:
    a_label: str
    b_label: str
    a_campaign: str
    b_campaign: str
    criteria: CompareCriteria
    differences: tuple[Difference, ...]
    regressions: tuple[Regression, ...]
    unchanged_lines: int  # criteria and SLA lines PASS in both
    verdicts: tuple[Verdict, ...]  # the ACT-003 criteria
    overall: Verdict
    curves: dict = field(default_factory=dict, repr=False)  # before/after plot data

    def group(self, name: str) -> tuple[Difference, ...]:
        return tuple(d for d in self.differences if d.group == name)

    @property
    def significant(self) -> tuple[Difference, ...]:
        return tuple(d for d in self.differences if d.significant)


# --------------------------------------------------------------------------------------------
# Capacity
# --------------------------------------------------------------------------------------------


def _kpi_diff(key, group, label, args, a: Kpi, b: Kpi, z, method, better="higher",
              unit=None, no_ci="", no_ci_key="cmp.why.no_ci") -> Difference:
    unit = unit or a.unit or b.unit
    av = a.value if a.known else None
    bv = b.value if b.known else None
    ci = None
    reason, reason_key = "", ""
    if av is not None and bv is not None:
        ci = S.normal_difference(av, a.ci, bv, b.ci, z) if method != "none" else None
        if ci is None:
            reason, reason_key = no_ci or "no interval stored for this figure", no_ci_key
    else:
        why = "; ".join((a.notes if av is None else b.notes)[:1]) or "not measured"
        reason, reason_key = why, "cmp.why.not_measured"
    return Difference(key, group, label, tuple(args), unit, av, bv, ci, better, method, reason,
                      reason_key, min(a.completeness, b.completeness))


def step_readings(p: "PhaseAnalysis", step) -> np.ndarray:
    """The replicated-rate readings a capacity step's mean was computed from (its analysed
    window), from the timeline that ``results.json`` keeps."""
    frame = p.timeline.frame
    if frame.empty:
        return np.array([])
    return window(frame["replicated_rate"].astype("float64"), step.analysed_from,
                  step.analysed_to).to_numpy()


def _step_diff(key, label, args, pa, x, pb, y, crit, detail=()) -> Difference:
    a, b = x.replicated, y.replicated
    av, bv = (a.value if a.known else None), (b.value if b.known else None)
    ci, reason, rkey = None, "", ""
    if av is None or bv is None:
        reason = "; ".join((a.notes if av is None else b.notes)[:1]) or "not measured"
        rkey = "cmp.why.not_measured"
    else:
        ci = S.mean_difference(step_readings(pa, x), step_readings(pb, y), crit.confidence)
        if ci is None:
            reason, rkey = f"fewer than {2 * S.BATCHES} readings", "cmp.why.few"
    return Difference(key, "capacity", label, tuple(args), "records/s", av, bv, ci, "higher",
                      "batch-means" if ci is not None else "none", reason, rkey,
                      min(a.completeness, b.completeness), tuple(detail))


def pair_steps(sa, sb) -> list:
    """Steps of A and B paired by nominal rate (within 1 %) when both campaigns give one, else
    in order; a step of A without its twin in B is left out (nothing to compare it with)."""
    if all(s.nominal_rate for s in sa) and all(s.nominal_rate for s in sb):
        pairs, used = [], set()
        for x in sa:
            y = next((j for j, s in enumerate(sb) if j not in used
                      and abs(s.nominal_rate - x.nominal_rate) <= 0.01 * x.nominal_rate), None)
            if y is not None:
                used.add(y)
                pairs.append((x, sb[y]))
        return pairs
    return list(zip(sa, sb))


def _capacity(a: "CampaignAnalysis", b: "CampaignAnalysis", crit: CompareCriteria) -> list[Difference]:
    ca, cb = a.phases.get("capacity"), b.phases.get("capacity")
    if ca is None or cb is None or ca.capacity is None or cb.capacity is None:
        return []
    out = []
    for i, (x, y) in enumerate(pair_steps(ca.capacity.steps, cb.capacity.steps), start=1):
        rate = x.nominal_rate if x.nominal_rate is not None else x.offered.value
        out.append(_step_diff(f"capacity.step.{i}", "cmp.step", (("n", i), ("rate", rate)),
                              ca, x, cb, y, crit,
                              (("sustained_a", x.sustained), ("sustained_b", y.sustained))))
    best = [max((s for s in cap.steps if s.sustained), key=lambda s: s.replicated.value,
                default=None) for cap in (ca.capacity, cb.capacity)]
    if all(s is not None for s in best):
        out.append(_step_diff("capacity.max_tested", "l.max_tested", (), ca, best[0], cb, best[1],
                              crit))
    else:
        out.append(_kpi_diff("capacity.max_tested", "capacity", "l.max_tested", (),
                             ca.capacity.max_tested, cb.capacity.max_tested, crit.z, "none"))
    out.append(_kpi_diff("capacity.ceiling", "capacity", "cmp.ceiling", (), ca.capacity.ceiling,
                         cb.capacity.ceiling, crit.z, "fit"))
    return out


# --------------------------------------------------------------------------------------------
# Latency
# --------------------------------------------------------------------------------------------


def latency_readings(p: "PhaseAnalysis") -> tuple[np.ndarray, np.ndarray]:
    """The per-scrape latency maxima of a phase and their weights (records replicated in the
    step), as :func:`mm2report.analyses.latency.latency_stats` weighs them, from the
    timeline that ``results.json`` keeps."""
    frame = p.timeline.frame
    if frame.empty or "latency_max_ms" not in frame:
        return np.array([]), np.array([])
    lat = frame["latency_max_ms"].astype("float64")
    known = lat.notna().to_numpy()
    values = lat.to_numpy()[known]
    weights = frame["replicated_rate"].astype("float64").fillna(0).clip(lower=0).to_numpy()[known]
    if weights.sum() <= 0:
        weights = np.ones(len(values))
    return values, weights


def few_readings(n: int, q: float) -> str:
    need = math.ceil(S.MIN_TAIL / min(q, 1 - q))
    return (f"{n} readings: an interval of p{q * 100:g} needs {need:,} "
            f"({S.MIN_TAIL} beyond it)")


def _latency(a: "CampaignAnalysis", b: "CampaignAnalysis", crit: CompareCriteria,
             **kw) -> list[Difference]:
    out = []
    for name in a.phases:
        if name not in b.phases or name not in STEADY_PHASES:
            continue
        pa, pb = a.phases[name], b.phases[name]
        va, wa = latency_readings(pa)
        vb, wb = latency_readings(pb)
        comp = min(pa.latency.percentiles["p99"].completeness,
                   pb.latency.percentiles["p99"].completeness)
        for key, q in (("p50", 0.5), ("p99", 0.99)):
            if not len(va) or not len(vb):
                out.append(Difference(f"latency.{name}.{key}", "latency", f"cmp.latency_{key}",
                                      (("phase", name),), "ms", None, None, None, "lower", "none",
                                      "no latency reading", "cmp.why.not_measured", comp))
                continue
            xa, xb, ci = S.percentile_difference(va, wa, vb, wb, q, crit.confidence, **kw)
            out.append(Difference(
                f"latency.{name}.{key}", "latency", f"cmp.latency_{key}", (("phase", name),), "ms",
                xa, xb, ci, "lower", "block-bootstrap",
                "" if ci is not None else few_readings(min(len(va), len(vb)), q),
                "" if ci is not None else "cmp.why.few_quantile", comp,
                (("readings_a", float(len(va))), ("readings_b", float(len(vb))))))
    # figures without an interval: the baseline (a median of averages) and the highest reading
    for key, label, ka, kb in (("latency.baseline", "l.baseline", a.latency_baseline,
                                b.latency_baseline),
                               ("latency.max_under_load", "d.latency_max_load",
                                a.latency_max_under_load, b.latency_max_under_load)):
        d = _kpi_diff(key, "latency", label, (), ka, kb, 0.0, "none", "lower",
                      no_ci="a single reading (a maximum) or a median of averages: no interval",
                      no_ci_key="cmp.why.extreme")
        out.append(d)
    return out


# --------------------------------------------------------------------------------------------
# Event times, availability, incidents
# --------------------------------------------------------------------------------------------


def _times(a: "CampaignAnalysis", b: "CampaignAnalysis", crit: CompareCriteria) -> list[Difference]:
    def collect(x: "CampaignAnalysis"):
        got: dict[tuple[str, str], list[float]] = defaultdict(list)
        for p in x.phases.values():
            for r in p.rebalances:
                if r.trigger == "event" and r.span.known:
                    got[("rebalance", r.kind)].append(r.span.value)
            for br in p.bursts:
                if br.recovery.known:
                    got[("burst", "burst")].append(br.recovery.value)
        for i in x.incidents:
            if i.event is not None and i.phase == "resilience":
                got[("restore", i.event.kind)].append(i.duration_s)
        return got

    ga, gb = collect(a), collect(b)
    out = []
    for (what, kind) in sorted(set(ga) | set(gb)):
        xa, xb = ga.get((what, kind), []), gb.get((what, kind), [])
        ci = S.welch_difference(xa, xb, crit.confidence)
        if not xa or not xb:
            reason, rkey = "not observed in both campaigns", "cmp.why.not_measured"
        elif ci is None:
            reason, rkey = ("one event of this kind per campaign, or no spread between "
                            "them: nothing to measure a spread on (each time is exact to one "
                            "scrape step)"), "cmp.why.one_event"
        else:
            reason, rkey = "", ""
        out.append(Difference(f"{what}.{kind}", "times", f"cmp.{what}", (("kind", kind),
                                                                          ("n_a", len(xa)),
                                                                          ("n_b", len(xb))),
                              "s", float(np.mean(xa)) if xa else None,
                              float(np.mean(xb)) if xb else None, ci, "lower",
                              "welch" if ci is not None else "none", reason, rkey))
    for key, label, ka, kb in (("restore.mttr", "l.mttr", a.restore.mttr, b.restore.mttr),
                               ("restore.rto", "l.rto", a.restore.rto, b.restore.rto),
                               ("restore.rpo", "l.rpo", a.restore.rpo_seconds,
                                b.restore.rpo_seconds)):
        out.append(_kpi_diff(key, "times", label, (), ka, kb, 0.0, "none", "lower", "s",
                             no_ci="the faults are injected: their times have no sampling "
                                   "distribution within one campaign",
                             no_ci_key="cmp.why.injected_times"))
    return out


def _availability(a: "CampaignAnalysis", b: "CampaignAnalysis",
                  crit: CompareCriteria) -> list[Difference]:
    why = ("availability is the outcome of the faults injected, not a sample: one campaign "
           "gives no interval")
    out = [_kpi_diff("availability.optimistic", "availability", "l.availability",
                     (), a.availability.optimistic, b.availability.optimistic, 0.0, "none",
                     "higher", "%", no_ci=why, no_ci_key="cmp.why.outcome")]
    down_a = Kpi("downtime", a.availability.down_s, "s", completeness=a.availability.optimistic.completeness)
    down_b = Kpi("downtime", b.availability.down_s, "s", completeness=b.availability.optimistic.completeness)
    out.append(_kpi_diff("availability.downtime", "availability", "cmp.downtime", (), down_a,
                         down_b, 0.0, "none", "lower", "s", no_ci=why,
                         no_ci_key="cmp.why.outcome"))
    # incidents: injected ones counted per event kind (no interval), natural ones as rates
    count = lambda x, kind: sum(1 for i in x.incidents if (i.event.kind if i.event else None) == kind)
    kinds = sorted({i.event.kind for x in (a, b) for i in x.incidents if i.event is not None})
    for kind in kinds:
        out.append(Difference(f"incidents.{kind}", "incidents", "cmp.incidents", (("kind", kind),),
                              "", float(count(a, kind)), float(count(b, kind)), None, "lower",
                              "none", "incidents of an injected fault: counted, not sampled",
                              "cmp.why.injected"))
    ka, kb = count(a, None), count(b, None)
    ta = (a.availability.total_s - a.availability.unknown_s) / 3600
    tb = (b.availability.total_s - b.availability.unknown_s) / 3600
    ci = S.poisson_ratio(ka, ta, kb, tb, crit.confidence)
    out.append(Difference("incidents.natural", "incidents", "cmp.natural", (), "",
                          float(ka), float(kb), ci, "lower", "poisson" if ci else "none",
                          "" if ci else "no natural incident in either campaign",
                          "" if ci else "cmp.why.none",
                          detail=(("hours_a", ta), ("hours_b", tb))))
    return out


def _other(a: "CampaignAnalysis", b: "CampaignAnalysis") -> list[Difference]:
    """The remaining lines of the technical sheet and the SLA report: none has an interval a
    campaign can give (a maximum, a projection bounded by scenarios rather than sampled, a
    date, the deployment's own size)."""
    out = []
    ca, cb = a.phases.get("capacity"), b.phases.get("capacity")
    if ca is not None and cb is not None and ca.capacity is not None and cb.capacity is not None:
        out.append(_kpi_diff("capacity.recommended", "other", "l.recommended", (),
                             ca.capacity.recommended, cb.capacity.recommended, 0.0, "none",
                             "higher", no_ci="a fixed share of the max tested capacity (see it)",
                             no_ci_key="cmp.why.share"))
    rows = (("projection.availability", "cmp.projected", a.projection.availability_pct,
             b.projection.availability_pct, "higher", "cmp.why.projection",
             "a projection bounded by fault scenarios, not a sampling interval"),
            ("sla.lag_max", "cmp.lag_max", a.steady_lag_max, b.steady_lag_max, "lower",
             "cmp.why.maximum", "a single highest reading: no interval"),
            ("sla.certificates", "cmp.certificates", a.certificates.days_left,
             b.certificates.days_left, "higher", "cmp.why.date", "a date, not a measurement"),
            ("config.workers", "cmp.workers", a.workers, b.workers, "", "cmp.why.config",
             "the deployment's size"),
            ("config.tasks", "cmp.tasks", a.expected_tasks, b.expected_tasks, "", "cmp.why.config",
             "the deployment's size"))
    for key, label, ka, kb, better, why, text in rows:
        out.append(_kpi_diff(key, "other", label, (), ka, kb, 0.0, "none", better,
                             no_ci=text, no_ci_key=why))
    return out


# --------------------------------------------------------------------------------------------
# Regressions and the ACT-003 verdicts
# --------------------------------------------------------------------------------------------


def regressions(a: "CampaignAnalysis", b: "CampaignAnalysis") -> tuple[tuple[Regression, ...], int]:
    out, same = [], 0
    for kind, la, lb in (("criterion", a.criteria, b.criteria), ("sla", a.sla, b.sla)):
        byb = {v.id: v for v in lb}
        for v in la:
            if v.status is not Status.PASS:
                continue
            w = byb.get(v.id)
            status_b = w.status if w is not None else Status.INCONCLUSIVE
            if status_b is Status.PASS:
                same += 1
            else:
                out.append(Regression(v.id, kind, v.title, v.status, status_b))
    return tuple(out), same


def _pct(x: float) -> str:
    """``+25.0``, ``-3.2``, ``0.0`` (never ``-0.0``)."""
    text = f"{x:+.1f}"
    return "0.0" if float(text) == 0 else text


def _throughput_verdict(diffs: dict[str, Difference], a, b, crit: CompareCriteria) -> Verdict:
    target = 1 + crit.throughput_gain_pct / 100
    title = f"throughput up by more than {crit.throughput_gain_pct:g} %"
    threshold = f"> +{crit.throughput_gain_pct:g} %"
    ceiling = diffs.get("capacity.ceiling")
    best = diffs.get("capacity.max_tested")
    if ceiling is None:
        return V.fact("act003-throughput", title, Status.INCONCLUSIVE,
                      "no capacity phase in both campaigns", threshold=threshold,
                      key="cmp.v.no_capacity", completeness=0.0)
    comp = ceiling.completeness
    ca = a.phases["capacity"].capacity.ceiling
    cb = b.phases["capacity"].capacity.ceiling
    if ca.known and cb.known:
        r = S.ratio_interval(ca.value, ca.ci, cb.value, cb.ci, crit.z)
        value = 100 * (cb.value / ca.value - 1)
        if r is None:
            return V.fact("act003-throughput", title, Status.INCONCLUSIVE,
                          "the ceilings have no interval", value=value, unit="%",
                          threshold=threshold, key="cmp.v.no_ci", completeness=comp)
        lo, hi = 100 * (r[0] - 1), 100 * (r[1] - 1)
        args = dict(value=value, unit="%", threshold=threshold, completeness=comp, lo=lo, hi=hi)
        if r[1] < target:
            return V.fact("act003-throughput", title, Status.FAIL,
                          f"ceiling {_pct(value)} % [{_pct(lo)} ; {_pct(hi)}]: below the target",
                          key="cmp.v.tp_fail", **args)
        if r[0] > target and comp >= 1.0:
            return V.fact("act003-throughput", title, Status.PASS,
                          f"ceiling {_pct(value)} % [{_pct(lo)} ; {_pct(hi)}]: above the target",
                          key="cmp.v.tp_pass", **args)
        why = ("measured on partial data" if r[0] > target else
               "the interval straddles the target")
        return V.fact("act003-throughput", title, Status.INCONCLUSIVE,
                      f"ceiling {_pct(value)} % [{_pct(lo)} ; {_pct(hi)}]: {why}",
                      key="cmp.v.tp_unsure", **args)
    if ca.known and not cb.known and best is not None and best.b is not None:
        # B was never saturated: its capacity is at least its best sustained step
        pb = b.phases["capacity"]
        top = max((s for s in pb.capacity.steps if s.sustained), key=lambda s: s.replicated.value)
        ci_b = S.mean_interval(step_readings(pb, top), crit.confidence)
        lo_b = ci_b[0] if ci_b is not None else None
        if lo_b is not None and ca.ci is not None:
            bound = 100 * (lo_b / ca.ci[1] - 1)
            if bound > crit.throughput_gain_pct and comp >= 1.0:
                return V.fact("act003-throughput", title, Status.PASS,
                              f"B never saturated: at least {bound:+.1f} % over A's ceiling",
                              value=bound, unit="%", threshold=threshold, key="cmp.v.tp_bound",
                              completeness=comp, lo=bound)
    # each side's note (English, from the analyses) as data: the document words it
    why_a = ca.notes[0] if not ca.known and ca.notes else ""
    why_b = cb.notes[0] if not cb.known and cb.notes else ""
    why = "; ".join(filter(None, [why_a and f"A: {why_a}", why_b and f"B: {why_b}"]))
    return V.fact("act003-throughput", title, Status.INCONCLUSIVE,
                  f"no saturation ceiling to compare ({why})", threshold=threshold,
                  key="cmp.v.tp_no_ceiling", completeness=comp, why=why, why_a=why_a,
                  why_b=why_b)


def _latency_verdict(diffs: list[Difference], crit: CompareCriteria) -> Verdict | None:
    if crit.latency_p99 == "ignore":
        return None
    lower = crit.latency_p99 == "lower"
    title = "latency p99 lower" if lower else "latency p99 not higher"
    threshold = "B − A < 0 ms" if lower else "B − A ≤ 0 ms"
    p99 = [d for d in diffs if d.group == "latency" and d.key.endswith(".p99")]
    # the latency phase is the one designed to measure it (criterion 3, the technical sheet);
    # without it in both campaigns, every steady-load phase they share
    designed = [d for d in p99 if d.key == "latency.latency.p99"]
    p99 = designed or p99
    parts = []
    for d in p99:
        phase = dict(d.args)["phase"]
        args = dict(value=d.diff, unit="ms", threshold=threshold, phase=phase,
                    completeness=d.completeness)
        if d.ci is None:
            parts.append(V.fact(f"act003-p99-{phase}", title, Status.INCONCLUSIVE,
                                f"{phase}: {d.reason or 'no interval'}", key="cmp.v.p99_none",
                                **{**args, "value": d.diff}))
        elif d.ci[0] > 0:
            parts.append(V.fact(f"act003-p99-{phase}", title, Status.FAIL,
                                f"{phase}: p99 higher by {d.diff:,.0f} ms "
                                f"[{d.ci[0]:,.0f} ; {d.ci[1]:,.0f}]", key="cmp.v.p99_higher",
                                lo=d.ci[0], hi=d.ci[1], **args))
        elif (d.ci[1] < 0 if lower else True) and d.completeness >= 1.0:
            parts.append(V.fact(f"act003-p99-{phase}", title, Status.PASS,
                                f"{phase}: p99 {d.diff:+,.0f} ms [{d.ci[0]:,.0f} ; {d.ci[1]:,.0f}]",
                                key="cmp.v.p99_pass", lo=d.ci[0], hi=d.ci[1], **args))
        else:
            why = "measured on partial data" if d.ci[1] < 0 else "no significant difference"
            parts.append(V.fact(f"act003-p99-{phase}", title, Status.INCONCLUSIVE,
                                f"{phase}: p99 {d.diff:+,.0f} ms [{d.ci[0]:,.0f} ; "
                                f"{d.ci[1]:,.0f}]: {why}", key="cmp.v.p99_unsure",
                                lo=d.ci[0], hi=d.ci[1], **args))
    if not parts:
        return V.fact("act003-p99", title, Status.INCONCLUSIVE,
                      "no steady-load phase in both campaigns", threshold=threshold,
                      key="cmp.v.no_latency", completeness=0.0)
    return V.combine("act003-p99", title, parts, threshold=threshold)


def _regression_verdict(found: tuple[Regression, ...], same: int,
                        crit: CompareCriteria) -> Verdict | None:
    if not crit.no_regression:
        return None
    title = "no functional regression"
    failed = [r for r in found if r.b is Status.FAIL]
    unsure = [r for r in found if r.b is not Status.FAIL]
    names = lambda rs: ", ".join(r.id for r in rs)
    if failed:
        return V.fact("act003-regression", title, Status.FAIL,
                      f"PASS in A, FAIL in B: {names(failed)}", value=float(len(found)),
                      threshold="0", key="cmp.v.reg_fail", completeness=1.0, ids=names(failed))
    if unsure:
        return V.fact("act003-regression", title, Status.INCONCLUSIVE,
                      f"PASS in A, not judged in B: {names(unsure)}", value=float(len(found)),
                      threshold="0", key="cmp.v.reg_unsure", completeness=1.0, ids=names(unsure))
    if same == 0:
        return V.fact("act003-regression", title, Status.INCONCLUSIVE,
                      "no criterion or SLA line passes in A: nothing to keep", threshold="0",
                      key="cmp.v.reg_nothing", completeness=0.0)
    return V.fact("act003-regression", title, Status.PASS,
                  f"all {same} lines that pass in A pass in B", value=0.0, threshold="0",
                  key="cmp.v.reg_pass", completeness=1.0, n=float(same))


# --------------------------------------------------------------------------------------------
# Entry point
# --------------------------------------------------------------------------------------------


def compare_analyses(a: "CampaignAnalysis", b: "CampaignAnalysis",
                     criteria: CompareCriteria | None = None, *, a_label: str = "A",
                     b_label: str = "B", **kw) -> Comparison:
    """Compare ``b`` with the reference ``a`` (both combined campaign analyses)."""
    crit = criteria or CompareCriteria()
    diffs = (_capacity(a, b, crit) + _latency(a, b, crit, **kw) + _times(a, b, crit)
             + _availability(a, b, crit) + _other(a, b))
    found, same = regressions(a, b)
    by_key = {d.key: d for d in diffs}
    verdicts = [v for v in (_throughput_verdict(by_key, a, b, crit), _latency_verdict(diffs, crit),
                            _regression_verdict(found, same, crit)) if v is not None]
    overall = V.combine("act003", "ACT-003 success criteria", verdicts)
    return Comparison(a_label, b_label, a.campaign, b.campaign, crit, tuple(diffs), found, same,
                      tuple(verdicts), overall, _curves(a, b))


def _curves(a: "CampaignAnalysis", b: "CampaignAnalysis") -> dict:
    """Data of the before/after plots: the capacity curves and the steady-phase latency
    readings of each side."""
    out: dict = {}
    for side, x in (("a", a), ("b", b)):
        cap = x.phases.get("capacity")
        out[f"capacity_{side}"] = cap.capacity.curve if cap is not None and cap.capacity else None
        out[f"ceiling_{side}"] = cap.capacity.ceiling if cap is not None and cap.capacity else None
        out[f"steps_{side}"] = ([S.mean_interval(step_readings(cap, s), 0.95)
                                 for s in cap.capacity.steps]
                                if cap is not None and cap.capacity else None)
        out[f"latency_{side}"] = {n: latency_readings(p) for n, p in x.phases.items()
                                  if n in STEADY_PHASES}
    return out


def compare(a, b, criteria: CompareCriteria | None = None, *, params_a=None,
            params_b=None) -> Comparison:
    """Compare two runs or campaign files (see :func:`.sides.load_side`)."""
    from .sides import load_side

    sa = load_side(a, params_a, which="A")
    sb = load_side(b, params_b, which="B")
    return compare_analyses(sa.analysis, sb.analysis, criteria, a_label=sa.label,
                            b_label=sb.label)


__all__ = ["Comparison", "Difference", "Regression", "compare", "compare_analyses",
           "latency_readings", "regressions"]


def to_dict(c: Comparison) -> dict:
    """The comparison as plain JSON (the plot data left out), with every difference's derived
    figures spelled out."""
    from ..analyses.core import to_jsonable

    return {
        "kind": "mm2report.comparison", "schema_version": 1,
        "a": c.a_label, "b": c.b_label, "a_campaign": c.a_campaign, "b_campaign": c.b_campaign,
        "criteria": c.criteria.model_dump(mode="json"),
        "differences": [{**to_jsonable(d), "diff": d.diff, "relative": d.relative,
                         "significant": d.significant, "outcome": d.outcome}
                        for d in c.differences],
        "regressions": to_jsonable(c.regressions), "unchanged_lines": c.unchanged_lines,
        "verdicts": to_jsonable(c.verdicts), "overall": to_jsonable(c.overall),
    }


def summary(c: Comparison) -> str:
    """Plain-text summary for the terminal (English)."""
    def q(x, unit):
        if x is None:
            return "—"
        return f"{x:,.1f} {unit}".strip() if abs(x) < 100 else f"{x:,.0f} {unit}".strip()

    lines = [f"A (reference): {c.a_label}", f"B: {c.b_label}",
             f"confidence {c.criteria.confidence:.0%}; significant = the interval of B − A "
             "excludes 0", ""]
    for d in c.differences:
        name = d.key
        if d.ci is None:
            ci = "no interval" + (f" ({d.reason})" if d.reason else "")
        elif d.method == "poisson":
            ci = f"rate ratio [{d.ci[0]:.2f} ; {d.ci[1]:.2f}]"
        else:
            ci = f"[{d.ci[0]:+,.1f} ; {d.ci[1]:+,.1f}]"
        diff = "—" if d.diff is None else f"{d.diff:+,.1f}"
        lines.append(f"  {name:34s} A {q(d.a, d.unit):>16s}  B {q(d.b, d.unit):>16s}  "
                     f"B−A {diff:>10s}  {ci}  → {d.outcome.replace('_', ' ')}")
    lines.append("")
    if c.regressions:
        lines.append("regressions (PASS in A, not in B): " + ", ".join(
            f"{r.id} ({r.a.value} → {r.b.value})" for r in c.regressions))
    else:
        lines.append(f"regressions: none ({c.unchanged_lines} lines pass in both)")
    lines.append("")
    for v in c.verdicts:
        lines.append(f"{v.status.value:12s} {v.title}: {v.reason}")
    lines.append(f"ACT-003: {c.overall.status.value}")
    return "\n".join(lines)
