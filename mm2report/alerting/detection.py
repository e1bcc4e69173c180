"""Detection time, measured: when each rule of the pack would have fired after each injected fault.

Each fault rule's expression is evaluated over the phase at the rules' evaluation interval
(``alerts.evaluation_interval``: range queries on that grid, through the source layer, or
replayed from a snapshot that recorded them). Prometheus turns an alert *pending* at the first
evaluation that returns a series and *firing* at the first evaluation at least ``for:`` later,
as long as every evaluation in between returned it; an evaluation without it resets the
alert. :func:`firing_starts` applies exactly that rule to the grid, series by series.

A fault is an injected event of kind :data:`FAULT_KINDS`. It is detected by a rule when that
rule *starts* firing at or after the event's start and before the next event of the phase (or the
phase's end): a rule already firing when the event begins does not detect it. Its detection
time is the earliest such start, less the event's start. Certificates' rules detect no fault.

Measured on the evaluation grid, a detection time is exact to one evaluation interval: Prometheus
evaluates at its own offset within the interval, and the range queries at epoch multiples.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Mapping, Sequence

import numpy as np

from ..analyses.core import Evidence, ts, window
from ..analyses.state import EventRef, State, StateTimeline
from ..errors import SnapshotError
from ..sources.base import MetricSource, QueryResult
from .notifications import Notification, load_notifications
from .rules import FAULT_RULES, rule_pack

if TYPE_CHECKING:
    from ..params import Campaign, Phase

#: Event kinds that are faults a rule must detect (bursts, added workers and other events are
#: not).
FAULT_KINDS = ("worker_stop", "worker_restart", "broker_stop", "network_cut", "error_scenario")


def query_name(alert: str) -> str:
    """The name an alert's evaluation is recorded under (a snapshot query name)."""
    return "alert_" + alert.lower()


def fault_events(phase: "Phase") -> list:
    return [e for e in phase.events if e.kind in FAULT_KINDS]


def evaluation_requests(campaign: "Campaign", phase: "Phase") -> list[tuple[str, str, int]]:
    """``(query name, PromQL, step)`` of the evaluations a phase with faults needs."""
    if not fault_events(phase):
        return []
    step = int(campaign.alerts.evaluation_interval.total_seconds())
    return [(query_name(r.alert), r.expr, step) for r in rule_pack(campaign)
            if r.alert in FAULT_RULES]


@dataclass(frozen=True)
class Evaluations:
    """The fault rules evaluated over one phase (or why they could not be)."""

    results: Mapping[str, QueryResult]  # alert -> range at the evaluation interval
    for_s: Mapping[str, int]
    interval_s: int
    missing: str | None = None  # why there are no evaluations (an older snapshot)
    # what Alertmanager delivered (alerts.notifications), None when not given
    notifications: "tuple[Notification, ...] | None" = None


def fetch_evaluations(campaign: "Campaign", source: MetricSource, phase: "Phase") -> Evaluations:
    """Range queries of every fault rule over ``phase`` at the evaluation interval."""
    pack = {r.alert: r for r in rule_pack(campaign)}
    interval = int(campaign.alerts.evaluation_interval.total_seconds())
    for_s = {a: pack[a].for_s for a in FAULT_RULES}
    results: dict[str, QueryResult] = {}
    notes = (load_notifications(campaign.alerts.notifications)
             if campaign.alerts.notifications is not None else None)
    if notes is not None:
        notes = tuple(n for n in notes if n.campaign in (None, campaign.campaign.name))
    if not fault_events(phase):
        return Evaluations(results, for_s, interval, notifications=notes)
    for name, promql, step in evaluation_requests(campaign, phase):
        alert = next(a for a in FAULT_RULES if query_name(a) == name)
        try:
            results[alert] = source.expression(name, promql, phase.start, phase.end, step=step)
        except SnapshotError as exc:
            return Evaluations({}, for_s, interval,
                               missing=f"the rule pack's evaluations are not in the source: {exc}",
                               notifications=notes)
    return Evaluations(results, for_s, interval, notifications=notes)


def firing_starts(active: np.ndarray, times: np.ndarray, for_s: float) -> list[int]:
    """Epoch seconds at which one series starts firing: ``active`` (bool, one per evaluation at
    ``times``) must hold at every evaluation from its pending start until ``for_s`` later."""
    out = []
    pending_since = None
    firing = False
    for ok, t in zip(active, times):
        if not ok:
            pending_since, firing = None, False
            continue
        if pending_since is None:
            pending_since = t
        if not firing and t - pending_since >= for_s:
            firing = True
            out.append(int(t))
    return out


