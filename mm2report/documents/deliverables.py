"""The stakeholder deliverables of a run: technical sheet, SLA conformance, GO/NOGO decision,
executive summary and action plan (seeds 000 and 001).

Everything here reads a :class:`~mm2report.evaluate.CampaignAnalysis` combined from the run's
``results.json`` files, the campaign parameters and the action plan; each document is a list of
:class:`~mm2report.notebook.Section` and :class:`~mm2report.notebook.Chart` blocks, the same
displayable pieces the phase notebooks use.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..analyses.core import Kpi, missing
from ..evaluate import worst
from ..params import CHECKLIST_ITEMS
from ..verdicts import CRITERIA, Status, Verdict
from .i18n import MESSAGES, NOTES, Texts
from .notebook import Cell, Section, Table, evidence_text, kpi_text, origin_text

if TYPE_CHECKING:
    from ..actions import ActionPlan, ProductionDecision
    from ..evaluate import CampaignAnalysis
    from ..params import Campaign

# --------------------------------------------------------------------------------------------
# Figures
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SheetLine:
    key: str  # i18n label
    kpi: Kpi
    unit: str  # how it is shown: "records/s", "ms", "min", "s", "" (a count)


def technical_sheet(analysis: "CampaignAnalysis") -> tuple[SheetLine, ...]:
    """Seed 000, "Résumé Capacités Validées": the validated capacities of the campaign."""
    cap = analysis.phases.get("capacity")
    capacity = cap.capacity if cap is not None else None
    no_cap = missing("capacity", "records/s", "capacity phase not run")
    lat = analysis.phases.get("latency")
    p99 = lat.latency.percentiles["p99"] if lat is not None else missing(
        "latency_p99", "ms", "latency phase not run")
    res = analysis.phases.get("resilience")
    bursts = [b.recovery for b in res.bursts] if res is not None else []
    rebalances = [r.span for r in res.rebalances if r.trigger == "event"] if res is not None else []
    return (
        SheetLine("l.max_tested", capacity.max_tested if capacity else no_cap, "records/s"),
        SheetLine("l.recommended", capacity.recommended if capacity else no_cap, "records/s"),
        SheetLine("l.baseline", analysis.latency_baseline, "ms"),
        SheetLine("d.latency_max_load", analysis.latency_max_under_load, "ms"),
        SheetLine("d.latency_p99", p99, "ms"),
        SheetLine("d.burst_recovery", worst(bursts, "burst_recovery", "s", "no burst injected"), "min"),
        SheetLine("d.rebalance", worst(rebalances, "rebalance", "s", "no worker event injected"), "s"),
        SheetLine("l.workers", analysis.workers, ""),
        SheetLine("l.tasks", analysis.expected_tasks, ""),
    )


# Domains of the executive summary (seed 001 §1.1): criteria and checklist items per domain.
DOMAINS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "performance": (("2", "3", "4", "5"), ("parameters_tuned", "quotas")),
    "resilience": (("6", "7", "10"), ("runbook", "rollback_procedure", "escalation_contacts",
                                      "config_backup")),
    "security": ((), ("acls", "certificates_valid")),
    "functional": (("1", "8"), ()),
    "observability": (("9",), ("dashboards_access", "alerts_configured_tested",
                               "dashboard_replication", "dashboard_detailed", "prometheus_alerts",
                               "notification_tested")),
}
assert {c for cs, _ in DOMAINS.values() for c in cs} == set(CRITERIA)
assert {i for _, items in DOMAINS.values() for i in items} | {"rollback_tested"} == set(CHECKLIST_ITEMS)


@dataclass(frozen=True)
class DomainScore:
    domain: str
    passed: int
    judged: int  # not-applicable items are left out; unreported ones count as not done
    failed: int  # criteria FAIL or items not done
    unsure: int  # criteria INCONCLUSIVE or items not reported

    @property
    def score(self) -> float | None:
        return self.passed / self.judged if self.judged else None

    @property
    def status(self) -> Status:
        if self.failed:
            return Status.FAIL
        if self.unsure or not self.judged:
            return Status.INCONCLUSIVE
        return Status.PASS


def domain_scores(analysis: "CampaignAnalysis", campaign: "Campaign") -> tuple[DomainScore, ...]:
    """Share of each domain's criteria that PASS and checklist items that are done."""
    verdict = {v.id: v.status for v in analysis.criteria}
    items = {i.id: i.status for i in campaign.checklist}
    out = []
    totals = [0, 0, 0, 0]
    for domain, (crits, checks) in DOMAINS.items():
        passed = judged = failed = unsure = 0
        for c in crits:
            s = verdict.get(c, Status.INCONCLUSIVE)
            judged += 1
            passed += s is Status.PASS
            failed += s is Status.FAIL
            unsure += s is Status.INCONCLUSIVE
        for i in checks:
            s = items.get(i)
            if s == "not_applicable":
                continue
            judged += 1
            passed += s == "done"
            failed += s == "not_done"
            unsure += s is None
        # certificates are measured too (SLA line "Certificates valid")
        if domain == "security":
            cert = next((v for v in analysis.sla if v.id == "certificates"), None)
            if cert is not None:
                judged += 1
                passed += cert.status is Status.PASS
                failed += cert.status is Status.FAIL
                unsure += cert.status is Status.INCONCLUSIVE
        out.append(DomainScore(domain, passed, judged, failed, unsure))
        totals = [a + b for a, b in zip(totals, (passed, judged, failed, unsure))]
    out.append(DomainScore("global", *totals))
    return tuple(out)


# --------------------------------------------------------------------------------------------
# Displayable pieces of the documents (beside notebook.Section / Chart)
# --------------------------------------------------------------------------------------------

