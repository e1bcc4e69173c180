"""Post-change validation (seed 000, "H+15min : Validation").

After a change applied at ``at``, the window ``(at, at + window]`` is judged on five checks, each
a :class:`~mm2report.verdicts.Verdict` with its evidence:

1. **Connector RUNNING** — the Strimzi MM2 rules export no connector-level status, so it is read
   from what a running connector shows: every MM2 worker scraped (``up == 1``) and the
   connector's tasks assigned (at least the expected count), over the window's last minute.
2. **Tasks RUNNING** — running tasks equal the expected count (or the assigned count) and no
   task is FAILED, over the window's last minute.
3. **Latency within the SLO** — the p99 upper bound of the per-scrape maxima over the second
   half of the window (the first half absorbs the restart a change usually causes) under the
   p99 SLO.
4. **Lag decreasing** — a trend test on every lag reading of the window, not two points: a
   significant rise (one-sided Kendall test, p < 0.05) fails; otherwise the lag must end under
   its threshold or fall significantly.
5. **No new errors** — no record error or failure counted and no FAILED task anywhere in the
   window.

Missing or partial readings make a check INCONCLUSIVE, and the change validates only when all
five PASS.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy import stats

from . import verdicts as V
from .analyses.core import Evidence, Kpi, aggregate, completeness, missing, to_jsonable, window
from .analyses.latency import latency_stats
from .sources.base import QueryResult

if TYPE_CHECKING:
    from .params import Campaign
    from .sources.base import MetricSource

QUERIES = ("up", "tasks_total", "tasks_running", "tasks_failed", "latency_max", "replicated_rate",
           "consumer_lag", "record_errors_rate", "record_failures_rate")
FINAL = timedelta(minutes=1)  # "at validation time": the window's last minute
P_VALUE = 0.05
KIND = "mm2report.change-validation"
SCHEMA_VERSION = 1


@dataclass(frozen=True)
class LagTrend:
    slope_per_min: float | None  # Theil–Sen, records per minute
    p_rising: float | None  # one-sided Kendall p-values
    p_falling: float | None
    first: float | None
    last: float | None
    readings: int


@dataclass(frozen=True)
class ChangeValidation:
    campaign: str
    at: datetime
    until: datetime
    checks: tuple[V.Verdict, ...]
    overall: V.Verdict
    lag: LagTrend
    origin: str
    schema_version: int = SCHEMA_VERSION

    @property
    def validated(self) -> bool:
        return self.overall.status is V.Status.PASS

    def to_dict(self) -> dict:
        return {"kind": KIND, **to_jsonable(self)}


def _readings(result: QueryResult | None, start: datetime, end: datetime) -> pd.Series:
    return window(aggregate(result), start, end)


def _all_up(up: QueryResult | None, start: datetime, end: datetime) -> tuple[bool | None, float]:
    """Every scraped MM2 target up at every reading; None without readings."""
    if up is None or up.frame.shape[1] == 0:
        return None, 0.0
    frame = up.frame.loc[(up.frame.index > pd.Timestamp(start)) & (up.frame.index <= pd.Timestamp(end))]
    if frame.empty:
        return None, 0.0
    known = frame.notna().all(axis=1)
    return bool((frame.fillna(1) == 1).all().all()), float(known.mean())


def lag_trend(lag: pd.Series) -> LagTrend:
    s = lag.dropna()
    if len(s) < 6:
        return LagTrend(None, None, None, *(float(s.iloc[i]) if len(s) else None for i in (0, -1)),
                        len(s))
    x = (s.index - s.index[0]).total_seconds().to_numpy() / 60.0
    y = s.to_numpy(dtype="float64")
    if np.ptp(y) == 0:
        return LagTrend(0.0, 1.0, 1.0, float(y[0]), float(y[-1]), len(s))
    slope = float(stats.theilslopes(y, x)[0])
    tau, p_two = stats.kendalltau(x, y)
    rising = float(p_two / 2 if tau > 0 else 1 - p_two / 2)
    falling = float(p_two / 2 if tau < 0 else 1 - p_two / 2)
    return LagTrend(slope, rising, falling, float(y[0]), float(y[-1]), len(s))


def validate_change(campaign: "Campaign", data: dict[str, QueryResult | None], at: datetime,
                    until: datetime, origin: str = "") -> ChangeValidation:
    """Judge the window ``(at, until]`` from the frames in ``data`` (pure)."""
    th = campaign.thresholds
    final_from = max(at, until - FINAL)
    ev = {q: (Evidence.of(r, at, until),) for q, r in data.items() if r is not None}
    ev_final = {q: (Evidence.of(r, final_from, until),) for q, r in data.items() if r is not None}
    expected = campaign.metrics.expected_tasks

    # 1. connector running
    up_ok, up_comp = _all_up(data.get("up"), final_from, until)
    total = _readings(data.get("tasks_total"), final_from, until)
    ev1 = ev_final.get("up", ()) + ev_final.get("tasks_total", ())
    title1 = "Connector RUNNING"
    if up_ok is None or total.notna().sum() == 0:
        c1 = V.fact("connector", title1, V.Status.INCONCLUSIVE,
                    "no worker or task reading in the window's last minute", evidence=ev1)
    else:
        need = expected if expected else 1
        assigned = float(total.min())
        ok = up_ok and assigned >= need
        comp = min(up_comp, completeness(total))
        status = (V.Status.FAIL if not ok else
                  V.Status.PASS if comp >= 1.0 else V.Status.INCONCLUSIVE)
        why = (f"workers {'all up' if up_ok else 'not all up'}, {assigned:g} task(s) assigned "
               f"(need {need:g})" + ("" if comp >= 1.0 else f"; readings {comp:.0%} complete"))
        c1 = V.fact("connector", title1, status, why, value=assigned, unit="tasks",
                    threshold=f">= {need:g} tasks, workers up", evidence=ev1)

    # 2. tasks running, none failed
    running = _readings(data.get("tasks_running"), final_from, until)
    failed_final = _readings(data.get("tasks_failed"), final_from, until)
    ev2 = ev_final.get("tasks_running", ()) + ev_final.get("tasks_failed", ())
    title2 = "Tasks RUNNING"
    if running.notna().sum() == 0:
        c2 = V.fact("tasks", title2, V.Status.INCONCLUSIVE,
                    "no running-task reading in the window's last minute", evidence=ev2)
    else:
        need = expected if expected else (float(total.max()) if total.notna().any() else None)
        low = float(running.min())
        bad_failed = failed_final.notna().any() and float(failed_final.max()) > 0
        comp = min(completeness(running), completeness(failed_final) if len(failed_final) else 0.0)
        if need is None:
            status, why = V.Status.INCONCLUSIVE, "expected task count unknown"
        elif low < need or bad_failed:
            status = V.Status.FAIL
            why = f"{low:g} of {need:g} task(s) running" + (", a task FAILED" if bad_failed else "")
        elif comp < 1.0:
            status, why = V.Status.INCONCLUSIVE, f"readings {comp:.0%} complete"
        else:
            status, why = V.Status.PASS, f"{low:g} of {need:g} task(s) running, none failed"
        c2 = V.fact("tasks", title2, status, why, value=low, unit="tasks",
                    threshold=f"= {need:g} tasks, 0 failed" if need else "", evidence=ev2)

    # 3. latency over the second half
    half = at + (until - at) / 2
    lat_q = data.get("latency_max")
    if lat_q is None:
        p99 = missing("latency_p99", "ms", "no latency query")
    else:
        p99 = latency_stats(lat_q, start=half, end=until,
                            traffic=data.get("replicated_rate")).percentiles["p99"]
    c3 = V.compare("latency", "Latency within the SLO", p99, "<", th.latency_p99_slo_ms, unit="ms")

    # 4. lag trend
    lag_s = _readings(data.get("consumer_lag"), at, until)
    trend = lag_trend(lag_s)
    ev4 = ev.get("consumer_lag", ())
    title4 = "Lag decreasing"
    comp4 = completeness(lag_s)
    if trend.p_rising is None:
        c4 = V.fact("lag", title4, V.Status.INCONCLUSIVE,
                    f"{trend.readings} lag reading(s): too few for a trend test", evidence=ev4)
    elif trend.p_rising < P_VALUE and (trend.slope_per_min or 0) > 0:
        c4 = V.fact("lag", title4, V.Status.FAIL,
                    f"lag rising: {trend.slope_per_min:,.0f} records/min (p = {trend.p_rising:.3g})",
                    value=trend.last, unit="records", threshold="not rising", evidence=ev4)
    elif trend.last is not None and trend.last <= th.lag_records:
        status = V.Status.PASS if comp4 >= 1.0 else V.Status.INCONCLUSIVE
        c4 = V.fact("lag", title4, status,
                    f"lag not rising and back to {trend.last:,.0f} records (threshold "
                    f"{th.lag_records:,.0f})" + ("" if comp4 >= 1.0 else f"; readings {comp4:.0%} complete"),
                    value=trend.last, unit="records", threshold=f"<= {th.lag_records:g} records "
                    "or falling", evidence=ev4)
    elif trend.p_falling is not None and trend.p_falling < P_VALUE:
        status = V.Status.PASS if comp4 >= 1.0 else V.Status.INCONCLUSIVE
        c4 = V.fact("lag", title4, status,
                    f"lag falling: {trend.slope_per_min:,.0f} records/min (p = {trend.p_falling:.3g})",
                    value=trend.last, unit="records", threshold="falling", evidence=ev4)
    else:
        c4 = V.fact("lag", title4, V.Status.FAIL,
                    f"lag at {trend.last:,.0f} records, above {th.lag_records:,.0f} and not falling",
                    value=trend.last, unit="records", threshold="falling", evidence=ev4)

    # 5. no new errors
    parts = []
    for q, label, unit in (("record_errors_rate", "record errors", "records/s"),
                           ("record_failures_rate", "record failures", "records/s"),
                           ("tasks_failed", "failed tasks", "tasks")):
        s = _readings(data.get(q), at, until)
        kpi = (Kpi(q, float(s.max()), unit, evidence=ev.get(q, ()), completeness=completeness(s))
               if s.notna().any() else missing(q, unit, f"no {label} reading"))
        parts.append(V.compare(q, f"no {label}", kpi, "==", 0))
    c5 = V.combine("errors", "No new errors", parts, threshold="= 0")

    checks = (c1, c2, c3, c4, c5)
    overall = V.combine("change", "Change validated", checks)
    return ChangeValidation(campaign.campaign.name, at, until, checks, overall, trend, origin)


def fetch_change(campaign: "Campaign", source: "MetricSource", at: datetime,
                 until: datetime) -> dict[str, QueryResult | None]:
    from . import catalog

    available = set(catalog.needed_queries(campaign))
    return {q: source.range(q, at, until) if q in available else None for q in QUERIES}


__all__ = ["ChangeValidation", "LagTrend", "fetch_change", "lag_trend", "validate_change"]
