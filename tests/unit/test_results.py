"""results.json: the typed round trip, atomic writes, refusals, and the key property that a
campaign judged from its phases' results files equals the campaign judged in one process."""

from __future__ import annotations

import dataclasses
import json
import math
import os
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mm2report.analyses.core import Evidence, Kpi, missing, to_jsonable
from mm2report.documents.notebook import NOTEBOOKS, open_phase
from mm2report.documents.results import (KIND, RESULTS_FILE, PhaseResults, combine_run,
                                         from_jsonable, load_phase, params_digest, read_results,
                                         write_results)
from mm2report.errors import ParameterError
from mm2report.evaluate import SCHEMA_VERSION, PhaseAnalysis, evaluate
from mm2report.params import load_campaign
from mm2report.sources import open_source
from mm2report.verdicts import Status, Verdict

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "parameters" / "demo.yml"
UTC = timezone.utc
T0 = datetime(2026, 11, 16, 7, 0, tzinfo=UTC)
T1 = datetime(2026, 11, 16, 7, 30, tzinfo=UTC)


@pytest.fixture(scope="module")
def campaign():
    return load_campaign(DEMO)


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    """Every demo phase, analysed offline from the embedded snapshot."""
    return {p: open_phase(None, p, output_dir=tmp_path_factory.mktemp(p)) for p in NOTEBOOKS}


@pytest.fixture(scope="module")
def smoke(reports) -> PhaseResults:
    return reports["smoke"].results


def round_trip(results: PhaseResults) -> PhaseResults:
    text = json.dumps(results.to_dict(), ensure_ascii=False, allow_nan=False)
    return from_jsonable(PhaseResults, json.loads(text))


def frames(obj, path="") -> dict[str, pd.DataFrame]:
    """Every DataFrame inside a dataclass tree, by its attribute path."""
    out = {}
    if isinstance(obj, pd.DataFrame):
        out[path] = obj
    elif dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        for f in dataclasses.fields(obj):
            out.update(frames(getattr(obj, f.name), f"{path}.{f.name}"))
    elif isinstance(obj, dict):
        for k, v in obj.items():
            out.update(frames(v, f"{path}[{k!r}]"))
    elif isinstance(obj, (list, tuple)):
        for n, v in enumerate(obj):
            out.update(frames(v, f"{path}[{n}]"))
    return out


def replace_in(obj, path: tuple[str, ...], value):
    """``dataclasses.replace`` down a path of attribute names."""
    if not path:
        return value
    head, *rest = path
    return dataclasses.replace(obj, **{head: replace_in(getattr(obj, head), tuple(rest), value)})


# --------------------------------------------------------------------------------------------
# Small synthetic objects
# --------------------------------------------------------------------------------------------


def test_kpi_round_trip():
    ev = Evidence("latency_max", T0, T1, 15, 'max(x{a="b"})', "snapshot demo")
    kpi = Kpi("latency_p99", 265.7, "ms", (250.5, 280.25), (ev, ev), 0.975, ("upper bound",))
    data = json.loads(json.dumps(to_jsonable(kpi)))
    assert data["evidence"][0]["start"] == "2026-11-16T07:00:00+00:00"
    back = from_jsonable(Kpi, data)
    assert back == kpi
    assert back.evidence[0].start.tzinfo is not None and back.evidence[0].start == T0
    assert isinstance(back.ci, tuple) and isinstance(back.evidence, tuple)

    unknown = missing("lag_max", "records", "no lag reading", (ev,))
    back = from_jsonable(Kpi, json.loads(json.dumps(to_jsonable(unknown))))
    assert back == unknown and back.value is None and not back.known


def test_kpi_nan_becomes_unknown():
    data = json.loads(json.dumps(to_jsonable(Kpi("x", math.nan, "ms", (math.nan, 1.0)))))
    assert data["value"] is None
    back = from_jsonable(Kpi, data)
    assert not back.known
    assert math.isnan(back.ci[0]) and back.ci[1] == 1.0  # a plain float stays a float: NaN


