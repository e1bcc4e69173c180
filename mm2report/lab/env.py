"""The lab's processes: two KRaft clusters, MirrorMaker 2, offsets exporters and Prometheus.

Everything listens on 127.0.0.1 on free ports, and every process is recorded in the lab's state
file (``lab.json``) with its PID and command line, so that :func:`down` (``mm2report lab down``)
stops each one by PID even from another process, and never a PID that was recycled by someone
else (the command line must still name the lab's directory).

Layout of a lab directory::

    lab.json                      state: ports, processes, profile, Kafka version, connector names
    source/ target/               broker config, data and log
    worker-1/ worker-2/ …         Connect worker config and log (dedicated mode: mm2/)
    exporter-source/ …            offsets exporter log
    prometheus/                   prometheus.yml, TSDB, log

Profiles (``--profile``) decide the JMX exporter rules, the connector names and the labels
Prometheus attaches, as each real deployment does:

* ``connect-jmx``: Connect distributed on VMs, connector ``mm2-source-connector`` (seed 000),
  workers told apart by ``instance``;
* ``strimzi``: Strimzi's rules and names: connector ``<src>-><tgt>.MirrorSourceConnector``,
  the PodMonitor's ``kubernetes_pod_name`` and ``strimzi_io_cluster`` labels on every target;
* ``dedicated``: ``connect-mirror-maker`` dedicated mode (one MirrorMaker process), connectors
  named after their class.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path

import requests

from .. import servers
from .jars import FILES, LabError, agent, fetch, kafka_version, require
from .load import QUIET

PROFILES = ("connect-jmx", "strimzi", "dedicated")
SOURCE_ALIAS, TARGET_ALIAS = "primary", "backup"
TOPICS = {"orders.v1": 3, "payments": 1}  # a dotted name on purpose: Kafka's '.'->'_' trap
TOPICS_REGEX = r"orders\.v1|payments"
TASKS_MAX = 6  # > partitions: MM2 runs min(tasks.max, partitions) = 4 tasks
BROKER_HEAP = "320m"
WORKER_HEAP = "320m"
SCRAPE = 5  # seconds, live scraping

_session = requests.Session()
_session.trust_env = False


@dataclass
class Proc:
    name: str
    pid: int
    cmd: list[str]
    log: str
    port: int | None = None  # the main port (broker, REST, exporter, Prometheus)
    metrics_port: int | None = None  # JMX exporter agent


@dataclass
class LabState:
    dir: str
    line: str
    kafka: str
    profile: str
    ports: dict[str, int] = field(default_factory=dict)
    procs: dict[str, Proc] = field(default_factory=dict)
    connectors: dict[str, str] = field(default_factory=dict)  # role -> connector name
    workers: list[str] = field(default_factory=list)  # worker process names, in start order

    @property
    def path(self) -> Path:
        return Path(self.dir)

    def save(self) -> None:
        data = asdict(self)
        tmp = self.path / "lab.json.tmp"
        tmp.write_text(json.dumps(data, indent=2))
        tmp.replace(self.path / "lab.json")

    @classmethod
    def load(cls, directory: Path) -> "LabState":
        try:
            data = json.loads((Path(directory) / "lab.json").read_text())
        except (OSError, ValueError) as exc:
            raise LabError(f"{directory}: no lab state ({exc}); start one with 'mm2report lab up'") from None
        data["procs"] = {k: Proc(**v) for k, v in data["procs"].items()}
        return cls(**data)

    @property
    def source_bootstrap(self) -> str:
        return f"127.0.0.1:{self.ports['source']}"

    @property
    def target_bootstrap(self) -> str:
        return f"127.0.0.1:{self.ports['target']}"

    @property
    def prometheus_url(self) -> str:
        return f"http://127.0.0.1:{self.ports['prometheus']}"

    def rest(self, worker: str | None = None) -> str:
        """REST URL of a live worker (the first one alive when ``worker`` is None)."""
        names = [worker] if worker else [w for w in self.workers if alive(self.procs.get(w))]
        for name in names:
            proc = self.procs.get(name)
            if proc is not None and proc.port:
                return f"http://127.0.0.1:{proc.port}"
        raise LabError("no Connect worker is running")


# --------------------------------------------------------------------------------------------
# processes
# --------------------------------------------------------------------------------------------


def alive(proc: Proc | None) -> bool:
    """``proc`` still runs, and is still ours (its command line names our log's directory)."""
    if proc is None:
        return False
    try:
        cmdline = Path(f"/proc/{proc.pid}/cmdline").read_bytes().decode(errors="replace")
    except OSError:
        return False
    try:
        if Path(f"/proc/{proc.pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z":
            return False
    except (OSError, IndexError):
        return False
    return str(Path(proc.log).parent) in cmdline or proc.cmd[-1] in cmdline


def spawn(state: LabState, name: str, cmd: list[str], *, port: int | None = None,
          metrics_port: int | None = None, cwd: Path | None = None) -> Proc:
    workdir = state.path / name
    workdir.mkdir(parents=True, exist_ok=True)
    log = workdir / "process.log"
    with open(log, "ab") as fh:
        popen = subprocess.Popen(cmd, stdout=fh, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                 cwd=cwd or workdir, start_new_session=True)
    proc = Proc(name, popen.pid, cmd, str(log), port, metrics_port)
    state.procs[name] = proc
    state.save()
    return proc


def kill(proc: Proc, sig: int = signal.SIGTERM, timeout: float = 20.0) -> None:
    """Send ``sig`` to ``proc`` and wait until it is gone (SIGKILL after ``timeout``)."""
    if not alive(proc):
        return
    try:
        os.kill(proc.pid, sig)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + timeout
    while alive(proc) and time.monotonic() < deadline:
        _reap(proc.pid)
        time.sleep(0.1)
    if alive(proc):
        os.kill(proc.pid, signal.SIGKILL)
        while alive(proc):
            _reap(proc.pid)
            time.sleep(0.05)
    _reap(proc.pid)


def _reap(pid: int) -> None:
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass


def wait_for(check, what: str, proc: Proc | None = None, timeout: float = 90.0,
             interval: float = 0.25):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and not alive(proc):
            raise LabError(f"{proc.name} exited while waiting for {what}; log:\n{_tail(proc.log)}")
        try:
            result = check()
        except Exception:  # noqa: BLE001 - not ready yet
            result = None
        if result:
            return result
        time.sleep(interval)
    raise LabError(f"timed out after {timeout:.0f} s waiting for {what}"
                   + (f"; log:\n{_tail(proc.log)}" if proc else ""))


def _tail(path: str, lines: int = 25) -> str:
    try:
        return "\n".join(Path(path).read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def _java(state: LabState, jars: Path, main: str, args: list[str], *, heap: str,
          metrics_port: int | None = None, rules: Path | None = None) -> list[str]:
    java = require("java", "openjdk-17-jre-headless")
    cmd = [java, f"-Xms{heap}", f"-Xmx{heap}", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
           "-Xss512k", "-Djava.awt.headless=true", "-Djava.net.preferIPv4Stack=true",
           f"-Dlog4j2.configurationFile={FILES / 'log4j2.properties'}",
           f"-Dlog4j.configuration=file:{FILES / 'log4j.properties'}",
           f"-Dmm2report.lab={state.dir}"]
    if metrics_port is not None:
        cmd.append(f"-javaagent:{agent(jars)}=127.0.0.1:{metrics_port}:{rules}")
    return cmd + ["-cp", f"{jars}/*", main, *args]


# --------------------------------------------------------------------------------------------
# Kafka
# --------------------------------------------------------------------------------------------


def _cluster_id() -> str:
    """A random KRaft cluster id; never one starting with '-' (1 in 64 of them), which
    kafka-storage's argument parser reads as an option (as Kafka's own Uuid.randomUuid avoids)."""
    while True:
        found = base64.urlsafe_b64encode(uuid.uuid4().bytes).rstrip(b"=").decode()
        if not found.startswith("-"):
            return found


def start_broker(state: LabState, jars: Path, role: str) -> Proc:
    """A single-node KRaft cluster (broker and controller in one JVM)."""
    port, controller = servers.free_port(), servers.free_port()
    state.ports[role] = port
    workdir = state.path / role
    workdir.mkdir(parents=True, exist_ok=True)
    props = {
        "process.roles": "broker,controller",
        "node.id": "1",
        "controller.quorum.voters": f"1@127.0.0.1:{controller}",
        "listeners": f"PLAINTEXT://127.0.0.1:{port},CONTROLLER://127.0.0.1:{controller}",
        "advertised.listeners": f"PLAINTEXT://127.0.0.1:{port}",
        "controller.listener.names": "CONTROLLER",
        "listener.security.protocol.map": "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
        "inter.broker.listener.name": "PLAINTEXT",
        "log.dirs": str(workdir / "data"),
        "num.partitions": "1",
        "offsets.topic.replication.factor": "1",
        "offsets.topic.num.partitions": "5",
        "transaction.state.log.replication.factor": "1",
        "transaction.state.log.min.isr": "1",
        "transaction.state.log.num.partitions": "5",
        "share.coordinator.state.topic.replication.factor": "1",
        "group.initial.rebalance.delay.ms": "0",
        "auto.create.topics.enable": "false",
        "log.segment.bytes": str(64 * 1024 * 1024),
        "num.network.threads": "2",
        "num.io.threads": "2",
        "background.threads": "2",
    }
    if role == "target":
        # The truth's replication latency is target append time - source create time.
        props["log.message.timestamp.type"] = "LogAppendTime"
    config = workdir / "server.properties"
    config.write_text("".join(f"{k}={v}\n" for k, v in props.items()))
    if not (workdir / "data" / "meta.properties").exists():
        done = subprocess.run(
            _java(state, jars, "kafka.tools.StorageTool",
                  ["format", "-t", _cluster_id(), "-c", str(config)], heap="128m"),
            capture_output=True, text=True)
        if done.returncode != 0:
            raise LabError(f"formatting the {role} cluster failed: {done.stderr.strip()[-800:]}")
    proc = spawn(state, role, _java(state, jars, "kafka.Kafka", [str(config)], heap=BROKER_HEAP),
                 port=port)
    return proc


def restart_broker(state: LabState, role: str) -> Proc:
    old = state.procs[role]
    proc = spawn(state, role, old.cmd, port=old.port)
    wait_broker(state, role)
    return proc


def wait_broker(state: LabState, role: str, timeout: float = 90.0) -> None:
    from confluent_kafka.admin import AdminClient

    admin = AdminClient({"bootstrap.servers": f"127.0.0.1:{state.ports[role]}"}, logger=QUIET)
    wait_for(lambda: admin.list_topics(timeout=2).brokers, f"the {role} broker",
             state.procs[role], timeout)


def create_topics(state: LabState) -> None:
    from confluent_kafka.admin import AdminClient, NewTopic

    admin = AdminClient({"bootstrap.servers": state.source_bootstrap}, logger=QUIET)
    existing = admin.list_topics(timeout=10).topics
    new = [NewTopic(t, n, 1) for t, n in TOPICS.items() if t not in existing]
    for topic, future in (admin.create_topics(new) if new else {}).items():
        future.result(timeout=30)


# --------------------------------------------------------------------------------------------
# MirrorMaker 2
# --------------------------------------------------------------------------------------------


def connector_names(profile: str) -> dict[str, str]:
    flow = f"{SOURCE_ALIAS}->{TARGET_ALIAS}"
    if profile == "strimzi":  # as Strimzi's KafkaMirrorMaker2 operator names them
        return {r: f"{flow}.Mirror{r}Connector" for r in ("Source", "Checkpoint", "Heartbeat")}
    if profile == "dedicated":  # dedicated mode names connectors after their class
        return {r: f"Mirror{r}Connector" for r in ("Source", "Checkpoint", "Heartbeat")}
    return {"Source": "mm2-source-connector", "Checkpoint": "mm2-checkpoint-connector",
            "Heartbeat": "mm2-heartbeat-connector"}


def rules_file(profile: str) -> Path:
    name = {"connect-jmx": "connect-jmx", "dedicated": "connect-jmx", "strimzi": "strimzi",
            "connect-upstream": "connect-upstream"}[profile]
    return FILES / "rules" / f"{name}.yml"


def _mirror_common(state: LabState) -> dict[str, str]:
    common = {
        "source.cluster.alias": SOURCE_ALIAS,
        "target.cluster.alias": TARGET_ALIAS,
        "source.cluster.bootstrap.servers": state.source_bootstrap,
        "target.cluster.bootstrap.servers": state.target_bootstrap,
        "key.converter": "org.apache.kafka.connect.converters.ByteArrayConverter",
        "value.converter": "org.apache.kafka.connect.converters.ByteArrayConverter",
        "replication.factor": "1",
        "offset-syncs.topic.replication.factor": "1",
        "checkpoints.topic.replication.factor": "1",
        "heartbeats.topic.replication.factor": "1",
        "sync.topic.acls.enabled": "false",
    }
    if state.line == "3":  # Kafka 3.5-3.9 tag MirrorSource metrics with `source` only on demand
        common["add.source.alias.to.metrics"] = "true"
    return common


def connector_configs(state: LabState) -> dict[str, dict[str, str]]:
    common = _mirror_common(state)
    names = state.connectors
    return {
        names["Source"]: {
            **common,
            "connector.class": "org.apache.kafka.connect.mirror.MirrorSourceConnector",
            "topics": TOPICS_REGEX,
            "tasks.max": str(TASKS_MAX),
            "refresh.topics.interval.seconds": "5",
            "sync.topic.configs.interval.seconds": "10",
            "offset.lag.max": "10",
            # keep the target's own max.message.bytes (the error scenario lowers it): the
            # default exclusions plus max.message.bytes
            "config.properties.exclude": (
                r"follower\.replication\.throttled\.replicas, leader\.replication\.throttled\.replicas, "
                r"message\.timestamp\.difference\.max\.ms, message\.timestamp\.type, "
                r"unclean\.leader\.election\.enable, min\.insync\.replicas, max\.message\.bytes"),
        },
        names["Checkpoint"]: {
            **common,
            "connector.class": "org.apache.kafka.connect.mirror.MirrorCheckpointConnector",
            "tasks.max": "1",
            "groups": ".*",
            "emit.checkpoints.interval.seconds": "5",
            "refresh.groups.interval.seconds": "10",
        },
        names["Heartbeat"]: {
            **common,
            "connector.class": "org.apache.kafka.connect.mirror.MirrorHeartbeatConnector",
            "tasks.max": "1",
            "emit.heartbeats.interval.seconds": "1",
        },
    }


def start_worker(state: LabState, jars: Path, name: str | None = None) -> Proc:
    """Start one more worker of the Connect distributed cluster (MM2 runs as its connectors)."""
    index = len(state.workers) + 1
    name = name or f"worker-{index}"
    rest = state.procs[name].port if name in state.procs else servers.free_port()
    metrics = state.procs[name].metrics_port if name in state.procs else servers.free_port()
    workdir = state.path / name
    workdir.mkdir(parents=True, exist_ok=True)
    props = {
        "bootstrap.servers": state.target_bootstrap,
        "group.id": "mm2-connect",
        "key.converter": "org.apache.kafka.connect.converters.ByteArrayConverter",
        "value.converter": "org.apache.kafka.connect.converters.ByteArrayConverter",
        "config.storage.topic": "mm2-connect-configs",
        "offset.storage.topic": "mm2-connect-offsets",
        "status.storage.topic": "mm2-connect-status",
        "config.storage.replication.factor": "1",
        "offset.storage.replication.factor": "1",
        "offset.storage.partitions": "5",
        "status.storage.replication.factor": "1",
        "status.storage.partitions": "1",
        "listeners": f"http://127.0.0.1:{rest}",
        "rest.advertised.host.name": "127.0.0.1",
        "rest.advertised.port": str(rest),
        "offset.flush.interval.ms": "2000",
        # A stopped worker's tasks move after this delay (default 5 min); the lab keeps it short
        # so that a rebalance fits the mini-campaign.
        "scheduled.rebalance.max.delay.ms": "15000",
        "task.shutdown.graceful.timeout.ms": "3000",
        "connector.client.config.override.policy": "All",
    }
    config = workdir / "worker.properties"
    config.write_text("".join(f"{k}={v}\n" for k, v in props.items()))
    # The agent reads a copy, which it reloads when it changes (lab fixtures swap the rules).
    rules = workdir / "rules.yml"
    if not rules.exists():
        rules.write_text(rules_file(state.profile).read_text())
    cmd = _java(state, jars, "org.apache.kafka.connect.cli.ConnectDistributed", [str(config)],
                heap=WORKER_HEAP, metrics_port=metrics, rules=rules)
    proc = spawn(state, name, cmd, port=rest, metrics_port=metrics)
    if name not in state.workers:
        state.workers.append(name)
    state.save()
    return proc


def wait_worker(state: LabState, name: str, timeout: float = 120.0) -> None:
    url = f"http://127.0.0.1:{state.procs[name].port}/connectors"
    wait_for(lambda: _session.get(url, timeout=2).status_code == 200, f"Connect worker {name}",
             state.procs[name], timeout)


def put_connectors(state: LabState) -> None:
    for name, config in connector_configs(state).items():
        def put(name=name, config=config):
            resp = _session.put(f"{state.rest()}/connectors/{requests.utils.quote(name, safe='')}/config",
                                json=config, timeout=10)
            return resp.status_code in (200, 201)
        wait_for(put, f"connector {name} accepted", timeout=60, interval=1.0)


def start_dedicated(state: LabState, jars: Path) -> Proc:
    """MirrorMaker 2 in dedicated mode (``connect-mirror-maker``): one process, its own herders."""
    name = "mm2"
    metrics = servers.free_port()
    workdir = state.path / name
    workdir.mkdir(parents=True, exist_ok=True)
    flow = f"{SOURCE_ALIAS}->{TARGET_ALIAS}"
    props = {
        "clusters": f"{SOURCE_ALIAS},{TARGET_ALIAS}",
        f"{SOURCE_ALIAS}.bootstrap.servers": state.source_bootstrap,
        f"{TARGET_ALIAS}.bootstrap.servers": state.target_bootstrap,
        f"{flow}.enabled": "true",
        f"{flow}.topics": TOPICS_REGEX,
        f"{TARGET_ALIAS}->{SOURCE_ALIAS}.enabled": "false",
        "tasks.max": str(TASKS_MAX),
        "replication.factor": "1",
        "checkpoints.topic.replication.factor": "1",
        "heartbeats.topic.replication.factor": "1",
        "offset-syncs.topic.replication.factor": "1",
        "offset.storage.replication.factor": "1",
        "status.storage.replication.factor": "1",
        "config.storage.replication.factor": "1",
        "sync.topic.acls.enabled": "false",
        "refresh.topics.interval.seconds": "5",
        "emit.checkpoints.interval.seconds": "5",
        "emit.heartbeats.interval.seconds": "1",
        "offset.flush.interval.ms": "2000",
        "offset.lag.max": "10",
    }
    if state.line == "3":
        props["add.source.alias.to.metrics"] = "true"
    config = workdir / "mm2.properties"
    config.write_text("".join(f"{k}={v}\n" for k, v in props.items()))
    cmd = _java(state, jars, "org.apache.kafka.connect.mirror.MirrorMaker",
                [str(config), "--clusters", TARGET_ALIAS], heap=WORKER_HEAP,
                metrics_port=metrics, rules=rules_file(state.profile))
    proc = spawn(state, name, cmd, metrics_port=metrics)
    state.workers = [name]
    state.save()
    return proc


# --------------------------------------------------------------------------------------------
# exporters and Prometheus
# --------------------------------------------------------------------------------------------


def start_exporter(state: LabState, role: str) -> Proc:
    port = servers.free_port()
    bootstrap = state.source_bootstrap if role == "source" else state.target_bootstrap
    cmd = [sys.executable, "-m", "mm2report.lab.exporter", "--bootstrap", bootstrap,
           "--port", str(port), "--lab", state.dir]
    proc = spawn(state, f"exporter-{role}", cmd, port=port)
    wait_for(lambda: _session.get(f"http://127.0.0.1:{port}/-/healthy", timeout=2).ok,
             f"the {role} offsets exporter", proc, 30)
    return proc


def worker_labels(state: LabState, name: str) -> dict[str, str]:
    """Labels Prometheus attaches to a worker's target, as each deployment's discovery does."""
    if state.profile == "strimzi":
        index = state.workers.index(name) if name in state.workers else 0
        return {"kubernetes_pod_name": f"mm2-mirrormaker2-{index}", "strimzi_io_cluster": "mm2",
                "strimzi_io_kind": "KafkaMirrorMaker2", "namespace": "lab"}
    return {}


def prometheus_config(state: LabState) -> str:
    jobs = []
    workers = [{"targets": [f"127.0.0.1:{state.procs[w].metrics_port}"],
                "labels": worker_labels(state, w)} for w in state.workers]
    jobs.append({"job_name": "mm2", "static_configs": workers})
    for role in ("source", "target"):
        proc = state.procs.get(f"exporter-{role}")
        if proc is not None:
            jobs.append({"job_name": f"kafka-exporter-{role}",
                         "static_configs": [{"targets": [f"127.0.0.1:{proc.port}"]}]})
    config = {"global": {"scrape_interval": f"{SCRAPE}s", "scrape_timeout": f"{SCRAPE - 1}s",
                         "evaluation_interval": f"{SCRAPE}s"},
              "scrape_configs": jobs}
    rules = state.path / "prometheus" / RULES_FILE
    if rules.exists():  # the campaign's rule pack (mm2report.alerting), loaded by the campaign
        config["rule_files"] = [str(rules)]
    if "alertmanager" in state.ports:
        config["alerting"] = {"alertmanagers": [{"static_configs": [
            {"targets": [f"127.0.0.1:{state.ports['alertmanager']}"]}]}]}
    return json.dumps(config, indent=1)  # JSON is YAML


RULES_FILE = "mm2-alerts.yml"


def start_alertmanager(state: LabState, webhook_url: str | None) -> Proc:
    """Alertmanager on 127.0.0.1 (clustering off), routing every alert of the lab's Prometheus
    to ``webhook_url`` (or to no receiver)."""
    binary = shutil.which("prometheus-alertmanager") or shutil.which("alertmanager")
    if binary is None:
        raise LabError("Alertmanager is not installed; on Debian: apt-get install "
                       "--no-install-recommends prometheus-alertmanager")
    port = servers.free_port()
    state.ports["alertmanager"] = port
    workdir = state.path / "alertmanager"
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "alertmanager.yml").write_text(servers.alertmanager_config(webhook_url))
    cmd = [binary, f"--config.file={workdir / 'alertmanager.yml'}",
           f"--storage.path={workdir / 'data'}", f"--web.listen-address=127.0.0.1:{port}",
           "--cluster.listen-address="]
    proc = spawn(state, "alertmanager", cmd, port=port)
    wait_for(lambda: _session.get(f"http://127.0.0.1:{port}/-/ready", timeout=2).ok,
             "Alertmanager", proc, 30)
    return proc


def load_rules(state: LabState, text: str) -> None:
    """Write the rule pack where the lab's Prometheus reads it and reload Prometheus."""
    (state.path / "prometheus" / RULES_FILE).write_text(text)
    reload_prometheus(state)


def start_prometheus(state: LabState) -> Proc:
    binary = servers.require_binary("prometheus")
    port = servers.free_port()
    state.ports["prometheus"] = port
    workdir = state.path / "prometheus"
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "prometheus.yml").write_text(prometheus_config(state))
    cmd = [binary, f"--config.file={workdir / 'prometheus.yml'}",
           f"--storage.tsdb.path={workdir / 'data'}", "--storage.tsdb.retention.time=30d",
           f"--web.listen-address=127.0.0.1:{port}", "--web.enable-lifecycle"]
    proc = spawn(state, "prometheus", cmd, port=port)
    wait_for(lambda: _session.get(f"{state.prometheus_url}/-/ready", timeout=2).ok,
             "Prometheus", proc, 60)
    return proc


def reload_prometheus(state: LabState) -> None:
    (state.path / "prometheus" / "prometheus.yml").write_text(prometheus_config(state))
    _session.post(f"{state.prometheus_url}/-/reload", timeout=10).raise_for_status()


# --------------------------------------------------------------------------------------------
# up / down
# --------------------------------------------------------------------------------------------


def up(directory: Path, *, line: str = "4", profile: str = "connect-jmx", workers: int = 2,
       progress=print, alert_webhook: str | None = None) -> LabState:
    """Start the whole lab in ``directory`` (which must not hold a running lab); with
    ``alert_webhook``, also an Alertmanager routing the lab's alerts to that URL."""
    if profile not in PROFILES:
        raise LabError(f"unknown lab profile {profile!r}; known: {', '.join(PROFILES)}")
    directory = Path(directory).resolve()
    if (directory / "lab.json").exists():
        old = LabState.load(directory)
        if any(alive(p) for p in old.procs.values()):
            raise LabError(f"{directory}: a lab is already running there; 'mm2report lab down' first")
        # a stopped lab is kept, renamed aside, never overwritten
        stamp = time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())
        aside = next(p for p in (directory.with_name(f"{directory.name}-{stamp}" + (f"-{i}" if i else ""))
                                 for i in range(1000)) if not p.exists())
        directory.rename(aside)
        progress(f"the earlier lab in {directory} was moved to {aside}")
    servers.require_binary("prometheus")
    progress(f"fetching the Kafka {line} jars (Maven Central, cached)…")
    jars = fetch(line)
    directory.mkdir(parents=True, exist_ok=True)
    state = LabState(str(directory), line, kafka_version(jars), profile)
    state.connectors = connector_names(profile)
    state.save()
    try:
        progress(f"starting two KRaft clusters (Kafka {state.kafka})…")
        start_broker(state, jars, "source")
        start_broker(state, jars, "target")
        wait_broker(state, "source")
        wait_broker(state, "target")
        create_topics(state)
        progress("starting the offsets exporters…")
        start_exporter(state, "source")
        start_exporter(state, "target")
        if profile == "dedicated":
            progress("starting MirrorMaker 2 in dedicated mode…")
            start_dedicated(state, jars)
        else:
            progress(f"starting {workers} Connect workers…")
            for _ in range(workers):
                start_worker(state, jars)
            for name in state.workers:
                wait_worker(state, name)
            put_connectors(state)
        if alert_webhook is not None:
            progress("starting Alertmanager…")
            start_alertmanager(state, alert_webhook)
        progress("starting Prometheus (live scraping every 5 s)…")
        start_prometheus(state)
        wait_tasks(state)
    except BaseException:
        down(directory, quiet=True)
        raise
    return state


