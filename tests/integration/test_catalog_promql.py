"""Every catalog query is valid PromQL for a real Prometheus, and means what the catalog says.

Validity: each rendered query is sent to an empty Prometheus; the answer must be ``success``, not
``bad_data``. Quoting and regex escaping are checked by Prometheus itself (Go string unquoting,
RE2 with full anchoring) through ``label_replace`` on a constant vector. Meaning: on the small
hand-checked data set (tests/datasets.py), queries give the values stated there.
"""

from __future__ import annotations

import copy
import json
import math
import re

import pytest
import requests

import datasets
from conftest import require_binaries
from mm2report import catalog, servers
from mm2report.params import validate_campaign
from mm2report.promql import quote, regex_escape

pytestmark = pytest.mark.integration

FLAVOURS = ("strimzi-jmx", "strimzi-metrics-reporter")

PLAIN = {
    "campaign": {"name": "cat", "client": "ACME"},
    "source": {"url": "http://127.0.0.1:9090"},
    "metrics": {
        **datasets.TWO_TOPICS_METRICS,
        "probe": {"histogram": "mm2_probe_latency_seconds", "loss_counter": "mm2_probe_lost_total"},
    },
    "phases": {"nominal": {"start": "2026-11-16T16:00:00Z", "end": "2026-11-16T18:00:00Z"}},
}

# Everything a user may legitimately write that needs quoting or escaping.
TRICKY_METRICS = {
    "source_alias": "dc-1.eu",
    "target_alias": "dc_2",
    "replication_policy": "default",
    "topics": r'orders\.v[0-9]+|pay"ments|a\\b',
    "connector": r'(?:dc-1\.eu->dc_2)\.MirrorSourceConnector|"quoted"',
    "mm2_selector": r'namespace="ka\"fka", pod=~"mm2-\\d+", note="multi\nline"',
    "source_exporter_selector": r"job='exp \"src\"'",
    "target_exporter_selector": r'job="exp\\tgt"',
    "probe": {"histogram": "mm2_probe_latency_seconds", "loss_counter": "mm2_probe_lost_total",
              "selector": r'job="probe", path=~"C:\\\\tmp\\\\.*"'},
    "overrides": {
        "record_count": {"name": "mm2:record_count", "selector": r'env!="te\"st", dc!~"us-.*"'},
        "jvm_heap_used": {"selector": 'pool=~"G1 .*"'},
    },
}


def _campaign(flavour: str, tricky: bool, policy: str = "default"):
    data = copy.deepcopy(PLAIN)
    if tricky:
        data["metrics"].update(copy.deepcopy(TRICKY_METRICS))
    data["metrics"]["flavour"] = flavour
    data["metrics"]["replication_policy"] = policy
    return validate_campaign(data)


@pytest.fixture(scope="module")
def empty_prometheus(tmp_path_factory):
    require_binaries("prometheus", "promtool")
    server = servers.start_prometheus(workdir=tmp_path_factory.mktemp("prom-empty"))
    yield server
    server.stop()


@pytest.fixture(scope="module")
def http():
    session = requests.Session()
    session.trust_env = False
    yield session
    session.close()


def _query(http, server, promql: str, at: float | None = None) -> dict:
    params = {"query": promql}
    if at is not None:
        params["time"] = str(at)
    resp = http.get(f"{server.url}/api/v1/query", params=params, timeout=30)
    body = resp.json()
    return body


def test_the_checker_can_fail(empty_prometheus, http):
    """Negative control: broken PromQL is reported as bad_data."""
    for broken in ('sum(foo{a="x"}', 'foo{a="x\\q"}', "irate(foo[45])", 'foo{a=~"("}'):
        body = _query(http, empty_prometheus, broken)
        assert body["status"] == "error" and body["errorType"] == "bad_data", broken


@pytest.mark.parametrize("policy", ["default", "identity"])
@pytest.mark.parametrize("tricky", [False, True], ids=["plain", "tricky"])
@pytest.mark.parametrize("flavour", FLAVOURS)
def test_every_rendered_query_is_valid_promql(empty_prometheus, http, flavour, tricky, policy):
    campaign = _campaign(flavour, tricky, policy)
    problems = []
    for name in catalog.QUERIES:
        variants = [catalog.render(name, campaign)]
        if catalog.QUERIES[name].optional:
            variants += [catalog.render(name, campaign, range_=r) for r in ("7200s", "2h", "1h30m")]
        for promql in variants:
            body = _query(http, empty_prometheus, promql)
            if body.get("status") != "success":
                problems.append((name, promql, body.get("errorType"), body.get("error")))
    assert not problems, problems


