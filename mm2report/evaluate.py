"""Analyse a campaign: read each phase from a source, run the analyses, judge the verdicts.

``evaluate(campaign, source)`` is the one entry point the notebooks and the CLI use; it gathers
data with :func:`mm2report.analyses.data.fetch_phase` and hands plain frames to the pure
analysis functions (:func:`analyse_phase` takes no source at all).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Callable, Iterable

from . import verdicts as V
from .analyses.core import Evidence, Kpi, completeness, missing, seconds, to_jsonable, window
from .analyses.data import PhaseData, fetch_phase
from .analyses.latency import LatencyStats, baseline, latency_stats
from .analyses.loss import LossResult, message_loss
from .analyses.operations import (DECISION_DATE, GENERATED, Certificates, ErrorBehaviour,
                                  certificates, error_behaviour)
from .analyses.projection import Projection, annual_projection
from .analyses.stability import Stability, stability
from .analyses.state import (Availability, BurstRecovery, EventRef, Incident, Rebalance,
                             RestoreTimes, StateTimeline, availability, availability_of,
                             burst_recoveries, incidents, rebalances, restore_times,
                             service_states)
from .analyses.throughput import Capacity, capacity
from .sources.base import rules_or_none
from .alerting.detection import DetectionTable, detections

if TYPE_CHECKING:
    from .params import Campaign
    from .sources.base import MetricSource

SCHEMA_VERSION = 1
STEADY_PHASES = ("nominal", "latency", "soak")  # steady load: SLA latency and lag
LOAD_PHASES = ("nominal", "latency", "soak")  # "max latency under load" (capacity: sustained steps)


@dataclass(frozen=True)
class PhaseAnalysis:
    name: str
    start: datetime
    end: datetime
    timeline: StateTimeline
    incidents: tuple[Incident, ...]
    availability: Availability
    loss: LossResult
    latency: LatencyStats
    lag_max: Kpi
    exporter_completeness: float
    rebalances: tuple[Rebalance, ...] = ()
    bursts: tuple[BurstRecovery, ...] = ()
    errors: tuple[ErrorBehaviour, ...] = ()
    event_loss: tuple[tuple[EventRef, LossResult], ...] = ()
    certificates: Certificates | None = None
    baseline: Kpi | None = None
    capacity: Capacity | None = None
    stability: Stability | None = None
    workers_max: Kpi | None = None
    detection: DetectionTable | None = None  # faults of the phase and the alerts they raised


def _event_refs(name: str, data: PhaseData) -> tuple[EventRef, ...]:
    return tuple(EventRef.of(name, e) for e in data.events)


def _remote_prefix(campaign: "Campaign") -> str | None:
    m = campaign.metrics
    return None if m.replication_policy == "identity" else m.source_alias


def _loss(campaign: "Campaign", data: PhaseData, start: datetime, end: datetime,
          probe: bool = True) -> LossResult:
    return message_loss(
        source_start=data.at("source_offsets", start), source_end=data.at("source_offsets", end),
        target_start=data.at("target_offsets", start), target_end=data.at("target_offsets", end),
        lag_start=data.at("consumer_lag_by_partition", start),
        lag_end=data.at("consumer_lag_by_partition", end), start=start, end=end,
        remote_prefix=_remote_prefix(campaign),
        probe_lost=data.probe.get("probe_lost") if probe else None)


def as_of(campaign: "Campaign", now: datetime | None = None) -> tuple[datetime, str]:
    """The instant certificates' days left are counted from, and what it is: the campaign's
    decision date when the parameters give one, else ``now`` (the analysis' own time)."""
    if campaign.campaign.decision_date is not None:
        return campaign.campaign.decision_date, DECISION_DATE
    return now or datetime.now(timezone.utc), GENERATED


def analyse_phase(campaign: "Campaign", data: PhaseData, *,
                  now: datetime | None = None) -> PhaseAnalysis:
    """Every analysis of one phase, from the frames in ``data`` (no source access);
    ``now``: the analysis' time (see :func:`as_of`)."""
    th = campaign.thresholds
    name, start, end = data.name, data.start, data.end
    r = data.ranges
    events = _event_refs(name, data)
    timeline = service_states(
        tasks_running=r["tasks_running"], offered=r["offered_rate"], replicated=r["replicated_rate"],
        latency_max=r.get("latency_max"), lag=r.get("consumer_lag"), thresholds=th,
        expected_tasks=campaign.metrics.expected_tasks, tasks_total=r.get("tasks_total"),
        up=r.get("up"), target_rate=r.get("target_rate"), start=start, end=end,
        completed=r.get("rebalances_completed"))
    found = incidents(timeline, events, phase=name)
    avail = availability(timeline, found, th.availability_pct)
    loss = _loss(campaign, data, start, end)
    probe_unit = campaign.metrics.probe.unit if campaign.metrics.probe else "seconds"
    lat = latency_stats(r["latency_max"], start=start, end=end,
                        probe_buckets=data.probe.get("probe_latency_buckets"), probe_unit=probe_unit,
                        traffic=r["replicated_rate"])
    lag_window = window(data.series("consumer_lag"), start, end)
    ev_lag = (Evidence.of(r["consumer_lag"], start, end),)
    lag_max = (Kpi("lag_max", float(lag_window.max()), "records", evidence=ev_lag,
                   completeness=float(lag_window.notna().mean()))
               if lag_window.notna().any() else missing("lag_max", "records", "no lag reading", ev_lag))
    exporter = min(_completeness(data, "offered_rate", start, end),
                   _completeness(data, "target_rate", start, end))
    workers = data.series("workers")
    workers_max = (Kpi("workers", float(workers.max()), "workers",
                       evidence=(Evidence.of(r["workers"]),), completeness=float(workers.notna().mean()))
                   if workers.notna().any() else missing("workers", "workers", "no worker reading"))
    extra: dict = {}
    if events:
        extra["rebalances"] = rebalances(
            events, tasks_running=r["tasks_running"], rebalancing=r["rebalancing"],
            replicated=r["replicated_rate"], lag=r.get("consumer_lag"),
            rebalance_max_time=r.get("rebalance_max_time"),
            expected_tasks=timeline.expected_tasks, end=end, target_rate=r.get("target_rate"),
            timeline=timeline, completed=r.get("rebalances_completed"))
        extra["bursts"] = burst_recoveries(events, r["consumer_lag"], end, r.get("offered_rate"))
        starts = sorted(seconds(e.start) for e in events)
        errs, ev_loss = [], []
        for ev in events:
            # Loss of an event: from its start to the next event or the phase's end, so that
            # the records a failure held back are counted once they are replicated (a task
            # that is down exports no lag for its partitions at the event's own end).
            later = [s for s in starts if s > seconds(ev.start)]
            until = datetime.fromtimestamp(min([seconds(end)] + later), tz=start.tzinfo)
            el = _loss(campaign, data, ev.start, until, probe=False)
            ev_loss.append((ev, el))
            if ev.kind == "error_scenario":
                errs.append(error_behaviour(
                    ev, timeline=timeline, tasks_failed=r.get("tasks_failed"),
                    errors_rate=r.get("record_errors_rate"), failures_rate=r.get("record_failures_rate"),
                    loss=el, until=until))
        extra["errors"] = tuple(errs)
        extra["event_loss"] = tuple(ev_loss)
    phase = data.phase
    if name == "latency" and getattr(phase, "baseline", None) is not None:
        extra["baseline"] = baseline(r["latency_avg"], phase.baseline.start, phase.baseline.end)
    if name == "capacity":
        steps = [(s.start, s.end, s.offered_rate) for s in getattr(phase, "steps", ())]
        extra["capacity"] = capacity(
            offered=r["offered_rate"], replicated=r["replicated_rate"], lag=r.get("consumer_lag"),
            latency_max=r.get("latency_max"), steps=steps or None, warmup=phase.warmup,
            sustained_ratio=th.sustained_ratio, recommended_ratio=th.recommended_capacity_ratio,
            latency_slo_ms=th.latency_p99_slo_ms, start=start, end=end)
    if name in ("nominal", "soak"):
        extra["stability"] = stability(
            timeline=timeline, offered=r["offered_rate"], replicated=r["replicated_rate"],
            lag=r.get("consumer_lag"), latency_avg=r.get("latency_avg"),
            tasks_failed=r.get("tasks_failed"), heap=r.get("jvm_heap_used"), start=start, end=end,
            sustained_ratio=th.sustained_ratio, lag_threshold=th.lag_records,
            min_duration=th.soak_min_duration if name == "soak" else None)
    if data.alerts is not None:
        extra["detection"] = detections(
            name, events, data.alerts, bound_s=campaign.alerts.detection_bound.total_seconds(),
            phase_end=end, timeline=timeline)
    at, basis = as_of(campaign, now)
    certs = certificates(r.get("cert_expiry"), at, by_target=r.get("cert_expiry_by_target"),
                         basis=basis)
    return PhaseAnalysis(name, start, end, timeline, found, avail, loss, lat, lag_max, exporter,
                         workers_max=workers_max, certificates=certs, **extra)


def _completeness(data: PhaseData, query: str, start, end) -> float:
    return completeness(window(data.series(query), start, end))


@dataclass(frozen=True)
class CampaignAnalysis:
    campaign: str
    origin: str
    campaign_phases: tuple[tuple[str, tuple[datetime, datetime]], ...]
    phases: dict[str, PhaseAnalysis]
    incidents: tuple[Incident, ...]
    restore: RestoreTimes
    availability: Availability
    projection: Projection
    certificates: Certificates
    latency_baseline: Kpi
    latency_max_under_load: Kpi
    steady_latency_p99: Kpi
    steady_lag_max: Kpi
    expected_tasks: Kpi
    workers: Kpi
    rules_checked: bool
    criteria: tuple[V.Verdict, ...] = ()
    sla: tuple[V.Verdict, ...] = ()
    decision: V.Decision | None = None
    schema_version: int = field(default=SCHEMA_VERSION)

    def to_dict(self) -> dict:
        return to_jsonable(self)


def worst(kpis: Iterable[Kpi], name: str, unit: str, reason: str) -> Kpi:
    """The highest of ``kpis``; complete only when every one was measured completely."""
    kpis = list(kpis)
    known = [k for k in kpis if k.known]
    if not known:
        return missing(name, unit, reason)
    top = max(known, key=lambda k: k.value)
    comp = min(k.completeness for k in kpis) if len(known) == len(kpis) else 0.0
    unmeasured = tuple(n for k in kpis if not k.known for n in k.notes)
    return Kpi(name, top.value, unit, top.ci, tuple(e for k in known for e in k.evidence), comp,
               top.notes + unmeasured)


def recovery_incidents(found: Iterable[Incident]) -> tuple[Incident, ...]:
    """The incidents MTTR, RTO and RPO are measured on: those of the resilience phase (the
    faults injected to measure recovery) and natural ones (linked to no event) anywhere.

    An error scenario's outage lasts as long as the tester takes to fix the cause (a FAILED
    task waits for an operator's restart): it is reported with its scenario (criterion 7),
    not averaged into the restore times."""
    return tuple(i for i in found if i.phase == "resilience" or i.event is None)


def combine_phases(campaign: "Campaign", analysed: dict[str, PhaseAnalysis], origin: str,
                   rules: list[dict] | None, *, now: datetime | None = None) -> CampaignAnalysis:
    """Campaign-level KPIs and verdicts from the analysed phases."""
    th = campaign.thresholds
    # one stated instant for the whole campaign: the decision date, or this analysis' time
    at, basis = as_of(campaign, now)
    analysed = {n: p if p.certificates is None
                else replace(p, certificates=p.certificates.counted_at(at, basis))
                for n, p in analysed.items()}
    all_incidents = tuple(i for p in analysed.values() for i in p.incidents)
    evidence = tuple(e for p in analysed.values() for e in p.timeline.evidence[:1])
    total = sum(p.availability.total_s for p in analysed.values())
    down = sum(p.availability.down_s for p in analysed.values())
    unknown = sum(p.availability.unknown_s for p in analysed.values())
    # MTTR, RTO and RPO are judged on the resilience phase and on natural incidents anywhere:
    # unknown time in any phase, and a campaign phase not analysed at all, may hide one
    unread_phases = {n: p for n, p in campaign.phases.items() if n not in analysed}
    unread = sum(max(seconds(p.end) - seconds(p.start), 0.0) for p in unread_phases.values())
    judged = total + unread
    restore = restore_times(recovery_incidents(all_incidents), evidence,
                            known_share=(total - unknown) / judged if judged > 0 else 0.0)
    degraded = sum(p.availability.degraded_s for p in analysed.values())
    # a phase not analysed is time whose state nobody read: unknown, not up
    avail = availability_of(judged, down, unknown + unread, degraded, th.availability_pct,
                            evidence)
    # error-scenario outages last until the tester acts: left out of the projection as of MTTR
    projection = annual_projection(recovery_incidents(all_incidents),
                                   campaign_hours=(total - unknown) / 3600,
                                   faults_per_year=campaign.projection.faults_per_year,
                                   target_pct=th.availability_pct)
    last = max((p for p in analysed.values()), key=lambda p: p.end, default=None)
    certs = (last.certificates if last is not None and last.certificates is not None
             else certificates(None, at, basis=basis))
    lat = analysed.get("latency")
    base = lat.baseline if lat is not None and lat.baseline is not None else missing(
        "latency_baseline", "ms", "latency phase not run" if lat is None
        else "no baseline window in the latency phase")
    # the worst of the steady and load phases is only known when every one was read: a phase
    # of the campaign left out of the analysis counts as a KPI not measured
    load_max = [p.latency.maximum for n, p in analysed.items() if n in LOAD_PHASES]
    load_max += _unread("latency_max", "ms",
                        [n for n in unread_phases if n in LOAD_PHASES or n == "capacity"])
    cap = analysed.get("capacity")
    if cap is not None and cap.capacity is not None:
        for s in cap.capacity.steps:
            if s.sustained and s.latency_p99_ms is not None:
                load_max.append(_step_max(cap, s))
    steady = [p for n, p in analysed.items() if n in STEADY_PHASES]
    steady_unread = [n for n in unread_phases if n in STEADY_PHASES]
    workers = worst([p.workers_max for p in analysed.values() if p.workers_max], "workers",
                     "workers", "no worker reading")
    tl_expected = next((p.timeline.expected_tasks for p in analysed.values()
                        if p.timeline.expected_tasks), None)
    expected = (Kpi("tasks", float(tl_expected), "tasks", completeness=1.0,
                    notes=("expected task count" if campaign.metrics.expected_tasks
                           else "highest assigned task count",))
                if tl_expected else missing("tasks", "tasks", "task count unknown"))
    analysis = CampaignAnalysis(
        campaign=campaign.campaign.name, origin=origin,
        campaign_phases=tuple((n, (p.start, p.end)) for n, p in campaign.phases.items()),
        phases=analysed, incidents=all_incidents, restore=restore, availability=avail,
        projection=projection, certificates=certs, latency_baseline=base,
        latency_max_under_load=worst(load_max, "latency_max_under_load", "ms",
                                      "no load phase analysed"),
        steady_latency_p99=worst([p.latency.percentiles["p99"] for p in steady]
                                 + _unread("latency_p99", "ms", steady_unread),
                                 "latency_p99_steady", "ms", "no steady-load phase analysed"),
        steady_lag_max=worst([p.lag_max for p in steady]
                             + _unread("lag_max", "records", steady_unread),
                             "lag_max_steady", "records", "no steady-load phase analysed"),
        expected_tasks=expected, workers=workers, rules_checked=rules is not None)
    crit = V.criteria(analysis, campaign, rules)
    sla_v = V.sla(analysis, campaign)
    return CampaignAnalysis(**{**analysis.__dict__, "criteria": crit, "sla": sla_v,
                               "decision": V.decide(crit)})


def _unread(name: str, unit: str, phases: Iterable[str]) -> list[Kpi]:
    """A KPI not measured for each campaign phase left out of the analysis."""
    return [missing(name, unit, f"phase {n!r} not analysed") for n in phases]


def _step_max(cap: PhaseAnalysis, step) -> Kpi:
    """Highest latency reading of a capacity step (the timeline keeps the readings)."""
    w = window(cap.timeline.frame["latency_max_ms"], step.analysed_from, step.analysed_to)
    if w.notna().any():  # the evidence is the step's window, not the whole phase's
        evidence = tuple(replace(e, start=step.analysed_from, end=step.analysed_to)
                         for e in cap.latency.maximum.evidence)
        return Kpi("latency_max", float(w.max()), "ms", evidence=evidence,
                   completeness=float(w.notna().mean()))
    return missing("latency_max", "ms", "no reading in the step")


def evaluate(campaign: "Campaign", source: "MetricSource", *, phases: Iterable[str] | None = None,
             progress: Callable[[str], None] | None = None,
             now: datetime | None = None) -> CampaignAnalysis:
    """Analyse ``phases`` (default: all the campaign's phases) and judge the verdicts;
    ``now`` (default: the current time) is the analysis' time, see :func:`as_of`."""
    names = list(phases) if phases is not None else [n for n, _ in campaign.phases.items()]
    now = now or datetime.now(timezone.utc)  # one instant for the whole analysis
    analysed = {}
    for name in names:
        data = fetch_phase(campaign, source, name, progress)
        analysed[name] = analyse_phase(campaign, data, now=now)
    # no rules (a snapshot recorded without them, a server without the API): criterion 9
    # falls back on the checklist
    return combine_phases(campaign, analysed, source.origin, rules_or_none(source), now=now)


__all__ = ["CampaignAnalysis", "PhaseAnalysis", "SCHEMA_VERSION", "analyse_phase",
           "combine_phases", "evaluate", "worst"]
