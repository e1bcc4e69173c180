"""Campaign parameter validation: valid files load, each malformed file gets its own message."""

from __future__ import annotations

import copy
import os
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import yaml

import datasets
from mm2report import cli
from mm2report.errors import ParameterError
from mm2report.params import load_campaign, parse_duration

REPO = Path(__file__).resolve().parents[2]

BASE = {
    "campaign": {"name": "t1", "client": "ACME"},
    "source": {"url": "http://127.0.0.1:9090"},
    "metrics": {
        **datasets.TWO_TOPICS_METRICS,
    },
    "phases": {
        "resilience": {
            "start": "2026-11-17T21:00:00+01:00",
            "end": "2026-11-17T23:00:00+01:00",
            "events": [{"kind": "worker_stop", "start": "2026-11-17T21:15:00+01:00",
                        "end": "2026-11-17T21:25:00+01:00", "target": "w1"}],
        },
        "capacity": {
            "start": "2026-11-16T16:00:00Z",
            "end": "2026-11-16T19:00:00Z",
            "steps": [{"start": "2026-11-16T16:00:00Z", "end": "2026-11-16T16:30:00Z",
                       "offered_rate": 5000}],
        },
    },
}


def _write(tmp_path: Path, data) -> Path:
    path = tmp_path / "campaign.yml"
    path.write_text(data if isinstance(data, str) else yaml.safe_dump(data, sort_keys=False))
    return path


def _mutated(mutate) -> dict:
    data = copy.deepcopy(BASE)
    mutate(data)
    return data


def test_valid_file_loads_with_defaults_and_utc_times(tmp_path):
    c = load_campaign(_write(tmp_path, BASE))
    assert c.campaign.timezone == "Europe/Paris" and c.campaign.language == "fr"
    assert c.source.step == timedelta(seconds=15)
    t = c.thresholds
    assert (t.latency_p99_slo_ms, t.sla_latency_ms, t.lag_records) == (5000, 1000, 10_000)
    assert t.availability_pct == 99.9886 and t.recommended_capacity_ratio == 0.70
    assert (t.mttr, t.rto, t.rpo) == (timedelta(minutes=10), timedelta(minutes=5), timedelta(seconds=60))
    assert t.soak_min_duration == timedelta(hours=24)
    phase = c.phases.resilience
    assert phase.start == datetime(2026, 11, 17, 20, 0, tzinfo=timezone.utc)
    assert phase.events[0].end == datetime(2026, 11, 17, 20, 25, tzinfo=timezone.utc)
    assert [name for name, _ in c.phases.items()] == ["capacity", "resilience"]


def test_shipped_parameter_files_are_valid():
    for name in ("example.yml", "demo.yml"):
        path = REPO / "parameters" / name
        if path.exists():
            load_campaign(path)


def test_relative_snapshot_path_is_read_from_the_file_directory(tmp_path):
    (tmp_path / "snap").mkdir()
    data = _mutated(lambda d: d.update(source={"snapshot": "snap"}))
    c = load_campaign(_write(tmp_path, data))
    assert c.source.snapshot == tmp_path / "snap"


@pytest.mark.parametrize("text,seconds", [("15s", 15), ("10m", 600), ("1h30m", 5400),
                                          ("24h", 86400), ("2d", 172800), (90, 90), ("500ms", 0.5)])
def test_durations(text, seconds):
    assert parse_duration(text).total_seconds() == seconds