@pytest.mark.parametrize("value", [265.7, "3/3", None, 0.0])
@pytest.mark.parametrize("status", list(Status))
def test_verdict_round_trip(value, status):
    v = Verdict("3", "Latency p99 under the SLO", status, value, "ms", "< 5000 ms", "why <b>",
                (Evidence("latency_max", T0, T1, 15),), "latency")
    back = from_jsonable(Verdict, json.loads(json.dumps(to_jsonable(v))))
    assert back == v
    assert back.status is status


def test_frame_round_trip_with_nan():
    index = pd.date_range(T0, periods=4, freq="15s", name="ts")
    frame = pd.DataFrame({"state": ["UP", "DOWN", "UP", "UNKNOWN"],
                          "rate": [1.5, math.nan, 3.0, 4.0],
                          "empty": [math.nan] * 4,
                          "whole": [1.0, 2.0, 3.0, 4.0],
                          "count": np.array([1, 2, 3, 4], dtype="int64"),
                          "ok": [True, False, True, True]}, index=index)
    back = from_jsonable(pd.DataFrame, json.loads(json.dumps(to_jsonable(frame))))
    assert isinstance(back.index, pd.DatetimeIndex)
    assert str(back.index.tz) == "UTC" and back.index.name == "ts"
    assert back.index.equals(frame.index)
    assert list(back.columns) == list(frame.columns)
    for col in ("rate", "empty", "whole"):
        assert back[col].dtype == np.float64, col
    assert math.isnan(back["rate"].iloc[1]) and back["empty"].isna().all()
    pd.testing.assert_frame_equal(back, frame, check_freq=False, check_index_type=False)


def test_unnamed_index_frame_round_trip():
    frame = pd.DataFrame({"topic": ["a", "b"], "lost": [0.0, math.nan]})
    back = from_jsonable(pd.DataFrame, json.loads(json.dumps(to_jsonable(frame))))
    pd.testing.assert_frame_equal(back, frame)


def test_empty_frame_keeps_float_columns_and_utc_index():
    frame = pd.DataFrame({"p50_ms": pd.Series(dtype="float64"), "p99_ms": pd.Series(dtype="float64")},
                         index=pd.DatetimeIndex([], tz="UTC", name="ts"))
    back = from_jsonable(pd.DataFrame, json.loads(json.dumps(to_jsonable(frame))))
    assert back.empty and list(back.columns) == ["p50_ms", "p99_ms"]
    assert (back.dtypes == np.float64).all()
    assert isinstance(back.index, pd.DatetimeIndex) and str(back.index.tz) == "UTC"


# --------------------------------------------------------------------------------------------
# A real phase
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("phase", NOTEBOOKS)
def test_phase_results_json_round_trip(reports, phase):
    results = reports[phase].results
    d = results.to_dict()
    assert d["kind"] == KIND and d["schema_version"] == SCHEMA_VERSION
    back = round_trip(results)
    assert isinstance(back.analysis, PhaseAnalysis)
    assert back.to_dict() == d
    # and byte for byte once serialised again
    assert json.dumps(back.to_dict(), sort_keys=True) == json.dumps(d, sort_keys=True)
    assert back.generated_at == results.generated_at and back.generated_at.tzinfo is not None
    assert [v.status for v in back.verdicts] == [v.status for v in results.verdicts]
    assert to_jsonable(load_phase(d["analysis"])) == d["analysis"]


