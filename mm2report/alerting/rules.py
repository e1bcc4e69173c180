"""The rule pack: Prometheus alerting rules for one campaign's MM2, built from the catalog.

Every expression is a catalog query (:mod:`mm2report.catalog`) compared with the campaign's
own threshold, so the alerts watch the very series, selectors and limits the reports judge: a
deployment profile, a metric override or a threshold changes both at once.

``for:`` durations derive from ``alerts.pending`` (1 min by default): an outage (tasks not
running, a task FAILED, replication stalled, a worker down, record errors) alerts after one
``pending``; lag and latency, which a burst raises for a while, after two; offsets diverging
after five (scrape skew between the exporters must not page anyone); a rebalance is stuck when
it lasts longer than the RTO. Certificates alert 90, 30 and 7 days before they expire.

Which rules detect faults (:data:`FAULT_RULES`) and which do not (certificates) matters to
criterion 9: a fault counts as detected when a fault rule starts firing after it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timezone
from typing import TYPE_CHECKING, Callable

import yaml

from .. import catalog
from ..documents.i18n import texts

if TYPE_CHECKING:
    from ..params import Campaign

#: How the description shows the expression's value (Prometheus template).
VALUE = "{{ $value | humanize }}"
LABEL = "{{{{ $labels.{} }}}}"


@dataclass(frozen=True)
class Rule:
    """One alerting rule of the pack, rendered for a campaign."""

    alert: str
    expr: str
    for_s: int
    severity: str
    summary: str
    description: str
    runbook_url: str
    detects_faults: bool = True

    def to_yaml_dict(self, campaign_name: str) -> dict:
        return {
            "alert": self.alert,
            "expr": self.expr,
            "for": _duration(self.for_s),
            "labels": {"severity": self.severity, "campaign": campaign_name},
            "annotations": {"summary": self.summary, "description": self.description,
                            "runbook_url": self.runbook_url},
        }


@dataclass(frozen=True)
class _Def:
    alert: str
    severity: str
    for_: Callable[["Campaign"], float]  # seconds
    expr: Callable[["Campaign"], str]
    values: Callable[["Campaign"], dict] = lambda c: {}
    detects_faults: bool = True


def _q(name: str, c: "Campaign") -> str:
    return catalog.render(name, c)


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else repr(float(x))


def _duration(seconds: float) -> str:
    s = int(seconds)
    if s and s % 3600 == 0:
        return f"{s // 3600}h"
    if s and s % 60 == 0:
        return f"{s // 60}m"
    return f"{s}s"


def _pending(c: "Campaign", times: int = 1) -> float:
    return times * c.alerts.pending.total_seconds()


def _tasks_not_running(c: "Campaign") -> str:
    running = _q("tasks_running", c)
    if c.metrics.expected_tasks:
        return f"{running} < {c.metrics.expected_tasks}"
    return f"({running} < {_q('tasks_total', c)}) or ({running} == 0)"


def _stalled(c: "Campaign") -> str:
    # no replicated series at all (every task gone) reads as 0 records/s
    return (f"({_q('offered_rate', c)} > 0) and on () "
            f"(({_q('replicated_rate', c)} or on () vector(0)) == 0)")


def _diverging(c: "Campaign") -> str:
    """Records the replication consumer has passed (source end - lag - in flight) that the
    target does not hold, beyond what two scrapes of load can explain (the exporters and the
    workers are scraped at different instants)."""
    skew = 2 * int(c.source.scrape_interval.total_seconds())
    return (f"(sum({_q('source_offsets', c)}) - sum({_q('target_offsets', c)}) - "
            f"{_q('consumer_lag', c)}) > ({skew} * {_q('offered_rate', c)})")


def _cert(days: int) -> Callable[["Campaign"], str]:
    return lambda c: f"(({_q('cert_expiry_by_target', c)} - time()) / 86400) < {days}"


_DEFS: tuple[_Def, ...] = (
    _Def("MM2TasksNotRunning", "critical", _pending, _tasks_not_running,
         lambda c: {"expected": c.metrics.expected_tasks or "?"}),
    _Def("MM2TaskFailed", "critical", _pending, lambda c: f"{_q('tasks_failed', c)} > 0"),
    _Def("MM2ReplicationStalled", "critical", _pending, _stalled),
    _Def("MM2WorkerDown", "critical", _pending, lambda c: f"{_q('up', c)} == 0"),
    _Def("MM2RecordErrors", "warning", _pending, lambda c: f"{_q('record_errors_rate', c)} > 0"),
    _Def("MM2LagHigh", "warning", lambda c: _pending(c, 2),
         lambda c: f"{_q('consumer_lag', c)} > {_num(c.thresholds.lag_records)}",
         lambda c: {"threshold": _num(c.thresholds.lag_records)}),
    _Def("MM2LatencyHigh", "warning", lambda c: _pending(c, 2),
         lambda c: f"{_q('latency_max', c)} > {_num(c.thresholds.latency_p99_slo_ms)}",
         lambda c: {"threshold": _num(c.thresholds.latency_p99_slo_ms)}),
    _Def("MM2RebalanceStuck", "warning", lambda c: max(c.thresholds.rto.total_seconds(),
                                                       _pending(c)),
         lambda c: f"{_q('rebalancing', c)} > 0",
         lambda c: {"rto": _duration(max(c.thresholds.rto.total_seconds(), _pending(c)))}),
    _Def("MM2OffsetsDiverging", "critical", lambda c: _pending(c, 5), _diverging),
    _Def("MM2CertificateExpiry90d", "info", lambda c: 3600, _cert(90), lambda c: {"days": 90},
         detects_faults=False),
    _Def("MM2CertificateExpiry30d", "warning", lambda c: 3600, _cert(30), lambda c: {"days": 30},
         detects_faults=False),
    _Def("MM2CertificateExpiry7d", "critical", lambda c: 3600, _cert(7), lambda c: {"days": 7},
         detects_faults=False),
)

#: Every alert of the pack, in the order of the rules file.
ALERTS: tuple[str, ...] = tuple(d.alert for d in _DEFS)
#: The alerts that detect faults (criterion 9); certificates' do not.
FAULT_RULES: tuple[str, ...] = tuple(d.alert for d in _DEFS if d.detects_faults)


def _text(key: str, lang: str, **values) -> str:
    """A message of the campaign's catalogue (no number nor date formatted here)."""
    return texts(lang, timezone.utc)(key, **values)


