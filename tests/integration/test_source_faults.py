"""Hostile servers: a total deadline per request, a bound on a whole fetch, a cap on the bytes
read per answer, and errors that name URL, PromQL and range (issue 13, section 2).

Faults come from the scripted proxy of ``helpers.py`` in front of a real Prometheus (the proxy
forwards whatever it has not been told to break).
"""

from __future__ import annotations

import json
import time
from datetime import datetime, timezone

import pytest

import datasets
from mm2report.errors import SourceError
from mm2report.params import validate_campaign
from mm2report.sources.prometheus import PrometheusClient, PrometheusSource

from .helpers import Fault, fresh_proxy, proxy  # noqa: F401 (fixtures)

pytestmark = pytest.mark.integration

STEP = datasets.STEP
T0 = datetime.fromtimestamp(datasets.START, tz=timezone.utc)
T1 = datetime.fromtimestamp(datasets.END, tz=timezone.utc)
TASKS_BOTH = ('{__name__=~"kafka_connect_worker_connector_(running|total)_task_count", '
              'instance="w1"}')
OK_BODY = json.dumps({"status": "success",
                      "data": {"resultType": "vector", "result": []}}).encode()


# --------------------------------------------------------------------------------------------
# Total deadline per request, and a bound on everything a source does
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("drip_all", [False, True], ids=["body", "status-line-and-headers"])
def test_a_server_dripping_one_byte_every_2_s_times_out_at_the_total_deadline(fresh_proxy,
                                                                               drip_all):
    # each byte arrives well within the read timeout: only a total deadline stops this
    fresh_proxy.always = Fault(200, OK_BODY, (("Content-Type", "application/json"),),
                               drip=2.0, drip_all=drip_all)
    client = PrometheusClient(fresh_proxy.url, read_timeout=5, total_timeout=5, retries=0)
    began = time.monotonic()
    with pytest.raises(SourceError) as info:
        client.query_range("up", datasets.START, datasets.END, STEP)
    took = time.monotonic() - began
    assert 4.5 < took < 8, took  # the deadline, plus at most one drip interval
    message = str(info.value)
    assert "timed out: no complete answer within the total deadline of 5 s per request " \
           "(source.timeouts.total)" in message
    assert f"{fresh_proxy.url}/api/v1/query_range" in message
    assert "PromQL: up" in message
    assert "range: 2026-11-01T00:00:00Z .. 2026-11-01T06:00:00Z, step 15s" in message
    client.close()


def test_an_answer_without_content_length_cut_by_the_deadline_is_not_taken_as_complete(fresh_proxy):
    # the deadline shuts the socket: without Content-Length the cut would look like the end
    fresh_proxy.always = Fault(200, OK_BODY, (("Content-Type", "application/json"),),
                               drip=0.5, length=False)
    client = PrometheusClient(fresh_proxy.url, read_timeout=2, total_timeout=2, retries=0)
    with pytest.raises(SourceError, match="no complete answer within the total deadline of 2 s"):
        client.query("up", datasets.START)
    client.close()


def test_a_slow_answer_within_the_deadline_is_read(fresh_proxy, prometheus_small):
    fresh_proxy.always = Fault(200, OK_BODY, (("Content-Type", "application/json"),), drip=0.01)
    client = PrometheusClient(fresh_proxy.url, read_timeout=5, total_timeout=10, retries=0)
    assert client.query("up", datasets.START) == []
    client.close()


def test_retries_stop_at_the_bound_of_the_whole_fetch(fresh_proxy):
    fresh_proxy.always = Fault(200, OK_BODY, (("Content-Type", "application/json"),), drip=1.0)
    # without the fetch bound: 4 attempts x 3 s
    client = PrometheusClient(fresh_proxy.url, read_timeout=3, total_timeout=3,
                              fetch_timeout=4, retries=3, backoff=0.01)
    began = time.monotonic()
    with pytest.raises(SourceError) as info:
        client.query("up", datasets.START)
    assert time.monotonic() - began < 6
    assert "the source's time bound of 4 s (source.timeouts.fetch) is spent" in str(info.value)
    assert "PromQL: up" in str(info.value)
    # once spent, nothing more is asked
    asked = len(fresh_proxy.seen)
    with pytest.raises(SourceError, match="source.timeouts.fetch"):
        client.query("vector(1)", datasets.START)
    assert len(fresh_proxy.seen) == asked
    client.close()


