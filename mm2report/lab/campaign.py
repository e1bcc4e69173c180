"""The scripted mini-campaign: the seven phases at lab scale, about 12 minutes.

The script drives the load, the faults and the operator's actions against a running lab, and
records what it did (``journal.json``): the exact time of every phase and event, and the
connector's status polled from the Connect REST API every second (the rebalance truth). It then
writes the campaign file (``campaign.yml``), and :mod:`.truth` computes ``truth.json`` from
Kafka's own records.

Phases (seconds, at lab scale):

* smoke 30, nominal 45, latency 45 (a 20 s baseline at low load first), soak 40 (shorter than
  24 h on purpose: it must come out INCONCLUSIVE);
* capacity: four 35 s steps at 250, 500, 750 and 1,200 records/s under a producer quota on the
  target cluster (per MM2 task producer), which the last step exceeds;
* resilience: a worker added, a worker SIGKILLed then restarted 45 s later, a burst above
  capacity, the target broker stopped for 60 s, the connector paused for 30 s (the seed's change
  window) then resumed;
* errors: records larger than the remote topic accepts (``max.message.bytes``): the task
  FAILs; the operator raises the limit and restarts the task.
"""

from __future__ import annotations

import json
import signal
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

import requests
import yaml

from ..promql import regex_escape
from . import env
from .jars import LabError
from .load import QUIET, Load

RECORD = 1000  # bytes per record
QUOTA = 250_000  # bytes/s per MM2 task producer on the target, from the capacity phase on
NOMINAL = 300
STEPS = (250, 500, 750, 1200)
GAP = 5  # seconds between phases
QUIET_S = 2 * 5 + 1  # no load and nothing in flight over the last two scrapes of a phase


def _now() -> float:
    return time.time()


def iso(t: float) -> str:
    return datetime.fromtimestamp(t, timezone.utc).isoformat(timespec="milliseconds")


class StatusPoller(threading.Thread):
    """Polls the status of every connector each second; a source task counts as running only
    when it is RUNNING on a worker that is alive (a SIGKILLed worker's tasks stay "RUNNING" in
    the status topic until another worker takes them). ``holders``: the live workers running
    a connector or a task of any connector, which tells when an added worker took its share."""

    def __init__(self, state: env.LabState):
        super().__init__(daemon=True, name="lab-status")
        self.state = state
        self.samples: list[dict] = []
        self.dead: set[str] = set()
        self._halt = threading.Event()

    def run(self) -> None:
        session = requests.Session()
        session.trust_env = False
        name = self.state.connectors["Source"]
        while not self._halt.is_set():
            t = _now()
            sample = {"t": t, "connector": None, "tasks": [], "holders": []}
            for worker in self.state.workers:
                if worker in self.dead or not env.alive(self.state.procs.get(worker)):
                    continue
                try:
                    url = f"http://127.0.0.1:{self.state.procs[worker].port}"
                    every = session.get(f"{url}/connectors?expand=status", timeout=2).json()
                    live = {f"127.0.0.1:{self.state.procs[w].port}": w for w in self.state.workers
                            if w not in self.dead and env.alive(self.state.procs.get(w))}
                    body = every[name]["status"]
                    sample["connector"] = body["connector"]["state"]
                    sample["tasks"] = [{"id": x["id"], "state": x["state"],
                                        "live": x.get("worker_id") in live}
                                       for x in body.get("tasks", [])]
                    running = [x for c in every.values()
                               for x in [c["status"]["connector"], *c["status"].get("tasks", [])]
                               if x["state"] == "RUNNING"]
                    sample["holders"] = sorted({live[x["worker_id"]] for x in running
                                                if x.get("worker_id") in live})
                    break
                except (requests.RequestException, ValueError, KeyError):
                    continue
            self.samples.append(sample)
            self._halt.wait(max(0.0, 1.0 - (_now() - t)))

    def stop(self) -> None:
        self._halt.set()
        self.join(timeout=5)