_COLOURS = {Status.PASS: ("#0B6E4F", "#DDF2E8"), Status.FAIL: ("#A4262C", "#FBE3E4"),
            Status.INCONCLUSIVE: ("#8A5A00", "#FFF1CC")}
_DOC_CSS = (
    "<style>.mm2doc .banner{border-left:6px solid;padding:2.5mm 4mm;margin:1mm 0 4mm;"
    "break-inside:avoid}.mm2doc .banner .word{font-size:22pt;font-weight:700;line-height:1.1}"
    ".mm2doc .banner .when{font-size:9pt;color:#444;margin:.5mm 0 1.5mm}"
    ".mm2doc .banner ul{margin:1mm 0 0 5mm;padding:0}.mm2doc .banner li{margin:.6mm 0}"
    ".mm2doc .bars{margin:1mm 0 4mm;break-inside:avoid}.mm2doc .bar{display:flex;"
    "align-items:center;margin:1.2mm 0;font-size:9pt}.mm2doc .bar .name{width:34%}"
    ".mm2doc .bar .track{flex:1;height:4.2mm;background:#eef2f6;border-radius:1mm;"
    "overflow:hidden}.mm2doc .bar .fill{height:100%}.mm2doc .bar .pct{width:16%;"
    "text-align:right;white-space:nowrap;font-weight:600}"
    ".mm2doc .cards{display:grid;grid-template-columns:1fr 1fr 1fr;gap:3mm;margin:2mm 0 4mm}"
    ".mm2doc .card{border:1px solid #d5dbe1;border-top:3px solid #0072B2;border-radius:1.5mm;"
    "padding:2.5mm 3mm;break-inside:avoid}.mm2doc .card .label{font-size:8.4pt;color:#444;"
    "font-weight:600}.mm2doc .card .figure{font-size:17pt;font-weight:700;color:#0b2f4f;"
    "margin:1mm 0;white-space:nowrap}.mm2doc .card .ci{font-size:8pt;color:#555}"
    ".mm2doc .card .meaning{font-size:8pt;color:#333;margin-top:1mm;line-height:1.3}"
    ".mm2doc .card .ref{font-size:7.6pt;color:#0072B2}</style>")


@dataclass(frozen=True)
class Banner:
    """The decision, first thing on the page: the word, when, and the blocking points."""

    word: str
    status: Status
    when: str
    points: tuple[str, ...]

    def _repr_html_(self) -> str:
        from .notebook import html_text

        fg, bg = _COLOURS[self.status]
        points = "".join(f"<li>{html_text(p)}</li>" for p in self.points)
        return (f'<div class="mm2doc">{_DOC_CSS}<div class="banner" style="border-color:{fg};'
                f'background:{bg}"><div class="word" style="color:{fg}">{html_text(self.word)}'
                f'</div><div class="when">{html_text(self.when)}</div>'
                + (f"<ul>{points}</ul>" if points else "") + "</div></div>")

    def __repr__(self) -> str:
        return "\n".join([f"{self.word} — {self.when}", *(f"- {p}" for p in self.points)])


@dataclass(frozen=True)
class Bars:
    """Horizontal bars, as seed 001 §8 draws scores and progress: name, share, colour."""

    title: str
    bars: tuple[tuple[str, float | None, Status | None, str], ...]  # name, share, status, text

    def _repr_html_(self) -> str:
        from .notebook import html_text

        rows = []
        for name, share, status, text in self.bars:
            colour = _COLOURS[status][0] if status is not None else "#0072B2"
            width = 0 if share is None else max(0.0, min(1.0, share)) * 100
            rows.append(f'<div class="bar"><div class="name">{html_text(name)}</div>'
                        f'<div class="track"><div class="fill" style="width:{width:.1f}%;'
                        f'background:{colour}"></div></div><div class="pct">{html_text(text)}'
                        f"</div></div>")
        head = f"<h3>{html_text(self.title)}</h3>" if self.title else ""
        return f'<div class="mm2doc">{_DOC_CSS}{head}<div class="bars">{"".join(rows)}</div></div>'

    def __repr__(self) -> str:
        return "\n".join([self.title, *(f"{n}: {text}" for n, _, _, text in self.bars)])


@dataclass(frozen=True)
class Cards:
    """The technical sheet as a card: each figure large, its meaning in one line."""

    cards: tuple[tuple[str, str, str, str, str], ...]  # label, figure, interval, meaning, ref

    def _repr_html_(self) -> str:
        from .notebook import html_text

        out = []
        for label, figure, interval, meaning, ref in self.cards:
            out.append(f'<div class="card"><div class="label">{html_text(label)}</div>'
                       f'<div class="figure">{html_text(figure)}</div>'
                       + (f'<div class="ci">{html_text(interval)}</div>' if interval else "")
                       + f'<div class="meaning">{html_text(meaning)}</div>'
                       + (f'<div class="ref">{html_text(ref)}</div>' if ref else "") + "</div>")
        return f'<div class="mm2doc">{_DOC_CSS}<div class="cards">{"".join(out)}</div></div>'

    def __repr__(self) -> str:
        return "\n".join(f"{label}: {figure} {interval} — {meaning} {ref}".rstrip()
                          for label, figure, interval, meaning, ref in self.cards)


# --------------------------------------------------------------------------------------------
# Documents
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Document:
    key: str  # file stem
    title: str
    blocks: tuple  # Section | Chart

    def _repr_html_(self) -> str:
        import html

        return f"<h1>{html.escape(self.title)}</h1>" + "".join(b._repr_html_() for b in self.blocks)

    def __repr__(self) -> str:
        return "\n\n".join([self.title, *(repr(b) for b in self.blocks)])


def _sheet_value(t: Texts, line: SheetLine) -> str:
    k = line.kpi
    if not k.known:
        return t("l.not_measured")
    if line.unit == "min":
        text = t.num(k.value / 60, 1, "min")
    elif line.unit == "s":
        text = t.num(k.value, 0, "s")
    elif line.unit == "":
        text = t.num(k.value)
    else:
        text = t.sig(k.value, t.unit(line.unit))
    return text