def rule_firings(result: QueryResult, for_s: float) -> list[int]:
    """Every instant (epoch seconds) at which any series of the rule starts firing."""
    frame = result.frame
    if frame.shape[1] == 0 or len(frame) == 0:
        return []
    times = np.asarray(frame.index.as_unit("s").asi8, dtype="int64")
    starts: set[int] = set()
    for col in range(frame.shape[1]):
        starts.update(firing_starts(frame.iloc[:, col].notna().to_numpy(), times, for_s))
    return sorted(starts)


@dataclass(frozen=True)
class RuleDetection:
    alert: str
    fired_at: datetime | None  # first firing start in the event's window
    after_s: float | None  # fired_at - event start


@dataclass(frozen=True)
class Detection:
    """One fault and what alerted on it."""

    event: EventRef
    rules: tuple[RuleDetection, ...]  # every fault rule, fired or not
    detected_after_s: float | None  # the earliest rule's delay; None: no rule fired
    first_alert: str | None
    window_end: datetime  # the next event's start or the phase's end
    known_share: float  # share of the state known over [start, start + bound]
    # the first notification Alertmanager delivered for a fault rule in the window (when
    # alerts.notifications is given): its alert, when Prometheus fired it, when it arrived
    notified: str | None = None
    notified_fired_at: datetime | None = None
    notified_at: datetime | None = None

    @property
    def fired(self) -> tuple[str, ...]:
        return tuple(r.alert for r in self.rules if r.fired_at is not None)

    @property
    def silent(self) -> tuple[str, ...]:
        return tuple(r.alert for r in self.rules if r.fired_at is None)


@dataclass(frozen=True)
class DetectionTable:
    """The faults of one phase and their detection, with the bound they are judged against."""

    phase: str
    bound_s: float
    interval_s: int
    detections: tuple[Detection, ...]
    evidence: tuple[Evidence, ...] = ()
    missing: str | None = None  # why the evaluations are missing (then no detection)
    notifications_checked: bool = False  # alerts.notifications was given

    @property
    def known(self) -> bool:
        return self.missing is None


def _known_share(timeline: StateTimeline | None, start: datetime, end: datetime) -> float:
    if timeline is None or len(timeline.frame) == 0:
        return 0.0
    w = window(timeline.frame["state"], start, end)
    if len(w) == 0:
        return 0.0
    return float((w != State.UNKNOWN.value).mean())


def detections(phase: str, events: Sequence[EventRef], evaluations: Evaluations, *,
               bound_s: float, phase_end: datetime,
               timeline: StateTimeline | None = None) -> DetectionTable | None:
    """The detection table of a phase's faults (None when the phase has no fault)."""
    faults = [e for e in events if e.kind in FAULT_KINDS]
    if not faults:
        return None
    if evaluations.missing is not None:
        return DetectionTable(phase, bound_s, evaluations.interval_s, (),
                              missing=evaluations.missing)
    firings = {a: rule_firings(r, evaluations.for_s[a]) for a, r in evaluations.results.items()}
    starts = sorted(e.start for e in events)
    out = []
    for ev in faults:
        later = [s for s in starts if s > ev.start]
        until = min(later + [phase_end])
        t0, t1 = ev.start.timestamp(), until.timestamp()
        rules = []
        for alert in FAULT_RULES:
            first = next((t for t in firings.get(alert, []) if t0 <= t < t1), None)
            rules.append(RuleDetection(alert, ts(first) if first is not None else None,
                                       float(first - t0) if first is not None else None))
        fired = [r for r in rules if r.after_s is not None]
        best = min(fired, key=lambda r: r.after_s) if fired else None
        note = next((n for n in evaluations.notifications or ()
                     if n.alert in FAULT_RULES and t0 <= n.fired_at < t1), None)
        out.append(Detection(ev, tuple(rules), best.after_s if best else None,
                             best.alert if best else None, until,
                             _known_share(timeline, ev.start,
                                          ev.start + timedelta(seconds=bound_s)),
                             note.alert if note else None,
                             ts(note.fired_at) if note else None,
                             ts(note.received_at) if note else None))
    evidence = tuple(Evidence.of(r) for r in evaluations.results.values())
    return DetectionTable(phase, bound_s, evaluations.interval_s, tuple(out), evidence,
                          notifications_checked=evaluations.notifications is not None)


__all__ = ["Detection", "DetectionTable", "Evaluations", "FAULT_KINDS", "RuleDetection",
           "detections", "evaluation_requests", "fault_events", "fetch_evaluations",
           "firing_starts", "query_name", "rule_firings"]
