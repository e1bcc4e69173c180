"""Snapshot recorded from a real Prometheus replays frames identical to the live ones."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

import datasets
from mm2report import catalog, cli
from mm2report.errors import SnapshotError
from mm2report.params import load_campaign, validate_campaign
from mm2report.sources import open_source
from mm2report.sources.snapshot import SnapshotSource, plan

pytestmark = pytest.mark.integration
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def recorded(prometheus_small, tmp_path_factory):
    out = tmp_path_factory.mktemp("snap") / "small"
    params = tmp_path_factory.mktemp("params") / "live.yml"
    import yaml

    params.write_text(yaml.safe_dump(datasets.campaign_dict(url=prometheus_small.url)))
    assert cli.main(["snapshot", str(params), "--out", str(out)]) == 0
    return load_campaign(params), out


def test_replay_equals_live_for_every_recorded_request(recorded):
    live_campaign, out = recorded
    replay_campaign = validate_campaign(datasets.campaign_dict(snapshot=str(out)))
    with open_source(live_campaign) as live, SnapshotSource(replay_campaign) as replay:
        for req in plan(live_campaign):
            start = pd.Timestamp(req.start, unit="s", tz="UTC")
            end = pd.Timestamp(req.end, unit="s", tz="UTC")
            if req.kind == "range":
                a, b = live.range(req.query, start, end), replay.range(req.query, start, end)
            else:
                a, b = (live.instant(req.query, start, range_=req.range_),
                        replay.instant(req.query, start, range_=req.range_))
            pd.testing.assert_frame_equal(a.frame, b.frame)
            assert a.promql == b.promql


def test_replay_serves_sub_ranges_and_known_values(recorded):
    _, out = recorded
    campaign = validate_campaign(datasets.campaign_dict(snapshot=str(out)))
    phase = campaign.phases.nominal
    with SnapshotSource(campaign) as replay:
        lag = replay.range("consumer_lag", phase.start, phase.start + pd.Timedelta("30min")).series
        assert (lag == datasets.EXPECTED_BACKLOG).all() and len(lag) == 121
        offsets = replay.instant("source_offsets", phase.end).frame
        assert offsets.shape == (1, datasets.PARTITIONS)


def test_tampered_snapshot_is_refused(recorded, tmp_path):
    import shutil

    _, out = recorded
    copy = tmp_path / "copy"
    shutil.copytree(out, copy)
    victim = copy / "queries" / "latency_max.parquet"
    data = bytearray(victim.read_bytes())
    data[len(data) // 2] ^= 0xFF
    victim.write_bytes(bytes(data))
    with pytest.raises(SnapshotError, match="checksum"):
        SnapshotSource(validate_campaign(datasets.campaign_dict(snapshot=str(copy))))


def test_manifest_names_source_without_credentials_and_every_query(recorded):
    campaign, out = recorded
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["source"] == campaign.source.url
    assert {r["query"] for r in manifest["requests"]} == set(catalog.needed_queries(campaign))


def test_embedded_demo_replays_offline_and_agrees_with_its_ground_truth():
    campaign = load_campaign(REPO / "parameters" / "demo.yml")
    truth = json.loads((REPO / "parameters" / "snapshots" / "demo.ground_truth.json").read_text())
    with open_source(campaign) as source:
        assert isinstance(source, SnapshotSource)
        phase = campaign.phases.nominal
        src = source.instant("source_offsets", phase.end).frame.to_numpy().sum()
        src0 = source.instant("source_offsets", phase.start).frame.to_numpy().sum()
        assert src - src0 == truth["phases"]["nominal"]["produced"]
        running = source.range("tasks_running", phase.start, phase.end).series
        assert (running == truth["expected_tasks"]).all()


# --------------------------------------------------------------------------------------------
# The embedded demo, tampered with (issue 13 §4): refused, never a quiet GO on criterion 9
# --------------------------------------------------------------------------------------------


def demo_copy(tmp_path: Path, edit=None) -> Path:
    """The demo campaign replaying a copy of its snapshot, its manifest edited by ``edit``."""
    import shutil

    import yaml

    snap = tmp_path / "snap"
    shutil.copytree(REPO / "parameters" / "snapshots" / "demo", snap)
    if edit is not None:
        manifest = json.loads((snap / "manifest.json").read_text())
        edit(manifest)
        (snap / "manifest.json").write_text(json.dumps(manifest))
    data = yaml.safe_load((REPO / "parameters" / "demo.yml").read_text())
    data["source"] = {"snapshot": str(snap)}
    data.pop("action_plan", None)
    params = tmp_path / "demo.yml"
    params.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
    return params


def criterion_9(params: Path, tmp_path: Path) -> dict:
    out = tmp_path / "analysis.json"
    assert cli.main(["analyse", str(params), "--json", str(out)]) == 0
    analysis = json.loads(out.read_text())
    return next(c for c in analysis["criteria"] if c["id"] == "9")


def test_the_demo_records_its_alert_rules_and_criterion_9_reads_them(tmp_path):
    manifest = json.loads((REPO / "parameters" / "snapshots" / "demo" / "manifest.json").read_text())
    assert manifest["rules"] == {"recorded": True} and "rules.json" in manifest["files"]
    c9 = criterion_9(demo_copy(tmp_path), tmp_path)
    assert c9["status"] == "PASS"
    parts = {p["id"]: p for p in c9["parts"]}
    # the twelve rules of the pack tools/record_demo.py loads, and the recorded evaluations
    # detecting its five faults
    assert parts["9-loaded"]["value"] == "12/12" and parts["9-detected"]["status"] == "PASS"
    assert c9["value"] == parts["9-detected"]["value"] <= 300


def test_removing_the_demo_rules_entry_is_refused_with_exit_2(tmp_path, capsys):
    params = demo_copy(tmp_path, lambda m: m["files"].pop("rules.json"))
    assert cli.main(["analyse", str(params)]) == 2
    err = capsys.readouterr().err
    assert "the manifest says alert rules were recorded but lists no rules.json" in err
    assert cli.main(["run", str(params), "--outputs", str(tmp_path / "out")]) == 2
    assert "lists no rules.json" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()  # nothing half-written


def test_the_manifest_digest_is_in_every_result(tmp_path):
    import hashlib

    params = demo_copy(tmp_path)
    digest = hashlib.sha256((tmp_path / "snap" / "manifest.json").read_bytes()).hexdigest()
    out = tmp_path / "analysis.json"
    assert cli.main(["analyse", str(params), "--json", str(out)]) == 0
    analysis = json.loads(out.read_text())
    assert f"manifest sha256 {digest})" in analysis["origin"]
    origins = {e["origin"] for p in analysis["phases"].values()
               for e in p["timeline"]["evidence"]}
    assert origins == {analysis["origin"]}