def sheet_document(t: Texts, campaign: "Campaign", analysis: "CampaignAnalysis") -> Document:
    rows = []
    annex = Annex(t)
    for line in technical_sheet(analysis):
        k = line.kpi
        interval = (f"[{t.sig(k.ci[0])} ; {t.sig(k.ci[1])}]"
                    if k.known and k.ci is not None and line.unit not in ("min", "s", "") else "—")
        ref = annex.ref(t(line.key), k.evidence, k.completeness if k.evidence else None)
        rows.append((t(line.key), Cell(_sheet_value(t, line), True), Cell(interval, True),
                     Cell(ref, True)))
    table = Table.of([t("l.metric"), t("l.measured"), t("l.ci95"), t("d.ref")], rows,
                     widths=(44, 22, 24, 10))
    cards = Cards(tuple(
        (row[0], row[1].text, f"{t('l.ci95')} {row[2].text}" if row[2].text != "—" else
         _why_not_measured(t, line.kpi), t(f"m.{line.key}"),
         "" if row[3].text == "—" else f"{t('d.ref')} {row[3].text}")
        for line, row in zip(technical_sheet(analysis), rows)))
    return Document("fiche-technique", t("doc.sheet"), (
        Section("", (t("d.sheet_intro", campaign=campaign.campaign.name),), level=1), cards,
        Section(t("d.sheet_values"), (), (table,)), *annex.sections(analysis)))


def _why_not_measured(t: Texts, k: Kpi) -> str:
    """Why a card reads "not measured" (no latency phase…), when the catalogue words it: a
    reader stops at a figure missing without a reason."""
    return t.note(k.notes[0]) if not k.known and k.notes and k.notes[0] in NOTES else ""


class Annex:
    """The evidence of a document's figures, numbered: each figure shows its reference ("[3]"),
    the annex lists per reference the queries, their time ranges and the data completeness;
    the provenance (source, snapshot digest) closes it."""

    def __init__(self, t: Texts):
        self.t = t
        self.rows: list[tuple] = []

    def ref(self, label: str, evidence, completeness: float | None = None) -> str:
        if not evidence:
            return "—"
        self.rows.append((f"[{len(self.rows) + 1}]", label, evidence_text(self.t, evidence),
                          Cell(self.t.ratio(completeness, 0) if completeness is not None
                               else "—", True)))
        return f"[{len(self.rows)}]"

    def sections(self, analysis: "CampaignAnalysis") -> tuple[Section, ...]:
        t = self.t
        table = Table.of([t("d.ref"), t("l.metric"), t("d.queries"), t("l.completeness")],
                         self.rows, widths=(7, 23, 52, 18))
        return (Section(t("d.annex"), (t("d.annex_intro"),) if self.rows else (t("l.none"),),
                        (table,) if self.rows else ()), provenance_section(t, analysis))


def provenance_section(t: Texts, analysis: "CampaignAnalysis") -> Section:
    """The audit trail: the source of every figure (for a snapshot, its manifest's sha256)."""
    lines = [t("d.provenance_text", origin=origin_text(t, analysis.origin))]
    if "manifest sha256" in analysis.origin:
        lines.append(t("d.provenance_snapshot"))
    return Section(t("d.provenance"), tuple(lines), (), level=3)


def objective(t: Texts, v: Verdict, campaign: "Campaign") -> str:
    """The SLA objective of a line, written for the report's language."""
    th = campaign.thresholds
    return {
        "sla-availability": f"≥ {t.pct(th.availability_pct)}",
        "sla-mttr": f"< {t.duration(th.mttr.total_seconds())}",
        "sla-rto": f"< {t.duration(th.rto.total_seconds())}",
        "sla-rpo": f"< {t.duration(th.rpo.total_seconds())}",
        "sla-latency": f"≤ {t.num(th.sla_latency_ms, 0, 'ms')}",
        "sla-lag": f"≤ {t.num(th.lag_records, 0, t.unit('records'))}",
        "certificates": f"≥ {t.num(th.cert_min_days, 0, t.unit('days'))}",
    }.get(v.id, v.threshold)


_OP = re.compile(r"^\s*([<>]=?|==)")


def _gap(t: Texts, v: Verdict) -> str:
    """How far the measured value is from the objective, signed so that a negative gap is a
    margin: measured − objective for "<" objectives, objective − measured for ">" ones.

    The objective is the number the verdict was judged against: the threshold text of a
    compared verdict ("< 600 s", ">= 99.9886 %"), parsed in full (no rounding, no exponent)."""
    m = _OP.match(v.threshold or "")
    number = re.match(r"^\s*[<>=]+\s*([-+]?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)", v.threshold or "")
    if not m or not number or not isinstance(v.value, (int, float)):
        return "—"
    limit, value = float(number.group(1)), float(v.value)
    gap = value - limit if m.group(1).startswith("<") else limit - value
    if gap == 0:
        sign = ""
    else:
        sign = "-" if gap < 0 else "+"
    if v.unit == "s":
        return sign + t.duration(abs(gap))
    if v.unit == "%":
        return sign + t.num(abs(gap), 4, "pt")
    # no finer than the measured value as the table writes it: 150 days against 90 is a
    # 60-day margin, not 59.8 (the value was 149.8)
    digits = min(t.sig_digits(value), t.sig_digits(gap))
    return sign + t.num(abs(gap), digits, t.unit(v.unit))


