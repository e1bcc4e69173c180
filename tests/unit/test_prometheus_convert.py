"""JSON → Series conversion, range splitting and piece joining, on literal API payloads."""

from __future__ import annotations

import json

import numpy as np
import pytest
import requests

from mm2report.errors import SourceError
from mm2report.sources.base import Series, build_frame
from mm2report.sources.prometheus import (
    _response_failure,
    join_pieces,
    parse_data,
    safe_url,
    split_range,
)

T = 1_793_491_200  # 2026-11-01T00:00:00Z


def payload(text: str) -> dict:
    """The ``data`` member of an API answer, as the server writes it."""
    return json.loads(text)["data"]


def test_matrix_keeps_labels_and_is_typed():
    data = payload("""{"status":"success","data":{"resultType":"matrix","result":[
        {"metric":{"__name__":"lag","partition":"0","topic":"orders"},
         "values":[[1793491200,"5"],[1793491215,"6.5"]]},
        {"metric":{"partition":"1","topic":"orders"},"values":[[1793491215,"7"]]}]}}""")
    first, second = parse_data(data)
    assert first.labels == {"__name__": "lag", "partition": "0", "topic": "orders"}
    assert first.ts.dtype == np.int64 and first.values.dtype == np.float64
    assert first.ts.tolist() == [T, T + 15] and first.values.tolist() == [5.0, 6.5]
    assert second.labels == {"partition": "1", "topic": "orders"}
    assert second.ts.tolist() == [T + 15] and second.values.tolist() == [7.0]


def test_vector_gives_one_point_per_series():
    data = payload("""{"status":"success","data":{"resultType":"vector","result":[
        {"metric":{"job":"a"},"value":[1793491200,"1"]},
        {"metric":{"job":"b"},"value":[1793491200,"2"]}]}}""")
    series = parse_data(data)
    assert [s.labels for s in series] == [{"job": "a"}, {"job": "b"}]
    assert [s.ts.tolist() for s in series] == [[T], [T]]
    assert [s.values.tolist() for s in series] == [[1.0], [2.0]]


def test_scalar_is_one_label_less_series():
    # prometheus-pandas returns ndarray([ts, value]) here.
    data = payload('{"status":"success","data":{"resultType":"scalar","result":[1793491200,"5063"]}}')
    (series,) = parse_data(data)
    assert series.labels == {}
    assert series.ts.tolist() == [T] and series.values.tolist() == [5063.0]
    frame = build_frame([series], T, T, 15)
    assert list(frame.columns) == ["value"] and frame.iloc[0, 0] == 5063.0


def test_string_is_refused():
    data = payload('{"status":"success","data":{"resultType":"string","result":[1793491200,"hello"]}}')
    with pytest.raises(SourceError, match="string 'hello', not a number"):
        parse_data(data)


def test_unknown_result_type_is_refused():
    with pytest.raises(SourceError, match="resultType 'histogram'"):
        parse_data({"resultType": "histogram", "result": []})


@pytest.mark.parametrize("kind", ["matrix", "vector"])
def test_empty_results(kind):
    assert parse_data(payload(f'{{"status":"success","data":{{"resultType":"{kind}","result":[]}}}}')) == []


def test_special_values():
    data = payload("""{"status":"success","data":{"resultType":"matrix","result":[
        {"metric":{},"values":[[1793491200,"NaN"],[1793491215,"+Inf"],[1793491230,"-Inf"],
                               [1793491245,"1e-3"],[1793491260,"-0"]]}]}}""")
    (series,) = parse_data(data)
    assert np.isnan(series.values[0])
    assert series.values[1:].tolist() == [np.inf, -np.inf, 0.001, 0.0]


def test_fractional_timestamps_are_rounded_to_seconds():
    (series,) = parse_data({"resultType": "vector",
                            "result": [{"metric": {}, "value": [1793491214.999, "1"]}]})
    assert series.ts.tolist() == [T + 15]


# ---- splitting and joining ------------------------------------------------------------------


