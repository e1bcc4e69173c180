"""Replication latency: baseline, maximum under load, percentiles, the probe's true percentiles,
and percentiles over time.

MirrorMaker 2 exports no latency percentile, only, per partition, the maximum and the average
over a 60 s window. The percentiles here are percentiles *of the per-scrape maxima over all
partitions, each reading weighted by the records replicated during its step*. Every record of a
step is no slower than the maximum read at the step's end (the window covers the step), so
these weighted percentiles are upper bounds of the true percentiles of record latency, and the
report labels them so. (Unweighted, they would not be: when most records pass during a short
slow period, such as a catch-up, a time-weighted p99 can fall under the record p99.) Their 95 %
confidence intervals come from a moving-block bootstrap (blocks of ``n ** (1/3)`` readings,
1,000 resamples, fixed seed): consecutive readings share most of their window, and resampling
them one by one would give intervals that are too narrow.

When the campaign has an end-to-end probe histogram, its percentiles are the true ones for the
probe's records; they are computed as Prometheus' ``histogram_quantile`` does (linear inside the
bucket) and shown beside the upper bounds.

The baseline is the median of the per-scrape average latency over the baseline window (low
load). The maximum under load is the highest per-scrape maximum.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np
import pandas as pd

from ..sources.base import QueryResult
from .core import Evidence, Kpi, aggregate, missing, window

QUANTILES = {"p50": 0.50, "p95": 0.95, "p99": 0.99, "p99.9": 0.999}
#: Readings a percentile's interval needs beyond it on each side (``n * (1 - q)`` and ``n * q``):
#: the bootstrap of an extreme percentile of fewer readings only resamples the few highest and
#: gives an interval too narrow to trust (a p99 needs 1,000 readings, about 4 h at 15 s).
MIN_TAIL = 10


def has_interval(n: int, q: float) -> bool:
    """Whether ``n`` readings are enough for an interval of the ``q`` percentile."""
    return n * min(q, 1 - q) >= MIN_TAIL - 1e-9  # 1000 x (1 - 0.99) is 10 give or take
RESAMPLES = 1000
SEED = 20261121


@dataclass(frozen=True)
class LatencyStats:
    start: datetime
    end: datetime
    percentiles: dict[str, Kpi]  # of per-scrape maxima: upper bounds of the true percentiles
    maximum: Kpi
    probe: dict[str, Kpi] | None  # true percentiles from the probe histogram
    over_time: pd.DataFrame  # hourly p50 / p99 of the per-scrape maxima


def relative_weights(weights: np.ndarray) -> np.ndarray:
    """Weights as float64 with the largest in [0.5, 1): only their ratios matter, and sums of a
    few thousand of them must stay finite (a rate of 1e308 records/s would overflow to ``inf``,
    and every weighted quantile would then be the smallest value). The scale is a power of two,
    so the ratios, the cumulative sums and the quantiles are exactly those of the weights given.
    A weight that is not a finite number (``inf``, NaN) or is negative says nothing about the
    records of its step and counts 0, like a missing rate."""
    w = np.asarray(weights, dtype="float64")
    w = np.where(np.isfinite(w) & (w > 0), w, 0.0)
    top = w.max(initial=0.0)
    return np.ldexp(w, -np.frexp(top)[1]) if top > 0 else w


def weighted_quantiles(values: np.ndarray, weights: np.ndarray, qs: list[float]) -> np.ndarray:
    """Smallest value whose cumulative weight reaches ``q`` of the total (inverted CDF)."""
    order = np.argsort(values, kind="stable")
    cum = np.cumsum(relative_weights(weights)[order])
    idx = np.searchsorted(cum, np.asarray(qs) * cum[-1], side="left")
    return values[order][np.minimum(idx, len(values) - 1)]


def block_bootstrap(values: np.ndarray, qs: list[float], weights: np.ndarray | None = None, *,
                    resamples: int = RESAMPLES, seed: int = SEED, batch: int = 100) -> np.ndarray:
    """95 % percentile intervals of the (weighted) quantiles ``qs`` by moving-block bootstrap.

    Returns an array of shape ``(len(qs), 2)``."""
    estimates = bootstrap_estimates(values, qs, weights, resamples=resamples, seed=seed,
                                    batch=batch)
    return np.stack([np.nanquantile(estimates, 0.025, axis=0),
                     np.nanquantile(estimates, 0.975, axis=0)], axis=1)


def bootstrap_estimates(values: np.ndarray, qs: list[float], weights: np.ndarray | None = None, *,
                        resamples: int = RESAMPLES, seed: int = SEED, batch: int = 100) -> np.ndarray:
    """The (weighted) quantiles ``qs`` of ``resamples`` moving-block resamples of ``values``
    (blocks of ``n ** (1/3)`` readings), shape ``(resamples, len(qs))``; NaN for a resample
    of zero weight. :func:`block_bootstrap` takes its interval from them; the comparison of
    two campaigns (:mod:`mm2report.compare`) subtracts two such sets."""
    n = len(values)
    w = np.ones(n) if weights is None else relative_weights(weights)
    order = np.argsort(values, kind="stable")
    sorted_values, sorted_w = values[order], w[order]
    block = max(1, int(np.ceil(n ** (1 / 3))))
    blocks = int(np.ceil(n / block))
    cut = blocks * block - n  # the last block is cut to make the resample n readings long
    rng = np.random.default_rng(seed)
    targets = np.asarray(qs)
    estimates = np.empty((resamples, len(qs)))
    row = 0
    for done in range(0, resamples, batch):
        b = min(batch, resamples - done)
        starts = rng.integers(0, n - block + 1, size=(b, blocks))
        for s in starts:
            # how many times each reading is drawn: +1 from a block's start, -1 after its end
            edges = (np.bincount(s, minlength=n + block + 1)
                     - np.bincount(s + block, minlength=n + block + 1))
            counts = np.cumsum(edges)[:n]
            if cut:
                counts[s[-1] + block - cut: s[-1] + block] -= 1
            cum = np.cumsum(counts[order] * sorted_w)
            if cum[-1] <= 0:
                estimates[row] = np.nan
            else:
                idx = np.searchsorted(cum, targets * cum[-1], side="left")
                estimates[row] = sorted_values[np.minimum(idx, n - 1)]
            row += 1
    return estimates


def latency_stats(latency_max: QueryResult, *, start: datetime | None = None,
                  end: datetime | None = None, probe_buckets: QueryResult | None = None,
                  probe_unit: str = "seconds", traffic: QueryResult | None = None) -> LatencyStats:
    """``traffic`` (the replicated rate) tells idle steps, where no latency is expected, from
    steps where a latency reading is missing; completeness counts the latter only."""
    start = start or latency_max.start
    end = end or latency_max.end
    series = window(aggregate(latency_max), start, end)
    evidence = (Evidence.of(latency_max, start, end),)
    rate = None if traffic is None else window(aggregate(traffic), start, end)
    comp = _completeness(series, rate)
    known = series.dropna()
    values = known.to_numpy()
    if rate is not None:
        weights = relative_weights(rate.reindex(known.index).to_numpy())
        if weights.sum() <= 0:
            weights = np.ones(len(values))
    else:
        weights = np.ones(len(values))
    note = ("percentile of per-scrape maxima weighted by records: an upper bound of the true "
            "percentile",)
    if len(values) == 0:
        reason = "no latency reading (no traffic, or the metric is missing)"
        pct = {k: missing(f"latency_{k}", "ms", reason, evidence, comp) for k in QUANTILES}
        maximum = missing("latency_max", "ms", reason, evidence, comp)
    else:
        qs = list(QUANTILES.values())
        point = weighted_quantiles(values, weights, qs)
        ci = block_bootstrap(values, qs, weights) if len(values) >= 10 else [None] * len(qs)
        ci = [c if has_interval(len(values), q) else None for c, q in zip(ci, qs)]
        pct = {k: Kpi(f"latency_{k}", float(point[i]),
                      "ms", None if ci[i] is None else (float(ci[i][0]), float(ci[i][1])),
                      evidence, comp, note + ((f"from {len(values)} readings",)
                                              + (() if ci[i] is not None else (
                                                  f"no interval: fewer than {MIN_TAIL} readings "
                                                  f"beyond p{qs[i] * 100:g}",))))
               for i, k in enumerate(QUANTILES)}
        maximum = Kpi("latency_max", float(values.max()), "ms", evidence=evidence, completeness=comp)
    probe = probe_percentiles(probe_buckets, probe_unit) if probe_buckets is not None else None
    if len(series.dropna()):
        hourly = series.dropna().resample("1h")
        over_time = pd.DataFrame({"p50_ms": hourly.quantile(0.5), "p99_ms": hourly.quantile(0.99),
                                  "readings": hourly.count()})
    else:
        over_time = pd.DataFrame(columns=["p50_ms", "p99_ms", "readings"])
    return LatencyStats(start, end, pct, maximum, probe, over_time)


def _completeness(latency: pd.Series, traffic: pd.Series | None) -> float:
    if not len(latency):
        return 0.0
    if traffic is None:
        return float(latency.notna().mean())
    idle = (traffic.reindex(latency.index) == 0).to_numpy()  # an unknown rate is not idle
    expected = ~idle
    if not expected.any():
        return float(latency.notna().mean())
    return float(latency[expected].notna().mean())


def probe_percentiles(buckets: QueryResult, unit: str = "seconds") -> dict[str, Kpi]:
    """True percentiles from a cumulative histogram (``le`` buckets), in ms."""
    evidence = (Evidence.of(buckets),)
    frame = buckets.frame
    if frame.shape[1] == 0 or "le" not in (frame.columns.names or []):
        return {k: missing(f"probe_{k}", "ms", "no probe histogram data", evidence) for k in QUANTILES}
    row = frame.iloc[-1]
    les = np.array([float(v) for v in row.index.get_level_values("le")])
    counts = row.to_numpy(dtype="float64")
    order = np.argsort(les)
    les, counts = les[order], np.maximum.accumulate(np.nan_to_num(counts[order]))
    scale = 1000.0 if unit == "seconds" else 1.0
    total = counts[-1] if len(counts) else 0.0
    if total <= 0 or not np.isinf(les[-1]):
        return {k: missing(f"probe_{k}", "ms", "empty probe histogram", evidence) for k in QUANTILES}
    out = {}
    for key, q in QUANTILES.items():
        rank = q * total
        i = int(np.searchsorted(counts, rank, side="left"))
        if np.isinf(les[i]):
            if i == 0:
                out[key] = missing(f"probe_{key}", "ms", "every probe record is in the +Inf bucket",
                                   evidence, 1.0)
                continue
            value = les[i - 1]
            note = "in the open +Inf bucket: the highest finite bound is shown"
        else:
            lower = les[i - 1] if i > 0 else 0.0
            below = counts[i - 1] if i > 0 else 0.0
            inside = counts[i] - below
            value = lower + (les[i] - lower) * ((rank - below) / inside if inside > 0 else 1.0)
            note = "interpolated inside its bucket, as histogram_quantile does"
        out[key] = Kpi(f"probe_{key}", float(value * scale), "ms", evidence=evidence,
                       completeness=1.0, notes=(note, f"from {total:,.0f} probe records"))
    return out


def baseline(latency_avg: QueryResult, start: datetime, end: datetime) -> Kpi:
    """Median of the per-scrape average latency over the baseline window."""
    series = window(aggregate(latency_avg), start, end)
    evidence = (Evidence.of(latency_avg, start, end),)
    comp = float(series.notna().mean()) if len(series) else 0.0
    if series.notna().sum() == 0:
        return missing("latency_baseline", "ms", "no latency reading in the baseline window", evidence, comp)
    return Kpi("latency_baseline", float(series.median()), "ms", evidence=evidence,
               completeness=comp, notes=("median of the per-scrape average latency",))


__all__ = ["LatencyStats", "QUANTILES", "baseline", "block_bootstrap", "bootstrap_estimates",
           "latency_stats",
           "probe_percentiles", "weighted_quantiles"]
