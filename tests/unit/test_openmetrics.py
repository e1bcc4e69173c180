"""OpenMetricsWriter: refuses what promtool would silently get wrong; writes valid OpenMetrics."""

from __future__ import annotations

import io
import math

import numpy as np
import pytest

from mm2report.openmetrics import OpenMetricsWriter, format_labels

T0 = 1_793_491_200  # 2026-11-01T00:00:00Z


def writer() -> tuple[OpenMetricsWriter, io.StringIO]:
    out = io.StringIO()
    return OpenMetricsWriter(out), out


def sample_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line and not line.startswith("#")]


def split_sample(line: str) -> tuple[str, str, str]:
    """``name{labels} value timestamp`` -> (series, value, timestamp); labels may hold spaces."""
    series, value, ts = line.rsplit(" ", 2)
    return series, value, ts


def test_millisecond_timestamps_are_refused():
    w, out = writer()
    with pytest.raises(ValueError, match="second"):
        w.series("m", {}, [T0 * 1000, T0 * 1000 + 15_000], [1, 2])
    assert out.getvalue() == ""
    # one ms timestamp hidden among seconds is refused too
    with pytest.raises(ValueError):
        w.series("m", {}, [T0, T0 * 1000], [1, 2])


def test_second_timestamps_are_written_as_seconds():
    w, out = writer()
    w.series("m", {}, [T0, T0 + 15], [1, 2])
    stamps = [float(split_sample(line)[2]) for line in sample_lines(out.getvalue())]
    assert stamps == [T0, T0 + 15]


def test_decimal_second_timestamps_keep_their_fraction():
    w, out = writer()
    w.series("m", {}, [T0 + 0.5, T0 + 15.25], [1, 2])
    stamps = [float(split_sample(line)[2]) for line in sample_lines(out.getvalue())]
    assert stamps == [T0 + 0.5, T0 + 15.25]


@pytest.mark.parametrize("ts", [[T0 + 30, T0 + 15], [T0, T0 + 15, T0 + 15], [T0, T0],
                                [T0, T0 + 30, T0 + 15, T0 + 45]])
def test_non_ascending_or_repeated_timestamps_are_refused(ts):
    w, out = writer()
    with pytest.raises(ValueError, match="ascending"):
        w.series("m", {"a": "1"}, ts, [1.0] * len(ts))
    assert out.getvalue() == ""  # nothing half-written


def test_ascending_is_checked_across_calls_for_the_same_series():
    w, out = writer()
    w.series("m", {"a": "1"}, [T0, T0 + 15], [1, 2])
    before = out.getvalue()
    with pytest.raises(ValueError):
        w.series("m", {"a": "1"}, [T0 + 15, T0 + 30], [3, 4])  # repeats T0+15
    with pytest.raises(ValueError):
        w.series("m", {"a": "1"}, [T0 + 5], [3])  # goes back in time
    assert out.getvalue() == before
    w.series("m", {"a": "1"}, [T0 + 30], [5])  # continuing is fine
    # other series are independent: another label value, another metric name
    w.series("m", {"a": "2"}, [T0], [1])
    w.series("n", {"a": "1"}, [T0], [1])
    assert len(sample_lines(out.getvalue())) == 5


def test_same_series_with_labels_in_another_order_is_the_same_series():
    w, _ = writer()
    w.series("m", {"a": "1", "b": "2"}, [T0, T0 + 15], [1, 2])
    with pytest.raises(ValueError):
        w.series("m", {"b": "2", "a": "1"}, [T0 + 15], [3])


def test_nan_timestamp_is_refused():
    w, _ = writer()
    with pytest.raises(ValueError):
        w.series("m", {}, [T0, math.nan, T0 + 30], [1, 2, 3])


def test_timestamps_and_values_must_pair():
    w, _ = writer()
    with pytest.raises(ValueError):
        w.series("m", {}, [T0, T0 + 15], [1])


def test_eof_is_written_last_and_once():
    w, out = writer()
    w.family("m", "gauge", "help text")
    w.series("m", {"a": "1"}, [T0, T0 + 15], [1, 2])
    w.family("n", "counter")
    w.series("n", {}, [T0], [1])
    w.close()
    lines = out.getvalue().splitlines()
    assert lines[-1] == "# EOF"
    assert lines.count("# EOF") == 1
    assert out.getvalue().endswith("# EOF\n")
    assert "# TYPE m gauge" in lines and "# TYPE n counter" in lines
    assert lines.index("# TYPE m gauge") < lines.index(next(l for l in lines if l.startswith("m{")))


def test_family_is_declared_once():
    w, out = writer()
    w.family("m", "gauge")
    w.family("m", "gauge")
    assert out.getvalue().count("# TYPE m gauge") == 1
    with pytest.raises(ValueError):
        w.family("x", "summary-ish")


def test_special_values():
    w, out = writer()
    w.series("m", {}, [T0, T0 + 15, T0 + 30, T0 + 45], [math.nan, math.inf, -math.inf, 0.0])
    values = [split_sample(line)[1] for line in sample_lines(out.getvalue())]
    assert values[:3] == ["NaN", "+Inf", "-Inf"]
    assert float(values[3]) == 0.0


@pytest.mark.parametrize("value", [0.1, 1.5, -2.25, 1e-300, 123456789.123456, 2.0, 7, 1e20,
                                   np.float64(1) / 3, -0.0, 5e-324])
def test_values_roundtrip_exactly(value):
    w, out = writer()
    w.series("m", {}, [T0], [value])
    (line,) = sample_lines(out.getvalue())
    assert float(split_sample(line)[1]) == float(value)


def test_sample_count():
    w, _ = writer()
    w.series("m", {}, [T0, T0 + 15], [1, 2])
    w.series("m", {"a": "x"}, np.array([T0]), np.array([3.0]))
    w.series("m", {"a": "y"}, [], [])
    assert w.samples == 3


def test_label_escaping():
    assert format_labels({"a": 'x"y\\z\nw'}) == '{a="x\\"y\\\\z\\nw"}'
    assert format_labels({"c": '"primary->backup.MirrorSourceConnector"'}) == \
        '{c="\\"primary->backup.MirrorSourceConnector\\""}'
    assert format_labels({}) == ""


def test_escaped_labels_in_sample_lines():
    w, out = writer()
    w.series("m", {"path": "C:\\dir", "q": 'say "hi"'}, [T0], [1])
    (line,) = sample_lines(out.getvalue())
    series, value, ts = split_sample(line)
    assert series == 'm{path="C:\\\\dir",q="say \\"hi\\""}'
    assert float(value) == 1 and float(ts) == T0


def test_help_text_newline_is_escaped():
    w, out = writer()
    w.family("m", "gauge", "first line\nsecond line")
    w.close()
    for line in out.getvalue().splitlines():
        assert line.startswith("#"), line