def unproven_lines(t: Texts, proj) -> tuple[str, ...]:
    """What the campaign cannot prove (the projection's statements) in the report's language."""
    out = []
    for reason in proj.reasons:
        kind = reason[0]
        if kind == "unobserved":
            out.append(t("u.unobserved", kind=t.event(reason[1]), n=t.sig(reason[2])))
        elif kind == "no_incident":
            out.append(t("u.no_incident"))
        elif kind == "natural_bound":
            hours, rate, needed = reason[1], reason[2], reason[3]
            key = "u.natural_bound" if needed else "u.planned_exceed"
            out.append(t(key, hours=t.num(hours), rate=t.num(rate, 3),
                         needed=t.num(needed) if needed else ""))
    return tuple(out)


def brief(t: Texts, v: Verdict, against: str = "objective") -> str:
    """A compared verdict's reason when its value and threshold have columns of their own:
    only whether it is met ("objectif respecté"); any other keeps its reason."""
    if v.key in ("cmp.pass", "cmp.fail"):
        return t(f"d.{against}_{'met' if v.key == 'cmp.pass' else 'missed'}")
    return t.reason(v)


def sla_reason(t: Texts, v: Verdict, analysis: "CampaignAnalysis") -> str:
    """The availability line's reason in the report's language; other lines say whether
    their objective is met."""
    if v.id != "sla-availability":
        return brief(t, v)
    proj = analysis.projection
    if v.status is Status.INCONCLUSIVE and proj.hours_needed:
        # one short sentence; what cannot be proven is listed under the table
        return t("d.avail_short", needed=t.num(proj.hours_needed))
    if t.lang == "en":
        return t.reason(v)
    if proj.verdict_hint in ("proven", "disproven") and v.status is not Status.INCONCLUSIVE:
        return t(f"u.{proj.verdict_hint}")
    return t("u.cannot", lines=" ; ".join(unproven_lines(t, proj)))


def sla_document(t: Texts, campaign: "Campaign", analysis: "CampaignAnalysis", timeline) -> Document:
    from .notebook import value_text

    annex = Annex(t)
    rows = [(t(f"sla.{v.id}"), objective(t, v, campaign), Cell(value_text(t, v), True),
             Cell(_gap(t, v), True),
             Cell(t.status(v.status), status=v.status), sla_reason(t, v, analysis),
             Cell(annex.ref(t(f"sla.{v.id}"), v.evidence, v.completeness), True))
            for v in analysis.sla]
    table = Table.of([t("l.metric"), t("d.objective"), t("l.measured"), t("d.gap"),
                      t("l.verdict"), t("l.reason"), t("d.ref")], rows,
                     widths=(12, 16, 14, 16, 17, 19, 6))
    av, proj = analysis.availability, analysis.projection
    budget = Table.of([t("l.metric"), t("l.measured")], [
        (t("d.availability_measured"), Cell(kpi_text(t, av.optimistic), True)),
        (t("l.availability_pess"), Cell(kpi_text(t, av.pessimistic), True)),
        (t("d.budget_year"), Cell(t.duration(av.budget_year_s), True)),
        (t("d.budget_day"), Cell(t.duration(av.budget_day_s), True)),
        (t("d.projected_downtime"), Cell(
            t.duration(proj.downtime_year_s.value) + (
                f" [{t.duration(proj.downtime_year_s.ci[0])} ; {t.duration(proj.downtime_year_s.ci[1])}]"
                if proj.downtime_year_s.ci else ""), True)),
        (t("d.projected_availability"), Cell(kpi_text(t, proj.availability_pct), True)),
        (t("d.hours_needed"), Cell(t.num(proj.hours_needed) + " h" if proj.hours_needed else "—", True)),
    ])
    cannot = Section(t("d.cannot_prove"), unproven_lines(t, proj) or (t("l.none"),), level=3)
    blocks = [Section("", tuple(x for x in (t("d.sla_intro"), cert_basis(t, analysis.certificates))
                                if x), (table,), level=1)]
    if timeline is not None:
        blocks.append(timeline)
    blocks += [Section(t("d.budget"), (), (budget,)), cannot, *annex.sections(analysis)]
    return Document("conformite-sla", t("doc.sla"), tuple(blocks))


def decision_reason(t: Texts, analysis: "CampaignAnalysis", decision: "ProductionDecision") -> str:
    """Why the production decision is what it is, in the report's language."""
    parts = []
    blocking = analysis.decision.blocking
    if blocking:
        parts.append(t("d.reason_tests" if len(blocking) > 1 else "d.reason_test",
                       criteria=", ".join(f"{v.id} {t.go(v.status)}" for v in blocking)))
    elif not decision.tests_go:
        parts.append(t("d.reason_missing"))
    if decision.blocking_actions:
        parts.append(t("d.reason_p0", ids=", ".join(a.id for a in decision.blocking_actions)))
    return " ; ".join(parts) if t.lang == "fr" else "; ".join(parts) or t("d.go_text")


def _part_label(t: Texts, part: Verdict, parent: Verdict) -> str:
    """A condition of a combined criterion: its title, or its phase when every condition has
    the same title (criterion 8: "no record lost", once per phase)."""
    titles = [p.title for p in parent.parts]
    if titles.count(part.title) > 1 and part.phase:
        return t(f"phase.{part.phase}")
    return t.part_title(part)


def short_reason(t: Texts, v: Verdict) -> str:
    """One short sentence: a combined criterion names only the conditions it misses (its
    detail table lists them all)."""
    if v.key != "combined" or not v.parts:
        return brief(t, v, "threshold")
    bad = [p for p in v.parts if p.status is not Status.PASS]
    if not bad:
        return t("d.parts_ok", n=len(v.parts))
    names = ", ".join(f"{_part_label(t, p, v)} ({t.go(p.status)})" for p in bad)
    return t("d.parts_bad" if len(bad) > 1 else "d.part_bad", n=len(bad), total=len(v.parts),
             names=names)