# Each malformed file: (id, content or mutation, expected field path, expected words in reason).
MALFORMED = [
    ("unknown-top-key", lambda d: d.update(extra=1), "extra", "unknown key"),
    ("unknown-nested-key", lambda d: d["metrics"].update(flavor="x"), "metrics.flavor", "unknown key"),
    ("missing-section", lambda d: d.pop("metrics"), "metrics", "required"),
    ("missing-alias", lambda d: d["metrics"].pop("target_alias"), "metrics.target_alias", "required"),
    ("naive-time", lambda d: d["phases"]["capacity"].update(start="2026-11-16T16:00:00"),
     "phases.capacity.start", "no UTC offset"),
    ("unreadable-time", lambda d: d["phases"]["capacity"].update(end="tomorrow"),
     "phases.capacity.end", "ISO 8601"),
    ("end-before-start", lambda d: d["phases"]["capacity"].update(end="2026-11-16T15:00:00Z"),
     "phases.capacity.end", "after start"),
    ("event-outside-phase", lambda d: d["phases"]["resilience"]["events"][0].update(
        start="2026-11-17T19:00:00+01:00"), "phases.resilience.events[0].start", "inside its phase"),
    ("event-bad-kind", lambda d: d["phases"]["resilience"]["events"][0].update(kind="reboot"),
     "phases.resilience.events[0].kind", "worker_stop"),
    ("unknown-phase", lambda d: d["phases"].update(warmup={"start": "2026-11-16T16:00:00Z",
                                                           "end": "2026-11-16T17:00:00Z"}),
     "phases.warmup", "unknown key"),
    ("no-phase", lambda d: d.update(phases={}), "phases", "at least one phase"),
    ("threshold-negative", lambda d: d.update(thresholds={"latency_p99_slo_ms": -5}),
     "thresholds.latency_p99_slo_ms", "greater than 0"),
    ("availability-over-100", lambda d: d.update(thresholds={"availability_pct": 100.5}),
     "thresholds.availability_pct", "less than or equal to 100"),
    ("ratio-over-1", lambda d: d.update(thresholds={"recommended_capacity_ratio": 1.7}),
     "thresholds.recommended_capacity_ratio", "less than or equal to 1"),
    ("bad-duration", lambda d: d.update(thresholds={"rto": "5 minutes"}), "thresholds.rto",
     "as a duration"),
    ("url-and-snapshot", lambda d: d["source"].update(snapshot="."), "source", "exactly one of"),
    ("url-with-credentials", lambda d: d["source"].update(url="http://admin:s3cret@prom:9090"),
     "source.url", "must not be written in the URL"),
    ("url-scheme", lambda d: d["source"].update(url="ftp://prom"), "source.url", "http://"),
    ("auth-literal-token", lambda d: d["source"].update(auth={"type": "bearer", "token": "abc.def"}),
     "source.auth.token", "never written in the parameter file"),
    ("auth-env-is-a-value", lambda d: d["source"].update(
        auth={"type": "bearer", "token": {"env": "eyJhbGciOi.x-y"}}),
     "source.auth.token.env", "name of an environment variable"),
    ("auth-env-and-file", lambda d: d["source"].update(
        auth={"type": "basic", "username": {"env": "U", "file": "/x"}, "password": {"env": "P"}}),
     "source.auth.username", "exactly one of"),
    ("auth-unknown-type", lambda d: d["source"].update(auth={"type": "oauth"}), "source.auth",
     "bearer"),
    ("tls-missing-ca", lambda d: d["source"].update(tls={"ca_file": "/nonexistent/ca.pem"}),
     "source.tls.ca_file", "no such file"),
    ("step-not-whole", lambda d: d["source"].update(step="1500ms"), "source.step", "whole number"),
    ("snapshot-missing", lambda d: d.update(source={"snapshot": "no/such/dir"}), "source.snapshot",
     "no such snapshot directory"),
    ("bad-topic-regex", lambda d: d["metrics"].update(topics="orders("), "metrics.topics",
     "invalid regular expression"),
    ("bad-selector", lambda d: d["metrics"].update(mm2_selector="namespace=kafka"),
     "metrics.mm2_selector", "quoted label value"),
    ("same-exporter-selectors", lambda d: d["metrics"].update(
        target_exporter_selector='job="kafka-exporter-source"'), "metrics", "told apart"),
    ("same-aliases", lambda d: d["metrics"].update(target_alias="primary"), "metrics",
     "must differ"),
    ("unknown-override", lambda d: d["metrics"].update(overrides={"latency_p42": {"name": "x"}}),
     "metrics.overrides", "unknown metric latency_p42"),
    ("bad-flavour", lambda d: d["metrics"].update(flavour="jmx"), "metrics.flavour",
     "strimzi-jmx"),
    ("bad-timezone", lambda d: d["campaign"].update(timezone="Paris"), "campaign.timezone",
     "unknown time zone"),
    ("bad-language", lambda d: d["campaign"].update(language="de"), "campaign.language", "'fr'"),
    ("bad-name", lambda d: d["campaign"].update(name="my campaign/1"), "campaign.name",
     "output folder"),
    ("checklist-unknown-item", lambda d: d.update(checklist=[{"id": "coffee", "status": "done"}]),
     "checklist[0].id", "unknown checklist item"),
    ("checklist-done-without-evidence", lambda d: d.update(checklist=[{"id": "runbook",
                                                                       "status": "done"}]),
     "checklist[0]", "needs its 'evidence'"),
    ("checklist-duplicate", lambda d: d.update(checklist=[
        {"id": "acls", "status": "not_done"}, {"id": "acls", "status": "not_done"}]),
     "checklist[1].id", "listed twice"),
    ("step-overlap", lambda d: d["phases"]["capacity"]["steps"].append(
        {"start": "2026-11-16T16:20:00Z", "end": "2026-11-16T16:50:00Z"}),
     "phases.capacity.steps[1].start", "not overlap"),
    ("step-shorter-than-warmup", lambda d: d["phases"]["capacity"].update(warmup="45m"),
     "phases.capacity.steps[0]", "warm-up"),
    ("retries-out-of-range", lambda d: d["source"].update(retries=50), "source.retries",
     "less than or equal to 10"),
]

