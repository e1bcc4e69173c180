"""Fail-safe verdicts: PASS, FAIL or INCONCLUSIVE, each with value, threshold, evidence, reason.

Rules that hold for every verdict here:

* a value that could not be measured gives INCONCLUSIVE, never PASS;
* a value measured on partial data can FAIL (a breach seen is a breach) but never PASS;
* the production decision is GO only when all ten GO/NOGO criteria of the checklist pass;
  INCONCLUSIVE is never GO.

GO/NOGO criteria (seed 000, "Critères GO/NOGO Finaux"), as measured:

1. smoke test: the smoke phase was never DOWN, every step is known, no record lost, lag within
   its threshold;
2. nominal load stable: as 1, plus the stability rules of :mod:`mm2report.analyses.stability`;
3. latency p99 under the SLO (latency phase): the upper bound of p99 under the SLO passes; when
   it is not, the probe's true p99 decides if there is a probe, else it is INCONCLUSIVE (an upper
   bound above the SLO does not show the true p99 is);
4. max capacity documented: at least one load step sustained (capacity phase);
5. 24 h soak stable: as 2 on the soak, INCONCLUSIVE when the soak is shorter than required;
6. resilience validated: every incident of the resilience phase restored in less than the RTO, no
   record lost, every step known;
7. error behaviours documented: every error scenario observed (task state, errors counted,
   recovery) and no record lost;
8. zero message lost over all phases: every partition's offsets complete at every phase bound,
   the exporters' readings complete through every phase (a gap could hide an offset reset), and
   no loss anywhere (nor in the probe's loss counter);
9. alerts configured and tested: the expected alert rules loaded and healthy in Prometheus
   (``/api/v1/rules``; without access to the rules, the manual item ``prometheus_alerts``),
   **and** every injected fault detected by a rule of the pack within
   ``alerts.detection_bound`` (:mod:`mm2report.alerting.detection`): a fault no rule detects
   in time fails it, named; evaluations missing or the state unknown around an undetected
   fault make it INCONCLUSIVE;
10. rollback tested: the manual item ``rollback_tested``.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass, replace
from enum import Enum
from typing import TYPE_CHECKING, Callable, Iterable, Sequence

from .analyses.core import Evidence, Kpi

if TYPE_CHECKING:
    from .evaluate import CampaignAnalysis, PhaseAnalysis
    from .params import Campaign


class Status(str, Enum):
    PASS = "PASS"
    FAIL = "FAIL"
    INCONCLUSIVE = "INCONCLUSIVE"


#: A GO/NOGO criterion's verdict in the decision's words (the documents' English; French is in
#: the message catalogue). SLA lines keep PASS / FAIL / INCONCLUSIVE.
GO_WORDS: dict[Status, str] = {Status.PASS: "GO", Status.FAIL: "NOGO",
                               Status.INCONCLUSIVE: "INCONCLUSIVE"}


def decision_word(go: bool) -> str:
    return "GO" if go else "NOGO"


@dataclass(frozen=True)
class Verdict:
    id: str
    title: str
    status: Status
    value: float | str | None
    unit: str
    threshold: str
    reason: str
    evidence: tuple[Evidence, ...] = ()
    phase: str | None = None
    # The reason as data, for reports in other languages (mm2report.documents.i18n.Texts.reason): a
    # message key with its arguments, and for a combined verdict the parts it was judged from
    # (their evidence is the parent's).
    key: str = ""
    args: tuple[tuple[str, float | str | None], ...] = ()
    parts: tuple["Verdict", ...] = ()
    # Share of the data the verdict rests on that was there and valid (1.0: all of it; None:
    # nothing measured, e.g. a manual item). A verdict below 1.0 can FAIL, never PASS.
    completeness: float | None = None

    @property
    def go(self) -> bool:
        return self.status is Status.PASS


_OPS: dict[str, Callable[[float, float], bool]] = {
    "<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge, "==": operator.eq,
}


def _number(x: float) -> str:
    """A threshold in full (1000000, 99.9886, 0.5): never an exponent, never rounded."""
    return str(int(x)) if float(x).is_integer() else repr(float(x))


def compare(id: str, title: str, kpi: Kpi, op: str, limit: float, *, unit: str | None = None,
            phase: str | None = None, scale: float = 1.0, shown_unit: str | None = None) -> Verdict:
    """Verdict of ``kpi.value * scale  op  limit``, fail-safe on missing or partial data."""
    unit = shown_unit or unit or kpi.unit
    threshold = f"{op} {_number(limit)} {unit}".strip()
    args = (("op", op), ("limit", float(limit)), ("unit", unit))
    if not kpi.known:
        why = "; ".join(kpi.notes) or "no value"
        return Verdict(id, title, Status.INCONCLUSIVE, None, unit, threshold,
                       f"not measured: {why}", kpi.evidence, phase, "cmp.missing",
                       args + (("why", why),), completeness=float(kpi.completeness))
    value = kpi.value * scale
    ok = _OPS[op](value, limit)
    args += (("value", float(value)),)
    if not ok:
        return Verdict(id, title, Status.FAIL, value, unit, threshold,
                       f"{value:,.6g} {unit} does not satisfy {threshold}", kpi.evidence, phase,
                       "cmp.fail", args, completeness=float(kpi.completeness))
    if kpi.completeness < 1.0:
        return Verdict(id, title, Status.INCONCLUSIVE, value, unit, threshold,
                       f"measured on {kpi.completeness:.1%} of the readings only",
                       kpi.evidence, phase, "cmp.partial",
                       args + (("completeness", float(kpi.completeness)),),
                       completeness=float(kpi.completeness))
    return Verdict(id, title, Status.PASS, value, unit, threshold,
                   f"{value:,.6g} {unit} satisfies {threshold}", kpi.evidence, phase, "cmp.pass",
                   args, completeness=float(kpi.completeness))


def combine(id: str, title: str, parts: Sequence[Verdict], *, phase: str | None = None,
            value: float | str | None = None, unit: str = "", threshold: str = "") -> Verdict:
    """All parts must pass: any FAIL fails, else any INCONCLUSIVE is inconclusive."""
    evidence = tuple(e for p in parts for e in p.evidence)
    if not parts:
        return Verdict(id, title, Status.INCONCLUSIVE, value, unit, threshold, "nothing to judge",
                       evidence, phase, completeness=0.0)
    failed = [p for p in parts if p.status is Status.FAIL]
    unsure = [p for p in parts if p.status is Status.INCONCLUSIVE]
    if failed:
        status, reasons = Status.FAIL, failed
    elif unsure:
        status, reasons = Status.INCONCLUSIVE, unsure
    else:
        status, reasons = Status.PASS, parts
    reason = "; ".join(p.reason if p.reason.startswith(p.title) else f"{p.title}: {p.reason}"
                       for p in reasons)
    kept = tuple(replace(p, evidence=()) for p in parts)
    return Verdict(id, title, status, value, unit, threshold, reason, evidence, phase,
                   "combined", parts=kept, completeness=least(p.completeness for p in parts))


def least(values: Iterable[float | None]) -> float | None:
    """The lowest of the completeness values given (``None``: nothing measured)."""
    known = [v for v in values if v is not None]
    return min(known) if known else None


def fact(id: str, title: str, status: Status, reason: str, *, value=None, unit: str = "",
         threshold: str = "", evidence: Iterable[Evidence] = (), phase: str | None = None,
         key: str = "", completeness: float | None = None, **args) -> Verdict:
    """A judged fact; ``key`` and ``args`` state ``reason`` as data for other languages;
    ``completeness`` is that of the data it rests on (``None`` for a manual item)."""
    if status is Status.PASS and completeness is not None and completeness < 1.0:
        raise ValueError(f"{id}: a verdict on partial data ({completeness:.1%}) cannot PASS")
    if completeness is not None:
        completeness = float(completeness)
        args["completeness"] = completeness
    return Verdict(id, title, status, value, unit, threshold, reason, tuple(evidence), phase, key,
                   tuple(args.items()), completeness=completeness)


# --------------------------------------------------------------------------------------------
# Per-phase checks shared by several criteria
# --------------------------------------------------------------------------------------------


def _known_share(p: "PhaseAnalysis") -> float:
    """Share of the phase's steps whose state is known."""
    total = p.timeline.total_s
    return max(0.0, (total - p.availability.unknown_s) / total) if total > 0 else 0.0


