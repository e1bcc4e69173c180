"""What the phase notebooks call: one function per section, each returning something Jupyter
displays (a :class:`Section` of narrative and tables, or a :class:`Chart`).

A phase notebook is a parameters cell and a list of calls::

    report = open_phase(campaign, "latency", output_dir=output_dir, lang=lang)
    report.summary()
    report.overview()
    ...
    report.save()      # writes results.json, the only file a notebook writes

Everything a reader sees is computed here or in the analyses, in the report language, with
numbers and dates formatted for it; the notebooks hold no logic, so this module is what the
tests check. The narrative too: each section brings its own heading and a short guide (what it
shows, how to read it) from the message catalogue (``mm2report.documents.i18n``, keys ``h.*`` and
``g.*``), so a notebook reads in the campaign's language, or ``lang``, with no text of its own.
"""

from __future__ import annotations

import base64
import html
import io
import os
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Sequence

from ..analyses.core import Kpi
from ..analyses.data import PhaseData, fetch_phase
from ..analyses.state import restore_times
from ..errors import ParameterError
from ..evaluate import PhaseAnalysis, analyse_phase, recovery_incidents
from ..params import PHASE_NAMES, Campaign, load_campaign
from ..sources import open_source
from ..sources.base import rules_or_none
from ..verdicts import Status, Verdict
from . import plots
from .i18n import Texts, texts
from .results import PhaseResults, phase_results, write_json, write_results

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from ..change import ChangeValidation

from ..paths import DEMO_CAMPAIGN, NOTEBOOKS  # noqa: F401  (re-exported)

assert tuple(NOTEBOOKS) == PHASE_NAMES

_BADGE = {Status.PASS: ("#0B6E4F", "#DDF2E8"), Status.FAIL: ("#A4262C", "#FBE3E4"),
          Status.INCONCLUSIVE: ("#8A5A00", "#FFF1CC")}
_CSS = ("<style>.mm2 table{border-collapse:collapse;margin:.4em 0 1em;font-size:.92em}"
        ".mm2 th,.mm2 td{border-bottom:1px solid #ddd;padding:.25em .6em;text-align:left;"
        "vertical-align:top}.mm2 th{background:#f3f5f7}.mm2 td.n{text-align:right;"
        "white-space:nowrap}.mm2 .badge{font-weight:bold;padding:.1em .45em;border-radius:3px;"
        "white-space:nowrap}.mm2 .small{font-size:.85em;color:#555}.mm2 .nobr{white-space:nowrap}"
        ".mm2 .guide{color:#34495e;"
        "border-left:3px solid #9db3c8;padding:.15em .7em;margin:.3em 0 .9em;max-width:52em}"
        "</style>")


# --------------------------------------------------------------------------------------------
# Displayable pieces
# --------------------------------------------------------------------------------------------


# Typesetting of printed text (French rules, harmless in English): a narrow no-break space
# before ": ; ? !" and inside guillemets, a no-break space around a comparison sign (no line
# starts with "≤" or ends with one), identifiers (ACT-001, tasks_running, rollback_tested)
# never broken at their hyphens or underscores.
_BEFORE = re.compile(r" ([:;?!»])")
_OPERATOR = re.compile(r"(^|(?<=\s))(==|<=|>=|[≤≥<>=]) (?=\S)")
_OPERATOR_BEFORE = re.compile(r" (?=(==|<=|>=|[≤≥<>=])\u00a0)")
_UNIT_AFTER = re.compile(r"(?<=\d) (?=(ms|s|min|h|j|days|records/s|records|msg/s|msg|%|pt)"
                         r"(?![\w/]))")
_IDENTIFIER = re.compile(r"(?<![\w&#;])([A-Za-z0-9]+(?:[-_][A-Za-z0-9]+)+)(?![\w;])")


def typeset(text: str) -> str:
    """``text`` with its no-break spaces (plain text in, plain text out)."""
    text = _BEFORE.sub("\u202f\\1", text.replace("« ", "«\u202f"))
    text = _OPERATOR.sub(lambda m: m.group(2) + "\u00a0", text)
    text = _UNIT_AFTER.sub("\u00a0", text)  # a number and its unit on one line
    return _OPERATOR_BEFORE.sub("\u00a0", text)


