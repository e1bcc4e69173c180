"""Static checks of the phase notebooks (notebooks/NN-*.ipynb and their jupytext .py pairs).

The notebooks hold no logic: a parameters cell of four scalars, then one call on ``report`` per
cell, the last one ``report.save()``. These tests read the files and their Python ASTs; nothing
is executed. The checkers are plain functions, and each is also run on small bad examples so
that a check which can never fail is caught too.
"""

from __future__ import annotations

import ast
import copy
import re
from pathlib import Path

import jupytext
import nbformat
import pytest

from mm2report.documents.notebook import NOTEBOOKS, PhaseReport

ROOT = Path(__file__).resolve().parents[2]
NB_DIR = ROOT / "notebooks"
NAME = re.compile(r"^\d\d-[a-z0-9_-]+$")

PARAMETERS = ("campaign", "phase", "output_dir", "lang")
SCALARS = (type(None), str, int, float, bool)
FORBIDDEN_CALLS = {"open", "write", "write_text", "write_bytes", "to_csv", "to_json", "to_excel",
                   "to_parquet", "savefig", "Path", "print", "display", "exec", "eval",
                   "get_ipython", "system", "mkdir", "unlink", "remove"}
PROMQL = [
    (re.compile(r"\{[^}]*="), "label matcher {..=..}"),
    (re.compile(r"\b(?:rate|irate|increase|sum|max|min|avg|count|histogram_quantile)\s*\("),
     "PromQL function"),
    (re.compile(r"\[\s*\d+(?:ms|[smhdwy])\s*\]"), "range selector [5m]"),
    (re.compile(r"\b(?:kafka_|jvm_|mm2_probe|kube_|strimzi_)"), "metric name prefix"),
]


def nb_paths(ext: str) -> dict[str, Path]:
    return {p.stem: p for p in sorted(NB_DIR.glob(f"*.{ext}")) if NAME.match(p.stem)}


def phase_of(stem: str) -> str:
    return next(phase for phase, name in NOTEBOOKS.items() if name == stem)


def read_ipynb(stem: str) -> nbformat.NotebookNode:
    return nbformat.read(NB_DIR / f"{stem}.ipynb", as_version=4)


def read_py(stem: str) -> nbformat.NotebookNode:
    return jupytext.read(NB_DIR / f"{stem}.py")


def code_cells(nb) -> list:
    return [c for c in nb.cells if c.cell_type == "code"]


# --------------------------------------------------------------------------------------------
# Checkers
# --------------------------------------------------------------------------------------------


def pair_differences(a, b) -> list[str]:
    """Differences between two notebooks: cell types, stripped sources and tags, in order
    (cell ids and other metadata ignored)."""
    problems = []
    if len(a.cells) != len(b.cells):
        problems.append(f"{len(a.cells)} cells != {len(b.cells)} cells")
    for n, (x, y) in enumerate(zip(a.cells, b.cells)):
        if x.cell_type != y.cell_type:
            problems.append(f"cell {n}: type {x.cell_type} != {y.cell_type}")
        if x.source.strip() != y.source.strip():
            problems.append(f"cell {n}: source differs")
        tx, ty = list(x.metadata.get("tags", [])), list(y.metadata.get("tags", []))
        if tx != ty:
            problems.append(f"cell {n}: tags {tx} != {ty}")
    return problems


def parameters_problems(source: str, phase: str | None = None) -> list[str]:
    """The parameters cell: only ``name = <scalar constant>`` for exactly the four names."""
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        return [f"syntax error: {exc}"]
    problems, names = [], []
    for stmt in tree.body:
        if not (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1
                and isinstance(stmt.targets[0], ast.Name)):
            problems.append(f"line {stmt.lineno}: not a simple assignment")
            continue
        name = stmt.targets[0].id
        names.append(name)
        if not (isinstance(stmt.value, ast.Constant) and isinstance(stmt.value.value, SCALARS)):
            problems.append(f"{name}: value is not a scalar constant")
        elif name == "phase" and phase is not None and stmt.value.value != phase:
            problems.append(f"phase default {stmt.value.value!r} != {phase!r}")
    if sorted(names) != sorted(PARAMETERS) or len(names) != len(set(names)):
        problems.append(f"parameters {names} != {list(PARAMETERS)}")
    return problems


