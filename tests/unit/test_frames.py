"""The one frame shape every source returns (mm2report/sources/base.py), from its docstrings."""

from __future__ import annotations

from datetime import datetime, timezone

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mm2report.errors import SourceError
from mm2report.sources.base import QueryResult, Series, align, build_frame, grid, to_epoch

T0 = 1_793_491_200  # 2026-11-01T00:00:00Z, a multiple of every step used here


def S(labels: dict, ts, values) -> Series:
    return Series(dict(labels), np.asarray(ts, dtype="int64"), np.asarray(values, dtype="float64"))


def utc(seconds: int) -> pd.Timestamp:
    return pd.Timestamp(seconds, unit="s", tz="UTC")


# ------------------------------------------------------------------------------------------
# align
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("start,end,step,expected", [
    (100, 200, 15, (90, 210)),
    (90, 210, 15, (90, 210)),           # already aligned: unchanged
    (T0 + 7, T0 + 7, 15, (T0, T0 + 15)),
    (T0, T0, 15, (T0, T0)),
    (T0 + 0.5, T0 + 59.5, 60, (T0, T0 + 60)),
    (T0 - 1, T0 + 1, 60, (T0 - 60, T0 + 60)),
    (T0 + 14.999, T0 + 15.001, 15, (T0, T0 + 30)),
    (0, 1, 1, (0, 1)),
])
def test_align_floors_start_and_ceils_end(start, end, step, expected):
    assert align(start, end, step) == expected


@settings(max_examples=300, deadline=None)
@given(st.integers(0, 4_000_000_000), st.integers(0, 10_000_000), st.integers(1, 86_400))
def test_align_property(start, length, step):
    end = start + length
    s, e = align(start, end, step)
    assert s % step == 0 and e % step == 0
    assert s <= start < s + step
    assert e - step < end <= e
    assert isinstance(s, int) and isinstance(e, int)


def test_align_refuses_end_before_start():
    with pytest.raises(SourceError):
        align(T0 + 30, T0, 15)


@pytest.mark.parametrize("step", [0, -15])
def test_align_refuses_bad_step(step):
    with pytest.raises(SourceError):
        align(T0, T0 + 60, step)


def test_to_epoch_refuses_naive_datetimes():
    with pytest.raises(SourceError):
        to_epoch(datetime(2026, 11, 1))
    assert to_epoch(datetime(2026, 11, 1, tzinfo=timezone.utc)) == T0
    assert to_epoch(pd.Timestamp("2026-11-01T01:00:00+01:00")) == T0


# ------------------------------------------------------------------------------------------
# grid
# ------------------------------------------------------------------------------------------


def test_grid_is_inclusive_utc_and_named_ts():
    index = grid(T0, T0 + 60, 15)
    assert isinstance(index, pd.DatetimeIndex)
    assert index.name == "ts"
    assert str(index.tz) == "UTC"
    assert list(index) == [utc(T0 + k) for k in (0, 15, 30, 45, 60)]
    assert index[0] == pd.Timestamp("2026-11-01T00:00:00Z")


def test_grid_of_one_instant():
    index = grid(T0, T0, 15)
    assert list(index) == [utc(T0)] and index.name == "ts"


def test_grid_length_over_a_day():
    index = grid(T0, T0 + 86_400, 15)
    assert len(index) == 86_400 // 15 + 1
    assert index[-1] == utc(T0 + 86_400)
    assert (np.diff(index.asi8) == np.diff(index.asi8)[0]).all()


# ------------------------------------------------------------------------------------------
# build_frame
# ------------------------------------------------------------------------------------------


def test_different_label_sets_give_a_multiindex_of_the_union():
    series = [
        S({"__name__": "m", "topic": "a", "partition": "0"}, [T0, T0 + 15], [1, 2]),
        S({"__name__": "m", "topic": "b", "instance": "w1"}, [T0 + 30], [3]),
    ]
    frame = build_frame(series, T0, T0 + 30, 15)
    assert isinstance(frame.columns, pd.MultiIndex)
    assert list(frame.columns.names) == ["instance", "partition", "topic"]
    assert set(frame.columns) == {("", "0", "a"), ("w1", "", "b")}
    assert frame.index.equals(grid(T0, T0 + 30, 15))
    a = frame[("", "0", "a")]
    b = frame[("w1", "", "b")]
    assert a.tolist()[:2] == [1.0, 2.0] and np.isnan(a.iloc[2])
    assert np.isnan(b.iloc[0]) and np.isnan(b.iloc[1]) and b.iloc[2] == 3.0
    assert (frame.dtypes == "float64").all()


def test_single_labelled_series_keeps_its_labels():
    frame = build_frame([S({"__name__": "m", "topic": "a"}, [T0], [1])], T0, T0 + 15, 15)
    assert isinstance(frame.columns, pd.MultiIndex)
    assert list(frame.columns.names) == ["topic"]
    assert list(frame.columns) == [("a",)]


@pytest.mark.parametrize("labels", [{}, {"__name__": "up"}])
def test_label_less_single_series_is_column_value(labels):
    frame = build_frame([S(labels, [T0, T0 + 30], [5, 7])], T0, T0 + 30, 15)
    assert list(frame.columns) == ["value"]
    assert not isinstance(frame.columns, pd.MultiIndex)
    values = frame["value"].tolist()
    assert values[0] == 5 and np.isnan(values[1]) and values[2] == 7


