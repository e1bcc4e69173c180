"""Unit tests of the KPI analyses (mm2report/analyses) and of the fail-safe verdicts, on small
synthetic frames.

Every expected number is worked out by hand from the documented definitions (``DESIGN.md`` and
the module docstrings); the arithmetic is written in the comments, never copied from the code
under test. Frames are built with ``sources.base.build_frame``, so they have exactly the shape a
source returns (UTC ``ts`` index; aggregate queries in one ``value`` column; labelled series in
``MultiIndex`` columns named by sorted label names).

Time convention used throughout: reading ``k`` of a range query is at ``T0 + k * STEP``; the
service-state grid of a range ``[T0, ...]`` starts at reading 1 (steps ``(T - step, T]``).
"""

from __future__ import annotations

import dataclasses

import math
import warnings
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from mm2report import verdicts as V
from mm2report.analyses.core import Kpi, missing
from mm2report.analyses.latency import (baseline, block_bootstrap, latency_stats,
                                        probe_percentiles, weighted_quantiles)
from mm2report.analyses.loss import message_loss
from mm2report.analyses.operations import DECISION_DATE, GENERATED, certificates, error_behaviour
from mm2report.analyses.projection import annual_projection
from mm2report.analyses.stability import stability, trend
from mm2report.analyses.state import (EventRef, Incident, State, StateTimeline, availability,
                                      burst_recoveries, incidents, rebalance_counts, rebalances,
                                      restore_times, service_states)
from mm2report.analyses.throughput import capacity, detect_steps
from mm2report.params import Thresholds, validate_campaign
from mm2report.sources.base import QueryResult, Series, build_frame

T0 = 1_793_491_200  # 2026-11-01T00:00:00Z: a multiple of 15 s, 60 s, 10 min, 1 h and 1 day
STEP = 15
YEAR_S = 365.25 * 86400  # 31,557,600 s
YEAR_H = YEAR_S / 3600  # 8,766 h
LN40 = math.log(40)  # chi2.ppf(0.975, 2) = -2 ln(0.025) = 2 ln 40 = 7.37776, so /2 = ln 40 = 3.68888


# ------------------------------------------------------------------------------------------
# Frame builders
# ------------------------------------------------------------------------------------------


def utc(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, tz=timezone.utc)


def at(k: float, step: int = STEP) -> datetime:
    """Grid time of reading ``k``."""
    return utc(T0 + k * step)


def _result(series: list[Series], start: int, end: int, step: int, name: str) -> QueryResult:
    return QueryResult(name, f"promql of {name}", utc(start), utc(end), step, "unit-test",
                       build_frame(series, start, end, step))


def agg(values, *, step: int = STEP, start: int = T0, name: str = "q") -> QueryResult:
    """An aggregate range query: reading ``k`` at ``start + k * step``; NaN = no sample."""
    v = np.asarray(values, dtype="float64")
    t = start + step * np.arange(len(v), dtype="int64")
    ok = ~np.isnan(v)
    return _result([Series({}, t[ok], v[ok])], start, start + step * (len(v) - 1), step, name)


def multi(columns: dict, *, step: int = STEP, start: int = T0, name: str = "q") -> QueryResult:
    """Labelled series: ``{(("instance", "w1"), ("job", "mm2")): values, ...}``."""
    series, n = [], 0
    for labels, values in columns.items():
        v = np.asarray(values, dtype="float64")
        n = len(v)
        t = start + step * np.arange(n, dtype="int64")
        ok = ~np.isnan(v)
        series.append(Series(dict(labels), t[ok], v[ok]))
    return _result(series, start, start + step * (n - 1), step, name)


def no_series(n: int, *, step: int = STEP, start: int = T0, name: str = "q") -> QueryResult:
    """A query that returned no series at all (zero columns)."""
    return _result([], start, start + step * (n - 1), step, name)


def partitions(values: dict, moment: int, name: str = "offsets") -> QueryResult:
    """A per-partition instant query: ``{(topic, partition): value}``."""
    series = [Series({"topic": t, "partition": str(p)}, np.array([moment], dtype="int64"),
                     np.array([float(v)])) for (t, p), v in values.items()]
    return _result(series, moment, moment, STEP, name)


STATE = {"U": "UP", "G": "DEGRADED", "D": "DOWN", "?": "UNKNOWN"}


def timeline(states: str, *, causes=None, lag=None, offered=None, step: int = STEP,
             expected: float = 4.0) -> StateTimeline:
    """A StateTimeline whose row ``i`` is reading ``k = i + 1`` (``T0 + (i + 1) * step``)."""
    n = len(states)
    index = pd.DatetimeIndex(pd.to_datetime(T0 + step * np.arange(1, n + 1), unit="s", utc=True),
                             name="ts")
    state = [STATE[c] for c in states]
    cause = list(causes) if causes is not None else ["tasks" if s == "DOWN" else "" for s in state]
    frame = pd.DataFrame({
        "state": state, "cause": cause, "tasks_running": np.nan,
        "offered_rate": offered if offered is not None else 100.0, "replicated_rate": np.nan,
        "latency_max_ms": np.nan, "lag_records": lag if lag is not None else 0.0}, index=index)
    return StateTimeline(frame, step, expected, ())


def event(kind: str, start: float, end: float | None = None, phase: str = "resilience",
          target: str | None = None) -> EventRef:
    """An event at absolute offsets (seconds after T0)."""
    return EventRef(phase, kind, utc(T0 + start), None if end is None else utc(T0 + end), target)


def incident(duration: float, *, kind: str | None = None, rpo_records=0.0, rpo_seconds=0.0,
             start: float = 0.0) -> Incident:
    ev = None if kind is None else event(kind, start)
    return Incident(utc(T0 + start), utc(T0 + start + duration), float(duration), "tasks",
                    utc(T0 + start + STEP), utc(T0 + start + duration), ev, None, None,
                    rpo_records, rpo_seconds)


def kpi(value, completeness=1.0, unit="s") -> Kpi:
    return Kpi("x", value, unit, completeness=completeness)


# ------------------------------------------------------------------------------------------
# Service state per step
# ------------------------------------------------------------------------------------------


def test_service_states_classifies_each_step_from_its_definition():
    nan = np.nan
    # reading k:   0     1     2     3     4     5     6     7     8      9    10    11    12
    running = [4, 4, 3, 4, 4, nan, 4, 4, 4, 2, nan, 4, 4]
    offered = [100, 100, 100, 100, 0.5, 100, nan, 100, 100, 100, 100, 100, 100]
    replicated = [100, 100, 100, 0, 0, 100, 100, 100, 100, 0, 0, 100, 100]
    latency = [200, 200, 200, 200, 200, 200, 200, 1500, 200, 200, 200, 200, 1000]
    lag = [50, 50, 50, 50, 50, 50, 50, 50, 20_000, 50, 50, 50, 10_000]
    tl = service_states(tasks_running=agg(running), offered=agg(offered),
                        replicated=agg(replicated), latency_max=agg(latency), lag=agg(lag),
                        thresholds=Thresholds(), expected_tasks=4)
    # the range is [T0, T0 + 12 * 15]: steps (T - 15, T] for T = reading 1 .. 12 (reading 0 is
    # the step before the range)
    assert list(tl.frame.index) == [pd.Timestamp(at(k)) for k in range(1, 13)]
    expected = [
        "UP",  # 1: 4/4 tasks, flowing, latency 200 <= 1000 ms, lag 50 <= 10,000
        "DOWN",  # 2: 3 < 4 tasks (point reading)
        "DOWN",  # 3: offered 100/s >= 1/s and 0 replicated: stall
        "UP",  # 4: 0 replicated but only 0.5/s offered (< 1/s): not a stall
        "UNKNOWN",  # 5: task count missing, nothing proves DOWN
        "UNKNOWN",  # 6: offered rate missing
        "DEGRADED",  # 7: latency 1500 > 1000 ms
        "DEGRADED",  # 8: lag 20,000 > 10,000 records
        "DOWN",  # 9: 2 < 4 tasks and a stall
        "DOWN",  # 10: task count missing, but the stall proves DOWN
        "UP",  # 11
        "UP",  # 12: latency 1000 and lag 10,000 equal the thresholds: they do not exceed them
    ]
    assert list(tl.frame["state"]) == expected
    assert list(tl.frame["cause"]) == ["", "tasks", "stall", "", "", "", "", "", "tasks+stall",
                                       "stall", "", ""]
    assert tl.count(State.DOWN) == 4 and tl.count(State.UNKNOWN) == 2
    assert tl.count(State.DEGRADED) == 2 and tl.count(State.UP) == 4
    assert tl.total_s == 12 * 15
    assert tl.completeness == pytest.approx(1 - 2 / 12)
    assert tl.expected_tasks == 4


def test_service_states_all_workers_down_without_task_reading_is_down_workers():
    nan = np.nan
    w1, w2 = (("instance", "w1:9404"), ("job", "mm2")), (("instance", "w2:9404"), ("job", "mm2"))
    # reading k:        0    1    2    3    4    5
    running = [4, 4, nan, nan, nan, 3]
    up = multi({w1: [1, 1, 0, 0, nan, 0], w2: [1, 1, 0, 1, nan, 0]})
    flow = [100] * 6
    tl = service_states(tasks_running=agg(running), offered=agg(flow), replicated=agg(flow),
                        latency_max=None, lag=None, thresholds=Thresholds(), expected_tasks=4,
                        up=up)
    # 1: 4/4 tasks -> UP; 2: no task reading and every `up` is 0 -> DOWN "workers";
    # 3: no task reading, one worker answers -> UNKNOWN; 4: no reading at all -> UNKNOWN;
    # 5: every `up` is 0 but a task count (3 < 4) is read -> DOWN "tasks"
    assert list(tl.frame["state"]) == ["UP", "DOWN", "UNKNOWN", "UNKNOWN", "DOWN"]
    assert list(tl.frame["cause"]) == ["", "workers", "", "", "tasks"]
    # a dead-worker reading is a point reading, like a task count: 1 reading = 1 step
    assert [(i.cause, i.duration_s) for i in incidents(tl)] == [("workers", 15.0), ("tasks", 15.0)]


def test_service_states_target_write_rate_stands_in_for_a_missing_replicated_rate():
    nan = np.nan
    kw = dict(tasks_running=agg([4, 4, 4, 4]), offered=agg([100, 100, 100, 100]),
              replicated=agg([100, nan, nan, nan]), latency_max=None, lag=None,
              thresholds=Thresholds(), expected_tasks=4)
    assert list(service_states(**kw).frame["state"]) == ["UNKNOWN"] * 3
    # the target cluster wrote 100/s at reading 1 (flowing), 0/s at reading 2 while the source
    # produced 100/s (a stall), nothing known at reading 3
    tl = service_states(**kw, target_rate=agg([100, 100, 0, nan]))
    assert list(tl.frame["state"]) == ["UP", "DOWN", "UNKNOWN"]
    assert list(tl.frame["cause"]) == ["", "stall", ""]