def _magic_lines(source: str) -> list[str]:
    return [line for line in source.splitlines()
            if line.lstrip().startswith(("%", "!")) or re.match(r"^\s*\w[\w.]*\?\??\s*$", line)]


def _promql(text: str) -> str | None:
    for pattern, what in PROMQL:
        if pattern.search(text):
            return what
    return None


def _call_name(func: ast.expr) -> str:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return type(func).__name__


def code_problems(sources: list[str], parameters_index: int = 0, opener: str = "open_phase",
                  var: str = "report", saves: bool = True) -> list[str]:
    """Problems of a notebook's code cells, in order (``parameters_index``: the parameters
    cell, where numeric constants are allowed; ``opener`` and ``var``: the one library entry
    point and the object every other cell calls, ``report = open_phase(...)``)."""
    problems: list[str] = []
    last = len(sources) - 1
    for n, source in enumerate(sources):
        where = f"code cell {n}"
        magics = _magic_lines(source)
        if magics:
            problems.append(f"{where}: IPython magic or shell escape {magics[0]!r}")
            continue
        try:
            tree = ast.parse(source)
        except SyntaxError as exc:
            problems.append(f"{where}: syntax error {exc.msg}")
            continue
        report_calls = 0
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
                problems.append(f"{where}: definition ({type(node).__name__})")
            elif isinstance(node, ast.Compare):
                problems.append(f"{where}: comparison (a threshold belongs in mm2report)")
            elif isinstance(node, ast.Import):
                problems.append(f"{where}: 'import {node.names[0].name}' (only from mm2report...)")
            elif isinstance(node, ast.ImportFrom):
                if node.level or not (node.module == "mm2report"
                                      or (node.module or "").startswith("mm2report.")):
                    problems.append(f"{where}: import from {node.module!r} (only mm2report)")
            elif isinstance(node, ast.Constant):
                value = node.value
                if (isinstance(value, (int, float, complex)) and not isinstance(value, bool)
                        and n != parameters_index):
                    problems.append(f"{where}: numeric constant {value!r} (threshold?)")
                if isinstance(value, str) and (what := _promql(value)):
                    problems.append(f"{where}: string looks like PromQL ({what}): {value!r}")
            elif isinstance(node, ast.Call):
                func = node.func
                name = _call_name(func)
                if name in FORBIDDEN_CALLS:
                    problems.append(f"{where}: call to {name}()")
                elif isinstance(func, ast.Name) and func.id == opener:
                    pass
                elif (isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name)
                      and func.value.id == var):
                    report_calls += 1
                    if func.attr == "save" and n != last:
                        problems.append(f"{where}: {var}.save() before the last cell")
                else:
                    problems.append(f"{where}: call to {ast.unparse(func)}() (only {opener} "
                                    f"and {var}.<method>())")
            elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)) and n != parameters_index:
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                if not (isinstance(node, ast.Assign) and len(targets) == 1
                        and isinstance(targets[0], ast.Name) and targets[0].id == var):
                    problems.append(f"{where}: assignment other than {var} = {opener}(...)")
        if n != parameters_index and report_calls != 1:
            problems.append(f"{where}: {report_calls} calls on {var} (one per cell)")
    if sources and saves:
        tail = ast.parse(sources[last]) if not _magic_lines(sources[last]) else None
        body = tail.body if tail is not None else []
        if not (len(body) == 1 and isinstance(body[0], ast.Expr)
                and isinstance(body[0].value, ast.Call)
                and ast.unparse(body[0].value) == f"{var}.save()"):
            problems.append(f"last code cell is not {var}.save()")
    return problems


def report_methods(sources: list[str], var: str = "report") -> set[str]:
    return {node.func.attr for s in sources for node in ast.walk(ast.parse(s))
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and isinstance(node.func.value, ast.Name) and node.func.value.id == var}


