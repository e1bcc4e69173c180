"""The command line's help texts and argument checks (the library behind it is tested
elsewhere; the closed pipe is tests/integration/test_cli_pipes.py)."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest
import yaml

from mm2report import cli
from mm2report.paths import OUTPUTS

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "parameters" / "demo.yml"


def _subparsers() -> dict[str, argparse.ArgumentParser]:
    (sub,) = [a for a in cli.build_parser()._actions if a.dest == "command"]
    return dict(sub.choices)


def _option(parser: argparse.ArgumentParser, dest: str) -> argparse.Action | None:
    return next((a for a in parser._actions if a.dest == dest), None)


def test_params_is_described_under_every_subcommand_that_takes_it():
    takers = {name for name, p in _subparsers().items() if _option(p, "params")}
    assert {"check", "catalog", "snapshot", "inspect", "analyse", "run", "report",
            "validate-change"} <= takers
    for name in takers:
        assert _option(_subparsers()[name], "params").help == cli.PARAMS_HELP, name
    for name, p in _subparsers().items():  # and every positional argument has its help
        for action in p._actions:
            if not action.option_strings:
                assert action.help, (name, action.dest)


@pytest.mark.parametrize("name", ["run", "report", "validate-change"])
def test_lang_and_outputs_are_described_truthfully(name):
    parser = _subparsers()[name]
    assert _option(parser, "lang").help == cli.LANG_HELP
    outputs = _option(parser, "outputs").help
    assert str(OUTPUTS) in outputs and "./outputs" not in outputs
    assert str(OUTPUTS) in " ".join(parser.format_help().split())


def test_the_default_outputs_directory_is_the_one_the_help_states(tmp_path, monkeypatch, capsys):
    # from another working directory, report still looks in the checkout's outputs/
    monkeypatch.chdir(tmp_path)
    assert cli.main(["report", str(DEMO), "--run", "20990101T000000Z", "--no-pdf"]) == 2
    assert str(OUTPUTS / "demo" / "20990101T000000Z") in capsys.readouterr().err


def test_report_names_a_run_that_does_not_exist(tmp_path, capsys):
    assert cli.main(["report", str(DEMO), "--outputs", str(tmp_path), "--run",
                     "20990101T000000Z"]) == 2
    err = capsys.readouterr().err
    assert "--run: does not exist" in err and "no run.json" not in err
    assert str(tmp_path / "demo" / "20990101T000000Z") in err
    (tmp_path / "demo" / "20990101T000000Z").mkdir(parents=True)  # exists, but no run
    assert cli.main(["report", str(DEMO), "--outputs", str(tmp_path), "--run",
                     "20990101T000000Z"]) == 2
    assert "--run: not a run directory (no run.json)" in capsys.readouterr().err


@pytest.mark.parametrize("plan, reason", [
    (None, "no such file"),
    ("milestones: [\n", "not valid YAML"),
])
def test_check_refuses_a_missing_or_unparsable_action_plan(tmp_path, capsys, plan, reason):
    params = yaml.safe_load(DEMO.read_text())
    params["source"]["snapshot"] = str(DEMO.parent / params["source"]["snapshot"])
    params["action_plan"] = str(tmp_path / "actions.yml")
    if plan is not None:
        (tmp_path / "actions.yml").write_text(plan)
    (tmp_path / "p.yml").write_text(yaml.safe_dump(params, allow_unicode=True))
    assert cli.main(["check", str(tmp_path / "p.yml")]) == 2
    out = capsys.readouterr()
    assert out.out == ""
    (line,) = [l for l in out.err.splitlines() if l.startswith("  ")]
    assert line.strip().startswith(f"action_plan: {reason}"), out.err
