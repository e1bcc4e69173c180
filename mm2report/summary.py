"""Plain-text summaries printed by the CLI: a campaign, and what data a source holds for it."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from .params import CHECKLIST_ITEMS, format_duration

if TYPE_CHECKING:
    from .params import Campaign
    from .sources import MetricSource


def _local(moment: datetime, campaign: "Campaign") -> str:
    return moment.astimezone(campaign.campaign.tz).strftime("%Y-%m-%d %H:%M:%S %z")


def campaign_summary(c: "Campaign") -> str:
    info, src, m, t = c.campaign, c.source, c.metrics, c.thresholds
    where = src.url if src.kind == "prometheus" else f"snapshot {src.snapshot}"
    auth = f", auth {src.auth.type} from {_auth_refs(src.auth)}" if src.auth else ""
    lines = [
        f"Campaign {info.name} — {info.client}",
        f"  time zone {info.timezone}, report language {info.language}",
        f"  source    {where} (step {format_duration(src.step)}, scrape "
        f"{format_duration(src.scrape_interval)}{auth})",
        f"  metrics   {m.flavour}, {m.source_alias} -> {m.target_alias}, topics /{m.topics}/, "
        f"connector /{m.connector_regex}/",
        "  phases:",
    ]
    for name, phase in c.phases.items():
        lines.append(
            f"    {name:<11} {_local(phase.start, c)}  ->  {_local(phase.end, c)}  "
            f"({format_duration(phase.end - phase.start)}, {len(phase.events)} events)"
        )
        for event in phase.events:
            span = f" .. {_local(event.end, c)}" if event.end else ""
            target = f" on {event.target}" if event.target else ""
            lines.append(f"      - {event.kind}{target} at {_local(event.start, c)}{span}")
    lines += [
        "  thresholds:",
        f"    latency p99 SLO {t.latency_p99_slo_ms:g} ms, SLA latency {t.sla_latency_ms:g} ms, "
        f"lag {t.lag_records:g} records",
        f"    availability {t.availability_pct:g} %, MTTR {format_duration(t.mttr)}, "
        f"RTO {format_duration(t.rto)}, RPO {format_duration(t.rpo)}",
        f"    recommended capacity {t.recommended_capacity_ratio:.0%} of max, soak >= "
        f"{format_duration(t.soak_min_duration)}, certificates >= {t.cert_min_days:g} days",
    ]
    done = sum(1 for i in c.checklist if i.status == "done")
    lines.append(f"  checklist: {done} of {len(CHECKLIST_ITEMS)} items done, "
                 f"{len(CHECKLIST_ITEMS) - len(c.checklist)} not reported")
    lines.append(f"  expected alert rules: {', '.join(c.alerts.expected_rules) or 'none listed'}")
    return "\n".join(lines)


def _auth_refs(auth) -> str:
    if auth.type == "bearer":
        return auth.token.describe()
    return f"{auth.username.describe()} / {auth.password.describe()}"


def data_inventory(c: "Campaign", source: "MetricSource") -> str:
    """Fetch every planned request and report, per phase and query, how complete the data is."""
    from .sources.snapshot import plan

    lines = [f"Data for campaign {c.campaign.name} from {source.origin}"]
    requests = [r for r in plan(c) if r.kind == "range"]
    phases = {name: phase for name, phase in c.phases.items()}
    names = sorted({r.query for r in requests})
    width = max(len(n) for n in names) if names else 10
    lines.append(f"  {'query':<{width}}  " + "  ".join(f"{p:>10}" for p in phases))
    for name in names:
        cells = []
        for phase in phases.values():
            result = source.range(name, phase.start, phase.end)
            cells.append(f"{result.completeness:>10.1%}")
        lines.append(f"  {name:<{width}}  " + "  ".join(cells))
    lines.append("  (share of steps with data; per-partition offsets are read at phase and event bounds)")
    return "\n".join(lines)