# --------------------------------------------------------------------------------------------
# The files
# --------------------------------------------------------------------------------------------


def test_every_notebook_has_its_pair_and_a_phase():
    ipynb, py = nb_paths("ipynb"), nb_paths("py")
    assert set(ipynb) == set(py), "unpaired notebooks"
    assert set(ipynb) == set(NOTEBOOKS.values())
    # numbered in run order
    assert sorted(NOTEBOOKS.values()) == list(NOTEBOOKS.values())
    for phase, stem in NOTEBOOKS.items():
        assert stem.split("-", 1)[1] == phase


@pytest.mark.parametrize("stem", NOTEBOOKS.values())
def test_pair_in_sync(stem):
    py, nb = read_py(stem), read_ipynb(stem)
    assert pair_differences(py, nb) == []
    assert nb.metadata.get("jupytext", {}).get("formats") == "ipynb,py:percent"
    assert py.metadata.get("jupytext", {}).get("formats") == "ipynb,py:percent"


def test_pair_comparator_detects_drift():
    nb = read_ipynb("01-smoke")
    assert pair_differences(nb, copy.deepcopy(nb)) == []

    ids = copy.deepcopy(nb)  # ids and other metadata are not compared
    for c in ids.cells:
        c["id"] = "x" + c.get("id", "")
    ids.cells[2].metadata["collapsed"] = True
    assert pair_differences(nb, ids) == []

    stripped = copy.deepcopy(nb)
    stripped.cells[2].source = "\n" + stripped.cells[2].source + "\n\n"
    assert pair_differences(nb, stripped) == []

    edited = copy.deepcopy(nb)
    edited.cells[2].source = edited.cells[2].source.replace("report.verdicts()", "report.loss()")
    assert pair_differences(nb, edited) == ["cell 2: source differs"]

    untagged = copy.deepcopy(nb)
    untagged.cells[0].metadata["tags"] = []
    assert pair_differences(nb, untagged) == ["cell 0: tags ['parameters'] != []"]

    retyped = copy.deepcopy(nb)
    retyped.cells[0].cell_type = "raw"
    assert "cell 0: type code != raw" in pair_differences(nb, retyped)

    shorter = copy.deepcopy(nb)
    del shorter.cells[4]
    assert pair_differences(nb, shorter)

    swapped = copy.deepcopy(nb)
    swapped.cells[3], swapped.cells[4] = swapped.cells[4], swapped.cells[3]
    assert pair_differences(nb, swapped)


def narrative_problems(nb) -> list[str]:
    """Text a notebook would show in one language only: markdown or raw cells, and comments in
    code cells other than the parameters cell (the first code cell). The headings and the
    narrative come from the library, in the campaign's language or ``lang``."""
    problems, code = [], 0
    for n, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            problems.append(f"cell {n}: {cell.cell_type} cell (narrative belongs in mm2report)")
            continue
        code += 1
        comments = [line for line in cell.source.splitlines() if line.lstrip().startswith("#")]
        if code > 1 and comments:
            problems.append(f"cell {n}: comment {comments[0]!r} (narrative belongs in mm2report)")
    return problems


@pytest.mark.parametrize("stem", [*NOTEBOOKS.values(), "validate-change", "deliverables"])
@pytest.mark.parametrize("reader", [read_ipynb, read_py], ids=["ipynb", "py"])
def test_notebooks_hold_no_narrative_of_their_own(stem, reader):
    assert narrative_problems(reader(stem)) == []


def test_narrative_checker_sees_markdown_and_comments():
    nb = read_ipynb("01-smoke")
    assert narrative_problems(nb) == []
    titled = copy.deepcopy(nb)
    titled.cells.insert(0, nbformat.v4.new_markdown_cell("# MM2 validation — smoke phase"))
    assert narrative_problems(titled) == ["cell 0: markdown cell (narrative belongs in mm2report)"]
    commented = copy.deepcopy(nb)
    commented.cells[2].source = "# Service state over the phase.\n" + commented.cells[2].source
    assert narrative_problems(commented) == [
        "cell 2: comment '# Service state over the phase.' (narrative belongs in mm2report)"]
    params = copy.deepcopy(nb)  # the parameters cell documents its parameters
    params.cells[0].source = "# the campaign file\n" + params.cells[0].source
    assert narrative_problems(params) == []


