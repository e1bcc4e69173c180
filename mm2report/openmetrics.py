"""Write OpenMetrics text that ``promtool tsdb create-blocks-from openmetrics`` reads correctly.

promtool accepts two mistakes silently: millisecond timestamps are read as seconds (dates in the
year 58,000) and an out-of-order sample is dropped. :class:`OpenMetricsWriter` refuses both:
timestamps are written as integer or decimal *seconds* and must be strictly ascending within a
series; the file ends with ``# EOF``. The same file imports into VictoriaMetrics unchanged.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import IO

import numpy as np

# Later than 2200-01-01 in seconds means milliseconds were passed by mistake.
_MAX_SECONDS = 7_258_118_400


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def format_labels(labels: Mapping[str, str]) -> str:
    if not labels:
        return ""
    return "{" + ",".join(f'{k}="{_escape(str(v))}"' for k, v in labels.items()) + "}"


def _format_value(value: float) -> str:
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return repr(float(value)) if not float(value).is_integer() else str(int(value))


class OpenMetricsWriter:
    """Stream metric families to ``out``; call :meth:`close` to write ``# EOF``.

    A family is declared once (``# TYPE``); its series may be written in any order, each with
    ascending timestamps.
    """

    def __init__(self, out: IO[str]):
        self._out = out
        self._types: dict[str, str] = {}
        self._last: dict[tuple[str, str], float] = {}
        self.samples = 0
        self._closed = False

    def family(self, name: str, kind: str, help_text: str | None = None) -> None:
        if name in self._types:
            return
        if kind not in ("gauge", "counter", "histogram", "unknown"):
            raise ValueError(f"unsupported metric type {kind!r}")
        self._types[name] = kind
        self._check_open()
        if help_text:
            self._out.write(f"# HELP {name} {_escape(help_text)}\n")
        self._out.write(f"# TYPE {name} {kind}\n")

    def series(
        self,
        name: str,
        labels: Mapping[str, str],
        timestamps: Iterable[float],
        values: Iterable[float],
    ) -> None:
        """Write one series' samples; ``timestamps`` in seconds, strictly ascending."""
        ts = np.asarray(list(timestamps) if not isinstance(timestamps, np.ndarray) else timestamps,
                        dtype="float64")
        vs = np.asarray(list(values) if not isinstance(values, np.ndarray) else values,
                        dtype="float64")
        if ts.shape != vs.shape:
            raise ValueError(f"{name}: {len(ts)} timestamps for {len(vs)} values")
        self._check_open()
        if len(ts) == 0:
            return
        if not np.all(np.isfinite(ts)):
            raise ValueError(f"{name}: timestamps must be finite numbers of seconds")
        if ts.max() > _MAX_SECONDS:
            raise ValueError(f"{name}: timestamps must be in seconds, not milliseconds")
        key = (name, format_labels(dict(sorted(labels.items()))))
        previous = self._last.get(key, -math.inf)
        if ts[0] <= previous or (len(ts) > 1 and np.any(np.diff(ts) <= 0)):
            raise ValueError(f"{name}{key[1]}: timestamps must be strictly ascending")
        self._last[key] = float(ts[-1])
        prefix = name + format_labels(labels) + " "
        ts_text = [str(int(t)) if float(t).is_integer() else repr(float(t)) for t in ts.tolist()]
        lines = [prefix + _format_value(v) + " " + t for v, t in zip(vs.tolist(), ts_text)]
        self._out.write("\n".join(lines) + "\n")
        self.samples += len(lines)

    def _check_open(self) -> None:
        if self._closed:
            raise ValueError("the writer is closed: nothing may follow # EOF")

    def close(self) -> None:
        self._check_open()
        self._out.write("# EOF\n")
        self._closed = True
