"""Every catalog query of each profile over real expositions of a real MirrorMaker 2.

The fixtures under tests/fixtures/lab/ were scraped from the lab (``mm2report lab fixtures``):
Kafka 3.9.2 and 4.3.1, MM2 as connectors of a Connect distributed cluster, with the rule sets
``connect-jmx`` (jmx_exporter's Kafka Connect example plus a kafka.connect.mirror rule),
``strimzi`` (Strimzi's rules and connector names) and ``connect-upstream`` (the example alone).
Each is backfilled into a real Prometheus and queried through mm2report's own source: no Java
is needed. The numbers a query must give are recomputed here from the raw samples, apart from
the catalog's PromQL.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import pytest

from conftest import require_binaries
from mm2report import catalog, servers
from mm2report.lab.fixtures import parse
from mm2report.params import validate_campaign
from mm2report.sources.prometheus import PrometheusSource

pytestmark = pytest.mark.integration

FIXTURES = Path(__file__).parents[1] / "fixtures" / "lab"
CASES = sorted(p.stem for p in FIXTURES.glob("*.om"))
SOURCE_TOPICS = {"orders.v1", "payments"}
EXPECTED_TASKS = 4  # tasks.max 6 over 4 partitions: min(tasks.max, partitions)
MIRROR_QUERIES = ("replicated_rate", "replicated_rate_by_topic", "latency_max", "latency_avg",
                  "record_age_max")
# no certificate in the lab; Connect's rebalance time reads NaN a minute after a rebalance
NEVER_IN_FIXTURE = {"cert_expiry", "cert_expiry_by_target", "rebalance_max_time",
                    "probe_latency_buckets", "probe_lost"}


def test_fixtures_cover_both_kafka_lines_and_every_rule_set():
    kafkas = {c.split("-kafka-")[1].split(".")[0] for c in CASES}
    rules = {c.split("-kafka-")[0] for c in CASES}
    assert kafkas == {"3", "4"}, CASES
    assert rules == {"connect-jmx", "strimzi", "connect-upstream"}, CASES


def _at(meta) -> int:
    """The instant the tests read: mm2report aligns instants down to the 5 s step."""
    return int(meta["last"]) // 5 * 5


def _samples(case: str, meta) -> list:
    """The raw samples Prometheus holds at :func:`_at`: the last scrape at or before it."""
    lines = [ln for ln in (FIXTURES / f"{case}.om").read_text().splitlines()
             if ln and not ln.startswith("#")]
    scrape = max(float(ln.rsplit(" ", 1)[1]) for ln in lines if float(ln.rsplit(" ", 1)[1]) <= _at(meta))
    rows = []
    for line in lines:
        name_labels, value, ts = line.rsplit(" ", 2)
        if abs(float(ts) - scrape) < 0.01:
            rows += [(n, lab, float(value)) for n, lab, _ in parse(f"{name_labels} {value}")]
    return rows


UPSTREAM = [c for c in CASES if c.startswith("connect-upstream-")]


@pytest.fixture(scope="module")
def servers_by_case(tmp_path_factory):
    started = {}
    yield lambda case: started.get(case) or started.setdefault(
        case, _serve(case, tmp_path_factory))
    for *_, server in started.values():
        server.stop()


@pytest.fixture
def fixture_server(request, servers_by_case):
    return servers_by_case(request.param)[:4]


def _serve(case, tmp_path_factory):
    require_binaries("prometheus", "promtool")
    meta = json.loads((FIXTURES / f"{case}.json").read_text())
    server = servers.start_prometheus(FIXTURES / f"{case}.om",
                                      workdir=tmp_path_factory.mktemp(case), lookback_delta="20s")
    start = datetime.fromtimestamp(int(meta["first"]) - 10, timezone.utc)
    end = datetime.fromtimestamp(int(meta["last"]) + 1, timezone.utc)
    params = {
        "version": 1,
        "campaign": {"name": "fixture", "client": "lab"},
        "source": {"url": server.url, "step": "5s", "scrape_interval": "5s"},
        "metrics": {"profile": meta["profile"], "source_alias": "primary", "target_alias": "backup",
                    "topics": r"orders\.v1|payments", "mm2_selector": 'job="mm2"',
                    "source_exporter_selector": 'job="kafka-exporter-source"',
                    "target_exporter_selector": 'job="kafka-exporter-target"'},
        "phases": {"smoke": {"start": start.isoformat(), "end": end.isoformat()}},
    }
    if meta["profile"] != "strimzi":
        params["metrics"]["connector"] = "mm2-source-connector"
    campaign = validate_campaign(params)
    return case, meta, campaign, PrometheusSource(campaign), server


def _value(source, name, meta):
    return source.instant(name, datetime.fromtimestamp(_at(meta), timezone.utc)).frame


@pytest.mark.parametrize("fixture_server", CASES, indirect=True)
def test_every_catalog_query_has_data_on_a_real_exposition(fixture_server):
    case, meta, campaign, source = fixture_server
    upstream = meta["rules"] == "connect-upstream"
    empty = []
    for name in catalog.needed_queries(campaign):
        if name in NEVER_IN_FIXTURE or (upstream and name in MIRROR_QUERIES):
            continue
        frame = _value(source, name, meta)
        if frame.shape[1] == 0 or not frame.notna().to_numpy().any():
            empty.append(name)
    assert not empty, f"{case}: no data for {empty}"


@pytest.mark.parametrize("fixture_server", CASES, indirect=True)
def test_task_and_worker_counts(fixture_server):
    case, meta, campaign, source = fixture_server
    for name, want in (("tasks_running", EXPECTED_TASKS), ("tasks_total", EXPECTED_TASKS),
                       ("tasks_failed", 0), ("workers", 2)):
        frame = _value(source, name, meta)
        assert frame.iloc[-1, 0] == want, (case, name, frame)


@pytest.mark.parametrize("fixture_server", CASES, indirect=True)
def test_consumer_lag_counts_each_partition_once(fixture_server):
    """records-lag-max exported under records_lag (jmx_exporter's ^.*(?:…).*$ wrapping) and
    Kafka's '_' twin of a dotted topic are both in the real exposition; the lag is the real
    records-lag of each source partition, once."""
    case, meta, campaign, source = fixture_server
    rows = [(lab, v) for n, lab, v in _samples(case, meta)
            if n == "kafka_consumer_fetch_manager_records_lag"
            and "replication-consumer" in lab.get("clientid", lab.get("clientId", ""))]
    # Kafka 4.x tags both spellings, 3.x only the '_' one: both carry the same reading
    spelled = {lab["topic"] for lab, _ in rows}
    assert "orders_v1" in spelled, spelled
    assert ("orders.v1" in spelled) == meta["kafka"].startswith("4."), spelled
    real = [(lab, v) for lab, v in rows
            if lab.get("_objectname", "<>records-lag").endswith("<>records-lag")]
    by_partition = {}
    for lab, v in real:
        name = lab["topic"].replace("_", ".") if lab["topic"] == "orders_v1" else lab["topic"]
        if name in SOURCE_TOPICS:
            by_partition[(name, lab["partition"])] = v
    genuine = list(by_partition.values())
    assert len(genuine) == 4, (case, by_partition)
    frame = _value(source, "consumer_lag_max", meta)
    assert frame.iloc[-1, 0] == pytest.approx(max(genuine)), case
    # the backlog: that lag plus each running task's real source-record-active-count (its
    # -avg and -max twins carry the same name under these rules)
    active = [v for n, lab, v in _samples(case, meta)
              if n == "kafka_connect_source_task_source_record_active_count"
              and lab["connector"].strip('"') == meta["connector"]
              and lab.get("_objectname", "<>source-record-active-count").endswith("<>source-record-active-count")]
    assert len(active) == EXPECTED_TASKS, (case, active)
    frame = _value(source, "consumer_lag", meta)
    assert frame.iloc[-1, 0] == pytest.approx(sum(genuine) + sum(active)), case
    per = _value(source, "consumer_lag_by_partition", meta)
    assert per.shape[1] == 4, (case, list(per.columns))


@pytest.mark.parametrize("fixture_server", UPSTREAM, indirect=True)
def test_upstream_rules_export_no_mirror_series(fixture_server):
    """jmx_exporter's Kafka Connect example has no kafka.connect.mirror rule: a Connect cluster
    running MM2 with it exports tasks but no MirrorSource series (the replicated rate, the
    latency and the record age cannot be measured: INCONCLUSIVE, never zero)."""
    case, meta, campaign, source = fixture_server
    for name in MIRROR_QUERIES:
        frame = _value(source, name, meta)
        assert frame.shape[1] == 0 or not frame.notna().to_numpy().any(), (case, name)
