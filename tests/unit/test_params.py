"""Campaign parameter validation: valid files load, each malformed file gets its own message."""

from __future__ import annotations

import copy
import os
import subprocess
import sys
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
    # hostile values (issue 13): each refused with its field named, never a traceback
    ("time-past-the-last-datetime", lambda d: d["phases"]["capacity"].update(
        end="9999-12-31T23:59:59-01:00"), "phases.capacity.end", "out of range"),
    ("time-before-the-first-datetime", lambda d: d["phases"]["capacity"].update(
        start="0001-01-01T00:00:00+01:00"), "phases.capacity.start", "out of range"),
    ("time-after-2199", lambda d: d["phases"]["capacity"].update(end="2262-05-01T00:00:00Z"),
     "phases.capacity.end", "between 1970 and 2199"),
    ("duration-overflow-number", lambda d: d.update(thresholds={"mttr": 1.0e300}),
     "thresholds.mttr", "out of range"),
    ("duration-overflow-days", lambda d: d.update(thresholds={"rto": "99999999999d"}),
     "thresholds.rto", "at most 366d"),
    ("duration-infinite", lambda d: d.update(thresholds={"soak_min_duration": float("inf")}),
     "thresholds.soak_min_duration", "out of range"),
    ("duration-nan", lambda d: d.update(thresholds={"rpo": float("nan")}), "thresholds.rpo",
     "out of range"),
    ("lag-infinite", lambda d: d.update(thresholds={"lag_records": float("inf")}),
     "thresholds.lag_records", "finite number"),
    ("lag-never-fails", lambda d: d.update(thresholds={"lag_records": 1.0e308}),
     "thresholds.lag_records", "less than or equal to 1000000000"),
    ("offered-rate-infinite", lambda d: d["phases"]["capacity"]["steps"][0].update(
        offered_rate=float("inf")), "phases.capacity.steps[0].offered_rate", "finite number"),
    ("offered-rate-huge", lambda d: d["phases"]["capacity"]["steps"][0].update(
        offered_rate=1e308), "phases.capacity.steps[0].offered_rate", "less than or equal to"),
    ("faults-per-year-nan", lambda d: d.update(projection={"faults_per_year": {
        "broker_stop": float("nan")}}), "projection.faults_per_year.broker_stop", "finite number"),
    ("expected-tasks-yes", lambda d: d["metrics"].update(expected_tasks=True),
     "metrics.expected_tasks", "whole number"),
    ("expected-tasks-decimal", lambda d: d["metrics"].update(expected_tasks=2.5),
     "metrics.expected_tasks", "whole number"),
    ("version-true", lambda d: d.update(version=True), "version", "whole number"),
    ("threshold-boolean", lambda d: d.update(thresholds={"sla_latency_ms": True}),
     "thresholds.sla_latency_ms", "not yes/no"),
    ("regex-atomic-group", lambda d: d["metrics"].update(topics="(?>orders)"), "metrics.topics",
     "invalid perl operator"),
    ("regex-possessive", lambda d: d["metrics"].update(topics="orders++"), "metrics.topics",
     "bad repetition operator"),
    ("regex-conditional", lambda d: d["metrics"].update(topics="(o)?(?(1)rders|x)"),
     "metrics.topics", "invalid perl operator"),
    ("regex-comment", lambda d: d["metrics"].update(topics="(?#all)orders"), "metrics.topics",
     "invalid perl operator"),
    ("regex-in-selector", lambda d: d["metrics"].update(mm2_selector='pod=~"mm2-(?>x)"'),
     "metrics.mm2_selector", "label 'pod'"),
    ("phases-overlap", lambda d: d["phases"].update(latency={
        "start": "2026-11-16T18:30:00Z", "end": "2026-11-16T20:00:00Z"}),
     "phases.latency.start", "overlaps phase capacity"),
    ("action-plan-missing", lambda d: d.update(action_plan="no-such-plan.yml"), "action_plan",
     "no such file"),
    ("action-plan-not-a-plan", lambda d: d.update(action_plan="/etc/passwd"), "action_plan",
     "YAML mapping"),
    ("action-plan-dev-zero", lambda d: d.update(action_plan="/dev/zero"), "action_plan",
     "not a regular file (a character device)"),
]