@pytest.mark.parametrize("stem", NOTEBOOKS.values())
@pytest.mark.parametrize("reader", [read_ipynb, read_py], ids=["ipynb", "py"])
def test_layout_and_parameters_cell(stem, reader):
    nb = reader(stem)
    tagged = [n for n, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1, "exactly one cell tagged parameters"
    cells = code_cells(nb)
    assert cells[0] is nb.cells[tagged[0]], "the parameters cell is the first code cell"
    assert parameters_problems(cells[0].source, phase_of(stem)) == []
    assert len(cells) >= 3


@pytest.mark.parametrize("stem", NOTEBOOKS.values())
@pytest.mark.parametrize("reader", [read_ipynb, read_py], ids=["ipynb", "py"])
def test_code_cells_hold_no_logic(stem, reader):
    assert code_problems([c.source for c in code_cells(reader(stem))]) == []


@pytest.mark.parametrize("stem", NOTEBOOKS.values())
def test_report_methods_exist(stem):
    methods = report_methods([c.source for c in code_cells(read_ipynb(stem))])
    assert {"summary", "verdicts", "save"} <= methods
    for name in methods:
        assert not name.startswith("_")
        assert callable(getattr(PhaseReport, name, None)), f"PhaseReport.{name} does not exist"


# --------------------------------------------------------------------------------------------
# The checkers can fail
# --------------------------------------------------------------------------------------------

PARAMS = ('campaign = None\nphase = "smoke"\noutput_dir = None\nlang = None\n')
OPEN = ("from mm2report.documents.notebook import open_phase\n\n"
        "report = open_phase(campaign, phase, output_dir=output_dir, lang=lang)\n"
        "report.summary()\n")
SAVE = "report.save()\n"


def cells_with(*middle: str) -> list[str]:
    return [PARAMS, OPEN, *middle, SAVE]


def test_checker_accepts_a_good_notebook():
    assert code_problems(cells_with("# a comment: rate(x[5m]) > 5000\nreport.loss()\n")) == []
    assert code_problems(cells_with('report.loss(topic="orders", show=False)\n')) == []


@pytest.mark.parametrize("bad, expected", [
    ("def f():\n    return 1\nreport.loss()\n", "definition (FunctionDef)"),
    ("async def f():\n    pass\nreport.loss()\n", "definition (AsyncFunctionDef)"),
    ("class C:\n    pass\nreport.loss()\n", "definition (ClassDef)"),
    ("report.loss(key=lambda v: v)\n", "definition (Lambda)"),
    ("x = report.loss()\nx > 5000\n", "comparison"),
    ("report.latency(limit=5000)\n", "numeric constant 5000"),
    ("report.latency(ratio=0.7)\n", "numeric constant 0.7"),
    ('report.query("sum(rate(kafka_x[5m]))")\n', "looks like PromQL"),
    ('report.query(\'up{job="mm2"}\')\n', "label matcher"),
    ('report.query("irate(foo[45s])")\n', "PromQL function"),
    ('report.query("foo[5m]")\n', "range selector"),
    ('report.query("kafka_consumer_fetch_manager_records_lag")\n', "metric name prefix"),
    ('report.query(f"x{report}kafka_lag")\n', "metric name prefix"),
    ("open('f', 'w').write('x')\nreport.loss()\n", "call to open()"),
    ("report.loss().to_csv('out.csv')\n", "call to to_csv()"),
    ("from pathlib import Path\nPath('x').write_text('y')\nreport.loss()\n", "only mm2report"),
    ("report.overview().figure.savefig('x.png')\n", "call to savefig()"),
    ("import os\nreport.loss()\n", "'import os'"),
    ("from . import x\nreport.loss()\n", "only mm2report"),
    ("print(report.loss())\n", "call to print()"),
    ("helper(report)\nreport.loss()\n", "call to helper()"),
    ("report.loss()\nreport.save()\n", "report.save() before the last cell"),
    ("report.loss()\nreport.latency()\n", "2 calls on report"),
    ("x = 1\n", "numeric constant 1"),
    ("y = report.loss()\n", "assignment other than report"),
    ("%matplotlib inline\nreport.loss()\n", "IPython magic"),
    ("!ls /tmp\nreport.loss()\n", "shell escape"),
    ("report.loss?\n", "IPython magic"),
])
def test_checker_rejects_bad_cells(bad, expected):
    problems = code_problems(cells_with(bad))
    assert any(expected in p for p in problems), problems


def test_checker_requires_save_last():
    assert "last code cell is not report.save()" in code_problems([PARAMS, OPEN])
    assert "last code cell is not report.save()" in code_problems([PARAMS, OPEN, "report.save(1)\n"])


@pytest.mark.parametrize("bad, expected", [
    (PARAMS + "threshold = 5000\n", "parameters"),
    (PARAMS.replace("lang = None\n", ""), "parameters"),
    (PARAMS.replace('phase = "smoke"', 'phase = "nominal"'), "phase default 'nominal'"),
    (PARAMS.replace("campaign = None", "campaign = make()"), "campaign: value is not a scalar"),
    (PARAMS.replace("campaign = None", "campaign = [1]"), "campaign: value is not a scalar"),
    (PARAMS.replace("campaign = None", "campaign: str = None"), "not a simple assignment"),
    (PARAMS.replace("lang = None", "lang = output_dir = None"), "not a simple assignment"),
    (PARAMS + "import os\n", "not a simple assignment"),
    (PARAMS + "phase = 'smoke'\n", "parameters"),
])
def test_parameters_checker_rejects(bad, expected):
    problems = parameters_problems(bad, "smoke")
    assert any(expected in p for p in problems), problems


def test_parameters_checker_accepts_scalars():
    ok = 'campaign = "p.yml"\nphase = "smoke"\noutput_dir = "out"\nlang = "en"\n'
    assert parameters_problems(ok, "smoke") == []
    assert parameters_problems(PARAMS, "smoke") == []


def test_report_methods_checker_sees_unknown_methods():
    methods = report_methods(cells_with("report.no_such_section()\n"))
    assert "no_such_section" in methods
    assert not callable(getattr(PhaseReport, "no_such_section", None))


# --------------------------------------------------------------------------------------------
# The change-window and synthesis notebooks follow the same rules
# --------------------------------------------------------------------------------------------


def _change_report():
    from mm2report.documents.notebook import ChangeReport
    return ChangeReport


def _deliverables():
    from mm2report.documents.report import Deliverables
    return Deliverables


@pytest.mark.parametrize("stem, names, opener, var, cls, saves", [
    ("validate-change", ["campaign", "at", "window", "output_dir", "lang"], "open_change", "check",
     _change_report, True),
    ("deliverables", ["campaign", "run", "lang", "output_dir"], "open_deliverables", "docs",
     _deliverables, False),
])
def test_other_notebooks_pair_and_rules(stem, names, opener, var, cls, saves):
    py, nb = read_py(stem), read_ipynb(stem)
    assert pair_differences(py, nb) == []
    for book in (py, nb):
        cells = code_cells(book)
        assert "parameters" in cells[0].metadata.get("tags", [])
        tree = ast.parse(cells[0].source)
        assert [s.targets[0].id for s in tree.body] == names
        assert all(isinstance(s.value, ast.Constant) for s in tree.body)
        sources = [c.source for c in cells]
        assert code_problems(sources, opener=opener, var=var, saves=saves) == []
        if not saves:
            assert "save" not in " ".join(sources)  # a synthesis writes nothing
        for name in report_methods(sources[1:], var):
            assert callable(getattr(cls(), name, None)), name
