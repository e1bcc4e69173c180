"""PrometheusSource and PrometheusClient against real Prometheus and VictoriaMetrics servers.

Expected numbers come from tests/datasets.py (stated from the data set's construction). Faults
are injected by a small proxy in front of the real Prometheus, or by a socket that never answers.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime, timezone

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

import datasets
from mm2report import servers
from mm2report.errors import SourceError
from mm2report.params import validate_campaign
from mm2report.sources.prometheus import PrometheusClient, PrometheusSource

from .helpers import (BASIC_PASSWORD, BASIC_USER, Fault, SilentServer, make_tls,
                      web_config)
from .helpers import fresh_proxy, proxy  # noqa: F401 (shared fixtures)

pytestmark = pytest.mark.integration

STEP = datasets.STEP
T0 = datetime.fromtimestamp(datasets.START, tz=timezone.utc)
T1 = datetime.fromtimestamp(datasets.END, tz=timezone.utc)
N_STEPS = (datasets.END - datasets.START) // STEP + 1  # 1441
LATENCY_RAW = "kafka_connect_mirror_mirrorsourceconnector_replication_latency_ms_max"
RECORDS_P1 = 'kafka_connect_mirror_mirrorsourceconnector_record_count{target="backup",partition="1"}'
TASKS_RAW = ('sum(kafka_connect_worker_connector_running_task_count'  # w3 is the dead worker
             '{connector="\\"primary->backup.MirrorSourceConnector\\"", instance=~"w1|w2"})')
SECRET_TOKEN = "tok-Zq8xW1-never-print-me"


def at(seconds: int) -> pd.Timestamp:
    return pd.Timestamp(seconds, unit="s", tz="UTC")


def make_source(url: str, **source: object) -> PrometheusSource:
    params = datasets.campaign_dict(url=url)
    params["source"].update(source)
    return PrometheusSource(validate_campaign(params))


@pytest.fixture(scope="module")
def prom(prometheus_small):
    with make_source(prometheus_small.url) as source:
        yield source


@pytest.fixture(scope="module")
def vm(victoria_small):
    with make_source(victoria_small.url) as source:
        yield source


# --------------------------------------------------------------------------------------------
# Catalog queries return the numbers the data set was built with
# --------------------------------------------------------------------------------------------


def assert_grid(frame: pd.DataFrame, start: int, end: int, step: int) -> None:
    expected = pd.date_range(at(start), at(end), freq=f"{step}s", name="ts")
    assert frame.index.is_unique and frame.index.is_monotonic_increasing
    assert list(frame.index) == list(expected)


@pytest.mark.parametrize("name", ["offered_rate", "target_rate"])
def test_offset_rates(prom, name):
    frame = prom.range(name, T0, T1).frame
    assert_grid(frame, datasets.START, datasets.END, STEP)
    values = frame["value"]
    assert np.isnan(values.iloc[0])  # irate needs two samples; the first step has one
    assert (values.iloc[1:] == datasets.EXPECTED_RATE).all()


def test_replicated_rate_excludes_reverse_flow_and_survives_task_move(prom):
    values = prom.range("replicated_rate", T0, T1).series
    assert np.isnan(values.iloc[0])
    settled = values[values.index >= at(datasets.MOVE_AT + 2 * STEP)]
    before = values[(values.index > at(datasets.START)) & (values.index < at(datasets.MOVE_AT))]
    # The reverse flow (1000 records/s) would add 1000; a counter reset would spike or dip.
    assert (before == datasets.EXPECTED_RATE).all()
    assert (settled == datasets.EXPECTED_RATE).all()
    around = values[(values.index >= at(datasets.MOVE_AT)) & (values.index < at(datasets.MOVE_AT + 2 * STEP))]
    # While both of partition 1's series are in the window, at most one extra task rate shows.
    assert around.between(datasets.EXPECTED_RATE,
                          datasets.EXPECTED_RATE + datasets.RATE_PER_PARTITION).all()
    by_topic = prom.range("replicated_rate_by_topic", T0, T1).frame
    assert list(by_topic.columns.get_level_values("topic")) == ["primary.orders"]


@pytest.mark.parametrize("name, expected", [
    ("latency_max", datasets.EXPECTED_LATENCY_MAX),
    ("latency_avg", datasets.EXPECTED_LATENCY_AVG),  # the idle partition's NaN is left out
    ("consumer_lag", datasets.EXPECTED_BACKLOG),  # quoted client ids match; the reverse flow does not
    ("workers", 2.0),
    ("rebalancing", 0.0),
])
def test_gauges(prom, name, expected):
    result = prom.range(name, T0, T1)
    assert_grid(result.frame, datasets.START, datasets.END, STEP)
    assert (result.series == expected).all()
    assert result.completeness == 1.0


@pytest.mark.parametrize("name", ["tasks_running", "tasks_total"])
def test_tasks_count_only_this_flow(prom, name):
    assert (prom.range(name, T0, T1).series == datasets.EXPECTED_TASKS).all()


def test_quoted_connector_label_matches(prom):
    # The literal JMX quotes must be part of the value for the flow's tasks to be found at all.
    series = prom.query_range_promql(TASKS_RAW, T0, T1).series
    assert (series == datasets.EXPECTED_TASKS).all()


def test_offsets_per_partition_at_an_instant(prom):
    moment = datasets.START + 3600
    source = prom.instant("source_offsets", datetime.fromtimestamp(moment + 7, tz=timezone.utc))
    target = prom.instant("target_offsets", datetime.fromtimestamp(moment, tz=timezone.utc))
    produced = datasets.RATE_PER_PARTITION * 3600
    assert list(source.frame.index) == [at(moment)]  # aligned down to the step
    assert source.frame.columns.names == ["partition", "topic"]
    assert list(source.frame.columns) == [(str(p), "orders") for p in range(datasets.PARTITIONS)]
    assert (source.frame.iloc[0] == 1000 + produced).all()
    assert list(target.frame.columns) == [(str(p), "primary.orders") for p in range(datasets.PARTITIONS)]
    assert (target.frame.iloc[0] == produced).all()


def test_raw_promql_is_aligned_and_keeps_nan_samples(prom, prometheus_small):
    result = prom.query_range_promql(LATENCY_RAW, T0.replace(second=7), T1.replace(second=0), 60)
    assert result.start == T0 and result.step == 60 and result.name == ""
    assert result.origin == prometheus_small.url
    frame = result.frame.xs("backup", level="target", axis=1).droplevel(["source", "topic"], axis=1)
    for p, latency in datasets.LATENCY_MS.items():
        assert (frame[str(p)] == latency).all()
    assert frame["3"].isna().all()  # "NaN" samples of the idle partition come through as NaN


def test_scalar_and_string_results(prom):
    client = prom.client
    scalar = client.query("scalar(sum(kafka_topic_partition_current_offset"
                          '{job="kafka-exporter-target"}))', datasets.START + 60)
    assert len(scalar) == 1 and scalar[0].labels == {}
    assert scalar[0].ts.tolist() == [datasets.START + 60]
    assert scalar[0].values.tolist() == [datasets.PARTITIONS * datasets.RATE_PER_PARTITION * 60]
    empty = client.query_range("no_such_metric", datasets.START, datasets.END, STEP)
    assert empty == []
    with pytest.raises(SourceError, match="string 'hello', not a number") as info:
        client.query('"hello"', datasets.START)
    assert "api/v1/query" in str(info.value) and "2026-11-01T00:00:00Z" in str(info.value)


def test_rules(prom):
    assert prom.rules() == []  # the test server loads no rule file


# --------------------------------------------------------------------------------------------
# Range splitting
# --------------------------------------------------------------------------------------------


def test_chunked_equals_unchunked(prometheus_small, prom, caplog):
    with make_source(prometheus_small.url, max_points=100) as chunked:
        caplog.set_level(logging.DEBUG, logger="mm2report.sources")
        pairs = [
            (chunked.range("replicated_rate", T0, T1), prom.range("replicated_rate", T0, T1)),
            (chunked.query_range_promql(LATENCY_RAW, T0, T1), prom.query_range_promql(LATENCY_RAW, T0, T1)),
            # partition 1's old-worker series is only in the pieces before the move, the new
            # one only in those after it
            (chunked.query_range_promql(RECORDS_P1, T0, T1), prom.query_range_promql(RECORDS_P1, T0, T1)),
        ]
    requests = [r for r in caplog.records if "query_range" in r.getMessage()]
    assert len(requests) == 3 * (-(-N_STEPS // 100)) + 3  # 15 pieces each, 1 request each
    for cut, whole in pairs:
        assert_grid(cut.frame, datasets.START, datasets.END, STEP)
        assert_frame_equal(cut.frame, whole.frame)
    moved = pairs[2][0].frame.droplevel([n for n in pairs[2][0].frame.columns.names
                                         if n != "instance"], axis=1)
    assert moved["w1"].last_valid_index() < at(datasets.MOVE_AT + 60)
    assert moved["w2"].first_valid_index() == at(datasets.MOVE_AT)


def test_more_than_11000_points_per_series_are_fetched_in_pieces(prom, prometheus_small):
    result = prom.query_range_promql(TASKS_RAW, T0, T1, step=1)  # 21,601 points
    assert len(result.frame) == datasets.END - datasets.START + 1
    assert_grid(result.frame, datasets.START, datasets.END, 1)
    assert (result.series == datasets.EXPECTED_TASKS).all()
    with PrometheusClient(prometheus_small.url, max_points=30_000) as unsplit:
        with pytest.raises(SourceError, match="HTTP 400 bad_data: exceeded maximum resolution of 11,000"):
            unsplit.query_range(TASKS_RAW, datasets.START, datasets.END, 1)


# --------------------------------------------------------------------------------------------
# Failures: timeouts, retries, errors that must not be retried
# --------------------------------------------------------------------------------------------


def test_silent_server_times_out():
    silent = SilentServer()
    try:
        client = PrometheusClient(silent.url, read_timeout=0.5, retries=0)
        began = time.monotonic()
        with pytest.raises(SourceError) as info:
            client.query_range("up", datasets.START, datasets.END, STEP)
        assert time.monotonic() - began < 3
        message = str(info.value)
        assert f"{silent.url}/api/v1/query_range" in message
        assert "timed out: no answer within the read timeout of 0.5 s" in message
        assert "PromQL: up" in message
        assert "2026-11-01T00:00:00Z .. 2026-11-01T06:00:00Z" in message
        retried = PrometheusClient(silent.url, read_timeout=0.3, retries=1, backoff=0.01)
        with pytest.raises(SourceError, match="gave up after 2 attempts"):
            retried.query("up", datasets.START)
    finally:
        silent.close()


def test_connection_refused_is_retried_then_reported():
    url = f"http://127.0.0.1:{servers.free_port()}"
    with pytest.raises(SourceError) as info:
        PrometheusClient(url, retries=2, backoff=0.01).query("up", datasets.START)
    assert "connection refused" in str(info.value)
    assert "gave up after 3 attempts" in str(info.value)
    assert url in str(info.value)


def test_5xx_then_success_is_retried(fresh_proxy, prom):
    fresh_proxy.queue = [Fault(503, b"overloaded"), Fault(502, b"<html>bad gateway</html>")]
    client = PrometheusClient(fresh_proxy.url, retries=3, backoff=0.01)
    got = client.query_range(LATENCY_RAW, datasets.START, datasets.END, STEP)
    assert len(fresh_proxy.seen) == 3
    direct = prom.client.query_range(LATENCY_RAW, datasets.START, datasets.END, STEP)
    assert [s.labels for s in got] == [s.labels for s in direct]
    assert all(np.array_equal(a.values, b.values, equal_nan=True) for a, b in zip(got, direct))


def test_persistent_5xx_fails_with_the_attempt_count(fresh_proxy):
    fresh_proxy.always = Fault(502, b"<html><body>Bad Gateway</body></html>",
                               (("Content-Type", "text/html"),))
    client = PrometheusClient(fresh_proxy.url, retries=3, backoff=0.01)
    with pytest.raises(SourceError) as info:
        client.query("up", datasets.START)
    assert len(fresh_proxy.seen) == 4
    assert "HTTP 502" in str(info.value) and "gave up after 4 attempts" in str(info.value)


def test_503_json_error_names_its_error_type(fresh_proxy):
    body = b'{"status":"error","errorType":"unavailable","error":"too many queries"}'
    fresh_proxy.always = Fault(503, body, (("Content-Type", "application/json"),))
    with pytest.raises(SourceError, match="HTTP 503 unavailable: too many queries \\(gave up after 2"):
        PrometheusClient(fresh_proxy.url, retries=1, backoff=0.01).query("up", datasets.START)


def test_429_retry_after_is_honoured(fresh_proxy):
    fresh_proxy.queue = [Fault(429, b"slow down", (("Retry-After", "1"),))]
    client = PrometheusClient(fresh_proxy.url, retries=1, backoff=0.01)
    began = time.monotonic()
    assert client.query("vector(1)", datasets.START)[0].values.tolist() == [1.0]
    assert time.monotonic() - began >= 0.95
    assert len(fresh_proxy.seen) == 2


def test_bad_promql_is_not_retried(fresh_proxy):
    client = PrometheusClient(fresh_proxy.url, retries=3, backoff=0.01)
    with pytest.raises(SourceError) as info:
        client.query_range("sum(rate(x[1m])", datasets.START, datasets.END, STEP)
    assert len(fresh_proxy.seen) == 1
    message = str(info.value)
    assert "HTTP 400 bad_data:" in message and "parse error" in message
    assert "PromQL: sum(rate(x[1m])" in message
    assert "attempts" not in message


@pytest.mark.parametrize("status", [401, 403, 404, 422])
def test_client_errors_are_not_retried(fresh_proxy, status):
    fresh_proxy.always = Fault(status, b"no")
    with pytest.raises(SourceError, match=f"HTTP {status}"):
        PrometheusClient(fresh_proxy.url, retries=3, backoff=0.01).query("up", datasets.START)
    assert len(fresh_proxy.seen) == 1


def test_non_json_answer(fresh_proxy):
    fresh_proxy.always = Fault(200, b"<html>login page</html>", (("Content-Type", "text/html"),))
    with pytest.raises(SourceError, match="non-JSON body \\(text/html\\): <html>login page"):
        PrometheusClient(fresh_proxy.url, retries=3).query("up", datasets.START)
    assert len(fresh_proxy.seen) == 1


# --------------------------------------------------------------------------------------------
# Credentials: bearer token through a proxy, basic auth and TLS on a real Prometheus
# --------------------------------------------------------------------------------------------


def assert_never_logged(caplog, *secrets: str) -> None:
    for record in caplog.records:
        text = record.getMessage() + repr(record.args)
        for secret in secrets:
            assert secret not in text


def bearer_campaign(url: str) -> dict:
    params = datasets.campaign_dict(url=url)
    params["source"]["auth"] = {"type": "bearer", "token": {"env": "MM2_TEST_TOKEN"}}
    params["source"]["retries"] = 0
    return params


def test_bearer_token_from_env_is_sent(fresh_proxy, monkeypatch, caplog):
    caplog.set_level(logging.DEBUG)
    monkeypatch.setenv("MM2_TEST_TOKEN", SECRET_TOKEN)
    fresh_proxy.require_authorization = f"Bearer {SECRET_TOKEN}"
    with PrometheusSource(validate_campaign(bearer_campaign(fresh_proxy.url))) as source:
        assert (source.range("latency_max", T0, T1).series == datasets.EXPECTED_LATENCY_MAX).all()
    assert fresh_proxy.seen[-1]["Authorization"] == f"Bearer {SECRET_TOKEN}"
    assert fresh_proxy.seen[-1]["Accept-Encoding"] == "identity"
    monkeypatch.setenv("MM2_TEST_TOKEN", "wrong-" + SECRET_TOKEN)
    with PrometheusSource(validate_campaign(bearer_campaign(fresh_proxy.url))) as source:
        with pytest.raises(SourceError) as info:
            source.range("latency_max", T0, T1)
    assert "HTTP 401 Unauthorized — check source.auth" in str(info.value)
    assert SECRET_TOKEN not in str(info.value)
    assert_never_logged(caplog, SECRET_TOKEN)


@pytest.fixture(scope="module")
def tls(tmp_path_factory):
    return make_tls(tmp_path_factory.mktemp("tls"))


@pytest.fixture(scope="module")
def secure_prometheus(small_openmetrics, tls, tmp_path_factory):
    """TLS + basic auth, backfilled with the small data set."""
    workdir = tmp_path_factory.mktemp("prom-secure")
    config = web_config(workdir / "web.yml", tls, basic_auth=True)
    server = servers.start_prometheus(
        small_openmetrics, workdir=workdir, web_config=config,
        ready_options={"verify": str(tls.ca), "auth": (BASIC_USER, BASIC_PASSWORD)})
    yield server
    server.stop()


@pytest.fixture(scope="module")
def mtls_prometheus(tls, tmp_path_factory):
    """TLS requiring a client certificate, no data."""
    workdir = tmp_path_factory.mktemp("prom-mtls")
    config = web_config(workdir / "web.yml", tls, client_certs=True)
    server = servers.start_prometheus(
        None, workdir=workdir, web_config=config,
        ready_options={"verify": str(tls.ca), "cert": (str(tls.client_cert), str(tls.client_key))})
    yield server
    server.stop()


@pytest.fixture
def foreign_ca_env(monkeypatch, tls):
    """The machine's CA variables point at an unrelated CA: they must not matter."""
    for name in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_FILE"):
        monkeypatch.setenv(name, str(tls.other_ca))