@pytest.mark.parametrize("phase", NOTEBOOKS)
def test_phase_frames_come_back(reports, phase):
    results = reports[phase].results
    before, after = frames(results), frames(round_trip(results))
    assert before.keys() == after.keys() and before
    for path, a in before.items():
        b = after[path]
        assert list(b.columns) == list(a.columns), path
        assert type(b.index) is type(a.index) and b.index.name == a.index.name, path
        assert b.index.equals(a.index), path
        if isinstance(a.index, pd.DatetimeIndex):
            assert str(b.index.tz) == "UTC", path
        for col in a.columns:
            if a[col].dtype == np.float64:
                assert b[col].dtype == np.float64, f"{path}[{col}]"
                np.testing.assert_array_equal(a[col].isna(), b[col].isna())
        pd.testing.assert_frame_equal(b, a, check_freq=False, check_index_type=False,
                                      obj=path)


def test_timeline_index(smoke):
    frame = round_trip(smoke).analysis.timeline.frame
    assert isinstance(frame.index, pd.DatetimeIndex)
    assert frame.index.name == "ts" and str(frame.index.tz) == "UTC"
    assert frame.index.equals(smoke.analysis.timeline.frame.index)


def test_nan_survives(smoke):
    timeline = smoke.analysis.timeline
    frame = timeline.frame.copy()
    frame.iloc[3, frame.columns.get_loc("offered_rate")] = math.nan
    frame["lag_records"] = math.nan  # a whole column of NaN
    changed = replace_in(smoke, ("analysis", "timeline", "frame"), frame)
    changed = replace_in(changed, ("analysis", "exporter_completeness"), math.nan)
    back = round_trip(changed)
    got = back.analysis.timeline.frame
    assert math.isnan(got["offered_rate"].iloc[3]) and got["offered_rate"].dtype == np.float64
    assert got["lag_records"].dtype == np.float64 and got["lag_records"].isna().all()
    np.testing.assert_array_equal(got.isna().to_numpy(), frame.isna().to_numpy())
    assert math.isnan(back.analysis.exporter_completeness)
    assert back.to_dict() == changed.to_dict()


# --------------------------------------------------------------------------------------------
# Writing and reading the file
# --------------------------------------------------------------------------------------------


def test_write_then_read(smoke, tmp_path):
    target = write_results(smoke, tmp_path / "a" / "b")  # created
    assert target == tmp_path / "a" / "b" / RESULTS_FILE
    assert os.listdir(target.parent) == [RESULTS_FILE]
    text = target.read_text(encoding="utf-8")
    assert "NaN" not in text and "Infinity" not in text
    assert json.loads(text) == smoke.to_dict()
    assert read_results(target).to_dict() == smoke.to_dict()


def test_write_overwrites_its_own_file(smoke, tmp_path):
    write_results(smoke, tmp_path)
    other = dataclasses.replace(smoke, origin="second write")
    write_results(other, tmp_path)
    assert os.listdir(tmp_path) == [RESULTS_FILE]
    assert read_results(tmp_path / RESULTS_FILE).origin == "second write"


def test_failed_serialisation_keeps_the_previous_file(smoke, tmp_path):
    target = write_results(smoke, tmp_path)
    before = target.read_bytes()
    bad = dataclasses.replace(smoke, rules=[{"not json": {1, 2}}])
    with pytest.raises(TypeError):
        write_results(bad, tmp_path)
    assert target.read_bytes() == before
    assert os.listdir(tmp_path) == [RESULTS_FILE]


def test_failed_write_keeps_the_previous_file(smoke, tmp_path):
    """A write that fails half-way (here: text that cannot be encoded, as a label value with a
    lone surrogate from a server's JSON would be) never damages the results file."""
    target = write_results(smoke, tmp_path)
    before = target.read_bytes()
    with pytest.raises(UnicodeEncodeError):
        write_results(dataclasses.replace(smoke, origin="bad \ud800 origin"), tmp_path)
    assert target.read_bytes() == before
    assert read_results(target).to_dict() == smoke.to_dict()


def test_failed_write_leaves_no_partial_file(smoke, tmp_path):
    write_results(smoke, tmp_path)
    with pytest.raises(UnicodeEncodeError):
        write_results(dataclasses.replace(smoke, origin="bad \ud800 origin"), tmp_path)
    assert os.listdir(tmp_path) == [RESULTS_FILE]