def no_downtime(p: "PhaseAnalysis") -> Verdict:
    tl = p.timeline
    down = p.availability.down_s
    unknown = p.availability.unknown_s
    if down > 0:
        return fact(f"{p.name}-down", "no downtime", Status.FAIL,
                    f"{len(p.incidents)} incident(s), {down:,.0f} s DOWN", value=down, unit="s",
                    threshold="= 0 s", evidence=tl.evidence, phase=p.name, key="down.fail",
                    completeness=_known_share(p), n=float(len(p.incidents)), down=float(down))
    if unknown > 0 or tl.total_s == 0:
        return fact(f"{p.name}-down", "no downtime", Status.INCONCLUSIVE,
                    f"{unknown:,.0f} s without enough data to tell", value=None, unit="s",
                    threshold="= 0 s", evidence=tl.evidence, phase=p.name, key="down.unknown",
                    completeness=_known_share(p), unknown=float(unknown))
    return fact(f"{p.name}-down", "no downtime", Status.PASS, "never DOWN, every step known",
                value=0.0, unit="s", threshold="= 0 s", evidence=tl.evidence, phase=p.name,
                key="down.pass", completeness=_known_share(p))


def no_loss(p: "PhaseAnalysis") -> Verdict:
    loss = p.loss
    parts = [compare(f"{p.name}-loss", "no record lost", loss.lost, "==", 0, phase=p.name)]
    if loss.probe_lost is not None:
        parts.append(compare(f"{p.name}-probe-loss", "no probe record lost", loss.probe_lost,
                             "==", 0, phase=p.name))
    if p.exporter_completeness < 1.0:
        parts.append(fact(f"{p.name}-offsets-continuity", "offsets read through the phase",
                          Status.INCONCLUSIVE,
                          f"exporter readings {p.exporter_completeness:.1%} complete: a gap "
                          f"could hide an offset reset or a recreated topic", phase=p.name,
                          key="offsets.gap", completeness=float(p.exporter_completeness)))
    return combine(f"{p.name}-loss", "no record lost", parts, phase=p.name,
                   value=loss.lost.value, unit="records", threshold="= 0 records")