def secure_campaign(url: str, tls, **tls_section: object) -> dict:
    params = datasets.campaign_dict(url=url)
    params["source"]["auth"] = {"type": "basic", "username": {"env": "MM2_TEST_USER"},
                                "password": {"env": "MM2_TEST_PASSWORD"}}
    params["source"]["tls"] = tls_section or {"ca_file": str(tls.ca)}
    params["source"]["retries"] = 0
    return params


def test_https_with_basic_auth_and_ca(secure_prometheus, tls, foreign_ca_env, monkeypatch, caplog):
    caplog.set_level(logging.DEBUG)
    assert secure_prometheus.url.startswith("https://127.0.0.1:")
    monkeypatch.setenv("MM2_TEST_USER", BASIC_USER)
    monkeypatch.setenv("MM2_TEST_PASSWORD", BASIC_PASSWORD)
    with PrometheusSource(validate_campaign(secure_campaign(secure_prometheus.url, tls))) as source:
        assert source.origin == secure_prometheus.url
        assert (source.range("consumer_lag", T0, T1).series == datasets.EXPECTED_BACKLOG).all()
    assert_never_logged(caplog, BASIC_PASSWORD)


@pytest.mark.parametrize("credentials", [None, (BASIC_USER, "not-" + BASIC_PASSWORD)])
def test_missing_or_wrong_credentials_give_401(secure_prometheus, tls, credentials, caplog):
    caplog.set_level(logging.DEBUG)
    client = PrometheusClient(secure_prometheus.url, ca_file=str(tls.ca), basic_auth=credentials,
                              retries=2, backoff=0.01)
    with pytest.raises(SourceError) as info:
        client.query("up", datasets.START)
    message = str(info.value)
    assert "HTTP 401 Unauthorized — check source.auth" in message
    assert "attempts" not in message
    assert BASIC_PASSWORD not in message
    assert_never_logged(caplog, BASIC_PASSWORD)


