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

from ..sources.base import QueryResult


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


def aggregate(result: QueryResult | None) -> pd.Series:
    """The single series of an aggregate query, cleaned; empty when there is no result."""
    if result is None:
        return pd.Series(dtype="float64", index=pd.DatetimeIndex([], tz="UTC", name="ts"))
    frame = result.frame
    if frame.shape[1] == 0:
        return clean(pd.Series(np.nan, index=frame.index, dtype="float64"))
    if frame.shape[1] == 1:
        return clean(frame.iloc[:, 0])
    return clean(frame.max(axis=1, skipna=True))  # several series where one was expected


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
        # self-describing and compact; mm2report.results.from_jsonable reads it back
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


__all__ = ["Evidence", "Kpi", "aggregate", "clean", "completeness", "epoch", "missing", "runs",
           "seconds", "to_jsonable", "ts", "window"]