def test_no_series_gives_zero_columns_on_the_full_grid():
    frame = build_frame([], T0, T0 + 60, 15)
    assert frame.shape == (5, 0)
    assert frame.index.equals(grid(T0, T0 + 60, 15))


def test_off_grid_and_out_of_range_samples_are_ignored():
    start, end, step = T0 + 30, T0 + 90, 15
    ts = [T0, T0 + 15, T0 + 22, T0 + 30, T0 + 37, T0 + 60, T0 + 90, T0 + 105, T0 + 120, T0 + 97]
    vals = [100, 101, 102, 1, 103, 3, 5, 104, 105, 106]
    frame = build_frame([S({"k": "v"}, ts, vals)], start, end, step)
    col = frame[("v",)]
    assert len(col) == 5
    assert col.iloc[0] == 1 and np.isnan(col.iloc[1]) and col.iloc[2] == 3
    assert np.isnan(col.iloc[3]) and col.iloc[4] == 5
    assert not (col >= 100).any()


def test_duplicate_label_sets_are_refused():
    with pytest.raises(SourceError):
        build_frame([S({"a": "1"}, [T0], [1]), S({"a": "1"}, [T0 + 15], [2])], T0, T0 + 15, 15)
    # __name__ is dropped, so series differing only by their name collide too
    with pytest.raises(SourceError):
        build_frame([S({"__name__": "x", "a": "1"}, [T0], [1]),
                     S({"__name__": "y", "a": "1"}, [T0], [2])], T0, T0, 15)
    with pytest.raises(SourceError):
        build_frame([S({}, [T0], [1]), S({}, [T0], [2])], T0, T0, 15)


def test_absent_label_reads_as_empty_and_may_collide():
    # In Prometheus a label with an empty value and an absent label are the same series.
    with pytest.raises(SourceError):
        build_frame([S({"a": "1", "b": ""}, [T0], [1]), S({"a": "1"}, [T0], [2])], T0, T0, 15)


def test_nan_values_stay_nan_and_series_order_does_not_matter():
    one = S({"p": "1"}, [T0, T0 + 15], [np.nan, 2])
    two = S({"p": "0"}, [T0, T0 + 15], [3, 4])
    a = build_frame([one, two], T0, T0 + 15, 15)
    b = build_frame([two, one], T0, T0 + 15, 15)
    pd.testing.assert_frame_equal(a, b)
    assert np.isnan(a[("1",)].iloc[0]) and a[("1",)].iloc[1] == 2


def test_instant_frame_has_one_row():
    frame = build_frame([S({"p": "0"}, [T0], [9])], T0, T0, 15)
    assert frame.shape == (1, 1) and frame.index[0] == utc(T0)


# ------------------------------------------------------------------------------------------
# QueryResult
# ------------------------------------------------------------------------------------------


def result(frame: pd.DataFrame) -> QueryResult:
    return QueryResult("q", "sum(x)", datetime.fromtimestamp(T0, timezone.utc),
                       datetime.fromtimestamp(T0 + 45, timezone.utc), 15, "test", frame)


def test_series_of_a_single_column():
    frame = build_frame([S({"topic": "a"}, [T0, T0 + 30], [1, 3])], T0, T0 + 45, 15)
    s = result(frame).series
    assert isinstance(s, pd.Series) and s.name == "value" and len(s) == 4
    assert s.index.equals(frame.index)
    assert s.iloc[0] == 1 and s.iloc[2] == 3 and np.isnan(s.iloc[1]) and np.isnan(s.iloc[3])


def test_series_of_no_data_is_all_nan_on_the_grid():
    frame = build_frame([], T0, T0 + 45, 15)
    s = result(frame).series
    assert len(s) == 4 and s.isna().all() and s.index.equals(frame.index)
    assert s.dtype == "float64"


def test_series_of_several_columns_is_refused():
    frame = build_frame([S({"a": "1"}, [T0], [1]), S({"a": "2"}, [T0], [2])], T0, T0 + 45, 15)
    with pytest.raises(SourceError):
        result(frame).series


def test_completeness():
    half = build_frame([S({}, [T0, T0 + 15], [1, 2])], T0, T0 + 45, 15)
    assert result(half).completeness == 0.5
    quarter = build_frame([S({}, [T0 + 45], [1])], T0, T0 + 45, 15)
    assert result(quarter).completeness == 0.25
    full = build_frame([S({"a": "1"}, [T0, T0 + 30], [1, 1]), S({"a": "2"}, [T0 + 15, T0 + 45], [2, 2])],
                       T0, T0 + 45, 15)
    assert result(full).completeness == 1.0  # any series holding a value counts for the step
    empty = build_frame([], T0, T0 + 45, 15)
    assert result(empty).completeness == 0.0
    # a frame with grid rows left out (hand-built, damaged): the rows missing are missing steps
    gapped = build_frame([S({}, [T0, T0 + 15, T0 + 30, T0 + 45], [1, 1, 1, 1])], T0, T0 + 45, 15)
    assert result(gapped.iloc[[1]]).completeness == 0.25


def test_evidence_names_query_and_range():
    ev = result(build_frame([], T0, T0 + 45, 15)).evidence()
    assert ev["query"] == "q" and ev["promql"] == "sum(x)" and ev["step_s"] == 15
    assert datetime.fromisoformat(ev["start"]) == datetime.fromtimestamp(T0, timezone.utc)
    assert datetime.fromisoformat(ev["end"]) == datetime.fromtimestamp(T0 + 45, timezone.utc)
