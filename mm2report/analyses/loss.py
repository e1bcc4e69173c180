"""Message loss and duplicates per topic-partition, from end offsets read at two instants.

For each source partition and its remote partition on the target, over ``[start, end)``::

    produced  = source end offset (end) - source end offset (start)
    written   = target end offset (end) - target end offset (start)
    in-flight = consumer lag (end) - consumer lag (start)     records read later, not lost
    net       = written - produced + in-flight  =  duplicates - lost

A positive net is duplicates (MirrorMaker 2 delivers at least once: a task that restarts
re-sends what it replicated since its last offset commit); a negative net is records lost.
Offsets cannot tell a lost record from a duplicate *in the same partition and window*: there
only the net is measurable, and a loss hidden by as many duplicates is invisible. The probe's
loss counter (sequence numbers end to end), when configured, does not have that blind spot and
is reported beside. Lag rows tagged with the topic's dots replaced by '_' (Kafka 3.x client
metrics) are read under the source topic they stand for. A partition with any offset or lag reading missing, or whose end offset went backwards (a
reset), makes the result incomplete, and an incomplete result can never show zero loss.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np
import pandas as pd

from ..sources.base import QueryResult
from .core import Evidence, Kpi, missing

KEY = ["topic", "partition"]


@dataclass(frozen=True)
class LossResult:
    start: datetime
    end: datetime
    partitions: pd.DataFrame  # topic, partition, produced, written, in_flight, net, duplicates, lost, complete
    produced: Kpi
    lost: Kpi
    duplicates: Kpi
    probe_lost: Kpi | None
    complete: bool
    notes: tuple[str, ...] = ()


def _readings(result: QueryResult | None, name: str, alias: str | None) -> pd.DataFrame:
    if result is None or result.frame.shape[1] == 0 or len(result.frame) == 0:
        return pd.DataFrame(columns=KEY + [name])
    frame = result.frame
    names = list(frame.columns.names or [])
    if "topic" not in names or "partition" not in names:
        return pd.DataFrame(columns=KEY + [name])
    row = frame.iloc[-1]
    out = pd.DataFrame({
        "topic": row.index.get_level_values("topic").astype(str),
        "partition": row.index.get_level_values("partition").astype(str),
        name: pd.to_numeric(row.to_numpy(), errors="coerce"),
    })
    if alias:
        prefix = alias + "."
        out = out[out["topic"].str.startswith(prefix)].copy()
        out["topic"] = out["topic"].str[len(prefix):]
    out[name] = out[name].where(np.isfinite(out[name]))
    return out.drop_duplicates(KEY, keep="last")


def message_loss(*, source_start: QueryResult | None, source_end: QueryResult | None,
                 target_start: QueryResult | None, target_end: QueryResult | None,
                 lag_start: QueryResult | None, lag_end: QueryResult | None,
                 start: datetime, end: datetime, remote_prefix: str | None,
                 probe_lost: QueryResult | None = None) -> LossResult:
    """``remote_prefix`` is the source cluster alias that prefixes remote topic names (``None``
    for the identity replication policy)."""
    parts = [
        _readings(source_start, "source_start", None), _readings(source_end, "source_end", None),
        _readings(target_start, "target_start", remote_prefix),
        _readings(target_end, "target_end", remote_prefix),
        _readings(lag_start, "lag_start", None), _readings(lag_end, "lag_end", None),
    ]
    # Kafka 3.x tags the consumer's lag with the topic's dots replaced by '_': read each lag
    # row under the source topic it stands for (Kafka refuses topics differing only there)
    names = {t.replace(".", "_"): t for part in parts[:4] for t in part["topic"]}
    for lag in parts[4:]:
        lag["topic"] = lag["topic"].map(lambda t: names.get(t.replace(".", "_"), t))
    parts[4:] = [lag.drop_duplicates(KEY, keep="last") for lag in parts[4:]]
    table = parts[0]
    for p in parts[1:]:
        table = table.merge(p, on=KEY, how="outer")
    # partitions known on the source define the scope; a remote partition without source is odd
    table = table.sort_values(KEY, key=lambda c: c.map(_sort_key)).reset_index(drop=True)
    num = table.drop(columns=KEY).astype("float64")
    table["produced"] = num["source_end"] - num["source_start"]
    table["written"] = num["target_end"] - num["target_start"]
    table["in_flight"] = num["lag_end"] - num["lag_start"]
    # an end offset that went backwards was reset (topic recreated, exporter pointed elsewhere):
    # nothing can be said of that partition
    reset = (table["produced"] < 0) | (table["written"] < 0)
    table["complete"] = num.notna().all(axis=1) & ~reset
    table["net"] = table["written"] - table["produced"] + table["in_flight"]
    table["duplicates"] = table["net"].clip(lower=0)
    table["lost"] = (-table["net"]).clip(lower=0)
    evidence = tuple(Evidence.of(r) for r in (source_start, source_end, target_start, target_end,
                                            lag_start, lag_end) if r is not None)
    n = len(table)
    share = float(table["complete"].mean()) if n else 0.0
    complete = bool(n) and bool(table["complete"].all())
    notes = ("lost and duplicates are the net of each partition: a loss hidden by as many "
             "duplicates in the same partition and window cannot be seen in offsets",)
    if n == 0:
        reason = "no partition offsets found at the window's bounds"
        produced = missing("produced", "records", reason, evidence)
        lost = missing("lost", "records", reason, evidence)
        dups = missing("duplicates", "records", reason, evidence)
    else:
        ok = table[table["complete"]]
        produced = Kpi("produced", float(ok["produced"].sum()), "records", evidence=evidence,
                       completeness=share)
        lost_value = float(ok["lost"].sum())
        if complete or lost_value > 0:  # a loss seen in part of the data is still a loss
            lost = Kpi("lost", lost_value, "records", evidence=evidence, completeness=share,
                       notes=notes if complete else notes + (
                           f"{n - len(ok)} partition(s) without complete readings",))
        else:
            lost = missing("lost", "records",
                           f"{n - len(ok)} of {n} partition(s) without complete readings",
                           evidence, share)
        dups = Kpi("duplicates", float(ok["duplicates"].sum()), "records", evidence=evidence,
                   completeness=share, notes=notes)
    probe = None
    if probe_lost is not None:
        value = probe_lost.frame.iloc[-1].max() if probe_lost.frame.shape[1] else np.nan
        probe = (Kpi("probe_lost", float(value), "records", evidence=(Evidence.of(probe_lost),),
                     completeness=1.0) if np.isfinite(value) else
                 missing("probe_lost", "records", "no probe loss reading", (Evidence.of(probe_lost),)))
    columns = KEY + ["produced", "written", "in_flight", "net", "duplicates", "lost", "complete"]
    return LossResult(start, end, table[columns], produced, lost, dups, probe, complete, notes)


def _sort_key(value):
    try:
        return (0, int(value), "")
    except (TypeError, ValueError):
        return (1, 0, str(value))


__all__ = ["LossResult", "message_loss"]
