"""The action plan: strict validation, derived statuses, and open P0 actions blocking production."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from mm2report.actions import load_plan, production_decision, validate_plan
from mm2report.errors import ParameterError
from mm2report.params import load_campaign

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "parameters" / "demo-actions.yml"


def action(id="ACT-001", priority="P1", steps=(), **more):
    return {"id": id, "title": "t", "category": "Résilience", "priority": priority,
            "due": "2026-12-01", "effort_days": 1, "steps": list(steps), **more}


def plan(*actions, **more):
    return {"version": 1, "title": "plan", "actions": list(actions), **more}


def problems(data) -> dict:
    with pytest.raises(ParameterError) as exc:
        validate_plan(data)
    return dict(exc.value.problems)


def test_the_demo_plan_loads_and_the_demo_campaign_names_it():
    p = load_plan(DEMO)
    assert [a.id for a in p.open_p0] == ["ACT-001", "ACT-002"]
    assert load_campaign(ROOT / "parameters" / "demo.yml").action_plan == DEMO


@pytest.mark.parametrize("steps, status, progress", [
    ((), "todo", 0.0),
    (({"title": "a", "status": "todo"},), "todo", 0.0),
    (({"title": "a", "status": "done"}, {"title": "b", "status": "todo"}), "in_progress", 0.5),
    (({"title": "a", "status": "in_progress"},), "in_progress", 0.0),
    (({"title": "a", "status": "done"}, {"title": "b", "status": "done"}), "done", 1.0),
])
def test_status_and_progress_follow_the_steps(steps, status, progress):
    a = validate_plan(plan(action(steps=steps))).actions[0]
    assert a.status == status and a.progress == progress
    assert a.open is (status != "done")


def test_blocked_overrides_the_steps():
    a = validate_plan(plan(action(steps=[{"title": "a", "status": "done"}], blocked=True))).actions[0]
    assert a.status == "blocked" and a.open


def test_an_open_p0_makes_production_no_go_even_when_the_tests_pass():
    p = validate_plan(plan(action("ACT-001", "P0"), action("ACT-002", "P1")))
    d = production_decision(True, "all ten criteria are GO", p)
    assert not d.go and d.tests_go and [a.id for a in d.blocking_actions] == ["ACT-001"]
    assert "ACT-001" in d.reason


def test_a_done_p0_does_not_block_and_failed_tests_always_block():
    done = action("ACT-001", "P0", steps=[{"title": "a", "status": "done"}])
    p = validate_plan(plan(done))
    assert production_decision(True, "", p).go
    assert not production_decision(False, "criterion 3 NOGO", p).go
    assert production_decision(True, "", None).go
    assert not production_decision(False, "criterion 3 NOGO", None).go


@pytest.mark.parametrize("mutate, field, words", [
    (lambda d: d["actions"][0].update(bogus=1), "actions[0].bogus", "unknown key"),
    (lambda d: d["actions"][0].update(priority="P5"), "actions[0].priority", "expected"),
    (lambda d: d["actions"][0].update(id="act 1"), "actions[0].id", "ACT-001"),
    (lambda d: d["actions"][0].update(criteria=["11"]), "actions[0].criteria", "unknown criteria"),
    (lambda d: d["actions"][0].update(start="2026-12-05"), "actions[0]", "due must not be before"),
    (lambda d: d["actions"][0].update(effort_days=0), "actions[0].effort_days", "greater than"),
    (lambda d: d["actions"][0].pop("due"), "actions[0].due", "required"),
    (lambda d: d["actions"].append(copy.deepcopy(d["actions"][0])), "actions[1].id", "twice"),
    (lambda d: d.update(milestones=[{"id": "JAL-1", "title": "m", "due": "2026-12-01",
                                     "actions": ["ACT-404"]}]), "milestones[0].actions[0]", "ACT-404"),
])
def test_bad_plans_name_the_field(mutate, field, words):
    data = plan(action())
    mutate(data)
    got = problems(data)
    assert field in got, got
    assert words in got[field]


def test_milestone_progress_averages_its_actions():
    data = plan(action("ACT-001", steps=[{"title": "a", "status": "done"}, {"title": "b"}]),
                action("ACT-002", steps=[{"title": "a", "status": "done"}]),
                milestones=[{"id": "JAL-1", "title": "m", "due": "2026-12-01",
                             "actions": ["ACT-001", "ACT-002"]}])
    p = validate_plan(data)
    assert p.milestone_progress(p.milestones[0]) == pytest.approx((0.5 + 1.0) / 2)


def test_the_yaml_loader_is_strict(tmp_path):
    f = tmp_path / "p.yml"
    f.write_text(yaml.safe_dump(plan(action())) + "title: again\n")
    with pytest.raises(ParameterError):
        load_plan(f)
