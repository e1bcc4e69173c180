"""Plain-text summaries printed by the CLI: a campaign, and what data a source holds for it."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from .params import CHECKLIST_ITEMS, format_duration
from .verdicts import GO_WORDS, decision_word

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
        f"  metrics   {m.profile}, {m.source_alias} -> {m.target_alias}, topics /{m.topics}/, "
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
    requests = [r for r in plan(c) if r.kind == "range" and not r.promql]  # not the rules
    phases = {name: phase for name, phase in c.phases.items()}
    names = sorted({r.query for r in requests})
    width = max(len(n) for n in names) if names else 10
    lines.append(f"  {'query':<{width}}  " + "  ".join(f"{p:>10}" for p in phases))
    seen: dict[str, float] = {}
    for name in names:
        cells = []
        for phase in phases.values():
            result = source.range(name, phase.start, phase.end)
            seen[name] = max(seen.get(name, 0.0), result.completeness)
            cells.append(f"{result.completeness:>10.1%}")
        lines.append(f"  {name:<{width}}  " + "  ".join(cells))
    lines.append("  (share of steps with data; per-partition offsets are read at phase and event bounds)")
    lines += [f"  hint: {h}" for h in data_hints(c, seen)]
    return "\n".join(lines)


def data_hints(c: "Campaign", seen: dict[str, float]) -> list[str]:
    """What an empty query most likely means on a real deployment (docs/profiles.md)."""
    hints = []
    tasks = seen.get("tasks_running", 0.0) > 0
    if tasks and seen.get("replicated_rate", 1.0) == 0:
        hints.append("the connector's tasks report but no MirrorSource series do: the JMX exporter "
                     "rules probably lack a kafka.connect.mirror rule (jmx_exporter's Kafka Connect "
                     "example has none), or, on Kafka 3.5-3.9, the rule expects a `source` tag that "
                     "only add.source.alias.to.metrics=true adds")
    if seen.get("tasks_running", 1.0) == 0 and seen.get("up", 0.0) > 0:
        hints.append(f"no task counts for connector /{c.metrics.connector_regex}/ of profile "
                     f"{c.metrics.profile}: set metrics.connector to the connector's name as "
                     "Connect shows it")
    if tasks and seen.get("consumer_lag", 1.0) == 0:
        hints.append(f"no replication-consumer lag: profile {c.metrics.profile} expects the "
                     "client id in its label name (clientid for Strimzi's rules, clientId for "
                     "jmx_exporter's example, client_id for the Strimzi Metrics Reporter)")
    return hints


def _num(value, unit: str = "") -> str:
    if value is None:
        return "—"
    if isinstance(value, str):
        return value
    if unit == "%":
        return f"{value:.4f} %"
    text = f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.3g}"
    return f"{text} {unit}".strip()


def _kpi(k) -> str:
    if k is None or not k.known:
        why = f" ({k.notes[0]})" if k is not None and k.notes else ""
        return "not measured" + why
    ci = f" [{_num(k.ci[0])} .. {_num(k.ci[1])}]" if k.ci else ""
    return _num(k.value, k.unit) + ci


def analysis_summary(a, c: "Campaign") -> str:
    """The analysis of a campaign as plain text: key figures, criteria, SLA, decision."""
    lines = [f"Analysis of campaign {a.campaign} from {a.origin}",
             "  (times exact to one query step; latency percentiles are upper bounds)"]
    for name, p in a.phases.items():
        lines.append(f"  {name}: {_local(p.start, c)} -> {_local(p.end, c)}")
        lines.append(f"    availability {_kpi(p.availability.optimistic)}, DOWN "
                     f"{p.availability.down_s:,.0f} s in {len(p.incidents)} incident(s), unknown "
                     f"{p.availability.unknown_s:,.0f} s; lag max {_kpi(p.lag_max)}")
        lines.append(f"    latency p99 {_kpi(p.latency.percentiles['p99'])}, max {_kpi(p.latency.maximum)}"
                     + (f"; baseline {_kpi(p.baseline)}" if p.baseline is not None else ""))
        lines.append(f"    produced {_kpi(p.loss.produced)}, lost {_kpi(p.loss.lost)}, "
                     f"duplicates {_kpi(p.loss.duplicates)}")
        if p.capacity is not None:
            for s in p.capacity.steps:
                flag = {True: "sustained", False: "NOT sustained", None: "not judged"}[s.sustained]
                lines.append(f"    step {_local(s.start, c)}: offered {_kpi(s.offered)}, replicated "
                             f"{_kpi(s.replicated)}, {flag}" + (f" ({'; '.join(s.reasons)})" if s.reasons else ""))
            lines.append(f"    max tested {_kpi(p.capacity.max_tested)}, recommended "
                         f"{_kpi(p.capacity.recommended)}, fitted ceiling {_kpi(p.capacity.ceiling)}")
        for i in p.incidents:
            ev = f" after {i.event.kind}" if i.event else " (no injected event)"
            lines.append(f"    incident {_local(i.start, c)}: {i.duration_s:,.0f} s DOWN ({i.cause}){ev}")
        for r in p.rebalances:
            lines.append(f"    rebalance after {r.kind} ({r.trigger}) {_local(r.start, c)}: "
                         f"{_kpi(r.span)}; Connect's own {_kpi(r.connect_max_time)}")
        for b in p.bursts:
            lines.append(f"    burst {_local(b.start, c)}: recovery {_kpi(b.recovery)}")
        for e in p.errors:
            lines.append(f"    error scenario {e.event.target or ''} {_local(e.event.start, c)}: task "
                         f"failed {e.task_failed}, errors {_kpi(e.errors_counted)}, recovery "
                         f"{_kpi(e.recovery)}, lost {_kpi(e.lost)}")
        if p.stability is not None:
            st = p.stability
            verdict = {True: "stable", False: "NOT stable", None: "not judged"}[st.stable]
            lines.append(f"    {verdict}" + (f": {'; '.join(st.problems)}" if st.problems else ""))
    lines.append("  GO/NOGO criteria:")
    for v in a.criteria:
        go = GO_WORDS[v.status]  # the decision document's words
        lines.append(f"    {v.id:>2}. {v.title:<38} {go:<12} {v.reason[:160]}")
    lines.append("  SLA and thresholds:")
    for v in a.sla:
        lines.append(f"    {v.title:<20} {v.status.value:<12} measured {_num(v.value, v.unit)}, "
                     f"objective {v.threshold}")
    d = a.decision
    lines.append(f"  Decision: {decision_word(d.go)} ({d.reason})")
    return "\n".join(lines)