class Campaign:
    def __init__(self, state: env.LabState, out: Path, progress=print):
        self.state = state
        self.out = out
        self.progress = progress
        self.phases: dict[str, dict] = {}
        self.events: list[dict] = []
        self.steps: list[dict] = []
        self.jars = env.jars_of(state)

    # -- helpers -------------------------------------------------------------------------
    def _hold(self, seconds: float) -> None:
        time.sleep(seconds)

    def _phase(self, name: str):
        campaign = self

        class _Ctx:
            def __enter__(self_):
                campaign.progress(f"  phase {name}")
                campaign.phases[name] = {"start": _now()}
                return self_

            def __exit__(self_, *exc):
                # Quiet bounds: the load pauses two scrapes before the phase ends, so that the
                # end offsets read at the bound are final on both clusters (scrapes of the two
                # exporters are up to one interval apart; see docs/profiles.md).
                if exc[0] is None:
                    campaign._quiet()
                campaign.phases[name]["end"] = _now()
                time.sleep(GAP)
        return _Ctx()

    def _quiet(self) -> None:
        """Stop the load, let MM2 copy everything, then let two scrapes pass: the end offsets
        read at the next bound are final on both clusters, and nothing is in flight."""
        self.load.set_rate(0)
        self._drain()
        time.sleep(QUIET_S)

    def _event(self, kind: str, start: float, end: float | None = None, **extra) -> dict:
        event = {"kind": kind, "start": start, "end": end, **extra}
        self.events.append(event)
        return event

    def _quota(self, value: int | None) -> None:
        args = ["--bootstrap-server", self.state.target_bootstrap, "--alter", "--entity-type",
                "clients", "--entity-default"]
        args += ["--add-config", f"producer_byte_rate={value}"] if value else \
            ["--delete-config", "producer_byte_rate"]
        import subprocess
        done = subprocess.run(env._java(self.state, self.jars, "kafka.admin.ConfigCommand", args,
                                        heap="128m"), capture_output=True, text=True)
        if done.returncode != 0:
            raise LabError(f"setting the producer quota failed: {done.stderr.strip()[-500:]}")

    def _topic_config(self, topic: str, key: str, value: str) -> None:
        from confluent_kafka.admin import (AdminClient, AlterConfigOpType, ConfigEntry,
                                           ConfigResource)

        admin = AdminClient({"bootstrap.servers": self.state.target_bootstrap}, logger=QUIET)
        # incremental: only this key changes (the legacy call reset the topic's other
        # dynamic configs, such as those MM2 copied from the source topic)
        entry = ConfigEntry(key, value, incremental_operation=AlterConfigOpType.SET)
        resource = ConfigResource("topic", topic, incremental_configs=[entry])
        for future in admin.incremental_alter_configs([resource]).values():
            future.result(timeout=30)

    def _rest(self, method: str, path: str) -> requests.Response:
        session = requests.Session()
        session.trust_env = False
        return session.request(method, f"{self.state.rest()}{path}", timeout=10)

    def _connector_path(self) -> str:
        return "/connectors/" + requests.utils.quote(self.state.connectors["Source"], safe="")

    # -- the script ----------------------------------------------------------------------
    def run(self) -> dict:
        if self.state.profile == "dedicated":
            raise LabError("the scripted campaign drives Connect distributed (profiles "
                           "connect-jmx, strimzi); dedicated mode has no REST API to drive")
        partitions = [(t, p) for t, n in env.TOPICS.items() for p in range(n)]
        self.run_id = f"{int(_now())}"
        load = self.load = Load(self.state.source_bootstrap, partitions, size=RECORD, run=self.run_id)
        self.base = self._offsets()
        # the campaign's rule pack, evaluated live by the lab's Prometheus (and routed to its
        # Alertmanager when there is one) from before the first phase
        env.load_rules(self.state, rule_pack(self.state))
        poller = StatusPoller(self.state)
        load.start()
        poller.start()
        began = _now()
        try:
            load.set_rate(NOMINAL)
            self._hold(10)  # warm: the first records pass before the smoke test starts
            self._quiet()
            with self._phase("smoke"):
                load.set_rate(100)
                self._hold(30)
            with self._phase("nominal"):
                load.set_rate(NOMINAL)
                self._hold(45)
            with self._phase("latency"):
                load.set_rate(50)
                t0 = _now()
                self._hold(20)
                self.phases["latency"]["baseline"] = (t0, _now())
                load.set_rate(NOMINAL)
                self._hold(25)
            self._quota(QUOTA)
            with self._phase("capacity"):
                for rate in STEPS:
                    t0 = _now()
                    load.set_rate(rate)
                    self._hold(35)
                    self.steps.append({"start": t0, "end": _now(), "offered_rate": rate})
                load.set_rate(NOMINAL)
            self._hold(20)  # let the last step's backlog drain before the soak
            with self._phase("soak"):
                load.set_rate(NOMINAL)
                self._hold(40)
            with self._phase("resilience"):
                self._resilience(load, poller)
            with self._phase("errors"):
                self._errors(load)
            self._hold(5)
        finally:
            load.set_rate(0)
            load.stop()
            self._drain()
            poller.stop()
        journal = {
            "lab": {"kafka": self.state.kafka, "profile": self.state.profile,
                    "connector": self.state.connectors["Source"], "record_bytes": RECORD,
                    "quota_bytes_per_task": QUOTA, "tasks": env.expected_tasks()},
            "run": self.run_id, "began": began, "ended": _now(),
            "phases": self.phases, "events": self.events, "steps": self.steps,
            "status": poller.samples, "producer_errors": load.errors,
        }
        (self.out / "journal.json").write_text(json.dumps(journal, indent=1))
        return journal

    def _resilience(self, load: Load, poller: StatusPoller) -> None:
        load.set_rate(NOMINAL)
        self._hold(10)
        # a worker added (a rebalance spreads the tasks over three workers)
        t = _now()
        name = f"worker-{len(self.state.workers) + 1}"
        env.start_worker(self.state, self.jars, name)
        env.reload_prometheus(self.state)
        self._event("worker_add", t, target=name, expected="tasks rebalanced over 3 workers")
        env.wait_worker(self.state, name)
        self._hold(35)
        # a worker SIGKILLed, restarted 45 s later
        victim = self.state.workers[1]
        t = _now()
        poller.dead.add(victim)
        env.kill(self.state.procs[victim], signal.SIGKILL)
        self._hold(45)
        env.start_worker(self.state, self.jars, victim)
        poller.dead.discard(victim)
        self._event("worker_stop", t, _now(), target=victim,
                    expected="tasks resume on the other workers")
        env.wait_worker(self.state, victim)
        self._hold(40)
        # a burst above capacity
        t = _now()
        load.set_rate(1800)
        self._hold(20)
        load.set_rate(NOMINAL)
        self._event("burst", t, _now(), note="offered load x6, above capacity")
        self._hold(45)
        # the target broker stopped for about a minute
        t = _now()
        env.kill(self.state.procs["target"], signal.SIGTERM)
        self._hold(60)
        env.restart_broker(self.state, "target")
        self._event("broker_stop", t, _now(), target="target broker",
                    expected="replication stalls then catches up")
        self._hold(50)
        # the change window: connector paused, then resumed
        t = _now()
        self._rest("PUT", self._connector_path() + "/pause").raise_for_status()
        self._hold(30)
        self._rest("PUT", self._connector_path() + "/resume").raise_for_status()
        self._event("other", t, _now(), target=self.state.connectors["Source"],
                    note="connector paused (change window), then resumed")
        self._hold(35)

    def _errors(self, load: Load) -> None:
        load.set_rate(NOMINAL)
        remote = f"{env.SOURCE_ALIAS}.payments"
        self._topic_config(remote, "max.message.bytes", "65536")
        self._hold(10)
        self._quiet()  # a quiet, drained bound: the scenario's offsets are read exactly
        t = _now()
        load.set_rate(NOMINAL)
        for _ in range(3):
            load.send("payments", 0, 100_000)  # larger than the remote topic accepts
        # the task FAILs; the operator raises the limit and restarts the failed task
        deadline = _now() + 40
        failed: list[int] = []
        while _now() < deadline and not failed:
            time.sleep(1)
            body = self._rest("GET", self._connector_path() + "/status").json()
            failed = [x["id"] for x in body.get("tasks", []) if x["state"] == "FAILED"]
        self._hold(20)
        self._topic_config(remote, "max.message.bytes", "1048588")
        for task in failed:
            self._rest("POST", self._connector_path() + f"/tasks/{task}/restart")
        self._event("error_scenario", t, _now(), target="oversized records",
                    expected="task FAILED until restarted", failed_tasks=failed)
        self._hold(35)

    def _offsets(self) -> dict:
        from .truth import end_offsets

        src = end_offsets(self.state.source_bootstrap, list(env.TOPICS))
        tgt = end_offsets(self.state.target_bootstrap, [f"{env.SOURCE_ALIAS}.{t}" for t in env.TOPICS])
        return {tp: (src[tp], tgt.get((f"{env.SOURCE_ALIAS}.{tp[0]}", tp[1]), 0)) for tp in src}

    def _drain(self, timeout: float = 90) -> None:
        """Wait until every partition's target holds at least as many records since the
        campaign began as its source (duplicates may make it more), or ``timeout``."""
        self.load.producer.flush(10)
        deadline = _now() + timeout
        while _now() < deadline:
            now = self._offsets()
            if all(t - self.base[tp][1] >= s - self.base[tp][0] for tp, (s, t) in now.items()):
                return
            time.sleep(1)