def parts_sections(t: Texts, criteria) -> tuple[Section, ...]:
    """A small table per combined criterion: one row per condition (per phase for 8)."""
    out = []
    for v in criteria:
        if v.key != "combined" or not v.parts:
            continue
        rows = [(_part_label(t, p, v), Cell(t.go(p.status), status=p.status), t.reason(p))
                for p in v.parts]
        out.append(Section(f"{v.id}. {t.criterion(v)}", (), (Table.of(
            [t("d.condition"), t("l.verdict"), t("l.reason")], rows, widths=(26, 17, 57)),),
            level=3))
    if out:
        out.insert(0, Section(t("d.parts"), (), ()))
    return tuple(out)


def days_late(due, today) -> int:
    """Days past ``due`` on ``today`` (0 when not late or when ``today`` is unknown)."""
    return max(0, (today - due).days) if today is not None else 0


def _action_line(t: Texts, a, today) -> str:
    late = days_late(a.due, today) if a.open else 0
    return t("d.banner_action", id=a.id, priority=a.priority, title=a.title, due=t.day(a.due),
             status=t(f"st.{a.status}")) + (", " + t("d.late_by", n=late) if late else "")


def decision_document(t: Texts, campaign: "Campaign", analysis: "CampaignAnalysis",
                      plan: "ActionPlan | None", decision: "ProductionDecision",
                      today=None) -> Document:
    rows = []
    annex = Annex(t)
    for v in analysis.criteria:
        rows.append((f"{v.id}. {t.criterion(v)}", Cell(_value(t, v), True),
                     t.threshold(v) or "—", Cell(t.go(v.status), status=v.status),
                     short_reason(t, v),
                     Cell(annex.ref(f"{v.id}. {t.criterion(v)}", v.evidence, v.completeness),
                          True)))
    # the phase of each criterion is in its title (seed 000) and in the annex's time ranges
    criteria = Table.of([t("l.criterion"), t("l.measured"), t("l.threshold"), t("l.verdict"),
                         t("l.reason"), t("d.ref")], rows, widths=(21, 17, 13, 17, 26, 6))
    final_status = Status.PASS if decision.go else Status.FAIL
    decided = campaign.campaign.decision_date
    points = [t("d.banner_criterion", id=v.id, title=t.criterion(v), verdict=t.go(v.status))
              for v in analysis.decision.blocking]
    points += [_action_line(t, a, today) for a in decision.blocking_actions]
    banner = Banner(f"{t('d.decision')} : {t('d.go') if decision.go else t('d.nogo')}"
                    if t.lang == "fr" else
                    f"{t('d.decision')}: {t('d.go') if decision.go else t('d.nogo')}",
                    final_status,
                    t("d.banner_when", date=t.dt(decided)) if decided else t("d.banner_undated"),
                    tuple(points) if not decision.go else (t("d.go_text"),))
    final = Table.of([t("d.decision"), t("d.tests"), t("l.reason")], [(
        Cell(t("d.go") if decision.go else t("d.nogo"), status=final_status),
        Cell("GO" if decision.tests_go else "NOGO",
             status=Status.PASS if decision.tests_go else Status.FAIL),
        decision_reason(t, analysis, decision) if not decision.go else t("d.go_text"))])
    blocking_rows = []
    for v in analysis.decision.blocking:
        acts = plan.for_criterion(v.id) if plan is not None else ()
        blocking_rows.append((f"{v.id}. {t.criterion(v)}", _value(t, v),
                              "; ".join(f"{a.id} {a.title}" for a in acts) or t("d.no_action")))
    for a in decision.blocking_actions:
        blocking_rows.append((f"{a.id} ({a.priority})", t(f"st.{a.status}"), a.title))
    blocking = Table.of([t("l.criterion"), t("l.measured"), t("d.corrective")], blocking_rows)
    blocks = [banner, Section("", (t("d.decision_intro"),), (final,), level=1),
              Section(t("d.criteria"), (), (criteria,)),
              Section(t("d.blocking"), () if blocking_rows else (t("l.none"),),
                      (blocking,) if blocking_rows else ())]
    items = {i.id: i for i in campaign.checklist}
    cert = next((v for v in analysis.sla if v.id == "certificates"), None)
    for group in ("documentation", "configuration", "monitoring", "operations"):
        rows = []
        for item_id, (g, label_fr) in CHECKLIST_ITEMS.items():
            if g != group:
                continue
            item = items.get(item_id)
            status = t(f"ck.status.{item.status if item else 'unreported'}")
            evidence = (item.evidence or "") if item else ""
            if item_id == "certificates_valid" and cert is not None and cert.value is not None:
                # measured: the certificate check shows its number and verdict
                measured = t("ck.measured", value=_value(t, cert), status=t.status(cert.status))
                status = measured if item is None else f"{status} ; {measured}"
                evidence = "; ".join(x for x in (evidence, cert_basis(t, analysis.certificates, "ck.cert_evidence")) if x)
            rows.append((t(f"ck.{item_id}"), status, evidence,
                         t.dt(item.date) if item and item.date else ""))
        blocks.append(Section(t(f"ck.group.{group}"), (), (Table.of(
            [t("d.item"), t("d.status"), t("l.evidence"), t("d.date")], rows),), level=3))
    sign = Table.of([t("d.role"), t("d.name"), t("d.date"), t("d.signature")],
                    [(t(f"d.role.{r}"), "", "", "") for r in ("sre", "product", "client")])
    blocks.append(Section(t("d.signatures"), (), (sign,)))
    blocks += parts_sections(t, analysis.criteria)
    blocks += annex.sections(analysis)
    return Document("decision-go-nogo", t("doc.decision"), tuple(blocks))


def cert_basis(t: Texts, certs, key: str = "d.cert_basis") -> str:
    """Which certificate expires first and the instant its days left are counted from."""
    if certs is None or certs.counted_from is None:
        return ""
    basis = f"cert.basis.{certs.basis}"
    return t(key, name=certs.earliest or "—", at=t.dt(certs.counted_from),
             basis=t(basis) if basis in MESSAGES else certs.basis)


