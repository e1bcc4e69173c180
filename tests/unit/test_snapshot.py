"""Snapshots: the plan, recording, and a replay that gives the live frames or refuses.

The live side is a small in-memory ``MetricSource`` whose answers depend only on the PromQL and
the timestamp (so a sub-range or an instant is the same data as the whole range), with gaps, NaN
values, a series that appears half-way, ``__name__`` labels and per-partition label sets.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
import zlib
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

import datasets
from mm2report import catalog, cli
from mm2report.alerting import FAULT_RULES, rule_pack
from mm2report.errors import SnapshotError, SourceError
from mm2report.params import validate_campaign
from mm2report.sources import open_source
from mm2report.sources.base import MetricSource, Series
from mm2report.sources.snapshot import (
    FORMAT_VERSION,
    load_manifest,
    SnapshotSource,
    plan,
    record_snapshot,
)

UTC = timezone.utc

CAMPAIGN = {
    "campaign": {"name": "snap", "client": "ACME"},
    "source": {"url": "http://127.0.0.1:9"},
    "metrics": {
        **datasets.TWO_TOPICS_METRICS,
    },
    "phases": {
        "capacity": {"start": "2026-11-16T16:00:00Z", "end": "2026-11-16T17:00:00Z"},
        "resilience": {
            "start": "2026-11-17T21:00:00+01:00",
            "end": "2026-11-17T22:00:00+01:00",
            "events": [{"kind": "worker_stop", "start": "2026-11-17T21:15:07+01:00",
                        "end": "2026-11-17T21:25:00+01:00", "target": "w1"},
                       {"kind": "burst", "start": "2026-11-17T21:40:00+01:00"}],
        },
    },
}
PROBE = {"histogram": "mm2_probe_latency_seconds", "loss_counter": "mm2_probe_lost_total"}

CAP_START = datetime(2026, 11, 16, 16, tzinfo=UTC)
CAP_END = datetime(2026, 11, 16, 17, tzinfo=UTC)
RES_START = datetime(2026, 11, 17, 20, tzinfo=UTC)
RES_END = datetime(2026, 11, 17, 21, tzinfo=UTC)
EVENT_START = datetime(2026, 11, 17, 20, 15, 7, tzinfo=UTC)
EVENT_END = datetime(2026, 11, 17, 20, 25, tzinfo=UTC)
BURST = datetime(2026, 11, 17, 20, 40, tzinfo=UTC)
HALFWAY = int(datetime(2026, 11, 16, 16, 30, tzinfo=UTC).timestamp())


def make(mutate=None, **source):
    data = copy.deepcopy(CAMPAIGN)
    if source:
        data["source"] = source
    if mutate:
        mutate(data)
    return validate_campaign(data)


def epoch(moment: datetime) -> int:
    return int(moment.timestamp())


class FakeSource(MetricSource):
    """Deterministic answers for any PromQL; optionally fails after ``fail_after`` fetches."""

    def __init__(self, campaign, fail_after: int | None = None, empty_series: bool = False):
        super().__init__(campaign)
        self.fail_after = fail_after
        self.empty_series = empty_series
        self.calls: list[tuple] = []

    @property
    def origin(self) -> str:
        return "fake://unit-test"

    def _fetch(self, promql, start, end, step, instant):
        self.calls.append((promql, start, end, step, instant))
        if self.fail_after is not None and len(self.calls) > self.fail_after:
            raise SourceError("fake server went away")
        ts = np.array([start], dtype="int64") if instant else \
            np.arange(start, end + 1, step, dtype="int64")
        seed = zlib.crc32(promql.encode()) % 997
        if promql.startswith("max by (topic, partition)"):
            label_sets = [{"topic": t, "partition": str(p)} for t in ("orders", "payments")
                          for p in range(3)]
        elif "by (topic)" in promql:
            label_sets = [{"topic": "orders"}, {"topic": "payments"}]
        elif promql.startswith("up{"):
            label_sets = [{"__name__": "up", "instance": "w1", "job": "mm2"},
                          {"__name__": "up", "instance": "w2", "job": "mm2"}]
        elif promql.startswith("sum without"):
            label_sets = [{"instance": "w1"}, {"instance": "w2"}]
        else:
            label_sets = [{}]
        out = []
        for k, labels in enumerate(label_sets):
            keep = (ts // 15) % 7 != 3  # gaps
            if labels.get("instance") == "w2":
                keep &= ts >= HALFWAY  # appears half-way through the capacity phase
            t = ts[keep]
            v = seed + 10.0 * k + (t - 1_790_000_000) / 15.0
            v[(t // 15) % 11 == 5] = np.nan  # NaN samples (idle windowed gauges)
            if len(t):
                out.append(Series(dict(labels), t, v))
        if self.empty_series:
            out.append(Series({"instance": "ghost"}, np.array([], dtype="int64"),
                              np.array([], dtype="float64")))
        return out


@pytest.fixture
def campaign():
    return make()


@pytest.fixture
def recorded(tmp_path, campaign):
    out = record_snapshot(campaign, FakeSource(campaign), tmp_path / "snap")
    return out


# ------------------------------------------------------------------------------------------
# plan
# ------------------------------------------------------------------------------------------


def test_plan_ranges_and_instants(campaign):
    requests = plan(campaign)
    assert len(requests) == len(set(requests)), "duplicate requests"
    per_partition = {"source_offsets", "target_offsets", "consumer_lag_by_partition"}
    aggregates = set(catalog.needed_queries(campaign)) - per_partition
    ranges = {(r.query, r.start, r.end) for r in requests if r.kind == "range" and not r.promql}
    expected_ranges = {(q, epoch(s), epoch(e)) for q in aggregates
                       for s, e in ((CAP_START, CAP_END), (RES_START, RES_END))}
    assert ranges == expected_ranges
    assert all(r.step == 15 for r in requests if not r.promql)
    # the alert pack's fault rules over the phase with a fault (the resilience's worker stop),
    # at the evaluation interval (30 s), with their own PromQL
    pack = {f"alert_{r.alert.lower()}": r.expr for r in rule_pack(campaign)
            if r.alert in FAULT_RULES}
    alerts = {(r.query, r.start, r.end, r.step, r.promql) for r in requests if r.promql}
    assert alerts == {(q, epoch(RES_START), epoch(RES_END), 30, e) for q, e in pack.items()}
    instants = {(r.query, r.start) for r in requests if r.kind == "instant"}
    bounds = {CAP_START, CAP_END, RES_START, RES_END, EVENT_END, BURST,
              EVENT_START.replace(second=0)}  # 20:15:07 aligned down to the step
    assert instants == {(q, epoch(b)) for q in per_partition for b in bounds}
    assert all(r.start == r.end for r in requests if r.kind == "instant")
    # the per-partition queries are never recorded as ranges
    assert not any(r.query in per_partition for r in requests if r.kind == "range")


def test_plan_has_no_duplicates_for_shared_bounds():
    def mutate(d):
        d["phases"] = {
            "nominal": {"start": "2026-11-16T16:00:00Z", "end": "2026-11-16T17:00:00Z",
                        "events": [{"kind": "other", "start": "2026-11-16T16:00:00Z",
                                    "end": "2026-11-16T17:00:00Z"},
                                   {"kind": "burst", "start": "2026-11-16T16:30:05Z",
                                    "end": "2026-11-16T16:30:10Z"}]},
            "soak": {"start": "2026-11-16T17:00:00Z", "end": "2026-11-16T18:00:00Z"},
        }
    requests = plan(make(mutate))
    assert len(requests) == len(set(requests))
    instants = [(r.query, r.start) for r in requests if r.kind == "instant"]
    assert len(instants) == len(set(instants))
    assert {t for q, t in instants if q == "source_offsets"} == {
        epoch(datetime(2026, 11, 16, h, m, tzinfo=UTC)) for h, m in ((16, 0), (16, 30), (17, 0), (18, 0))}


def test_plan_with_probe():
    campaign = make(lambda d: d["metrics"].update(probe=PROBE))
    names = {r.query for r in plan(campaign)}
    assert {"probe_latency_buckets", "probe_lost"} <= names
    assert {"probe_latency_buckets", "probe_lost"}.isdisjoint({r.query for r in plan(make())})


def test_plan_with_unaligned_phase_bounds():
    def mutate(d):
        d["phases"] = {"smoke": {"start": "2026-11-16T16:00:07Z", "end": "2026-11-16T16:59:52Z"}}
    requests = plan(make(mutate))
    rng = {(r.start, r.end) for r in requests if r.kind == "range"}
    assert rng == {(epoch(CAP_START), epoch(CAP_END))}  # start floored, end ceiled


# ------------------------------------------------------------------------------------------
# record
# ------------------------------------------------------------------------------------------


def test_record_writes_manifest_and_parquet(recorded, campaign):
    manifest = json.loads((recorded / "manifest.json").read_text())
    assert manifest["format_version"] == FORMAT_VERSION
    assert manifest["step"] == 15
    assert len(manifest["requests"]) == len(plan(campaign))
    parquet = sorted(p.name for p in (recorded / "queries").iterdir())
    alerts = [f"alert_{a.lower()}" for a in FAULT_RULES]  # the rules' evaluations
    assert parquet == sorted(f"{n}.parquet" for n in [*catalog.needed_queries(campaign), *alerts])
    for rel, info in manifest["files"].items():
        assert hashlib.sha256((recorded / rel).read_bytes()).hexdigest() == info["sha256"]
    assert {f"queries/{p}" for p in parquet} == set(manifest["files"])
    # every request keeps the PromQL it was recorded with
    rules = {f"alert_{r.alert.lower()}": r.expr for r in rule_pack(campaign)}
    for entry in manifest["requests"]:
        assert entry["promql"] == (rules.get(entry["query"]) or catalog.render(
            entry["query"], campaign, range_=entry["range"]))
    assert not [p for p in recorded.parent.iterdir() if p.name.startswith(".")]


def test_record_refuses_an_existing_directory(tmp_path, campaign):
    out = tmp_path / "snap"
    out.mkdir()
    (out / "keep.txt").write_text("precious")
    source = FakeSource(campaign)
    with pytest.raises(SnapshotError):
        record_snapshot(campaign, source, out)
    assert (out / "keep.txt").read_text() == "precious"
    assert sorted(p.name for p in out.iterdir()) == ["keep.txt"]
    assert source.calls == []  # refused before asking anything


def test_record_leaves_nothing_when_the_source_fails(tmp_path, campaign):
    parent = tmp_path / "archive"
    parent.mkdir()
    (parent / "other").write_text("x")
    with pytest.raises(SourceError, match="went away"):
        record_snapshot(campaign, FakeSource(campaign, fail_after=7), parent / "snap")
    assert sorted(p.name for p in parent.iterdir()) == ["other"]


def test_record_leaves_nothing_when_interrupted(tmp_path, campaign):
    def progress(done, total, req):
        if done == 3:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        record_snapshot(campaign, FakeSource(campaign), tmp_path / "snap", progress=progress)
    assert list(tmp_path.iterdir()) == []


# ------------------------------------------------------------------------------------------
# replay
# ------------------------------------------------------------------------------------------


def _replay_campaign(path: Path, mutate=None):
    return make(mutate, snapshot=str(path))


def _same(live, replay):
    assert replay.promql == live.promql
    assert (replay.start, replay.end, replay.step) == (live.start, live.end, live.step)
    pd.testing.assert_frame_equal(replay.frame, live.frame)


def test_replay_full_ranges_equal_live(recorded, campaign):
    live = FakeSource(campaign)
    with open_source(_replay_campaign(recorded)) as snap:
        assert isinstance(snap, SnapshotSource)
        for name in catalog.needed_queries(campaign):
            if catalog.QUERIES[name].per_partition:
                continue
            for start, end in ((CAP_START, CAP_END), (RES_START, RES_END)):
                _same(live.range(name, start, end), snap.range(name, start, end))


def test_replay_sub_ranges_equal_live(recorded, campaign):
    live = FakeSource(campaign)
    snap = SnapshotSource(campaign, recorded)
    windows = [
        (CAP_START + timedelta(minutes=10), CAP_START + timedelta(minutes=40)),
        (CAP_START + timedelta(seconds=7), CAP_START + timedelta(minutes=1, seconds=52)),
        (CAP_START, CAP_START + timedelta(minutes=20)),  # before w2 appears
        (CAP_END - timedelta(seconds=15), CAP_END),
        (RES_START + timedelta(minutes=5), RES_END),
    ]
    for name in ("replicated_rate", "up", "jvm_heap_used", "replicated_rate_by_topic", "latency_max"):
        for start, end in windows:
            _same(live.range(name, start, end), snap.range(name, start, end))


def test_replay_instants_equal_live(recorded, campaign):
    live = FakeSource(campaign)
    snap = SnapshotSource(campaign, recorded)
    for name in ("source_offsets", "target_offsets"):
        for at in (CAP_START, CAP_END, RES_START, RES_END, EVENT_START, EVENT_END, BURST):
            result = snap.instant(name, at)
            _same(live.instant(name, at), result)
            assert result.frame.shape[1] in (0, 6)
    # an aggregate query read at one instant inside a recorded range
    for at in (CAP_START + timedelta(minutes=33, seconds=3), RES_END):
        _same(live.instant("consumer_lag", at), snap.instant("consumer_lag", at))
        _same(live.instant("up", at), snap.instant("up", at))


def test_replayed_frames_are_not_trivially_empty(recorded, campaign):
    snap = SnapshotSource(campaign, recorded)
    frame = snap.range("up", CAP_START, CAP_END).frame
    assert frame.shape == (241, 2)
    assert frame.notna().sum().sum() > 200
    offsets = snap.instant("source_offsets", CAP_START).frame
    assert offsets.shape == (1, 6)


def test_replay_origin_names_the_snapshot(recorded, campaign):
    snap = SnapshotSource(campaign, recorded)
    assert str(recorded) in snap.origin
    assert str(recorded) in snap.range("up", CAP_START, CAP_END).origin


@pytest.mark.parametrize("name,start,end", [
    ("replicated_rate", CAP_START, CAP_END + timedelta(minutes=15)),      # past the phase end
    ("replicated_rate", CAP_START - timedelta(seconds=15), CAP_END),      # before its start
    ("replicated_rate", CAP_END + timedelta(minutes=5), RES_START),       # between phases
    ("replicated_rate", CAP_START, RES_END),                              # spans the gap
    ("source_offsets", CAP_START, CAP_START + timedelta(minutes=1)),      # only instants exist
])
def test_request_outside_recorded_windows_is_refused(recorded, campaign, name, start, end):
    snap = SnapshotSource(campaign, recorded)
    with pytest.raises(SnapshotError):
        snap.range(name, start, end)


def test_instant_not_recorded_is_refused(recorded, campaign):
    snap = SnapshotSource(campaign, recorded)
    with pytest.raises(SnapshotError):
        snap.instant("source_offsets", CAP_START + timedelta(minutes=20))
    with pytest.raises(SnapshotError):
        snap.instant("up", CAP_END + timedelta(minutes=1))


def test_other_step_is_refused(recorded, campaign):
    snap = SnapshotSource(campaign, recorded)
    with pytest.raises(SnapshotError):
        snap.range("up", CAP_START, CAP_END, step=60)
    with pytest.raises(SnapshotError):
        SnapshotSource(make(lambda d: d["source"].update(step="30s", scrape_interval="15s")),
                       recorded)


def test_tampered_parquet_is_refused(recorded, campaign):
    target = recorded / "queries" / "replicated_rate.parquet"
    data = bytearray(target.read_bytes())
    data[len(data) // 2] ^= 0x01
    target.write_bytes(bytes(data))
    with pytest.raises(SnapshotError, match="checksum"):
        SnapshotSource(campaign, recorded)


def test_deleted_file_is_incomplete(recorded, campaign):
    (recorded / "queries" / "latency_max.parquet").unlink()
    with pytest.raises(SnapshotError, match="incomplete"):
        SnapshotSource(campaign, recorded)


def test_unlisted_file_is_incomplete(recorded, campaign):
    manifest_path = recorded / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    del manifest["files"]["queries/up.parquet"]
    manifest_path.write_text(json.dumps(manifest))
    with pytest.raises(SnapshotError, match="incomplete"):
        SnapshotSource(campaign, recorded)


def test_missing_manifest_is_refused(recorded, campaign):
    (recorded / "manifest.json").unlink()
    with pytest.raises(SnapshotError):
        SnapshotSource(campaign, recorded)


def test_other_format_version_is_refused(recorded, campaign):
    manifest_path = recorded / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["format_version"] = FORMAT_VERSION + 6
    manifest_path.write_text(json.dumps(manifest))
    with pytest.raises(SnapshotError) as info:
        SnapshotSource(campaign, recorded)
    message = str(info.value).replace(str(recorded), "<path>")
    assert re.search(rf"\b{FORMAT_VERSION + 6}\b", message), message
    assert re.search(rf"\b{FORMAT_VERSION}\b", message), message


@pytest.mark.parametrize("what,mutate,query", [
    ("topics", lambda d: d["metrics"].update(topics="orders|refunds"), "replicated_rate"),
    ("topics", lambda d: d["metrics"].update(topics="orders|refunds"), "source_offsets"),
    ("mm2 selector", lambda d: d["metrics"].update(mm2_selector='namespace="other"'), "up"),
    ("flavour", lambda d: d["metrics"].update(flavour="strimzi-metrics-reporter"), "tasks_running"),
    ("policy", lambda d: d["metrics"].update(replication_policy="identity"), "replicated_rate"),
    ("override", lambda d: d["metrics"].update(overrides={"record_count": {"name": "x_total"}}),
     "replicated_rate"),
    ("aliases", lambda d: d["metrics"].update(target_alias="dr"), "consumer_lag"),
    ("scrape interval", lambda d: d["source"].update(scrape_interval="10s"), "offered_rate"),
])
def test_changed_selectors_are_refused_not_answered(recorded, what, mutate, query):
    changed = _replay_campaign(recorded, mutate)
    with pytest.raises(SnapshotError):
        with open_source(changed) as snap:
            if catalog.QUERIES[query].per_partition:
                snap.instant(query, CAP_START)
            else:
                snap.range(query, CAP_START, CAP_END)


def test_unchanged_queries_of_a_changed_campaign_still_replay(recorded, campaign):
    # Only the topic regex changed: queries that do not use it are still the recorded ones.
    changed = _replay_campaign(recorded, lambda d: d["metrics"].update(topics="orders|refunds"))
    with open_source(changed) as snap:
        _same(FakeSource(campaign).range("workers", CAP_START, CAP_END),
              snap.range("workers", CAP_START, CAP_END))


def test_probe_queries_roundtrip(tmp_path):
    campaign = make(lambda d: d["metrics"].update(probe=PROBE))
    path = record_snapshot(campaign, FakeSource(campaign), tmp_path / "snap")
    snap = SnapshotSource(campaign, path)
    live = FakeSource(campaign)
    for name in ("probe_latency_buckets", "probe_lost"):
        _same(live.range(name, CAP_START, CAP_END), snap.range(name, CAP_START, CAP_END))


def test_series_without_samples_replays_like_live(tmp_path, campaign):
    source = FakeSource(campaign, empty_series=True)
    path = record_snapshot(campaign, source, tmp_path / "snap")
    snap = SnapshotSource(campaign, path)
    _same(FakeSource(campaign, empty_series=True).range("up", CAP_START, CAP_END),
          snap.range("up", CAP_START, CAP_END))


# ------------------------------------------------------------------------------------------
# CLI
# ------------------------------------------------------------------------------------------


def test_cli_snapshot_into_existing_directory_exits_2(tmp_path, capsys):
    params = tmp_path / "campaign.yml"
    params.write_text(yaml.safe_dump(CAMPAIGN, sort_keys=False))
    out = tmp_path / "existing"
    out.mkdir()
    (out / "keep.txt").write_text("precious")
    assert cli.main(["snapshot", str(params), "--out", str(out)]) == 2
    assert "exist" in capsys.readouterr().err
    assert sorted(p.name for p in out.iterdir()) == ["keep.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["campaign.yml", "existing"]


# ------------------------------------------------------------------------------------------
# A manifest states what it recorded; malformed or edited manifests are refused (issue 13 §4)
# ------------------------------------------------------------------------------------------

RULE_GROUPS = [{"name": "mm2", "rules": [{"type": "alerting", "name": "MM2Down",
                                          "health": "ok"}]}]


class RulesSource(FakeSource):
    """A fake server that also serves alert rules."""

    def rules(self):
        return RULE_GROUPS


@pytest.fixture
def with_rules(tmp_path, campaign):
    return record_snapshot(campaign, RulesSource(campaign), tmp_path / "snap-rules")


def edit_manifest(path: Path, change) -> None:
    manifest = json.loads((path / "manifest.json").read_text())
    change(manifest)
    (path / "manifest.json").write_text(json.dumps(manifest))


def rehash(path: Path, rel: str) -> None:
    """What a careful tamperer does: the manifest's checksum made to match the new file."""
    edit_manifest(path, lambda m: m["files"][rel].update(
        sha256=hashlib.sha256((path / rel).read_bytes()).hexdigest(),
        bytes=(path / rel).stat().st_size))


