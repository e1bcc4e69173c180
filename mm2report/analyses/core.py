"""Result types shared by the analyses, and the small time-series helpers they all use.

Every analysis returns frozen dataclasses built from :class:`Kpi` and :class:`Evidence`: the value
and its unit, a confidence interval where one is meaningful, the catalog queries and time ranges
it was computed from, and how complete the data was. ``value`` is ``None`` when the data did not
allow a value: an analysis never turns missing data into a zero.

Time conventions (see ``DESIGN.md``): a sample at grid time ``T`` of a gauge shows the state just
before ``T``; a rate sample at ``T`` (``irate`` over the last two scrapes) covers the step
``(T - step, T]``. Both facts are used to keep every time KPI within one step of the truth.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from enum import Enum
from typing import Any, Iterable

import numpy as np
import pandas as pd

from ..sources.base import QueryResult, grid


@dataclass(frozen=True)
class Evidence:
    """Where a number comes from: a catalog query, evaluated over a time range at a step."""

    query: str
    start: datetime
    end: datetime
    step_s: int
    promql: str = ""
    origin: str = ""

    @classmethod
    def of(cls, result: QueryResult, start: datetime | None = None,
           end: datetime | None = None) -> "Evidence":
        return cls(result.name or result.promql, start or result.start, end or result.end,
                   result.step, result.promql, result.origin)


@dataclass(frozen=True)
class Kpi:
    """One measured figure."""

    name: str
    value: float | None
    unit: str
    ci: tuple[float, float] | None = None
    evidence: tuple[Evidence, ...] = ()
    completeness: float = 0.0
    notes: tuple[str, ...] = ()

    @property
    def known(self) -> bool:
        return self.value is not None and math.isfinite(self.value)


def missing(name: str, unit: str, reason: str, evidence: Iterable[Evidence] = (),
            completeness: float = 0.0) -> Kpi:
    """A KPI that could not be measured, with the reason in its notes."""
    return Kpi(name, None, unit, None, tuple(evidence), completeness, (reason,))


# --------------------------------------------------------------------------------------------
# Series helpers
# --------------------------------------------------------------------------------------------


def clean(series: pd.Series) -> pd.Series:
    """Sorted, de-duplicated (last value wins), float, non-finite values as NaN, UTC index."""
    s = series.copy()
    if not isinstance(s.index, pd.DatetimeIndex):
        s.index = pd.to_datetime(s.index, utc=True)
    elif s.index.tz is None:
        s.index = s.index.tz_localize("UTC")
    s = s[~s.index.duplicated(keep="last")].sort_index()
    values = pd.to_numeric(s, errors="coerce").astype("float64")
    return values.where(np.isfinite(values))


#: Bounds no true reading of a catalog query can leave (records/s, records, ms, tasks, ...):
#: a count or a rate below zero, a lag beyond Kafka's offset range (2**63), a flag other than
#: 0/1, a rate of 10 billion records/s. Such readings are data errors (a broken exporter, a
#: corrupted snapshot), read as missing, never as an incident, a zero or a measurement.
VALID_RANGE: dict[str, tuple[float, float]] = {
    **{q: (0.0, 1e10) for q in ("replicated_rate", "replicated_rate_by_topic", "offered_rate",
                                "offered_rate_by_topic", "target_rate", "record_errors_rate",
                                "record_failures_rate")},
    **{q: (0.0, 2.0**63) for q in ("consumer_lag", "consumer_lag_max", "consumer_lag_by_partition",
                                   "source_offsets", "target_offsets")},
    # ms since the record's timestamp: at most ~300 years (a clock skew gives negative ones)
    **{q: (0.0, 1e13) for q in ("latency_max", "latency_avg", "record_age_max",
                                "rebalance_max_time")},
    **{q: (0.0, 1e6) for q in ("tasks_running", "tasks_total", "tasks_failed", "workers")},
    "rebalancing": (0.0, 1.0),
    "rebalances_completed": (0.0, 1e9),
    "up": (0.0, 1.0),
    "jvm_heap_used": (0.0, 1e15),
    "cert_expiry": (0.0, 1e11),  # unix seconds, before the year 5138
}


def plausible(values, query: str | None):
    """``values`` (a Series or a DataFrame) with the readings outside the query's
    :data:`VALID_RANGE` (and non-finite ones) set to NaN."""
    values = values.apply(pd.to_numeric, errors="coerce") if isinstance(values, pd.DataFrame) \
        else pd.to_numeric(values, errors="coerce")
    values = values.astype("float64")
    lo, hi = VALID_RANGE.get(query or "", (-np.inf, np.inf))
    return values.where(np.isfinite(values) & (values >= lo) & (values <= hi))


def implausible(result: QueryResult | None) -> int:
    """How many finite readings of ``result`` lie outside its query's valid range, plus the
    infinite ones (NaN is a missing reading, not counted)."""
    if result is None or result.frame.shape[1] == 0:
        return 0
    raw = result.frame[~result.frame.index.duplicated(keep="last")]
    raw = raw.apply(pd.to_numeric, errors="coerce").astype("float64")
    return int((raw.notna() & plausible(raw, result.name).isna()).to_numpy().sum())


def aggregate(result: QueryResult | None) -> pd.Series:
    """The single series of an aggregate query, cleaned (readings outside the query's valid
    range read as missing); empty when there is no result."""
    if result is None:
        return pd.Series(dtype="float64", index=pd.DatetimeIndex([], tz="UTC", name="ts"))
    frame = plausible(result.frame, result.name) if result.frame.shape[1] else result.frame
    if frame.shape[1] == 0:
        series = clean(pd.Series(np.nan, index=frame.index, dtype="float64"))
    elif frame.shape[1] == 1:
        series = clean(frame.iloc[:, 0])
    else:
        series = clean(frame.max(axis=1, skipna=True))  # several series where one was expected
    return on_grid(series, result)


def on_grid(series: pd.Series, result: QueryResult) -> pd.Series:
    """``series`` with a missing reading (NaN) at every step of the query's grid it lacks.

    Sources return the complete grid; a frame with rows left out (a hand-built or damaged one)
    must not make the readings present look like all the readings there are: completeness is
    the share of the *grid* that holds data."""
    if result.step <= 0 or result.end < result.start:
        return series
    steps = grid(int(seconds(result.start)), int(seconds(result.end)), result.step)
    if len(steps) > 1_000_000 or steps.isin(series.index).all():
        return series
    return series.reindex(series.index.union(steps).rename("ts"))


def window(series: pd.Series, start: datetime, end: datetime, *, closed: str = "right") -> pd.Series:
    """Samples with ``start < T <= end`` (``closed="right"``, rate samples covering the window)
    or ``start <= T <= end`` (``closed="both"``)."""
    if series.empty:
        return series
    idx = series.index
    lo = idx > pd.Timestamp(start) if closed == "right" else idx >= pd.Timestamp(start)
    return series[lo & (idx <= pd.Timestamp(end))]


def completeness(series: pd.Series) -> float:
    return float(series.notna().mean()) if len(series) else 0.0


def epoch(index: pd.DatetimeIndex) -> np.ndarray:
    """Epoch seconds of a UTC index."""
    return index.as_unit("s").asi8.astype("int64")


def ts(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, tz=timezone.utc)


def seconds(moment: datetime | pd.Timestamp) -> float:
    return pd.Timestamp(moment).timestamp()


def runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """[start, end) index pairs of the True runs of ``mask``."""
    edges = np.diff(np.concatenate([[0], np.asarray(mask, dtype=np.int8), [0]]))
    return list(zip(np.flatnonzero(edges == 1).tolist(), np.flatnonzero(edges == -1).tolist()))


# --------------------------------------------------------------------------------------------
# Serialisation for results.json
# --------------------------------------------------------------------------------------------


def to_jsonable(obj: Any) -> Any:
    """Plain JSON types: dataclasses to dicts, times to ISO 8601, NaN to ``None``, frames to
    ``{"index": name or None, "columns": [...], "data": [[...], ...]}``."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: to_jsonable(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, Enum):
        return obj.value
    if isinstance(obj, (datetime, pd.Timestamp)):
        return pd.Timestamp(obj).isoformat()
    if isinstance(obj, timedelta):
        return obj.total_seconds()
    if isinstance(obj, pd.DataFrame):
        # self-describing and compact; mm2report.documents.results.from_jsonable reads it back
        named = obj.index.name is not None
        frame = obj.reset_index() if named else obj.reset_index(drop=True)
        return {"index": obj.index.name if named else None,
                "columns": [str(c) for c in frame.columns],
                "data": [to_jsonable(list(r)) for r in frame.itertuples(index=False, name=None)]}
    if isinstance(obj, pd.Series):
        return to_jsonable(obj.reset_index().to_dict(orient="records"))
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, (np.integer,)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        return float(obj) if math.isfinite(obj) else None
    if isinstance(obj, np.bool_):
        return bool(obj)
    return obj


__all__ = ["VALID_RANGE", "Evidence", "Kpi", "aggregate", "clean", "completeness", "epoch",
           "implausible", "missing", "plausible", "runs",
           "seconds", "to_jsonable", "ts", "window"]
