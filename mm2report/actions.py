"""The action plan (seed 001, §2–§10): actions, milestones and follow-up KPIs from a YAML file.

Validated as strictly as the campaign parameters (unknown keys refused, one ``(field, reason)``
per problem). An action's status follows from its steps unless it is ``blocked``; an open P0
action ("Actions Bloquantes Production") makes the production decision NOGO even when every
test criterion passes (:func:`production_decision`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError, field_validator, model_validator

from .errors import ParameterError
from .params import Number, _Strict, _problems_of, read_yaml_file

Priority = Literal["P0", "P1", "P2", "P3"]
StepStatus = Literal["todo", "in_progress", "done"]
ActionStatus = Literal["todo", "in_progress", "done", "blocked"]
_ID = re.compile(r"^[A-Z]{2,6}-\d{1,4}$")
CRITERIA_IDS = tuple(str(i) for i in range(1, 11))


def _check_id(value: str) -> str:
    if not _ID.match(value):
        raise ValueError(f"{value!r}: expected an id such as ACT-001")
    return value


class Step(_Strict):
    title: str = Field(min_length=1)
    status: StepStatus = "todo"
    done_on: date | None = None  # when it was done (the weekly follow-up report, seed 001 §6.3)


class Action(_Strict):
    id: str
    title: str = Field(min_length=1)
    category: str = Field(min_length=1)  # Performance, Résilience, Sécurité, Opérations…
    recommendation: str | None = None  # the source recommendation, e.g. REC-RES-04
    priority: Priority
    owner: str | None = None
    start: date | None = None
    due: date
    effort_days: Number = Field(gt=0, le=1000)
    description: str | None = None
    steps: tuple[Step, ...] = ()
    success_criteria: tuple[str, ...] = ()
    risks: tuple[str, ...] = ()
    rollback: str | None = None
    criteria: tuple[str, ...] = ()  # GO/NOGO criteria this action addresses ("1".."10")
    blocked: bool = False
    impact: Literal["high", "medium", "low"] = "medium"

    _id = field_validator("id")(classmethod(lambda cls, v: _check_id(v)))

    @field_validator("criteria")
    @classmethod
    def _criteria(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        unknown = [c for c in value if c not in CRITERIA_IDS]
        if unknown:
            raise ValueError(f"unknown criteria {', '.join(unknown)} (expected 1 to 10)")
        return value

    @model_validator(mode="after")
    def _dates(self):
        if self.start is not None and self.due < self.start:
            raise ValueError("due must not be before start")
        return self

    @property
    def status(self) -> ActionStatus:
        if self.blocked:
            return "blocked"
        if self.steps and all(s.status == "done" for s in self.steps):
            return "done"
        if any(s.status != "todo" for s in self.steps):
            return "in_progress"
        return "todo"

    @property
    def progress(self) -> float:
        """Share of steps done (0 without steps unless done)."""
        if not self.steps:
            return 0.0
        return sum(s.status == "done" for s in self.steps) / len(self.steps)

    @property
    def open(self) -> bool:
        return self.status != "done"


class Milestone(_Strict):
    id: str
    title: str = Field(min_length=1)
    due: date
    actions: tuple[str, ...] = ()

    _id = field_validator("id")(classmethod(lambda cls, v: _check_id(v)))


class FollowUpKpi(_Strict):
    name: str = Field(min_length=1)
    target: str = Field(min_length=1)
    current: str | None = None
    frequency: str | None = None


Level = Literal["low", "medium", "high"]


class Resource(_Strict):  # seed 001 §4.2
    role: str = Field(min_length=1)
    name: str | None = None
    availability_pct: Number | None = Field(default=None, ge=0, le=100)
    actions: tuple[str, ...] = ()
    duties: str | None = None  # what the role does beyond its actions ("validation, support")


class Risk(_Strict):  # seed 001 §5
    id: str
    title: str = Field(min_length=1)
    probability: Level
    impact: Level
    mitigation: str = Field(min_length=1)
    contingency: str | None = None

    _id = field_validator("id")(classmethod(lambda cls, v: _check_id(v)))


class Meeting(_Strict):  # seed 001 §6.1
    kind: str = Field(min_length=1)
    frequency: str = Field(min_length=1)
    participants: str = Field(min_length=1)
    purpose: str = Field(min_length=1)


class Communication(_Strict):  # seed 001 §7.1
    audience: str = Field(min_length=1)
    message: str = Field(min_length=1)
    channel: str = Field(min_length=1)
    frequency: str = Field(min_length=1)


class Escalation(_Strict):  # seed 001 §7.2
    level: str = Field(min_length=1)
    problem: str = Field(min_length=1)
    contact: str = Field(min_length=1)
    response_time: str = Field(min_length=1)


class Deliverable(_Strict):  # seed 001 §9.2 / §10.1
    name: str = Field(min_length=1)
    owner: str | None = None
    location: str | None = None
    status: StepStatus = "todo"


class ActionPlan(_Strict):
    version: Literal[1] = 1
    title: str = Field(min_length=1)
    actions: tuple[Action, ...] = ()
    milestones: tuple[Milestone, ...] = ()
    kpis: tuple[FollowUpKpi, ...] = ()
    closure: tuple[str, ...] = ()  # closure checklist (seed 001 §9.1)
    resources: tuple[Resource, ...] = ()
    risks: tuple[Risk, ...] = ()
    governance: tuple[Meeting, ...] = ()
    communication: tuple[Communication, ...] = ()
    escalation: tuple[Escalation, ...] = ()
    deliverables: tuple[Deliverable, ...] = ()

    def action(self, action_id: str) -> Action:
        return next(a for a in self.actions if a.id == action_id)

    @property
    def open_p0(self) -> tuple[Action, ...]:
        return tuple(a for a in self.actions if a.priority == "P0" and a.open)

    def for_criterion(self, criterion: str) -> tuple[Action, ...]:
        return tuple(a for a in self.actions if criterion in a.criteria)

    def milestone_progress(self, milestone: Milestone) -> float:
        acts = [self.action(a) for a in milestone.actions]
        return sum(a.progress if a.steps else float(not a.open) for a in acts) / len(acts) if acts else 0.0


def _plan_problems(plan: ActionPlan) -> list[tuple[str, str]]:
    problems = []
    ids = [a.id for a in plan.actions]
    for i, a in enumerate(plan.actions):
        if ids.index(a.id) != i:
            problems.append((f"actions[{i}].id", f"action {a.id!r} is listed twice"))
    for i, m in enumerate(plan.milestones):
        for j, ref in enumerate(m.actions):
            if ref not in ids:
                problems.append((f"milestones[{i}].actions[{j}]", f"no action {ref!r}"))
    for i, r in enumerate(plan.resources):
        for j, ref in enumerate(r.actions):
            if ref not in ids:
                problems.append((f"resources[{i}].actions[{j}]", f"no action {ref!r}"))
    for i, a in enumerate(plan.actions):
        for j, s in enumerate(a.steps):
            if s.done_on is not None and s.status != "done":
                problems.append((f"actions[{i}].steps[{j}].done_on",
                                 "only a done step has a done_on date"))
    return problems


def validate_plan(data, source: str = "<action plan>") -> ActionPlan:
    if not isinstance(data, dict):
        raise ParameterError(source, [("", "the file must hold a YAML mapping")])
    try:
        plan = ActionPlan.model_validate(data)
    except ValidationError as exc:
        raise ParameterError(source, _problems_of(exc)) from None
    problems = _plan_problems(plan)
    if problems:
        raise ParameterError(source, problems)
    return plan


def load_plan(path: str | Path) -> ActionPlan:
    path = Path(path)
    return validate_plan(read_yaml_file(path), str(path))


@dataclass(frozen=True)
class ProductionDecision:
    """The tests' decision and the plan's blocking actions: GO only when both allow it."""

    go: bool
    tests_go: bool
    blocking_actions: tuple[Action, ...]
    reason: str


def production_decision(tests_go: bool, tests_reason: str, plan: ActionPlan | None) -> ProductionDecision:
    blocking = plan.open_p0 if plan is not None else ()
    if not tests_go:
        reason = f"tests NOGO ({tests_reason})"
    elif blocking:
        reason = "tests GO, but open P0 actions: " + ", ".join(a.id for a in blocking)
    else:
        reason = "tests GO and no open P0 action"
    if blocking and not tests_go:
        reason += "; open P0 actions: " + ", ".join(a.id for a in blocking)
    return ProductionDecision(tests_go and not blocking, tests_go, blocking, reason)


__all__ = ["Action", "ActionPlan", "Milestone", "ProductionDecision", "Step", "load_plan",
           "production_decision", "validate_plan"]