def test_no_stall_from_the_scrape_skew_when_the_load_stops_or_starts():
    # The source exporter and the MM2 workers are scraped at different instants of a step: the
    # step in which the load stops (or starts) can show records offered on one side and none
    # replicated on the other although nothing waits. Reading 0 is the step before the range.
    def states(offered, replicated, lag):
        return list(service_states(
            tasks_running=agg([4] * len(offered)), offered=agg(offered),
            replicated=agg(replicated), latency_max=None, lag=agg(lag),
            thresholds=Thresholds(), expected_tasks=4).frame["state"])

    # the load stops inside step 2: offered 40/s, nothing counted as replicated, backlog 0,
    # no load at reading 3: the skew, not a stall
    assert states([100, 100, 40, 0, 0], [100, 100, 0, 0, 0], [0, 0, 0, 0, 0]) == ["UP"] * 4
    # the same with records waiting at reading 2: a stall
    assert states([100, 100, 40, 0, 0], [100, 100, 0, 0, 0], [0, 0, 200, 0, 0])[1] == "DOWN"
    # the load starts inside step 2 after an idle step 1, replication shows at reading 3,
    # backlog 0: the skew, not a stall
    assert states([0, 0, 20, 50, 50], [0, 0, 0, 40, 50], [0, 0, 0, 0, 0]) == ["UP"] * 4
    # a stall that begins with the load: nothing replicated at reading 3 either, so reading 2
    # is DOWN too (the incident starts with the load)
    assert states([0, 0, 20, 50, 50], [0, 0, 0, 0, 50], [0, 0, 0, 0, 0])[:3] == [
        "UP", "DOWN", "DOWN"]
    # records wait at the first loaded reading: a stall, whatever follows
    assert states([0, 0, 20, 50, 50], [0, 0, 0, 40, 50], [0, 0, 90, 0, 0])[1] == "DOWN"
    # the load was already running before (a stall inside a steady load): DOWN at once
    assert states([50, 50, 50, 50, 50], [50, 50, 0, 40, 50], [0, 0, 0, 0, 0])[1] == "DOWN"


def test_service_states_expected_tasks_from_the_highest_assigned_count_or_unknown():
    running, total = [4, 4, 3, 4], [4, 4, 4, 4]
    flow = [100, 100, 100, 100]
    kw = dict(tasks_running=agg(running), offered=agg(flow), replicated=agg(flow),
              latency_max=None, lag=None, thresholds=Thresholds())
    tl = service_states(**kw, tasks_total=agg(total))
    assert tl.expected_tasks == 4.0  # max of the assigned counts
    assert list(tl.frame["state"]) == ["UP", "DOWN", "UP"]
    # no expected count at all: task counts prove nothing, every step UNKNOWN...
    tl = service_states(**kw)
    assert tl.expected_tasks is None
    assert list(tl.frame["state"]) == ["UNKNOWN"] * 3
    # ...except a stall, which needs no task count
    kw["replicated"] = agg([100, 0, 100, 100])
    assert list(service_states(**kw).frame["state"]) == ["DOWN", "UNKNOWN", "UNKNOWN"]


# ------------------------------------------------------------------------------------------
# Incidents, availability, restore times
# ------------------------------------------------------------------------------------------


def test_task_outage_lasts_n_steps_and_carries_its_rpo_and_event_delays():
    lag = [0, 0, 600, 0, 0, 0, 0, 0]  # row 2 = reading 3, just before the outage
    offered = [200.0] * 8
    tl = timeline("UUUDDDUU", lag=lag, offered=offered)
    stop = event("worker_stop", 50, 200)
    (inc,) = incidents(tl, [stop], phase="resilience")
    # DOWN readings 4, 5, 6 (T0+60, +75, +90): three point readings stand for 3 steps = 45 s;
    # start = first reading - one step = T0+45, end = last reading = T0+90
    assert inc.first_down == at(4) and inc.last_down == at(6)
    assert inc.start == utc(T0 + 45) and inc.end == utc(T0 + 90)
    assert inc.duration_s == 45.0 and inc.cause == "tasks" and inc.phase == "resilience"
    # linked: the event started at T0+50 (<= 60 s after T0+45) and ended at T0+200 (after it)
    assert inc.event == stop
    assert inc.detected_after_s == 60 - 50  # first DOWN reading - event start
    assert inc.restored_after_s == 90 - 50  # estimated end - event start
    # RPO: lag read just before the incident (reading 3): 600 records, at 200 records/s = 3 s
    assert inc.rpo_records == 600.0 and inc.rpo_seconds == pytest.approx(3.0)


def test_stall_outage_adds_half_a_step_at_each_stall_edge():
    tl = timeline("UUUUDDUU", causes=["", "", "", "", "stall", "stall", "", ""])
    (inc,) = incidents(tl)
    # DOWN readings 5 and 6 (T0+75, T0+90): rate steps (60, 75] and (75, 90] replicated nothing;
    # the stall began inside (45, 60] and ended inside (90, 105]: halfway, T0+52.5 and T0+97.5.
    assert inc.start == utc(T0 + 52.5) and inc.end == utc(T0 + 97.5)
    assert inc.duration_s == 2 * 15 + 15  # n x step + step
    assert inc.cause == "stall" and inc.event is None
    assert inc.detected_after_s is None and inc.restored_after_s is None
    assert inc.rpo_records == 0.0 and inc.rpo_seconds == 0.0  # lag 0 before it: nothing at risk


def test_half_step_only_at_the_edges_where_only_a_stall_was_seen():
    tl = timeline("UUDDDU", causes=["", "", "tasks+stall", "stall", "stall", ""])
    (inc,) = incidents(tl)
    # first reading 3 (T0+45) also lacked tasks: start = 45 - 15 = 30 (no half step);
    # last reading 5 (T0+75) was a stall only: end = 75 + 7.5 = 82.5; 52.5 s = 3 x 15 + 7.5
    assert inc.start == utc(T0 + 30) and inc.end == utc(T0 + 82.5)
    assert inc.duration_s == 52.5
    assert inc.cause == "stall+tasks"


def test_rpo_unknown_without_a_lag_reading_or_a_rate_before():
    tl = timeline("DDUUDU", lag=[0, 0, 0, np.nan, 0, 0], offered=[100, 100, 100, 100, 100, 100])
    first, second = incidents(tl)
    assert first.rpo_records is None and first.rpo_seconds is None  # nothing before row 0
    assert second.rpo_records is None and second.rpo_seconds is None  # lag NaN at reading 4
    tl = timeline("UDU", lag=[500, 0, 0], offered=[0.0, 0.0, 0.0])
    (inc,) = incidents(tl)
    assert inc.rpo_records == 500.0 and inc.rpo_seconds is None  # 500 records / 0 per s: unknown


def test_incident_links_to_the_latest_event_within_60_s_after_and_600_s_before():
    tl = timeline("U" * 79 + "D" + "U" * 5)
    # the only DOWN reading is 80 (T0+1200): the incident began at T0+1185
    a = event("worker_restart", 100, 585)  # ended exactly 600 s before T0+1185: eligible
    b = event("worker_stop", 200, 584)  # ended 601 s before: not eligible (though later than a)
    c = event("broker_stop", 1245)  # started exactly 60 s after: eligible, and the latest
    d = event("network_cut", 1246)  # started 61 s after: not eligible
    e = event("burst", 1190, 1300)  # a burst is load, not a fault: never linked
    assert incidents(tl, [a, b, c, d, e])[0].event == c
    (inc,) = incidents(tl, [a, b, d, e])
    assert inc.event == a
    assert inc.detected_after_s == 1200 - 100 and inc.restored_after_s == 1200 - 100
    assert incidents(tl, [b, d, e])[0].event is None


def test_availability_optimistic_pessimistic_and_budget():
    tl = timeline("U" * 10 + "?" * 10 + "D" * 4 + "G" * 5 + "U" * 71)
    found = incidents(tl)
    assert [i.duration_s for i in found] == [60.0]  # 4 task readings x 15 s
    av = availability(tl, found, 99.9886)
    # total 100 x 15 = 1500 s; unknown 10 x 15 = 150 s; known 1350 s; down 60 s; degraded 75 s
    assert (av.total_s, av.unknown_s, av.down_s, av.degraded_s) == (1500, 150, 60, 75)
    # optimistic: (1350 - 60) / 1350 = 95.555...%; pessimistic: (1500 - 60 - 150) / 1500 = 86 %
    assert av.optimistic.value == pytest.approx(100 * 1290 / 1350)
    assert av.pessimistic.value == pytest.approx(86.0)
    assert av.optimistic.completeness == pytest.approx(0.9)
    # budget: (1 - 0.999886) x 365.25 x 86400 = 0.000114 x 31,557,600 = 3597.57 s = 59.96 min
    # a year; 0.000114 x 86400 = 9.8496 s a day (DESIGN: "59.9 min a year, 9.9 s per 24 h")
    assert av.budget_year_s == pytest.approx(3597.5664, rel=1e-6)
    assert av.budget_year_s / 60 == pytest.approx(59.9, abs=0.1)
    assert av.budget_day_s == pytest.approx(9.85, abs=0.005)


def test_availability_without_known_steps_is_not_measured():
    tl = timeline("????")
    av = availability(tl, incidents(tl), 99.9886)
    assert not av.optimistic.known  # no known time: no ratio, never 100 %
    assert av.pessimistic.value == 0.0  # all 60 s unknown, counted as down


def test_restore_times_mean_worst_and_rpo():
    found = [incident(45, rpo_records=600, rpo_seconds=3),
             incident(60, rpo_records=0, rpo_seconds=0),
             incident(90, rpo_records=2000, rpo_seconds=10)]
    rt = restore_times(found)
    assert rt.count == 3
    assert rt.mttr.value == pytest.approx((45 + 60 + 90) / 3)  # 65 s
    assert rt.rto.value == 90.0  # the worst
    assert rt.rpo_seconds.value == 10.0 and rt.rpo_records.value == 2000.0
    # one incident without a lag reading before it: RPO is the worst of the three seen, on
    # 3/4 of the incidents (it can FAIL, never PASS); MTTR/RTO are still complete
    rt = restore_times(found + [incident(30, rpo_records=None, rpo_seconds=None)])
    assert rt.rpo_seconds.value == 10.0 and rt.rpo_records.value == 2000.0
    assert rt.rpo_records.completeness == pytest.approx(3 / 4)
    assert V.compare("rpo", "RPO", rt.rpo_seconds, "<", 60).status is V.Status.INCONCLUSIVE
    assert V.compare("rpo", "RPO", rt.rpo_seconds, "<", 5).status is V.Status.FAIL
    assert rt.mttr.value == pytest.approx((45 + 60 + 90 + 30) / 4) and rt.rto.value == 90.0
    assert rt.rto.completeness == 1.0


def test_restore_times_carry_the_completeness_of_the_judged_time():
    found = [incident(45), incident(90)]
    # a tenth of the judged time unknown: a longer incident may hide there
    rt = restore_times(found, known_share=0.9)
    for k in (rt.mttr, rt.rto, rt.rpo_seconds, rt.rpo_records):
        assert k.completeness == pytest.approx(0.9)
    assert V.compare("rto", "RTO", rt.rto, "<", 300).status is V.Status.INCONCLUSIVE
    assert V.compare("rto", "RTO", rt.rto, "<", 60).status is V.Status.FAIL  # 90 s seen
    # an incident cut by missing readings: its 45 s are a lower bound
    cut = dataclasses.replace(incident(45), bounded=False)
    rt = restore_times([cut, incident(90)])
    assert rt.rto.completeness == pytest.approx(0.5) and rt.rto.value == 90.0
    assert V.compare("rto", "RTO", rt.rto, "<", 300).status is V.Status.INCONCLUSIVE
    # no incident seen in partly unknown time proves nothing either
    rt = restore_times([], known_share=0.5)
    assert rt.rto.completeness == 0.5 and "0.5" not in rt.rto.notes[0]
    assert "50.0%" in rt.rto.notes[0]


