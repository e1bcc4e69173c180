"""Outputs are published whole, under a free name, never over an earlier one; every write
failure is one OutputError naming what, where and why; stale partials of dead processes go."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest

import faults
from mm2report.errors import OutputError
from mm2report.outputs import (new_partial_dir, numbered, publish_dir, remove_stale_partials,
                               write_new_file)
from mm2report.run import Staging, new_run_id

SECOND = datetime(2026, 11, 21, 20, 43, 17, tzinfo=timezone.utc)


def _commit(staging: Staging, failed: bool = False) -> Path:
    def write(run_id: str) -> None:
        (staging.path / "results.json").write_text("{}\n" * 10_000)
        (staging.path / "run.json").write_text(json.dumps({"run_id": run_id}))

    return staging.commit(failed=failed, before=write)


def test_runs_started_in_the_same_second_get_distinct_ids(tmp_path):
    """Both stagings chose the same id at start (same second, same process): each commit
    takes the first free one, and run.json states the id of its own directory."""
    first = Staging(tmp_path, new_run_id(tmp_path, SECOND))
    second = Staging(tmp_path, new_run_id(tmp_path, SECOND))
    third = Staging(tmp_path, new_run_id(tmp_path, SECOND))
    assert first.run_id == second.run_id == third.run_id == "20261121T204317Z"
    assert first.path != second.path
    paths = [_commit(first), _commit(second), _commit(third, failed=True)]
    assert [p.name for p in paths] == ["20261121T204317Z", "20261121T204317Z-2",
                                       "20261121T204317Z-3-failed"]
    for path in paths:
        assert json.loads((path / "run.json").read_text())["run_id"] == path.name.removesuffix(
            "-failed")
    assert sorted(p.name for p in tmp_path.iterdir()) == [p.name for p in paths]


def test_a_name_taken_between_the_check_and_the_rename_is_skipped(tmp_path):
    """The race itself: another process publishes under the chosen name just before the
    rename (here from ``before``); the rename fails and the next name is taken, the other
    output untouched."""
    staging = new_partial_dir(tmp_path, "deliverables-fr")
    (staging / "index.html").write_text("mine")

    def other_process_wins(name: str) -> None:
        if name == "deliverables-fr":
            (tmp_path / name).mkdir()
            (tmp_path / name / "index.html").write_text("theirs")

    final = publish_dir(staging, numbered("deliverables-fr"), before=other_process_wins)
    assert final.name == "deliverables-fr-2"
    assert (tmp_path / "deliverables-fr" / "index.html").read_text() == "theirs"
    assert (final / "index.html").read_text() == "mine"


def test_write_new_file_never_overwrites_and_leaves_no_partial(tmp_path):
    target = tmp_path / "analysis.json"
    write_new_file(target, "first\n", what="the analysis")
    with pytest.raises(FileExistsError):
        write_new_file(target, "second\n", what="the analysis")
    assert target.read_text() == "first\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["analysis.json"]


def test_stale_partial_file_of_a_killed_write_is_removed_by_the_next(tmp_path):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = tmp_path / f".analysis.json.partial-{dead.pid}"
    stale.write_text("half")
    write_new_file(tmp_path / "analysis.json", "whole\n", what="the analysis")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["analysis.json"]


def test_stale_partials_of_dead_processes_are_removed_live_ones_kept(tmp_path):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    alive = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        stale = tmp_path / f".partial-deliverables-fr-1a2b3c-{dead.pid}"
        live = tmp_path / f".partial-deliverables-fr-4d5e6f-{alive.pid}"
        mine = new_partial_dir(tmp_path, "deliverables-en")
        for p in (stale, live):
            p.mkdir()
            (p / "index.html").write_text("x")
        remove_stale_partials(tmp_path)
        assert not stale.exists() and live.exists() and mine.exists()
    finally:
        alive.kill()
        alive.wait()


@pytest.mark.parametrize("kind", faults.KINDS)
def test_write_failures_are_one_output_error_naming_what_where_why(kind, tmp_path):
    reasons = {"read-only": "Read-only file system", "full": "No space left on device",
               "file": "Not a directory", "immutable": "Operation not permitted"}
    def other_data(place: Path) -> None:  # the full disk holds this and nothing more
        (place / "other-data").write_bytes(b"x" * 1_000_000)

    with faults.faulty(kind, tmp_path, fill=other_data if kind == "full" else None) as place:
        target = place / "analysis.json"
        with pytest.raises(OutputError) as info:
            write_new_file(target, "x" * 100_000, what="the analysis")
        assert str(info.value) == f"cannot write the analysis: {target}: {reasons[kind]}"
        assert faults.partials(place) == []

        with pytest.raises(OutputError) as info:
            _commit(Staging(place / "demo", "20261121T204317Z"))
        message = str(info.value)
        assert message.startswith(f"cannot write the run: {place}") and reasons[kind] in message