def _value(t: Texts, v: Verdict) -> str:
    from .notebook import value_text

    return value_text(t, v)


def _summary_why(t: Texts, v: Verdict, analysis: "CampaignAnalysis") -> str:
    """Why an SLA line is not CONFORME, in a few words ("—" when it is)."""
    if v.status is Status.PASS:
        return "—"
    proj = analysis.projection
    if v.id == "sla-availability" and v.status is Status.INCONCLUSIVE and proj.hours_needed:
        return t("d.avail_short", needed=t.num(proj.hours_needed))
    return t.reason(v)


def summary_document(t: Texts, campaign: "Campaign", analysis: "CampaignAnalysis",
                     plan: "ActionPlan | None", decision: "ProductionDecision",
                     today=None) -> Document:
    domains = domain_scores(analysis, campaign)
    scores = Table.of([t("d.domain"), t("d.score"), t("l.verdict")], [
        (t(f"dom.{s.domain}"), Cell(t.ratio(s.score, 0) if s.score is not None else "—", True),
         Cell(t.status(s.status), status=s.status)) for s in domains])
    score_bars = Bars(t("d.score_bars"), tuple(
        (t(f"dom.{s.domain}"), s.score, s.status,
         t.ratio(s.score, 0) if s.score is not None else "—") for s in domains))
    from .notebook import value_text

    sla = Table.of([t("l.metric"), t("d.objective"), t("l.measured"), t("l.verdict"),
                    t("d.why")], [
        (t(f"sla.{v.id}"), objective(t, v, campaign), Cell(value_text(t, v), True),
         Cell(t.status(v.status), status=v.status), _summary_why(t, v, analysis))
        for v in analysis.sla if v.id.startswith("sla-")], widths=(21, 18, 14, 17, 30))
    top = sorted((a for a in plan.actions if a.open), key=lambda a: (a.priority, a.due))[:5] if plan else []
    prio = Table.of(["#", t("d.action"), t("d.priority"), t("d.impact"), t("d.due")], [
        (str(n + 1), f"{a.id} {a.title}", a.priority, t(f"imp.{a.impact}"), t.day(a.due))
        for n, a in enumerate(top)])
    headline = (t("d.go_text") if decision.go else
                t("d.nogo_text", reason=decision_reason(t, analysis, decision)))
    progress = ()
    if plan is not None and plan.actions:
        done = sum(not a.open for a in plan.actions) / len(plan.actions)
        progress = (Bars(t("d.progress_bars"), (
            (t("d.plan_overall"), done, None, t.ratio(done, 0)),
            *((f"{m.id} {m.title}"
               + (f" ({t('d.late_short', n=days_late(m.due, today))})"
                  if days_late(m.due, today) and plan.milestone_progress(m) < 1 else ""),
               plan.milestone_progress(m),
               Status.FAIL if days_late(m.due, today) and plan.milestone_progress(m) < 1 else None,
               t.ratio(plan.milestone_progress(m), 0))
              for m in plan.milestones))),)
    return Document("synthese", t("doc.summary"), (
        Section("", (headline,), (scores,), level=1), score_bars, *progress,
        Section(t("d.sla_table"), (), (sla,)),
        Section(t("d.priorities"), () if top else (t("l.none"),), (prio,) if top else ()),
        provenance_section(t, analysis)))


def plan_document(t: Texts, plan: "ActionPlan | None", decision: "ProductionDecision",
                  gantt, today=None) -> Document:
    if plan is None:
        return Document("plan-action", t("doc.plan"), (
            Section("", (t("d.no_plan"),), level=1),))
    statuses = ("done", "in_progress", "todo", "blocked")
    counts = {s: sum(a.status == s for a in plan.actions) for s in statuses}
    done = counts["done"] / len(plan.actions) if plan.actions else 0.0
    progress = Table.of([t("d.status"), t("d.count")],
                        [(t(f"st.{s}"), Cell(str(counts[s]), True)) for s in statuses])
    p0 = (t("d.p0_open", ids=", ".join(a.id for a in plan.open_p0)) if plan.open_p0
          else t("d.p0_none"))
    def late(due, still_open) -> Cell:
        n = days_late(due, today) if still_open else 0
        return Cell(t("d.late_days", n=n), status=Status.FAIL) if n else Cell("—")

    # the category is in each action's card, the effort's unit in the header
    actions = Table.of([t("d.action"), t("d.priority"), t("d.owner"), t("d.due"),
                        t("d.effort_days"), t("d.status"), t("d.progress"), t("d.late")], [
        (f"{a.id} {a.title}", a.priority, a.owner or "—", t.day(a.due),
         Cell(t.num(a.effort_days, 1), True), t(f"st.{a.status}"),
         Cell(t.ratio(a.progress, 0), True), late(a.due, a.open)) for a in plan.actions],
        widths=(23, 10, 14, 11, 9, 10, 13, 10))
    miles = Table.of([t("d.milestone"), t("d.due"), t("d.actions"), t("d.progress"),
                      t("d.late")], [
        (f"{m.id} {m.title}", t.day(m.due), ", ".join(m.actions),
         Cell(t.ratio(plan.milestone_progress(m), 0), True),
         late(m.due, plan.milestone_progress(m) < 1)) for m in plan.milestones])
    details = []
    for a in plan.actions:
        steps = " ; ".join(f"{s.title} ({t(f'step.{s.status}')})" for s in a.steps)
        rows = [(t("d.recommendation"), a.recommendation or "—"), (t("d.category"), a.category),
                (t("d.effort"), t.num(a.effort_days, 1, t("d.days"))),
                (t("d.owner"), a.owner or "—"),
                (t("d.due"), t.day(a.due)), (t("d.steps"), steps or "—"),
                (t("d.success"), "; ".join(a.success_criteria) or "—"),
                (t("d.risks"), "; ".join(a.risks) or "—"), (t("d.rollback"), a.rollback or "—")]
        details.append(Section(f"{a.id} — {a.title} ({a.priority})",
                               (a.description,) if a.description else (),
                               (Table.of([t("d.attribute"), t("d.value")], rows),), level=3))
    kpis = Table.of([t("l.metric"), t("d.target"), t("d.current"), t("d.frequency")],
                    [*_computed_indicators(t, plan, today),
                     *((k.name, k.target, k.current or "—", k.frequency or "—")
                       for k in plan.kpis)])
    closure = Table.of([t("d.item"), t("d.status")],
                       [(c, "☐") for c in plan.closure])
    blocks = [Section(plan.title, (t("d.plan_progress", pct=t.ratio(done, 0)), p0), (progress,),
                      level=2),
              Section(t("d.actions"), (), (actions,)), Section(t("d.milestones"), (), (miles,))]
    if gantt is not None:
        blocks.append(gantt)
    blocks += [*_resources_sections(t, plan), *details, *_risk_sections(t, plan),
               *_governance_sections(t, plan, kpis), *_communication_sections(t, plan),
               *([Section(t("d.closure"), (), (closure,))] if plan.closure else []),
               *_deliverables_sections(t, plan)]
    return Document("plan-action", t("doc.plan"), tuple(blocks))