def test_probe_with_empty_selector_is_valid(empty_prometheus, http):
    data = copy.deepcopy(PLAIN)
    data["metrics"]["probe"] = {"histogram": "mm2_probe_latency_seconds",
                                "loss_counter": "mm2_probe_lost_total"}
    campaign = validate_campaign(data)
    for name in ("probe_latency_buckets", "probe_lost"):
        body = _query(http, empty_prometheus, catalog.render(name, campaign, range_="3600s"))
        assert body["status"] == "success", body


VALUES = ['say "hi"', "C:\\dir\\file", "line1\nline2", "tab\there", "a'b", "é ü 中文", "",
          'mix "\\"\n\t end', "cr\rhere", "}{,=~"]


@pytest.mark.parametrize("value", VALUES)
def test_quote_is_unquoted_by_prometheus_to_the_same_value(empty_prometheus, http, value):
    # label_replace with an empty regex on a missing label sets the label to the replacement.
    body = _query(http, empty_prometheus, f'label_replace(vector(1), "v", {quote(value)}, "", "")')
    assert body["status"] == "success", body
    (sample,) = body["data"]["result"]
    assert sample["metric"].get("v", "") == value


def matcher_values(promql: str, label: str, op: str) -> list[str]:
    """Decoded values of ``label op "..."`` in ``promql`` (JSON string rules, not our parser)."""
    pattern = r"(?<![A-Za-z0-9_])" + re.escape(label) + r"\s*" + re.escape(op) + r'\s*("(?:[^"\\]|\\.)*")'
    found = [json.loads(m.group(1), strict=False) for m in re.finditer(pattern, promql)]
    return list(dict.fromkeys(found))  # the lag queries name their selector twice


def _re2_fullmatch(http, server, regex: str, value: str) -> bool:
    """Does Prometheus' (anchored RE2) matcher accept ``value`` for ``regex``?"""
    replacement = value.replace("$", "$$")  # label_replace expands $ in its replacement
    inner = f'label_replace(vector(1), "src", {quote(replacement)}, "", "")'
    body = _query(http, server, f'label_replace({inner}, "hit", "yes", "src", {quote(regex)})')
    assert body["status"] == "success", body
    (sample,) = body["data"]["result"]
    assert sample["metric"]["src"] == value
    return sample["metric"].get("hit") == "yes"


@pytest.mark.parametrize("text,other", [
    ("primary.orders", "primaryXorders"),
    ("a.b+c*d?e(f)g|h[i]j{k}l^m$n\\o", "a.b+c*d?e(f)g|h[i]j{k}l^m$nXo"),
    ("x|y", "x"),
    ("[a-z]", "b"),
    ("a{2}", "aa"),
    ("dc-1.eu->dc_2", "dc-1Xeu->dc_2"),
])
def test_regex_escape_is_literal_in_re2(empty_prometheus, http, text, other):
    escaped = regex_escape(text)
    assert _re2_fullmatch(http, empty_prometheus, escaped, text)
    assert not _re2_fullmatch(http, empty_prometheus, escaped, other)


def test_catalog_regexes_mean_the_same_in_re2(empty_prometheus, http):
    """The topic, connector and client regexes of a rendered query, run by Prometheus."""
    campaign = _campaign("strimzi-jmx", tricky=True)
    (topic,) = matcher_values(catalog.render("replicated_rate", campaign), "topic", "=~")
    assert _re2_fullmatch(http, empty_prometheus, topic, "dc-1.eu.orders.v12")
    assert _re2_fullmatch(http, empty_prometheus, topic, 'dc-1.eu.pay"ments')
    assert _re2_fullmatch(http, empty_prometheus, topic, "dc-1.eu.a\\b")
    assert not _re2_fullmatch(http, empty_prometheus, topic, "dc-1Xeu.orders.v12")
    assert not _re2_fullmatch(http, empty_prometheus, topic, "orders.v12")
    (connector,) = matcher_values(catalog.render("tasks_running", campaign), "connector", "=~")
    assert _re2_fullmatch(http, empty_prometheus, connector, '"dc-1.eu->dc_2.MirrorSourceConnector"')
    assert not _re2_fullmatch(http, empty_prometheus, connector, '"dc_2->dc-1.eu.MirrorSourceConnector"')
    (client,) = matcher_values(catalog.render("consumer_lag", campaign), "clientid", "=~")
    assert _re2_fullmatch(
        http, empty_prometheus, client,
        '"dc-1.eu->dc_2|dc-1.eu->dc_2.MirrorSourceConnector-3|replication-consumer"')
    assert not _re2_fullmatch(
        http, empty_prometheus, client,
        '"dc_2->dc-1.eu|dc_2->dc-1.eu.MirrorSourceConnector-3|replication-consumer"')
    # a user-set client.id is prefixed (Kafka's MirrorConnectorConfig.addClientId)
    assert _re2_fullmatch(
        http, empty_prometheus, client,
        '"mm2.prod-1|dc-1.eu->dc_2|dc-1.eu->dc_2.MirrorSourceConnector-3|replication-consumer"')


