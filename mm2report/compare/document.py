"""The comparison document: the same displayable blocks as the deliverables
(:class:`~mm2report.documents.notebook.Section`, :class:`~mm2report.documents.notebook.Table`,
:class:`~mm2report.documents.notebook.Chart`), one method per section so that the comparison notebook
makes one call per section, and the HTML + PDF rendering of ``mm2report compare --report``
(A4, page numbers, printed and checked as the deliverables are: :mod:`mm2report.documents.report`)."""

from __future__ import annotations

import html
import os
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from ..documents.notebook import Cell, Chart, Section, Table
from ..verdicts import Status, Verdict
from .model import Comparison, Difference
from .texts import CompareTexts, texts_for

def signed_text(text: str, value: float) -> str:
    """``text`` (a formatted absolute value) with the sign of ``value``; none when the text
    shows zero (−0,000 is 0)."""
    if not any(ch in "123456789" for ch in text):
        return text
    return ("+" if value > 0 else "−" if value < 0 else "") + text


@dataclass
class ComparisonReport:
    """A comparison in one language; each method returns one block of the document."""

    comparison: Comparison
    ct: CompareTexts

    # ---- formatting -------------------------------------------------------------------------
    def _label(self, d: Difference) -> str:
        args = dict(d.args)
        if d.label == "cmp.step":
            return self.ct("cmp.step", n=args["n"],
                           rate=self.ct.t.sig(args.get("rate"), self.ct.t.unit("records/s")))
        if d.label.startswith("cmp.latency_"):
            return self.ct(d.label, phase=self.ct.phase(args["phase"]))
        if d.label in ("cmp.rebalance", "cmp.restore", "cmp.incidents"):
            return self.ct(d.label, kind=self.ct.event(args["kind"]))
        own = {"l.max_tested": "cmp.max_tested", "l.baseline": "cmp.baseline",
               "d.latency_max_load": "cmp.max_under_load", "l.mttr": "cmp.mttr",
               "l.rto": "cmp.rto", "l.rpo": "cmp.rpo", "l.availability": "cmp.availability",
               "l.recommended": "cmp.recommended"}
        return self.ct(own.get(d.label, d.label))

    def _q(self, value: float | None, unit: str, signed: bool = False) -> str:
        """A number without its unit (the table has a unit column)."""
        t = self.ct.t
        if value is None:
            return "—"
        a = abs(value) if signed else value
        if unit == "%":
            text = t.num(a, 4)
        elif unit == "s":
            text = t.num(a, 1 if abs(value) < 100 else 0)
        elif unit in ("", "workers", "tasks", "days"):
            text = t.num(a)
        else:
            text = t.sig(a)
        return signed_text(text, value) if signed else text

    def _unit(self, d: Difference) -> str:
        if d.method == "poisson" or d.unit in ("", "workers", "tasks"):
            return "—"
        return self.ct.t.unit(d.unit)

    def _ci(self, d: Difference) -> str:
        if d.ci is None:
            return "—"
        if d.method == "poisson":
            return f"×[{self.ct.t.num(d.ci[0], 2)} ; {self.ct.t.num(d.ci[1], 2)}]"
        return f"[{self._q(d.ci[0], d.unit, True)} ; {self._q(d.ci[1], d.unit, True)}]"

    def _outcome(self, d: Difference) -> Cell:
        text = self.ct(f"o.{d.outcome}")
        if d.reason_key == "cmp.why.not_measured":  # say which campaign lacks it
            side = "" if d.a is None and d.b is None else ("_a" if d.a is None else "_b")
            text = self.ct(f"cmp.why.not_measured{side}")
        elif d.outcome in ("no_interval", "not_measured") and d.reason_key:
            text += " — " + self.ct(d.reason_key)
        status = {"better": Status.PASS, "worse": Status.FAIL}.get(d.outcome)
        return Cell(text, False, status)

    def _table(self, diffs) -> Table:
        conf = self.ct.t.ratio(self.comparison.criteria.confidence, 0)
        rows = []
        for d in diffs:
            label = self._label(d)
            detail = dict(d.detail)
            if "sustained_a" in detail:
                yn = lambda v: self.ct("unknown") if v is None else self.ct("yes" if v else "no")
                label += " · " + self.ct("sustained", a=yn(detail["sustained_a"]),
                                         b=yn(detail["sustained_b"]))
            rows.append((label, self._unit(d), Cell(self._q(d.a, d.unit), True),
                         Cell(self._q(d.b, d.unit), True),
                         Cell(self._q(d.diff, d.unit, True), True), Cell(self._ci(d), True),
                         self._outcome(d)))
        return Table.of([self.ct("col.kpi"), self.ct("col.unit"), self.ct("col.a"),
                         self.ct("col.b"), self.ct("col.diff"), self.ct("col.ci", conf=conf),
                         self.ct("col.outcome")], rows, widths=(23, 10, 10, 10, 10, 17, 20))

    def _verdict_title(self, v: Verdict) -> str:
        crit = self.comparison.criteria
        if v.id == "act003-throughput":
            return self.ct("v.act003-throughput", gain=self.ct.t.num(crit.throughput_gain_pct))
        if v.id == "act003-p99" and crit.latency_p99 == "not_higher":
            return self.ct("v.act003-p99.not_higher")
        return self.ct(f"v.{v.id}")

    def _reason(self, v: Verdict) -> str:
        if v.parts:
            return " ; ".join(self._reason(p) for p in v.parts) if self.ct.lang == "fr" else \
                "; ".join(self._reason(p) for p in v.parts)
        args = dict(v.args)
        key = f"r.{v.key}"
        from .texts import MESSAGES

        if key not in MESSAGES:
            return v.reason
        t = self.ct.t
        unit = v.unit
        values = {}
        for name in ("value", "lo", "hi"):
            x = v.value if name == "value" else args.get(name)
            if unit == "%":
                values[name] = signed_text(t.num(abs(x), 1, "%"), x) if x is not None else "—"
            else:
                values[name] = (self._q(x, unit or "", True) + (
                    f"\u00a0{t.unit(unit)}" if unit else "")) if x is not None else "—"
        values["phase"] = self.ct.phase(v.phase or "")
        values["ids"] = args.get("ids", "")
        values["why"] = self._why(args) or args.get("why", "")
        values["n"] = t.num(args.get("n"))
        return self.ct(key, **values)

    def _why(self, args: dict) -> str:
        """Each side's note ("B: every step was sustained …") in this language."""
        t = self.ct.t
        sep, join = (" : ", " ; ") if self.ct.lang == "fr" else (": ", "; ")
        return join.join(f"{side}{sep}{t.note(args[k])}"
                         for side, k in (("A", "why_a"), ("B", "why_b")) if args.get(k))

    # ---- sections ---------------------------------------------------------------------------
    def intro(self) -> Section:
        c = self.comparison
        conf = self.ct.t.ratio(c.criteria.confidence, 0)
        return Section("", (self.ct("intro", a=c.a_label, b=c.b_label, conf=conf),
                            self.ct("method")), level=1)

    def criteria(self) -> Section:
        c = self.comparison
        rows = [(self._verdict_title(v), Cell(self.ct.t.status(v.status), False, v.status),
                 self._reason(v)) for v in c.verdicts]
        table = Table.of([self.ct("col.criterion"), self.ct("col.verdict"), self.ct("col.reason")],
                         rows, widths=(26, 19, 55))
        overall = self.ct("s.overall", status=self.ct.t.status(c.overall.status))
        return Section(self.ct("s.criteria"), (self.ct("s.criteria_intro"), overall), (table,))

    def capacity(self) -> Section:
        return Section(self.ct("s.capacity"), (self.ct("s.capacity_intro"),),
                       (self._table(self.comparison.group("capacity")),))

    def latency(self) -> Section:
        return Section(self.ct("s.latency"), (self.ct("s.latency_intro"),),
                       (self._table(self.comparison.group("latency")),))

    def times(self) -> Section:
        return Section(self.ct("s.times"), (self.ct("s.times_intro"),),
                       (self._table(self.comparison.group("times")),))

    def availability(self) -> Section:
        diffs = self.comparison.group("availability") + self.comparison.group("incidents")
        return Section(self.ct("s.availability"), (self.ct("s.availability_intro"),),
                       (self._table(diffs),))

    def other(self) -> Section:
        return Section(self.ct("s.other"), (self.ct("s.other_intro"),),
                       (self._table(self.comparison.group("other")),))

    def regressions(self) -> Section:
        c = self.comparison
        if not c.regressions:
            return Section(self.ct("s.regressions"),
                           (self.ct("s.regressions_none", n=c.unchanged_lines),))
        # a criterion's verdict in GO/NOGO words, an SLA line's in conformance words, as in
        # the deliverables
        word = lambda r, st: self.ct.t.go(st) if r.kind == "criterion" else self.ct.t.status(st)
        rows = [(r.id, self.ct(f"kind.{r.kind}"), Cell(word(r, r.a), False, r.a),
                 Cell(word(r, r.b), False, r.b)) for r in c.regressions]
        table = Table.of([self.ct("col.line"), self.ct("col.kind"), self.ct("col.a"),
                          self.ct("col.b")], rows, widths=(40, 24, 18, 18))
        return Section(self.ct("s.regressions"), (self.ct("s.regressions_some"),), (table,))

    def capacity_plot(self) -> Chart | Section:
        from .plots import capacity_before_after

        fig = capacity_before_after(self.comparison, self.ct)
        if fig is None:
            return Section("", (self.ct("o.not_measured"),))
        return Chart(fig, self.ct("p.alt_capacity"))

    def latency_plot(self) -> Chart | Section:
        from .plots import latency_before_after

        fig = latency_before_after(self.comparison, self.ct)
        if fig is None:
            return Section("", (self.ct("o.not_measured"),))
        return Chart(fig, self.ct("p.alt_latency"))

    def blocks(self) -> tuple:
        return (self.intro(), self.criteria(), self.capacity(), self.capacity_plot(),
                self.latency(), self.latency_plot(), self.times(), self.availability(),
                self.other(), self.regressions())

    def _repr_html_(self) -> str:
        return "".join(b._repr_html_() for b in self.blocks())