def html_text(text: str) -> str:
    """``text`` escaped for HTML and typeset; identifiers kept on one line."""
    body = html.escape(typeset(text))
    return _IDENTIFIER.sub(r'<span class="nobr">\1</span>', body)


@dataclass(frozen=True)
class Cell:
    """A table cell: text, right-aligned when numeric, optionally a verdict badge."""

    text: str
    numeric: bool = False
    status: Status | None = None

    def html(self) -> str:
        body = html_text(self.text)
        if self.status is not None:
            fg, bg = _BADGE[self.status]
            body = f'<span class="badge" style="color:{fg};background:{bg}">{body}</span>'
        # inline: the notebook theme right-aligns every cell with a more specific rule
        align = "right;white-space:nowrap" if self.numeric else "left"
        return f'<td style="text-align:{align}">{body}</td>'


def _cell(value) -> Cell:
    return value if isinstance(value, Cell) else Cell(str(value))


@dataclass(frozen=True)
class Table:
    columns: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    caption: str = ""
    widths: tuple[int, ...] = ()  # percent per column; fixed layout when given

    @classmethod
    def of(cls, columns: Sequence[str], rows: Iterable[Sequence], caption: str = "",
           widths: Sequence[int] = ()) -> "Table":
        return cls(tuple(columns), tuple(tuple(_cell(v) for v in r) for r in rows), caption,
                   tuple(widths))

    def html(self) -> str:
        head = "".join(f'<th style="text-align:left">{html_text(c)}</th>' for c in self.columns)
        body = "".join("<tr>" + "".join(c.html() for c in r) + "</tr>" for r in self.rows)
        cap = f"<caption>{html.escape(self.caption)}</caption>" if self.caption else ""
        cols, style = "", ""
        if self.widths:
            cols = "<colgroup>" + "".join(f'<col style="width:{w}%">' for w in self.widths) + "</colgroup>"
            style = ' style="table-layout:fixed;width:100%"'
        return f"<table{style}>{cap}{cols}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"

    def text(self) -> str:
        lines = [" | ".join(self.columns)]
        lines += [" | ".join(c.text for c in r) for r in self.rows]
        return "\n".join(lines)


@dataclass(frozen=True)
class Section:
    """A heading, paragraphs and tables; shown as HTML in Jupyter and as text elsewhere."""

    title: str
    paragraphs: tuple[str, ...] = ()
    tables: tuple[Table, ...] = ()
    level: int = 2
    notes: tuple[str, ...] = ()
    guide: str = ""  # what the section shows and how to read it, under the heading

    def _repr_html_(self) -> str:
        parts = [f'<div class="mm2">{_CSS}']
        if self.title:  # a document's first section may leave its title to the cover
            parts.append(f"<h{self.level}>{html_text(self.title)}</h{self.level}>")
        if self.guide:
            parts.append(f'<p class="guide">{html_text(self.guide)}</p>')
        parts += [f"<p>{html_text(p)}</p>" for p in self.paragraphs]
        parts += [t.html() for t in self.tables]
        parts += [f'<p class="small">{html_text(n)}</p>' for n in self.notes]
        return "".join(parts) + "</div>"

    def __repr__(self) -> str:
        blocks = [self.title, self.guide, *self.paragraphs, *(t.text() for t in self.tables),
                  *self.notes]
        return "\n\n".join(b for b in blocks if b)


@dataclass(frozen=True)
class Chart:
    """A figure shown as an embedded PNG with its alternative text (no pyplot state)."""

    figure: "Figure" = field(repr=False)
    alt: str
    title: str = ""  # a heading above the figure (a notebook section's), and its guide
    guide: str = ""
    level: int = 2

    def png(self) -> bytes:
        buf = io.BytesIO()
        self.figure.savefig(buf, format="png", dpi=plots.STYLE["savefig.dpi"])
        return buf.getvalue()

    def _repr_html_(self) -> str:
        data = base64.b64encode(self.png()).decode()
        figure = (f'<figure class="mm2-chart" style="margin:0;break-inside:avoid">'
                  f'<img src="data:image/png;base64,{data}" alt="{html.escape(self.alt)}" '
                  f'style="max-width:100%"></figure>')
        if not (self.title or self.guide):
            return figure
        return Section(self.title, level=self.level, guide=self.guide)._repr_html_() + figure

    def __repr__(self) -> str:
        return "\n\n".join(b for b in (self.title, self.guide, f"[{self.alt}]") if b)