def problems_of(excinfo) -> dict[str, str]:
    return dict(excinfo.value.problems)


def test_read_refuses_non_json(tmp_path):
    path = tmp_path / RESULTS_FILE
    path.write_text("this is not JSON {", encoding="utf-8")
    with pytest.raises(ParameterError) as exc:
        read_results(path)
    assert "unreadable" in problems_of(exc)["results.json"]
    assert str(path) in str(exc.value)


def test_read_refuses_truncated_text(smoke, tmp_path):
    path = write_results(smoke, tmp_path)
    text = path.read_text(encoding="utf-8")
    path.write_text(text[: len(text) // 2], encoding="utf-8")
    with pytest.raises(ParameterError) as exc:
        read_results(path)
    assert "unreadable" in problems_of(exc)["results.json"]


def test_read_refuses_missing_file(tmp_path):
    with pytest.raises(ParameterError) as exc:
        read_results(tmp_path / "nowhere" / RESULTS_FILE)
    assert "results.json" in problems_of(exc)


@pytest.mark.parametrize("content", [
    {"kind": "something.else"}, {}, [], "text", 3, None,
])
def test_read_refuses_another_kind(smoke, tmp_path, content):
    if isinstance(content, dict):
        content = {**smoke.to_dict(), **content} if content else {
            k: v for k, v in smoke.to_dict().items() if k != "kind"}
    path = tmp_path / RESULTS_FILE
    path.write_text(json.dumps(content), encoding="utf-8")
    with pytest.raises(ParameterError) as exc:
        read_results(path)
    assert KIND in problems_of(exc)["kind"]


@pytest.mark.parametrize("version", [SCHEMA_VERSION + 1, 0, None, str(SCHEMA_VERSION), "absent"])
def test_read_refuses_another_schema_version(smoke, tmp_path, version):
    data = smoke.to_dict()
    if version == "absent":
        del data["schema_version"]
    else:
        data["schema_version"] = version
    path = tmp_path / RESULTS_FILE
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ParameterError) as exc:
        read_results(path)
    assert "schema_version" in problems_of(exc)


@pytest.mark.parametrize("path, field", [
    (("analysis",), "analysis"),
    (("verdicts",), "verdicts"),
    (("params_sha256",), "params_sha256"),
    (("analysis", "loss", "produced"), "produced"),
    (("analysis", "timeline"), "timeline"),
    (("analysis", "lag_max", "value"), "value"),
    (("analysis", "start"), "start"),
])
def test_read_refuses_a_truncated_dict(smoke, tmp_path, path, field):
    data = smoke.to_dict()
    node = data
    for key in path[:-1]:
        node = node[key]
    del node[path[-1]]
    target = tmp_path / RESULTS_FILE
    target.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ParameterError) as exc:
        read_results(target)
    assert "malformed" in problems_of(exc)["results.json"]
    assert repr(field) in str(exc.value), str(exc.value)


@pytest.mark.parametrize("path, value", [
    (("analysis", "timeline"), None),
    (("analysis", "loss", "partitions"), "not a frame"),
    (("analysis", "start"), "not a date"),
    (("verdicts", 0, "status"), "MAYBE"),
    (("analysis", "lag_max", "value"), "many"),
    (("verdicts",), 3),
])
def test_read_refuses_damaged_values(smoke, tmp_path, path, value):
    data = smoke.to_dict()
    node = data
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    target = tmp_path / RESULTS_FILE
    target.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ParameterError) as exc:
        read_results(target)
    assert "malformed" in problems_of(exc)["results.json"]


@pytest.mark.parametrize("path", [("analysis", "latency", "percentiles")])
def test_read_refuses_a_list_where_a_mapping_belongs(smoke, tmp_path, path):
    data = smoke.to_dict()
    node = data
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = []
    target = tmp_path / RESULTS_FILE
    target.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ParameterError):
        read_results(target)


