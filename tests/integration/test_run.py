"""``mm2report run`` and the phase notebooks, end to end.

Every check runs the real thing: papermill on the shipped notebooks, the ``mm2report`` console
script in a subprocess (exit codes, signals), nbconvert's HTML. Expected results are computed
independently in this process with :func:`~mm2report.documents.notebook.open_phase` (one phase)
and :func:`~mm2report.evaluate.evaluate` (the campaign), never read back from the run under test.

The demo-snapshot tests need no server. The credentials test runs against a real Prometheus
backfilled from a simulated scenario, behind a proxy that demands a bearer token (Prometheus'
own web config only offers basic auth), and is marked ``integration``.
"""

from __future__ import annotations

import contextlib
import hashlib
import html
import io
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import threading
import time
import uuid
from html.parser import HTMLParser
from pathlib import Path
from types import SimpleNamespace

import nbformat
import pytest
import yaml

import mm2report.run as mm2run
from conftest import require_binaries
from mm2report import cli, servers
from mm2report.documents.notebook import NOTEBOOKS, open_phase
from mm2report.documents.results import RESULTS_FILE, combine_run, read_results
from mm2report.evaluate import evaluate
from mm2report.params import load_campaign
from mm2report.simulate import simulate
from mm2report.sources import open_source

from .helpers import FaultProxy

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "parameters" / "demo.yml"
BIN = Path(sys.executable).parent
RUN_ID = re.compile(r"^\d{8}T\d{6}Z(-\d+)?$")
TIMEOUT = 300

# Report titles of the phases, as a reader sees them (stated here, not read from
# mm2report.documents.i18n).
TITLE_FR = {"smoke": "Test de fumée", "nominal": "Charge nominale", "latency": "Latence",
            "capacity": "Capacité maximale", "soak": "Endurance 24\u00a0h",  # no break in "24 h"
            "resilience": "Résilience",
            "errors": "Comportements en erreur"}
TITLE_EN_SMOKE = "Smoke test"
# the first sentence of the summary's guide, by hand (the catalogue's g.summary)
GUIDE_FR = "Ce rapport analyse une phase de la campagne."
GUIDE_EN = "This report analyses one phase of the campaign."

BAD_CELL = "report.no_such_section()"


# --------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------


def mm2report_cmd(*args: str) -> list[str]:
    """The ``mm2report`` console script of this environment."""
    script = BIN / "mm2report"
    if script.exists():
        return [str(script), *map(str, args)]
    return [sys.executable, "-m", "mm2report.cli", *map(str, args)]


def run_cli(*args, cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(mm2report_cmd(*args), cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=TIMEOUT)


def comparable(data: dict) -> dict:
    """A results/analysis dict as JSON holds it, without ``generated_at``; NaN made comparable."""
    out = json.loads(json.dumps(data, allow_nan=True), parse_constant=str)
    out.pop("generated_at", None)
    return out


def read_json(path: Path) -> dict:
    return comparable(json.loads(path.read_text(encoding="utf-8")))


def tree_state(root: Path) -> dict[str, tuple]:
    """Every file and directory under ``root`` with its content hash and modification time."""
    state = {}
    for p in sorted(root.rglob("*")):
        rel = str(p.relative_to(root))
        if p.is_dir():
            state[rel] = ("dir",)
        else:
            state[rel] = (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns)
    return state


def decision_text(campaign_analysis) -> str:
    d = campaign_analysis.decision
    return ("GO" if d.go else "NOGO") + f" ({d.reason})"


def code_lines(notebook: Path) -> list[str]:
    """The code of a notebook, line by line, comments left out."""
    nb = nbformat.read(notebook, as_version=4)
    lines = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        for line in cell.source.splitlines():
            code = line.split("  #")[0].strip()
            if code and not code.startswith("#"):
                lines.append(code)
    return lines


class _ClassText(HTMLParser):
    """Text inside elements whose class starts with one of ``prefixes`` (one entry each)."""

    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
            "track", "wbr"}

    def __init__(self, prefixes: tuple[str, ...]):
        super().__init__(convert_charrefs=True)
        self.prefixes = prefixes
        self.stack: list[tuple[str, bool]] = []
        self.found: list[list[str]] = []

    def _inside(self) -> bool:
        return any(match for _, match in self.stack)

    def handle_starttag(self, tag, attrs):
        classes = (dict(attrs).get("class") or "").split()
        match = any(c.startswith(self.prefixes) for c in classes)
        if match and not self._inside():
            self.found.append([])
        if tag not in self.VOID:
            self.stack.append((tag, match))

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                break

    def handle_data(self, data):
        if self._inside() and self.found:
            self.found[-1].append(data)