# --------------------------------------------------------------------------------------------
# Formatting helpers (shared with the change validation)
# --------------------------------------------------------------------------------------------


def kpi_text(t: Texts, kpi: Kpi | None, unit: str | None = None) -> str:
    if kpi is None or not kpi.known:
        return t("l.not_measured")
    unit = kpi.unit if unit is None else unit
    if unit == "s":
        return t.duration(kpi.value)
    if unit == "%":
        return t.pct(kpi.value)
    text = t.sig(kpi.value, t.unit(unit))
    if kpi.ci is not None and all(v is not None for v in kpi.ci):
        text += f" [{t.sig(kpi.ci[0])} ; {t.sig(kpi.ci[1])}]"
    return text


def evidence_text(t: Texts, evidence) -> str:
    """Query names grouped by the time range they were read over."""
    ranges: dict[tuple, list[str]] = {}
    for e in evidence:
        names = ranges.setdefault((e.start, e.end), [])
        if e.query not in names:
            names.append(e.query)
    parts = []
    for (start, end), names in ranges.items():
        when = t.dt(start) if start == end else f"{t.dt(start)} → {t.dt(end)}"
        parts.append(f"{', '.join(names)} ({when})")
    return "; ".join(parts)


def evidence_names(evidence) -> str:
    """The queries a figure was read from, once each (their time ranges are in results.json)."""
    return ", ".join(dict.fromkeys(e.query for e in evidence))


_SNAPSHOT_ORIGIN = re.compile(r"^snapshot (?P<path>.+?) \(recorded from (?P<url>[^;]*); manifest "
                              r"sha256 (?P<digest>[0-9a-f]{64})(?P<signed>, signature verified "
                              r"with key (?P<key>.+))?\)$")
_LOOPBACK = re.compile(r"https?://(127\.\d+\.\d+\.\d+|localhost|\[::1\])(:\d+)?\S*")


def origin_text(t: Texts, origin: str) -> str:
    """Where the figures come from, as a document shows it: a snapshot by its name and its
    manifest's digest (not the tester's path nor the temporary port it was recorded from), a
    server by its address unless it is this machine's loopback."""
    m = _SNAPSHOT_ORIGIN.match(origin or "")
    if m:
        text = t("d.origin_snapshot", name=Path(m["path"]).name, digest=m["digest"])
        signed = ", " + t("d.origin_signed", signer=Path(m["key"]).name) if m["key"] else ""
        return text + signed
    return _LOOPBACK.sub(t("d.origin_local"), origin or "")


def value_text(t: Texts, v: Verdict) -> str:
    if v.value is None:
        return "—"
    if isinstance(v.value, str):  # a manual item's state, as the checklist words it
        key = {"done": "ck.status.done", "not done": "ck.status.not_done",
               "n/a": "ck.status.not_applicable"}.get(v.value)
        return t(key) if key else v.value
    if v.unit == "s":
        return t.duration(v.value)
    if v.unit == "%":
        return t.pct(v.value)
    return t.sig(v.value, t.unit(v.unit))


def verdict_table(t: Texts, verdicts: Sequence[Verdict], first: str = "l.criterion") -> Table:
    rows = []
    for v in verdicts:
        label = f"{v.id}. {t.criterion(v)}" if v.id.isdigit() else t.criterion(v)
        rows.append((label, Cell(value_text(t, v), numeric=True), t.threshold(v) or "—",
                     Cell(t.status(v.status), status=v.status), t.reason(v),
                     evidence_text(t, v.evidence)))
    return Table.of([t(first), t("l.measured"), t("l.threshold"), t("l.verdict"), t("l.reason"),
                     t("l.evidence")], rows)


# --------------------------------------------------------------------------------------------
# A phase
# --------------------------------------------------------------------------------------------