def test_wrong_ca_is_refused_clearly(secure_prometheus, tls, foreign_ca_env):
    client = PrometheusClient(secure_prometheus.url, ca_file=str(tls.other_ca),
                              basic_auth=(BASIC_USER, BASIC_PASSWORD), retries=2)
    with pytest.raises(SourceError) as info:
        client.query("vector(1)", datasets.START)
    message = str(info.value)
    assert "TLS verification failed" in message and "source.tls.ca_file" in message
    assert f"{secure_prometheus.url}/api/v1/query" in message
    assert "attempts" not in message  # a certificate does not get better by asking again


def test_environment_ca_bundle_is_ignored(secure_prometheus, tls, monkeypatch):
    # Even pointing at the right CA, the environment must not change what the campaign says.
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(tls.ca))
    monkeypatch.setenv("CURL_CA_BUNDLE", str(tls.ca))
    client = PrometheusClient(secure_prometheus.url, basic_auth=(BASIC_USER, BASIC_PASSWORD),
                              retries=0)
    with pytest.raises(SourceError, match="TLS verification failed"):
        client.query("vector(1)", datasets.START)


@pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")
def test_verify_false_works_despite_environment(secure_prometheus, tls, foreign_ca_env, monkeypatch):
    monkeypatch.setenv("MM2_TEST_USER", BASIC_USER)
    monkeypatch.setenv("MM2_TEST_PASSWORD", BASIC_PASSWORD)
    params = secure_campaign(secure_prometheus.url, tls, verify=False)
    with PrometheusSource(validate_campaign(params)) as source:
        assert (source.range("latency_max", T0, T1).series == datasets.EXPECTED_LATENCY_MAX).all()