def test_the_campaign_timeouts_reach_the_client(fresh_proxy):
    params = datasets.campaign_dict(url=fresh_proxy.url)
    params["source"].update({"timeouts": {"read": "2s", "total": "3s", "fetch": "10m"},
                             "max_response_mb": 1, "retries": 0})
    fresh_proxy.always = Fault(200, OK_BODY, (("Content-Type", "application/json"),), drip=1.0)
    with PrometheusSource(validate_campaign(params)) as source:
        assert (source.client.total_timeout, source.client.fetch_timeout) == (3.0, 600.0)
        assert source.client.max_bytes == 2**20
        with pytest.raises(SourceError, match="total deadline of 3 s"):
            source.range("latency_max", T0, T1)


# --------------------------------------------------------------------------------------------
# Bytes read per answer
# --------------------------------------------------------------------------------------------


def huge_labels_answer(megabytes: int) -> bytes:
    label = "x" * (1 << 20)
    result = [{"metric": {"a": label, "n": str(i)}, "value": [datasets.START, "1"]}
              for i in range(megabytes)]
    return json.dumps({"status": "success",
                       "data": {"resultType": "vector", "result": result}}).encode()


@pytest.mark.parametrize("declared", [True, False], ids=["content-length", "no-content-length"])
def test_an_answer_over_the_size_cap_is_refused_clearly(fresh_proxy, declared):
    fresh_proxy.always = Fault(200, huge_labels_answer(3), (("Content-Type", "application/json"),),
                               length=declared)
    client = PrometheusClient(fresh_proxy.url, max_bytes=2 * 2**20, retries=3, backoff=0.01)
    with pytest.raises(SourceError) as info:
        client.query("up", datasets.START)
    message = str(info.value)
    if declared:
        assert "the answer is 3.0 MB, more than the limit of 2 MB (source.max_response_mb)" in message
    else:
        assert "the answer exceeds the limit of 2 MB (source.max_response_mb); reading stopped" \
            in message
    assert "narrow the query" in message and "PromQL: up" in message
    assert f"{fresh_proxy.url}/api/v1/query" in message
    assert len(fresh_proxy.seen) == 1  # not retried: the same answer would come back
    client.close()


def test_an_answer_under_the_cap_is_read_whole(fresh_proxy):
    fresh_proxy.always = Fault(200, huge_labels_answer(1), (("Content-Type", "application/json"),))
    client = PrometheusClient(fresh_proxy.url, max_bytes=2 * 2**20, retries=0)
    got = client.query("up", datasets.START)
    assert len(got) == 1 and len(got[0].labels["a"]) == 1 << 20
    client.close()


def test_real_prometheus_answers_pass_through_the_capped_reader(fresh_proxy, prometheus_small):
    capped = PrometheusClient(fresh_proxy.url, retries=0)
    direct = PrometheusClient(prometheus_small.url, retries=0)
    a = capped.query_range(TASKS_BOTH, datasets.START, datasets.END, STEP)
    b = direct.query_range(TASKS_BOTH, datasets.START, datasets.END, STEP)
    assert len(a) == 4 and [s.labels for s in a] == [s.labels for s in b]
    assert all((x.values == y.values).all() for x, y in zip(a, b))
    capped.close()
    direct.close()


# --------------------------------------------------------------------------------------------
# Series that only differ by metric name
# --------------------------------------------------------------------------------------------


def test_several_series_with_the_same_labels_name_url_promql_and_range(prometheus_small):
    with PrometheusSource(validate_campaign(datasets.campaign_dict(url=prometheus_small.url))) as s:
        with pytest.raises(SourceError) as info:
            s.query_range_promql(TASKS_BOTH, T0, T1)
    message = str(info.value)
    assert message.startswith(f"query to {prometheus_small.url} failed: the query returned "
                              "several series with the same labels")
    # one of the two connectors' label sets, as Prometheus gives it (label names sorted)
    assert any(f'{{connector="\\"{c}.MirrorSourceConnector\\"", instance="w1"}}' in message
               for c in ("primary->backup", "backup->primary")), message
    assert f"PromQL: {TASKS_BOTH}" in message
    assert "range: 2026-11-01T00:00:00Z .. 2026-11-01T06:00:00Z, step 15s" in message