def loaded(p: "PhaseAnalysis") -> Verdict:
    """A phase that replicated nothing proves nothing."""
    produced = p.loss.produced
    if produced.known and produced.value > 0:
        return fact(f"{p.name}-load", "load applied", Status.PASS,
                    f"{produced.value:,.0f} records produced", value=produced.value,
                    unit="records", threshold="> 0 records", phase=p.name, key="load.pass",
                    completeness=1.0, n=float(produced.value))  # records seen are a proof
    return fact(f"{p.name}-load", "load applied", Status.INCONCLUSIVE,
                "no record produced during the phase (or offsets unknown)", unit="records",
                threshold="> 0 records", phase=p.name, key="load.none",
                completeness=produced.completeness)


def lag_within(p: "PhaseAnalysis", limit: float) -> Verdict:
    return compare(f"{p.name}-lag", "lag within threshold", p.lag_max, "<=", limit, phase=p.name)


# --------------------------------------------------------------------------------------------
# The ten criteria
# --------------------------------------------------------------------------------------------

CRITERIA = {
    "1": ("smoke", "Smoke test passed"),
    "2": ("nominal", "Nominal load stable"),
    "3": ("latency", "Latency p99 under the SLO"),
    "4": ("capacity", "Maximum capacity documented"),
    "5": ("soak", "24 h soak stable"),
    "6": ("resilience", "Resilience validated"),
    "7": ("errors", "Error behaviours documented"),
    "8": (None, "Zero message lost in all tests"),
    "9": (None, "Alerts configured"),
    "10": (None, "Rollback tested"),
}


def _absent(key: str) -> Verdict:
    phase, title = CRITERIA[key]
    return fact(key, title, Status.INCONCLUSIVE, f"phase {phase!r} not analysed", phase=phase,
                key="absent", name=phase)


