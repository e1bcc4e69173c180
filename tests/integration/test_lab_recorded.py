"""The recorded lab example: a campaign run on a real MirrorMaker 2, replayed offline.

``parameters/lab.yml`` and ``parameters/snapshots/lab`` were recorded from the lab (profile
connect-jmx, Kafka 3.9.2: MM2 as connectors of a Connect distributed cluster, the seeds' own
deployment) through the snapshot source; ``parameters/snapshots/lab.truth.json`` is what Kafka
recorded, consumed from both clusters. Replaying needs neither Java nor a server, and every
number must match the truth as the live lab test demands.
"""

from __future__ import annotations

import json
from pathlib import Path

from .lab_accuracy import mismatches
from mm2report.evaluate import evaluate
from mm2report.params import load_campaign
from mm2report.sources import open_source

ROOT = Path(__file__).parents[2]
PARAMS = ROOT / "parameters" / "lab.yml"
TRUTH = ROOT / "parameters" / "snapshots" / "lab.truth.json"


def test_recorded_lab_campaign_matches_what_kafka_recorded():
    campaign = load_campaign(PARAMS)
    truth = json.loads(TRUTH.read_text())
    assert truth["lab"]["kafka"].startswith("3.9"), truth["lab"]
    assert truth["lab"]["profile"] == campaign.metrics.profile == "connect-jmx"
    with open_source(campaign) as source:
        analysis = evaluate(campaign, source)
    problems = mismatches(analysis, truth, step=campaign.source.step.total_seconds())
    assert not problems, "\n".join(problems)
    assert not analysis.decision.go  # a 40 s soak can never be GO