def test_rpo_is_the_lag_at_the_start_and_the_age_of_its_oldest_record():
    # rows 0-9 (readings T0+15 .. T0+150): the source produced 6,000/s up to row 3 (a burst),
    # then 3,000/s (45,000 records a step); the lag drains; rows 7-9 are a stall
    lag = [190_000.0, 185_000, 180_000, 175_000, 170_000, 167_000, 160_000, 160_000, 160_000,
           160_000]
    offered = [6000.0] * 4 + [3000.0] * 6
    causes = [""] * 7 + ["stall"] * 3
    (stall,) = incidents(timeline("UUUUUUUDDD", causes=causes, lag=lag, offered=offered))
    # the stall began inside row 6's step; the stalled task's lag keeps its value then: read
    # at row 6 (the first reading at or after the estimated start), 160,000 records
    assert stall.start == utc(T0 + 7 * STEP - STEP / 2) and stall.rpo_records == 160_000
    # 160,000 records: rows 6, 5, 4 produced 135,000, row 3 the last 25,000 at 6,000/s
    # (4.17 s): the oldest record waited 49.2 s, not 160,000 / 3,000 = 53.3 s
    assert stall.rpo_seconds == pytest.approx(45 + 25_000 / 6000)
    # a task incident starts at the reading before its first DOWN reading: read there
    (tasks,) = incidents(timeline("UUUUUUDDDD", lag=lag, offered=offered))
    assert tasks.start == utc(T0 + 6 * STEP) and tasks.rpo_records == 167_000
    assert tasks.rpo_seconds == pytest.approx(30 + 77_000 / 6000)  # rows 5, 4, then row 3
    # production not known far enough back: the age is unknown, the records are not
    (far,) = incidents(timeline("UUUUUUUDDD", causes=causes, lag=[1e7] * 10, offered=offered))
    assert far.rpo_records == 1e7 and far.rpo_seconds is None


def test_incident_edges_next_to_unknown_steps_are_not_bounded():
    tl = timeline("UUUDDUU??DDUUDD??UUDD")
    found = incidents(tl)
    assert [i.bounded for i in found] == [True, False, False, False]
    assert found[1].rpo_records is None  # the state before it is unknown: so is its start
    assert incidents(timeline("DDUUU"))[0].bounded is False  # began before the phase
    assert incidents(timeline("UUUDD"))[0].bounded is False  # still down at its end


def test_no_incident_means_restore_times_not_measured():
    rt = restore_times([])
    assert rt.count == 0
    for k in (rt.mttr, rt.rto, rt.rpo_seconds, rt.rpo_records):
        assert not k.known
    assert V.compare("mttr", "MTTR", rt.mttr, "<", 600).status is V.Status.INCONCLUSIVE


# ------------------------------------------------------------------------------------------
# Rebalances
# ------------------------------------------------------------------------------------------


W1, W2, W3 = ((("instance", f"w{i}"),) for i in (1, 2, 3))


def _rebalance_data():
    n = 36  # readings 0..35, T0 .. T0+525
    running = [4.0] * n
    for k in range(7, 11):
        running[k] = 3.0  # the stopped worker's task is missing at readings 7-10
    rebal = [0.0] * n
    for k in (9, 10, 11, 27):
        rebal[k] = 1.0
    rate = [100.0] * n
    rate[28] = rate[29] = 0.0
    lag = [0.0] * n
    lag[28] = 500.0  # reading 28: nothing replicated and a backlog: not flowing yet
    connect = [0.0] * 9 + [2500.0] * 18 + [4000.0] * 9
    return running, rebal, rate, lag, connect


def test_rebalance_span_ends_half_a_step_before_the_first_reading_where_all_is_back():
    running, rebal, rate, lag, connect = _rebalance_data()
    stop = event("worker_stop", 100, 400)
    # the stopped worker (w2) is back at reading 28 having completed its rejoin's 2 rounds
    completed = multi({W1: [5.0] * 28 + [7.0] * 8,
                       W2: [3.0] * 7 + [np.nan] * 21 + [2.0] * 8}, name="rebalances_completed")
    found = rebalances([stop, event("burst", 10, 20)], tasks_running=agg(running),
                       rebalancing=agg(rebal), replicated=agg(rate), lag=agg(lag),
                       rebalance_max_time=agg(connect), expected_tasks=4, end=at(35),
                       completed=completed)
    assert [(r.kind, r.trigger) for r in found] == [("worker_stop", "event"),
                                                    ("worker_stop", "rejoin")]
    ev, rejoin = found
    # from T0+100: readings 7-10 miss a task, 11 still rebalances; reading 12 (T0+180) is the
    # first with 4 tasks, no rebalance and records flowing: end = 180 - 7.5 = 172.5, span 72.5 s
    assert ev.start == utc(T0 + 100) and ev.end == utc(T0 + 172.5)
    assert ev.span.value == pytest.approx(72.5)
    # Connect's own max time over [T0+100, end + 120 s = T0+292.5]: 2500 ms
    assert ev.connect_max_time.value == 2500.0
    # rejoin at T0+400: 27 rebalances, 28 has no flow (0 replicated, lag 500), 29 (T0+435) has
    # 0 replicated but no lag, which counts as flowing: end = 435 - 7.5 = 427.5, span 27.5 s
    assert rejoin.start == utc(T0 + 400) and rejoin.end == utc(T0 + 427.5)
    assert rejoin.span.value == pytest.approx(27.5)
    assert rejoin.connect_max_time.value == 4000.0
    # the rejoin's group rebalance (counters up at reading 28, T0+420) ended before the tasks
    assert rejoin.group_end == utc(T0 + 412.5) and "every task" in rejoin.span.notes[-1]
    assert ev.group_end is None  # a departure: the task count tells when its tasks moved


def test_rebalance_ends_only_once_the_tasks_keep_running():
    running, rebal, rate, lag, connect = _rebalance_data()
    running[13] = 3.0  # back to 4 tasks at reading 12, one missing again at reading 13
    kw = dict(rebalancing=agg(rebal), replicated=agg(rate), lag=agg(lag),
              rebalance_max_time=agg(connect), expected_tasks=4, end=at(35))
    (r,) = rebalances([event("worker_restart", 100)], tasks_running=agg(running), **kw)
    # readings 14, 15, 16 all back: over at 14 (T0+210), minus half a step: 102.5 s
    assert r.end == utc(T0 + 202.5) and r.span.value == pytest.approx(102.5)
    # the incident analysis of the same timeline sees reading 13 DOWN: no contradiction
    causes = ["tasks" if (7 <= k <= 10 or k == 13) else "" for k in range(1, 36)]
    tl = timeline("".join("D" if c else "U" for c in causes), causes=causes)
    down_after = [i for i in incidents(tl) if i.last_down > r.end]
    assert down_after == []
    # a step the timeline calls DOWN (a stall the task counts do not show) is not the end
    stall = ["stall" if k == 14 else c for k, c in zip(range(1, 36), causes)]
    tl = timeline("".join("D" if c else "U" for c in stall), causes=stall)
    (r,) = rebalances([event("worker_restart", 100)], tasks_running=agg(running), timeline=tl,
                      **kw)
    assert r.end == utc(T0 + 217.5)
    # back for good only at the last readings of the phase: not seen to hold, not measured
    late = [3.0] * 34 + [4.0, 4.0]
    (r,) = rebalances([event("worker_restart", 100)], tasks_running=agg(late), **kw)
    assert not r.span.known and "for good" in r.span.notes[0]


def test_rebalance_through_readings_where_every_worker_is_down():
    running, rebal, rate, lag, connect = _rebalance_data()
    for k in range(7, 11):
        running[k] = rebal[k] = np.nan  # every worker down: no task count, no rebalance flag
    kw = dict(tasks_running=agg(running), rebalancing=agg(rebal), replicated=agg(rate),
              lag=agg(lag), rebalance_max_time=agg(connect), expected_tasks=4, end=at(35))
    (r,) = rebalances([event("worker_restart", 100)], **kw)
    assert not r.span.known  # readings missing during the rebalance
    # the state timeline knows readings 7-10 were DOWN "workers": known, and not done
    causes = ["workers" if 7 <= k <= 10 else "" for k in range(1, 36)]
    tl = timeline("".join("D" if c else "U" for c in causes), causes=causes)
    (r,) = rebalances([event("worker_restart", 100)], timeline=tl, **kw)
    assert r.span.value == pytest.approx(72.5)  # as before: done at reading 12, minus 7.5 s


def test_rebalance_not_measured_with_missing_readings_unknown_tasks_or_no_return():
    running, rebal, rate, lag, connect = _rebalance_data()
    kw = dict(tasks_running=agg(running), replicated=agg(rate), lag=agg(lag),
              rebalance_max_time=agg(connect), end=at(35))
    gap = list(rebal)
    gap[10] = np.nan  # a missing reading before the end was reached
    (r,) = rebalances([event("worker_restart", 100)], rebalancing=agg(gap), expected_tasks=4, **kw)
    assert not r.span.known and r.end is None
    (r,) = rebalances([event("worker_add", 100)], rebalancing=agg(rebal), expected_tasks=None, **kw)
    assert not r.span.known  # expected task count unknown
    (r,) = rebalances([event("worker_add", 100)], rebalancing=agg(rebal), expected_tasks=5, **kw)
    assert not r.span.known  # 5 tasks never run: not back before the phase ended
    # a worker_stop without an end has no rejoin
    assert len(rebalances([event("worker_stop", 100)], rebalancing=agg(rebal), expected_tasks=4,
                          **kw)) == 1


def _join(step: int = 5):
    """A worker added at reading 10 of a 5 s grid whose tasks move between two scrapes: every
    task count reads 4, no reading catches a worker rebalancing. Its JVM starts, it joins:
    the first round (revocations) completes at reading 12 on every member, the second (the
    moved tasks start on it) at reading 13; the new worker w3 is scraped from reading 11."""
    n = 30
    flat = dict(tasks_running=agg([4.0] * n, step=step), rebalancing=agg([0.0] * n, step=step),
                replicated=agg([100.0] * n, step=step), lag=agg([0.0] * n, step=step),
                rebalance_max_time=None, expected_tasks=4, end=at(n - 1, step))
    old = [6.0] * 12 + [7.0] + [8.0] * (n - 13)
    new = [np.nan] * 11 + [0.0, 1.0] + [2.0] * (n - 13)
    counts = {W1: old, W2: [v - 2 for v in old], W3: new}
    return flat, counts


def test_join_whose_task_stop_falls_between_scrapes_ends_at_its_last_group_rebalance():
    flat, counts = _join()
    completed = multi(counts, step=5, name="rebalances_completed")
    (r,) = rebalances([event("worker_add", 50)], completed=completed, **flat)
    # the last count rose at reading 13 (T0+65): over in the step before it, at T0+62.5
    assert r.group_end == utc(T0 + 62.5) and r.end == utc(T0 + 62.5)
    assert r.span.value == pytest.approx(12.5)  # not the 2.5 s the task counts alone give
    assert "group rebalance" in r.span.notes[-1]
    assert any(e.query == "rebalances_completed" for e in r.span.evidence)
    # a departure is measured from its tasks: the counters do not lengthen it
    (r,) = rebalances([event("worker_stop", 50)], completed=completed, **flat)
    assert r.span.value == pytest.approx(2.5) and r.group_end is None


def test_join_without_completed_rebalances_is_unknown_never_zero():
    flat, counts = _join()
    for completed in (None, no_series(30, step=5, name="rebalances_completed")):
        (r,) = rebalances([event("worker_add", 50)], completed=completed, **flat)
        assert not r.span.known and r.end is None
        assert "no completed-rebalances readings" in r.span.notes[0]
    # counters read but never rising: the join was not seen (the worker never joined)
    still = multi({W1: [6.0] * 30, W2: [4.0] * 30}, step=5, name="rebalances_completed")
    (r,) = rebalances([event("worker_add", 50)], completed=still, **flat)
    assert not r.span.known and "no group rebalance completed" in r.span.notes[0]
    # a reading of no worker at all inside the rebalance: not measured
    gap = {k: list(v) for k, v in counts.items()}
    for v in gap.values():
        v[11] = np.nan
    (r,) = rebalances([event("worker_add", 50)],
                      completed=multi(gap, step=5, name="rebalances_completed"), **flat)
    assert not r.span.known and "missing" in r.span.notes[0]


