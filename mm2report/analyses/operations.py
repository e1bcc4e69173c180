"""Error scenarios (what MirrorMaker 2 did when a record or a credential went wrong) and
certificate expiry.

For each ``error_scenario`` event, over the event's window (its end, or 5 minutes when none is
given) and until the service is back to normal:

* was a task reported FAILED? (Kafka Connect does not restart a FAILED task by itself: a FAILED
  task means an operator restart);
* how many record errors and failures were counted (counter increases, resets handled by
  ``irate``);
* when was every expected task running again, counted from the event's start;
* how many records were lost over the event's window (offsets, see :mod:`.loss`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

import numpy as np
import pandas as pd

from ..sources.base import QueryResult
from .core import Evidence, Kpi, aggregate, clean, missing, plausible, seconds, ts, window
from .loss import LossResult
from .state import EventRef, State, StateTimeline

DEFAULT_ERROR_WINDOW = timedelta(minutes=5)


@dataclass(frozen=True)
class ErrorBehaviour:
    event: EventRef
    window_end: datetime
    task_failed: bool | None
    errors_counted: Kpi
    failures_counted: Kpi
    recovered: bool | None
    recovery: Kpi  # seconds from the event's start until no step is DOWN any more
    needs_restart: bool | None
    lost: Kpi


def error_behaviour(event: EventRef, *, timeline: StateTimeline, tasks_failed: QueryResult | None,
                    errors_rate: QueryResult | None, failures_rate: QueryResult | None,
                    loss: LossResult | None, until: datetime) -> ErrorBehaviour:
    """``until``: the next event's start or the phase's end, whichever comes first."""
    end = event.end or ts(seconds(event.start) + DEFAULT_ERROR_WINDOW.total_seconds())
    failed = window(aggregate(tasks_failed), event.start, end)
    if failed.notna().any() and failed.max() > 0:
        task_failed: bool | None = True  # a failure seen is a fact, even in partial data
    elif len(failed) and failed.notna().all():
        task_failed = False
    else:
        task_failed = None

    def counted(result, name):
        s = window(aggregate(result), event.start, end)
        ev = (Evidence.of(result, event.start, end),) if result is not None else ()
        if s.notna().sum() == 0:  # Connect exports the counters of every task, even at 0
            return missing(name, "records", "no error counter reading (metric missing or renamed?)", ev)
        total = float(s.fillna(0).sum() * result.step)
        if not np.isfinite(total):
            return missing(name, "records", "error counter readings out of range", ev)
        return Kpi(name, total, "records", evidence=ev, completeness=float(s.notna().mean()))

    frame = timeline.frame
    after = frame[(frame.index > event.start) & (frame.index <= until)]
    down = (after["state"] == State.DOWN.value).to_numpy()
    unknown = (after["state"] == State.UNKNOWN.value).to_numpy()
    if not len(after):
        recovered, rec = None, missing("error_recovery", "s", "no reading after the event",
                                       timeline.evidence)
    elif unknown.any() and not down.any():
        recovered, rec = None, missing("error_recovery", "s", "readings missing after the event",
                                       timeline.evidence, float(1 - unknown.mean()))
    elif not down.any():
        recovered, rec = True, Kpi("error_recovery", 0.0, "s", evidence=timeline.evidence,
                                   completeness=1.0, notes=("the service never went DOWN",))
    elif down[-1]:
        recovered, rec = False, missing("error_recovery", "s", "still DOWN at the next event or the end of the phase",
                                        timeline.evidence)
    else:
        last = int(np.flatnonzero(down)[-1])
        if unknown[: last + 1].any():
            recovered, rec = None, missing("error_recovery", "s", "readings missing", timeline.evidence)
        else:
            # the incident's end, as in .state.incidents: the last DOWN reading, plus half a
            # step when only a stall was seen there
            stall_only = after["cause"].iloc[last] == "stall"
            back = seconds(after.index[last]) + (timeline.step / 2 if stall_only else 0)
            recovered = True
            rec = Kpi("error_recovery", back - seconds(event.start), "s", evidence=timeline.evidence,
                      completeness=1.0, notes=("exact to one step",))
    lost = loss.lost if loss is not None else missing("lost", "records", "offsets not read")
    return ErrorBehaviour(event, end, task_failed, counted(errors_rate, "record_errors"),
                          counted(failures_rate, "record_failures"), recovered, rec,
                          task_failed, lost)


#: What the days left of the certificates are counted from.
DECISION_DATE = "decision date"  # campaign.decision_date in the parameters
GENERATED = "report generation time"  # when the analysis was made


@dataclass(frozen=True)
class Certificates:
    days_left: Kpi  # of the earliest-expiring certificate, at ``counted_from``
    expires: datetime | None
    earliest: str | None = None  # which one: its target (instance / target labels)
    counted_from: datetime | None = None
    basis: str = DECISION_DATE  # DECISION_DATE or GENERATED

    def counted_at(self, at: datetime, basis: str) -> "Certificates":
        """The same certificates, their days left counted from ``at`` instead."""
        k = self.days_left
        if self.expires is None or not k.known:
            return replace(self, counted_from=at, basis=basis)
        which = f" ({self.earliest})" if self.earliest else ""
        days = replace(k, value=(seconds(self.expires) - seconds(at)) / 86400,
                       notes=(f"earliest expiry seen{which}, counted from {at.isoformat()} "
                              f"({basis})",))
        return replace(self, days_left=days, counted_from=at, basis=basis)


def certificates(cert_expiry: QueryResult | None, at: datetime, *,
                 by_target: QueryResult | None = None, basis: str = DECISION_DATE) -> Certificates:
    """Days from ``at`` (the decision date, or the report's generation time: ``basis`` says
    which) to the earliest certificate expiry seen, and which target that certificate is
    (``by_target``: the expiry of each probed target)."""
    if cert_expiry is not None and cert_expiry.frame.shape[1] > 1:  # the earliest, whatever the query
        s = clean(plausible(cert_expiry.frame, "cert_expiry").min(axis=1))
    else:
        s = plausible(aggregate(cert_expiry), "cert_expiry")
    ev = (Evidence.of(cert_expiry),) if cert_expiry is not None else ()
    if s.notna().sum() == 0:
        return Certificates(missing("cert_days_left", "days", "no certificate expiry reading "
                                    "(blackbox exporter probe_ssl_earliest_cert_expiry)", ev), None,
                            counted_from=at, basis=basis)
    earliest = float(s.min())
    name = _earliest_target(by_target, earliest)
    which = f" ({name})" if name else ""
    return Certificates(Kpi("cert_days_left", (earliest - seconds(at)) / 86400, "days", evidence=ev,
                            completeness=float(s.notna().mean()),
                            notes=(f"earliest expiry seen{which}, counted from "
                                   f"{at.isoformat()} ({basis})",)),
                        ts(earliest), name, at, basis)


def _earliest_target(by_target: QueryResult | None, earliest: float) -> str | None:
    """The labels (``instance``, ``target``) of the series whose expiry is ``earliest``."""
    if by_target is None or by_target.frame.shape[1] == 0:
        return None
    frame = plausible(by_target.frame, "cert_expiry")
    lowest = frame.min(axis=0, skipna=True)
    if lowest.isna().all() or not np.isclose(float(lowest.min()), earliest, rtol=0, atol=1.0):
        return None  # another query, another answer: better no name than a wrong one
    column = lowest.idxmin()
    names = frame.columns.names if isinstance(frame.columns, pd.MultiIndex) else [frame.columns.name]
    values = column if isinstance(column, tuple) else (column,)
    parts = [str(v) for n, v in zip(names, values) if n in ("instance", "target") and v]
    return ", ".join(dict.fromkeys(parts)) or None


__all__ = ["Certificates", "DECISION_DATE", "ErrorBehaviour", "GENERATED", "certificates",
           "error_behaviour"]
