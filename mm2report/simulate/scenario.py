"""Scenario files for the campaign simulator (format documented in docs/simulator.md).

A scenario describes a campaign to simulate: the MM2 deployment, the load profile of each phase,
the events a tester would inject, and optional faults for negative tests. Validation is strict
like the campaign parameters (unknown keys refused, one message per problem).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, field_validator, model_validator

from ..errors import ParameterError
from ..params import PHASE_NAMES, Duration, UtcTime, _problems_of, parse_duration, read_yaml_file


def _offset(value: Any) -> timedelta:
    delta = parse_duration(value)
    if delta < timedelta(0):
        raise ValueError("must not be negative")
    return delta


Offset = Annotated[timedelta, BeforeValidator(_offset)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Cluster(_Strict):
    source_alias: str = "primary"
    target_alias: str = "backup"


class Topics(_Strict):
    names: tuple[str, ...] = ("orders",)
    partitions: int = Field(8, ge=1, le=2000)


class Mm2(_Strict):
    workers: int = Field(2, ge=1, le=50)
    tasks: int = Field(4, ge=1, le=500)
    task_capacity: float = Field(3000, gt=0)  # records/s a task can replicate
    base_latency_ms: float = Field(100, ge=0)
    jitter_ms: float = Field(20, ge=0)
    rebalance_delay: Duration = timedelta(seconds=45)  # departed worker's tasks stay unassigned
    rebalance_duration: Duration = timedelta(seconds=8)
    # worker_add: the new worker's JVM start and group join, before the rebalance it triggers
    join_time: Duration = timedelta(0)
    restart_time: Duration = timedelta(seconds=30)  # worker_restart: down time of the worker
    offset_flush_interval: Duration = timedelta(seconds=60)


class SimEvent(_Strict):
    kind: Literal["broker_stop", "worker_stop", "worker_restart", "worker_add", "network_cut",
                  "burst", "error_scenario", "other"]
    at: Offset = timedelta(0)  # offset from the phase start
    duration: Duration | None = None
    target: str | None = None
    factor: float = Field(3.0, gt=0)  # burst: offered load multiplier
    scenario: Literal["auth_failure", "record_errors"] = "auth_failure"
    task: int = Field(0, ge=0)  # error_scenario: the task affected
    error_rate: float = Field(5.0, ge=0)  # record_errors: errors per second
    expected: str | None = None
    note: str | None = None


class Step(_Strict):
    rate: float = Field(gt=0)
    duration: Duration


class Baseline(_Strict):
    at: Offset = timedelta(0)
    duration: Duration
    rate: float = Field(gt=0)


class SimPhase(_Strict):
    name: Literal[PHASE_NAMES]  # type: ignore[valid-type]
    duration: Duration
    rate: float = Field(0, ge=0)  # offered records/s when no step or baseline applies
    steps: tuple[Step, ...] = ()
    warmup: Duration = timedelta(minutes=2)
    baseline: Baseline | None = None
    events: tuple[SimEvent, ...] = ()


class Loss(_Strict):
    phase: str
    at: Offset = timedelta(0)
    topic: str
    partition: int = Field(ge=0)
    records: int = Field(gt=0)


class Gap(_Strict):
    phase: str
    at: Offset = timedelta(0)
    duration: Duration


class HeapLeak(_Strict):
    mb_per_hour: float = Field(gt=0)
    from_phase: str = "soak"


class Faults(_Strict):
    loss: tuple[Loss, ...] = ()
    heap_leak: HeapLeak | None = None
    monitoring_gaps: tuple[Gap, ...] = ()
    missing_scrape_probability: float = Field(0.0, ge=0, le=0.2)


class Scenario(_Strict):
    name: str
    client: str = "Demo"
    seed: int = 1
    start: UtcTime
    timezone: str = "Europe/Paris"
    language: Literal["fr", "en"] = "fr"
    scrape_interval: int = Field(15, ge=5, le=60)
    gap: Offset = timedelta(minutes=15)  # idle time between phases
    idle_rate: float = Field(0, ge=0)  # offered records/s between phases
    noise: float = Field(0.02, ge=0, le=0.5)  # relative spread of the offered rate
    cluster: Cluster = Cluster()
    topics: Topics = Topics()
    mm2: Mm2 = Mm2()
    probe: bool = False
    # What tells the workers apart in their series: their own scrape address (``instance``),
    # or only their pod name (scraped through one address: no ``instance`` label)
    worker_label: Literal["instance", "kubernetes_pod_name"] = "instance"
    phases: tuple[SimPhase, ...]
    faults: Faults = Faults()

    @field_validator("start")
    @classmethod
    def _whole_seconds(cls, value: datetime) -> datetime:
        if value.microsecond or value.timestamp() % 1:
            raise ValueError("start must be a whole second")
        return value

    @model_validator(mode="after")
    def _coherent(self):
        names = [p.name for p in self.phases]
        if len(set(names)) != len(names):
            raise ValueError("each phase may appear once")
        for fault in (*self.faults.loss, *self.faults.monitoring_gaps):
            if fault.phase not in names:
                raise ValueError(f"fault refers to phase {fault.phase!r}, which is not simulated")
        for loss in self.faults.loss:
            if loss.topic not in self.topics.names or loss.partition >= self.topics.partitions:
                raise ValueError(f"loss fault on unknown partition {loss.topic}-{loss.partition}")
        return self


def _seconds(value: Any) -> int:
    return int(value.total_seconds()) if isinstance(value, timedelta) else int(value)


def load_scenario(path: str | Path) -> Scenario:
    path = Path(path)
    return validate_scenario(read_yaml_file(path), source=str(path))


def validate_scenario(data: Any, source: str = "<scenario>") -> Scenario:
    if not isinstance(data, dict):
        raise ParameterError(source, [("", "the file must hold a YAML mapping")])
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        raise ParameterError(source, _problems_of(exc)) from None