def test_a_worker_restart_resetting_its_counter_is_no_rebalance():
    flat, counts = _join()
    # w1's JVM restarts after the join: its counter reads 0 from reading 15 (no rebalance
    # completed yet by the new JVM), which a difference of readings would take for activity
    reset = {k: list(v) for k, v in counts.items()}
    reset[W1][15:] = [0.0] * 15
    completed = multi(reset, step=5, name="rebalances_completed")
    (r,) = rebalances([event("worker_add", 50)], completed=completed, **flat)
    assert r.group_end == utc(T0 + 62.5)
    rises = rebalance_counts(completed, utc(T0 + 50), utc(T0 + 145))
    assert rises.loc[utc(T0 + 75)].tolist() == [0.0, 0.0, 0.0]  # 8 -> 0: a reset, no rise
    # once the restarted worker completes its own join (0 -> 2, as a reset 8 -> 2), it rose
    reset[W1][20:] = [2.0] * 10
    rises = rebalance_counts(multi(reset, step=5, name="rebalances_completed"),
                             utc(T0 + 50), utc(T0 + 145))
    assert rises.loc[utc(T0 + 100)].tolist() == [2.0, 0.0, 0.0]
    # the new worker's series starts with the count of its first rounds: from 0, not unknown
    assert rises.loc[utc(T0 + 55)].tolist() == [0.0, 0.0, 0.0]
    assert rises.loc[utc(T0 + 60)].tolist() == [1.0, 1.0, 1.0]


def test_a_join_still_rebalancing_at_the_end_is_unknown():
    flat, counts = _join()
    flat["end"] = at(14, 5)  # the phase ends one reading after the last rise
    completed = multi(counts, step=5, name="rebalances_completed")
    (r,) = rebalances([event("worker_add", 50)], completed=completed, **flat)
    assert not r.span.known and "still rebalancing" in r.span.notes[0]


# ------------------------------------------------------------------------------------------
# Burst recoveries
# ------------------------------------------------------------------------------------------


def _burst_lag(n: int = 101) -> list[float]:
    lag = [100.0 + 200.0 * (k % 2) for k in range(n)]  # 100 / 300 alternating
    lag[19] = 2000.0  # T0+285 and T0+300: not in the 5 minutes before the burst (T0+300, T0+600]
    lag[20] = 5000.0
    for k in range(41, 61):
        lag[k] = 1000.0 * (k - 40)  # the burst: up to 20,000 at reading 60 (T0+900)
    for k in range(61, 70):
        lag[k] = 20_000.0 - 2100.0 * (k - 60)  # 17,900 ... 1,100
    # T0+1050: the last reading above the baseline of 300 plus its margin (10 % of it, and no
    # offered rate given: 330)
    lag[70] = 331.0
    for k in range(71, n):
        lag[k] = 200.0
    return lag


def test_burst_baseline_peak_and_recovery_within_the_step_after_the_last_reading_above():
    burst = event("burst", 600, 900, phase="nominal")
    (b,) = burst_recoveries([burst, event("worker_stop", 100, 200)], agg(_burst_lag()), at(100))
    # baseline: the highest lag of (T0+300, T0+600], readings 21..40 alternating 100/300 = 300
    assert b.baseline_records.value == 300.0
    assert b.peak_records.value == 20_000.0
    # the last reading above 330 is at T0+1050 (150 s after the burst's end), the next one at
    # T0+1065 is back: recovery in (150, 165] s
    assert 150.0 < b.recovery.value <= 165.0
    assert utc(T0 + 1050) < b.recovered_at <= utc(T0 + 1065)


def test_burst_recovery_is_placed_halfway_after_the_last_reading_above():
    (b,) = burst_recoveries([event("burst", 600, 900)], agg(_burst_lag()), at(100))
    # halfway between T0+1050 and T0+1065: T0+1057.5, i.e. 157.5 s after the end (T0+900)
    assert b.recovered_at == utc(T0 + 1057.5)
    assert b.recovery.value == 157.5


def test_burst_recovery_must_hold_until_the_end_and_needs_complete_readings():
    burst = event("burst", 600, 900)
    lag = _burst_lag()
    lag[90] = 400.0  # above 330 again at T0+1350: recovered only after that
    (b,) = burst_recoveries([burst], agg(lag), at(100))
    assert 450.0 < b.recovery.value <= 465.0  # (1350 - 900, 1365 - 900]
    lag[100] = 400.0  # still above at the end of the phase
    (b,) = burst_recoveries([burst], agg(lag), at(100))
    assert not b.recovery.known and b.recovered_at is None
    assert b.peak_records.value == 20_000.0
    lag = _burst_lag()
    lag[30] = np.nan  # a missing reading in the 5 minutes before
    (b,) = burst_recoveries([burst], agg(lag), at(100))
    assert not b.baseline_records.known and not b.recovery.known
    # a lag that never rose above its baseline after the burst: recovered at the burst's end
    flat = [100.0] * 101
    (b,) = burst_recoveries([burst], agg(flat), at(100))
    assert b.recovery.value == 0.0


def test_each_burst_is_measured_before_the_next_one():
    lag = _burst_lag(141)
    for k in range(81, 91):
        lag[k] = 3000.0 * (k - 80)  # a second burst T0+1200..T0+1350, peak 30,000
    for k in range(91, 96):
        lag[k] = 30_000.0 - 6000.0 * (k - 90)  # back to 0 at T0+1425, then 200
    first, second = burst_recoveries([event("burst", 600, 900), event("burst", 1200, 1350)],
                                     agg(lag), at(140))
    # the first burst recovered ~157.5 s after its end, long before the second began (300 s)
    assert first.recovery.value < 300.0
    assert first.peak_records.value == 20_000.0  # its own peak, not the second burst's 30,000


def test_a_later_fault_ends_the_burst_window_and_the_load_sets_the_margin():
    lag = _burst_lag(141)
    for k in range(81, 91):
        lag[k] = 50_000.0  # a worker stops at T0+1200: its backlog is not the burst's
    burst = event("burst", 600, 900)
    (b,) = burst_recoveries([burst, event("worker_stop", 1200, 1300)], agg(lag), at(140))
    assert 150.0 < b.recovery.value <= 165.0 and b.peak_records.value == 20_000.0
    (alone,) = burst_recoveries([burst], agg(lag), at(140))
    # without the stop among the events, its backlog would be counted as the burst's
    assert 450.0 < alone.recovery.value <= 465.0  # last above at T0+1350
    # back means under the 300 baseline + 10 % of it + one second of a 500 records/s load = 830:
    # a reading of 820 after the burst is back, one of 840 is not
    lag = _burst_lag()
    lag[80] = 820.0
    offered = agg([500.0] * 101)
    (b,) = burst_recoveries([burst], agg(lag), at(100), offered)
    # the last reading above 830 is now 1,100 at T0+1035 (the 331 at T0+1050 is under it)
    assert 135.0 < b.recovery.value <= 150.0
    lag[80] = 840.0
    (b,) = burst_recoveries([burst], agg(lag), at(100), offered)
    assert 300.0 < b.recovery.value <= 315.0  # last above at T0+1200: (1200 - 900, 1215 - 900]


# ------------------------------------------------------------------------------------------
# Capacity
# ------------------------------------------------------------------------------------------


