"""What the analyses of one phase read: every aggregate query over the phase, per-partition
offsets at the phase's and events' bounds, and the probe's whole-phase integrals.

This is the only module of the package that talks to a source; the analyses themselves are pure
functions of the frames gathered here. Aggregation happens in PromQL: per-partition data is read
only at a few instants, so a 1,000-partition campaign costs a handful of small range queries.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Callable, Mapping

import pandas as pd

from .. import catalog
from ..errors import SnapshotError
from ..sources.base import MetricSource, QueryResult, align, to_epoch
from .core import aggregate, ts

if TYPE_CHECKING:
    from ..alerting.detection import Evaluations
    from ..params import Campaign, Phase

#: Aggregate queries read as ranges over each phase.
RANGE_QUERIES = (
    "replicated_rate", "offered_rate", "target_rate", "latency_max", "latency_avg",
    "record_age_max", "consumer_lag", "consumer_lag_max", "tasks_running", "tasks_total",
    "tasks_failed", "workers", "rebalancing", "rebalance_max_time", "rebalances_completed",
    "record_errors_rate",
    "record_failures_rate", "jvm_heap_used", "up", "cert_expiry", "cert_expiry_by_target",
)
#: Range queries a snapshot recorded before they existed may lack: the analyses do without
#: them (the certificate is then not named; a join's rebalance span is then unknown).
LATER_QUERIES = ("cert_expiry_by_target", "rebalances_completed")
#: Per-partition queries read at instants only.
BOUND_QUERIES = ("source_offsets", "target_offsets", "consumer_lag_by_partition")


@dataclass(frozen=True)
class PhaseData:
    name: str
    phase: "Phase"
    start: datetime  # the phase bounds as given, UTC
    end: datetime
    step: int
    ranges: Mapping[str, QueryResult]
    instants: Mapping[tuple[str, int], QueryResult] = field(default_factory=dict)
    probe: Mapping[str, QueryResult] = field(default_factory=dict)
    alerts: "Evaluations | None" = None  # the alert pack's fault rules over the phase

    def get(self, name: str) -> QueryResult | None:
        return self.ranges.get(name)

    def series(self, name: str) -> pd.Series:
        return aggregate(self.ranges.get(name))

    def at(self, name: str, moment: datetime) -> QueryResult | None:
        """The per-partition instant of ``name`` at ``moment`` (aligned down to the step)."""
        t, _ = align(to_epoch(moment), to_epoch(moment), self.step)
        return self.instants.get((name, t))

    @property
    def events(self):
        return self.phase.events


def bounds_of(phase: "Phase") -> list[datetime]:
    """The instants at which per-partition offsets are read: phase and event bounds."""
    moments = {phase.start, phase.end}
    for event in phase.events:
        moments.add(event.start)
        if event.end is not None:
            moments.add(event.end)
    return sorted(moments)


def fetch_phase(campaign: "Campaign", source: MetricSource, name: str,
                progress: Callable[[str], None] | None = None) -> PhaseData:
    """Read everything the analyses of phase ``name`` need from ``source``."""
    phase = campaign.phase(name)
    step = source.step
    available = set(catalog.needed_queries(campaign))
    ranges = {}
    for query in RANGE_QUERIES:
        if query in available:
            if progress:
                progress(f"{name}: {query}")
            try:
                ranges[query] = source.range(query, phase.start, phase.end)
            except SnapshotError:
                if query not in LATER_QUERIES:
                    raise
    instants = {}
    for moment in bounds_of(phase):
        t, _ = align(to_epoch(moment), to_epoch(moment), step)
        for query in BOUND_QUERIES:
            if query in available:
                instants[(query, t)] = source.instant(query, ts(t))
    probe = {}
    s, e = align(to_epoch(phase.start), to_epoch(phase.end), step)
    for query in ("probe_latency_buckets", "probe_lost"):
        if query in available:
            probe[query] = source.instant(query, ts(e), range_=f"{e - s}s")
    from ..alerting.detection import fetch_evaluations

    if progress:
        progress(f"{name}: alert rules")
    alerts = fetch_evaluations(campaign, source, phase)
    return PhaseData(name, phase, phase.start, phase.end, step, ranges, instants, probe, alerts)


__all__ = ["BOUND_QUERIES", "RANGE_QUERIES", "PhaseData", "bounds_of", "fetch_phase"]
