"""`mm2report report`: the deliverables of a demo run, checked as a reader would (PDF text,
page images, HTML in headless Chromium) and against the run's results.json."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import require_binaries
from mm2report.actions import load_plan
from mm2report.documents.deliverables import technical_sheet
from mm2report.documents.i18n import texts
from mm2report.documents.results import RESULTS_FILE, combine_run, read_results
from mm2report.params import load_campaign

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "parameters" / "demo.yml"
ARTIFACTS = ROOT / "test-artifacts" / "report"
DOCS = ("fiche-technique", "conformite-sla", "decision-go-nogo", "synthese", "plan-action")
CLI = [sys.executable, "-m", "mm2report.cli"]
pytestmark = pytest.mark.integration


def cli(*args, cwd=ROOT):
    return subprocess.run([*CLI, *map(str, args)], cwd=cwd, capture_output=True, text=True,
                          timeout=300)


def flat(text: str) -> str:
    """Narrow and ordinary no-break spaces as plain spaces (pdftotext renders them so)."""
    return text.replace("\u202f", " ").replace("\u00a0", " ")


def pdf_text(path: Path) -> str:
    return flat(subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                               text=True, check=True).stdout)


def pages(path: Path) -> int:
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    assert "A4" in info, info
    return int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    require_binaries("chromium", "pdftotext", "pdftoppm")
    out = tmp_path_factory.mktemp("report")
    r = cli("run", DEMO, "--outputs", out)
    assert r.returncode == 0, r.stderr
    r = cli("report", DEMO, "--outputs", out)
    assert r.returncode == 0, r.stderr
    (run,) = [p for p in (out / "demo").iterdir() if p.is_dir()]
    return run, run / "deliverables-fr", r.stdout


def test_every_deliverable_as_html_and_a4_pdf_with_page_numbers_and_header(demo):
    run, d, _ = demo
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for doc in DOCS:
        pdf = d / f"{doc}.pdf"
        n = pages(pdf)
        assert 1 <= n <= 8, (doc, n)
        text = pdf_text(pdf)
        assert f"Page 1 / {n}" in text and f"Page {n} / {n}" in text, doc
        assert text.count("Démo SA — demo —") >= n, doc  # running header on every page
        subprocess.run(["pdftoppm", "-r", "60", "-png", str(pdf), str(ARTIFACTS / doc)], check=True)
        page = (d / f"{doc}.html").read_text()
        assert not re.search(r"""(src|href)\s*=\s*["']?https?://""", page), doc
        assert "<script" not in page.lower()
    assert (d / "index.html").exists()


def test_the_snapshot_manifest_digest_is_in_every_results_file_and_data_deliverable(demo):
    """The audit trail: which recording the figures come from (issue 13 §4)."""
    import hashlib

    run, d, _ = demo
    digest = hashlib.sha256((ROOT / "parameters" / "snapshots" / "demo" / "manifest.json")
                            .read_bytes()).hexdigest()
    results = [p / RESULTS_FILE for p in run.iterdir() if (p / RESULTS_FILE).exists()]
    assert len(results) == 7
    for path in results:
        assert f"manifest sha256 {digest}" in json.loads(path.read_text())["origin"], path
    assert f"manifest sha256 {digest}" in json.loads((run / "run.json").read_text())["origin"]
    for doc in ("fiche-technique", "conformite-sla", "decision-go-nogo", "synthese"):
        assert digest in (d / f"{doc}.html").read_text(), doc
        assert digest in "".join(pdf_text(d / f"{doc}.pdf").split()), doc
        assert "Provenance des mesures" in pdf_text(d / f"{doc}.pdf"), doc


def test_technical_sheet_figures_equal_the_results(demo):
    run, d, _ = demo
    campaign = load_campaign(DEMO)
    analysis = combine_run(campaign, [read_results(p / RESULTS_FILE) for p in run.iterdir()
                                      if (p / RESULTS_FILE).exists()])
    t = texts("fr", campaign.campaign.tz)
    text = pdf_text(d / "fiche-technique.pdf")
    sheet = {line.key: line.kpi for line in technical_sheet(analysis)}
    # values read from results.json here, formatted the French way, must be printed
    raw = json.loads((run / "04-capacity" / RESULTS_FILE).read_text())
    max_tested = raw["analysis"]["capacity"]["max_tested"]["value"]
    assert sheet["l.max_tested"].value == max_tested
    for expected in (t.num(max_tested), t.num(0.7 * max_tested), t.num(analysis.workers.value),
                     t.num(analysis.expected_tasks.value)):
        assert flat(expected) in text, expected
    sla = pdf_text(d / "conformite-sla.pdf")
    assert "99,9886" in sla and "Disponibilité" in sla
    for v in analysis.sla:
        if v.id == "sla-mttr":
            assert flat(t.duration(v.value)) in sla


