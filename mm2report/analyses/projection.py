"""Annual projection of downtime, and what the campaign cannot prove.

A 99.9886 % availability allows 59.9 minutes of downtime a year, 9.9 s a day: no campaign of a
few days can show it directly. The projection combines two parts:

* **planned faults**: for each fault type the parameters give a yearly frequency
  (``projection.faults_per_year``, e.g. 4 worker restarts a year); each costs the restore time
  measured for it in the campaign (mean and worst). A type the campaign never exercised is listed
  as unmeasured, never counted as zero;
* **natural failures**: incidents not linked to any injected event, over the hours of the
  campaign. Their rate is bounded with the chi-square interval of a Poisson process (95 %,
  two-sided: ``chi2(0.025, 2n) / 2T`` to ``chi2(0.975, 2n + 2) / 2T``) and each costs the mean
  measured restore time.

The projected yearly downtime is given as a point value and as a pessimistic bound (upper rate,
worst restore time). The campaign proves the target only if even the pessimistic bound fits the
budget; it disproves it if the optimistic bound does not; otherwise it cannot tell, and the
result says how many incident-free hours would be needed to tell.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np
from scipy import stats

from .core import Kpi, missing
from .state import Incident

YEAR_S = 365.25 * 86400
YEAR_H = YEAR_S / 3600


@dataclass(frozen=True)
class FaultProjection:
    kind: str
    per_year: float
    observed: int  # incidents linked to this kind in the campaign
    restore_mean_s: float | None
    restore_max_s: float | None
    downtime_year_s: float | None  # per_year x mean restore
    downtime_year_max_s: float | None


@dataclass(frozen=True)
class Projection:
    campaign_hours: float
    natural_incidents: int
    rate_per_hour: Kpi  # natural failure rate, with its 95 % interval
    faults: tuple[FaultProjection, ...]
    downtime_year_s: Kpi  # point estimate with (optimistic, pessimistic) as interval
    availability_pct: Kpi
    budget_year_s: float
    target_pct: float
    verdict_hint: str  # "proven", "disproven" or "unproven"
    hours_needed: float | None  # incident-free hours needed to bound the natural rate enough
    unproven: tuple[str, ...]
    # the same statements as data, for reports in other languages: ("unobserved", kind,
    # per_year), ("no_incident",), ("natural_bound", hours, max_rate_per_hour, hours_needed|None)
    reasons: tuple[tuple[str | float | None, ...], ...] = ()


def annual_projection(incident_list: Sequence[Incident], *, campaign_hours: float,
                      faults_per_year: Mapping[str, float], target_pct: float) -> Projection:
    budget = (1 - target_pct / 100) * YEAR_S
    natural = [i for i in incident_list if i.event is None]
    n, T = len(natural), campaign_hours
    durations = [i.duration_s for i in incident_list]
    mttr = float(np.mean(durations)) if durations else None
    worst = float(np.max(durations)) if durations else None
    unproven, reasons = [], []
    if T <= 0:
        rate = missing("natural_failure_rate", "1/h", "no campaign time with data")
        lo = hi = point = None
    else:
        point = n / T
        lo = stats.chi2.ppf(0.025, 2 * n) / (2 * T) if n else 0.0
        hi = stats.chi2.ppf(0.975, 2 * n + 2) / (2 * T)
        rate = Kpi("natural_failure_rate", point, "1/h", (float(lo), float(hi)), completeness=1.0,
                   notes=(f"{n} natural incident(s) in {T:,.1f} h; 95 % chi-square interval",))

    faults = []
    planned_point = planned_opt = planned_pes = 0.0
    for kind, per_year in sorted(faults_per_year.items()):
        linked = [i.duration_s for i in incident_list if i.event is not None and i.event.kind == kind]
        if linked:
            mean, mx = float(np.mean(linked)), float(np.max(linked))
            faults.append(FaultProjection(kind, per_year, len(linked), mean, mx, per_year * mean,
                                          per_year * mx))
            planned_point += per_year * mean
            planned_opt += per_year * min(linked)
            planned_pes += per_year * mx
        else:
            faults.append(FaultProjection(kind, per_year, 0, None, None, None, None))
            unproven.append(f"{kind}: expected {per_year:g} a year but not observed causing an "
                            f"outage in the campaign; its cost is unmeasured")
            reasons.append(("unobserved", kind, float(per_year)))

    if point is None or mttr is None:
        if mttr is None:
            unproven.append("no incident observed: no restore time to project a failure's cost")
            reasons.append(("no_incident",))
        downtime = missing("projected_downtime_year", "s", "no restore time or no campaign time")
        avail = missing("projected_availability", "%", "no restore time or no campaign time")
        hint, needed = "unproven", None
    else:
        nat_point, nat_opt, nat_pes = point * YEAR_H * mttr, lo * YEAR_H * min(durations), hi * YEAR_H * worst
        d_point = planned_point + nat_point
        d_opt, d_pes = planned_opt + nat_opt, planned_pes + nat_pes
        downtime = Kpi("projected_downtime_year", d_point, "s", (d_opt, d_pes), completeness=1.0,
                       notes=("interval: optimistic (lower rate, shortest restore) to pessimistic "
                              "(upper rate, worst restore)",))
        def pct(downtime: float) -> float:  # a projection beyond a whole year of downtime is 0 %
            return 100 * (1 - min(downtime, YEAR_S) / YEAR_S)

        avail = Kpi("projected_availability", pct(d_point), "%", (pct(d_pes), pct(d_opt)),
                    completeness=1.0)
        hint = "proven" if d_pes <= budget else "disproven" if d_opt > budget else "unproven"
        if hint == "proven" and any(f.restore_mean_s is None for f in faults):
            hint = "unproven"  # a fault type never exercised has an unmeasured cost, not zero
        # natural rate the budget leaves room for, and the zero-failure test length that bounds it
        room = budget - planned_pes
        needed = None
        if room > 0 and worst > 0:
            max_rate = room / (worst * YEAR_H)
            needed = float(stats.chi2.ppf(0.975, 2) / (2 * max_rate))
        if hint == "unproven":
            unproven.append(
                f"{T:,.0f} h of campaign bound natural failures to at most {hi:.3g} per hour; "
                + (f"showing the target needs about {needed:,.0f} h without a natural incident"
                   if needed else "the planned faults alone exceed the budget"))
            reasons.append(("natural_bound", float(T), float(hi), needed))
    if not faults_per_year:
        unproven.append("no yearly fault frequencies in the parameters: planned faults are not projected")
    return Projection(T, n, rate, tuple(faults), downtime, avail, budget, target_pct, hint,
                      needed, tuple(unproven), tuple(reasons))


__all__ = ["FaultProjection", "Projection", "annual_projection"]