RAW_MALFORMED = [
    ("not-yaml", "campaign: [unclosed\n", "<file>", "not valid YAML"),
    ("not-a-mapping", "- just\n- a list\n", "<file>", "YAML mapping"),
    ("duplicate-key", "campaign: {name: a, client: b}\ncampaign: {name: c, client: d}\n",
     "campaign", "duplicate key (line 2)"),
    ("empty-file", "", "<file>", "YAML mapping"),
    ("duplicate-nested-key", "phases:\n  soak:\n    start: 2026-11-16T16:00:00Z\n"
     "    start: 2026-11-16T17:00:00Z\n", "phases.soak.start", "duplicate key (line 4)"),
    ("duplicate-key-in-list", "checklist:\n- id: acls\n  status: done\n- id: quotas\n"
     "  id: acls\n", "checklist[1].id", "duplicate key (line 5)"),
    ("list-as-key", "campaign: {name: a, client: b}\n? [a, b]\n: 1\n", "<file>",
     "a key must be a name, not a list (line 2)"),
    ("mapping-as-key", "metrics:\n  ? {a: 1}\n  : 1\n", "metrics",
     "a key must be a name, not a mapping (line 2)"),
    ("nested-1000-lists", "campaign: " + "[" * 1000 + "]" * 1000 + "\n", "<file>",
     "nested more than 64 levels deep"),
    ("nested-1000-mappings", "campaign: " + "{a: " * 1000 + "1" + "}" * 1000 + "\n", "<file>",
     "nested more than 64 levels deep"),
    ("nested-block-mappings", "".join("  " * i + f"k{i}:\n" for i in range(200)) + "  " * 200
     + "v\n", "<file>", "nested more than 64 levels deep"),
    ("too-many-values", "alerts:\n  expected_rules: [" + "r," * 60_000 + "r]\n", "<file>",
     "more than 50000 values"),
    ("too-large", "campaign: {name: a, client: b}\n" + "#" * 300_000 + "\n", "<file>",
     "larger than 256 KiB"),
    ("explicit-timestamp-tag", "phases:\n  soak:\n    start: !!timestamp 9999-12-31T23:59:59-01:00\n"
     "    end: 2026-11-16T17:00:00Z\n", "phases.soak.start", "out of range"),
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


def test_unicode_class_prometheus_accepts_is_accepted(tmp_path):
    c = load_campaign(_write(tmp_path, _mutated(lambda d: d["metrics"].update(topics=r"\pL+\.v\d"))))
    assert c.metrics.topics == r"\pL+\.v\d"


def test_phases_may_touch_without_overlapping(tmp_path):
    data = _mutated(lambda d: d["phases"].update(latency={"start": "2026-11-16T19:00:00Z",
                                                          "end": "2026-11-16T20:00:00Z"}))
    assert load_campaign(_write(tmp_path, data)).phases.latency is not None


def test_action_plan_is_validated_with_the_campaign_and_named(tmp_path):
    plan = REPO / "parameters" / "demo-actions.yml"
    (tmp_path / "plan.yml").write_text(plan.read_text().replace("priority: P0", "priority: P9", 1))
    problems = _problems(_write(tmp_path, _mutated(lambda d: d.update(action_plan="plan.yml"))))
    assert len(problems) == 1, problems
    field, reason = problems[0]
    assert field.startswith("action_plan.actions[") and field.endswith("].priority"), problems
    assert "'P0'" in reason and str(tmp_path / "plan.yml") in reason
    (tmp_path / "plan.yml").write_text(plan.read_text())
    c = load_campaign(_write(tmp_path, _mutated(lambda d: d.update(action_plan="plan.yml"))))
    assert c.action_plan == tmp_path / "plan.yml"


def test_campaign_that_is_a_link_to_dev_zero_is_refused_unread(tmp_path, capsys):
    link = tmp_path / "campaign.yml"
    link.symlink_to("/dev/zero")
    assert _problems(link) == [("<file>", "not a regular file (a character device)")]
    assert cli.main(["check", str(link)]) == 2
    assert "not a regular file" in capsys.readouterr().err


def test_directory_is_not_a_campaign_file(tmp_path):
    assert _problems(tmp_path) == [("<file>", "not a regular file (a directory)")]


def test_fifo_with_no_writer_is_refused_without_hanging(tmp_path):
    fifo = tmp_path / "campaign.yml"
    os.mkfifo(fifo)
    # in a child process, so that a regression hangs that process, not the test run
    proc = subprocess.run([sys.executable, "-m", "mm2report.cli", "check", str(fifo)],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2, proc.stderr
    assert "not a regular file (a FIFO)" in proc.stderr and "Traceback" not in proc.stderr


def test_size_is_checked_on_what_was_read_too():
    """A file may grow after its size was read, and /proc files state a size of 0."""
    from mm2report import params

    assert os.stat("/proc/self/maps").st_size == 0
    with pytest.raises(ParameterError) as info:
        params.read_text_file(Path("/proc/self/maps"), limit=100)
    assert info.value.problems == [("", "larger than 100 bytes: not a parameter file, refused unread")]


@pytest.mark.parametrize("text", [
    "thresholds:\n  mttr: 1.0e+300\n",
    "phases:\n  soak: {start: '0001-01-01T00:00:00+01:00', end: 2026-11-16T17:00:00Z}\n",
    "campaign: " + "[" * 5000 + "]" * 5000 + "\n",
    "? [a, b]\n: 1\n",
])
def test_hostile_files_exit_2_without_traceback(tmp_path, capsys, text):
    assert cli.main(["check", str(_write(tmp_path, text))]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "Traceback" not in err


@pytest.mark.parametrize("make", ["fifo", "dev-zero", "missing"])
def test_secret_file_that_is_not_a_small_regular_file_is_refused(tmp_path, make):
    from mm2report.params import SecretRef

    path = tmp_path / "token"
    if make == "fifo":
        os.mkfifo(path)
    elif make == "dev-zero":
        path.symlink_to("/dev/zero")
    with pytest.raises(ParameterError) as info:
        SecretRef(file=path).read()
    ((field, reason),) = info.value.problems
    assert field == "source.auth" and f"cannot read secret file {path}" in reason
    assert ("not a regular file" if make != "missing" else "no such file") in reason


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