def test_the_manifest_states_whether_rules_were_recorded(recorded, with_rules, campaign):
    assert json.loads((recorded / "manifest.json").read_text())["rules"] == {"recorded": False}
    assert json.loads((with_rules / "manifest.json").read_text())["rules"] == {"recorded": True}
    assert SnapshotSource(campaign, with_rules).rules() == RULE_GROUPS
    with pytest.raises(SnapshotError, match="served no alert rules"):
        SnapshotSource(campaign, recorded).rules()


def test_removing_the_rules_entry_is_refused_not_a_fallback(with_rules, campaign):
    edit_manifest(with_rules, lambda m: m["files"].pop("rules.json"))
    with pytest.raises(SnapshotError) as info:
        SnapshotSource(campaign, with_rules)
    assert str(info.value) == (f"{with_rules}: the manifest says alert rules were recorded but "
                               "lists no rules.json; the snapshot is incomplete or was edited")


def _parquet_without_metadata(path: Path) -> None:
    import pyarrow.parquet as pq

    rel = "queries/up.parquet"
    table = pq.read_table(path / rel).replace_schema_metadata(None)
    pq.write_table(table, path / rel)
    rehash(path, rel)


def _parquet_with_other_columns(path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    rel = "queries/up.parquet"
    table = pq.read_table(path / rel)
    table = pa.table({"ts": table.column("ts"), "v": table.column("value")},
                     metadata=table.schema.metadata)
    pq.write_table(table, path / rel)
    rehash(path, rel)


def _files_as_list(path):
    edit_manifest(path, lambda m: m.update(files=list(m["files"])))


def _entry_as_string(path):
    edit_manifest(path, lambda m: m["files"].update({"queries/up.parquet": "deadbeef"}))


def _request_without_query(path):
    edit_manifest(path, lambda m: m["requests"][3].pop("query"))


def _requests_null(path):
    edit_manifest(path, lambda m: m.update(requests=None))


MALFORMED = {
    "files as a list": (_files_as_list, "malformed manifest.json: 'files' must map file names "
                                        "to checksums, not be a list"),
    "an entry as a string": (_entry_as_string, "malformed manifest.json: files: the entry of "
                                               "'queries/up.parquet' must be {\"sha256\": <64 hex "
                                               "digits>, \"bytes\": <size>}, not \"deadbeef\""),
    "a request without query": (_request_without_query,
                                "malformed manifest.json: requests[3] has no 'query'"),
    "requests: null": (_requests_null, "malformed manifest.json: 'requests' must be a non-empty "
                                       "list of recorded requests, not null"),
    "re-hashed Parquet without metadata": (
        _parquet_without_metadata, "queries/up.parquet has no mm2report metadata (the label "
                                   "sets of its series); it was replaced or rewritten"),
    "re-hashed Parquet with other columns": (
        _parquet_with_other_columns, "queries/up.parquet has the columns (ts int64, v double), "
                                     "not those of a snapshot query file (request int32, series "
                                     "int32, ts int64, value double); it was replaced"),
}


def snapshot_params(tmp_path: Path, snapshot: Path, **source) -> Path:
    data = copy.deepcopy(CAMPAIGN)
    data["source"] = {"snapshot": str(snapshot), **source}
    params = tmp_path / "replay.yml"
    params.write_text(yaml.safe_dump(data, sort_keys=False))
    return params


@pytest.mark.parametrize("name", list(MALFORMED))
def test_malformed_manifests_are_refused_with_exit_2(recorded, tmp_path, capsys, name):
    damage, message = MALFORMED[name]
    damage(recorded)
    params = snapshot_params(tmp_path, recorded)
    assert cli.main(["analyse", str(params)]) == 2
    err = capsys.readouterr().err
    assert err == f"error: {recorded}: {message}\n"
    assert cli.main(["verify-snapshot", str(recorded)]) == 2
    assert capsys.readouterr().err == err


@pytest.mark.parametrize("entry", ["../outside.parquet", "/etc/passwd", "queries/../../x.parquet",
                                   "queries/link.parquet"])
def test_a_manifest_entry_outside_the_snapshot_is_refused_as_such(recorded, tmp_path, entry):
    (tmp_path / "outside.parquet").write_bytes(b"x")
    (recorded / "queries" / "link.parquet").symlink_to(tmp_path / "outside.parquet")
    digest = hashlib.sha256(b"x").hexdigest()
    edit_manifest(recorded, lambda m: m["files"].update({entry: {"sha256": digest, "bytes": 1}}))
    with pytest.raises(SnapshotError) as info:
        load_manifest(recorded)
    assert str(info.value) == (f"{recorded}: manifest.json lists {entry!r}, which is outside the "
                               "snapshot directory; refused")


def test_an_extra_listed_file_is_refused(recorded):
    (recorded / "queries" / "extra.parquet").write_bytes(b"x")
    edit_manifest(recorded, lambda m: m["files"].update({"queries/extra.parquet": {
        "sha256": hashlib.sha256(b"x").hexdigest(), "bytes": 1}}))
    with pytest.raises(SnapshotError, match="lists queries/extra.parquet, which no recorded "
                                            "request or rule needs"):
        load_manifest(recorded)


def test_a_series_count_that_disagrees_with_the_file_is_refused(recorded):
    edit_manifest(recorded, lambda m: m["requests"][0].update(series=m["requests"][0]["series"] + 1))
    with pytest.raises(SnapshotError, match="series for request 0, the manifest records"):
        load_manifest(recorded)


def test_a_format_1_snapshot_is_refused_with_what_to_do(recorded, campaign):
    edit_manifest(recorded, lambda m: (m.update(format_version=1), m.pop("rules")))
    with pytest.raises(SnapshotError) as info:
        SnapshotSource(campaign, recorded)
    assert "format version 1" in str(info.value)
    assert "does not state whether alert rules were recorded" in str(info.value)
    assert "record it again with `mm2report snapshot`" in str(info.value)


def test_the_origin_names_the_manifest_digest(recorded, campaign):
    digest = hashlib.sha256((recorded / "manifest.json").read_bytes()).hexdigest()
    snap = SnapshotSource(campaign, recorded)
    assert snap.origin == (f"snapshot {recorded} (recorded from fake://unit-test; manifest "
                           f"sha256 {digest})")
    assert snap.range("up", CAP_START, CAP_END).evidence()["origin"] == snap.origin


# ------------------------------------------------------------------------------------------
# Signing with a key the user holds
# ------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def keys(tmp_path_factory):
    """Ed25519 key pairs made by the tools the docs name: openssl (PEM) and ssh-keygen."""
    import subprocess

    from conftest import require_binaries

    require_binaries("openssl", "ssh-keygen")
    d = tmp_path_factory.mktemp("keys")
    run = lambda *a: subprocess.run(a, check=True, capture_output=True, cwd=d)  # noqa: E731
    run("openssl", "genpkey", "-algorithm", "ed25519", "-out", "key.pem")
    run("openssl", "pkey", "-in", "key.pem", "-pubout", "-out", "pub.pem")
    run("openssl", "genpkey", "-algorithm", "ed25519", "-out", "other.pem")
    run("openssl", "pkey", "-in", "other.pem", "-pubout", "-out", "other-pub.pem")
    run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", "id_ed25519")
    run("openssl", "genpkey", "-algorithm", "rsa", "-pkeyopt", "rsa_keygen_bits:2048",
        "-out", "rsa.pem")
    return d


def _record_signed(tmp_path, campaign, key: Path) -> Path:
    from mm2report.signing import load_private_key

    return record_snapshot(campaign, RulesSource(campaign), tmp_path / "signed",
                           sign_key=load_private_key(key))


@pytest.mark.parametrize("private, public", [("key.pem", "pub.pem"),
                                             ("id_ed25519", "id_ed25519.pub")])
def test_a_signed_snapshot_verifies_and_any_edit_is_refused(tmp_path, campaign, keys,
                                                            private, public):
    snap = _record_signed(tmp_path, campaign, keys / private)
    assert (snap / "manifest.sig").exists()
    verified = make(lambda d: d.update(source={"snapshot": str(snap),
                                               "verify_key": str(keys / public)}))
    source = SnapshotSource(verified)
    assert source.signed_by.startswith("ed25519:")
    assert source.origin.endswith(f", signature verified with key {source.signed_by})")
    # the consistent edit a checksum cannot see: another source URL, nothing else
    edit_manifest(snap, lambda m: m.update(source="http://elsewhere:9090"))
    load_manifest(snap)  # still consistent...
    with pytest.raises(SnapshotError, match="the signature does not match manifest.json: the "
                                            "manifest was changed after signing"):
        SnapshotSource(verified)  # ...but not what the key's holder signed


def test_signature_required_by_verify_key(recorded, tmp_path, campaign, keys):
    unsigned = make(lambda d: d.update(source={"snapshot": str(recorded),
                                               "verify_key": str(keys / "pub.pem")}))
    with pytest.raises(SnapshotError, match="not signed .*source.verify_key asks for a signature"):
        SnapshotSource(unsigned)
    snap = _record_signed(tmp_path, campaign, keys / "key.pem")
    other = make(lambda d: d.update(source={"snapshot": str(snap),
                                            "verify_key": str(keys / "other-pub.pem")}))
    with pytest.raises(SnapshotError, match=r"it names key ed25519:[0-9a-f]{64}, not "
                                            r"ed25519:[0-9a-f]{64}"):
        SnapshotSource(other)


def test_cli_signs_and_verifies(tmp_path, campaign, keys, capsys):
    snap = _record_signed(tmp_path, campaign, keys / "key.pem")
    digest = hashlib.sha256((snap / "manifest.json").read_bytes()).hexdigest()
    assert cli.main(["verify-snapshot", str(snap), "--key", str(keys / "pub.pem")]) == 0
    out = capsys.readouterr().out
    assert f"manifest sha256 {digest}\n" in out and "signature verified with key ed25519:" in out
    assert "alert rules recorded" in out
    assert cli.main(["verify-snapshot", str(snap)]) == 0
    assert "not verified (give --key)" in capsys.readouterr().out
    assert cli.main(["verify-snapshot", str(snap), "--key", str(keys / "other-pub.pem")]) == 2
    assert "the signature does not match" in capsys.readouterr().err
    params = tmp_path / "rec.yml"
    params.write_text(yaml.safe_dump(CAMPAIGN, sort_keys=False))
    for bad, why in ((keys / "rsa.pem", "not an Ed25519 private key"),
                     (keys / "pub.pem", "not a readable private key"),
                     (tmp_path / "absent.pem", "cannot read the key file")):
        assert cli.main(["snapshot", str(params), "--out", str(tmp_path / "new"),
                         "--sign-key", str(bad)]) == 2
        assert why in capsys.readouterr().err
        assert not (tmp_path / "new").exists()


def test_verify_key_is_only_for_snapshots_and_must_exist(keys, tmp_path):
    from mm2report.errors import ParameterError

    with pytest.raises(ParameterError, match="'verify_key' applies only to a 'snapshot' source"):
        make(lambda d: d["source"].update(verify_key=str(keys / "pub.pem")))
    with pytest.raises(ParameterError, match="no such file"):
        make(lambda d: d.update(source={"snapshot": str(tmp_path),
                                        "verify_key": str(tmp_path / "nope.pub")}))


def test_cli_signs_an_existing_snapshot_once(recorded, keys, capsys):
    digest = hashlib.sha256((recorded / "manifest.json").read_bytes()).hexdigest()
    assert cli.main(["sign-snapshot", str(recorded), "--key", str(keys / "id_ed25519")]) == 0
    assert f"manifest sha256 {digest} signed with key ed25519:" in capsys.readouterr().out
    assert cli.main(["verify-snapshot", str(recorded), "--key", str(keys / "id_ed25519.pub")]) == 0
    before = (recorded / "manifest.sig").read_bytes()
    assert cli.main(["sign-snapshot", str(recorded), "--key", str(keys / "key.pem")]) == 2
    assert "already signed (manifest.sig exists)" in capsys.readouterr().err
    assert (recorded / "manifest.sig").read_bytes() == before
    assert sorted(p.name for p in recorded.iterdir()) == ["manifest.json", "manifest.sig", "queries"]