def _computed_indicators(t: Texts, plan: "ActionPlan", today) -> list[tuple]:
    """Seed 001 §6.2, computed: actions done among those due by today, milestones met."""
    if today is None:
        return []
    due = [a for a in plan.actions if a.due <= today]
    miles = [m for m in plan.milestones if m.due <= today]
    done = t.ratio(sum(not a.open for a in due) / len(due), 0) if due else "—"
    met = t.ratio(sum(plan.milestone_progress(m) >= 1 for m in miles) / len(miles), 0) \
        if miles else "—"
    return [(t("d.kpi_done_vs_due"), "100\u00a0%", done, t("d.kpi_computed")),
            (t("d.kpi_milestones_met"), "100\u00a0%", met, t("d.kpi_computed"))]


def _resources_sections(t: Texts, plan: "ActionPlan") -> list[Section]:
    """Seed 001 §4: effort by category (from the actions) and the resources' assignments."""
    total = sum(a.effort_days for a in plan.actions)
    by_cat: dict[str, float] = {}
    for a in plan.actions:
        by_cat[a.category] = by_cat.get(a.category, 0.0) + a.effort_days
    effort = Table.of([t("d.category"), t("d.effort_days"), t("d.share")], [
        *((c, Cell(t.num(e, 1), True), Cell(t.ratio(e / total, 0) if total else "—", True))
          for c, e in sorted(by_cat.items(), key=lambda x: (-x[1], x[0]))),
        (t("d.total"), Cell(t.num(total, 1), True), Cell(t.ratio(1.0, 0), True))])
    out = [Section(t("d.resources"), (), ()), Section(t("d.effort_by_category"), (), (effort,),
                                                       level=3)]
    if plan.resources:
        rows = [(r.role, r.name or "—",
                 Cell(t.ratio(r.availability_pct / 100, 0) if r.availability_pct is not None
                      else "—", True),
                 ", ".join(r.actions) + (" ; " if r.actions and r.duties else "")
                 + (r.duties or "") or "—") for r in plan.resources]
        out.append(Section(t("d.assignments"), (), (Table.of(
            [t("d.role"), t("d.name"), t("d.availability"), t("d.assigned")], rows,
            widths=(18, 22, 16, 44)),), level=3))
    return out


def _risk_sections(t: Texts, plan: "ActionPlan") -> list[Section]:
    """Seed 001 §5: the plan's risks and their contingency; the actions' own risks after."""
    if not plan.risks:
        return []
    risks = Table.of([t("d.ref_id"), t("d.risk"), t("d.probability"), t("d.impact"),
                      t("d.mitigation")], [
        (r.id, r.title, t(f"prob.{r.probability}"), t(f"imp.{r.impact}"), r.mitigation)
        for r in plan.risks], widths=(11, 27, 13, 11, 38))
    contingency = Table.of([t("d.ref_id"), t("d.contingency")],
                           [(r.id, r.contingency) for r in plan.risks if r.contingency],
                           widths=(11, 89))
    return [Section(t("d.risks_title"), (), ()),
            Section(t("d.risks_identified"), (), (risks,), level=3),
            Section(t("d.contingency_plan"), (), (contingency,), level=3)]


def _governance_sections(t: Texts, plan: "ActionPlan", kpis: Table) -> list[Section]:
    """Seed 001 §6.1–6.2: follow-up meetings and indicators."""
    out = [Section(t("d.governance"), (), ())]
    if plan.governance:
        out.append(Section(t("d.meetings"), (), (Table.of(
            [t("l.kind"), t("d.frequency"), t("d.participants"), t("d.purpose")],
            [(m.kind, m.frequency, m.participants, m.purpose) for m in plan.governance]),),
            level=3))
    out.append(Section(t("d.kpis"), (), (kpis,), level=3))
    return out


def _communication_sections(t: Texts, plan: "ActionPlan") -> list[Section]:
    """Seed 001 §7: communication plan and escalation."""
    if not plan.communication and not plan.escalation:
        return []
    out = [Section(t("d.communication"), (), ())]
    if plan.communication:
        out.append(Section(t("d.communication_plan"), (), (Table.of(
            [t("d.audience"), t("d.message"), t("d.channel"), t("d.frequency")],
            [(c.audience, c.message, c.channel, c.frequency) for c in plan.communication]),),
            level=3))
    if plan.escalation:
        out.append(Section(t("d.escalation"), (), (Table.of(
            [t("d.level"), t("d.problem"), t("d.contact"), t("d.response_time")],
            [(e.level, e.problem, e.contact, e.response_time) for e in plan.escalation]),),
            level=3))
    return out