@pytest.mark.parametrize("points, max_points, pieces", [
    (1, 11_000, 1), (11_000, 11_000, 1), (11_001, 11_000, 2), (21_601, 11_000, 2),
    (1441, 100, 15), (5, 1, 5),
])
def test_split_range_covers_the_grid_once(points, max_points, pieces):
    step = 15
    end = T + (points - 1) * step
    parts = split_range(T, end, step, max_points)
    assert len(parts) == pieces
    covered = np.concatenate([np.arange(s, e + 1, step) for s, e in parts])
    assert covered.tolist() == list(range(T, end + 1, step))  # no gap, no duplicate
    assert all((e - s) // step + 1 <= max_points for s, e in parts)


def test_split_range_ignores_an_end_off_the_grid():
    assert split_range(T, T + 40, 15, 2) == [(T, T + 15), (T + 30, T + 30)]


def test_split_range_refuses_bad_input():
    with pytest.raises(SourceError):
        split_range(T, T - 15, 15, 10)
    with pytest.raises(SourceError):
        split_range(T, T, 0, 10)


def s(labels: dict, ts: list[int], values: list[float]) -> Series:
    return Series(labels, np.array(ts, dtype="int64"), np.array(values, dtype="float64"))


def test_join_pieces_with_a_series_present_in_some_pieces_only():
    old, new = {"instance": "w1"}, {"instance": "w2"}
    pieces = [
        [s(old, [T, T + 15], [1, 2])],
        [s(old, [T + 30], [3]), s(new, [T + 45], [0])],
        [s(new, [T + 60, T + 75], [10, 20])],
        [],
    ]
    joined = {j.labels["instance"]: j for j in join_pieces(pieces)}
    assert joined["w1"].ts.tolist() == [T, T + 15, T + 30]
    assert joined["w1"].values.tolist() == [1, 2, 3]
    assert joined["w2"].ts.tolist() == [T + 45, T + 60, T + 75]
    assert joined["w2"].values.tolist() == [0, 10, 20]
    frame = build_frame(list(joined.values()), T, T + 75, 15)
    assert frame.index.is_unique and len(frame) == 6
    assert list(frame.columns) == [("w1",), ("w2",)]
    assert frame.iloc[:, 0].isna().tolist() == [False] * 3 + [True] * 3
    assert frame.iloc[:, 1].isna().tolist() == [True] * 3 + [False] * 3


def test_join_pieces_matches_labels_whatever_their_order():
    a = s({"topic": "t", "partition": "0"}, [T], [1])
    b = s({"partition": "0", "topic": "t"}, [T + 15], [2])
    (joined,) = join_pieces([[a], [b]])
    assert joined.ts.tolist() == [T, T + 15]


def test_join_pieces_drops_a_step_answered_twice():
    joined = join_pieces([[s({}, [T, T + 15], [1, 2])], [s({}, [T + 15, T + 30], [9, 3])]])
    assert joined[0].ts.tolist() == [T, T + 15, T + 30]
    assert joined[0].values.tolist() == [1, 2, 3]


# ---- error classification ---------------------------------------------------------------------


def response(status: int, body: str, **headers: str) -> requests.Response:
    resp = requests.Response()
    resp.status_code = status
    resp._content = body.encode()
    resp.headers.update(headers)
    resp.reason = {400: "Bad Request", 502: "Bad Gateway"}.get(status, "")
    return resp


def test_prometheus_error_json_names_the_error_type_and_is_final():
    failure = _response_failure(response(
        400, '{"status":"error","errorType":"bad_data","error":"1:5: parse error"}'))
    assert failure.reason == "HTTP 400 bad_data: 1:5: parse error" and not failure.retry


def test_victoria_metrics_422_does_not_repeat_its_status():
    failure = _response_failure(response(422, '{"status":"error","errorType":"422","error":"boom"}'))
    assert failure.reason == "HTTP 422: boom" and not failure.retry


def test_retry_after_on_503_and_429():
    assert _response_failure(response(503, "busy", **{"Retry-After": "7"})).wait == 7.0
    assert _response_failure(response(429, "slow", **{"Retry-After": "2"})).retry
    assert _response_failure(response(502, "<h1>x</h1>")).reason == "HTTP 502 Bad Gateway: <h1>x</h1>"
    assert _response_failure(response(503, "", **{"Retry-After": "Wed, 21 Oct 2026 07:28:00 GMT"})).wait is None


def test_auth_failures_point_at_the_auth_section():
    assert _response_failure(response(401, "Unauthorized")).reason == (
        "HTTP 401 Unauthorized — check source.auth")
    assert not _response_failure(response(403, "")).retry


def test_safe_url_never_shows_credentials():
    assert safe_url("https://user:pw@prom.example:9443/prometheus") == "https://prom.example:9443/prometheus"
    assert safe_url("http://[::1]:9090") == "http://[::1]:9090"
