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


def _faulty(faults: dict, soak: str = "30m"):
    return validate_scenario({
        "name": "faults", "start": "2026-11-16T08:00:00Z", "seed": 7,
        "phases": [{"name": "nominal", "duration": "20m", "rate": 400},
                   {"name": "soak", "duration": soak, "rate": 400}],
        "faults": faults,
    })


def _samples(sc, tl, metric: str, contains: str = "") -> list[int]:
    out = io.StringIO()
    write_metrics(sc, tl, out)
    return [int(line.rsplit(" ", 1)[1]) for line in out.getvalue().splitlines()
            if line.startswith(metric + "{") and contains in line]


def test_monitoring_gap_removes_every_sample_and_makes_criteria_inconclusive():
    sc = _faulty({"monitoring_gaps": [{"phase": "soak", "at": "10m", "duration": "5m"}]})
    tl = build(sc)
    soak = next(p for p in tl.phases if p.name == "soak")
    gap_start, gap_end = tl.origin + soak.start + 600, tl.origin + soak.start + 900
    for metric in ("up", "kafka_topic_partition_current_offset",
                   "kafka_connect_mirror_mirrorsourceconnector_record_count"):
        times = _samples(sc, tl, metric)
        assert times and not any(gap_start <= t < gap_end for t in times), metric
    truth = compute(sc, tl)
    assert truth["criteria"]["5"] == "INCONCLUSIVE" and truth["criteria"]["8"] == "INCONCLUSIVE"
    assert truth["criteria"]["2"] == "GO"


def test_heap_leak_grows_the_heap_after_gc_and_fails_the_soak():
    sc = _faulty({"heap_leak": {"mb_per_hour": 200, "from_phase": "soak"}}, soak="25h")
    tl = build(sc)
    from mm2report.simulate.emit import _heap

    heap = _heap(sc, tl)[:, 0]
    soak = next(p for p in tl.phases if p.name == "soak")
    first = heap[soak.start:soak.start + 3600].min()
    last = heap[soak.end - 3600:soak.end].min()
    assert last - first == pytest.approx(200e6 * 24, rel=0.01)  # 24 h between the two hours
    assert compute(sc, tl)["criteria"]["5"] == "NOGO"


def test_a_short_soak_is_inconclusive():
    sc = _faulty({}, soak="20h")
    assert compute(sc, build(sc))["criteria"]["5"] == "INCONCLUSIVE"


def test_a_missed_scrape_of_a_live_worker_is_stored_as_prometheus_stores_it():
    sc = _faulty({"missing_scrape_probability": 0.05})
    tl = build(sc)
    pod = 'kubernetes_pod_name="mm2-mirrormaker2-0"'
    out = io.StringIO()
    write_metrics(sc, tl, out)
    up: dict[int, float] = {}
    tasks: set[int] = set()
    for line in out.getvalue().splitlines():
        if pod in line and line.startswith(("up{", "kafka_connect_worker_connector_running")):
            value, at = line.rsplit(" ", 2)[1:]
            (up.__setitem__(int(at), float(value)) if line.startswith("up{") else tasks.add(int(at)))
    times = sorted(up)
    assert times == list(range(times[0], times[-1] + 1, sc.scrape_interval))  # every scrape
    worker = int(pod[-2])
    alive = {at for at in times if tl.alive[at - tl.origin - 1, worker]}
    failed = {at for at in alive if up[at] == 0}
    assert 0 < len(failed) < 0.15 * len(alive)  # some failed, most answered
    assert not failed & tasks and alive - failed <= tasks  # no task count where it failed


def test_a_worker_added_joins_after_its_jvm_start_and_its_counters_tell_when():
    sc = validate_scenario({
        "name": "join", "start": "2026-11-16T08:00:00Z", "seed": 5,
        "mm2": {"workers": 2, "tasks": 4, "join_time": "14s", "rebalance_duration": "3s"},
        "phases": [{"name": "resilience", "duration": "20m", "rate": 400,
                    "events": [{"kind": "worker_add", "at": "5m"}]}]})
    tl = build(sc)
    (s,) = [s for _, ev, s, _ in tl.events if ev.kind == "worker_add"]
    (r,) = [r for r in tl.rebalances if r.start >= s]
    assert (r.start, r.end) == (s + 14, s + 17) and r.workers == (0, 1, 2)
    assert tl.alive[s:, 2].all() and not (tl.assign[s:s + 14] == 2).any()  # up, running nothing
    assert (tl.assign[r.end] == 2).any()  # its share from the rebalance's end
    # the moved tasks stop for 3 s only, less than a 15 s scrape; the truth counts the join
    (span,) = [x for x in compute(sc, tl)["rebalances"] if x["kind"] == "worker_add"]
    assert span["span_s"] == 17
    out = io.StringIO()
    write_metrics(sc, tl, out)
    counts: dict[str, list[tuple[int, float]]] = {}
    for line in out.getvalue().splitlines():
        m = re.match(r'^kafka_connect_worker_rebalance_completed_rebalances\{.*instance="([^"]+)".*\} (\S+) (\d+)$', line)
        if m:
            counts.setdefault(m.group(1), []).append((int(m.group(3)), float(m.group(2))))
    t_add, t_end = tl.origin + s, tl.origin + r.end
    for series in counts.values():  # every member counts the rebalance once it is over
        before = [v for t, v in series if t < t_end]
        after = [v for t, v in series if t >= t_end]
        assert after and after[0] == (before[-1] if before else 0.0) + 1
    new = [series for series in counts.values() if series[0][0] >= t_add]
    assert len(new) == 1 and new[0][0][1] == 0.0  # the new worker's series starts from 0
