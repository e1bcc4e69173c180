"""The source interface and the one frame shape every source returns.

A query result is a :class:`QueryResult`: a wide ``DataFrame`` plus its evidence.

* index: ``ts``, a UTC ``DatetimeIndex`` on the *complete* step grid from the aligned start to
  the aligned end, both included (one row for an instant query); steps with no sample are NaN;
* columns: one per series. When the series carry labels, the columns are a ``MultiIndex`` whose
  level names are the sorted label names (``__name__`` dropped, absent labels read as ``""`` as
  in Prometheus); a single series without labels (``sum(...)``) is the column ``"value"``; no
  series at all gives zero columns, never an error;
* values: float64.

Both sources build frames with :func:`build_frame`, so a snapshot replays frames identical to
the live ones.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Sequence

import numpy as np
import pandas as pd

from .. import catalog
from ..errors import SourceError

if TYPE_CHECKING:
    from ..params import Campaign

VALUE_COLUMN = "value"


def to_epoch(moment: datetime | pd.Timestamp | float | int) -> float:
    """Seconds since the epoch; naive datetimes are refused (they would be read as local time)."""
    if isinstance(moment, (int, float, np.integer, np.floating)):
        return float(moment)
    if moment.tzinfo is None:
        raise SourceError(f"time {moment} has no time zone; give times in UTC or with an offset")
    return moment.timestamp()


def align(start: float, end: float, step: int) -> tuple[int, int]:
    """Align ``start`` down and ``end`` up to multiples of ``step`` seconds (epoch-aligned).

    Prometheus evaluates at ``start + k*step`` while VictoriaMetrics aligns ``start`` to the step
    itself; aligning on our side makes both return the same grid.
    """
    if step <= 0:
        raise SourceError("step must be a positive number of seconds")
    if end < start:
        raise SourceError("end must not be before start")
    s = int(np.floor(start / step) * step)
    e = int(np.ceil(end / step) * step)
    return s, e


def grid(start: int, end: int, step: int) -> pd.DatetimeIndex:
    seconds = np.arange(start, end + 1, step, dtype="int64")
    return pd.DatetimeIndex(pd.to_datetime(seconds, unit="s", utc=True), name="ts").as_unit("s")


@dataclass(frozen=True)
class Series:
    """One series before it is placed on the grid: labels, epoch seconds, values."""

    labels: dict[str, str]
    ts: np.ndarray  # int64 epoch seconds
    values: np.ndarray  # float64


def build_frame(series: Sequence[Series], start: int, end: int, step: int) -> pd.DataFrame:
    """Place series on the ``[start, end]`` grid (see the module docstring for the shape)."""
    index = grid(start, end, step)
    keys = sorted({k for s in series for k in s.labels if k != "__name__"})
    rows: list[tuple[str, ...]] = []
    data = np.full((len(index), len(series)), np.nan, dtype="float64")
    for j, s in enumerate(series):
        rows.append(tuple(s.labels.get(k, "") for k in keys))
        if len(s.ts):
            offsets = s.ts.astype("int64") - start
            pos = offsets // step
            ok = (offsets % step == 0) & (pos >= 0) & (pos < len(index))
            data[pos[ok], j] = s.values[ok]
    if len(set(rows)) != len(rows):
        twice = next(r for r in rows if rows.count(r) > 1)
        shown = ", ".join(f"{k}={json.dumps(v)}" for k, v in zip(keys, twice)) or "no label"
        raise SourceError(f"the query returned several series with the same labels "
                          f"({{{shown}}}); series that differ only by metric name cannot be "
                          "told apart — aggregate or select one metric")
    if not series:
        columns: pd.Index = pd.Index([], dtype="object")
    elif not keys:
        columns = pd.Index([VALUE_COLUMN])
    else:
        columns = pd.MultiIndex.from_tuples(rows, names=keys)
    frame = pd.DataFrame(data, index=index, columns=columns)
    if keys and len(series) > 1:
        frame = frame.sort_index(axis=1)
    return frame


@dataclass(frozen=True)
class QueryResult:
    """A frame and the evidence of where it came from."""

    name: str  # catalog query name, or "" for raw PromQL
    promql: str
    start: datetime  # aligned, UTC
    end: datetime
    step: int  # seconds
    origin: str  # URL without credentials, or snapshot path
    frame: pd.DataFrame

    @property
    def series(self) -> pd.Series:
        """The single series of an aggregate query (all-NaN when there was no data)."""
        if self.frame.shape[1] == 0:
            return pd.Series(np.nan, index=self.frame.index, name=VALUE_COLUMN, dtype="float64")
        if self.frame.shape[1] != 1:
            raise SourceError(f"query {self.name or self.promql} returned {self.frame.shape[1]} series, not one")
        return self.frame.iloc[:, 0].rename(VALUE_COLUMN)

    @property
    def completeness(self) -> float:
        """Share of grid steps holding at least one value (0 when nothing came back)."""
        if self.frame.shape[1] == 0 or len(self.frame) == 0:
            return 0.0
        held = int(self.frame.notna().any(axis=1).sum())
        if self.step > 0 and self.end >= self.start:
            steps = int((self.end - self.start).total_seconds() // self.step) + 1
            # rows left out of a hand-built or damaged frame are missing steps, not none
            return held / max(steps, len(self.frame))
        return held / len(self.frame)

    def evidence(self) -> dict:
        return {
            "query": self.name,
            "promql": self.promql,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "step_s": self.step,
            "origin": self.origin,
        }


def _utc(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, tz=timezone.utc)


def _iso(seconds: int) -> str:
    return _utc(seconds).strftime("%Y-%m-%dT%H:%M:%SZ")


class MetricSource(ABC):
    """One interface, two implementations: a Prometheus-compatible API and a snapshot."""

    def __init__(self, campaign: "Campaign"):
        self.campaign = campaign
        self.step = int(campaign.source.step.total_seconds())

    @property
    @abstractmethod
    def origin(self) -> str:
        """Where data comes from, safe to print (no credentials)."""

    @abstractmethod
    def _fetch(self, promql: str, start: int, end: int, step: int, instant: bool) -> list[Series]:
        """Return the series of ``promql`` on the aligned grid (a single point when instant)."""

    def range(
        self,
        name: str,
        start: datetime,
        end: datetime,
        *,
        step: int | timedelta | None = None,
        range_: str | None = None,
    ) -> QueryResult:
        """Evaluate catalog query ``name`` at every step from ``start`` to ``end``."""
        step_s = self._step(step)
        s, e = align(to_epoch(start), to_epoch(end), step_s)
        promql = catalog.render(name, self.campaign, range_=range_)
        series = self._fetch(promql, s, e, step_s, instant=False)
        return QueryResult(name, promql, _utc(s), _utc(e), step_s, self.origin,
                           self._frame(series, promql, s, e, step_s, instant=False))

    def expression(self, name: str, promql: str, start: datetime, end: datetime, *,
                   step: int | timedelta | None = None) -> QueryResult:
        """Evaluate ``promql``, an expression built from the catalog (an alerting rule of
        :mod:`mm2report.alerting`), at every step from ``start`` to ``end``; ``name`` names it
        in the evidence and in a snapshot."""
        step_s = self._step(step)
        s, e = align(to_epoch(start), to_epoch(end), step_s)
        series = self._fetch(promql, s, e, step_s, instant=False)
        return QueryResult(name, promql, _utc(s), _utc(e), step_s, self.origin,
                           self._frame(series, promql, s, e, step_s, instant=False))

    def instant(self, name: str, at: datetime, *, range_: str | None = None) -> QueryResult:
        """Evaluate catalog query ``name`` at one instant (aligned down to the step)."""
        s, _ = align(to_epoch(at), to_epoch(at), self.step)
        promql = catalog.render(name, self.campaign, range_=range_)
        series = self._fetch(promql, s, s, self.step, instant=True)
        return QueryResult(name, promql, _utc(s), _utc(s), self.step, self.origin,
                           self._frame(series, promql, s, s, self.step, instant=True))

    def _frame(self, series: Sequence[Series], promql: str, start: int, end: int, step: int,
               instant: bool) -> pd.DataFrame:
        """:func:`build_frame`, its errors naming the source, the PromQL and the range as
        every other query error does."""
        try:
            return build_frame(series, start, end, step)
        except SourceError as exc:
            where = (f"at: {_iso(start)}" if instant
                     else f"range: {_iso(start)} .. {_iso(end)}, step {step}s")
            raise SourceError(f"query to {self.origin} failed: {exc}; PromQL: {promql}; "
                              f"{where}") from None

    def _step(self, step: int | timedelta | None) -> int:
        if step is None:
            return self.step
        seconds = step.total_seconds() if isinstance(step, timedelta) else step
        if seconds <= 0 or int(seconds) != seconds:
            raise SourceError("step must be a whole, positive number of seconds")
        return int(seconds)

    def close(self) -> None:
        """Release connections; sources are also context managers."""

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def rules_or_none(source: MetricSource) -> list[dict] | None:
    """The alert and recording rule groups the source serves (``/api/v1/rules``, or those
    recorded with a snapshot), or ``None`` when it has none (GO/NOGO criterion 9)."""
    rules = getattr(source, "rules", None)
    if rules is None:
        return None
    try:
        return rules()
    except SourceError:  # SnapshotError included
        return None
