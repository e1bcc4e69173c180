"""Simulator invariants, checked on the model's state and on what it emits."""

from __future__ import annotations

import io
import re
from pathlib import Path

import numpy as np
import pytest

from mm2report.simulate import build, compute, load_scenario, simulate, write_metrics
from mm2report.simulate.scenario import validate_scenario
from mm2report.params import load_campaign

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def small():
    sc = load_scenario(REPO / "scenarios" / "small.yml")
    return sc, build(sc)


def test_deterministic_with_a_seed(small):
    sc, tl = small
    again = build(sc)
    assert np.array_equal(tl.produced, again.produced) and np.array_equal(tl.lat_max, again.lat_max, equal_nan=True)
    a, b = io.StringIO(), io.StringIO()
    write_metrics(sc, tl, a)
    write_metrics(sc, again, b)
    assert a.getvalue() == b.getvalue()


def test_conservation_and_non_negative_lag(small):
    _, tl = small
    assert (tl.backlog >= 0).all()
    produced = np.cumsum(tl.produced, axis=0)
    consumed = np.cumsum(tl.replicated + tl.lost, axis=0)
    assert np.array_equal(produced, consumed + tl.backlog)


def test_nothing_replicated_by_a_stopped_task_or_during_a_stall(small):
    _, tl = small
    idle = ~tl.running[:, tl.part_task] | tl.stall[:, None]
    assert (tl.replicated[idle] == 0).all() and (tl.dup_sent[idle] == 0).all()


def test_latency_is_nan_exactly_where_nothing_was_replicated(small):
    _, tl = small
    assert np.array_equal(np.isnan(tl.lat_max), tl.replicated == 0)


def test_worker_stop_leaves_tasks_unassigned_for_the_rebalance_delay_then_resumes(small):
    sc, tl = small
    stop = next(s for _, ev, s, _ in tl.events if ev.kind == "worker_stop")
    delay = int(sc.mm2.rebalance_delay.total_seconds() + sc.mm2.rebalance_duration.total_seconds())
    assert tl.running[stop - 1].sum() == tl.K
    assert tl.running[stop:stop + delay].sum(axis=1).max() < tl.K
    assert tl.running[stop + delay].sum() == tl.K


def test_emitted_counters_never_decrease_within_a_series_and_timestamps_are_seconds(small):
    sc, tl = small
    out = io.StringIO()
    write_metrics(sc, tl, out)
    text = out.getvalue()
    assert text.endswith("# EOF\n")
    last: dict[str, tuple[int, float]] = {}
    pattern = re.compile(r"^(kafka_connect_mirror_mirrorsourceconnector_record_count\{.*\}) (\S+) (\d+)$")
    for line in text.splitlines():
        m = pattern.match(line)
        if not m:
            continue
        key, value, ts = m.group(1), float(m.group(2)), int(m.group(3))
        assert ts < 7_258_118_400  # seconds, not milliseconds
        if key in last and ts > last[key][0] + sc.scrape_interval * 2:
            last.pop(key)  # the same labels after a pause: a new task object, from 0
        if key in last:
            assert ts > last[key][0] and value >= last[key][1]
        last[key] = (ts, value)


def test_ground_truth_of_the_small_scenario(small):
    sc, tl = small
    truth = compute(sc, tl)
    res = truth["phases"]["resilience"]
    assert res["lost"] == 0 and res["duplicated"] > 0
    stop = next(r for r in truth["rebalances"] if r["kind"] == "worker_stop" and r["trigger"] == "event")
    assert stop["span_s"] == int((sc.mm2.rebalance_delay + sc.mm2.rebalance_duration).total_seconds())
    assert truth["criteria"]["8"] == "GO"
    assert truth["errors"][0]["task_failed"] is True


def test_injected_loss_is_in_the_truth_and_fails_criterion_8():
    sc = validate_scenario({
        "name": "loss", "start": "2026-11-16T08:00:00Z",
        "phases": [{"name": "nominal", "duration": "20m", "rate": 800}],
        "faults": {"loss": [{"phase": "nominal", "at": "5m", "topic": "orders", "partition": 2,
                             "records": 40}]},
    })
    truth = compute(sc, build(sc))
    assert truth["phases"]["nominal"]["lost"] == 40
    assert truth["phases"]["nominal"]["per_partition"][2]["lost"] == 40
    assert truth["criteria"]["8"] == "NOGO"


def test_simulate_writes_a_valid_campaign_and_never_overwrites(tmp_path):
    out = simulate(REPO / "scenarios" / "small.yml", tmp_path / "sim")
    assert {p.name for p in out.iterdir()} == {"metrics.om", "ground_truth.json", "campaign.yml"}
    campaign = load_campaign(out / "campaign.yml")
    assert [n for n, _ in campaign.phases.items()] == ["smoke", "resilience", "errors"]
    with pytest.raises(Exception, match="already exists"):
        simulate(REPO / "scenarios" / "small.yml", tmp_path / "sim")
