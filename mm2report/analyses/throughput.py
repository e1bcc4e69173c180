"""Capacity: load steps, the sustained rule, max tested and recommended capacity, a fitted
saturation ceiling, and the data of the latency-vs-throughput curve.

A step is analysed from its start plus the warm-up to its end, minus trailing readings where
the load generator had already stopped (offered rate under 1 % of the step's median). It is
*sustained* when, over that window,

* the mean replicated rate is at least ``sustained_ratio`` (98 %) of the mean offered rate,
* the consumer lag did not grow by more than one step's worth of offered records (robust
  Theil-Sen slope times the window's length), and
* the 99th percentile of the per-scrape latency maxima, weighted by records (see
  :mod:`.latency`), stays under the latency SLO.

A step whose readings are less than 90 % complete is not judged (``sustained`` is ``None``).
Max tested capacity is the highest mean replicated rate of a sustained step; the recommended
capacity is ``recommended_capacity_ratio`` (70 %) of it.

The saturation model ``y = x / (1 + (x / C) ** k) ** (1 / k)`` (throughput follows the offered
load ``x`` and bends to the ceiling ``C``) is fitted to every (offered, replicated) reading with
``scipy.optimize.curve_fit``; the 95 % interval of ``C`` comes from the fit's covariance, the
readings being treated as independent. It is reported only when a step was not sustained: a
campaign whose every step was sustained never saw the ceiling and cannot place it.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Sequence

import numpy as np
import pandas as pd
from scipy import optimize, stats

from ..sources.base import QueryResult
from .core import Evidence, Kpi, aggregate, missing, seconds, ts, window
from .latency import weighted_quantiles

MIN_COMPLETENESS = 0.9


@dataclass(frozen=True)
class StepResult:
    start: datetime  # the step as given or detected
    end: datetime
    analysed_from: datetime
    analysed_to: datetime
    nominal_rate: float | None
    offered: Kpi
    replicated: Kpi
    ratio: float | None
    lag_growth_records: float | None
    latency_p99_ms: float | None  # of per-scrape maxima
    latency_p50_ms: float | None
    sustained: bool | None
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class Capacity:
    steps: tuple[StepResult, ...]
    detected: bool  # steps found in the offered rate rather than given in the parameters
    max_tested: Kpi
    recommended: Kpi
    ceiling: Kpi
    ratio: float

    @property
    def curve(self) -> pd.DataFrame:
        """Latency vs throughput, one row per step."""
        return pd.DataFrame([{
            "start": s.start, "offered_rps": s.offered.value, "replicated_rps": s.replicated.value,
            "latency_p50_ms": s.latency_p50_ms, "latency_p99_ms": s.latency_p99_ms,
            "sustained": s.sustained} for s in self.steps])


def detect_steps(offered: pd.Series, *, min_duration: timedelta = timedelta(minutes=5),
                 tolerance: float = 0.10) -> list[tuple[datetime, datetime, float]]:
    """Plateaus of the offered rate: runs where the rate stays within ``tolerance`` of the run's
    median, at least ``min_duration`` long, with a positive level."""
    s = offered.dropna()
    if s.empty:
        return []
    smooth = s.rolling(5, center=True, min_periods=1).median()
    values, index = smooth.to_numpy(), smooth.index
    bounds, begin, level, outside = [], 0, values[0], 0
    for i in range(1, len(values)):
        if abs(values[i] - level) > tolerance * max(abs(level), 1.0):
            outside += 1
            if outside >= 3:
                bounds.append((begin, i - 2))
                begin, outside = i - 2, 0
                level = values[begin]
        else:
            outside = 0
            level = float(np.median(values[begin:i + 1]))
    bounds.append((begin, len(values)))
    found = []
    for a, b in bounds:
        start, end = index[a], index[b - 1]
        lvl = float(np.median(s.to_numpy()[a:b]))
        if (end - start) >= pd.Timedelta(min_duration) and lvl > 0:
            found.append((start.to_pydatetime(), end.to_pydatetime(), lvl))
    return found


def _model(x, c, k):
    return x / (1 + (x / c) ** k) ** (1 / k)


def saturation_ceiling(offered: np.ndarray, replicated: np.ndarray) -> tuple[float, tuple[float, float]] | None:
    """Fitted ceiling ``C`` and its 95 % interval, or ``None`` when the fit does not converge."""
    ok = np.isfinite(offered) & np.isfinite(replicated) & (offered > 0)
    x, y = offered[ok], replicated[ok]
    if len(x) < 5:
        return None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            (c, k), cov = optimize.curve_fit(_model, x, y, p0=(float(y.max()), 8.0),
                                             bounds=([1e-9, 1.0], [np.inf, 200.0]), maxfev=20000)
    except (RuntimeError, ValueError, optimize.OptimizeWarning):
        return None
    sd = float(np.sqrt(cov[0, 0])) if np.isfinite(cov[0, 0]) else np.inf
    if not np.isfinite(sd):
        return None
    half = stats.t.ppf(0.975, max(len(x) - 2, 1)) * sd
    return float(c), (float(c - half), float(c + half))


def capacity(*, offered: QueryResult, replicated: QueryResult, lag: QueryResult | None,
             latency_max: QueryResult | None, steps: Sequence[tuple[datetime, datetime, float | None]] | None,
             warmup: timedelta, sustained_ratio: float, recommended_ratio: float,
             latency_slo_ms: float, start: datetime | None = None,
             end: datetime | None = None) -> Capacity:
    off = aggregate(offered)
    rep = aggregate(replicated)
    lag_s = aggregate(lag)
    lat = aggregate(latency_max)
    detected = not steps
    if detected:
        steps = detect_steps(window(off, start or offered.start, end or offered.end))
    results = [_step(off, rep, lag_s, lat, s, e, rate, warmup, sustained_ratio, latency_slo_ms,
                     (offered, replicated, lag, latency_max))
               for s, e, rate in steps]
    evidence = tuple(Evidence.of(r) for r in (offered, replicated) if r is not None)
    sustained = [r for r in results if r.sustained]
    judged = all(r.sustained is not None for r in results) and results
    if sustained:
        best = max(sustained, key=lambda r: r.replicated.value)
        max_tested = Kpi("max_tested_capacity", best.replicated.value, "records/s",
                         evidence=best.replicated.evidence, completeness=best.replicated.completeness,
                         notes=(f"step starting {best.start.isoformat()}",) + (
                             () if judged else ("some steps could not be judged",)))
        recommended = Kpi("recommended_capacity", recommended_ratio * best.replicated.value,
                          "records/s", evidence=max_tested.evidence,
                          completeness=max_tested.completeness,
                          notes=(f"{recommended_ratio:.0%} of the max tested capacity",))
    else:
        reason = ("no load step found" if not results else
                  "no step was sustained" if judged else "steps without enough data")
        max_tested = missing("max_tested_capacity", "records/s", reason, evidence)
        recommended = missing("recommended_capacity", "records/s", reason, evidence)
    ceiling = _ceiling(off, rep, results, evidence)
    return Capacity(tuple(results), detected, max_tested, recommended, ceiling, recommended_ratio)


def _step(off, rep, lag_s, lat, start, end, rate, warmup, sustained_ratio, slo, sources) -> StepResult:
    a = ts(seconds(start) + warmup.total_seconds())
    o = window(off, a, end)
    level = o.median() if o.notna().any() else np.nan
    if np.isfinite(level) and level > 0:  # drop trailing readings after the load stopped
        stopped = (o < 0.01 * level).to_numpy()  # a missing reading is missing, not stopped
        keep = np.flatnonzero(~stopped)
        if len(keep):
            o = o.iloc[: keep[-1] + 1]
    b = o.index[-1].to_pydatetime() if len(o) else end
    r = window(rep, a, b)
    lg = window(lag_s, a, b, closed="both")
    lt = window(lat, a, b)
    evidence = tuple(Evidence.of(q, a, b) for q in sources if q is not None)
    comp = min(_comp(o), _comp(r))
    reasons = []
    if comp < MIN_COMPLETENESS or len(o) < 2:
        reasons.append(f"only {comp:.0%} of the readings")
        kpi_o = missing("offered_rate", "records/s", reasons[0], evidence[:1], comp)
        kpi_r = missing("replicated_rate", "records/s", reasons[0], evidence[1:2], comp)
        return StepResult(start, end, a, b, rate, kpi_o, kpi_r, None, None, None, None, None, tuple(reasons))
    mean_o, mean_r = float(o.mean()), float(r.mean())
    kpi_o = Kpi("offered_rate", mean_o, "records/s", evidence=evidence[:1], completeness=_comp(o))
    # the step's verdict rests on four readings: its completeness is the lowest of them
    full = min(_comp(o), _comp(r), _comp(lg), _comp(lt.reindex(o.index)) if lat_expected(o) else 1.0)
    kpi_r = Kpi("replicated_rate", mean_r, "records/s", evidence=evidence[1:2], completeness=full)
    ratio = mean_r / mean_o if mean_o > 0 else None
    step_s = (o.index[1] - o.index[0]).total_seconds() if len(o) > 1 else 0
    growth = None
    if lg.notna().sum() >= 3:
        known = lg.dropna()
        x = (known.index - known.index[0]).total_seconds().to_numpy()
        slope = stats.theilslopes(known.to_numpy(), x)[0]
        growth = float(slope * (x[-1] - x[0]))
    p50 = p99 = None
    if lt.notna().any():  # records-weighted, as in the latency analysis (an upper bound)
        known = lt.dropna()
        weights = r.reindex(known.index).fillna(0).clip(lower=0).to_numpy()
        if weights.sum() <= 0:
            weights = np.ones(len(known))
        p50, p99 = (float(v) for v in weighted_quantiles(known.to_numpy(), weights, [0.5, 0.99]))
    sustained: bool | None = True
    if ratio is None:
        sustained, reasons = None, ["no offered load"]
    else:
        if ratio < sustained_ratio:
            sustained = False
            reasons.append(f"replicated {ratio:.1%} of offered (< {sustained_ratio:.0%})")
        if growth is None:
            sustained = None if sustained else sustained
            reasons.append("lag not measured")
        elif growth > mean_o * step_s:
            sustained = False
            reasons.append(f"lag grew by {growth:,.0f} records")
        if p99 is None:
            sustained = None if sustained else sustained
            reasons.append("latency not measured")
        elif p99 >= slo:
            sustained = False
            reasons.append(f"latency p99 {p99:,.0f} ms over the SLO")
    return StepResult(start, end, a, b, rate, kpi_o, kpi_r, ratio, growth, p99, p50, sustained,
                      tuple(reasons))


def lat_expected(offered: pd.Series) -> bool:
    """Latency readings are expected when records flow."""
    return bool((offered.fillna(0) > 0).any())


def _comp(s: pd.Series) -> float:
    return float(s.notna().mean()) if len(s) else 0.0


def _ceiling(off: pd.Series, rep: pd.Series, results: list[StepResult], evidence) -> Kpi:
    if not any(r.sustained is False for r in results):
        top = max((r.offered.value for r in results if r.offered.known), default=None)
        reason = ("every step was sustained: the ceiling lies above the highest tested load"
                  + (f" ({top:,.0f} records/s)" if top else ""))
        return missing("saturation_ceiling", "records/s", reason, evidence, 1.0)
    xs, ys = [], []
    for r in results:
        xs.append(window(off, r.analysed_from, r.analysed_to).to_numpy())
        ys.append(window(rep, r.analysed_from, r.analysed_to).reindex(
            window(off, r.analysed_from, r.analysed_to).index).to_numpy())
    fit = saturation_ceiling(np.concatenate(xs), np.concatenate(ys))
    if fit is None:
        return missing("saturation_ceiling", "records/s", "the saturation model did not converge", evidence, 1.0)
    c, ci = fit
    return Kpi("saturation_ceiling", c, "records/s", ci, evidence, 1.0,
               ("fitted y = x / (1 + (x/C)^k)^(1/k); 95 % interval from the fit",))


__all__ = ["Capacity", "StepResult", "capacity", "detect_steps", "saturation_ceiling"]