DOCUMENT_KEYS = ("fiche-technique", "conformite-sla", "decision-go-nogo", "synthese",
                 "plan-action")


def _deliverables_sections(t: Texts, plan: "ActionPlan") -> list[Section]:
    """Seed 001 §9.2 / §10.1: the final deliverables, this report's documents first."""
    rows = [(t(f"doc.{k}"), "mm2report", f"{key}.pdf", Cell(t("dl.done"), status=Status.PASS))
            for k, key in zip(("sheet", "sla", "decision", "summary", "plan"), DOCUMENT_KEYS)]
    rows += [(d.name, d.owner or "—", d.location or "—",
              Cell(t(f"dl.{d.status}"), status={"done": Status.PASS, "todo": None}.get(
                  d.status, Status.INCONCLUSIVE)))
             for d in plan.deliverables]
    return [Section(t("d.final_deliverables"), (), (Table.of(
        [t("d.deliverable"), t("d.owner"), t("d.location"), t("d.status")], rows,
        widths=(38, 20, 24, 18)),))]


def weekly_document(t: Texts, plan: "ActionPlan", week) -> Document:
    """Seed 001 §6.3, "Rapport de suivi – semaine XX", for the ISO week holding ``week``
    (a date): computed from the steps' states and done_on dates and the due dates."""
    from datetime import timedelta

    monday = week - timedelta(days=week.weekday())
    sunday = monday + timedelta(days=6)
    year, number, _ = monday.isocalendar()
    key = f"suivi-{year}-s{number:02d}"
    title = t("doc.weekly", n=f"{number:02d}", year=year)
    span = t("d.week_span", start=t.day(monday), end=t.day(sunday))
    total = len(plan.actions)
    done = [a for a in plan.actions if not a.open]

    def finished_on(a):
        dates = [s.done_on for s in a.steps]
        return max(dates) if a.steps and not a.open and all(dates) else None

    this_week = [a for a in done if (d := finished_on(a)) is not None and monday <= d <= sunday]
    steps_week = [(a, s) for a in plan.actions for s in a.steps
                  if s.done_on is not None and monday <= s.done_on <= sunday]
    open_actions = sorted((a for a in plan.actions if a.open), key=lambda a: (a.due, a.id))
    current = next((m for m in sorted(plan.milestones, key=lambda m: m.due)
                    if plan.milestone_progress(m) < 1), None)
    upcoming = next((a for a in open_actions if a.due >= sunday), None) or \
        (open_actions[0] if open_actions else None)
    summary = Table.of([t("l.metric"), t("d.value")], [
        (t("d.w_done"), Cell(f"{len(done)}/{total}", True)),
        (t("d.w_milestone"), f"{current.id} {current.title} ({t.ratio(plan.milestone_progress(current), 0)}, "
                             f"{t('d.due').lower()} {t.day(current.due)})" if current else "—"),
        (t("d.w_next_due"), f"{t.day(upcoming.due)} — {upcoming.id} {upcoming.title}"
         if upcoming else "—")], widths=(34, 66))
    done_lines = tuple(t("d.w_action_done", id=a.id, title=a.title, date=t.day(finished_on(a)))
                       for a in this_week)
    done_lines += tuple(t("d.w_step_done", id=a.id, step=s.title, date=t.day(s.done_on))
                        for a, s in steps_week if a not in this_week)
    progress = Table.of([t("d.action"), t("d.progress"), t("d.status"), t("d.late")], [
        (f"{a.id} {a.title}", Cell(t.ratio(a.progress, 0), True), t(f"st.{a.status}"),
         Cell(t("d.late_days", n=days_late(a.due, sunday)), status=Status.FAIL)
         if days_late(a.due, sunday) else "—")
        for a in open_actions if a.status in ("in_progress", "blocked")],
        widths=(48, 16, 18, 18))
    attention = [t("d.w_late_action", id=a.id, title=a.title, due=t.day(a.due),
                   n=days_late(a.due, sunday)) for a in open_actions if days_late(a.due, sunday)]
    attention += [t("d.w_late_milestone", id=m.id, title=m.title, due=t.day(m.due),
                    n=days_late(m.due, sunday), pct=t.ratio(plan.milestone_progress(m), 0))
                  for m in plan.milestones
                  if days_late(m.due, sunday) and plan.milestone_progress(m) < 1]
    decisions = [t("d.w_blocked", id=a.id, title=a.title) for a in open_actions if a.blocked]
    if plan.open_p0:
        decisions.append(t("d.w_p0", ids=", ".join(a.id for a in plan.open_p0)))
    next_steps = [t("d.w_next_step", id=a.id, step=s.title, due=t.day(a.due))
                  for a in open_actions[:5] for s in a.steps if s.status != "done"][:8]
    return Document(key, title, (
        Section("", (span,), (summary,), level=1),
        Section(t("d.w_done_title"), done_lines or (t("l.none"),)),
        Section(t("d.w_in_progress"), () if progress.rows else (t("l.none"),),
                (progress,) if progress.rows else ()),
        Section(t("d.w_attention"), tuple(attention) or (t("l.none"),)),
        Section(t("d.w_decisions"), tuple(decisions) or (t("l.none"),)),
        Section(t("d.w_next"), tuple(next_steps) or (t("l.none"),))))


__all__ = ["DOCUMENT_KEYS", "DOMAINS", "Document", "DomainScore", "SheetLine", "decision_document",
           "weekly_document",
           "domain_scores", "plan_document", "sheet_document", "sla_document",
           "summary_document", "technical_sheet"]
