"""Intervals of the difference B − A, one method per kind of KPI (docs/kpis.md, "Comparing
two campaigns").

* **A capacity step's mean replicated rate**: Welch's t interval on *batch means* (the step's
  readings cut into :data:`BATCHES` consecutive batches): consecutive rate readings are not
  independent, the means of long batches nearly are, and the t quantile with Welch's degrees
  of freedom keeps the interval honest with so few batches. Five batches hold the coverage
  near 95 % up to a lag-one correlation of about 0.5 between readings (tests/unit/test_compare.py);
  a bootstrap of the few blocks of a step, or batches of ``n^(1/3)`` readings, give intervals
  that are too narrow.
* **The saturation ceiling**, whose interval comes from the fit's covariance: the two sides
  are independent campaigns, so the standard errors add in quadrature,
  ``d ± z·√(se_A² + se_B²)``, each ``se`` read back from its 95 % interval.
* **Latency percentiles**: a moving-block bootstrap of each side's readings (the per-scrape
  maxima weighted by records, exactly as :mod:`mm2report.analyses.latency` estimates them;
  ``scipy.stats.bootstrap`` resamples readings one by one, which ignores that consecutive
  readings share most of their 60 s window and gives intervals that are too narrow), then the
  percentile interval of the resampled differences. A percentile is given an interval only when
  at least :data:`MIN_TAIL` readings lie beyond it on each side (a p99 needs 1,000 readings,
  about 4 h at 15 s): the bootstrap of an extreme quantile of fewer readings resamples the few
  highest readings and is not to be trusted.
* **Times of several events of one kind** (rebalance spans, burst recoveries, restore times):
  Welch's t interval of the difference of the means; with one event per side there is no
  sampling spread to measure and no interval is given.
* **Counts of natural incidents**: the exact conditional test of two Poisson rates (the count
  of B given the total is binomial), with the Clopper-Pearson interval of the rate ratio.
"""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np
from scipy import stats

from ..analyses.latency import (MIN_TAIL, RESAMPLES, SEED, bootstrap_estimates, has_interval,
                                weighted_quantiles)

Z95 = float(stats.norm.ppf(0.975))


#: Consecutive batches a step's readings are cut into for its mean's interval.
BATCHES = 5


def batch_means(values: np.ndarray, batches: int = BATCHES) -> np.ndarray:
    """Means of ``batches`` consecutive batches of the finite readings (the remainder dropped);
    empty when there are fewer than two readings per batch."""
    x = np.asarray(values, dtype="float64")
    x = x[np.isfinite(x)]
    b = len(x) // batches
    if b < 2:
        return x[:0]
    return x[: batches * b].reshape(batches, b).mean(axis=1)


def mean_interval(values: np.ndarray, confidence: float) -> tuple[float, float] | None:
    """Interval of one side's mean: t on its batch means (``None`` as for
    :func:`mean_difference`)."""
    bm = batch_means(values)
    if len(bm) < 3:
        return None
    m = float(np.nanmean(values))
    half = float(stats.t.ppf(0.5 + confidence / 2, len(bm) - 1)) * float(bm.std(ddof=1)) / math.sqrt(len(bm))
    return (m - half, m + half)


def mean_difference(a_values: np.ndarray, b_values: np.ndarray,
                    confidence: float) -> tuple[float, float] | None:
    """Interval of ``mean(b) - mean(a)``: Welch's t on the batch means of each side; ``None``
    with fewer than two readings per batch on a side."""
    ba, bb = batch_means(a_values), batch_means(b_values)
    if len(ba) < 3 or len(bb) < 3:
        return None
    d = float(np.nanmean(b_values) - np.nanmean(a_values))
    va, vb = ba.var(ddof=1) / len(ba), bb.var(ddof=1) / len(bb)
    se = math.sqrt(va + vb)
    if se == 0:
        return (d, d)
    df = (va + vb) ** 2 / ((va ** 2 / (len(ba) - 1) if va else 0) + (vb ** 2 / (len(bb) - 1) if vb else 0))
    half = float(stats.t.ppf(0.5 + confidence / 2, df)) * se
    return (d - half, d + half)


def se_of(ci: tuple[float, float] | None) -> float | None:
    """The standard error a 95 % interval stands for (half its width over 1.96)."""
    if ci is None or not all(math.isfinite(v) for v in ci):
        return None
    return abs(ci[1] - ci[0]) / (2 * Z95)


