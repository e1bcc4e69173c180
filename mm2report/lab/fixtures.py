"""Real expositions of the lab, trimmed to what the catalog reads, as test fixtures.

``mm2report lab fixtures --dir LAB --out DIR`` runs on a lab in Connect distributed mode. For each
rule set (``connect-jmx``, ``strimzi``, and ``connect-upstream``: jmx_exporter's Kafka Connect
example without a ``kafka.connect.mirror`` rule), it swaps the workers' rules (the agent
reloads a changed file), names the connectors as that deployment does, keeps a light load
running, and scrapes every worker and both offsets exporters four times, 5 s apart. It writes
``<rules>-kafka-<version>.om``: OpenMetrics with the scrape times, the ``job``/``instance`` labels
(and Strimzi's PodMonitor labels) Prometheus would attach, and an ``up`` sample per scrape, so a
test can backfill it into a real Prometheus and run every catalog query of that profile over it,
without Java.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import requests

from ..catalog import METRICS
from ..openmetrics import OpenMetricsWriter
from . import env
from .load import Load

RULE_SETS = ("connect-jmx", "strimzi", "connect-upstream")
SCRAPES = 4
_LINE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})?\s+(\S+)(?:\s+\d+)?$")
_LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def _unescape(value: str) -> str:
    return re.sub(r"\\(.)", lambda m: {"n": "\n"}.get(m.group(1), m.group(1)), value)


def parse(text: str) -> list[tuple[str, dict[str, str], float]]:
    """The samples of a Prometheus text exposition."""
    out = []
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = _LINE.match(line)
        if m is None:
            continue
        labels = {k: _unescape(v) for k, v in _LABEL.findall(m.group(2) or "")}
        out.append((m.group(1), labels, float(m.group(3))))
    return out


def catalog_families() -> set[str]:
    names = {n for m in METRICS.values() for n in m.names.values()}
    names |= {"jvm_memory_bytes_used", "kafka_connect_worker_rebalance_completed_rebalances_total"}
    return names - {"up", "probe_ssl_earliest_cert_expiry"}


def record(directory: Path, out: Path, progress=print) -> list[Path]:
    state = env.LabState.load(directory)
    if state.profile == "dedicated":
        raise env.LabError("fixtures are recorded on a Connect distributed lab (not dedicated)")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    partitions = [(t, p) for t, n in env.TOPICS.items() for p in range(n)]
    load = Load(state.source_bootstrap, partitions, size=200)
    load.set_rate(200)
    load.start()
    written = []
    try:
        for rules in RULE_SETS:
            progress(f"  rules {rules}")
            profile = "strimzi" if rules == "strimzi" else "connect-jmx"
            _rename_connectors(state, profile)
            for w in state.workers:
                if env.alive(state.procs.get(w)):
                    (state.path / w / "rules.yml").write_text(env.rules_file(rules).read_text())
            env.wait_tasks(state)
            time.sleep(12)  # windowed stats fill, the reloaded rules apply
            path = out / f"{rules}-kafka-{state.kafka}.om"
            _scrape(state, profile, path)
            written.append(path)
    finally:
        load.set_rate(0)
        load.stop()
        # leave the lab as it was: its own profile's rules and connector names
        for w in state.workers:
            if env.alive(state.procs.get(w)):
                (state.path / w / "rules.yml").write_text(env.rules_file(state.profile).read_text())
        _rename_connectors(state, state.profile)
        env.wait_tasks(state)
    return written


def _rename_connectors(state: env.LabState, profile: str) -> None:
    names = env.connector_names(profile)
    if names == state.connectors:
        return
    session = requests.Session()
    session.trust_env = False
    for old in state.connectors.values():
        session.delete(f"{state.rest()}/connectors/{requests.utils.quote(old, safe='')}", timeout=10)
    state.connectors = names
    state.save()
    env.put_connectors(state)


def _scrape(state: env.LabState, profile: str, path: Path) -> None:
    session = requests.Session()
    session.trust_env = False
    keep = catalog_families()
    targets = []
    for w in state.workers:
        proc = state.procs.get(w)
        if env.alive(proc):
            labels = {"job": "mm2", "instance": f"127.0.0.1:{proc.metrics_port}"}
            if profile == "strimzi":
                labels |= env.worker_labels(state, w)
            targets.append((f"http://127.0.0.1:{proc.metrics_port}/metrics", labels))
    for role in ("source", "target"):
        proc = state.procs[f"exporter-{role}"]
        targets.append((f"http://127.0.0.1:{proc.port}/metrics",
                        {"job": f"kafka-exporter-{role}", "instance": f"127.0.0.1:{proc.port}"}))
    series: dict[tuple[str, tuple], list[tuple[float, float]]] = {}
    for i in range(SCRAPES):
        t = round(time.time(), 3)
        for url, target_labels in targets:
            body = session.get(url, timeout=10).text
            series.setdefault(("up", tuple(sorted(target_labels.items()))), []).append((t, 1.0))
            for name, labels, value in parse(body):
                if name in keep:
                    key = (name, tuple(sorted((labels | target_labels).items())))
                    series.setdefault(key, []).append((t, value))
        if i < SCRAPES - 1:
            time.sleep(env.SCRAPE)
    with open(path, "w") as fh:
        om = OpenMetricsWriter(fh)
        for name in sorted({n for n, _ in series}):
            om.family(name, "gauge")
            for (n, labels), samples in sorted(series.items()):
                if n == name:
                    om.series(name, dict(labels), [s[0] for s in samples], [s[1] for s in samples])
        om.close()
    meta = {"kafka": state.kafka, "rules": path.stem.split("-kafka-")[0], "profile": profile,
            "connector": state.connectors["Source"], "scrapes": SCRAPES,
            "first": min(s[0][0] for s in series.values()),
            "last": max(s[-1][0] for s in series.values())}
    path.with_suffix(".json").write_text(json.dumps(meta, indent=1) + "\n")
