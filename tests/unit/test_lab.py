"""The lab's own logic without Java: process identity, the truth's definitions, the campaign file."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from mm2report.lab import campaign, env, truth
from mm2report.lab.jars import LabError
from mm2report.params import validate_campaign

T0 = 1_800_000_000.0
TASKS = 4


def _status(t, states=("RUNNING",) * TASKS, live=True, connector="RUNNING"):
    return {"t": t, "connector": connector,
            "tasks": [{"id": i, "state": s, "live": live} for i, s in enumerate(states)]}


def _journal(events=(), status=None, end=120):
    return {"lab": {"tasks": TASKS}, "began": T0, "ended": T0 + end, "events": list(events),
            "status": status if status is not None else [_status(T0 + i) for i in range(end)]}


def test_down_without_a_lab_says_so(tmp_path):
    with pytest.raises(LabError, match="no lab state"):
        env.down(tmp_path)


def test_a_pid_that_is_not_the_labs_is_never_killed(tmp_path):
    mine = env.Proc("x", os.getpid(), ["python", str(tmp_path / "elsewhere")], str(tmp_path / "x" / "log"))
    assert not env.alive(mine)  # our own PID, but its command line names no lab directory
    assert not env.alive(env.Proc("gone", 2**22 + 7, ["x"], str(tmp_path / "log")))


def test_outage_truth_counts_stalls_and_missing_tasks():
    # records every second; nothing lands in [30, 40) (a stall), task 2 on a dead worker in [60, 75)
    created = {f"r/orders.v1/0/{i}": T0 + i * 0.5 for i in range(240)}
    copies = {k: [ts + 0.05] for k, ts in created.items() if not 30 <= ts - T0 < 40}
    for k, ts in created.items():
        if 30 <= ts - T0 < 40:
            copies[k] = [T0 + 40.2]
    status = [_status(T0 + i, live=not 60 <= i < 75) for i in range(120)]
    journal = _journal([{"kind": "broker_stop", "start": T0 + 29.5, "end": T0 + 40},
                        {"kind": "worker_stop", "start": T0 + 60, "end": T0 + 80}], status)
    out = truth._outages(created, copies, journal)
    assert [(o["duration_s"], o["event"], o["cause"]) for o in out] == [
        (10, "broker_stop", "stall"), (15, "worker_stop", "tasks")]


def test_rebalance_truth_waits_for_tasks_to_stay_running_and_stops_at_the_next_event():
    status = [_status(T0 + i, states=("RUNNING", "UNASSIGNED", "RUNNING", "RUNNING")
                      if 50 <= i < 62 or i == 64 else ("RUNNING",) * TASKS) for i in range(120)]
    journal = _journal([{"kind": "worker_add", "start": T0 + 10},
                        {"kind": "worker_stop", "start": T0 + 50, "end": T0 + 90}], status)
    add, stop = truth._rebalances(journal)
    assert add["duration_s"] == 0.0 and not add["disrupted"]  # no task moved
    assert stop["duration_s"] == 15.0  # back at 62, out again at 64, running from 65 on


def test_rebalance_truth_of_a_worker_added_waits_until_it_runs_work_of_its_own():
    # worker-3 added at 10: no task ever stops, it runs a task from 24 on (its JVM started,
    # it joined, it took its share); the polls name the workers holding work
    status = [dict(_status(T0 + i), holders=["worker-1", "worker-2"] + (["worker-3"] if i >= 24 else []))
              for i in range(120)]
    journal = _journal([{"kind": "worker_add", "start": T0 + 10, "target": "worker-3"}], status)
    (add,) = truth._rebalances(journal)
    assert add["duration_s"] == 14.0 and not add["disrupted"] and add["measured_by"] == "join"
    # never seen running work before the polls end: no end, not 0 s
    for s in status:
        s["holders"] = ["worker-1", "worker-2"]
    (add,) = truth._rebalances(journal)
    assert add["end"] is None
    # a journal whose polls do not name the holders: the tasks alone, as before
    for s in status:
        del s["holders"]
    (add,) = truth._rebalances(journal)
    assert add["duration_s"] == 0.0 and add["measured_by"] == "tasks"


def test_capacity_truth_sustained_rule():
    made = {f"k{i}": T0 + i / 100 for i in range(6000)}  # 100 records/s over 60 s
    copies = {k: [ts + (0.01 if ts - T0 < 30 else (ts - T0 - 30) * 2)] for k, ts in made.items()}
    journal = {"steps": [{"start": T0, "end": T0 + 30, "offered_rate": 100},
                         {"start": T0 + 30, "end": T0 + 60, "offered_rate": 100}]}
    steps = truth._capacity(made, copies, journal)
    assert [s["sustained"] for s in steps["steps"]] == [True, False]  # the second falls behind
    assert steps["highest_sustained_step"] == 100


def test_campaign_file_is_a_valid_campaign_with_the_exact_times():
    t = T0
    phases = {}
    for name in ("smoke", "nominal", "latency", "capacity", "soak", "resilience", "errors"):
        phases[name] = {"start": t, "end": t + 60}
        t += 65
    phases["latency"]["baseline"] = (phases["latency"]["start"], phases["latency"]["start"] + 20)
    journal = {"phases": phases,
               "steps": [{"start": phases["capacity"]["start"] + 15 * i,
                          "end": phases["capacity"]["start"] + 15 * (i + 1), "offered_rate": r}
                         for i, r in enumerate((250, 500, 750, 1200))],
               "events": [{"kind": "worker_stop", "start": phases["resilience"]["start"] + 5,
                           "end": phases["resilience"]["start"] + 50, "target": "worker-2"}]}
    state = env.LabState("/nonexistent", "3", "3.9.2", "connect-jmx",
                         ports={"prometheus": 9})
    state.connectors = env.connector_names("connect-jmx")
    params = campaign.campaign_file(journal, state, "lab")
    c = validate_campaign(params)
    assert c.metrics.profile == "connect-jmx" and c.metrics.expected_tasks == 4
    assert c.metrics.connector_regex == "mm2-source-connector"  # regex_escape keeps "-"
    (event,) = c.phases.resilience.events
    assert event.kind == "worker_stop" and event.start.timestamp() == pytest.approx(phases["resilience"]["start"] + 5)
    assert [s.offered_rate for s in c.phases.capacity.steps] == [250, 500, 750, 1200]


def test_profiles_name_their_connectors_as_each_deployment_does():
    assert env.connector_names("strimzi")["Source"] == "primary->backup.MirrorSourceConnector"
    assert env.connector_names("dedicated")["Source"] == "MirrorSourceConnector"
    assert env.connector_names("connect-jmx")["Source"] == "mm2-source-connector"
    assert env.expected_tasks() == 4  # tasks.max 6 over 4 partitions


def test_up_keeps_a_stopped_lab_aside_and_refuses_a_running_one(tmp_path, monkeypatch):
    lab = tmp_path / "lab"
    lab.mkdir()
    env.LabState(str(lab), "4", "4.3.1", "connect-jmx").save()
    started = []
    monkeypatch.setattr(env, "fetch", lambda line: started.append(line) or tmp_path)
    monkeypatch.setattr(env.servers, "require_binary", lambda name: name)
    monkeypatch.setattr(env, "kafka_version", lambda jars: "4.3.1")
    monkeypatch.setattr(env, "start_broker", lambda *a: (_ for _ in ()).throw(LabError("stop here")))
    with pytest.raises(LabError, match="stop here"):
        env.up(lab, progress=lambda _: None)
    kept = [p for p in tmp_path.iterdir() if p.name.startswith("lab-")]
    assert len(kept) == 1 and (kept[0] / "lab.json").exists()  # the earlier lab, untouched
    running = env.LabState.load(lab)
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)", str(lab)])
    # right after the fork the child's /proc cmdline can still be empty (exec under way)
    for _ in range(500):
        if str(lab).encode() in Path(f"/proc/{child.pid}/cmdline").read_bytes():
            break
        time.sleep(0.01)
    try:
        running.procs["child"] = env.Proc("child", child.pid, [str(lab)], str(lab / "child" / "log"))
        running.save()
        with pytest.raises(LabError, match="already running"):
            env.up(lab, progress=lambda _: None)
        assert env.down(lab) == ["child"] and child.wait(timeout=10) is not None
    finally:
        child.kill()


def test_a_cluster_id_never_starts_with_a_dash(monkeypatch):
    import uuid
    ids = iter([uuid.UUID(bytes=b"\xf8" + bytes(15)), uuid.UUID(bytes=b"\x04" + bytes(15))])
    monkeypatch.setattr(env.uuid, "uuid4", lambda: next(ids))
    assert env._cluster_id() == "BAAAAAAAAAAAAAAAAAAAAA"  # the first, "-AAA…", was an option