def test_client_certificate(mtls_prometheus, tls, foreign_ca_env):
    cert = (str(tls.client_cert), str(tls.client_key))
    client = PrometheusClient(mtls_prometheus.url, ca_file=str(tls.ca), cert=cert, retries=0)
    assert client.query("vector(2)", datasets.START)[0].values.tolist() == [2.0]
    anonymous = PrometheusClient(mtls_prometheus.url, ca_file=str(tls.ca), retries=0)
    with pytest.raises(SourceError) as info:
        anonymous.query("vector(2)", datasets.START)
    message = str(info.value)
    assert f"{mtls_prometheus.url}/api/v1/query" in message
    # Under TLS 1.3 the refusal may arrive as an alert or as a closed connection.
    assert "source.tls.cert_file" in message or "closed the connection" in message


# --------------------------------------------------------------------------------------------
# VictoriaMetrics answers the same catalog queries
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["latency_max", "latency_avg", "consumer_lag", "tasks_running"])
def test_victoria_metrics_gauges_equal_prometheus(prom, vm, name):
    assert_frame_equal(vm.range(name, T0, T1).frame, prom.range(name, T0, T1).frame)


@pytest.mark.parametrize("name", ["source_offsets", "target_offsets"])
def test_victoria_metrics_offsets_equal_prometheus(prom, vm, name):
    moment = datetime.fromtimestamp(datasets.START + 5400, tz=timezone.utc)
    assert_frame_equal(vm.instant(name, moment).frame, prom.instant(name, moment).frame)