def comparison_report(comparison: Comparison, lang: str, tz) -> ComparisonReport:
    return ComparisonReport(comparison, texts_for(lang, tz))


def open_comparison(a=None, b=None, *, params_a=None, params_b=None, criteria=None,
                    lang: str | None = None) -> ComparisonReport:
    """The comparison of ``b`` with the reference ``a`` (run directories or campaign files;
    ``None``: the embedded demo campaign), in ``lang`` (default: A's campaign language), for
    the comparison notebook: one call per section on what this returns."""
    from ..errors import ParameterError
    from ..paths import DEMO_CAMPAIGN
    from .model import compare_analyses
    from .params import load_criteria
    from .sides import load_side

    crit = load_criteria(criteria)
    side_a = load_side(a if a not in (None, "") else DEMO_CAMPAIGN, params_a, which="A")
    side_b = load_side(b if b not in (None, "") else DEMO_CAMPAIGN, params_b, which="B")
    c = compare_analyses(side_a.analysis, side_b.analysis, crit, a_label=side_a.label,
                         b_label=side_b.label)
    camp = side_a.campaign.campaign
    chosen = lang or camp.language
    if chosen not in ("fr", "en"):
        raise ParameterError("lang", [("lang", f"{chosen!r}: expected fr or en")])
    return comparison_report(c, chosen, camp.tz)