def campaign_file(journal: dict, state: env.LabState, name: str) -> dict:
    """The campaign parameters of a lab run, with its exact phase and event times."""
    ph = journal["phases"]

    def window(p):
        return {"start": iso(p["start"]), "end": iso(p["end"])}

    phases: dict = {n: window(p) for n, p in ph.items()}
    b0, b1 = ph["latency"]["baseline"]
    phases["latency"]["baseline"] = {"start": iso(b0), "end": iso(b1)}
    phases["capacity"]["warmup"] = "10s"
    phases["capacity"]["steps"] = [{"start": iso(s["start"]), "end": iso(s["end"]),
                                    "offered_rate": float(s["offered_rate"])} for s in journal["steps"]]
    for event in journal["events"]:
        phase = next(n for n, p in ph.items() if p["start"] <= event["start"] <= p["end"])
        item = {"kind": event["kind"], "start": iso(event["start"])}
        if event.get("end"):
            item["end"] = iso(min(event["end"], ph[phase]["end"]))
        for key in ("target", "expected", "note"):
            if event.get(key):
                item[key] = event[key]
        phases[phase].setdefault("events", []).append(item)
    return {
        "version": 1,
        "campaign": {"name": name, "client": "Lab MM2", "timezone": "Europe/Paris",
                     "language": "fr"},
        "source": {"url": state.prometheus_url, "step": f"{env.SCRAPE}s",
                   "scrape_interval": f"{env.SCRAPE}s"},
        "metrics": _metrics(state),
        "phases": phases,
        "alerts": lab_alerts(),
    }