def criteria(analysis: "CampaignAnalysis", campaign: "Campaign",
             rules: list[dict] | None = None) -> tuple[Verdict, ...]:
    th = campaign.thresholds
    ph = analysis.phases
    out = []

    def stable_phase(key: str) -> Verdict:
        name, title = CRITERIA[key]
        if name not in ph:
            return _absent(key)
        p = ph[name]
        parts = [loaded(p), no_downtime(p), no_loss(p), lag_within(p, th.lag_records)]
        if p.stability is not None:
            st = p.stability
            status = {True: Status.PASS, False: Status.FAIL, None: Status.INCONCLUSIVE}[st.stable]
            parts.append(fact(f"{name}-stability", "stability", status,
                              "; ".join(st.problems) or "steady throughput, bounded lag, no upward trend",
                              phase=name, key="stability.problems" if st.problems else "stability.ok",
                              completeness=_known_share(p) if st.stable is not None else 0.0,
                              problems="; ".join(st.problems)))
        return combine(key, title, parts, phase=name)

    out.append(stable_phase("1"))
    out.append(stable_phase("2"))
    out.append(_latency_criterion(ph.get("latency"), th.latency_p99_slo_ms))
    cap = ph.get("capacity")
    if cap is None or cap.capacity is None:
        out.append(_absent("4"))
    else:
        c = cap.capacity
        full = min((s.replicated.completeness if s.replicated.known else 0.0 for s in c.steps),
                   default=0.0)  # every step must be judged on complete readings
        if c.max_tested.known and full < 1.0:
            out.append(fact("4", CRITERIA["4"][1], Status.INCONCLUSIVE,
                            f"a load step's readings are only {full:.1%} complete",
                            value=c.max_tested.value, unit="records/s",
                            threshold="a sustained step", evidence=c.max_tested.evidence,
                            phase="capacity", key="cap.partial", completeness=float(full)))
        elif c.max_tested.known:
            out.append(fact("4", CRITERIA["4"][1], Status.PASS,
                            f"max tested capacity {c.max_tested.value:,.0f} records/s "
                            f"(recommended {c.recommended.value:,.0f})",
                            value=c.max_tested.value, unit="records/s",
                            threshold="a sustained step", evidence=c.max_tested.evidence, phase="capacity",
                            key="cap.pass", completeness=full, max=float(c.max_tested.value),
                            rec=float(c.recommended.value) if c.recommended.known else None))
        else:
            judged = c.steps and all(s.sustained is not None for s in c.steps)
            out.append(fact("4", CRITERIA["4"][1], Status.FAIL if judged else Status.INCONCLUSIVE,
                            "; ".join(c.max_tested.notes), unit="records/s",
                            threshold="a sustained step", evidence=c.max_tested.evidence,
                            phase="capacity", completeness=full))
    out.append(stable_phase("5"))
    out.append(_resilience(ph.get("resilience"), th))
    out.append(_errors(ph.get("errors")))
    out.append(_zero_loss(analysis))
    out.append(_criterion9(analysis, campaign, rules))
    out.append(_manual("10", "rollback_tested", campaign))
    return tuple(out)


def _latency_criterion(p: "PhaseAnalysis | None", slo: float) -> Verdict:
    title = CRITERIA["3"][1]
    if p is None:
        return _absent("3")
    upper = compare("3", title, p.latency.percentiles["p99"], "<", slo, phase="latency")
    if upper.status is not Status.FAIL:
        return upper
    probe = (p.latency.probe or {}).get("p99")
    if probe is not None and probe.known:
        v = compare("3", title, probe, "<", slo, phase="latency")
        return Verdict(v.id, v.title, v.status, v.value, v.unit, v.threshold,
                       f"probe's true p99: {v.reason} (the upper bound from maxima, "
                       f"{upper.value:,.0f} ms, is not)", v.evidence + upper.evidence, "latency",
                       key="lat.probe", args=(("upper", float(upper.value)),),
                       parts=(replace(v, evidence=()),), completeness=v.completeness)
    return Verdict("3", title, Status.INCONCLUSIVE, upper.value, upper.unit, upper.threshold,
                   f"the upper bound of p99 ({upper.value:,.0f} ms, from per-scrape maxima) is "
                   f"not under the SLO and no probe gives the true p99", upper.evidence, "latency",
                   key="lat.unbounded", args=(("upper", float(upper.value)),),
                   completeness=upper.completeness)


