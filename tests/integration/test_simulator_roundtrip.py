"""Simulator -> promtool -> real Prometheus (and VictoriaMetrics) -> catalog queries match the model."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import yaml

from conftest import require_binaries
from mm2report import servers
from mm2report.params import validate_campaign
from mm2report.sources import open_source
from mm2report.simulate import simulate

pytestmark = pytest.mark.integration
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def simulated(tmp_path_factory):
    return simulate(REPO / "scenarios" / "small.yml", tmp_path_factory.mktemp("sim") / "out")


@pytest.mark.parametrize("kind", ["prometheus", "victoria-metrics"])
def test_round_trip_matches_the_model(simulated, kind, tmp_path):
    require_binaries("prometheus", "promtool", "victoria-metrics")
    start = servers.start_prometheus if kind == "prometheus" else servers.start_victoria_metrics
    truth = json.loads((simulated / "ground_truth.json").read_text())
    with start(simulated / "metrics.om", workdir=tmp_path / kind) as server:
        data = yaml.safe_load((simulated / "campaign.yml").read_text())
        data["source"]["url"] = server.url
        campaign = validate_campaign(data)
        phase = campaign.phases.resilience
        with open_source(campaign) as source:
            running = source.range("tasks_running", phase.start, phase.end).series
            assert running.max() == truth["expected_tasks"]
            assert running.min() < truth["expected_tasks"]  # the worker stop is visible
            src = source.instant("source_offsets", phase.end).frame
            tgt = source.instant("target_offsets", phase.end).frame
            res = truth["phases"]["resilience"]
            # Drained at the phase end: target - source = duplicates - lost, to the record.
            assert tgt.to_numpy().sum() - src.to_numpy().sum() == res["duplicated"] - res["lost"]
            lag = source.range("consumer_lag", phase.start, phase.end).series
            assert lag.max() <= res["lag_max_records"] and lag.max() > 0
            assert np.isfinite(source.range("latency_max", phase.start, phase.end).series).any()