# ------------------------------------------------------------------------------------------
# Meaning, on the hand-checked data set
# ------------------------------------------------------------------------------------------


EXPECTED = [
    ("replicated_rate", datasets.EXPECTED_RATE),
    ("offered_rate", datasets.EXPECTED_RATE),
    ("target_rate", datasets.EXPECTED_RATE),
    ("latency_max", datasets.EXPECTED_LATENCY_MAX),
    ("latency_avg", datasets.EXPECTED_LATENCY_AVG),
    ("consumer_lag", datasets.EXPECTED_BACKLOG),
    ("consumer_lag_max", datasets.LAG_PER_PARTITION),
    ("workers", 2.0),
    ("rebalancing", 0.0),
    pytest.param("tasks_running", datasets.EXPECTED_TASKS),
    pytest.param("tasks_total", datasets.EXPECTED_TASKS),
]


@pytest.mark.parametrize("name,expected", EXPECTED)
def test_aggregates_on_the_small_data_set(prometheus_small, http, name, expected):
    campaign = validate_campaign(datasets.campaign_dict(url=prometheus_small.url))
    promql = catalog.render(name, campaign)
    # One hour in, before the task move; and one hour after the move.
    for at in (datasets.START + 3600, datasets.MOVE_AT + 3600):
        body = _query(http, prometheus_small, promql, at)
        assert body["status"] == "success", body
        result = body["data"]["result"]
        assert len(result) == 1, (name, result)
        value = float(result[0]["value"][1])
        assert not math.isnan(value), (name, promql)
        assert value == pytest.approx(expected, rel=1e-9), (name, at, promql)


def test_source_offsets_per_partition_on_the_small_data_set(prometheus_small, http):
    campaign = validate_campaign(datasets.campaign_dict(url=prometheus_small.url))
    at = datasets.START + 3600
    for name, topic, offset in (("source_offsets", "orders", 1000.0),
                                ("target_offsets", "primary.orders", 0.0)):
        body = _query(http, prometheus_small, catalog.render(name, campaign), at)
        got = {(r["metric"]["topic"], r["metric"]["partition"]): float(r["value"][1])
               for r in body["data"]["result"]}
        expected_value = offset + datasets.RATE_PER_PARTITION * 3600
        assert got == {(topic, str(p)): expected_value for p in range(datasets.PARTITIONS)}, name


# ------------------------------------------------------------------------------------------
# A campaign that validates must render PromQL the server accepts
# ------------------------------------------------------------------------------------------



@pytest.mark.parametrize("field,value,query", [
    pytest.param("topics", "(?!internal).*", "replicated_rate"),
    pytest.param("topics", r"(orders)\1", "offered_rate"),
    pytest.param("mm2_selector", 'pod=~"(?<=mm2-)\\\\d+"', "up"),
    pytest.param("connector", r"(?=primary).*MirrorSourceConnector", "tasks_running",
                 ),
    ("topics", "orders|payments|audit-.*", "replicated_rate"),  # control: plain RE2 is fine
])
def test_valid_campaign_renders_promql_the_server_accepts(empty_prometheus, http, field, value, query):
    from mm2report.errors import ParameterError

    data = copy.deepcopy(PLAIN)
    data["metrics"][field] = value
    try:
        campaign = validate_campaign(data)
    except ParameterError:
        return  # refusing the parameter file is a correct answer too
    body = _query(http, empty_prometheus, catalog.render(query, campaign))
    assert body["status"] == "success", body