def _guide(t: Texts, key: str) -> str:
    """A section's guide, with the verdict words it names as the reader sees them."""
    return t(key, passed=t.status(Status.PASS), failed=t.status(Status.FAIL),
             inconclusive=t.status(Status.INCONCLUSIVE))


def _shown(path: Path) -> str:
    """A written file as the reader finds it: relative to the working directory when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def resolve_campaign(campaign: str | os.PathLike | Campaign | None) -> Campaign:
    """``None`` is the embedded demo campaign (so JupyterLab runs need no set-up)."""
    if isinstance(campaign, Campaign):
        return campaign
    return load_campaign(DEMO_CAMPAIGN if campaign in (None, "") else campaign)


def campaign_texts(campaign: Campaign, lang: str | None) -> Texts:
    """The report language (``lang``, or the campaign's) in the campaign's time zone."""
    try:
        return texts(lang or campaign.campaign.language, campaign.campaign.tz)
    except ValueError as exc:
        raise ParameterError("lang", [("lang", str(exc))]) from None


def results_dir(output_dir: str | os.PathLike | None, phase: str) -> Path:
    """Where a notebook's results go: ``output_dir``, or ``./results/<phase>`` by default."""
    return Path(output_dir) if output_dir not in (None, "") else Path.cwd() / "results" / phase


@dataclass
class PhaseReport:
    campaign: Campaign
    data: PhaseData
    analysis: PhaseAnalysis
    results: PhaseResults
    t: Texts
    output_dir: Path

    @property
    def name(self) -> str:
        return self.analysis.name

    # -- sections ------------------------------------------------------------------------

    def summary(self) -> Section:
        t, a, c = self.t, self.analysis, self.campaign
        lost = a.loss.lost
        rows = [
            (t("l.campaign"), f"{c.campaign.name}" + (f" — {c.campaign.client}" if c.campaign.client else "")),
            (t("l.window"), f"{t.dt(a.start)} → {t.dt(a.end)} ({t.duration((a.end - a.start).total_seconds())})"),
            (t("l.timezone"), t.tz_name),
            (t("l.source"), origin_text(t, self.results.origin)),
            (t("l.step"), t("n.accuracy", step=self.data.step)),
            (t("l.completeness"), t.ratio(min(a.timeline.completeness, a.exporter_completeness))),
            (t("l.availability"), kpi_text(t, a.availability.optimistic)),
            (t("h.incidents"), str(len(a.incidents))),
            (t("l.produced"), kpi_text(t, a.loss.produced)),
            (t("l.lost"), kpi_text(t, lost)),
            (t("l.lag_max"), kpi_text(t, a.lag_max)),
            (t("l.latency_max"), kpi_text(t, a.latency.maximum)),
            (t("l.workers"), kpi_text(t, a.workers_max, unit="")),
        ]
        title = f"{t(f'phase.{self.name}')} — {c.campaign.name}"
        return Section(title, (t(f"phase.purpose.{self.name}"),),
                       (Table.of([t("l.metric"), t("l.measured")], rows),), level=1,
                       guide=_guide(t, "g.summary"))

    def verdicts(self) -> Section:
        t = self.t
        return Section(t("h.verdicts"), (), (verdict_table(t, self.results.verdicts),),
                       guide=_guide(t, "g.verdicts"))

    def overview(self) -> Chart:
        t = self.t
        fig = plots.phase_overview(self.analysis, self.campaign.thresholds, t)
        return Chart(fig, f"{t(f'phase.{self.name}')} — {t('h.overview')}",
                     t("h.overview_plot"), _guide(t, "g.overview"))

    def incidents(self) -> Section:
        t, a = self.t, self.analysis
        if not a.incidents:
            return Section(t("h.incidents"), (t("n.no_incident"),), guide=_guide(t, "g.incidents"))
        rows = [(t.dt(i.start, seconds=True), Cell(t.duration(i.duration_s), numeric=True),
                 t.cause(i.cause),
                 t.event(i.event.kind) + (f" ({i.event.target})" if i.event.target else "")
                 if i.event else t("l.natural"),
                 Cell(t.duration(i.detected_after_s), numeric=True),
                 Cell(t.duration(i.restored_after_s), numeric=True),
                 Cell(t.sig(i.rpo_records, t.unit("records")), numeric=True))
                for i in a.incidents]
        total = sum(i.duration_s for i in a.incidents)
        return Section(t("h.incidents"), (t("n.incidents", n=len(a.incidents), down=t.duration(total)),),
                       (Table.of([t("l.start"), t("l.duration"), t("l.cause"), t("l.event"),
                                  t("l.detected"), t("l.restored"), t("l.rpo")], rows),),
                       guide=_guide(t, "g.incidents"))

    def loss(self) -> Section:
        t, loss = self.t, self.analysis.loss
        if not loss.lost.known:
            text = t("n.loss_unknown", why="; ".join(loss.lost.notes) or t("l.unknown_value"))
        elif loss.lost.value == 0:
            text = t("n.loss_none", produced=t.num(loss.produced.value))
        else:
            text = t("n.loss_some", lost=t.num(loss.lost.value), produced=t.num(loss.produced.value))
        rows = []
        parts = loss.partitions
        if not parts.empty:
            for topic, g in parts.groupby("topic", sort=True):
                rows.append((topic, Cell(str(len(g)), True),
                             Cell(t.num(g["produced"].sum(min_count=1)), True),
                             Cell(t.num(g["lost"].sum(min_count=1)), True),
                             Cell(t.num(g["duplicates"].sum(min_count=1)), True),
                             t.yesno(bool(g["complete"].all()))))
        table = Table.of([t("l.topic"), t("l.partitions"), t("l.produced"), t("l.lost"),
                          t("l.duplicates"), t("l.complete")], rows)
        return Section(t("h.loss"), (text,), (table,), notes=tuple(t.note(n) for n in loss.notes),
                       guide=_guide(t, "g.loss"))

    def latency(self) -> Section:
        t, lat = self.t, self.analysis.latency
        rows = [(p, Cell(kpi_text(t, k), True)) for p, k in lat.percentiles.items()]
        rows.append((t("l.latency_max"), Cell(kpi_text(t, lat.maximum), True)))
        if self.analysis.baseline is not None:
            rows.append((t("l.baseline"), Cell(kpi_text(t, self.analysis.baseline), True)))
        tables = [Table.of([t("l.percentile"), f"{t('l.upper_bound')} ({t('l.ci95')})"], rows)]
        if lat.probe:
            tables.append(Table.of([t("l.percentile"), t("l.probe")],
                                   [(p, Cell(kpi_text(t, k), True)) for p, k in lat.probe.items()]))
        return Section(t("h.latency"), (t("n.latency_bound"),), tuple(tables),
                       guide=_guide(t, "g.latency"))

    def latency_plot(self) -> Chart:
        t = self.t
        fig = plots.latency_hourly(self.analysis.latency, self.campaign.thresholds, t)
        return Chart(fig, t("p.latency_hourly"), t("h.latency_hourly"),
                     _guide(t, "g.latency_hourly"))

    def capacity(self) -> Section:
        t, cap = self.t, self.analysis.capacity
        if cap is None:
            return Section(t("h.capacity"), (t("n.capacity_none"),), guide=_guide(t, "g.capacity"))
        rows = [(f"{n + 1}", f"{t.dt(s.analysed_from)} → {t.dt(s.analysed_to)}",
                 Cell(kpi_text(t, s.offered), True), Cell(kpi_text(t, s.replicated), True),
                 Cell(t.ratio(s.ratio), True), Cell(t.sig(s.lag_growth_records), True),
                 Cell(t.sig(s.latency_p99_ms, "ms"), True), t.yesno(s.sustained),
                 " ; ".join(t.step_reason(r) for r in s.reasons) if t.lang == "fr"
                 else "; ".join(s.reasons))
                for n, s in enumerate(cap.steps)]
        text = (t("n.capacity", max=t.num(cap.max_tested.value), rec=t.num(cap.recommended.value),
                  ratio=t.ratio(cap.ratio, 0))
                if cap.max_tested.known else t("n.capacity_none"))
        summary = Table.of([t("l.metric"), t("l.measured")], [
            (t("l.max_tested"), Cell(kpi_text(t, cap.max_tested), True)),
            (t("l.recommended"), Cell(kpi_text(t, cap.recommended), True)),
            (t("l.ceiling"), Cell(kpi_text(t, cap.ceiling), True))])
        steps = Table.of([t("l.step_n"), t("l.window"), t("l.offered"), t("l.replicated"),
                          t("l.ratio"), t("l.lag_growth"), t("l.latency_p99"), t("l.sustained"),
                          t("l.reason")], rows)
        return Section(t("h.capacity"), (text,), (summary, steps), guide=_guide(t, "g.capacity"))

    def capacity_plot(self) -> Chart | Section:
        t, cap = self.t, self.analysis.capacity
        if cap is None:
            return Section(t("h.capacity_curve"), (t("n.capacity_none"),),
                           guide=_guide(t, "g.capacity_curve"))
        return Chart(plots.capacity_curve(cap, t), t("p.capacity"), t("h.capacity_curve"),
                     _guide(t, "g.capacity_curve"))

    def stability(self) -> Section:
        t, st = self.t, self.analysis.stability
        if st is None:
            return Section(t("h.stability"), (t("l.not_measured"),), guide=_guide(t, "g.stability"))
        if st.stable:
            text = t("n.stable")
        elif st.stable is False:
            text = t("n.unstable", problems="; ".join(st.problems))
        else:
            text = t("n.stability_unknown", problems="; ".join(st.problems))
        kpis = Table.of([t("l.metric"), t("l.measured")], [
            (t("l.delivery"), Cell(t.ratio(st.delivery_ratio.value, 2) if st.delivery_ratio.known
                                   else t("l.not_measured"), True)),
            (t("l.cv"), Cell(t.ratio(st.throughput_cv.value, 1) if st.throughput_cv.known
                             else t("l.not_measured"), True)),
            (t("l.lag_max"), Cell(kpi_text(t, st.lag_max), True)),
            (t("l.downtime"), Cell(t.duration(st.down_s), True)),
            (t("l.unknown"), Cell(t.duration(st.unknown_s), True))])
        trends = Table.of([t("l.metric"), t("l.trend"), t("l.change"), t("l.p_value"), t("l.upward")],
                          [(t.trend(tr.metric), Cell(t.sig(tr.slope_per_hour, t.unit(tr.unit)), True),
                            Cell(t.sig(tr.change_over_phase, t.unit(tr.unit)), True),
                            Cell(t.num(tr.p_value, 3) if tr.p_value is not None else "—", True),
                            t.yesno(tr.upward)) for tr in st.trends])
        return Section(t("h.stability"), (text,), (kpis, trends), guide=_guide(t, "g.stability"))

    def heap_plot(self) -> Chart:
        t = self.t
        return Chart(plots.worker_heap(self.data, self.analysis, t), t("p.heap"), t("h.heap"),
                     _guide(t, "g.heap"))

    def events(self) -> Section:
        t, a = self.t, self.analysis
        if not a.event_loss:
            return Section(t("h.events"), (t("n.no_events"),), guide=_guide(t, "g.events"))
        by_incident = {(i.event.kind, i.event.start): i for i in a.incidents if i.event}
        by_rebalance = {(r.kind, r.start): r for r in a.rebalances if r.trigger == "event"}
        by_burst = {b.start: b for b in a.bursts}
        rows = []
        for n, (ev, loss) in enumerate(a.event_loss):
            inc = by_incident.get((ev.kind, ev.start))
            reb = by_rebalance.get((ev.kind, ev.start))
            burst = by_burst.get(ev.start) if ev.kind == "burst" else None
            rows.append((f"{n + 1}", t.event(ev.kind), ev.target or "—", t.dt(ev.start, seconds=True),
                         Cell(t.duration(inc.duration_s) if inc else "—", True),
                         Cell(t.duration(inc.restored_after_s) if inc else "—", True),
                         Cell(kpi_text(t, reb.span) if reb else "—", True),
                         Cell(kpi_text(t, burst.recovery) if burst else "—", True),
                         Cell(kpi_text(t, loss.lost), True)))
        events = Table.of(["#", t("l.kind"), t("l.target"), t("l.start"), t("l.downtime"),
                           t("l.restored"), t("l.rebalance"), t("l.burst_recovery"), t("l.lost")],
                          rows)
        rt = restore_times(recovery_incidents(a.incidents))
        restore = Table.of([t("l.metric"), t("l.measured")], [
            (t("l.mttr"), Cell(kpi_text(t, rt.mttr), True)),
            (t("l.rto"), Cell(kpi_text(t, rt.rto), True)),
            (t("l.rpo_s"), Cell(kpi_text(t, rt.rpo_seconds), True)),
            (t("l.rpo"), Cell(kpi_text(t, rt.rpo_records), True))])
        return Section(t("h.events"), (), (events, restore), guide=_guide(t, "g.events"))

    def alerts(self) -> Section:
        """Each injected fault and the alert rules it raised: which fired, after how long
        (rules evaluated over the phase, ``for:`` honoured), which never did (criterion 9)."""
        t, table = self.t, self.analysis.detection
        title = t("h.detection")
        if table is None:
            return Section(title, (t("n.no_faults"),), guide=_guide(t, "g.detection"))
        if not table.known:
            return Section(title, (t("n.detection_missing"),), notes=(table.missing or "",),
                           guide=_guide(t, "g.detection"))
        bound = table.bound_s
        intro = t("n.detection", bound=t.duration(bound), interval=t.duration(table.interval_s))
        tables = []
        for n, d in enumerate(table.detections):
            ev = d.event
            if d.detected_after_s is None:
                verdict = t("n.undetected")
            else:
                key = "n.detected_late" if d.detected_after_s > bound else "n.detected"
                verdict = t(key, after=t.duration(d.detected_after_s), alert=d.first_alert)
            if table.notifications_checked:
                verdict += " ; " if t.lang == "fr" else "; "
                verdict += (t("n.notified", alert=d.notified, at=t.dt(d.notified_at, seconds=True))
                            if d.notified else t("n.not_notified"))
            rows = [(r.alert, Cell(t.dt(r.fired_at, seconds=True) if r.fired_at else "—", True),
                     Cell(t.duration(r.after_s) if r.after_s is not None else t("l.never"),
                          True, Status.PASS if r.after_s is not None and r.after_s <= bound
                          else None))
                    for r in sorted(d.rules, key=lambda r: (r.after_s is None, r.after_s or 0))]
            colon = " : " if t.lang == "fr" else ": "
            caption = (f"{n + 1}. {t.event(ev.kind)}{' — ' + ev.target if ev.target else ''}, "
                       f"{t.dt(ev.start, seconds=True)}{colon}{verdict}")
            tables.append(Table.of([t("l.alert"), t("l.fired_at"), t("l.detected_after")], rows,
                                   caption=caption, widths=(46, 30, 24)))
        return Section(title, (intro,), tuple(tables), guide=_guide(t, "g.detection"))

    def errors(self) -> Section:
        t, a = self.t, self.analysis
        if not a.errors:
            return Section(t("h.errors"), (t("n.no_events"),), guide=_guide(t, "g.errors"))
        rows = [(e.event.target or t.event(e.event.kind), t.dt(e.event.start, seconds=True),
                 t.yesno(e.task_failed), Cell(kpi_text(t, e.errors_counted), True),
                 t.yesno(e.recovered), Cell(kpi_text(t, e.recovery), True),
                 t.yesno(e.needs_restart), Cell(kpi_text(t, e.lost), True))
                for e in a.errors]
        return Section(t("h.errors"), (), (Table.of(
            [t("l.event"), t("l.start"), t("l.task_failed"), t("l.errors_counted"),
             t("l.recovered"), t("l.recovery"), t("l.needs_restart"), t("l.lost")], rows),),
            guide=_guide(t, "g.errors"))

    def save(self) -> Section:
        """Write ``results.json`` (the phase's analysis and verdicts) into the output directory."""
        path = write_results(self.results, self.output_dir)
        return Section(self.t("h.saved"), (self.t("n.saved", path=_shown(path)), self.t("g.saved")),
                       level=3)

    def to_dict(self) -> dict:
        return self.results.to_dict()


@dataclass
class ChangeReport:
    campaign: Campaign
    data: dict
    result: "ChangeValidation"
    t: Texts
    output_dir: Path

    def summary(self) -> Section:
        t, r = self.t, self.result
        text = t("n.change", at=t.dt(r.at), until=t.dt(r.until),
                 window=t.duration((r.until - r.at).total_seconds()))
        verdict = (t("n.change_ok") if r.validated else
                   t("n.change_ko", failed=", ".join(t.criterion(c) for c in r.checks if not c.go)))
        table = Table.of([t("l.overall"), t("l.source")],
                         [(Cell(t.status(r.overall.status), status=r.overall.status),
                           origin_text(t, r.origin))])
        return Section(f"{t('h.change')} — {self.campaign.campaign.name}", (text, verdict),
                       (table,), level=1, guide=t("g.change"))

    def checks(self) -> Section:
        t = self.t
        return Section(t("h.change_checks"), (), (verdict_table(t, self.result.checks, "l.check"),),
                       guide=_guide(t, "g.change_checks"))

    def plot(self) -> Chart:
        t = self.t
        fig = plots.change_window(self.data, self.result, self.campaign.thresholds, t)
        return Chart(fig, t("h.change"), t("h.change_plot"), t("g.change_plot"))

    def save(self) -> Section:
        """Write ``change.json`` (the checks with their evidence) into the output directory."""
        target = write_json(self.output_dir, CHANGE_FILE, self.result.to_dict())
        return Section(self.t("h.saved"), (self.t("n.saved", path=_shown(target)),), level=3)


CHANGE_FILE = "change.json"


def open_change(campaign: str | os.PathLike | Campaign | None = None, at: str | None = None,
                window: str = "15m", *, output_dir: str | os.PathLike | None = None,
                lang: str | None = None) -> ChangeReport:
    """Validate a change applied at ``at`` (ISO 8601 with its UTC offset) over ``window``."""
    from ..change import fetch_change, validate_change
    from ..params import parse_duration, parse_utc

    camp = resolve_campaign(campaign)
    problems = []
    moment = span = None
    try:
        moment = parse_utc(at)
    except ValueError as exc:
        problems.append(("at", str(exc)))
    try:
        span = parse_duration(window)
        if span <= timedelta(0):
            problems.append(("window", "must be a positive duration"))
    except ValueError as exc:
        problems.append(("window", str(exc)))
    if problems:
        raise ParameterError("validate-change", problems)
    t = campaign_texts(camp, lang)
    until = moment + span
    with open_source(camp) as source:
        data = fetch_change(camp, source, moment, until)
        origin = source.origin
    result = validate_change(camp, data, moment, until, origin)
    return ChangeReport(camp, data, result, t, results_dir(output_dir, "change"))


def open_phase(campaign: str | os.PathLike | Campaign | None = None, phase: str = "smoke", *,
               output_dir: str | os.PathLike | None = None, lang: str | None = None) -> PhaseReport:
    """Validate the parameters, read the phase from the campaign's source and analyse it."""
    camp = resolve_campaign(campaign)
    defined = [n for n, _ in camp.phases.items()]
    if phase not in defined:
        raise ParameterError(str(campaign or DEMO_CAMPAIGN),
                             [("phase", f"{phase!r} is not a phase of this campaign "
                                        f"(phases: {', '.join(defined)})")])
    t = campaign_texts(camp, lang)
    with open_source(camp) as source:
        data = fetch_phase(camp, source, phase)
        rules = rules_or_none(source)
        origin = source.origin
    analysis = analyse_phase(camp, data)
    results = phase_results(camp, analysis, origin, rules, datetime.now(timezone.utc))
    return PhaseReport(camp, data, analysis, results, t, results_dir(output_dir, phase))


__all__ = ["CHANGE_FILE", "ChangeReport", "Chart", "DEMO_CAMPAIGN", "NOTEBOOKS", "PhaseReport", "Section", "Table",
           "evidence_text", "kpi_text", "open_change", "open_phase", "resolve_campaign", "verdict_table"]
