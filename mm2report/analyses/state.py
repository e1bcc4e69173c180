"""Service state per step, availability, incidents (MTTR, RTO, RPO), worker rebalances and
burst recoveries.

**State of a step** ``(T - step, T]``:

* ``DOWN`` when fewer tasks run than expected (the gauge read at ``T``), or when replication is
  stalled while the source produces: not one record replicated over the step although at least
  one record per second was produced on the source, and either the source still produces at the
  next reading or records wait (a backlog above 0, or unknown): when the load stops, the source
  exporter's last rate can still show records that MM2's counters, scraped at another instant,
  already replicated, and nothing waits. The same skew when the load starts inside a step is
  no stall either: a step after one without load, where nothing waits and replication shows at
  the next reading (a stall that begins with the load is DOWN from that next reading);
* ``UNKNOWN`` when the data needed to tell is missing (and nothing already proves ``DOWN``).
  A worker whose scrape failed (``up`` 0) while it stayed alive in the group (see
  :func:`scrape_failures`) leaves the task count unknown, not short by its tasks;
* ``DEGRADED`` when the highest replication latency exceeds the SLA latency or the consumer lag
  exceeds the lag threshold;
* ``UP`` otherwise. ``DEGRADED`` counts as available time and is reported apart.

**Incidents** are runs of ``DOWN`` steps. Their duration is exact to one step: a task count is a
point reading, so ``n`` down readings stand for ``n`` steps; a stall is seen as whole steps
without replication, and the stall began and ended somewhere inside the two neighbouring,
partly replicated steps, so half a step is added at each edge where only a stall was seen.
An incident is linked to the latest fault event that started at most 60 s after it and ended
at most 10 minutes before it (the parameters' event times are the tester's log).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING, Iterable, Sequence

import numpy as np
import pandas as pd

from ..sources.base import QueryResult
from .core import (Evidence, Kpi, aggregate, epoch, implausible, missing, plausible, runs, seconds,
                   ts, window)

if TYPE_CHECKING:
    from ..params import Event, Thresholds

#: Below this offered rate (records/s) a step without replication is not called a stall.
STALL_MIN_RATE = 1.0
LINK_BEFORE = 60  # s: an event may be logged up to this long after the incident began
LINK_AFTER = 600  # s: an incident up to this long after the event's end is still its effect
PRE_BURST = 300  # s: the lag baseline of a burst is the highest lag of the 5 minutes before it
#: A rebalance is over at the first reading after which its end condition keeps holding for
#: this many more readings: a task count back to normal for one scrape, then short again, is
#: not the end (the incident analysis of the same event would still see tasks missing).
REBALANCE_HOLD = 2


class State(str, Enum):
    UP = "UP"
    DEGRADED = "DEGRADED"
    DOWN = "DOWN"
    UNKNOWN = "UNKNOWN"


@dataclass(frozen=True)
class StateTimeline:
    """One row per step: ``state`` and, for DOWN steps, ``cause`` (tasks, stall, workers)."""

    frame: pd.DataFrame
    step: int
    expected_tasks: float | None
    evidence: tuple[Evidence, ...]
    notes: tuple[str, ...] = ()

    def count(self, state: State) -> int:
        return int((self.frame["state"] == state.value).sum()) if len(self.frame) else 0

    @property
    def total_s(self) -> float:
        return float(len(self.frame) * self.step)

    @property
    def completeness(self) -> float:
        return 1.0 - self.count(State.UNKNOWN) / len(self.frame) if len(self.frame) else 0.0


def _aligned(result: QueryResult | None, index: pd.DatetimeIndex) -> np.ndarray:
    s = aggregate(result)
    return s.reindex(index).to_numpy(dtype="float64") if len(index) else np.array([])


def _readings(result: QueryResult) -> pd.DataFrame:
    """``result``'s frame with implausible readings as NaN, one row per instant (the last),
    in time order, on UTC times."""
    frame = plausible(result.frame, result.name)
    frame = frame[~frame.index.duplicated(keep="last")].sort_index()
    if frame.index.tz is None:
        frame.index = frame.index.tz_localize("UTC")
    return frame


def _per_worker(result: QueryResult, names: list[str], index: pd.DatetimeIndex) -> dict:
    """The readings of each worker of ``result`` on ``index``, keyed by its ``names`` labels
    (the highest where one worker has several series)."""
    frame = _readings(result)
    levels = list(frame.columns.names) if isinstance(frame.columns, pd.MultiIndex) else []
    if not set(names) <= set(levels):
        return {}
    out: dict[tuple, pd.Series] = {}
    for col in frame.columns:
        key = tuple(col[levels.index(n)] for n in names)
        series = frame[col].reindex(index)
        out[key] = series if key not in out else np.fmax(out[key], series)
    return out


def scrape_failures(up: QueryResult | None, completed: QueryResult | None,
                    index: pd.DatetimeIndex) -> np.ndarray:
    """Steps of ``index`` at which a worker's scrape failed although the worker stayed alive
    with its tasks: Prometheus stores ``up`` 0, and none of the worker's series, when a scrape
    times out (a busy JVM: the JMX exporter reads every MBean of the worker at each scrape),
    exactly as when the worker is dead. The worker was alive when it answered just before and
    just after with the same completed-rebalances count (``completed``): its JVM did not
    restart (a restart counts again from 0) and it took part in no rebalance; and every other
    worker that answered at both ends shows the same count too (the group moved no task). Its
    task counts over those steps are then unknown, not 0. Without counter readings a failed
    scrape cannot be told from a dead worker, and counts as one (a failure at a phase's edge
    too)."""
    out = np.zeros(len(index), bool)
    if (up is None or completed is None or len(index) < 3 or not up.frame.shape[1]
            or not completed.frame.shape[1] or not isinstance(completed.frame.columns, pd.MultiIndex)):
        return out
    names = list(completed.frame.columns.names)
    ups = _per_worker(up, names, index)
    counts = _per_worker(completed, names, index)
    for key, u in ups.items():
        c = counts.get(key)
        if c is None:
            continue
        u = u.to_numpy(dtype="float64")
        for a, b in runs(u == 0):
            if a == 0 or b >= len(index) or u[a - 1] != 1 or u[b] != 1:
                continue
            ends = [(w.iloc[a - 1], w.iloc[b]) for w in counts.values()
                    if not (np.isnan(w.iloc[a - 1]) and np.isnan(w.iloc[b]))]
            if (not np.isnan(c.iloc[a - 1]) and c.iloc[a - 1] == c.iloc[b]
                    and all(x == y for x, y in ends)):  # NaN at one end: cannot tell
                out[a:b] = True
    return out


def service_states(
    *,
    tasks_running: QueryResult,
    offered: QueryResult,
    replicated: QueryResult,
    latency_max: QueryResult | None,
    lag: QueryResult | None,
    thresholds: "Thresholds",
    expected_tasks: int | None = None,
    tasks_total: QueryResult | None = None,
    up: QueryResult | None = None,
    target_rate: QueryResult | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    completed: QueryResult | None = None,
) -> StateTimeline:
    """Classify every step of ``(start, end]`` (default: the tasks query's range).

    ``target_rate`` (records written to the remote topics, from the target cluster's end
    offsets) stands in for the replicated rate where that one has no reading: when every task
    has just restarted, each task's counter is a new series with a single point, which gives
    no rate for one step.

    ``up`` and ``completed`` (each worker's completed-rebalances counter) tell a failed scrape
    of a live worker (:func:`scrape_failures`) from a dead worker: over such a failure the task
    count and a replicated rate of 0 read by the other workers are unknown (the target's
    written rate, when known, still tells whether records flow)."""
    start = start or tasks_running.start
    end = end or tasks_running.end
    step = tasks_running.step
    first = int(np.floor(seconds(start) / step) * step) + step
    last = int(np.ceil(seconds(end) / step) * step)
    index = pd.DatetimeIndex(pd.to_datetime(np.arange(first, last + 1, step), unit="s", utc=True),
                             name="ts")
    notes = []
    expected = float(expected_tasks) if expected_tasks else None
    if expected is None:
        total = aggregate(tasks_total)
        if total.notna().any():
            expected = float(total.max())
            notes.append(f"expected tasks not given: taken as the highest assigned count, {expected:g}")
        else:
            notes.append("expected tasks unknown: task counts cannot prove DOWN or UP")
    for r in (tasks_running, offered, replicated, latency_max, lag, tasks_total, up, target_rate):
        bad = implausible(r)
        if bad:
            notes.append(f"{bad} reading(s) of {r.name or r.promql} out of range (data errors), "
                         "read as missing")
    running = _aligned(tasks_running, index)
    offered_rate = _aligned(offered, index)
    replicated_rate = _aligned(replicated, index)
    if target_rate is not None:
        written = _aligned(target_rate, index)
        replicated_rate = np.where(np.isnan(replicated_rate), written, replicated_rate)
    latency = _aligned(latency_max, index)
    lag_records = _aligned(lag, index)
    failed_scrape = scrape_failures(up, completed, index)
    if failed_scrape.any():
        with np.errstate(invalid="ignore"):
            short = failed_scrape & ~(running >= (expected if expected is not None else np.inf))
            running = np.where(short, np.nan, running)
            unseen = failed_scrape & (replicated_rate == 0)
        written_now = written if target_rate is not None else np.full(len(index), np.nan)
        replicated_rate = np.where(unseen, written_now, replicated_rate)
        notes.append(f"{int(failed_scrape.sum())} step(s) with a failed scrape of a live worker "
                     "(same completed-rebalances count before and after): its task count "
                     "unknown there, not 0")
    workers_dead = np.zeros(len(index), bool)
    if up is not None and up.frame.shape[1]:
        raw = up.frame.apply(pd.to_numeric, errors="coerce").astype("float64")
        raw = raw[~raw.index.duplicated(keep="last")].reindex(index)
        ups = plausible(raw, up.name or "up")
        broken = (raw.notna() & ups.isna()).any(axis=1)  # a data error proves nothing
        workers_dead = (ups.notna().any(axis=1) & (ups.fillna(0) == 0).all(axis=1)
                        & ~broken).to_numpy()

    with np.errstate(invalid="ignore"):
        tasks_known = ~np.isnan(running) & (expected is not None)
        tasks_down = tasks_known & (running < (expected or 0))
        producing = offered_rate >= STALL_MIN_RATE
        # the source must still be producing at the next reading: when the load stops, the
        # source exporter's last rate can still show records the MM2 counters (scraped at
        # another instant) already replicated, for one reading (the lab's phase bounds)
        # unless the backlog reads 0 (nothing left to copy)
        still = np.append(producing[1:], True)
        # the same skew when the load starts (or resumes) inside a step: the source exporter
        # already counts records the MM2 counters, scraped earlier in the step, do not show
        # yet. Such a reading is no stall when nothing waits and replication shows at the next
        # reading; a stall that begins with the load still shows at the next one (DOWN there)
        idle_before = np.insert(~(offered_rate[:-1] >= STALL_MIN_RATE), 0, True)
        flows_after = np.append(replicated_rate[1:] > 0, False)
        starting = idle_before & flows_after & (lag_records == 0)
        stalled = (producing & (replicated_rate == 0) & (still | ~(lag_records == 0))
                   & ~starting)
        flow_known = ~np.isnan(offered_rate) & ~np.isnan(replicated_rate)
        # no replication series at all while tasks are reported missing is part of tasks_down
        degraded = (latency > thresholds.sla_latency_ms) | (lag_records > thresholds.lag_records)
    dead = workers_dead & np.isnan(running) & ~failed_scrape
    down = tasks_down | stalled | dead
    cause = np.where(dead, "workers", np.where(tasks_down & stalled, "tasks+stall",
                     np.where(tasks_down, "tasks", np.where(stalled, "stall", ""))))
    state = np.where(down, State.DOWN.value,
                     np.where(~tasks_known | ~flow_known, State.UNKNOWN.value,
                              np.where(degraded, State.DEGRADED.value, State.UP.value)))
    frame = pd.DataFrame({"state": state, "cause": cause, "tasks_running": running,
                          "offered_rate": offered_rate, "replicated_rate": replicated_rate,
                          "latency_max_ms": latency, "lag_records": lag_records,
                          "scrape_failed": failed_scrape}, index=index)
    evidence = tuple(Evidence.of(r, start, end) for r in
                     (tasks_running, offered, replicated, latency_max, lag) if r is not None)
    return StateTimeline(frame, step, expected, evidence, tuple(notes))


# --------------------------------------------------------------------------------------------
# Incidents and availability
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EventRef:
    phase: str
    kind: str
    start: datetime
    end: datetime | None
    target: str | None = None

    @classmethod
    def of(cls, phase: str, event: "Event") -> "EventRef":
        return cls(phase, event.kind, event.start, event.end, event.target)


@dataclass(frozen=True)
class Incident:
    start: datetime  # estimated, exact to one step
    end: datetime
    duration_s: float
    cause: str
    first_down: datetime  # first DOWN reading
    last_down: datetime
    event: EventRef | None
    detected_after_s: float | None  # first DOWN reading - event start
    restored_after_s: float | None  # estimated end - event start
    rpo_records: float | None  # consumer lag at the incident's estimated start
    rpo_seconds: float | None  # that lag in seconds of production
    phase: str | None = None
    # Both edges seen: the readings just before and just after the DOWN run are known and
    # inside the phase. Otherwise the incident may have begun earlier or ended later than
    # measured: its duration is a lower bound, and its RPO is not known.
    bounded: bool = True


def incidents(timeline: StateTimeline, events: Sequence[EventRef] = (), *,
              phase: str | None = None) -> tuple[Incident, ...]:
    """The runs of DOWN steps of ``timeline``, each with its estimated start and end, its
    linked event and its RPO.

    **RPO** is what was not replicated yet when the incident began: the consumer lag read at
    the first reading at or after the incident's estimated start, i.e. the reading just before
    its first DOWN reading. For a task incident that reading *is* the start. A stall starts
    within the step before it (estimated at its middle): a stalled task stops fetching, and
    the lag it exports keeps the value it had when fetching stopped, so that reading holds the
    lag at the stall's start, not the backlog piling up after it.

    In seconds, RPO is the age of the oldest record not yet replicated: how long the source
    took to produce that many records, going back from the reading over the offered rate of
    each step (a backlog left by a burst was produced faster than the load of the moment;
    dividing by the current rate would over-state it). Unknown when the offered rate before
    the incident is not known far enough back."""
    frame = timeline.frame
    if frame.empty:
        return ()
    step = timeline.step
    t = epoch(frame.index)
    state = frame["state"].to_numpy()
    down = state == State.DOWN.value
    cause = frame["cause"].to_numpy()
    lag = frame["lag_records"].to_numpy(dtype="float64")
    offered = frame["offered_rate"].to_numpy(dtype="float64")
    out = []
    for a, b in runs(down):
        first, last = int(t[a]), int(t[b - 1])
        start = first - step - (step / 2 if cause[a] == "stall" else 0)
        end = last + (step / 2 if cause[b - 1] == "stall" else 0)
        linked = _link(events, start)
        seen_before = a > 0 and state[a - 1] != State.UNKNOWN.value
        seen_after = b < len(state) and state[b] != State.UNKNOWN.value
        lag_at = lag[a - 1] if seen_before else np.nan
        rpo_records = None if np.isnan(lag_at) else float(lag_at)
        rpo_seconds = None if rpo_records is None else _produced_in(offered[:a], rpo_records, step)
        kinds = sorted({part for c in cause[a:b] for part in c.split("+") if part})
        out.append(Incident(
            start=ts(start), end=ts(end), duration_s=float(end - start), cause="+".join(kinds),
            first_down=ts(first), last_down=ts(last), event=linked,
            detected_after_s=None if linked is None else first - seconds(linked.start),
            restored_after_s=None if linked is None else end - seconds(linked.start),
            rpo_records=rpo_records, rpo_seconds=rpo_seconds, phase=phase,
            bounded=bool(seen_before and seen_after)))
    return tuple(out)


def _produced_in(rates: np.ndarray, records: float, step: int) -> float | None:
    """Seconds, going back from the end of ``rates`` (records/s, one reading a step, each
    covering the step before it), the source took to produce ``records``; ``None`` when the
    readings run out (or are missing) first."""
    if records <= 0:
        return 0.0
    left = records
    for k, rate in enumerate(rates[::-1]):
        if not np.isfinite(rate) or rate < 0:
            return None
        made = rate * step
        if made >= left:
            return float(k * step + (left / rate if rate > 0 else 0.0))
        left -= made
    return None


def _link(events: Iterable[EventRef], start: float) -> EventRef | None:
    candidates = [e for e in events if e.kind != "burst"
                  and seconds(e.start) - LINK_BEFORE <= start
                  <= seconds(e.end or e.start) + LINK_AFTER]
    return max(candidates, key=lambda e: seconds(e.start), default=None)


@dataclass(frozen=True)
class Availability:
    optimistic: Kpi  # available time / known time, percent
    pessimistic: Kpi  # available time / all time (UNKNOWN counted as down), percent
    target_pct: float
    total_s: float
    down_s: float
    unknown_s: float
    degraded_s: float
    budget_year_s: float  # downtime the target allows in a year
    budget_day_s: float


def availability(timeline: StateTimeline, incident_list: Sequence[Incident],
                 target_pct: float) -> Availability:
    """Availability of the timeline; downtime is the sum of the incidents' durations."""
    total = timeline.total_s
    unknown = timeline.count(State.UNKNOWN) * timeline.step
    degraded = timeline.count(State.DEGRADED) * timeline.step
    down = min(sum(i.duration_s for i in incident_list), total - unknown)
    return availability_of(total, down, unknown, degraded, target_pct, timeline.evidence)


def availability_of(total: float, down: float, unknown: float, degraded: float,
                    target_pct: float, evidence: tuple[Evidence, ...] = ()) -> Availability:
    """Availability from time totals (seconds): one phase's, or a campaign's sums."""
    total, down, unknown, degraded = float(total), float(down), float(unknown), float(degraded)
    known = total - unknown
    budget = 1 - target_pct / 100
    completeness = known / total if total > 0 else 0.0
    if known <= 0:
        opt = missing("availability_optimistic", "%", "no step with enough data", evidence)
    else:
        opt = Kpi("availability_optimistic", 100 * (known - down) / known, "%",
                  evidence=evidence, completeness=completeness)
    if total <= 0:
        pes = missing("availability_pessimistic", "%", "empty time range", evidence)
    else:
        pes = Kpi("availability_pessimistic", 100 * (total - down - unknown) / total, "%",
                  evidence=evidence, completeness=completeness,
                  notes=("UNKNOWN steps counted as down",))
    return Availability(opt, pes, target_pct, total, down, unknown, degraded,
                        budget * 365.25 * 86400, budget * 86400)


@dataclass(frozen=True)
class RestoreTimes:
    mttr: Kpi
    rto: Kpi  # worst time to restore
    rpo_seconds: Kpi
    rpo_records: Kpi
    count: int


def restore_times(incident_list: Sequence[Incident], evidence: Sequence[Evidence] = (), *,
                  known_share: float = 1.0) -> RestoreTimes:
    """MTTR (mean duration), RTO (longest), RPO (largest lag at failure) of the incidents.

    ``known_share`` is the share of the judged time (every step an incident counted here could
    have been seen in) whose state is known. Unknown time may hide an incident, or a longer
    one: each KPI's completeness is at most ``known_share``, and also at most the share of
    incidents seen whole (:attr:`Incident.bounded`: a duration cut by missing readings is a
    lower bound) and, for RPO, the share of incidents whose lag at the start is known. The
    values are those of the incidents seen: a breach among them is a breach (FAIL), anything
    else on partial data is INCONCLUSIVE (see :func:`mm2report.verdicts.compare`)."""
    ev = tuple(evidence)
    known_share = float(min(max(known_share, 0.0), 1.0))
    partial = (f"state known over {known_share:.1%} of the judged time",) if known_share < 1 else ()
    if not incident_list:
        reason = ("no incident observed: nothing to restore" if known_share >= 1 else
                  f"no incident observed, but the state is known over {known_share:.1%} of the "
                  "judged time only")
        return RestoreTimes(missing("mttr", "s", reason, ev, known_share),
                            missing("rto", "s", reason, ev, known_share),
                            missing("rpo_seconds", "s", reason, ev, known_share),
                            missing("rpo_records", "records", reason, ev, known_share), 0)
    n = len(incident_list)
    durations = [i.duration_s for i in incident_list]
    whole = sum(1 for i in incident_list if i.bounded)
    comp = min(known_share, whole / n)
    note = (f"{n} incident(s); durations exact to one step",) + partial + (
        (f"{n - whole} incident(s) cut by missing readings: their durations are lower bounds",)
        if whole < n else ())
    mttr = Kpi("mttr", float(np.mean(durations)), "s", evidence=ev, completeness=comp, notes=note)
    rto = Kpi("rto", float(np.max(durations)), "s", evidence=ev, completeness=comp, notes=note)

    def rpo(name: str, unit: str, values: list[float | None]) -> Kpi:
        known = [x for x in values if x is not None and np.isfinite(x)]
        share = min(known_share, len(known) / n)
        if not known:
            return missing(name, unit, "the lag at the start of the incidents is unknown", ev, share)
        notes = partial + ((f"lag at the start unknown for {n - len(known)} of {n} incident(s)",)
                           if len(known) < n else ())
        return Kpi(name, float(max(known)), unit, evidence=ev, completeness=share, notes=notes)

    return RestoreTimes(mttr, rto, rpo("rpo_seconds", "s", [i.rpo_seconds for i in incident_list]),
                        rpo("rpo_records", "records", [i.rpo_records for i in incident_list]), n)


# --------------------------------------------------------------------------------------------
# Worker rebalances
# --------------------------------------------------------------------------------------------


#: Worker events that bring a worker into the group: its join starts a group rebalance that
#: may stop no task for as long as a scrape step (``trigger`` ``"rejoin"``: a stopped worker's
#: return).
JOINS = ("worker_add", "rejoin")


@dataclass(frozen=True)
class Rebalance:
    phase: str
    kind: str
    trigger: str  # "event" (the event's start) or "rejoin" (a stopped worker's return)
    start: datetime
    end: datetime | None
    span: Kpi  # seconds until all tasks run, nothing rebalances and replication flows
    connect_max_time: Kpi  # Connect's rebalance-max-time over the span (ms)
    # a join: when the last group rebalance it triggered completed (completed-rebalances counters)
    group_end: datetime | None = None


def rebalances(events: Sequence[EventRef], *, tasks_running: QueryResult, rebalancing: QueryResult,
               replicated: QueryResult, lag: QueryResult | None, rebalance_max_time: QueryResult | None,
               expected_tasks: float | None, end: datetime,
               target_rate: QueryResult | None = None,
               timeline: StateTimeline | None = None,
               completed: QueryResult | None = None) -> tuple[Rebalance, ...]:
    """Rebalance span of each worker event: from the event until every expected task runs,
    no worker is rebalancing and replication flows (records replicated, or no lag), and the
    service state of the step is not DOWN (``timeline``), so that the rebalance and incident
    analyses of one event never contradict each other.

    The end is the first reading where all of that holds and keeps holding for
    :data:`REBALANCE_HOLD` more readings, minus half a step (it became true somewhere in the
    step before the reading).

    A join (a worker added, a stopped worker back: :data:`JOINS`) ends no earlier than the
    group rebalances it triggers (:func:`group_rebalance_end`, from ``completed``, each
    worker's completed-rebalances counter): the new worker's start and join, and the move of
    the tasks it takes, which can stop them for less than a scrape step, so that every task
    count reads normal. Without counter readings the span of a join is unknown."""
    running = aggregate(tasks_running)
    if timeline is not None and "scrape_failed" in timeline.frame:
        # the counts service_states left unknown at a live worker's failed scrape
        blank = timeline.frame["scrape_failed"] & timeline.frame["tasks_running"].isna()
        running = running.mask(blank.reindex(running.index, fill_value=False).astype(bool))
    rebal = aggregate(rebalancing)
    rate = aggregate(replicated)
    if target_rate is not None:  # see service_states: a fresh counter has no rate yet
        rate = rate.combine_first(aggregate(target_rate))
    lag_s = aggregate(lag)
    connect = aggregate(rebalance_max_time)
    step = tasks_running.step
    # readings where every worker is down carry no task count, yet are known not to be done
    all_down = (timeline.frame["cause"] == "workers") if timeline is not None else None
    state_down = (timeline.frame["state"] == State.DOWN.value) if timeline is not None else None
    out = []
    for ev in events:
        if ev.kind not in ("worker_stop", "worker_restart", "worker_add"):
            continue
        triggers = [("event", ev.start)]
        if ev.kind == "worker_stop" and ev.end is not None:
            triggers.append(("rejoin", ev.end))
        for trigger, at in triggers:
            r = _one_rebalance(ev, trigger, at, end, step, running, rebal, rate, lag_s, connect,
                               expected_tasks, all_down, tasks_running, rebalancing, replicated,
                               rebalance_max_time, state_down=state_down)
            if (ev.kind if trigger == "event" else trigger) in JOINS:
                r = _after_join(r, completed, end, step)
            out.append(r)
    return tuple(out)


def rebalance_counts(completed: QueryResult | None, at: datetime, end: datetime) -> pd.DataFrame:
    """Rebalances the workers completed at each reading of ``(at, end]`` (one column per
    worker), from their cumulative counters; NaN where no reading of a worker tells.

    The counter is reset-aware as Prometheus' counter functions are: a reading below the
    worker's previous one is a restarted JVM, whose count since its restart is the increase (a
    restarted worker reading 0 has completed no rebalance yet). A worker with no reading up to
    ``at`` (a worker added) counts from 0. A worker whose readings pause (a missing scrape)
    is compared with its last reading."""
    if completed is None or completed.frame.shape[1] == 0:
        return pd.DataFrame(index=pd.DatetimeIndex([], tz="UTC", name="ts"))
    frame = _readings(completed)
    upto = frame.index <= pd.Timestamp(at)
    seg = frame[~upto & (frame.index <= pd.Timestamp(end))]
    base = frame[upto].ffill().iloc[-1:].fillna(0.0) if upto.any() else \
        pd.DataFrame(0.0, index=[pd.Timestamp(at)], columns=frame.columns)
    # each reading against the worker's last reading before it (0 before its first)
    previous = pd.concat([base, seg]).ffill().iloc[:-1].set_axis(seg.index)
    return seg - previous.where(seg >= previous, 0.0)


def group_rebalance_end(completed: QueryResult | None, at: datetime, end: datetime,
                        step: int) -> tuple[datetime | None, str | None]:
    """When the group rebalances that began after ``at`` were over: the reading at which a
    worker's completed-rebalances count last rose before the counts stayed unchanged for
    :data:`REBALANCE_HOLD` more readings, minus half a step (the rebalance completed in the
    step before that reading); and, when it cannot be told, why.

    Kafka Connect counts a rebalance on each member once it has started the work its new
    assignment gives it. A worker joining takes two rounds with incremental cooperative
    rebalancing: the first revokes the tasks the new worker is to take, the second assigns
    them, and every member counts both; the second is the one that ends the span. A third
    round that must revoke again is delayed (exponentially, up to
    ``scheduled.rebalance.max.delay.ms``); a round that late is a new rebalance, not this one's
    end, and the task count sees what it moves."""
    counts = rebalance_counts(completed, at, end)
    if counts.shape[1] == 0 or counts.notna().sum().sum() == 0:
        return None, "no completed-rebalances readings: the group rebalance cannot be seen"
    known = counts.notna().any(axis=1).to_numpy()
    rose = (counts.fillna(0.0) > 0).any(axis=1).to_numpy()
    for j in np.flatnonzero(rose):
        quiet = slice(j + 1, j + 1 + REBALANCE_HOLD)
        if len(rose[quiet]) < REBALANCE_HOLD or rose[quiet].any():
            continue
        if not known[: j + 1 + REBALANCE_HOLD].all():
            return None, "completed-rebalances readings missing during the rebalance"
        return ts(max(seconds(counts.index[j]) - step / 2, seconds(at))), None
    if rose.any():
        return None, "the group still rebalancing when the phase ended"
    return None, "no group rebalance completed after the event (completed-rebalances unchanged)"


def _after_join(r: Rebalance, completed: QueryResult | None, end: datetime, step: int) -> Rebalance:
    """``r`` ended no earlier than the group rebalances of the join (see :func:`rebalances`)."""
    group, reason = group_rebalance_end(completed, r.start, end, step)
    evidence = r.span.evidence + ((Evidence.of(completed, r.start, end),) if completed else ())
    if group is None:
        span = missing("rebalance_span", "s", reason or "", evidence, r.span.completeness)
        return replace(r, end=None, span=span)
    if r.end is None:
        return replace(r, span=replace(r.span, evidence=evidence), group_end=group)
    finished = max(r.end, group, key=seconds)
    note = ("until the last group rebalance the join triggered (completed-rebalances)"
            if seconds(group) > seconds(r.end) else "until every task ran again")
    span = Kpi("rebalance_span", seconds(finished) - seconds(r.start), "s", evidence=evidence,
               completeness=r.span.completeness, notes=("exact to one step", note))
    return replace(r, end=finished, span=span, group_end=group)


def _one_rebalance(ev, trigger, at, end, step, running, rebal, rate, lag_s, connect, expected,
                   all_down, *results, state_down=None) -> Rebalance:
    evidence = tuple(Evidence.of(r, at, end) for r in results if r is not None)
    seg = pd.DataFrame({"running": window(running, at, end), "rebalancing": window(rebal, at, end)})
    seg["rate"] = window(rate, at, end).reindex(seg.index)
    seg["lag"] = window(lag_s, at, end).reindex(seg.index)
    known = seg["running"].notna() & seg["rebalancing"].notna()
    if all_down is not None:
        known |= all_down.reindex(seg.index, fill_value=False)
    done = known & (seg["running"] >= (expected or np.inf)) & (seg["rebalancing"] == 0) & (
        (seg["rate"] > 0) | (seg["lag"] == 0))
    if state_down is not None:
        done &= ~state_down.reindex(seg.index, fill_value=False)
    # over at a reading only when the condition keeps holding for the next REBALANCE_HOLD ones
    held = done.to_numpy().copy()
    for k in range(1, REBALANCE_HOLD + 1):
        held[: len(held) - k] &= done.to_numpy()[k:]
        held[len(held) - k:] = False
    done = pd.Series(held, index=seg.index)
    completeness = float(known.mean()) if len(seg) else 0.0
    if expected is None or not done.any():
        reason = ("expected task count unknown" if expected is None
                  else "not back to normal for good before the phase ended")
        span = missing("rebalance_span", "s", reason, evidence, completeness)
        finished = None
    else:
        first = seg.index[np.argmax(done.to_numpy())]
        if not known.loc[:first].all():
            span = missing("rebalance_span", "s", "readings missing during the rebalance",
                           evidence, completeness)
            finished = None
        else:
            finished = ts(max(seconds(first) - step / 2, seconds(at)))
            span = Kpi("rebalance_span", seconds(finished) - seconds(at), "s", evidence=evidence,
                       completeness=completeness, notes=("exact to one step",))
    horizon = ts(seconds(finished or end) + 120)
    cm = window(connect, at, min(horizon, end, key=seconds), closed="both")
    if cm.notna().any():
        connect_kpi = Kpi("connect_rebalance_max_time", float(cm.max()), "ms", evidence=evidence[-1:],
                          completeness=completeness,
                          notes=("Connect's own measure: the group rebalance only, not the task "
                                 "restarts nor the delay before a departed worker's tasks move",))
    else:
        connect_kpi = missing("connect_rebalance_max_time", "ms", "not reported", evidence[-1:])
    return Rebalance(ev.phase, ev.kind, trigger, at, finished, span, connect_kpi)


# --------------------------------------------------------------------------------------------
# Bursts
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BurstRecovery:
    phase: str
    start: datetime
    end: datetime
    baseline_records: Kpi  # highest lag of the 5 minutes before the burst
    peak_records: Kpi
    recovery: Kpi  # seconds from the burst's end until the lag is back to its baseline for good
    recovered_at: datetime | None


def burst_recoveries(events: Sequence[EventRef], lag: QueryResult, end: datetime,
                     offered: QueryResult | None = None) -> tuple[BurstRecovery, ...]:
    """Recovery of each burst: from its end until the consumer lag is back to its pre-burst
    baseline (the highest lag of the 5 minutes before) and stays there until the next event
    starts (of any kind: a later fault's backlog is not the burst's), or ``end``.

    "Back" allows a margin for the lag's own noise: 10 % of the baseline plus one second of the
    offered load before the burst (``offered``), so that a reading a few records above an
    otherwise steady baseline does not push the recovery back by an hour.

    Lag readings show the state just before their time: the recovery happened between the last
    reading above the baseline and the next one, and is placed halfway (exact to half a step)."""
    series = aggregate(lag)
    rate = aggregate(offered)
    step = lag.step
    out = []
    event_starts = sorted(seconds(e.start) for e in events)
    for ev in events:
        if ev.kind != "burst" or ev.end is None:
            continue
        later = [s for s in event_starts if s > seconds(ev.start)]
        until = ts(min([seconds(end)] + later))
        evidence = (Evidence.of(lag, ts(seconds(ev.start) - PRE_BURST), until),)
        before = window(series, ts(seconds(ev.start) - PRE_BURST), ev.start)
        after = window(series, ev.end, until)
        during = window(series, ev.start, until)
        if before.isna().any() or before.empty or after.empty or after.isna().any():
            reason = "lag readings missing before or after the burst"
            c = float(pd.concat([before, after]).notna().mean()) if len(before) + len(after) else 0.0
            out.append(BurstRecovery(ev.phase, ev.start, ev.end, missing("burst_baseline", "records", reason, evidence, c),
                                     missing("burst_peak", "records", reason, evidence, c),
                                     missing("burst_recovery", "s", reason, evidence, c), None))
            continue
        level = float(before.max())
        load = window(rate, ts(seconds(ev.start) - PRE_BURST), ev.start).mean() if len(rate) else 0.0
        margin = 0.1 * level + (float(load) if np.isfinite(load) else 0.0)
        above = after.to_numpy() > level + margin
        peak = Kpi("burst_peak", float(during.max()), "records", evidence=evidence, completeness=1.0)
        base = Kpi("burst_baseline", level, "records", evidence=evidence, completeness=1.0,
                   notes=(f"recovered below {level + margin:,.0f} records (baseline + margin)",))
        if above[-1]:
            rec = missing("burst_recovery", "s", "lag still above its pre-burst level at the next event "
                          "or the end of the phase",
                          evidence, 1.0)
            out.append(BurstRecovery(ev.phase, ev.start, ev.end, base, peak, rec, None))
            continue
        if above.any():
            last_above = seconds(after.index[np.flatnonzero(above)[-1]])
            recovered = last_above + step / 2
        else:
            recovered = seconds(ev.end)
        rec = Kpi("burst_recovery", max(recovered - seconds(ev.end), 0.0), "s", evidence=evidence,
                  completeness=1.0, notes=("exact to one step",))
        out.append(BurstRecovery(ev.phase, ev.start, ev.end, base, peak, rec, ts(recovered)))
    return tuple(out)


__all__ = ["Availability", "BurstRecovery", "EventRef", "Incident", "Rebalance", "RestoreTimes",
           "State", "StateTimeline", "availability", "availability_of", "burst_recoveries",
           "group_rebalance_end", "incidents", "rebalance_counts", "rebalances", "restore_times",
           "service_states"]