def write_document(comparison: Comparison, out_dir: str | os.PathLike, *, langs=("fr", "en"),
                   tz=timezone.utc, pdf: bool = True, now: datetime | None = None,
                   client: str = "") -> Path:
    """Write ``comparaison-<lang>.html`` (and ``.pdf``) for every language into a new
    directory ``out_dir`` (built in a hidden sibling and renamed; never overwritten)."""
    from ..errors import Mm2ReportError, OutputError, ParameterError
    from ..outputs import describe, publish_dir, remove_stale_partials, staged
    from ..redact import redact_file_text
    from ..documents.report import chromium, page, pdf_tools, print_pdf

    out = Path(out_dir)
    if out.exists():
        raise ParameterError(str(out), [("--report", "already exists; nothing is overwritten")])
    browser = chromium() if pdf else None
    if pdf and (browser is None or not pdf_tools()):
        raise Mm2ReportError("PDF needs the Debian chromium and poppler-utils packages, or use "
                             "--no-pdf")
    now = now or datetime.now(timezone.utc)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(describe("the comparison", out.parent, exc)) from None
    remove_stale_partials(out.parent, f".{out.name}.partial-*")  # of a killed process
    staging = out.with_name(f".{out.name}.partial-{os.getpid()}")
    with staged("the comparison", staging):
        staging.mkdir()
        for lang in langs:
            rep = comparison_report(comparison, lang, tz)
            ct = rep.ct
            date = ct.t.dt(now)
            title = ct("title")
            running = f"{client} — {comparison.a_campaign} / {comparison.b_campaign} — {date}"
            cover = (f"<header class=\"cover\"><div class=\"client\">{html.escape(client)}</div>"
                     f"<h1>{html.escape(title)}</h1><div class=\"meta\">A : "
                     f"{html.escape(comparison.a_label)} · B : {html.escape(comparison.b_label)}"
                     f" · {html.escape(ct('generated', date=date))}</div></header>")
            target = staging / f"comparaison-{lang}.html"
            target.write_text(redact_file_text(page(title, cover + rep._repr_html_(), lang=lang,
                                                    running=running, page_label="Page")),
                              encoding="utf-8")
            if browser:
                print_pdf(target, target.with_suffix(".pdf"), browser)
        try:
            publish_dir(staging, [out.name])  # never replaces a directory made meanwhile
        except FileExistsError:
            raise ParameterError(str(out), [("--report", "already exists; nothing is "
                                                         "overwritten")]) from None
    return out


__all__ = ["ComparisonReport", "comparison_report", "open_comparison", "write_document"]