RAW_MALFORMED = [
    ("not-yaml", "campaign: [unclosed\n", "<file>", "not valid YAML"),
    ("not-a-mapping", "- just\n- a list\n", "<file>", "YAML mapping"),
    ("duplicate-key", "campaign: {name: a, client: b}\ncampaign: {name: c, client: d}\n",
     "campaign", "duplicate key (line 2)"),
    ("empty-file", "", "<file>", "YAML mapping"),
]


def _problems(path: Path) -> list[tuple[str, str]]:
    with pytest.raises(ParameterError) as info:
        load_campaign(path)
    return [(p or "<file>", reason) for p, reason in info.value.problems]


@pytest.mark.parametrize("case,mutate,field,words", MALFORMED, ids=[m[0] for m in MALFORMED])
def test_malformed_file_names_field_and_reason(tmp_path, case, mutate, field, words):
    problems = _problems(_write(tmp_path, _mutated(mutate)))
    assert any(path == field and words in reason for path, reason in problems), problems


@pytest.mark.parametrize("case,text,field,words", RAW_MALFORMED, ids=[m[0] for m in RAW_MALFORMED])
def test_malformed_text_names_the_problem(tmp_path, case, text, field, words):
    problems = _problems(_write(tmp_path, text))
    assert any(path == field and words in reason for path, reason in problems), problems


def test_one_problem_per_line_all_reported(tmp_path):
    def several(d):
        d["campaign"]["timezone"] = "Mars/Olympus"
        d["metrics"]["topics"] = "("
        d["thresholds"] = {"rpo": "-1s"}

    problems = _problems(_write(tmp_path, _mutated(several)))
    assert {p for p, _ in problems} == {"campaign.timezone", "metrics.topics", "thresholds.rpo"}


def test_check_cli_exit_2_writes_nothing_and_hides_credentials(tmp_path, capsys):
    path = _write(tmp_path, _mutated(lambda d: d["source"].update(url="http://bob:hunter2@prom:9090")))
    before = sorted(os.listdir(tmp_path))
    assert cli.main(["check", str(path)]) == 2
    err = capsys.readouterr().err
    assert "source.url" in err and "hunter2" not in err and "bob" not in err
    assert sorted(os.listdir(tmp_path)) == before


def test_check_cli_prints_summary_in_campaign_time_zone(tmp_path, capsys):
    assert cli.main(["check", str(_write(tmp_path, BASE))]) == 0
    out = capsys.readouterr().out
    assert "resilience" in out and "2026-11-17 21:00:00 +0100" in out
    assert "worker_stop on w1" in out


def test_missing_file_is_bad_input(tmp_path, capsys):
    assert cli.main(["check", str(tmp_path / "nope.yml")]) == 2
    assert "no such file" in capsys.readouterr().err


WORKER_LABELS_MALFORMED = [
    ([], "at least one label"),
    ("instance", "list of label names"),
    (["instance", "instance"], "appear once"),
    (["pod-name"], "not a Prometheus label name"),
    (["__name__"], "not a Prometheus label name"),
    (["1pod"], "not a Prometheus label name"),
    ([7], "not a Prometheus label name"),
]


@pytest.mark.parametrize("value,words", WORKER_LABELS_MALFORMED,
                         ids=[repr(v) for v, _ in WORKER_LABELS_MALFORMED])
def test_worker_labels_are_validated(tmp_path, value, words):
    data = _mutated(lambda d: d["metrics"].update(worker_labels=value))
    problems = _problems(_write(tmp_path, data))
    assert any(path.startswith("metrics.worker_labels") and words in reason
               for path, reason in problems), problems


def test_worker_labels_default_to_the_profiles_and_can_name_the_pod(tmp_path):
    metrics = load_campaign(_write(tmp_path, BASE)).metrics
    assert metrics.worker_labels is None and metrics.worker_identity == ("instance",)
    data = _mutated(lambda d: d["metrics"].update(worker_labels=["namespace", "kubernetes_pod_name"]))
    c = load_campaign(_write(tmp_path, data))
    assert c.metrics.worker_identity == ("namespace", "kubernetes_pod_name")