def _staircase(levels, ceiling=None, noise=0.0, per_step=40):
    """Readings 0 .. len(levels) * per_step; reading k covers (T - 15, T] and so belongs to load
    step (k - 1) // per_step (reading 0 to step 0). Replicated = min(offered, ceiling); the lag
    grows by the unreplicated records of each step."""
    n = len(levels) * per_step + 1
    offered, replicated, lag, total = [], [], [], 0.0
    for k in range(n):
        level = levels[max(k - 1, 0) // per_step]
        o = level * (1 + noise * (-1) ** k)
        r = o if ceiling is None else min(o, ceiling)
        total += (o - r) * STEP
        offered.append(o)
        replicated.append(r)
        lag.append(total)
    return offered, replicated, lag


def _steps(count, per_step=40):
    return [(at(i * per_step), at((i + 1) * per_step), None) for i in range(count)]


def test_capacity_sustained_rule_max_tested_recommended_and_ceiling():
    levels, true_ceiling = [1000, 2000, 3000, 4000, 5000], 3500.0
    offered, replicated, lag = _staircase(levels, true_ceiling, noise=0.01)
    latency = [100.0] * len(offered)
    cap = capacity(offered=agg(offered), replicated=agg(replicated), lag=agg(lag),
                   latency_max=agg(latency), steps=_steps(5), warmup=timedelta(seconds=60),
                   sustained_ratio=0.98, recommended_ratio=0.70, latency_slo_ms=5000)
    # each step (600 s) is analysed from its start + 60 s: 36 readings, offered alternating
    # +-1 % around its level (18 of each: the mean is the level)
    assert [s.offered.value for s in cap.steps] == pytest.approx(levels)
    # replicated = min(offered, 3500): steps 1-3 replicate everything; step 4 3500 / 4000 = 87.5 %,
    # step 5 3500 / 5000 = 70 %: both under 98 % (and their lag grows)
    assert [s.ratio for s in cap.steps] == pytest.approx([1, 1, 1, 0.875, 0.7])
    assert [s.sustained for s in cap.steps] == [True, True, True, False, False]
    assert cap.detected is False
    # max tested: the highest sustained replicated rate, 3000 (not step 4's 3500: unsustained)
    assert cap.max_tested.value == pytest.approx(3000)
    assert cap.recommended.value == pytest.approx(0.70 * 3000)  # 2100
    # a step was not sustained: the fitted ceiling is given, within a few % of the true 3500
    assert cap.ceiling.known
    assert cap.ceiling.value == pytest.approx(true_ceiling, rel=0.03)
    lo, hi = cap.ceiling.ci
    assert lo <= cap.ceiling.value <= hi


def test_capacity_without_an_unsustained_step_gives_no_ceiling():
    offered, replicated, lag = _staircase([1000, 2000, 3000])
    cap = capacity(offered=agg(offered), replicated=agg(replicated), lag=agg(lag),
                   latency_max=agg([100.0] * len(offered)), steps=_steps(3),
                   warmup=timedelta(seconds=60), sustained_ratio=0.98, recommended_ratio=0.70,
                   latency_slo_ms=5000)
    assert [s.sustained for s in cap.steps] == [True, True, True]
    assert cap.max_tested.value == pytest.approx(3000)
    assert not cap.ceiling.known  # the ceiling lies above the highest tested load: not placed


def _one_step(offered, replicated, lag, latency, **kw):
    return capacity(offered=agg(offered), replicated=agg(replicated),
                    lag=None if lag is None else agg(lag),
                    latency_max=None if latency is None else agg(latency),
                    steps=[(at(0), at(40), 1000.0)], warmup=timedelta(seconds=60),
                    sustained_ratio=0.98, recommended_ratio=0.70, latency_slo_ms=5000, **kw)


@pytest.mark.parametrize("replicated,sustained", [(975.0, False), (980.0, True)])
def test_capacity_ratio_rule(replicated, sustained):
    # 975 / 1000 = 97.5 % < 98 %: not sustained; 980 / 1000 = 98 % exactly: sustained
    cap = _one_step([1000.0] * 41, [replicated] * 41, [0.0] * 41, [100.0] * 41)
    (step,) = cap.steps
    assert step.ratio == pytest.approx(replicated / 1000)
    assert step.sustained is sustained


@pytest.mark.parametrize("per_reading,sustained", [(1000.0, False), (300.0, True)])
def test_capacity_lag_growth_rule(per_reading, sustained):
    # lag read over [T0+60, T0+600] (37 readings, 540 s) grows per_reading every 15 s:
    # 1000 -> 1000 / 15 x 540 = 36,000 records > one step's worth (1000/s x 15 s = 15,000);
    # 300 -> 300 / 15 x 540 = 10,800 records <= 15,000
    lag = [per_reading * k for k in range(41)]
    (step,) = _one_step([1000.0] * 41, [1000.0] * 41, lag, [100.0] * 41).steps
    assert step.lag_growth_records == pytest.approx(per_reading / 15 * 540)
    assert step.sustained is sustained


@pytest.mark.parametrize("slow,p99,sustained", [(0, 100.0, True), (2, 6000.0, False)])
def test_capacity_latency_rule(slow, p99, sustained):
    # 36 readings in the step (5..40), equal traffic: 36 - slow at 100 ms, `slow` at 6000 ms.
    # No slow reading: p99 = 100 ms < 5000. Two: the top 2 of 36 readings (5.6 % > 1 %) are
    # 6000 ms, whichever quantile rule (inverted CDF: 35.64th of 36 -> 36th; linear: between the
    # 35th and 36th): 6000 >= 5000 ms
    latency = [100.0] * 41
    for k in range(41 - slow, 41):
        latency[k] = 6000.0
    (step,) = _one_step([1000.0] * 41, [1000.0] * 41, [0.0] * 41, latency).steps
    assert step.latency_p99_ms == pytest.approx(p99)
    assert step.sustained is sustained


@pytest.mark.parametrize("fast_rate,slow_rate", [(1000.0, 1000.0), (900.0, 4500.0)])
def test_capacity_latency_p99_is_records_weighted(fast_rate, slow_rate):
    # 36 readings: 35 at 100 ms, the last (reading 40) at 6000 ms.
    # equal traffic: 1 % of 36 readings = 0.36 reading: the slowest reading holds the p99
    #   (0.99 x 36 = 35.64 -> the 36th) = 6000 ms >= SLO;
    # 900/s on fast readings, 4500/s on the slow one (mean 1000/s = offered, ratio 1): the slow
    #   reading carries 4500 / 36,000 = 12.5 % of the records, so the records' p99 is 6000 ms.
    # Linear unweighted gives 100 + 0.65 x 5900 = 3935 ms in both cases.
    latency = [100.0] * 40 + [6000.0]
    replicated = [fast_rate] * 40 + [slow_rate]
    (step,) = _one_step([1000.0] * 41, replicated, [0.0] * 41, latency).steps
    assert step.ratio == pytest.approx(1.0)
    assert step.latency_p99_ms == pytest.approx(6000.0)
    assert step.sustained is False


def test_capacity_step_not_judged_without_lag_or_latency_or_enough_readings():
    flow = [1000.0] * 41
    assert _one_step(flow, flow, None, [100.0] * 41).steps[0].sustained is None  # no lag
    assert _one_step(flow, flow, [0.0] * 41, None).steps[0].sustained is None  # no latency
    gappy = list(flow)
    for k in (10, 12, 14, 16):
        gappy[k] = np.nan  # 4 of 36 readings missing: 88.9 % < 90 %
    cap = _one_step(gappy, flow, [0.0] * 41, [100.0] * 41)
    assert cap.steps[0].sustained is None
    assert not cap.max_tested.known and not cap.recommended.known
    # but a breach seen on judged data still fails the step
    assert _one_step(flow, [900.0] * 41, None, None).steps[0].sustained is False


def test_capacity_drops_trailing_readings_after_the_load_stopped():
    offered = [1000.0] * 35 + [0.0] * 6  # the generator stopped after reading 34 (T0+510)
    (step,) = _one_step(offered, offered, [0.0] * 41, [100.0] * 41).steps
    assert step.analysed_to == at(34)
    assert step.offered.value == pytest.approx(1000.0)  # the 30 readings 5..34, not the zeros
    assert step.sustained is True


def test_capacity_missing_trailing_readings_are_not_a_stopped_load():
    offered = [1000.0] * 33 + [np.nan] * 8  # readings 33..40 missing: 28 of 36 = 77.8 % complete
    (step,) = _one_step(offered, [1000.0] * 41, [0.0] * 41, [100.0] * 41).steps
    assert step.sustained is None


def test_detect_steps_on_a_staircase():
    # 3 plateaus of 40 readings (600 s) at 1000, 2000, 3000/s, readings 0..119, one outlier
    values = [1000.0] * 40 + [2000.0] * 40 + [3000.0] * 40
    values[15] = 9000.0  # a single outlier: absorbed by the rolling median, no extra step
    s = agg(values).frame["value"]
    found = detect_steps(s)
    # each plateau runs from its first reading to its last (39 x 15 = 585 s >= 5 min)
    assert found == [(at(0), at(39), 1000.0), (at(40), at(79), 2000.0), (at(80), at(119), 3000.0)]
    # plateaus shorter than 5 minutes are dropped
    assert detect_steps(agg([1000.0] * 10 + [3000.0] * 40).frame["value"]) == [(at(10), at(49), 3000.0)]


def test_capacity_detects_steps_when_none_are_given():
    offered, replicated, lag = _staircase([1000, 2000, 3000, 4000], 3500.0)
    cap = capacity(offered=agg(offered), replicated=agg(replicated), lag=agg(lag),
                   latency_max=agg([100.0] * len(offered)), steps=None,
                   warmup=timedelta(seconds=60), sustained_ratio=0.98, recommended_ratio=0.70,
                   latency_slo_ms=5000)
    assert cap.detected is True
    assert [round(s.nominal_rate) for s in cap.steps] == [1000, 2000, 3000, 4000]
    assert [s.sustained for s in cap.steps] == [True, True, True, False]
    assert cap.max_tested.value == pytest.approx(3000)


# ------------------------------------------------------------------------------------------
# Latency
# ------------------------------------------------------------------------------------------


def _permutation_latency():
    values = np.random.default_rng(7).permutation(np.arange(1, 201)).astype(float)
    return agg([np.nan] + list(values))  # reading 0 (T0) is outside (T0, end]


def test_latency_percentiles_of_maxima_and_their_bootstrap_intervals():
    lat = latency_stats(_permutation_latency())
    # readings are 1..200 ms in some order; percentile = the smallest reading whose count
    # reaches q x 200: p50 -> 100th = 100, p95 -> 190th = 190, p99 -> 198th = 198,
    # p99.9 -> 199.8 -> 200th = 200
    got = {k: v.value for k, v in lat.percentiles.items()}
    assert got == {"p50": 100.0, "p95": 190.0, "p99": 198.0, "p99.9": 200.0}
    assert lat.maximum.value == 200.0
    for k in ("p50", "p95"):  # 100 and 10 readings beyond them on the thin side
        lo, hi = lat.percentiles[k].ci
        assert lo <= got[k] <= hi, k
    for k, v in lat.percentiles.items():
        assert v.completeness == 1.0
    # 2 and 0.2 readings beyond p99 and p99.9: a bootstrap of them only resamples the highest
    # two, no interval is given (it would claim a precision 200 readings do not have)
    assert lat.percentiles["p99"].ci is None and lat.percentiles["p99.9"].ci is None
    assert "no interval: fewer than 10 readings beyond p99" in lat.percentiles["p99"].notes
    # fixed seed: the same intervals on a second run
    assert latency_stats(_permutation_latency()).percentiles["p95"].ci == lat.percentiles["p95"].ci


def test_a_p99_interval_needs_ten_readings_beyond_it():
    values = np.random.default_rng(3).gamma(4.0, 50.0, 1000)
    lat = latency_stats(agg([np.nan] + list(values)))
    lo, hi = lat.percentiles["p99"].ci
    assert lo <= lat.percentiles["p99"].value <= hi and lo < hi
    assert lat.percentiles["p99.9"].ci is None
    assert latency_stats(agg([np.nan] + list(values[:999]))).percentiles["p99"].ci is None


def test_latency_percentiles_are_weighted_by_replicated_records():
    # 8 readings at 100 ms carrying 1 record/s each, 1 reading at 1000 ms carrying 92/s:
    # 92 of 100 records passed at <= 1000 ms, 8 at <= 100 ms: p50 (50th record) = 1000 ms
    values = [np.nan] + [100.0] * 8 + [1000.0]
    traffic = [0.0] + [1.0] * 8 + [92.0]
    lat = latency_stats(agg(values), traffic=agg(traffic))
    assert lat.percentiles["p50"].value == 1000.0
    assert lat.percentiles["p50"].ci is None  # fewer than 10 readings: no interval
    assert latency_stats(agg(values)).percentiles["p50"].value == 100.0  # unweighted: 5th of 9
    assert weighted_quantiles(np.array([100.0, 1000.0]), np.array([99.0, 1.0]),
                              [0.5, 0.99, 0.999]).tolist() == [100.0, 100.0, 1000.0]


def test_latency_weights_near_the_float_limit_neither_overflow_nor_change_the_percentiles():
    # Weights are relative: 92 records/s against 1/s, or 92e306 against 1e306, say the same.
    # Summed as given, 1e306-scale rates overflow float64 (the bootstrap multiplies each by how
    # many times a reading is drawn, then sums them): the cumulative weight becomes inf and
    # every quantile the smallest reading. The same readings as above, at rates near the limit,
    # must give the same percentiles and intervals, with no overflow warning.
    values = [np.nan] + [100.0] * 8 + [1000.0]
    normal = [0.0] + [1.0] * 8 + [92.0]
    huge = [0.0] + [1e306] * 8 + [92e306]
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        assert latency_stats(agg(values), traffic=agg(huge)).percentiles["p50"].value == 1000.0
        assert weighted_quantiles(np.array([100.0, 1000.0]), np.array([99e306, 1e306]),
                                  [0.5, 0.99, 0.999]).tolist() == [100.0, 100.0, 1000.0]
        # 200 readings with a bootstrap: 180 at 1 record/s, the slowest 20 at 9/s (half the
        # records): p50 = the 180th reading, p99 (356.4 of 360) = the 200th; the same rates
        # times 2**1020 (1e307 records/s) must give the same percentiles and intervals
        v = np.arange(1.0, 201.0)
        w_small = np.where(v > 180, 9.0, 1.0)
        w_big = w_small * 2.0 ** 1020
        assert weighted_quantiles(v, w_big, [0.5, 0.99]).tolist() == \
            weighted_quantiles(v, w_small, [0.5, 0.99]).tolist() == [180.0, 200.0]
        small = block_bootstrap(v, [0.5, 0.99], w_small)
        assert np.isfinite(small).all() and small[0, 0] < 180.0 < small[0, 1]
        np.testing.assert_array_equal(block_bootstrap(v, [0.5, 0.99], w_big), small)
    # a rate that is no number (inf) counts like a missing one: no weight
    inf = [0.0] + [1.0] * 8 + [np.inf]
    assert latency_stats(agg(values), traffic=agg(inf)).percentiles["p50"].value == 100.0


def test_latency_completeness_counts_only_steps_with_traffic():
    values = [np.nan, 100.0, np.nan, 100.0, np.nan]
    assert latency_stats(agg(values), traffic=agg([0, 10, 0, 10, 0])).percentiles["p50"].completeness == 1.0
    # a step with traffic but no latency reading is missing: 2 of 4 active steps
    c = latency_stats(agg(values), traffic=agg([0, 10, 10, 10, 10])).percentiles["p50"].completeness
    assert c == pytest.approx(0.5)
    none = latency_stats(agg([np.nan] * 5))
    assert not none.maximum.known and not none.percentiles["p99"].known


def test_block_bootstrap_interval_contains_the_estimate():
    values = np.random.default_rng(3).lognormal(5, 0.5, 500)
    ci = block_bootstrap(values, [0.5, 0.99])
    assert ci.shape == (2, 2)
    point = np.sort(values)[[249, 494]]  # ceil(0.5 x 500) = 250th, ceil(0.99 x 500) = 495th
    assert np.all(ci[:, 0] <= point) and np.all(point <= ci[:, 1])


def _histogram(counts: dict, moment: int = T0):
    series = [Series({"le": le}, np.array([moment], dtype="int64"), np.array([float(c)]))
              for le, c in counts.items()]
    return _result(series, moment, moment, STEP, "probe_latency_buckets")


def test_probe_percentiles_as_histogram_quantile():
    h = _histogram({"0.05": 10, "0.1": 50, "0.25": 90, "0.5": 98, "1": 100, "+Inf": 100})
    p = probe_percentiles(h, "seconds")
    # total 100. p50: rank 50 -> bucket le=0.1 (count 50): 0.05 + 0.05 x (50-10)/40 = 0.1 s
    assert p["p50"].value == pytest.approx(100.0)
    # p95: rank 95 -> le=0.5 (98): 0.25 + 0.25 x (95-90)/8 = 0.40625 s
    assert p["p95"].value == pytest.approx(406.25)
    # p99: rank 99 -> le=1 (100): 0.5 + 0.5 x (99-98)/2 = 0.75 s
    assert p["p99"].value == pytest.approx(750.0)
    # p99.9: rank 99.9 -> le=1: 0.5 + 0.5 x 1.9/2 = 0.975 s
    assert p["p99.9"].value == pytest.approx(975.0)
    # first bucket: lower bound 0. rank 5 of 100 in le=0.05 (10): 0.05 x 5/10 = 0.025 s
    p = probe_percentiles(_histogram({"0.05": 10, "0.1": 100, "+Inf": 100}), "milliseconds")
    assert p["p50"].value == pytest.approx(0.05 + 0.05 * 40 / 90)  # ms unit: no scaling


def test_probe_percentile_in_the_inf_bucket_is_the_highest_finite_bound():
    p = probe_percentiles(_histogram({"0.1": 50, "0.5": 90, "+Inf": 100}))
    assert p["p50"].value == pytest.approx(100.0)  # rank 50 = count of le=0.1: its upper bound
    assert p["p99"].value == pytest.approx(500.0)  # rank 99 falls in +Inf: 0.5 s
    empty = probe_percentiles(_histogram({"0.1": 0, "+Inf": 0}))
    assert not empty["p50"].known
    assert not probe_percentiles(_result([], T0, T0, STEP, "probe"))["p99"].known


def test_baseline_is_the_median_of_the_average_latency_in_its_window():
    avg = agg([999.0, 10.0, 20.0, np.nan, 30.0, 1000.0, 5000.0])
    # window (T0, T0+75]: readings 1..5 = 10, 20, NaN, 30, 1000 -> median of 4 = (20+30)/2 = 25
    k = baseline(avg, at(0), at(5))
    assert k.value == 25.0 and k.completeness == pytest.approx(4 / 5)
    assert not baseline(agg([np.nan] * 4), at(0), at(3)).known


# ------------------------------------------------------------------------------------------
# Message loss
# ------------------------------------------------------------------------------------------

START, END = T0, T0 + 3600
SOURCE_START = {("orders", 0): 1000, ("orders", 1): 0, ("orders", 2): 0, ("payments", 0): 0}
SOURCE_END = {("orders", 0): 2000, ("orders", 1): 1000, ("orders", 2): 1000, ("payments", 0): 500}
TARGET_START = {("primary.orders", 0): 500, ("primary.orders", 1): 0, ("primary.orders", 2): 0,
                ("primary.payments", 0): 0, ("backup.orders", 0): 7, ("orders", 0): 9}
TARGET_END = {("primary.orders", 0): 1500, ("primary.orders", 1): 1010,
              ("primary.orders", 2): 900, ("primary.payments", 0): 480,
              ("backup.orders", 0): 70_000, ("orders", 0): 90_000}
LAG_START = {("orders", 0): 0, ("orders", 1): 5, ("orders", 2): 0, ("payments", 0): 0}
LAG_END = {("orders", 0): 0, ("orders", 1): 5, ("orders", 2): 100, ("payments", 0): 0}


def _loss(target_end=TARGET_END, **kw):
    return message_loss(
        source_start=partitions(SOURCE_START, START), source_end=partitions(SOURCE_END, END),
        target_start=partitions(TARGET_START, START), target_end=partitions(target_end, END),
        lag_start=partitions(LAG_START, START), lag_end=partitions(LAG_END, END),
        start=utc(START), end=utc(END), remote_prefix="primary", **kw)


def test_message_loss_per_partition():
    r = _loss()
    t = r.partitions.set_index(["topic", "partition"])
    # orders/0: produced 1000, written 1000, in flight 0: net 0
    # orders/1: produced 1000, written 1010, in flight 5 - 5 = 0: net +10 (duplicates)
    # orders/2: produced 1000, written 900, in flight 100 - 0 = 100: net 0 (late, not lost)
    # payments/0: produced 500, written 480, in flight 0: net -20 (lost)
    # target topics of another alias or without the prefix are not remote topics: ignored
    assert list(t.index) == [("orders", "0"), ("orders", "1"), ("orders", "2"), ("payments", "0")]
    assert list(t["produced"]) == [1000, 1000, 1000, 500]
    assert list(t["written"]) == [1000, 1010, 900, 480]
    assert list(t["in_flight"]) == [0, 0, 100, 0]
    assert list(t["net"]) == [0, 10, 0, -20]
    assert list(t["duplicates"]) == [0, 10, 0, 0] and list(t["lost"]) == [0, 0, 0, 20]
    assert r.complete and t["complete"].all()
    assert r.produced.value == 3500 and r.duplicates.value == 10 and r.lost.value == 20
    assert r.lost.completeness == 1.0
    assert r.probe_lost is None


def test_message_loss_reads_kafka_3_lag_rows_spelled_with_underscores():
    """Kafka 3.x tags the replication consumer's lag with the topic's dots replaced by '_'
    (the lab's Kafka 3.9.2: only topic="orders_v1"); 4.x tags both spellings."""
    src0, src1 = {("orders.v1", 0): 0}, {("orders.v1", 0): 1000}
    tgt0, tgt1 = {("primary.orders.v1", 0): 0}, {("primary.orders.v1", 0): 900}
    for lag_end in ({("orders_v1", 0): 100}, {("orders_v1", 0): 100, ("orders.v1", 0): 100}):
        r = message_loss(source_start=partitions(src0, START), source_end=partitions(src1, END),
                         target_start=partitions(tgt0, START), target_end=partitions(tgt1, END),
                         lag_start=partitions({("orders_v1", 0): 0}, START),
                         lag_end=partitions(lag_end, END),
                         start=utc(START), end=utc(END), remote_prefix="primary")
        row = r.partitions.set_index(["topic", "partition"]).loc[("orders.v1", "0")]
        assert list(r.partitions["topic"]) == ["orders.v1"]
        assert row["in_flight"] == 100 and row["net"] == 0 and r.complete  # late, not lost
        assert r.lost.value == 0


def test_message_loss_missing_partition_is_incomplete_and_never_zero():
    no_loss = dict(TARGET_END)
    no_loss[("primary.payments", 0)] = 500  # payments/0 now complete and lossless
    del no_loss[("primary.orders", 2)]  # orders/2 has no target offset at the end
    r = _loss(no_loss)
    assert not r.complete
    row = r.partitions.set_index(["topic", "partition"]).loc[("orders", "2")]
    assert not row["complete"]
    assert not r.lost.known  # nothing lost in 3 partitions does not show zero loss in 4
    assert r.lost.completeness == pytest.approx(3 / 4)
    assert r.produced.value == 1000 + 1000 + 500  # complete partitions only
    # with the payments loss visible in the complete partitions, the loss is a loss
    with_loss = dict(TARGET_END)
    del with_loss[("primary.orders", 2)]
    r = _loss(with_loss)
    assert not r.complete and r.lost.value == 20 and r.lost.completeness == pytest.approx(3 / 4)
    assert V.compare("loss", "no loss", r.lost, "==", 0).status is V.Status.FAIL


def test_message_loss_identity_policy_probe_counter_and_no_readings():
    same = {("orders", 0): 0}
    r = message_loss(source_start=partitions(same, START),
                     source_end=partitions({("orders", 0): 100}, END),
                     target_start=partitions(same, START),
                     target_end=partitions({("orders", 0): 100}, END),
                     lag_start=partitions(same, START), lag_end=partitions(same, END),
                     start=utc(START), end=utc(END), remote_prefix=None,
                     probe_lost=agg([3.0], start=END))
    assert r.complete and r.lost.value == 0 and r.produced.value == 100
    assert r.probe_lost.value == 3.0
    r = message_loss(source_start=None, source_end=None, target_start=None, target_end=None,
                     lag_start=None, lag_end=None, start=utc(START), end=utc(END),
                     remote_prefix="primary", probe_lost=no_series(1, start=END))
    assert not r.complete and not r.lost.known and not r.produced.known
    assert not r.probe_lost.known


# ------------------------------------------------------------------------------------------
# Stability
# ------------------------------------------------------------------------------------------

SOAK_STEP = 60
SOAK_N = 25 * 60  # 25 h of 60 s readings


def _soak(hours=25, *, heap=None, lag=100.0, failed=0.0, states=None, min_hours=24):
    n = hours * 60
    t = SOAK_STEP * np.arange(n + 1)
    saw = 100e6 * ((t % 600) / 600)  # GC sawtooth: lowest at each 10-minute bucket start
    heap = heap or {"w1": lambda h: 500e6 + 0 * h}
    frames = {(("instance", w), ("job", "mm2")): f(t / 3600) + saw for w, f in heap.items()}
    lag_values = lag(t / 3600) if callable(lag) else [lag] * (n + 1)
    return stability(
        timeline=timeline(states or "U" * n, step=SOAK_STEP),
        offered=agg([1000.0] * (n + 1), step=SOAK_STEP),
        replicated=agg([1000.0] * (n + 1), step=SOAK_STEP),
        lag=agg(lag_values, step=SOAK_STEP), latency_avg=agg([50.0] * (n + 1), step=SOAK_STEP),
        tasks_failed=agg([failed] * (n + 1), step=SOAK_STEP),
        heap=multi(frames, step=SOAK_STEP), start=utc(T0), end=utc(T0 + hours * 3600),
        sustained_ratio=0.98, lag_threshold=10_000,
        min_duration=None if min_hours is None else timedelta(hours=min_hours))


def test_flat_soak_is_stable():
    st = _soak()
    assert st.duration_s == 25 * 3600 and st.min_duration_s == 24 * 3600
    assert st.delivery_ratio.value == 1.0 and st.worst_bucket_ratio.value == 1.0
    assert st.lag_max.value == 100.0 and st.failed_tasks_max.value == 0.0
    assert [tr.upward for tr in st.trends] == [False, False, False]
    assert st.stable is True and st.problems == ()


def test_heap_leak_is_an_upward_trend():
    # worker heap after GC (10-minute minima) rising 20 MB/h: +500 MB over 25 h, far above 10 %
    # of its median level (~650 MB), and monotonic (Kendall p ~ 0)
    st = _soak(heap={"w1": lambda h: 500e6 + 0 * h, "w2": lambda h: 400e6 + 20e6 * h})
    heap = next(tr for tr in st.trends if tr.metric == "heap_after_gc")
    assert heap.upward is True
    assert heap.slope_per_hour == pytest.approx(20e6)
    assert heap.change_over_phase == pytest.approx(20e6 * 25)
    assert heap.p_value < 0.01
    assert st.stable is False
    assert any("heap_after_gc trends upward" in p for p in st.problems)


def test_trend_near_the_float_limit_is_the_same_trend_and_an_infinite_reading_none():
    # 12 ten-minute buckets from -1 to +1 (slope 2 / (110 min) = 12/11 per hour), and the same
    # times 2**1023: Theil-Sen's pairwise differences reach 2**1024 = inf there, unless taken
    # on scaled values. Same p-value, the slope exactly 2**1023 times larger, no warning.
    index = pd.date_range("2026-11-01", periods=12, freq="10min", tz="UTC")
    small = pd.Series(np.linspace(-1.0, 1.0, 12), index=index)
    kw = dict(reducer="median", metric="m", unit="", duration_s=3600.0, material=0.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        a = trend(small, **kw)
        b = trend(small * 2.0 ** 1023, **kw)
    assert a.slope_per_hour == pytest.approx(12 / 11) and a.upward is True
    assert b.slope_per_hour == a.slope_per_hour * 2.0 ** 1023
    assert (b.p_value, b.upward) == (a.p_value, a.upward)
    # an infinite reading is no measurement: the trend is unknown, never "no rise"
    broken = small.copy()
    broken.iloc[5] = np.inf
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        c = trend(broken, **kw)
    assert c.upward is None and c.slope_per_hour is None and c.p_value is None


def test_lag_trend_and_lag_threshold():
    # lag rising linearly 0 -> 5000 over 25 h: under the 10,000 threshold, but +5000 > 10 % of it
    st = _soak(lag=lambda h: 200.0 * h)
    lag = next(tr for tr in st.trends if tr.metric == "lag")
    assert lag.upward is True and st.stable is False
    st = _soak(lag=20_000.0)  # flat but over the threshold
    assert st.stable is False and any("lag reached" in p for p in st.problems)


def test_the_small_leak_alone_is_detected():
    # the w2 of the next test, alone: +60 MB over 25 h > 10 % of its ~500 MB median, monotonic
    assert _soak(heap={"w2": lambda h: 470e6 + 2.4e6 * h}).stable is False


def test_a_leak_on_one_worker_is_not_hidden_by_another_worker():
    # w1: 2 GB rising 4 MB/h: +100 MB over 25 h, < 10 % of ~2.05 GB: not material, not upward
    # w2: 470 MB rising 2.4 MB/h: +60 MB, > 10 % of its ~500 MB median, monotonic: a leak
    st = _soak(heap={"w1": lambda h: 2e9 + 4e6 * h, "w2": lambda h: 470e6 + 2.4e6 * h})
    assert st.stable is False


def test_soak_shorter_than_required_is_not_judged():
    st = _soak(hours=2)
    assert st.stable is None
    assert any("under the required 24 h" in p for p in st.problems)
    # whatever it shows: a short soak that fails is still not judged by stability()
    assert _soak(hours=2, failed=1.0).stable is None
    # without a minimum (nominal phase) the same 2 h are judged
    assert _soak(hours=2, min_hours=None).stable is True


def test_down_or_unknown_steps_decide_stability():
    n = 25 * 60
    assert _soak(states="U" * (n - 1) + "D").stable is False
    assert _soak(states="U" * (n - 1) + "?").stable is None
    assert _soak(failed=1.0).stable is False


# ------------------------------------------------------------------------------------------
# Annual projection
# ------------------------------------------------------------------------------------------

BUDGET = (1 - 0.999886) * YEAR_S  # 3597.5664 s


def test_projection_with_no_natural_incident_is_unproven_and_says_how_long_to_test():
    found = [incident(30, kind="worker_restart"), incident(60, kind="worker_restart")]
    pr = annual_projection(found, campaign_hours=100,
                           faults_per_year={"worker_restart": 4, "broker_stop": 2},
                           target_pct=99.9886)
    assert pr.natural_incidents == 0 and pr.budget_year_s == pytest.approx(BUDGET)
    # n = 0 over T = 100 h: rate 0, interval [0, chi2.ppf(0.975, 2) / 200] = [0, 3.689 / 100]
    assert pr.rate_per_hour.value == 0.0
    assert pr.rate_per_hour.ci[0] == 0.0
    assert pr.rate_per_hour.ci[1] == pytest.approx(LN40 / 100)
    assert pr.rate_per_hour.ci[1] == pytest.approx(3.689 / 100, rel=1e-3)
    restart, broker = sorted(pr.faults, key=lambda f: f.kind, reverse=True)
    # worker_restart: 4 a year x mean 45 s = 180 s (worst 4 x 60 = 240 s); broker_stop unmeasured
    assert (restart.observed, restart.restore_mean_s, restart.restore_max_s) == (2, 45.0, 60.0)
    assert restart.downtime_year_s == 180.0 and restart.downtime_year_max_s == 240.0
    assert broker.observed == 0 and broker.downtime_year_s is None
    assert any(u.startswith("broker_stop") for u in pr.unproven)
    # point 180 + 0; optimistic 4 x 30 + 0 = 120; pessimistic 240 + (3.689/100/h x 8766 h x 60 s)
    nat_pes = LN40 / 100 * YEAR_H * 60  # 19,402 s
    assert pr.downtime_year_s.value == pytest.approx(180.0)
    assert pr.downtime_year_s.ci == pytest.approx((120.0, 240.0 + nat_pes))
    assert pr.availability_pct.value == pytest.approx(100 * (1 - 180 / YEAR_S))
    # 120 <= 3597.6 (not disproven), 19,642 > 3597.6 (not proven)
    assert pr.verdict_hint == "unproven"
    # the room left for natural failures: 3597.57 - 240 = 3357.57 s a year at 60 s each, i.e.
    # 3357.57 / (60 x 8766) = 0.0063837 per hour; zero failures bound the rate to ln 40 / T:
    # T = 3.68888 / 0.0063837 = 577.9 h
    assert pr.hours_needed == pytest.approx(LN40 / ((BUDGET - 240) / (60 * YEAR_H)))
    assert pr.hours_needed == pytest.approx(577.9, abs=0.1)


def test_projection_proven_and_disproven():
    found = [incident(30, kind="worker_restart"), incident(60, kind="worker_restart")]
    # 100,000 h without natural failure: pessimistic 240 + 3.689e-5 x 8766 x 60 = 259.4 s <= budget
    pr = annual_projection(found, campaign_hours=100_000, faults_per_year={"worker_restart": 4},
                           target_pct=99.9886)
    assert pr.downtime_year_s.ci[1] == pytest.approx(240 + LN40 / 100_000 * YEAR_H * 60)
    assert pr.verdict_hint == "proven"
    # 200 restarts a year at no less than 30 s: optimistic 6000 s > 3597.6 s
    pr = annual_projection(found, campaign_hours=100_000, faults_per_year={"worker_restart": 200},
                           target_pct=99.9886)
    assert pr.downtime_year_s.ci[0] == pytest.approx(6000.0)
    assert pr.verdict_hint == "disproven"


def test_projection_natural_failure_bounds():
    found = [incident(40), incident(80)]  # 2 incidents linked to no event, over 50 h
    pr = annual_projection(found, campaign_hours=50, faults_per_year={}, target_pct=99.9886)
    assert pr.natural_incidents == 2 and pr.rate_per_hour.value == pytest.approx(2 / 50)
    # chi-square table: chi2(0.025; 4 dof) = 0.4844, chi2(0.975; 6 dof) = 14.449; / (2 x 50)
    lo, hi = pr.rate_per_hour.ci
    assert lo == pytest.approx(0.4844 / 100, rel=1e-3) and hi == pytest.approx(14.449 / 100, rel=1e-3)
    # natural cost: point 0.04/h x 8766 h x mean 60 s = 21,038 s a year; optimistic
    # 0.004844/h x 8766 h x shortest 40 s = 1698 s <= 3597.6 s budget (not disproven);
    # pessimistic 0.14449/h x 8766 h x worst 80 s = 101,331 s > budget (not proven): unproven
    assert pr.downtime_year_s.value == pytest.approx(2 / 50 * YEAR_H * 60)
    assert pr.downtime_year_s.ci == pytest.approx((lo * YEAR_H * 40, hi * YEAR_H * 80))
    assert pr.verdict_hint == "unproven"
    assert any("no yearly fault frequencies" in u for u in pr.unproven)


def test_projection_without_incidents_or_time_is_unproven():
    pr = annual_projection([], campaign_hours=100, faults_per_year={"worker_restart": 4},
                           target_pct=99.9886)
    assert pr.verdict_hint == "unproven" and not pr.downtime_year_s.known
    assert pr.rate_per_hour.ci[1] == pytest.approx(LN40 / 100)
    pr = annual_projection([incident(30)], campaign_hours=0, faults_per_year={},
                           target_pct=99.9886)
    assert not pr.rate_per_hour.known and pr.verdict_hint == "unproven"


# ------------------------------------------------------------------------------------------
# Error behaviour and certificates
# ------------------------------------------------------------------------------------------


def _errors_case(states: str, end: float | None = 360):
    failed = [0.0] * 41
    for k in range(8, 13):
        failed[k] = 1.0
    errors = [0.0] * 41
    errors[4] = 7.0  # the step (T0+45, T0+60] ends at the event's start: before it
    for k in (5, 6, 7):
        errors[k] = 2.0  # 2 errors/s over 3 steps of 15 s = 90 records
    errors[30] = 5.0  # after the event's window (T0+360)
    ev = event("error_scenario", 60, end, phase="errors", target="poison-pill")
    return error_behaviour(ev, timeline=timeline(states), tasks_failed=agg(failed),
                           errors_rate=agg(errors), failures_rate=no_series(41), loss=None,
                           until=at(40))


def test_error_behaviour():
    e = _errors_case("U" * 7 + "D" * 3 + "U" * 30)
    assert e.window_end == at(24)  # T0+360
    assert e.task_failed is True and e.needs_restart is True
    assert e.errors_counted.value == pytest.approx(90.0)
    # no failure counter series at all: the metric is missing (Connect exports every task's
    # counters, even at 0), so nothing is claimed
    assert not e.failures_counted.known
    # DOWN readings 8-10 (T0+120..150) by task count, a point reading: the outage ends at the
    # last DOWN reading, as an incident does (T0+150): 90 s after T0+60
    assert e.recovered is True and e.recovery.value == pytest.approx(90.0)
    assert not e.lost.known  # offsets not read
    # no event end: a 5-minute window, the same T0+360 here
    assert _errors_case("U" * 40, end=None).window_end == at(24)


def test_error_behaviour_recovery_states():
    never = _errors_case("U" * 40)
    assert never.recovered is True and never.recovery.value == 0.0
    still = _errors_case("U" * 7 + "D" * 33)
    assert still.recovered is False and not still.recovery.known
    unsure = _errors_case("U" * 5 + "?" + "U" + "D" * 3 + "U" * 30)
    assert unsure.recovered is None and not unsure.recovery.known


def test_certificates_days_left_of_the_earliest_expiry():
    day = 86400
    expiry = agg([T0 + 200 * day, T0 + 120 * day, T0 + 200 * day], name="cert_expiry")
    c = certificates(expiry, utc(T0 + day))
    assert c.days_left.value == pytest.approx(119.0)  # earliest seen: T0 + 120 d, from T0 + 1 d
    assert c.expires == utc(T0 + 120 * day)
    none = certificates(None, utc(T0))
    assert not none.days_left.known and none.expires is None
    assert not certificates(no_series(3), utc(T0)).days_left.known


def test_certificates_name_the_earliest_and_say_where_days_are_counted_from():
    day = 86400
    index = pd.DatetimeIndex(pd.to_datetime([T0, T0 + STEP], unit="s", utc=True), name="ts")
    cols = pd.MultiIndex.from_tuples([("primary-kafka-bootstrap:9093", ""),
                                      ("backup-kafka-bootstrap:9093", "")],
                                     names=["instance", "target"])
    frame = pd.DataFrame([[T0 + 200 * day, T0 + 150 * day]] * 2, index=index, columns=cols)
    by_target = QueryResult("cert_expiry_by_target", "", utc(T0), utc(T0 + STEP), STEP, "t", frame)
    expiry = agg([T0 + 150 * day] * 2, name="cert_expiry")
    c = certificates(expiry, utc(T0 + 10 * day), by_target=by_target, basis=GENERATED)
    assert c.earliest == "backup-kafka-bootstrap:9093"
    assert c.days_left.value == pytest.approx(140.0)
    assert c.counted_from == utc(T0 + 10 * day) and c.basis == "report generation time"
    assert "backup-kafka-bootstrap:9093" in c.days_left.notes[0]
    assert "report generation time" in c.days_left.notes[0]
    # counted again from a decision date: the same certificate, 100 days left
    d = c.counted_at(utc(T0 + 50 * day), DECISION_DATE)
    assert d.days_left.value == pytest.approx(100.0) and d.earliest == c.earliest
    assert "decision date" in d.days_left.notes[0]
    # a per-target answer that disagrees with the earliest expiry names nothing
    other = certificates(agg([T0 + 99 * day] * 2, name="cert_expiry"), utc(T0), by_target=by_target)
    assert other.earliest is None and other.days_left.value == pytest.approx(99.0)
    # an impossible expiry (beyond the year 5000, negative) is a data error, not a date
    bad = certificates(agg([1e308, -5.0], name="cert_expiry"), utc(T0))
    assert not bad.days_left.known


# ------------------------------------------------------------------------------------------
# Verdicts
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("value,completeness,status", [
    (5.0, 1.0, "PASS"),
    (20.0, 1.0, "FAIL"),
    (20.0, 0.5, "FAIL"),  # a breach seen on partial data is a breach
    (5.0, 0.5, "INCONCLUSIVE"),  # passing on partial data is never PASS
    (None, 1.0, "INCONCLUSIVE"),  # not measured
    (float("nan"), 1.0, "INCONCLUSIVE"),
])
def test_compare_is_fail_safe(value, completeness, status):
    v = V.compare("id", "title", kpi(value, completeness), "<", 10)
    assert v.status.value == status
    assert v.threshold == "< 10 s"
    assert v.go is (status == "PASS")


def test_compare_on_missing_kpi_keeps_the_reason():
    v = V.compare("id", "title", missing("x", "s", "no reading"), "<=", 1)
    assert v.status is V.Status.INCONCLUSIVE and "no reading" in v.reason and v.value is None


def _verdict(status: str, id: str = "x") -> V.Verdict:
    return V.fact(id, f"criterion {id}", V.Status(status), "because")


@pytest.mark.parametrize("parts,status", [
    (["PASS", "PASS"], "PASS"),
    (["PASS", "INCONCLUSIVE"], "INCONCLUSIVE"),
    (["INCONCLUSIVE", "FAIL", "PASS"], "FAIL"),
    ([], "INCONCLUSIVE"),  # nothing to judge is not a pass
])
def test_combine(parts, status):
    assert V.combine("c", "t", [_verdict(p) for p in parts]).status.value == status


def _campaign(checklist=(), expected_rules=()):
    return validate_campaign({
        "campaign": {"name": "unit", "client": "ACME"},
        "source": {"url": "http://127.0.0.1:9090"},
        "metrics": {"source_alias": "primary", "target_alias": "backup", "topics": "orders",
                    "source_exporter_selector": 'job="src"',
                    "target_exporter_selector": 'job="tgt"'},
        "phases": {"smoke": {"start": "2026-11-01T00:00:00Z", "end": "2026-11-01T01:00:00Z"}},
        "checklist": list(checklist),
        "alerts": {"expected_rules": list(expected_rules)},
    })


DONE = {"status": "done", "evidence": "ticket OPS-42", "date": "2026-11-20T10:00:00Z", "by": "SRE"}


@pytest.mark.parametrize("item,status", [
    ({**DONE}, "PASS"),
    ({"status": "not_done"}, "FAIL"),
    ({"status": "not_applicable"}, "INCONCLUSIVE"),  # the criterion cannot be waived
    (None, "INCONCLUSIVE"),  # not filled in
])
def test_manual_criteria_9_and_10(item, status):
    rollback = [] if item is None else [{"id": "rollback_tested", **item}]
    alerts = [] if item is None else [{"id": "prometheus_alerts", **item}]
    assert V._manual("10", "rollback_tested", _campaign(rollback)).status.value == status
    # criterion 9 falls back on the manual item without the rules API, or without expected rules
    assert V._alerts(_campaign(alerts), None).status.value == status
    assert V._alerts(_campaign(alerts), []).status.value == status


def _rules(**health):
    return [{"name": "mm2", "file": "mm2.rules.yml", "rules": [
        {"name": name, "type": "alerting", "health": h, "state": "inactive"}
        for name, h in health.items()]}]


@pytest.mark.parametrize("rules,status", [
    (_rules(MM2Down="ok", MM2LagHigh="ok"), "PASS"),
    (_rules(MM2Down="ok"), "FAIL"),  # MM2LagHigh not loaded
    (_rules(MM2Down="ok", MM2LagHigh="err"), "FAIL"),  # failing to evaluate
    (_rules(MM2Down="ok", MM2LagHigh="unknown"), "INCONCLUSIVE"),  # not evaluated yet
    ([{"name": "rec", "rules": [{"name": "MM2Down", "type": "recording", "health": "ok"},
                                {"name": "MM2LagHigh", "type": "recording", "health": "ok"}]}],
     "FAIL"),  # recording rules of the same names are not alerts
])
def test_alert_rules_criterion_from_the_rules_api(rules, status):
    # the manual item says done, but the rules API, when available, decides
    c = _campaign([{"id": "prometheus_alerts", **DONE}], expected_rules=["MM2Down", "MM2LagHigh"])
    v = V._alerts(c, rules)
    assert v.id == "9" and v.status.value == status


def _ten(statuses) -> list[V.Verdict]:
    return [_verdict(s, str(i + 1)) for i, s in enumerate(statuses)]


def test_decide_is_go_only_when_all_ten_pass():
    d = V.decide(_ten(["PASS"] * 10))
    assert d.go is True and d.blocking == ()
    d = V.decide(_ten(["PASS"] * 9 + ["INCONCLUSIVE"]))
    assert d.go is False and [v.id for v in d.blocking] == ["10"]
    d = V.decide(_ten(["PASS"] * 4 + ["FAIL"] + ["PASS"] * 5))
    assert d.go is False and "criterion 5 NOGO" in d.reason
    assert V.decide(_ten(["PASS"] * 9)).go is False  # a criterion missing
    assert V.decide([]).go is False


def test_decide_needs_each_of_the_ten_criteria():
    assert V.decide([_verdict("PASS", "1")] * 10).go is False


def _latency_phase(upper, probe=None):
    return SimpleNamespace(latency=SimpleNamespace(percentiles={"p99": upper},
                                                   probe=None if probe is None else {"p99": probe}))


def test_latency_criterion_uses_the_probe_only_when_the_upper_bound_fails():
    ok, high = kpi(4000.0, unit="ms"), kpi(6000.0, unit="ms")
    assert V._latency_criterion(_latency_phase(ok), 5000).status is V.Status.PASS
    # an upper bound over the SLO does not show the true p99 is over it
    assert V._latency_criterion(_latency_phase(high), 5000).status is V.Status.INCONCLUSIVE
    assert V._latency_criterion(_latency_phase(high, kpi(3000.0, unit="ms")), 5000).status is V.Status.PASS
    assert V._latency_criterion(_latency_phase(high, kpi(5500.0, unit="ms")), 5000).status is V.Status.FAIL
    assert V._latency_criterion(None, 5000).status is V.Status.INCONCLUSIVE


def _resilience_phase(*durations, exporter=1.0, lost=0.0):
    return SimpleNamespace(
        name="resilience", incidents=[incident(d, kind="worker_stop") for d in durations],
        timeline=SimpleNamespace(evidence=(), total_s=3600.0),
        availability=SimpleNamespace(unknown_s=0.0, down_s=float(sum(durations))),
        loss=SimpleNamespace(lost=kpi(lost, unit="records"), probe_lost=None),
        exporter_completeness=exporter)


def test_resilience_criterion():
    th = Thresholds()  # RTO 5 min
    assert V._resilience(_resilience_phase(45, 285), th).status is V.Status.PASS
    assert V._resilience(_resilience_phase(45, 315), th).status is V.Status.FAIL
    assert V._resilience(_resilience_phase(45, lost=3), th).status is V.Status.FAIL
    # offsets not read through the whole phase: a gap could hide a reset -> never PASS
    assert V._resilience(_resilience_phase(45, exporter=0.99), th).status is V.Status.INCONCLUSIVE
    assert V._resilience(None, th).status is V.Status.INCONCLUSIVE


def test_resilience_rto_bound_agrees_with_the_sla():
    th = Thresholds()
    crit6 = V._resilience(_resilience_phase(300), th).status
    sla = V.compare("sla-rto", "RTO", restore_times([incident(300)]).rto, "<",
                    th.rto.total_seconds()).status
    assert sla is V.Status.FAIL  # 300 s is not < 5 min
    assert crit6 is sla


def test_a_failed_scrape_of_a_live_worker_is_no_outage_but_a_dead_worker_is():
    nan = np.nan
    w1, w2 = (("instance", "w1:9404"), ("job", "mm2")), (("instance", "w2:9404"), ("job", "mm2"))
    flow = [100] * 7

    def states(up, counts):
        completed = multi({(w1[0],): counts[0], (w2[0],): counts[1]})
        tl = service_states(tasks_running=agg([4, 4, 2, 2, 4, 4, 4]), offered=agg(flow),
                            replicated=agg(flow), latency_max=None, lag=None,
                            thresholds=Thresholds(), expected_tasks=4,
                            up=multi({w1: up[0], w2: up[1]}), completed=completed)
        return list(tl.frame["state"])

    # w2 misses two scrapes (up 0, its 2 tasks unseen) and answers again with the same count,
    # and so does w1: the same JVM, no rebalance; its tasks' state is unknown, not DOWN
    alive = ([1] * 7, [1, 1, 0, 0, 1, 1, 1])
    same = ([3, 3, 3, 3, 3, 3, 3], [5, 5, nan, nan, 5, 5, 5])
    assert states(alive, same) == ["UP", "UNKNOWN", "UNKNOWN", "UP", "UP", "UP"]
    # w2 killed and restarted: its count starts again from 0 -> the tasks were down
    restarted = ([3] * 7, [5, 5, nan, nan, 0, 1, 1])
    assert states(alive, restarted) == ["UP", "DOWN", "DOWN", "UP", "UP", "UP"]
    # the group rebalanced meanwhile (w1's count rose): the tasks moved, they were down
    moved = ([3, 3, 3, 4, 4, 4, 4], [5, 5, nan, nan, 5, 5, 5])
    assert states(alive, moved) == ["UP", "DOWN", "DOWN", "UP", "UP", "UP"]
    # no counter readings: a failed scrape cannot be told from a dead worker
    none = ([nan] * 7, [nan] * 7)
    assert states(alive, none) == ["UP", "DOWN", "DOWN", "UP", "UP", "UP"]
