"""Stability of a long phase (nominal load, soak).

A phase is stable when, over its whole length:

* the service was never DOWN and no step is UNKNOWN (an unknown step could hide an outage);
* replication kept up with the load in every 10-minute bucket (replicated at least
  ``sustained_ratio`` of offered, buckets with load only);
* the consumer lag stayed at or under the lag threshold;
* no task was reported FAILED;
* neither the lag, the replication latency (10-minute medians) nor the JVM heap after garbage
  collection (10-minute minima of each worker) shows an upward trend that is both significant
  (Mann-Kendall through Kendall's tau, one-sided p < 0.01) and material (Theil-Sen slope times
  the phase's length above 10 % of the median level, or of the lag threshold for the lag);
* for the soak, the phase lasted at least ``soak_min_duration`` (24 h); a shorter soak is not
  judged (``stable`` is ``None``), whatever it shows.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
import pandas as pd
from scipy import stats

from ..sources.base import QueryResult
from .core import Evidence, Kpi, aggregate, missing, seconds, window
from .state import State, StateTimeline

BUCKET = "10min"
P_VALUE = 0.01
MATERIAL = 0.10


@dataclass(frozen=True)
class Trend:
    metric: str
    slope_per_hour: float | None
    change_over_phase: float | None
    p_value: float | None
    upward: bool | None  # None: not enough data to test
    unit: str


@dataclass(frozen=True)
class Stability:
    start: datetime
    end: datetime
    duration_s: float
    min_duration_s: float | None
    delivery_ratio: Kpi  # replicated / offered over the phase
    worst_bucket_ratio: Kpi
    throughput_cv: Kpi  # coefficient of variation of the 10-minute replicated rate
    lag_max: Kpi
    failed_tasks_max: Kpi
    trends: tuple[Trend, ...]
    down_s: float
    unknown_s: float
    stable: bool | None
    problems: tuple[str, ...]


def trend(series: pd.Series, *, reducer: str, metric: str, unit: str, duration_s: float,
          material: float | None = None) -> Trend:
    """Upward trend test on bucketed values (see the module docstring)."""
    s = series.dropna()
    if len(s) < 2:
        return Trend(metric, None, None, None, None, unit)
    buckets = getattr(s.resample(BUCKET), reducer)().dropna()
    if len(buckets) < 6:
        return Trend(metric, None, None, None, None, unit)
    x = (buckets.index - buckets.index[0]).total_seconds().to_numpy() / 3600.0
    y = buckets.to_numpy(dtype="float64")
    unknown = Trend(metric, None, None, None, None, unit)
    if not np.isfinite(y).all():  # a reading that is no number (inf): no trend can be told
        return unknown
    # Theil-Sen takes every pairwise difference, which overflows for levels near the float
    # limit; on the values scaled by a power of two (all under 1 in magnitude) the slope is
    # exactly the same once scaled back, and Kendall's tau does not depend on the scale.
    scale = int(np.frexp(np.abs(y).max())[1])
    scaled = np.ldexp(y, -scale)
    if np.ptp(scaled) == 0:
        return Trend(metric, 0.0, 0.0, 1.0, False, unit)
    tau, p_two = stats.kendalltau(x, scaled)
    p = float(p_two / 2 if tau > 0 else 1 - p_two / 2)
    try:
        slope = math.ldexp(float(stats.theilslopes(scaled, x)[0]), scale)
    except OverflowError:  # a slope beyond the largest float: not a measurement
        return unknown
    change = slope * (duration_s / 3600.0)
    if not math.isfinite(change):
        return unknown
    limit = material if material is not None else MATERIAL * abs(float(np.median(y)))
    return Trend(metric, slope, change, p, bool(p < P_VALUE and change > limit), unit)


def stability(*, timeline: StateTimeline, offered: QueryResult, replicated: QueryResult,
              lag: QueryResult | None, latency_avg: QueryResult | None,
              tasks_failed: QueryResult | None, heap: QueryResult | None, start: datetime,
              end: datetime, sustained_ratio: float, lag_threshold: float,
              min_duration: timedelta | None = None) -> Stability:
    duration = seconds(end) - seconds(start)
    off = window(aggregate(offered), start, end)
    rep = window(aggregate(replicated), start, end)
    ev_rates = (Evidence.of(offered, start, end), Evidence.of(replicated, start, end))
    problems = []
    undecided = []

    total_o, total_r = off.sum(), rep.sum()
    if off.notna().sum() == 0 or rep.notna().sum() == 0:
        delivery = missing("delivery_ratio", "ratio", "rates missing", ev_rates)
        worst = missing("worst_bucket_ratio", "ratio", "rates missing", ev_rates)
        cv = missing("throughput_cv", "ratio", "rates missing", ev_rates)
        undecided.append("replication rates missing")
    else:
        comp = min(float(off.notna().mean()), float(rep.notna().mean()))
        delivery = (Kpi("delivery_ratio", float(total_r / total_o), "ratio", evidence=ev_rates,
                        completeness=comp) if total_o > 0 else
                    missing("delivery_ratio", "ratio", "nothing was offered", ev_rates, comp))
        bo = off.resample(BUCKET).mean()
        br = rep.resample(BUCKET).mean().reindex(bo.index)
        loaded = (bo > 1.0).to_numpy()
        ratios = (br[loaded] / bo[loaded]).dropna()
        if len(ratios):
            worst = Kpi("worst_bucket_ratio", float(ratios.min()), "ratio", evidence=ev_rates,
                        completeness=comp, notes=("lowest 10-minute replicated/offered ratio",))
            if ratios.min() < sustained_ratio:
                problems.append(f"replication fell behind the load: {ratios.min():.1%} of offered "
                                f"in the worst 10 minutes")
        else:
            worst = missing("worst_bucket_ratio", "ratio", "no load", ev_rates, comp)
            undecided.append("no load during the phase")
        mean_r = br[loaded].mean()
        cv_value = br[loaded].std() / mean_r if mean_r else np.nan
        cv = (Kpi("throughput_cv", float(cv_value), "ratio", evidence=ev_rates, completeness=comp)
              if np.isfinite(cv_value) else
              missing("throughput_cv", "ratio", "fewer than two loaded 10-minute buckets", ev_rates, comp))

    lag_s = window(aggregate(lag), start, end)
    ev_lag = (Evidence.of(lag, start, end),) if lag is not None else ()
    if lag_s.notna().any():
        lag_max = Kpi("lag_max", float(lag_s.max()), "records", evidence=ev_lag,
                      completeness=float(lag_s.notna().mean()))
        if lag_s.max() > lag_threshold:
            problems.append(f"lag reached {lag_s.max():,.0f} records (> {lag_threshold:,.0f})")
    else:
        lag_max = missing("lag_max", "records", "no lag reading", ev_lag)
        undecided.append("lag not measured")

    failed = window(aggregate(tasks_failed), start, end)
    ev_f = (Evidence.of(tasks_failed, start, end),) if tasks_failed is not None else ()
    if failed.notna().any():
        failed_max = Kpi("failed_tasks_max", float(failed.max()), "tasks", evidence=ev_f,
                         completeness=float(failed.notna().mean()))
        if failed.max() > 0:
            problems.append(f"{failed.max():g} task(s) FAILED")
    else:
        failed_max = missing("failed_tasks_max", "tasks", "no task-state reading", ev_f)
        undecided.append("task states not measured")

    trends = [
        trend(lag_s, reducer="median", metric="lag", unit="records", duration_s=duration,
              material=MATERIAL * lag_threshold),
        trend(window(aggregate(latency_avg), start, end), reducer="median", metric="latency",
              unit="ms", duration_s=duration),
    ]
    if heap is not None and heap.frame.shape[1]:
        worker_trends = [trend(window(heap.frame[c].rename("heap"), start, end), reducer="min",
                               metric="heap_after_gc", unit="bytes", duration_s=duration)
                         for c in heap.frame.columns]
        tested = [t for t in worker_trends if t.upward is not None]
        leaking = [t for t in tested if t.upward]  # one leaking worker is enough
        pick = leaking or tested
        trends.append(max(pick, key=lambda t: t.change_over_phase or 0) if pick
                      else Trend("heap_after_gc", None, None, None, None, "bytes"))
    else:
        trends.append(Trend("heap_after_gc", None, None, None, None, "bytes"))
    for t in trends:
        if t.upward:
            problems.append(f"{t.metric} trends upward ({t.change_over_phase:+,.0f} {t.unit} over the phase, "
                            f"p = {t.p_value:.1g})")
        elif t.upward is None:
            undecided.append(f"{t.metric} trend not testable")

    down_s = timeline.count(State.DOWN) * timeline.step
    unknown_s = timeline.count(State.UNKNOWN) * timeline.step
    if down_s:
        problems.append(f"service DOWN for {down_s:,.0f} s")
    if unknown_s:
        undecided.append(f"{unknown_s:,.0f} s without enough data")
    min_s = min_duration.total_seconds() if min_duration else None
    if min_s is not None and duration < min_s:
        undecided.append(f"lasted {duration / 3600:.1f} h, under the required {min_s / 3600:.0f} h")

    if min_s is not None and duration < min_s:
        stable = None  # too short to judge, whatever it shows
    elif problems:
        stable = False
    elif undecided:
        stable = None
    else:
        stable = True
    return Stability(start, end, duration, min_s, delivery, worst, cv, lag_max, failed_max,
                     tuple(trends), float(down_s), float(unknown_s), stable,
                     tuple(problems + undecided))


__all__ = ["Stability", "Trend", "stability", "trend"]