def rule_pack(campaign: "Campaign") -> tuple[Rule, ...]:
    """The pack's rules for ``campaign``: catalog expressions, campaign thresholds, texts in
    the campaign's language."""
    lang = campaign.campaign.language
    m = campaign.metrics
    common = {"flow": f"{m.source_alias} → {m.target_alias}", "value": VALUE,
              "campaign": campaign.campaign.name}
    out = []
    for d in _DEFS:
        values = {**common, **d.values(campaign)}
        if d.alert == "MM2WorkerDown":
            values["worker"] = " ".join(LABEL.format(x) for x in m.worker_identity)
        if d.alert.startswith("MM2CertificateExpiry"):
            values["target"] = LABEL.format("target") + " (" + LABEL.format("instance") + ")"
            key = "MM2CertificateExpiry"
        else:
            key = d.alert
        out.append(Rule(
            d.alert, d.expr(campaign), int(d.for_(campaign)), d.severity,
            _text(f"alert.{key}.summary", lang, **values),
            _text(f"alert.{key}.description", lang, **values),
            campaign.alerts.runbook_url.format(alert=d.alert, anchor=d.alert.lower()),
            d.detects_faults))
    return tuple(out)


def group_name(campaign: "Campaign") -> str:
    return f"mm2-{campaign.campaign.name}"


def rules_yaml(campaign: "Campaign") -> str:
    """The pack as a Prometheus rules file (``rule_files:``), one group evaluated every
    ``alerts.evaluation_interval``."""
    group = {
        "name": group_name(campaign),
        "interval": _duration(campaign.alerts.evaluation_interval.total_seconds()),
        "rules": [r.to_yaml_dict(campaign.campaign.name) for r in rule_pack(campaign)],
    }
    header = (f"# MirrorMaker 2 alerting rules for campaign {campaign.campaign.name} "
              f"(profile {campaign.metrics.profile}), generated by mm2report alerts from the "
              "metric catalog\n# and the campaign's thresholds: regenerate rather than edit.\n")
    return header + yaml.safe_dump({"groups": [group]}, sort_keys=False, allow_unicode=True,
                                   width=10_000)


__all__ = ["ALERTS", "FAULT_RULES", "Rule", "group_name", "rule_pack", "rules_yaml"]