def code_elements_with_content(page: str) -> list[str]:
    parser = _ClassText(("jp-InputArea", "jp-Editor", "highlight"))
    parser.feed(page)
    return ["".join(parts).strip() for parts in parser.found if "".join(parts).strip()]


FETCHING = [
    re.compile(r"""\b(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", re.I),
    re.compile(r"""url\(\s*["']?\s*(?:https?:)?//""", re.I),
    re.compile(r"""\bimport\s*\(?\s*["']?\s*(?:https?:)?//""", re.I),
]


def assert_offline_and_codeless(page: str, origin: str, notebook: Path) -> None:
    """Nothing fetched from the network, no URL but the metrics source's, no code shown."""
    without_origin = page.replace(html.escape(origin), "").replace(origin, "")
    for pattern in FETCHING:
        hits = [m.group(0) for m in pattern.finditer(without_origin)]
        assert not hits, f"{notebook.name}: fetches from the network: {hits[:5]}"
    assert "https://" not in without_origin, \
        f"{notebook.name}: URL in the HTML: " \
        f"{without_origin[max(0, without_origin.find('https://') - 80):][:200]!r}"
    assert "open_phase(" not in page
    assert code_elements_with_content(page) == []
    for line in code_lines(notebook):
        assert line not in page and html.escape(line) not in page, f"code shown: {line!r}"


def error_outputs(nb) -> list[tuple[int, dict]]:
    return [(i, out) for i, cell in enumerate(nb.cells) for out in cell.get("outputs", [])
            if out.get("output_type") == "error"]


def cell_number(error: str) -> int:
    m = re.match(r"^cell (\d+) \(", error)
    assert m, f"the error does not name the cell: {error!r}"
    return int(m.group(1))


def failing_cell(nb) -> tuple[int, dict]:
    """(position among the code cells, 1-based; the cell) of the cell with the error output."""
    code_cells = [c for c in nb.cells if c.cell_type == "code"]
    for n, cell in enumerate(code_cells, start=1):
        if any(o.get("output_type") == "error" for o in cell.get("outputs", [])):
            return n, cell
    raise AssertionError("no cell with an error output")


# --------------------------------------------------------------------------------------------
# Fixtures: direct computations and one full run of the demo
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def direct_demo(tmp_path_factory) -> dict[str, dict]:
    """Each demo phase computed in this process, as results.json would hold it."""
    out = tmp_path_factory.mktemp("direct")
    return {phase: comparable(open_phase(DEMO, phase, output_dir=out / phase).to_dict())
            for phase in NOTEBOOKS}


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory) -> SimpleNamespace:
    """``mm2report run parameters/demo.yml --outputs DIR``, the documented command."""
    outputs = tmp_path_factory.mktemp("outputs")
    cwd = tmp_path_factory.mktemp("cwd")
    started = time.monotonic()
    proc = run_cli("run", DEMO, "--outputs", outputs, cwd=cwd)
    seconds = time.monotonic() - started
    assert proc.returncode == 0, f"exit {proc.returncode}\n{proc.stdout}\n{proc.stderr}"
    campaign_dir = outputs / "demo"
    entries = sorted(p.name for p in campaign_dir.iterdir())
    runs = [campaign_dir / n for n in entries if RUN_ID.match(n)]
    assert len(runs) == 1, entries
    return SimpleNamespace(proc=proc, outputs=outputs, campaign_dir=campaign_dir, path=runs[0],
                           entries=entries, cwd=cwd, seconds=seconds)


# --------------------------------------------------------------------------------------------
# 1. Plain papermill, as documented in the notebooks
# --------------------------------------------------------------------------------------------


def test_plain_papermill_writes_the_results_open_phase_computes(tmp_path, direct_demo):
    papermill = BIN / "papermill"
    assert papermill.exists(), f"papermill is a dependency; not found next to {sys.executable}"
    out_dir = tmp_path / "results"
    executed = tmp_path / "out.ipynb"
    proc = subprocess.run(
        [str(papermill), "notebooks/03-latency.ipynb", str(executed),
         "-p", "campaign", "parameters/demo.yml", "-p", "output_dir", str(out_dir)],
        cwd=ROOT, capture_output=True, text=True, timeout=TIMEOUT)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert error_outputs(nbformat.read(executed, as_version=4)) == []
    assert sorted(p.name for p in out_dir.iterdir()) == [RESULTS_FILE]
    assert read_json(out_dir / RESULTS_FILE) == direct_demo["latency"]


# --------------------------------------------------------------------------------------------
# 2. mm2report run on the demo
# --------------------------------------------------------------------------------------------


def test_run_exits_0_with_the_documented_layout(demo_run):
    run = demo_run.path
    # complete, renamed into place: no staging directory left, nothing else written
    assert demo_run.entries == [run.name]
    assert list(demo_run.cwd.iterdir()) == [], "the run wrote into its working directory"
    assert f"run written to {run}" in demo_run.proc.stdout
    names = [NOTEBOOKS[p] for p in NOTEBOOKS]
    assert sorted(p.name for p in run.iterdir()) == sorted(names + ["run.json"])
    for name in names:
        assert sorted(p.name for p in (run / name).iterdir()) == sorted(
            [f"{name}.ipynb", f"{name}.html", RESULTS_FILE])
    # one progress line per notebook
    progress = [ln for ln in demo_run.proc.stderr.splitlines() if ln.startswith("[")]
    assert len(progress) == 7 and all(ln.rstrip().endswith("ok") for ln in progress), progress

    meta = json.loads((run / "run.json").read_text(encoding="utf-8"))
    assert meta["kind"] == "mm2report.run" and meta["status"] == "complete"
    assert meta["run_id"] == run.name and meta["campaign"] == "demo"
    assert meta["params_file"] == "demo.yml" and meta["language"] == "fr"
    assert [(p["phase"], p["name"], p["ok"]) for p in meta["phases"]] == [
        (p, NOTEBOOKS[p], True) for p in NOTEBOOKS]
    # relative paths only: the run directory can be moved as a whole
    assert str(demo_run.outputs) not in (run / "run.json").read_text(encoding="utf-8")


def test_every_results_file_equals_the_direct_computation(demo_run, direct_demo):
    for phase, name in NOTEBOOKS.items():
        assert read_json(demo_run.path / name / RESULTS_FILE) == direct_demo[phase], phase


def test_results_files_combine_into_the_campaign_evaluate_gives(demo_run):
    campaign = load_campaign(DEMO)
    with open_source(campaign) as source:
        expected = evaluate(campaign, source)
    combined = combine_run(campaign, [read_results(demo_run.path / name / RESULTS_FILE)
                                      for name in NOTEBOOKS.values()])
    assert comparable(combined.to_dict()) == comparable(expected.to_dict())
    decision = decision_text(expected)
    assert decision == "NOGO (criterion 10 NOGO)"  # what the demo is built to show
    meta = json.loads((demo_run.path / "run.json").read_text(encoding="utf-8"))
    assert meta["decision"] == decision
    assert f"decision: {decision}" in demo_run.proc.stdout


def test_html_reports_are_offline_codeless_and_in_french(demo_run):
    for phase, name in NOTEBOOKS.items():
        page = (demo_run.path / name / f"{name}.html").read_text(encoding="utf-8")
        origin = json.loads((demo_run.path / name / RESULTS_FILE).read_text())["origin"]
        assert_offline_and_codeless(page, origin, ROOT / "notebooks" / f"{name}.ipynb")
        assert f"{TITLE_FR[phase]} — demo" in page, name
        assert f"<title>{name} — demo</title>" in page
        # each section's heading and guide, in the campaign's language (French)
        assert "<h2>Verdicts de la phase</h2>" in page and GUIDE_FR in page, name
        assert "data:image/png;base64," in page  # charts are embedded, not linked


def test_executed_notebooks_have_no_error_outputs(demo_run):
    for phase, name in NOTEBOOKS.items():
        nb = nbformat.read(demo_run.path / name / f"{name}.ipynb", as_version=4)
        assert error_outputs(nb) == [], name
        # nothing printed by the kernel either (a shared kernel once wrote an IPython history
        # error into every report after the first one)
        streams = [o.get("text", "") for c in nb.cells for o in c.get("outputs", [])
                   if o.get("output_type") == "stream"]
        assert streams == [], (name, streams)
        injected = [c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])]
        assert len(injected) == 1 and f'phase = "{phase}"' in injected[0].source