@pytest.mark.parametrize("name", ["replicated_rate", "offered_rate", "target_rate"])
def test_victoria_metrics_rates_equal_prometheus_away_from_series_starts(prom, vm, name):
    ours, theirs = vm.range(name, T0, T1).series, prom.range(name, T0, T1).series
    starts = [datasets.START, datasets.MOVE_AT]  # partition 1's new series starts at the move
    away = np.ones(len(ours), dtype=bool)
    for start in starts:
        away &= ~((ours.index >= at(start)) & (ours.index < at(start + 4 * STEP)))
    assert away.sum() > N_STEPS - 10
    pd.testing.assert_series_equal(ours[away], theirs[away])


def test_victoria_metrics_chunked_equals_unchunked(victoria_small, vm):
    with make_source(victoria_small.url, max_points=100) as chunked:
        assert_frame_equal(chunked.range("consumer_lag", T0, T1).frame,
                           vm.range("consumer_lag", T0, T1).frame)


def test_victoria_metrics_422_is_reported(vm, victoria_small):
    with pytest.raises(SourceError) as info:
        vm.query_range_promql("sum(", T0, T1)
    message = str(info.value)
    assert f"{victoria_small.url}/api/v1/query_range" in message
    assert "HTTP 422: error when executing" in message
    assert "PromQL: sum(" in message and "attempts" not in message