def _resilience(p: "PhaseAnalysis | None", th) -> Verdict:
    if p is None:
        return _absent("6")
    rto = th.rto.total_seconds()
    parts = []
    for i, inc in enumerate(p.incidents):
        what = inc.event.kind if inc.event else "unlinked"
        # an incident cut by missing readings lasted at least this long: it can fail, not pass
        k = Kpi("restore", inc.duration_s, "s", completeness=1.0 if inc.bounded else 0.0,
                evidence=p.timeline.evidence)
        v = compare(f"resilience-incident-{i + 1}", f"incident {i + 1} ({what}) restored within RTO",
                    k, "<", rto, phase="resilience")
        parts.append(v)
    unknown = p.availability.unknown_s
    parts.append(fact("resilience-known", "every step known",
                      Status.PASS if unknown == 0 and p.timeline.total_s > 0 else Status.INCONCLUSIVE,
                      f"{unknown:,.0f} s without enough data", phase="resilience",
                      key="known", completeness=_known_share(p), unknown=float(unknown)))
    parts.append(no_loss(p))
    worst = max((i.duration_s for i in p.incidents), default=0.0)
    return combine("6", CRITERIA["6"][1], parts, phase="resilience", value=worst, unit="s",
                   threshold=f"< {_number(rto)} s per incident")


def _errors(p: "PhaseAnalysis | None") -> Verdict:
    if p is None:
        return _absent("7")
    if not p.errors:
        return fact("7", CRITERIA["7"][1], Status.INCONCLUSIVE,
                    "no error scenario in the errors phase", phase="errors", key="errors.none")
    parts = []
    for i, e in enumerate(p.errors):
        name = f"scenario {i + 1} ({e.event.target or e.event.kind})"
        observed = (e.task_failed is not None and e.errors_counted.known
                    and e.errors_counted.completeness >= 1.0 and e.recovered is not None)
        parts.append(fact(f"errors-{i + 1}-observed", f"{name} observed",
                          Status.PASS if observed else Status.INCONCLUSIVE,
                          "task state, errors and recovery observed" if observed
                          else "task state, error count or recovery not observed", phase="errors",
                          key="errors.observed" if observed else "errors.unobserved",
                          completeness=e.errors_counted.completeness if observed else min(
                              e.errors_counted.completeness, p.timeline.completeness)))
        parts.append(compare(f"errors-{i + 1}-loss", f"{name}: no record lost", e.lost, "==", 0,
                             phase="errors"))
    parts.append(no_loss(p))
    return combine("7", CRITERIA["7"][1], parts, phase="errors")


def _zero_loss(analysis: "CampaignAnalysis") -> Verdict:
    if not analysis.phases:
        return _absent("8")
    parts = [no_loss(p) for p in analysis.phases.values()]
    total = sum(p.loss.lost.value or 0 for p in analysis.phases.values())
    v = combine("8", CRITERIA["8"][1], parts, value=total, unit="records",
                threshold="= 0 records")
    missing_phases = [n for n, _ in analysis.campaign_phases if n not in analysis.phases]
    if missing_phases and v.status is Status.PASS:
        return Verdict("8", v.title, Status.INCONCLUSIVE, v.value, v.unit, v.threshold,
                       f"phases not analysed: {', '.join(missing_phases)}", v.evidence,
                       key="phases.missing", args=(("phases", ", ".join(missing_phases)),),
                       completeness=v.completeness)
    return v


