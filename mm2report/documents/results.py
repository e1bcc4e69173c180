"""``results.json``: what a phase notebook leaves behind, and how a run's phases come back together.

Each executed phase notebook writes one ``results.json`` next to itself: the phase's whole
analysis (every KPI with its evidence and completeness), the verdicts the phase can judge on its
own, and the alerting rules read from the source. Later steps (the campaign decision, the
deliverables) read only these files: :func:`load_phase` rebuilds the typed
:class:`~mm2report.evaluate.PhaseAnalysis` from the JSON, and :func:`combine_run` hands the phases
to the same :func:`~mm2report.evaluate.combine_phases` that :func:`~mm2report.evaluate.evaluate`
uses, so a campaign judged from its results files equals the campaign judged in one process.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import os
import types
import typing
from datetime import datetime, timedelta
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from .. import __version__
from .. import verdicts as V
from ..analyses.core import to_jsonable
from ..errors import ParameterError
from ..evaluate import SCHEMA_VERSION, CampaignAnalysis, PhaseAnalysis, combine_phases
from ..redact import redact_file_text

if TYPE_CHECKING:
    from ..params import Campaign

RESULTS_FILE = "results.json"
KIND = "mm2report.phase-results"

# --------------------------------------------------------------------------------------------
# JSON → typed results
# --------------------------------------------------------------------------------------------


def _frame(value: dict) -> pd.DataFrame:
    frame = pd.DataFrame(value["data"], columns=value["columns"])
    for col in frame.columns:  # JSON null → NaN in numeric columns
        if frame[col].dtype == object and frame[col].map(
                lambda v: v is None or isinstance(v, (int, float)) and not isinstance(v, bool)).all():
            frame[col] = pd.to_numeric(frame[col]).astype("float64")
    name = value.get("index")
    if name is not None:
        index = frame.pop(name)
        if name == "ts":
            index = pd.to_datetime(index, utc=True)
        frame.index = pd.Index(index, name=name)
    return frame


def from_jsonable(tp: Any, value: Any) -> Any:
    """Inverse of :func:`~mm2report.analyses.core.to_jsonable` for the type ``tp``."""
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        args = typing.get_args(tp)
        if value is None:
            return None
        kinds = [a for a in args if a is not type(None)]
        if len(kinds) == 1:
            return from_jsonable(kinds[0], value)
        return value  # e.g. float | str: JSON keeps the kind
    if tp is Any:
        return value
    if dataclasses.is_dataclass(tp):
        hints = typing.get_type_hints(tp)
        return tp(**{f.name: from_jsonable(hints[f.name], value[f.name])
                     for f in dataclasses.fields(tp) if f.init and f.name in value})
    if origin is tuple:
        args = typing.get_args(tp)
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(from_jsonable(args[0], v) for v in value)
        return tuple(from_jsonable(a, v) for a, v in zip(args, value))
    if origin is dict:
        _, vt = typing.get_args(tp)
        return {k: from_jsonable(vt, v) for k, v in value.items()}
    if origin is list:
        (vt,) = typing.get_args(tp)
        return [from_jsonable(vt, v) for v in value]
    if isinstance(tp, type):
        if issubclass(tp, Enum):
            return tp(value)
        if issubclass(tp, datetime):
            return pd.Timestamp(value).to_pydatetime()
        if issubclass(tp, timedelta):
            return timedelta(seconds=value)
        if issubclass(tp, pd.DataFrame):
            return _frame(value)
        if tp is float:
            return math.nan if value is None else float(value)
        if tp is bool:
            return value
        if tp is int:
            return int(value)
    return value


def load_phase(data: dict) -> PhaseAnalysis:
    return from_jsonable(PhaseAnalysis, data)


# --------------------------------------------------------------------------------------------
# One phase's results file
# --------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class PhaseResults:
    """What a phase notebook computed, as written to and read back from ``results.json``."""

    campaign: str
    phase: str
    origin: str
    params_sha256: str  # params_digest: results are only combined with their own parameters
    analysis: PhaseAnalysis
    verdicts: tuple[V.Verdict, ...]  # what this phase can judge on its own
    rules: list[dict] | None  # alerting rules read from the source (criterion 9)
    generated_at: datetime

    def to_dict(self) -> dict:
        return {"kind": KIND, "schema_version": SCHEMA_VERSION, "tool_version": __version__,
                **to_jsonable({f.name: getattr(self, f.name) for f in dataclasses.fields(self)})}


def params_digest(campaign: "Campaign") -> str:
    """Digest of the validated parameters that the analyses read (not the source, nor the
    action plan's path): the same campaign read from a snapshot or from the live server, in any
    checkout, has the same digest."""
    text = json.dumps(campaign.model_dump(mode="json", exclude={"source", "action_plan"}),
                      sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def phase_verdicts(campaign: "Campaign", phase: PhaseAnalysis,
                   rules: list[dict] | None) -> tuple[V.Verdict, ...]:
    """The criterion of ``phase`` judged on this phase alone, and its own loss check.

    Campaign-wide criteria (zero loss everywhere, alerts, rollback) and the decision are judged
    once every phase has run (:func:`combine_run`)."""
    alone = combine_phases(campaign, {phase.name: phase}, "", rules)
    own = tuple(v for v in alone.criteria if v.phase == phase.name)
    return own + (V.no_loss(phase),)


def phase_results(campaign: "Campaign", phase: PhaseAnalysis, origin: str,
                  rules: list[dict] | None, generated_at: datetime) -> PhaseResults:
    return PhaseResults(campaign.campaign.name, phase.name, origin, params_digest(campaign),
                        phase, phase_verdicts(campaign, phase, rules), rules, generated_at)


def write_json(directory: str | os.PathLike, name: str, data: dict) -> Path:
    """Write ``data`` as ``directory/name`` (directory created if needed), atomically: a reader
    sees the old file or the new one, and a failed write leaves no partial file."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / name
    tmp = directory / f".{name}.partial-{os.getpid()}"
    try:
        tmp.write_text(redact_file_text(json.dumps(data, ensure_ascii=False, allow_nan=False))
                       + "\n", encoding="utf-8")
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    return target


def write_results(results: PhaseResults, directory: str | os.PathLike) -> Path:
    """Write ``results.json`` into ``directory`` (created if needed), atomically."""
    return write_json(directory, RESULTS_FILE, results.to_dict())


def read_results(path: str | os.PathLike) -> PhaseResults:
    """Read one ``results.json``; a foreign, newer or damaged file is bad input."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ParameterError(str(path), [("results.json", f"unreadable: {exc}")]) from None
    if not isinstance(data, dict) or data.get("kind") != KIND:
        raise ParameterError(str(path), [("kind", f"not a {KIND} file")])
    if data.get("schema_version") != SCHEMA_VERSION:
        raise ParameterError(str(path), [("schema_version", f"{data.get('schema_version')!r} "
                                                            f"(this tool reads {SCHEMA_VERSION})")])
    try:
        return from_jsonable(PhaseResults, data)
    except (AttributeError, KeyError, TypeError, ValueError) as exc:
        raise ParameterError(str(path), [("results.json", f"malformed: {exc!r}")]) from None


def combine_run(campaign: "Campaign", results: list[PhaseResults], *,
                now: datetime | None = None) -> CampaignAnalysis:
    """The campaign analysis (criteria, SLA, decision) from the phases' results files.

    Phases are ordered as in the campaign; a results file of another campaign, or of another
    version of the parameters file, is refused. ``now``: the report's generation time
    (default: the current time), the instant certificates are counted from when the
    parameters give no decision date."""
    order = [n for n, _ in campaign.phases.items()]
    digest = params_digest(campaign)
    by_phase: dict[str, PhaseResults] = {}
    for r in results:
        if r.campaign != campaign.campaign.name:
            raise ParameterError(r.phase, [("campaign", f"results of campaign {r.campaign!r}, "
                                                        f"not {campaign.campaign.name!r}")])
        if r.params_sha256 != digest:
            raise ParameterError(r.phase, [("params_sha256", "results computed from another "
                                                             "version of the parameters file")])
        if r.phase not in order:
            raise ParameterError(r.phase, [("phase", "not a phase of this campaign")])
        by_phase[r.phase] = r
    analysed = {n: by_phase[n].analysis for n in order if n in by_phase}
    origins = sorted({r.origin for r in by_phase.values()})
    rules = next((r.rules for r in by_phase.values() if r.rules is not None), None)
    return combine_phases(campaign, analysed, "; ".join(origins), rules, now=now)


__all__ = ["PhaseResults", "RESULTS_FILE", "combine_run", "from_jsonable", "load_phase",
           "phase_results", "phase_verdicts", "read_results", "write_results"]
