"""The comparison's success criteria (seed 001, ACT-003), validated as strictly as a campaign.

A criteria file is YAML; every key is optional (the defaults are ACT-003's "Throughput augmenté
de > 20 %", "Latence P99 réduite", "Pas de régression fonctionnelle")::

    version: 1
    confidence: 0.95            # of every interval and significance call
    throughput_gain_pct: 20     # B's capacity must exceed A's by more than this
    latency_p99: lower          # lower | not_higher | ignore
    no_regression: true         # no criterion or SLA line PASS in A that is not PASS in B

Unknown keys, a duplicate key, a value out of range or of the wrong kind: one
``(field, reason)`` line each, exit code 2 (:class:`~mm2report.errors.ParameterError`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import Field, StrictBool, ValidationError

from ..errors import ParameterError
from ..params import Number, _problems_of, _Strict, read_yaml_file


class CompareCriteria(_Strict):
    version: Literal[1] = 1
    confidence: Number = Field(0.95, gt=0.5, lt=1.0)
    throughput_gain_pct: Number = Field(20.0, ge=-100.0, le=1000.0)
    latency_p99: Literal["lower", "not_higher", "ignore"] = "lower"
    no_regression: StrictBool = True

    @property
    def z(self) -> float:
        from scipy import stats

        return float(stats.norm.ppf(0.5 + self.confidence / 2))


def validate_criteria(data: Any, *, source: str = "<criteria>") -> CompareCriteria:
    """Validate an already-parsed criteria mapping (``None``: every default)."""
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ParameterError(source, [("", "the file must hold a YAML mapping of criteria")])
    try:
        return CompareCriteria.model_validate(data)
    except ValidationError as exc:
        raise ParameterError(source, _problems_of(exc)) from None


def load_criteria(path: str | Path | None) -> CompareCriteria:
    """The criteria of ``path`` (a small YAML file), or the ACT-003 defaults without one."""
    if path is None:
        return CompareCriteria()
    return validate_criteria(read_yaml_file(Path(path)), source=str(path))


__all__ = ["CompareCriteria", "load_criteria", "validate_criteria"]