def test_decision_is_nogo_with_the_blocking_points_and_open_p0_actions(demo):
    run, d, stdout = demo
    plan = load_plan(ROOT / "parameters" / "demo-actions.yml")
    text = pdf_text(d / "decision-go-nogo.pdf")
    assert "NOGO" in text
    for a in plan.open_p0:
        assert a.id in text
    assert "ACT-001 Tester la procédure de rollback" in " ".join(text.split())  # criterion 10's fix
    assert "production decision: NOGO" in stdout


def test_open_p0_blocks_production_even_when_every_test_passes(tmp_path):
    require_binaries("chromium")
    data = yaml.safe_load(DEMO.read_text())
    for item in data["checklist"]:
        if item["id"] == "rollback_tested":
            item.update(status="done", evidence="rollback drill 2026-11-18",
                        date="2026-11-18T10:00:00+01:00")
    data["source"]["snapshot"] = str(ROOT / "parameters" / "snapshots" / "demo")
    data["action_plan"] = str(ROOT / "parameters" / "demo-actions.yml")
    params = tmp_path / "campaign.yml"
    params.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False))
    assert cli("run", params, "--outputs", tmp_path / "out").returncode == 0
    r = cli("report", params, "--outputs", tmp_path / "out", "--lang", "en", "--no-pdf")
    assert r.returncode == 0, r.stderr
    assert "NOGO (tests GO, but open P0 actions: ACT-001, ACT-002)" in r.stdout
    (run,) = (tmp_path / "out" / "demo").iterdir()
    page = (run / "deliverables-en" / "decision-go-nogo.html").read_text()
    assert "NOGO" in page and "Production GO/NOGO decision" in page


def test_bad_input_exit_2(tmp_path):
    r = cli("report", DEMO, "--outputs", tmp_path)  # no run yet
    assert r.returncode == 2 and "--run" in r.stderr


def test_html_renders_in_headless_chromium_screenshot_kept(demo):
    run, d, _ = demo
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for doc in ("index", "decision-go-nogo"):
        shot = ARTIFACTS / f"{doc}-screen.png"
        shot.unlink(missing_ok=True)
        subprocess.run(["chromium", "--headless", "--no-sandbox", "--disable-gpu",
                        "--hide-scrollbars", "--window-size=1200,1600", f"--screenshot={shot}",
                        (d / f"{doc}.html").as_uri()], capture_output=True, timeout=120,
                       env={"HOME": str(run)})
        assert shot.stat().st_size > 20_000, doc  # a rendered page, not a blank one
    index = (d / "index.html").read_text()
    for doc in DOCS:
        assert f'href="{doc}.html"' in index and f'href="{doc}.pdf"' in index
    assert 'href="../03-latency/03-latency.html"' in index


def test_the_synthesis_notebook_shows_the_same_documents(demo, tmp_path):
    run, d, _ = demo
    out = tmp_path / "deliverables.ipynb"
    r = subprocess.run([str(Path(sys.executable).parent / "papermill"),
                        str(ROOT / "notebooks" / "deliverables.ipynb"), str(out),
                        "-p", "campaign", str(DEMO), "-p", "run", str(run), "--no-progress-bar"],
                       cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    import nbformat

    nb = nbformat.read(out, as_version=4)
    shown = "".join(o.get("data", {}).get("text/html", "") for c in nb.cells
                    for o in c.get("outputs", []))
    sheet = (d / "fiche-technique.html").read_text()
    for row in re.findall(r"<tr>.*?</tr>", sheet.split("<tbody>", 1)[1]):
        assert row in shown  # every line of the printed sheet, identical
    assert "NOGO" in shown and not list(tmp_path.glob("**/results.json"))