def test_reports_do_not_name_the_staging_directory(demo_run):
    for name in NOTEBOOKS.values():
        page = (demo_run.path / name / f"{name}.html").read_text(encoding="utf-8")
        assert ".partial-" not in page, name


def test_second_run_is_a_new_directory_and_leaves_the_first_untouched(demo_run, tmp_path):
    before = tree_state(demo_run.path)
    proc = run_cli("run", DEMO, "--phase", "smoke", "--lang", "en", "--outputs", demo_run.outputs,
                   cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert tree_state(demo_run.path) == before
    entries = sorted(p.name for p in demo_run.campaign_dir.iterdir())
    new = [n for n in entries if n != demo_run.path.name]
    assert len(new) == 1 and RUN_ID.match(new[0]), entries
    second = demo_run.campaign_dir / new[0]
    assert sorted(p.name for p in second.iterdir()) == ["01-smoke", "run.json"]

    meta = json.loads((second / "run.json").read_text(encoding="utf-8"))
    assert meta["language"] == "en" and [p["phase"] for p in meta["phases"]] == ["smoke"]
    assert "phases not in this run" in meta["decision"]
    page = (second / "01-smoke" / "01-smoke.html").read_text(encoding="utf-8")
    assert f"{TITLE_EN_SMOKE} — demo" in page and TITLE_FR["smoke"] not in page
    assert "<h2>Phase verdicts</h2>" in page and GUIDE_EN in page and GUIDE_FR not in page
    english = comparable(open_phase(DEMO, "smoke", output_dir=tmp_path / "direct",
                                    lang="en").to_dict())
    assert read_json(second / "01-smoke" / RESULTS_FILE) == english


# --------------------------------------------------------------------------------------------
# 3. A notebook that fails
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def broken_notebooks(tmp_path_factory) -> Path:
    """A copy of notebooks/ whose latency notebook ends with a cell that raises."""
    target = tmp_path_factory.mktemp("nb") / "notebooks"
    shutil.copytree(ROOT / "notebooks", target)
    path = target / "03-latency.ipynb"
    nb = nbformat.read(path, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(BAD_CELL))
    nbformat.write(nb, path)
    return target


def check_failed_run(path: Path, error: str) -> None:
    """The failed run keeps everything, and its error names the cell the executed notebook shows."""
    assert path.name.endswith("-failed") and RUN_ID.match(path.name.removesuffix("-failed"))
    assert not [p for p in path.parent.iterdir() if p.name.startswith(".partial-")]
    assert sorted(p.name for p in (path / "01-smoke").iterdir()) == [
        "01-smoke.html", "01-smoke.ipynb", RESULTS_FILE]
    executed = path / "03-latency" / "03-latency.ipynb"
    assert executed.exists(), "the partially executed notebook is kept for diagnosis"
    nb = nbformat.read(executed, as_version=4)
    _, cell = failing_cell(nb)
    assert cell.source == BAD_CELL
    errors = [o["ename"] for o in cell.outputs if o.get("output_type") == "error"]
    assert errors == ["AttributeError"]
    assert re.match(r"^cell \d+ \(report\.no_such_section\(\)\): AttributeError: .*no_such_section",
                    error), error
    assert cell_number(error) == cell.execution_count
    meta = json.loads((path / "run.json").read_text(encoding="utf-8"))
    assert meta["status"] == "failed" and meta["decision"] == ""
    assert [(p["name"], p["ok"]) for p in meta["phases"]] == [("01-smoke", True),
                                                               ("03-latency", False)]


def test_failed_notebook_through_the_api(broken_notebooks, tmp_path, monkeypatch):
    monkeypatch.setattr(mm2run, "NOTEBOOK_DIR", broken_notebooks)
    outputs = tmp_path / "out"
    report = mm2run.run_campaign(DEMO, ["smoke", "latency"], outputs=outputs)
    assert not report.ok and report.decision == ""
    assert report.path.parent == outputs / "demo"
    assert [(o.name, o.ok) for o in report.outcomes] == [("01-smoke", True), ("03-latency", False)]
    check_failed_run(report.path, report.outcomes[1].error)
    assert mm2run.list_runs(outputs / "demo") == []  # a failed run is never taken as complete


@pytest.fixture(scope="module")
def failed_cli(broken_notebooks, tmp_path_factory) -> SimpleNamespace:
    """``mm2report run`` (in process, the notebook directory patched) on one kernel: 01-smoke
    runs first, then 03-latency on the same kernel."""
    outputs = tmp_path_factory.mktemp("failed-cli")
    err, out = io.StringIO(), io.StringIO()
    with pytest.MonkeyPatch.context() as mp, contextlib.redirect_stderr(err), \
            contextlib.redirect_stdout(out):
        mp.setattr(mm2run, "NOTEBOOK_DIR", broken_notebooks)
        code = cli.main(["run", str(DEMO), "--phase", "smoke", "--phase", "latency", "--jobs", "1",
                         "--outputs", str(outputs)])
    runs = list((outputs / "demo").iterdir())
    return SimpleNamespace(code=code, stderr=err.getvalue(), stdout=out.getvalue(), runs=runs)


def test_failed_notebook_through_the_cli_exits_1_naming_phase_and_cell(failed_cli):
    assert failed_cli.code == 1
    assert len(failed_cli.runs) == 1
    path = failed_cli.runs[0]
    m = re.search(r"^error: phase notebook 03-latency failed at (cell .*)$", failed_cli.stderr,
                  re.M)
    assert m, failed_cli.stderr
    assert BAD_CELL in m.group(1) and "AttributeError" in m.group(1)
    assert f"partial run kept for diagnosis: {path}" in failed_cli.stderr
    assert re.search(r"^\[1/2\] 01-smoke .* ok$", failed_cli.stderr, re.M)
    assert re.search(r"^\[2/2\] 03-latency .* FAILED: cell \d+ ", failed_cli.stderr, re.M)
    assert "decision" not in failed_cli.stdout
    check_failed_run(path, m.group(1))


def test_failed_cell_number_does_not_depend_on_what_ran_before(failed_cli):
    m = re.search(r"failed at (cell \d+)", failed_cli.stderr)
    nb = nbformat.read(failed_cli.runs[0] / "03-latency" / "03-latency.ipynb", as_version=4)
    position, _ = failing_cell(nb)
    assert cell_number(m.group(1) + " (") == position


# --------------------------------------------------------------------------------------------
# 4. Bad input: exit 2, nothing written
# --------------------------------------------------------------------------------------------


@pytest.fixture
def unknown_key_params(tmp_path) -> Path:
    data = yaml.safe_load(DEMO.read_text(encoding="utf-8"))
    data["source"]["snapshot"] = str(ROOT / "parameters" / "snapshots" / "demo")
    data["campaign"]["colour"] = "blue"
    path = tmp_path / "unknown-key.yml"
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


@pytest.mark.parametrize("args, message", [
    (["--phase", "warmup"], "--phase: warmup not in this campaign"),
    (["--phase", "smoke", "--phase", "Latency"], "--phase: Latency not in this campaign"),
    (["--jobs", "0"], "--jobs: must be at least 1"),
    (["--jobs", "-3"], "--jobs: must be at least 1"),
    (["--lang", "de"], "--lang: invalid choice"),
])
def test_bad_arguments_exit_2_and_write_nothing(args, message, tmp_path, capsys):
    outputs = tmp_path / "out"
    outputs.mkdir()
    try:
        code = cli.main(["run", str(DEMO), "--outputs", str(outputs), *args])
    except SystemExit as exc:  # argparse's own errors
        code = exc.code
    assert code == 2
    assert message in capsys.readouterr().err
    assert list(outputs.rglob("*")) == []


def test_unknown_parameter_key_exits_2_and_writes_nothing(unknown_key_params, tmp_path):
    outputs = tmp_path / "out"
    outputs.mkdir()
    proc = run_cli("run", unknown_key_params, "--outputs", outputs, cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert "colour" in proc.stderr and proc.stdout == ""
    assert list(outputs.rglob("*")) == []


def test_missing_parameter_file_exits_2_and_writes_nothing(tmp_path, capsys):
    outputs = tmp_path / "out"
    outputs.mkdir()
    assert cli.main(["run", str(tmp_path / "nope.yml"), "--outputs", str(outputs)]) == 2
    assert "no such file" in capsys.readouterr().err
    assert list(outputs.rglob("*")) == []


# --------------------------------------------------------------------------------------------
# 5. Interrupted runs
# --------------------------------------------------------------------------------------------


def tagged_processes(tag: str) -> list[tuple[int, str]]:
    """Live processes whose environment carries ``tag``: the run and everything it started."""
    needle = f"MM2_TEST_RUN_TAG={tag}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if needle in (entry / "environ").read_bytes().split(b"\0"):
                args = (entry / "cmdline").read_bytes().replace(b"\0", b" ")
                found.append((int(entry.name), args.decode(errors="replace")))
        except OSError:
            continue
    return found


def wait_gone(tag: str, seconds: float) -> list[tuple[int, str]]:
    deadline = time.monotonic() + seconds
    while True:
        left = tagged_processes(tag)
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.2)


class BackgroundRun:
    """``mm2report run`` in a subprocess, stderr read as it comes."""

    def __init__(self, params: Path, outputs: Path, cwd: Path):
        self.tag = uuid.uuid4().hex
        env = dict(os.environ, MM2_TEST_RUN_TAG=self.tag)
        self.proc = subprocess.Popen(mm2report_cmd("run", params, "--outputs", outputs), cwd=cwd,
                                     env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     text=True)
        self.lines: list[str] = []
        self.first_done = threading.Event()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        for line in self.proc.stderr:
            self.lines.append(line)
            if line.startswith("[1/"):
                self.first_done.set()

    def wait_first_notebook(self, seconds: float = 180) -> None:
        deadline = time.monotonic() + seconds
        while not self.first_done.wait(0.2):
            assert self.proc.poll() is None, f"run ended early:\n{''.join(self.lines)}"
            assert time.monotonic() < deadline, "no notebook finished in time"

    def cleanup(self) -> None:
        """Stop whatever this run left behind (by PID: these are our own processes)."""
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        for pid, _ in tagged_processes(self.tag):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        self._reader.join(timeout=10)


@pytest.fixture
def earlier_run(demo_run, tmp_path) -> SimpleNamespace:
    """An outputs directory already holding a complete run of the demo."""
    outputs = tmp_path / "outputs"
    shutil.copytree(demo_run.path, outputs / "demo" / demo_run.path.name)
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    return SimpleNamespace(outputs=outputs, campaign_dir=outputs / "demo", name=demo_run.path.name,
                           cwd=cwd, state=tree_state(outputs / "demo" / demo_run.path.name))


needs_proc = pytest.mark.skipif(not Path("/proc/self/environ").exists(),
                                reason="finds the run's processes through /proc")


@needs_proc
def test_sigkill_leaves_no_run_and_the_next_run_removes_the_stale_partial(earlier_run):
    run = BackgroundRun(DEMO, earlier_run.outputs, earlier_run.cwd)
    try:
        run.wait_first_notebook()
        os.kill(run.proc.pid, signal.SIGKILL)
        assert run.proc.wait(timeout=30) == -signal.SIGKILL
        # the workers notice their parent is gone, finish and stop their kernels
        left = wait_gone(run.tag, 60)
        assert left == [], f"processes left after the run was killed: {left}"
    finally:
        run.cleanup()
    entries = sorted(p.name for p in earlier_run.campaign_dir.iterdir())
    partials = [n for n in entries if n.startswith(".partial-")]
    # no new complete (or failed) run: only the killed run's staging directory
    assert [n for n in entries if n not in partials] == [earlier_run.name], entries
    assert len(partials) == 1 and partials[0].endswith(f"-{run.proc.pid}"), entries
    assert tree_state(earlier_run.campaign_dir / earlier_run.name) == earlier_run.state

    proc = run_cli("run", DEMO, "--phase", "smoke", "--outputs", earlier_run.outputs,
                   cwd=earlier_run.cwd)
    assert proc.returncode == 0, proc.stderr[-3000:]
    entries = sorted(p.name for p in earlier_run.campaign_dir.iterdir())
    assert not [n for n in entries if n.startswith(".partial-")], entries
    assert len(entries) == 2 and all(RUN_ID.match(n) for n in entries), entries
    assert tree_state(earlier_run.campaign_dir / earlier_run.name) == earlier_run.state


@needs_proc
def test_sigterm_exits_130_and_cleans_up(earlier_run):
    run = BackgroundRun(DEMO, earlier_run.outputs, earlier_run.cwd)
    try:
        run.wait_first_notebook()
        running = tagged_processes(run.tag)
        assert any("ipykernel_launcher" in args for _, args in running), running
        os.kill(run.proc.pid, signal.SIGTERM)
        killed_at = time.monotonic()
        assert run.proc.wait(timeout=60) == 130
        # within 10 s of the signal, the workers and their kernels are gone too
        left = wait_gone(run.tag, max(0.0, 10 - (time.monotonic() - killed_at)))
        assert [a for _, a in left if "ipykernel_launcher" in a] == [], "kernels left running"
        assert left == [], f"processes left running: {left}"
    finally:
        run.cleanup()
    assert "interrupted" in "".join(run.lines)
    assert sorted(p.name for p in earlier_run.campaign_dir.iterdir()) == [earlier_run.name]
    assert tree_state(earlier_run.campaign_dir / earlier_run.name) == earlier_run.state


# --------------------------------------------------------------------------------------------
# 6. Credentials, against a real Prometheus
# --------------------------------------------------------------------------------------------

TOKEN_VAR = "MM2_RUN_TEST_TOKEN"


@pytest.fixture(scope="module")
def simulated_prometheus(tmp_path_factory):
    """scenarios/small.yml simulated and backfilled into a real Prometheus."""
    require_binaries("prometheus", "promtool")
    work = tmp_path_factory.mktemp("sim-prom")
    sim = simulate(ROOT / "scenarios" / "small.yml", work / "sim")
    server = servers.start_prometheus(sim / "metrics.om", workdir=work / "prometheus")
    yield SimpleNamespace(server=server, sim=sim)
    server.stop()


@pytest.fixture
def bearer_proxy(simulated_prometheus):
    proxy = FaultProxy(simulated_prometheus.server.url)
    yield proxy
    proxy.close()


@pytest.mark.integration
def test_run_against_prometheus_never_writes_the_token(simulated_prometheus, bearer_proxy,
                                                      tmp_path, monkeypatch):
    token = "mm2tok-" + secrets.token_hex(16)
    bearer_proxy.require_authorization = f"Bearer {token}"
    params = yaml.safe_load((simulated_prometheus.sim / "campaign.yml").read_text())
    params["source"] = {"url": bearer_proxy.url, "retries": 0,
                        "auth": {"type": "bearer", "token": {"env": TOKEN_VAR}}}
    path = tmp_path / "campaign.yml"
    path.write_text(yaml.safe_dump(params, sort_keys=False, allow_unicode=True), encoding="utf-8")
    outputs = tmp_path / "outputs"
    env = dict(os.environ, **{TOKEN_VAR: token})

    proc = run_cli("run", path, "--phase", "smoke", "--phase", "resilience", "--outputs", outputs,
                   cwd=tmp_path, env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    seen = [h.get("Authorization") for h in bearer_proxy.seen]
    assert seen and set(seen) == {f"Bearer {token}"}  # the run did use the token
    assert token not in proc.stdout + proc.stderr

    campaign_dir = outputs / params["campaign"]["name"]
    (run,) = [p for p in campaign_dir.iterdir()]
    assert RUN_ID.match(run.name)
    files = [p for p in run.rglob("*") if p.is_file()]
    assert len(files) == 7  # run.json + 2 x (ipynb, html, results.json)
    for f in files:
        assert token.encode() not in f.read_bytes(), f"token written into {f.relative_to(run)}"
    # nor anywhere else the run could write (its working directory holds the outputs)
    for f in tmp_path.rglob("*"):
        assert not f.is_file() or token.encode() not in f.read_bytes(), f

    # the same phases computed here, against the same server
    monkeypatch.setenv(TOKEN_VAR, token)
    for phase in ("smoke", "resilience"):
        got = read_json(run / NOTEBOOKS[phase] / RESULTS_FILE)
        assert got["origin"] == bearer_proxy.url
        direct = open_phase(path, phase, output_dir=tmp_path / "direct" / phase)
        assert_close(got, comparable(direct.to_dict()), phase)
    resilience = read_json(run / NOTEBOOKS["resilience"] / RESULTS_FILE)["analysis"]
    assert len(resilience["event_loss"]) == 3  # worker stop, burst, worker add
    assert resilience["rebalances"] and resilience["bursts"]


# --------------------------------------------------------------------------------------------
# 7. Every notebook against a real Prometheus (a campaign with all seven phases)
# --------------------------------------------------------------------------------------------


def assert_close(got, want, path="", rel=1e-9):
    """Equal JSON, floats to ``rel``: a live server's aggregations add series in no fixed order,
    so the last bits of a sum differ between two identical queries."""
    if isinstance(want, float) and isinstance(got, (int, float)) and not isinstance(got, bool):
        assert got == pytest.approx(want, rel=rel, abs=1e-12), path
    elif isinstance(want, dict):
        assert isinstance(got, dict) and got.keys() == want.keys(), path
        for k in want:
            assert_close(got[k], want[k], f"{path}.{k}", rel)
    elif isinstance(want, list):
        assert isinstance(got, list) and len(got) == len(want), path
        for i, (g, w) in enumerate(zip(got, want)):
            assert_close(g, w, f"{path}[{i}]", rel)
    else:
        assert got == want, path


def test_assert_close_tells_rounding_from_a_difference():
    assert_close({"a": [1.0, "x"]}, {"a": [1.0 + 1e-13, "x"]})
    with pytest.raises(AssertionError):
        assert_close({"a": [1.0]}, {"a": [1.001]})
    with pytest.raises(AssertionError):
        assert_close({"a": "x"}, {"a": "y"})


# alpha holds six phases (events between scrapes, a probe); the soak notebook runs on neg-leak's
# 24 h soak (a heap leak: its verdict is FAIL). Together: all seven notebooks.
PROMETHEUS_CAMPAIGNS = {
    "alpha.yml": ["smoke", "nominal", "latency", "capacity", "resilience", "errors"],
    "neg-leak.yml": ["soak"],
}


def test_the_prometheus_campaigns_cover_every_notebook():
    assert sorted(p for ps in PROMETHEUS_CAMPAIGNS.values() for p in ps) == sorted(NOTEBOOKS)


@pytest.mark.integration
@pytest.mark.parametrize("scenario", sorted(PROMETHEUS_CAMPAIGNS))
def test_every_notebook_against_prometheus_equals_the_library(scenario, tmp_path_factory):
    """A simulated campaign backfilled into a real Prometheus and run through `mm2report run`:
    each results.json equals open_phase computed here against the same server, and the
    campaign combined from the files equals evaluate() against it."""
    require_binaries("prometheus", "promtool")
    work = tmp_path_factory.mktemp("sim-prom")
    sim = simulate(ROOT / "tests" / "scenarios" / scenario, work / "sim")
    server = servers.start_prometheus(sim / "metrics.om", workdir=work / "prometheus")
    try:
        params = yaml.safe_load((sim / "campaign.yml").read_text())
        params["source"] = {"url": server.url}
        path = work / "campaign.yml"
        path.write_text(yaml.safe_dump(params, sort_keys=False, allow_unicode=True), encoding="utf-8")
        outputs = work / "outputs"
        proc = run_cli("run", path, "--outputs", outputs, cwd=work)
        assert proc.returncode == 0, proc.stderr[-3000:]
        (run,) = list((outputs / params["campaign"]["name"]).iterdir())
        campaign = load_campaign(path)
        names = [n for n, _ in campaign.phases.items()]
        assert names == PROMETHEUS_CAMPAIGNS[scenario]
        for phase in names:
            got = read_json(run / NOTEBOOKS[phase] / RESULTS_FILE)
            assert got["origin"] == server.url
            direct = open_phase(path, phase, output_dir=work / "direct" / phase)
            assert_close(got, comparable(direct.to_dict()), phase)
        combined = combine_run(campaign, [read_results(run / NOTEBOOKS[p] / RESULTS_FILE)
                                          for p in names])
        with open_source(campaign) as source:
            direct_all = evaluate(campaign, source)
        assert_close(comparable(combined.to_dict()), comparable(direct_all.to_dict()))
    finally:
        server.stop()