def _alerts(campaign: "Campaign", rules: list[dict] | None) -> Verdict:
    title = CRITERIA["9"][1]
    expected = list(campaign.alerts.expected_rules)
    if rules is not None and expected:
        loaded = {}
        for group in rules:
            for rule in group.get("rules", []):
                if rule.get("type", "alerting") == "alerting":  # the worst copy of a name counts
                    health = rule.get("health", "unknown")
                    previous = loaded.get(rule.get("name"), "ok")
                    rank = {"ok": 0, "unknown": 1, "err": 2}
                    loaded[rule.get("name")] = max(previous, health, key=lambda h: rank.get(h, 1))
        absent = [r for r in expected if r not in loaded]
        broken = [r for r in expected if r in loaded and loaded[r] == "err"]
        unevaluated = [r for r in expected if r in loaded and loaded[r] not in ("ok", "err")]
        good = len(expected) - len(absent) - len(broken) - len(unevaluated)
        value, threshold = f"{good}/{len(expected)}", "all expected rules loaded and healthy"
        why = "; ".join(x for x in (
            f"not loaded: {', '.join(absent)}" if absent else "",
            f"failing to evaluate: {', '.join(broken)}" if broken else "",
            f"not evaluated yet: {', '.join(unevaluated)}" if unevaluated else "") if x)
        lists = {"absent": ", ".join(absent), "broken": ", ".join(broken),
                 "unevaluated": ", ".join(unevaluated)}
        if absent or broken:
            return fact("9", title, Status.FAIL, why, value=value, threshold=threshold,
                        key="alerts.problems", **lists)
        if unevaluated:
            return fact("9", title, Status.INCONCLUSIVE, why, value=value, threshold=threshold,
                        key="alerts.problems", **lists)
        return fact("9", title, Status.PASS, f"{len(expected)} expected rule(s) loaded and healthy "
                    "(Prometheus /api/v1/rules)", value=value, threshold=threshold,
                    key="alerts.pass", n=float(len(expected)))
    manual = _manual("9", "prometheus_alerts", campaign)
    if rules is None and manual.status is Status.INCONCLUSIVE:
        return Verdict("9", title, manual.status, None, "", manual.threshold,
                       "the Prometheus rules API was not available and " + manual.reason,
                       key="alerts.noapi", parts=(manual,))
    if rules is not None and not expected:
        return Verdict("9", title, manual.status, manual.value, "", manual.threshold,
                       "no expected alert rules in the parameters; " + manual.reason,
                       key="alerts.noexpected", parts=(manual,))
    return Verdict("9", title, manual.status, manual.value, "", manual.threshold, manual.reason,
                   key=manual.key, args=manual.args)


def _criterion9(analysis: "CampaignAnalysis", campaign: "Campaign",
                rules: list[dict] | None) -> Verdict:
    """Alert rules loaded on the server, and every injected fault detected within the bound."""
    loaded = replace(_alerts(campaign, rules), id="9-loaded", title="alert rules loaded")
    found = detected(analysis, campaign)
    parts = [loaded, found]
    if campaign.alerts.notifications is not None:
        parts.append(notified(analysis))
    # shown: the slowest detection against the bound
    return combine("9", CRITERIA["9"][1], parts, value=found.value,
                   unit="s" if found.value is not None else "", threshold=found.threshold)


def notified(analysis: "CampaignAnalysis") -> Verdict:
    """Every fault's alert delivered by Alertmanager (``alerts.notifications``)."""
    vid, title = "9-notified", "notification received for every fault"
    found = [d for p in analysis.phases.values() if p.detection is not None
             for d in p.detection.detections]
    if not found:
        return fact(vid, title, Status.INCONCLUSIVE, "no fault measured", key="notify.none",
                    threshold="one per fault", completeness=0.0)
    silent = [d for d in found if d.notified is None]
    if silent:
        names = ", ".join(f"{d.event.kind} at {d.event.start.isoformat()}" for d in silent)
        return fact(vid, title, Status.FAIL, f"no notification received for: {names}",
                    value=f"{len(found) - len(silent)}/{len(found)}", threshold="one per fault",
                    key="notify.fail", events=names, completeness=1.0)
    return fact(vid, title, Status.PASS, f"{len(found)} fault(s) notified through Alertmanager",
                value=f"{len(found)}/{len(found)}", threshold="one per fault",
                key="notify.pass", n=float(len(found)), completeness=1.0)


def _seconds(x: float) -> str:
    return f"{x:,.0f} s"


