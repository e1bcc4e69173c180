"""The real MirrorMaker 2 lab: real Kafka, MM2, JMX exporter agent and a live Prometheus.

One mini-campaign (Strimzi's rules and names on the newest Kafka 4.x Maven Central serves) runs
on 127.0.0.1 in about 13 minutes; mm2report then analyses it from the live Prometheus and every
number is compared with the truth computed from Kafka's own records (tests/integration/
lab_accuracy.py). The other proven combination (connect-jmx on Kafka 3.9) is the recorded example
``parameters/lab.yml``, replayed offline by test_lab_recorded.py. Needs java and mvn: skipped on
a developer machine without them, failed in CI.
"""

from __future__ import annotations

import pytest

from conftest import require_binaries
from .lab_accuracy import mismatches
from mm2report.analyses.data import RANGE_QUERIES
from mm2report.analyses.core import aggregate
from mm2report.evaluate import evaluate
from mm2report.lab import campaign, env
from mm2report.params import load_campaign
from mm2report.sources import open_source

pytestmark = pytest.mark.integration

# No TLS and no blackbox exporter in the lab: no certificate series (criterion INCONCLUSIVE).
NOT_IN_LAB = {"cert_expiry", "cert_expiry_by_target"}


@pytest.fixture(scope="module")
def lab_run(tmp_path_factory):
    require_binaries("java", "mvn", "prometheus")
    root = tmp_path_factory.mktemp("lab")
    directory = root / "lab"
    try:
        state = env.up(directory, line="4", profile="strimzi", progress=lambda _: None)
        out = campaign.run(directory, root / "campaign", progress=lambda _: None)
        params = load_campaign(out / "campaign.yml")
        source = open_source(params)
        import json
        truth = json.loads((out / "truth.json").read_text())
        analysis = evaluate(params, source)
        ranges = {q: source.range(q, params.span.start, params.span.end)
                  for q in RANGE_QUERIES if q not in NOT_IN_LAB}
        yield {"state": state, "out": out, "params": params, "truth": truth,
               "analysis": analysis, "ranges": ranges}
    finally:
        stopped = env.down(directory) if (directory / "lab.json").exists() else []
        assert isinstance(stopped, list)


def test_lab_is_the_real_thing(lab_run):
    state = lab_run["state"]
    assert state.kafka.startswith("4.")
    assert state.connectors["Source"] == "primary->backup.MirrorSourceConnector"
    assert lab_run["truth"]["phases"]["nominal"]["produced"] > 5000


def test_every_query_of_the_profile_returns_data(lab_run):
    empty = [q for q, r in lab_run["ranges"].items() if not aggregate(r).notna().any()]
    assert not empty, f"queries without data on a real MM2: {empty}"


def test_lab_analysis_matches_what_kafka_recorded(lab_run):
    problems = mismatches(lab_run["analysis"], lab_run["truth"], step=env.SCRAPE)
    assert not problems, "\n".join(problems)


def test_lab_soak_is_inconclusive_never_go(lab_run):
    soak = next(v for v in lab_run["analysis"].criteria if v.id == "5")
    assert soak.status.value == "INCONCLUSIVE"
    assert not lab_run["analysis"].decision.go


def test_lab_stops_every_process_by_pid(lab_run):
    directory = lab_run["state"].path
    env.down(directory)
    state = env.LabState.load(directory)
    assert not [p.name for p in state.procs.values() if env.alive(p)]