def jars_of(state: LabState) -> Path:
    return fetch(state.line)


def task_states(state: LabState) -> tuple[str, list[str]] | None:
    """(connector state, task states) of the source connector, from the REST API."""
    if state.profile == "dedicated":
        return None
    name = requests.utils.quote(state.connectors["Source"], safe="")
    resp = _session.get(f"{state.rest()}/connectors/{name}/status", timeout=3)
    if resp.status_code != 200:
        return None
    body = resp.json()
    return body["connector"]["state"], [t["state"] for t in body.get("tasks", [])]


def expected_tasks() -> int:
    return min(TASKS_MAX, sum(TOPICS.values()))


def wait_tasks(state: LabState, timeout: float = 120.0) -> None:
    """Until the source connector runs all its tasks (dedicated mode: until MirrorSource
    metrics appear on the agent)."""
    if state.profile == "dedicated":
        port = state.procs["mm2"].metrics_port
        wait_for(lambda: "mirrorsourceconnector_record_count" in
                 _session.get(f"http://127.0.0.1:{port}/metrics", timeout=3).text,
                 "MirrorSource metrics of the dedicated MirrorMaker", state.procs["mm2"], timeout)
        return

    def ready():
        st = task_states(state)
        return st and st[0] == "RUNNING" and len(st[1]) == expected_tasks() and \
            all(s == "RUNNING" for s in st[1])
    wait_for(ready, "all MirrorSource tasks RUNNING", timeout=timeout, interval=1.0)


def down(directory: Path, *, quiet: bool = False) -> list[str]:
    """Stop every process of the lab in ``directory`` by PID; returns their names."""
    state = LabState.load(directory)
    stopped = []
    order = ["prometheus"] + [n for n in state.procs if n.startswith(("worker", "mm2"))] + \
        [n for n in state.procs if n.startswith("exporter")] + ["source", "target"]
    for name in dict.fromkeys(order + list(state.procs)):
        proc = state.procs.get(name)
        if proc is not None and alive(proc):
            kill(proc)
            stopped.append(name)
    return stopped