def detected(analysis: "CampaignAnalysis", campaign: "Campaign") -> Verdict:
    """Every fault of the analysed phases detected by a rule of the pack within
    ``alerts.detection_bound`` (:mod:`mm2report.alerting.detection`)."""
    from .alerting.detection import FAULT_KINDS, query_name

    vid, title = "9-detected", "faults detected within the bound"
    bound = campaign.alerts.detection_bound.total_seconds()
    threshold = f"<= {_number(bound)} s"
    faulty = [n for n, p in campaign.phases.items() if any(e.kind in FAULT_KINDS for e in p.events)]
    unread = [n for n in faulty if n not in analysis.phases]
    tables = [p.detection for p in analysis.phases.values() if p.detection is not None]
    evidence = tuple(e for t in tables for e in t.evidence)
    missing = [(t.phase, t.missing) for t in tables if not t.known] + [
        (n, "no detection measured") for n in faulty
        if n in analysis.phases and analysis.phases[n].detection is None]
    if missing:
        return fact(vid, title, Status.INCONCLUSIVE, f"phase {missing[0][0]}: {missing[0][1]}",
                    threshold=threshold, key="detect.missing", completeness=0.0,
                    phase_name=missing[0][0])
    if not faulty:
        return fact(vid, title, Status.INCONCLUSIVE, "no fault injected in the campaign: no "
                    "detection measured", threshold=threshold, key="detect.none",
                    completeness=0.0)
    found = [d for t in tables for d in t.detections]
    # the evidence: the evaluations of the rules that detected a fault first (all of them when
    # none did)
    firsts = {query_name(d.first_alert) for d in found if d.first_alert}
    evidence = tuple(e for e in evidence if e.query in firsts) or evidence
    late = [d for d in found if d.detected_after_s is None or d.detected_after_s > bound]
    failed = [d for d in late if d.detected_after_s is not None or d.known_share >= 1.0]
    unsure = [d for d in late if d not in failed]

    def named(ds) -> str:
        return ", ".join(f"{d.event.kind} at {d.event.start.isoformat()} ({d.event.phase}"
                         + (f", first alert after {_seconds(d.detected_after_s)}"
                            if d.detected_after_s is not None else ", no alert") + ")"
                         for d in ds)

    worst = max((d.detected_after_s for d in found if d.detected_after_s is not None),
                default=None)
    if not found:  # every phase with faults unread
        return fact(vid, title, Status.INCONCLUSIVE, f"phases not analysed: {', '.join(unread)}",
                    threshold=threshold, key="detect.unsure", events="",
                    phases=", ".join(unread), completeness=0.0)
    if failed:
        return fact(vid, title, Status.FAIL, f"not detected within {_seconds(bound)}: "
                    f"{named(failed)}", value=worst, unit="s", threshold=threshold,
                    evidence=evidence, key="detect.fail", events=named(failed),
                    bound=float(bound), completeness=min(d.known_share for d in found))
    if unsure or unread:
        why = "; ".join(x for x in (
            f"no alert, and the state is not known all along: {named(unsure)}" if unsure else "",
            f"phases not analysed: {', '.join(unread)}" if unread else "") if x)
        return fact(vid, title, Status.INCONCLUSIVE, why, value=worst, unit="s",
                    threshold=threshold, evidence=evidence, key="detect.unsure",
                    events=named(unsure), phases=", ".join(unread),
                    completeness=min([d.known_share for d in found] + [0.0 if unread else 1.0]))
    return fact(vid, title, Status.PASS, f"{len(found)} fault(s) detected, the slowest after "
                f"{_seconds(worst)}", value=worst, unit="s", threshold=threshold,
                evidence=evidence, key="detect.pass", n=float(len(found)), worst=float(worst),
                completeness=1.0)


