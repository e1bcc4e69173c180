"""The two sides of a comparison: a run's ``results.json`` files, or a campaign analysed now.

A run directory (``mm2report run``) is read back exactly as ``mm2report report`` reads it
(:func:`~mm2report.documents.results.combine_run`), which needs the campaign file the run was made from
(its digest is checked: results of another version of the file are refused). A campaign file
alone is analysed from its source on the fly (:func:`~mm2report.evaluate.evaluate`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from ..errors import ParameterError
from ..evaluate import CampaignAnalysis


@dataclass(frozen=True)
class Side:
    label: str  # how the document names it: "<campaign> · run <id>" or "<campaign> (analysed)"
    campaign: object  # mm2report.params.Campaign
    analysis: CampaignAnalysis
    run_dir: Path | None


def is_run(path: str | Path) -> bool:
    return (Path(path) / "run.json").is_file()


def load_side(path: str | Path, params: str | Path | None = None, *, which: str = "A") -> Side:
    """``path``: a run directory (with ``params``, its campaign file) or a campaign file."""
    from ..params import load_campaign
    from ..redact import register_campaign
    from ..documents.results import RESULTS_FILE, combine_run, read_results

    path = Path(path)
    flag = f"--params-{which.lower()}"
    if is_run(path):
        if params is None:
            try:
                name = json.loads((path / "run.json").read_text(encoding="utf-8")).get("params_file")
            except (OSError, ValueError):
                name = None
            raise ParameterError(str(path), [(flag, "a run directory needs the campaign file it was "
                                                    f"run from{f' ({name})' if name else ''}")])
        if path.name.endswith("-failed"):
            raise ParameterError(str(path), [(which, "this run failed; its results are incomplete")])
        campaign = load_campaign(params)
        register_campaign(campaign)  # its credentials are redacted from every output
        results = [read_results(p / RESULTS_FILE) for p in sorted(path.iterdir())
                   if (p / RESULTS_FILE).is_file()]
        if not results:
            raise ParameterError(str(path), [("results.json", "none in this run")])
        analysis = combine_run(campaign, results)
        return Side(f"{campaign.campaign.name} · run {path.name}", campaign, analysis, path)
    if path.is_dir():
        raise ParameterError(str(path), [(which, "neither a run directory (no run.json) nor a "
                                                 "campaign file")])
    if params is not None:
        raise ParameterError(str(params), [(flag, "only for a run directory")])
    from ..evaluate import evaluate
    from ..sources import open_source

    campaign = load_campaign(path)
    register_campaign(campaign)
    with open_source(campaign) as source:
        analysis = evaluate(campaign, source)
    kind = "snapshot" if campaign.source.kind == "snapshot" else "Prometheus"
    return Side(f"{campaign.campaign.name} · {kind}", campaign, analysis, None)


__all__ = ["Side", "is_run", "load_side"]
