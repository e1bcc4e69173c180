"""The comparison's parameters, statistics and verdict rules on synthetic data (the simulated
campaigns are in tests/integration/test_compare.py)."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from mm2report.cli import main
from mm2report.compare import stats as S
from mm2report.compare.model import Difference, _latency_verdict, _regression_verdict, regressions
from mm2report.compare.params import CompareCriteria, load_criteria, validate_criteria
from mm2report.errors import ParameterError
from mm2report.verdicts import Status

# ---- parameters ---------------------------------------------------------------------------


def test_criteria_defaults_are_act003():
    c = load_criteria(None)
    assert (c.throughput_gain_pct, c.latency_p99, c.no_regression, c.confidence) == (
        20.0, "lower", True, 0.95)


@pytest.mark.parametrize("data, field, words", [
    ({"throughput_gain": 20}, "throughput_gain", "unknown key"),
    ({"throughput_gain_pct": True}, "throughput_gain_pct", "not yes/no"),
    ({"throughput_gain_pct": "lots"}, "throughput_gain_pct", "number"),
    ({"confidence": 1.0}, "confidence", "less than 1"),
    ({"confidence": 0.3}, "confidence", "greater than 0.5"),
    ({"latency_p99": "down"}, "latency_p99", "expected 'lower'"),
    ({"no_regression": "yes"}, "no_regression", "boolean"),
    ({"version": 2}, "version", "expected 1"),
])
def test_bad_criteria_give_one_message_naming_the_field(data, field, words):
    with pytest.raises(ParameterError) as err:
        validate_criteria(data)
    (where, reason), = err.value.problems
    assert where == field and words in reason


def test_a_criteria_file_with_a_duplicate_key_is_refused(tmp_path):
    path = tmp_path / "c.yml"
    path.write_text("throughput_gain_pct: 20\nthroughput_gain_pct: 30\n")
    with pytest.raises(ParameterError) as err:
        load_criteria(path)
    assert "throughput_gain_pct" in str(err.value)


def test_cli_bad_criteria_exit_2_before_reading_the_campaigns(tmp_path, capsys):
    path = tmp_path / "c.yml"
    path.write_text("confidence: 2\n")
    code = main(["compare", str(tmp_path / "missing-a.yml"), str(tmp_path / "missing-b.yml"),
                 "--criteria", str(path)])
    assert code == 2
    err = capsys.readouterr().err
    assert "confidence" in err and "missing-a" not in err


def test_cli_a_run_directory_needs_its_campaign_file(tmp_path, capsys):
    run = tmp_path / "20261201T000000Z"
    run.mkdir()
    (run / "run.json").write_text('{"params_file": "tuning.yml"}')
    assert main(["compare", str(run), str(run)]) == 2
    err = capsys.readouterr().err
    assert "--params-a" in err and "tuning.yml" in err


# ---- statistics -----------------------------------------------------------------------------


def test_mean_difference_covers_the_true_difference_about_95_percent_of_the_time():
    rng = np.random.default_rng(7)
    covered = 0
    for _ in range(400):
        a = rng.normal(100.0, 5.0, 30)
        b = rng.normal(103.0, 8.0, 30)
        lo, hi = S.mean_difference(a, b, 0.95)
        covered += lo <= 3.0 <= hi
    assert 0.92 <= covered / 400 <= 0.985


def test_mean_difference_widens_for_dependent_readings():
    """An AR(1) series of moderate dependence (lag-one correlation 0.5): batch means keep the
    interval near its level where a t interval on the raw readings is far too narrow."""
    rng = np.random.default_rng(11)

    def ar1(n):
        x = np.empty(n)
        x[0] = rng.normal() / np.sqrt(1 - 0.25)
        for i in range(1, n):
            x[i] = 0.5 * x[i - 1] + rng.normal()
        return x

    covered = naive = 0
    for _ in range(300):
        a, b = ar1(64), ar1(64)
        lo, hi = S.mean_difference(a, b, 0.95)
        covered += lo <= 0 <= hi
        se = np.sqrt(a.var(ddof=1) / 64 + b.var(ddof=1) / 64)
        d = b.mean() - a.mean()
        naive += abs(d) <= 1.98 * se
    assert covered / 300 > 0.91
    assert naive / 300 < 0.85  # what ignoring the dependence does


def test_percentile_interval_needs_readings_beyond_the_percentile():
    rng = np.random.default_rng(3)
    a, b = rng.normal(200, 10, 500), rng.normal(200, 10, 500)
    w = np.ones(500)
    assert S.percentile_difference(a, w, b, w, 0.99, 0.95)[2] is None  # 5 readings beyond p99
    assert S.percentile_difference(a, w, b, w, 0.50, 0.95)[2] is not None
    a2, b2 = rng.normal(200, 10, 1200), rng.normal(170, 10, 1200)
    lo, hi = S.percentile_difference(a2, np.ones(1200), b2, np.ones(1200), 0.99, 0.95)[2]
    assert hi < 0 and lo < -20  # 30 ms lower, seen with its sign


def test_welch_needs_two_events_per_side_and_poisson_ratio_contains_one_for_equal_rates():
    assert S.welch_difference([52.5], [40.0], 0.95) is None
    lo, hi = S.welch_difference([50, 55, 53], [40, 42, 41], 0.95)
    assert hi < 0
    assert S.welch_difference([45, 45], [30, 30], 0.95) is None  # no spread: no interval
    lo, hi = S.poisson_ratio(4, 10.0, 4, 10.0, 0.95)
    assert lo < 1 < hi
    assert S.poisson_ratio(0, 10.0, 0, 10.0, 0.95) is None


# ---- verdict rules --------------------------------------------------------------------------


def _p99(phase, a, b, ci, completeness=1.0):
    return Difference(f"latency.{phase}.p99", "latency", "cmp.latency_p99", (("phase", phase),),
                      "ms", a, b, ci, "lower", "block-bootstrap", completeness=completeness)


@pytest.mark.parametrize("ci, completeness, expected", [
    ((-30.0, -10.0), 1.0, Status.PASS),
    ((-30.0, -10.0), 0.9, Status.INCONCLUSIVE),  # partial data never passes
    ((-30.0, 5.0), 1.0, Status.INCONCLUSIVE),  # not shown lower
    ((2.0, 10.0), 1.0, Status.FAIL),  # shown higher
    (None, 1.0, Status.INCONCLUSIVE),  # no interval: not enough data to tell
])
def test_p99_lower_is_judged_fail_safe(ci, completeness, expected):
    v = _latency_verdict([_p99("latency", 200.0, 180.0, ci, completeness)], CompareCriteria())
    assert v.status is expected


def test_p99_criterion_without_a_common_steady_phase_is_inconclusive():
    assert _latency_verdict([], CompareCriteria()).status is Status.INCONCLUSIVE


def _analysis(criteria, sla=()):
    line = lambda i, s: SimpleNamespace(id=i, title=i, status=s)
    return SimpleNamespace(criteria=tuple(line(i, s) for i, s in criteria),
                           sla=tuple(line(i, s) for i, s in sla))


def test_regressions_are_lines_passing_in_a_and_not_in_b():
    a = _analysis([("1", Status.PASS), ("2", Status.PASS), ("3", Status.FAIL)],
                  [("availability", Status.PASS)])
    b = _analysis([("1", Status.PASS), ("2", Status.INCONCLUSIVE), ("3", Status.PASS)],
                  [("availability", Status.FAIL)])
    found, same = regressions(a, b)
    assert [(r.id, r.kind, r.b) for r in found] == [("2", "criterion", Status.INCONCLUSIVE),
                                                    ("availability", "sla", Status.FAIL)]
    assert same == 1
    assert _regression_verdict(found, same, CompareCriteria()).status is Status.FAIL
    only_unsure = tuple(r for r in found if r.b is Status.INCONCLUSIVE)
    assert _regression_verdict(only_unsure, same, CompareCriteria()).status is Status.INCONCLUSIVE
    assert _regression_verdict((), same, CompareCriteria()).status is Status.PASS
    assert _regression_verdict((), 0, CompareCriteria()).status is Status.INCONCLUSIVE
    assert _regression_verdict((), 1, CompareCriteria(no_regression=False)) is None


def test_a_difference_without_an_interval_is_never_significant():
    d = Difference("restore.rto", "times", "l.rto", (), "s", 45.0, 300.0, None, "lower", "none")
    assert d.significant is None and d.outcome == "no_interval"
    worse = Difference("x", "latency", "x", (), "ms", 100.0, 120.0, (5.0, 30.0), "lower", "b")
    assert worse.significant and worse.outcome == "worse"


# ---- the comparison notebook ------------------------------------------------------------------


def test_the_comparison_notebook_is_in_sync_and_holds_one_call_per_section():
    import ast
    from pathlib import Path

    import jupytext
    import nbformat

    nb_dir = Path(__file__).resolve().parents[2] / "notebooks"
    py = jupytext.read(nb_dir / "compare.py")
    ipynb = nbformat.read(nb_dir / "compare.ipynb", as_version=4)
    assert [(c.cell_type, c.source.strip()) for c in py.cells] == \
        [(c.cell_type, c.source.strip()) for c in ipynb.cells]
    code = [c for c in py.cells if c.cell_type == "code"]
    assert code[0].metadata.get("tags") == ["parameters"]
    for node in ast.parse(code[0].source).body:  # scalars only
        assert isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant)
    from mm2report.compare.document import ComparisonReport

    sections = []
    for cell in code[1:]:
        body = [n for n in ast.parse(cell.source).body
                if not isinstance(n, (ast.Import, ast.ImportFrom))]
        assert len(body) == 1, cell.source  # one statement: the call of its section
        call = body[0].value
        assert isinstance(call, ast.Call), cell.source
        if isinstance(body[0], ast.Expr):
            sections.append(call.func.attr)
        else:  # the opening cell: report = open_comparison(...)
            assert isinstance(body[0], ast.Assign) and call.func.id == "open_comparison"
    assert sections == [n for n in ("intro", "criteria", "capacity", "capacity_plot", "latency",
                                    "latency_plot", "times", "availability", "other",
                                    "regressions")]
    assert all(callable(getattr(ComparisonReport, s)) for s in sections)


# ---- the throughput criterion -------------------------------------------------------------------


def _capacity_side(ceiling, steps):
    import pandas as pd

    from mm2report.analyses.core import Kpi

    index = pd.date_range("2026-12-01", periods=200, freq="15s", tz="UTC", name="ts")
    frame = pd.DataFrame({"replicated_rate": np.nan}, index=index)
    made = []
    for k, (value, sustained, readings) in enumerate(steps):
        lo, hi = index[40 * k], index[40 * k + len(readings)]
        frame.loc[(frame.index > lo) & (frame.index <= hi), "replicated_rate"] = readings
        made.append(SimpleNamespace(sustained=sustained, analysed_from=lo, analysed_to=hi,
                                    nominal_rate=None,
                                    replicated=Kpi("replicated_rate", value, "records/s",
                                                   completeness=1.0)))
    cap = SimpleNamespace(ceiling=ceiling, steps=tuple(made))
    return SimpleNamespace(phases={"capacity": SimpleNamespace(
        capacity=cap, timeline=SimpleNamespace(frame=frame))})


def _throughput(a, b, completeness=1.0, gain=20.0):
    from mm2report.compare.model import _throughput_verdict

    diffs = {"capacity.ceiling": Difference("capacity.ceiling", "capacity", "cmp.ceiling", (),
                                            "records/s", None, None, None, "higher", "fit",
                                            completeness=completeness),
             "capacity.max_tested": Difference("capacity.max_tested", "capacity", "x", (),
                                               "records/s", 1.0, 1.0, None, "higher", "none")}
    return _throughput_verdict(diffs, a, b, CompareCriteria(throughput_gain_pct=gain))


def test_throughput_when_b_never_saturated_proves_the_gain_only_from_its_lower_bound():
    from mm2report.analyses.core import Kpi, missing

    rng = np.random.default_rng(5)
    a = _capacity_side(Kpi("saturation_ceiling", 4000.0, "records/s", (3990.0, 4010.0),
                           completeness=1.0), [])
    never = missing("saturation_ceiling", "records/s", "every step was sustained")
    high = _capacity_side(never, [(5200.0, True, rng.normal(5200, 10, 30))])
    assert _throughput(a, high).status is Status.PASS  # ≥ 5,190 / 4,010: +29 % at least
    assert _throughput(a, high, completeness=0.95).status is Status.INCONCLUSIVE
    low = _capacity_side(never, [(4500.0, True, rng.normal(4500, 10, 30))])
    # +12 % seen, but B's ceiling lies somewhere above: not proven, not disproven
    assert _throughput(a, low).status is Status.INCONCLUSIVE
    none_a = _capacity_side(never, [])
    assert _throughput(none_a, high).status is Status.INCONCLUSIVE


def test_throughput_on_two_ceilings_is_pass_fail_or_inconclusive_on_the_ratio_interval():
    from mm2report.analyses.core import Kpi

    def side(c, half):
        return _capacity_side(Kpi("saturation_ceiling", c, "records/s", (c - half, c + half),
                                  completeness=1.0), [])

    a = side(4000.0, 10.0)
    assert _throughput(a, side(5000.0, 10.0)).status is Status.PASS  # +25 % ± 0.4
    assert _throughput(a, side(4400.0, 10.0)).status is Status.FAIL  # +10 %: proven short
    assert _throughput(a, side(4800.0, 400.0)).status is Status.INCONCLUSIVE  # +20 % ± 16


def test_steps_are_paired_by_nominal_rate():
    from mm2report.compare.model import pair_steps

    s = lambda r: SimpleNamespace(nominal_rate=r)
    a = [s(2000), s(3500), s(4600)]
    b = [s(2000), s(4600), s(6000)]
    assert [(x.nominal_rate, y.nominal_rate) for x, y in pair_steps(a, b)] == [
        (2000, 2000), (4600, 4600)]
    unnamed = [s(None), s(None)]
    assert len(pair_steps(unnamed, b)) == 2  # in order when a side gives no rates