def _manual(key: str, item_id: str, campaign: "Campaign") -> Verdict:
    title = CRITERIA[key][1]
    item = next((i for i in campaign.checklist if i.id == item_id), None)
    threshold = f"manual item '{item_id}' done"
    if item is None:
        return fact(key, title, Status.INCONCLUSIVE, f"manual item '{item_id}' not filled in",
                    threshold=threshold, key="manual.missing", item=item_id)
    if item.status == "done":
        by = f" by {item.by}" if item.by else ""
        return fact(key, title, Status.PASS,
                    f"done on {item.date.date().isoformat()}{by}: {item.evidence}",
                    value="done", threshold=threshold, key="manual.done", item=item_id,
                    date=item.date.isoformat(), by=item.by, proof=item.evidence)
    if item.status == "not_done":
        return fact(key, title, Status.FAIL, f"manual item '{item_id}' not done", value="not done",
                    threshold=threshold, key="manual.not_done", item=item_id)
    return fact(key, title, Status.INCONCLUSIVE,
                f"manual item '{item_id}' marked not applicable: the criterion cannot be waived",
                value="n/a", threshold=threshold, key="manual.na", item=item_id)


# --------------------------------------------------------------------------------------------
# SLA conformance (seed 001, §1.2) and other thresholds
# --------------------------------------------------------------------------------------------


def sla(analysis: "CampaignAnalysis", campaign: "Campaign") -> tuple[Verdict, ...]:
    th = campaign.thresholds
    out = []
    proj = analysis.projection
    avail = proj.availability_pct
    # the projection rests on the restore times and on the hours whose state is known
    comp = min(analysis.restore.rto.completeness, analysis.availability.optimistic.completeness)
    if not avail.known:
        out.append(fact("sla-availability", "Availability", Status.INCONCLUSIVE,
                        "; ".join(avail.notes + proj.unproven), unit="%",
                        threshold=f">= {_number(th.availability_pct)} %", completeness=comp))
    else:
        status = {"proven": Status.PASS, "disproven": Status.FAIL}.get(proj.verdict_hint,
                                                                     Status.INCONCLUSIVE)
        reason = {"proven": "even the pessimistic projection fits the yearly budget",
                  "disproven": "even the optimistic projection exceeds the yearly budget"}.get(
            proj.verdict_hint, "the campaign cannot prove it: " + "; ".join(proj.unproven))
        key = ""
        if status is Status.PASS and comp < 1.0:
            status, key = Status.INCONCLUSIVE, "avail.partial"
            reason = (f"the projection fits the yearly budget, but the state is known over "
                      f"{comp:.1%} of the judged time only")
        out.append(fact("sla-availability", "Availability", status, reason, value=avail.value,
                        unit="%", threshold=f">= {_number(th.availability_pct)} %", key=key,
                        completeness=comp))
    rt = analysis.restore
    out.append(compare("sla-mttr", "MTTR", rt.mttr, "<", th.mttr.total_seconds(), unit="s"))
    out.append(compare("sla-rto", "RTO", rt.rto, "<", th.rto.total_seconds(), unit="s"))
    out.append(compare("sla-rpo", "RPO", rt.rpo_seconds, "<", th.rpo.total_seconds(), unit="s"))
    out.append(compare("sla-latency", "MM2 latency", analysis.steady_latency_p99, "<=",
                       th.sla_latency_ms, unit="ms"))
    out.append(compare("sla-lag", "MM2 lag", analysis.steady_lag_max, "<=", th.lag_records,
                       unit="records"))
    out.append(compare("certificates", "Certificates valid", analysis.certificates.days_left, ">=",
                       th.cert_min_days, unit="days"))
    return tuple(out)


@dataclass(frozen=True)
class Decision:
    go: bool
    criteria: tuple[Verdict, ...]
    blocking: tuple[Verdict, ...]
    reason: str


def decide(criteria_: Sequence[Verdict]) -> Decision:
    blocking = tuple(v for v in criteria_ if not v.go)
    go = sorted(v.id for v in criteria_) == sorted(CRITERIA) and not blocking
    if go:
        reason = "all ten criteria are GO"
    else:
        reason = (", ".join(f"criterion {v.id} {GO_WORDS[v.status]}" for v in blocking)
                  or "criteria missing")
    return Decision(go, tuple(criteria_), blocking, reason)


__all__ = ["CRITERIA", "GO_WORDS", "Decision", "Status", "Verdict", "combine", "compare",
           "criteria", "decide", "decision_word", "fact", "sla"]