# --------------------------------------------------------------------------------------------
# A run from its results files
# --------------------------------------------------------------------------------------------


def test_params_digest(campaign, smoke):
    assert smoke.params_sha256 == params_digest(campaign)
    assert len(smoke.params_sha256) == 64
    # the same parameters read live instead of from the snapshot: the same digest
    live = campaign.model_copy(update={"source": campaign.source.model_copy(
        update={"snapshot": None, "url": "http://prometheus.example:9090"})})
    assert params_digest(live) == params_digest(campaign)


def test_combine_refuses_another_campaign(campaign, reports):
    results = [r.results for r in reports.values()]
    results[2] = dataclasses.replace(results[2], campaign="another")
    with pytest.raises(ParameterError) as exc:
        combine_run(campaign, results)
    assert "another" in problems_of(exc)["campaign"]

    renamed = campaign.model_copy(update={"campaign": campaign.campaign.model_copy(
        update={"name": "renamed"})})
    with pytest.raises(ParameterError) as exc:
        combine_run(renamed, [r.results for r in reports.values()])
    assert "campaign" in problems_of(exc)


def test_combine_refuses_changed_parameters(campaign, reports):
    th = campaign.thresholds
    changed = campaign.model_copy(update={"thresholds": th.model_copy(
        update={"lag_records": th.lag_records + 1})})
    assert params_digest(changed) != params_digest(campaign)
    with pytest.raises(ParameterError) as exc:
        combine_run(changed, [r.results for r in reports.values()])
    assert "params_sha256" in problems_of(exc)

    tampered = dataclasses.replace(reports["soak"].results, params_sha256="0" * 64)
    with pytest.raises(ParameterError) as exc:
        combine_run(campaign, [reports["smoke"].results, tampered])
    assert "params_sha256" in problems_of(exc)
    assert exc.value.source == "soak"


def test_combine_refuses_an_unknown_phase(campaign, smoke):
    with pytest.raises(ParameterError) as exc:
        combine_run(campaign, [dataclasses.replace(smoke, phase="warmup")])
    assert "phase" in problems_of(exc)


#: the one instant both analyses count certificates from (no decision date in the demo)
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def evaluated(campaign):
    with open_source(campaign) as source:
        return evaluate(campaign, source, now=NOW)


@pytest.fixture(scope="module")
def from_files(campaign, reports):
    """Each phase as its notebook leaves it: report.save(), then read back from disk."""
    results = []
    for report in reports.values():
        report.save()
        results.append(read_results(report.output_dir / RESULTS_FILE))
    return combine_run(campaign, results, now=NOW)


def test_combine_run_equals_evaluate(from_files, evaluated):
    assert from_files.to_dict() == evaluated.to_dict()


def test_combine_run_criteria_and_decision(from_files, evaluated):
    assert [(v.id, v.status) for v in from_files.criteria] == \
        [(v.id, v.status) for v in evaluated.criteria]
    assert [(v.id, v.status) for v in from_files.sla] == [(v.id, v.status) for v in evaluated.sla]
    assert from_files.decision == evaluated.decision
    assert len(from_files.criteria) == 10
    assert list(from_files.phases) == list(NOTEBOOKS)


def test_combine_run_ignores_order(campaign, reports, evaluated):
    shuffled = [reports[p].results for p in reversed(list(NOTEBOOKS))]
    assert combine_run(campaign, shuffled, now=NOW).to_dict() == evaluated.to_dict()


def test_phase_verdicts_match_the_campaign(reports, evaluated):
    """What a phase notebook judges on its own is what the campaign judges for that phase."""
    campaign_criteria = {v.id: v for v in evaluated.criteria}
    for phase, report in reports.items():
        own = [v for v in report.results.verdicts if not v.id.endswith("-loss")]
        for v in own:
            assert v.phase == phase
            assert v.status == campaign_criteria[v.id].status, (phase, v.id)
        assert report.results.verdicts[-1].id.endswith("-loss")