def lab_alerts() -> dict:
    """The lab's faults last 20 to 60 s: the rule pack waits 10 s (`for:`) and is evaluated
    at every scrape."""
    from ..alerting import ALERTS

    return {"evaluation_interval": f"{env.SCRAPE}s", "pending": "10s",
            "expected_rules": list(ALERTS)}


def rule_pack(state: env.LabState, name: str = "lab") -> str:
    """The lab campaign's rule pack (it does not depend on the phases' times)."""
    from ..alerting import rules_yaml
    from ..params import validate_campaign

    now = _now()
    params = {"campaign": {"name": name, "client": "Lab MM2", "timezone": "Europe/Paris",
                           "language": "fr"},
              "source": {"url": state.prometheus_url, "step": f"{env.SCRAPE}s",
                         "scrape_interval": f"{env.SCRAPE}s"},
              "metrics": _metrics(state),
              "phases": {"smoke": {"start": iso(now), "end": iso(now + 3600)}},
              "alerts": lab_alerts()}
    return rules_yaml(validate_campaign(params))


def _metrics(state: env.LabState) -> dict:
    profile = state.profile
    metrics: dict = {
        "profile": profile,
        "source_alias": env.SOURCE_ALIAS,
        "target_alias": env.TARGET_ALIAS,
        "topics": env.TOPICS_REGEX,
        "source_exporter_selector": 'job="kafka-exporter-source"',
        "target_exporter_selector": 'job="kafka-exporter-target"',
        "mm2_selector": 'job="mm2"',
        "expected_tasks": env.expected_tasks(),
    }
    if profile != "strimzi":
        metrics["connector"] = regex_escape(state.connectors["Source"])
    return metrics


def run(directory: Path, out: Path, *, name: str = "lab", progress=print) -> Path:
    """Run the mini-campaign on the lab in ``directory``; write journal, campaign and truth
    into the new directory ``out``."""
    from . import truth

    state = env.LabState.load(directory)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=False)
    journal = Campaign(state, out, progress).run()
    state = env.LabState.load(directory)  # workers were added
    params = campaign_file(journal, state, name)
    (out / "campaign.yml").write_text(
        "# A mini-campaign run on the real MirrorMaker 2 lab (mm2report lab campaign).\n"
        + yaml.safe_dump(params, sort_keys=False, allow_unicode=True))
    progress("computing the truth from both clusters' records…")
    result = truth.compute(state, journal)
    (out / "truth.json").write_text(json.dumps(result, indent=1))
    return out
