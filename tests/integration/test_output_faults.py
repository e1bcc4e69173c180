"""Disk, permissions and concurrency, as a user with bad luck meets them (issue 13, section 5):
every write failure of run, report, analyse --json, snapshot and validate-change is one
``error:`` line naming what, where and why, exit 1, no traceback, nothing partial left; report
refuses an empty or truncated PDF; runs and reports at the same moment do not collide; a killed
report's partial is cleaned by the next; Chromium's profile stays out of the deliverables."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

import datasets
import faults
from conftest import require_binaries
from mm2report.documents.report import check_pdf
from mm2report.errors import OutputError

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "parameters" / "demo.yml"
CLI = [sys.executable, "-m", "mm2report.cli"]
WEEK = "2026-W47"  # the weekly follow-up report's week (default: the current one)
DOCS = ("fiche-technique", "conformite-sla", "decision-go-nogo", "synthese", "plan-action",
        "suivi-2026-s47")
REASONS = {"read-only": "Read-only file system", "full": "No space left on device",
           "file": "Not a directory", "immutable": "Operation not permitted"}


def cli(*args, env=None, timeout=600):
    return subprocess.run([*CLI, *map(str, args)], cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout, env=env)


def assert_one_clear_line(proc, what: str, where: Path, why: str | None = None) -> str:
    """Exit 1, no traceback, one ``error: cannot write <what>: <where…>: <why>`` line."""
    assert proc.returncode == 1, (proc.returncode, proc.stderr[-3000:])
    assert "Traceback" not in proc.stderr, proc.stderr[-3000:]
    (line,) = faults.error_lines(proc.stderr)
    assert line.startswith(f"error: cannot write {what}: {where}"), line
    if why is not None:
        assert why in line, line
    return line


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("faults-run")
    proc = cli("run", DEMO, "--outputs", out)
    assert proc.returncode == 0, proc.stderr[-3000:]
    (run,) = (out / "demo").iterdir()
    return run


def _copy_run(run: Path):
    def fill(place: Path) -> None:
        shutil.copytree(run, place / "demo" / run.name)
    return fill


# ---------------------------------------------------------------------------------------------
# write failures
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", faults.KINDS)
def test_analyse_json_write_failure(kind, tmp_path):
    with faults.faulty(kind, tmp_path) as place:
        target = place / "analysis.json"
        proc = cli("analyse", DEMO, "--json", target)
        where = place if kind in ("read-only", "immutable", "file") else target
        assert_one_clear_line(proc, "the analysis", where)
        assert faults.partials(place) == [] and not target.exists()
        if kind == "full":  # the analysis ran, and its write failed for want of room
            assert "Decision:" in proc.stdout and REASONS[kind] in proc.stderr


@pytest.mark.parametrize("kind", faults.KINDS)
def test_run_write_failure(kind, tmp_path):
    with faults.faulty(kind, tmp_path) as place:
        proc = cli("run", DEMO, "--phase", "smoke", "--outputs", place)
        line = assert_one_clear_line(proc, "the run", place, REASONS[kind])
        assert "partial run kept" not in proc.stderr, line
        assert faults.partials(place) == []


@pytest.mark.parametrize("kind", faults.KINDS)
def test_validate_change_write_failure(kind, tmp_path):
    with faults.faulty(kind, tmp_path) as place:
        proc = cli("validate-change", DEMO, "--at", "2026-11-17T17:55:00+01:00",
                   "--outputs", place)
        assert proc.returncode == 1, proc.stderr[-3000:]
        assert "Traceback" not in proc.stderr, proc.stderr[-3000:]
        (line,) = faults.error_lines(proc.stderr)
        assert REASONS[kind] in line and str(place) in line, line
        assert faults.partials(place) == []


# the demo's HTML deliverables take about 300 kB (in 4 kB blocks), its PDFs about 900 kB
@pytest.mark.parametrize("kind,room", [("read-only", 0), ("immutable", 0), ("full", 0),
                                       ("full", 380_000), ("full", 520_000)],
                         ids=["read-only", "immutable", "full", "full-html-fits",
                              "full-pdf-truncated"])
def test_report_write_failure_and_pdfs_checked(kind, room, demo_run, tmp_path):
    """With room for the HTML but not the PDFs, Chromium exits 0 with empty or truncated
    PDFs: the report checks each one and fails instead of declaring success."""
    require_binaries("chromium", "pdfinfo", "pdftotext")
    with faults.faulty(kind, tmp_path, fill=_copy_run(demo_run), room=room) as place:
        run_dir = place / "demo" / demo_run.name
        before = sorted(p.name for p in run_dir.iterdir())
        if kind == "immutable":  # the run itself, where the deliverables go
            subprocess.run(["chattr", "+i", str(run_dir)], check=True)
        try:
            proc = cli("report", DEMO, "--outputs", place)
        finally:
            if kind == "immutable":
                subprocess.run(["chattr", "-i", str(run_dir)], check=True)
        line = assert_one_clear_line(proc, "the deliverables", run_dir)
        if room:
            assert ".pdf: the PDF" in line and line.endswith("the disk is full"), line
        else:
            assert REASONS[kind] in line, line
        assert sorted(p.name for p in run_dir.iterdir()) == before
        assert faults.partials(place) == []


@pytest.mark.parametrize("kind", faults.KINDS)
def test_snapshot_write_failure(kind, prometheus_small, tmp_path):
    params = tmp_path / "live.yml"
    params.write_text(yaml.safe_dump(datasets.campaign_dict(url=prometheus_small.url)))
    with faults.faulty(kind, tmp_path / "faulty") as place:
        out = place / "snap"
        proc = cli("snapshot", params, "--out", out)
        assert_one_clear_line(proc, "the snapshot", place, REASONS[kind])
        assert faults.partials(place) == [] and not out.exists()


# ---------------------------------------------------------------------------------------------
# PDFs, concurrency, stale partials, Chromium's profile
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def reported(demo_run, tmp_path_factory):
    """A report of a copy of the demo run, with TMPDIR of its own (Chromium's profile)."""
    require_binaries("chromium", "pdfinfo", "pdftotext")
    out = tmp_path_factory.mktemp("reported")
    shutil.copytree(demo_run, out / "demo" / demo_run.name)
    tmp = tmp_path_factory.mktemp("tmpdir")
    proc = cli("report", DEMO, "--outputs", out, "--week", WEEK,
               env={**os.environ, "TMPDIR": str(tmp)})
    assert proc.returncode == 0, proc.stderr[-3000:]
    return out / "demo" / demo_run.name / "deliverables-fr", tmp


def test_chromium_profile_is_neither_in_the_deliverables_nor_left_behind(reported):
    deliverables, tmp = reported
    expected = {f"{d}.{ext}" for d in DOCS for ext in ("html", "pdf")} | {"index.html"}
    assert {p.name for p in deliverables.iterdir()} == expected
    assert list(tmp.iterdir()) == []  # the temporary profile was removed


def test_pdf_check_accepts_the_printed_pdfs_and_refuses_damaged_ones(reported, tmp_path):
    deliverables, _ = reported
    pdf = deliverables / "conformite-sla.pdf"
    pages = check_pdf(pdf)
    assert pages >= 2  # a document of several pages, each with its footer
    data = pdf.read_bytes()
    cases = {"empty": b"", "truncated": data[: len(data) // 2],
             "not-a-pdf": b"%PDF-1.4\n" + b"x" * 1000}
    for name, content in cases.items():
        damaged = tmp_path / f"{name}.pdf"
        damaged.write_bytes(content)
        with pytest.raises(OutputError) as info:
            check_pdf(damaged)
        assert str(info.value).startswith(f"cannot write the deliverables: {damaged}: the PDF")


def test_pdf_missing_its_last_page_is_refused(reported, tmp_path):
    """Page i of n must say "i / n": a PDF holding only the first pages of a document is
    refused even though it is a valid PDF (pdfseparate/pdfunite rebuild one)."""
    require_binaries("pdfseparate", "pdfunite")
    deliverables, _ = reported
    pdf = deliverables / "conformite-sla.pdf"
    pages = check_pdf(pdf)
    subprocess.run(["pdfseparate", str(pdf), str(tmp_path / "p%d.pdf")], check=True)
    cut = tmp_path / "cut.pdf"
    subprocess.run(["pdfunite", *[str(tmp_path / f"p{i}.pdf") for i in range(1, pages)], str(cut)],
                   check=True)
    with pytest.raises(OutputError) as info:
        check_pdf(cut)
    assert "page 1 of" in str(info.value) and "is incomplete" in str(info.value)


def test_two_reports_of_one_run_at_once_both_succeed(demo_run, tmp_path):
    shutil.copytree(demo_run, tmp_path / "demo" / demo_run.name)
    run_dir = tmp_path / "demo" / demo_run.name
    procs = [subprocess.Popen([*CLI, "report", str(DEMO), "--outputs", str(tmp_path), "--run",
                               demo_run.name, "--no-pdf", "--week", WEEK], cwd=ROOT,
                              stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(2)]
    results = [p.communicate(timeout=600) for p in procs]
    for proc, (out, err) in zip(procs, results):
        assert proc.returncode == 0, err[-3000:]
        assert "Traceback" not in err
    built = sorted(p.name for p in run_dir.iterdir() if p.name.startswith("deliverables"))
    assert built == ["deliverables-fr", "deliverables-fr-2"], built
    for name in built:
        assert {p.name for p in (run_dir / name).iterdir()} == (
            {f"{d}.html" for d in DOCS} | {"index.html"})
    assert faults.partials(run_dir) == []


def test_two_runs_started_together_get_distinct_ids(tmp_path):
    procs = [subprocess.Popen([*CLI, "run", str(DEMO), "--phase", "smoke", "--outputs",
                               str(tmp_path), "--jobs", "1"], cwd=ROOT, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(2)]
    results = [p.communicate(timeout=600) for p in procs]
    for proc, (out, err) in zip(procs, results):
        assert proc.returncode == 0, err[-3000:]
    runs = sorted((tmp_path / "demo").iterdir())
    assert len(runs) == 2 and faults.partials(tmp_path) == [], runs
    records = [json.loads((run / "run.json").read_text()) for run in runs]
    for run, record in zip(runs, records):
        assert record["run_id"] == run.name
    seconds = {r["started_at"][:19] for r in records}
    if len(seconds) == 1:  # started in the same second (the usual case): …Z and …Z-2
        assert runs[1].name == f"{runs[0].name}-2", runs


def test_killed_report_leaves_a_partial_the_next_report_removes(demo_run, tmp_path):
    require_binaries("chromium", "pdfinfo", "pdftotext")
    shutil.copytree(demo_run, tmp_path / "demo" / demo_run.name)
    run_dir = tmp_path / "demo" / demo_run.name
    proc = subprocess.Popen([*CLI, "report", str(DEMO), "--outputs", str(tmp_path)], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    try:
        deadline = time.monotonic() + 300
        while not any((run_dir / n).is_dir() and any((run_dir / n).glob("*.html"))
                      for n in os.listdir(run_dir) if n.startswith(".partial-deliverables")):
            assert proc.poll() is None, "the report ended before it could be killed"
            assert time.monotonic() < deadline
            time.sleep(0.05)
        os.killpg(proc.pid, signal.SIGKILL)  # the report and the Chromiums it started
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    stale = [p for p in run_dir.iterdir() if p.name.startswith(".partial-deliverables")]
    assert len(stale) == 1 and stale[0].name.endswith(f"-{proc.pid}"), stale
    done = cli("report", DEMO, "--outputs", tmp_path, "--no-pdf")
    assert done.returncode == 0, done.stderr[-3000:]
    assert not stale[0].exists()
    assert (run_dir / "deliverables-fr" / "index.html").exists()


def test_snapshot_removes_the_partial_of_a_killed_recording(prometheus_small, tmp_path):
    params = tmp_path / "live.yml"
    params.write_text(yaml.safe_dump(datasets.campaign_dict(url=prometheus_small.url)))
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = tmp_path / f".snap.partial-{dead.pid}"
    (stale / "queries").mkdir(parents=True)
    proc = cli("snapshot", params, "--out", tmp_path / "snap")
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert not stale.exists() and (tmp_path / "snap" / "manifest.json").exists()
