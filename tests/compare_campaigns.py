"""Simulated campaign pairs for the comparison tests, served by one shared Prometheus.

Every campaign is simulated from ``tests/scenarios/tuning.yml`` with its own seed and its own
day (``slot``), so that all of them fit in one backfilled TSDB without overlapping: one server
answers every campaign of a test session (one server per campaign would cost seconds each).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import yaml

from mm2report import servers
from mm2report.evaluate import CampaignAnalysis, evaluate
from mm2report.params import validate_campaign
from mm2report.simulate import build, campaign_dict, compute, validate_scenario, write_metrics
from mm2report.sources import open_source

SCENARIO = Path(__file__).parent / "scenarios" / "tuning.yml"
CAPACITY_GAIN = 1.25  # the tuned variant's task capacity, relative to the reference
TUNED_LATENCY_MS = 80.0  # its base latency (the reference: 120 ms)


@dataclass(frozen=True)
class Spec:
    seed: int
    slot: int  # day offset of the campaign in the shared TSDB
    tuned: bool = False
    phases: tuple[str, ...] = ()  # a subset of the scenario's phases (default: all)
    latency_duration: str = ""  # the latency phase's duration (default: the scenario's)


def scenario(spec: Spec):
    data = yaml.safe_load(SCENARIO.read_text())
    data["seed"] = spec.seed
    data["name"] = f"tuning-{'b' if spec.tuned else 'a'}-{spec.seed}"
    start = datetime.fromisoformat(data["start"]) if isinstance(data["start"], str) else data["start"]
    data["start"] = (start + timedelta(days=spec.slot)).isoformat()
    if spec.phases:
        data["phases"] = [p for p in data["phases"] if p["name"] in spec.phases]
    if spec.latency_duration:
        for p in data["phases"]:
            if p["name"] == "latency":
                p["duration"] = spec.latency_duration
    if spec.tuned:
        data["mm2"]["task_capacity"] = data["mm2"]["task_capacity"] * CAPACITY_GAIN
        data["mm2"]["base_latency_ms"] = TUNED_LATENCY_MS
    return validate_scenario(data, source=str(SCENARIO))


class SharedPrometheus:
    """Simulate ``specs`` into one TSDB, serve it, analyse any of them."""

    def __init__(self, specs: list[Spec], workdir: Path):
        self.campaigns: dict[Spec, dict] = {}
        self.truths: dict[Spec, dict] = {}
        workdir.mkdir(parents=True, exist_ok=True)
        data_dir = workdir / "data"
        for spec in specs:
            sc = scenario(spec)
            tl = build(sc)
            om = workdir / f"{spec.seed}-{spec.slot}.om"
            with open(om, "w", encoding="utf-8") as fh:
                write_metrics(sc, tl, fh)
            servers.backfill(om, data_dir)
            om.unlink()
            self.campaigns[spec] = campaign_dict(sc, tl)
            self.truths[spec] = compute(sc, tl)
        self.server = servers.start_prometheus(workdir=workdir)

    def campaign(self, spec: Spec):
        data = {**self.campaigns[spec], "source": {"url": self.server.url}}
        return validate_campaign(data, source=f"simulated {spec}")

    def analyse(self, spec: Spec) -> CampaignAnalysis:
        campaign = self.campaign(spec)
        with open_source(campaign) as source:
            return evaluate(campaign, source)

    def stop(self) -> None:
        self.server.stop()