def normal_difference(a: float, a_ci, b: float, b_ci, z: float) -> tuple[float, float] | None:
    sa, sb = se_of(a_ci), se_of(b_ci)
    if sa is None or sb is None:
        return None
    half = z * math.hypot(sa, sb)
    d = b - a
    return (d - half, d + half)


def ratio_interval(a: float, a_ci, b: float, b_ci, z: float) -> tuple[float, float] | None:
    """Interval of ``b / a`` on the log scale (delta method): both positive."""
    sa, sb = se_of(a_ci), se_of(b_ci)
    if sa is None or sb is None or a <= 0 or b <= 0:
        return None
    half = z * math.hypot(sa / a, sb / b)
    r = math.log(b / a)
    return (math.exp(r - half), math.exp(r + half))


def percentile_difference(a_values: np.ndarray, a_weights: np.ndarray, b_values: np.ndarray,
                          b_weights: np.ndarray, q: float, confidence: float, *,
                          resamples: int = RESAMPLES, seed: int = SEED,
                          block: bool = True) -> tuple[float, float, tuple[float, float] | None]:
    """Point percentiles of A and B and the bootstrap interval of ``B - A``.

    ``block=False`` resamples readings one by one (the naive bootstrap): kept only to show,
    in the tests, what ignoring the readings' dependence does to the false-discovery rate."""
    pa = float(weighted_quantiles(a_values, a_weights, [q])[0])
    pb = float(weighted_quantiles(b_values, b_weights, [q])[0])
    if not (has_interval(len(a_values), q) and has_interval(len(b_values), q)):
        return pa, pb, None
    if block:
        ea = bootstrap_estimates(a_values, [q], a_weights, resamples=resamples, seed=seed)[:, 0]
        eb = bootstrap_estimates(b_values, [q], b_weights, resamples=resamples, seed=seed + 1)[:, 0]
    else:
        ea = _iid_estimates(a_values, a_weights, q, resamples, seed)
        eb = _iid_estimates(b_values, b_weights, q, resamples, seed + 1)
    d = eb - ea
    d = d[np.isfinite(d)]
    if len(d) < resamples // 2:
        return pa, pb, None
    alpha = 1 - confidence
    return pa, pb, (float(np.quantile(d, alpha / 2)), float(np.quantile(d, 1 - alpha / 2)))


def _iid_estimates(values, weights, q, resamples, seed) -> np.ndarray:
    rng = np.random.default_rng(seed)
    n = len(values)
    out = np.empty(resamples)
    for i in range(resamples):
        idx = rng.integers(0, n, n)
        w = weights[idx]
        out[i] = weighted_quantiles(values[idx], w, [q])[0] if w.sum() > 0 else np.nan
    return out


def welch_difference(a: Sequence[float], b: Sequence[float],
                     confidence: float) -> tuple[float, float] | None:
    """Welch's t interval of ``mean(b) - mean(a)``; ``None`` with fewer than two per side or
    no spread at all on either side."""
    a, b = np.asarray(a, dtype="float64"), np.asarray(b, dtype="float64")
    if len(a) < 2 or len(b) < 2:
        return None
    if np.var(a) == 0 and np.var(b) == 0:
        return None  # identical times, each exact to one scrape step: no spread measured
    ci = stats.ttest_ind(b, a, equal_var=False).confidence_interval(confidence)
    return float(ci.low), float(ci.high)


def poisson_ratio(k_a: int, t_a: float, k_b: int, t_b: float,
                  confidence: float) -> tuple[float, float] | None:
    """Interval of the rate ratio B/A of two Poisson counts over exposures ``t_a``, ``t_b``
    (exact conditional method); ``None`` when there is no count at all or no exposure."""
    n = k_a + k_b
    if n == 0 or t_a <= 0 or t_b <= 0:
        return None
    ci = stats.binomtest(k_b, n, t_b / (t_a + t_b)).proportion_ci(confidence, method="exact")
    odds = (lambda p: math.inf if p >= 1 else p / (1 - p))
    scale = t_a / t_b
    return (odds(ci.low) * scale, odds(ci.high) * scale)


__all__ = ["BATCHES", "MIN_TAIL", "Z95", "batch_means", "mean_difference", "mean_interval",
           "normal_difference", "percentile_difference", "poisson_ratio",
           "ratio_interval", "se_of", "welch_difference"]
