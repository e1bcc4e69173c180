"""Report language: French (default) or English labels, numbers and dates.

Numbers and dates follow the locale through babel (``12 345,6`` and ``21/11/2026 14:05`` in
French, ``12,345.6`` and ``2026-11-21 14:05`` in English); times are shown in the campaign's
time zone. Every label a reader sees goes through :class:`Texts`, from the gettext catalogue
``mm2report`` (:mod:`mm2report.catalogues`: English in ``mm2report/locale/mm2report.pot``, French
in ``mm2report/locale/fr/LC_MESSAGES/mm2report.po``), so a missing translation is a ``KeyError``
in the tests, never a half-translated page.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Literal

import pandas as pd
from babel.dates import format_datetime
from babel.numbers import format_decimal, format_percent

from ..catalogues import SOURCE_LANG, messages

Lang = Literal["fr", "en"]
LANGS: tuple[str, ...] = ("fr", "en")

CATALOGUE = messages("mm2report", tuple(lang for lang in LANGS if lang != SOURCE_LANG))
# key: (French, English), read-only: for the callers that ask whether a key exists or list them
MESSAGES = CATALOGUE.pairs("fr")


#: the analyses' notes the catalogue words, by their English text (:meth:`Texts.note`)
NOTES = {"capacity phase not run": "n.no_capacity_phase",
         "latency phase not run": "n.no_latency_phase",
         "no baseline window in the latency phase": "n.no_baseline",
         "no burst injected": "n.no_burst",
         "no worker event injected": "n.no_worker_event"}

_UNITS = {("fr", "records/s"): "msg/s", ("fr", "records"): "msg", ("fr", "days"): "j",
          ("fr", "bytes"): "o", ("en", "bytes"): "B"}


def _fmt_tz(tz: tzinfo) -> str:
    return str(getattr(tz, "key", tz))


@dataclass(frozen=True)
class Texts:
    """Labels, numbers and dates in one language and time zone."""

    lang: Lang
    tz: tzinfo

    def __call__(self, key: str, **values) -> str:
        text = CATALOGUE.text(key, self.lang)
        return text.format(**values) if values else text

    @property
    def locale(self) -> str:
        return "fr_FR" if self.lang == "fr" else "en_GB"

    @property
    def tz_name(self) -> str:
        return _fmt_tz(self.tz)

    def num(self, value: float | None, digits: int = 0, unit: str = "") -> str:
        if value is None or (isinstance(value, float) and not math.isfinite(value)):
            return "—"
        pattern = "#,##0" + ("." + "0" * digits if digits else "")
        text = format_decimal(value, format=pattern, locale=self.locale)
        return f"{text}\u00a0{unit}" if unit else text

    def sig(self, value: float | None, unit: str = "") -> str:
        """A measured value with sensible precision: integers above 100, 3 significant digits."""
        if value is None or not math.isfinite(value):
            return "—"
        return self.num(value, self.sig_digits(value), unit)

    @staticmethod
    def sig_digits(value: float) -> int:
        """The decimals :meth:`sig` writes ``value`` with."""
        a = abs(value)
        return 0 if a >= 100 or a == int(a) else (1 if a >= 10 else (2 if a >= 1 else 3))

    def pct(self, value: float | None, digits: int = 4) -> str:
        """``value`` in percent (99.9886 → "99,9886 %")."""
        if value is None or not math.isfinite(value):
            return "—"
        return format_percent(value / 100, format="#,##0." + "0" * digits + "\u00a0%",
                              locale=self.locale)

    def ratio(self, value: float | None, digits: int = 1) -> str:
        return "—" if value is None or not math.isfinite(value) else self.pct(value * 100, digits)

    def dt(self, moment: datetime | pd.Timestamp | None, seconds: bool = False) -> str:
        if moment is None or pd.isna(moment):
            return "—"
        moment = pd.Timestamp(moment).to_pydatetime()
        pattern = "dd/MM/yyyy HH:mm" if self.lang == "fr" else "yyyy-MM-dd HH:mm"
        return format_datetime(moment, pattern + (":ss" if seconds else ""), tzinfo=self.tz,
                               locale=self.locale)

    def day(self, value) -> str:
        """A calendar date: 21/11/2026 (fr), 2026-11-21 (en)."""
        if value is None:
            return "—"
        from babel.dates import format_date

        return format_date(value, "dd/MM/yyyy" if self.lang == "fr" else "yyyy-MM-dd",
                           locale=self.locale)

    def duration(self, seconds: float | None) -> str:
        """``95`` → "1 min 35 s"; hours above an hour."""
        if seconds is None or not math.isfinite(seconds):
            return "—"
        if seconds < 0:  # e.g. an incident seen before its event was declared
            return "-" + self.duration(-seconds)
        s = int(round(seconds))
        h, rem = divmod(s, 3600)
        m, sec = divmod(rem, 60)
        if h:
            return f"{h}\u00a0h {m:02d}\u00a0min" if m else f"{h}\u00a0h"
        if m:
            return f"{m}\u00a0min {sec:02d}\u00a0s" if sec else f"{m}\u00a0min"
        return f"{sec}\u00a0s"

    def yesno(self, value: bool | None) -> str:
        return self("l.unknown_value") if value is None else self("l.yes" if value else "l.no")

    def status(self, status) -> str:
        return self(f"s.{getattr(status, 'value', status)}")

    def go(self, status) -> str:
        """A GO/NOGO criterion's verdict: GO, NOGO, or NOGO — inconclusive."""
        return self(f"go.{getattr(status, 'value', status)}")

    def criterion(self, verdict) -> str:
        key = f"c.{verdict.id}"
        if key in MESSAGES:
            return self(key)
        if verdict.id.endswith("-loss"):
            return self("c.loss")
        return verdict.title

    def op(self, op: str) -> str:
        return {"<": "<", "<=": "≤", ">": ">", ">=": "≥", "==": "="}.get(op, op)

    def quantity(self, value: float | None, unit: str) -> str:
        if value is None:
            return "—"
        if unit == "s":
            return self.duration(value)
        if unit == "%":
            return self.pct(value)
        return self.sig(value, self.unit(unit))

    def unit(self, unit: str) -> str:
        """A unit as this language writes it (records/s → msg/s in French)."""
        return _UNITS.get((self.lang, unit), unit)

    def part_title(self, v) -> str:
        import re

        m = re.match(r"^incident (\d+) \((\w+)\) restored within RTO$", v.title)
        if m:
            return self("vt.incident", n=m.group(1), kind=self.event(m.group(2)))
        m = re.match(r"^scenario (\d+) \((.*)\)(: no record lost| observed)$", v.title)
        if m:
            key = "vt.scenario_loss" if m.group(3).startswith(":") else "vt.scenario"
            return self(key, n=m.group(1), name=m.group(2))
        key = f"vt.{v.title}"
        return self(key) if key in MESSAGES else self.criterion(v)

    def threshold(self, v) -> str:
        """A verdict's threshold in this language ("< 300 s per incident" → "< 5 min par
        incident", "manual item 'x' done" → "élément manuel « x » fait")."""
        import re

        text = v.threshold or ""
        m = re.match(r"^manual item '(.+)' done$", text)
        if m:  # the item as the checklist names it, not its identifier
            return self("t.manual", item=self.item(m.group(1)))
        if self.lang == "en" or not text:
            return text
        m = re.match(r"^([<>]=?|==|=)\s*([-+]?\d+(?:\.\d+)?)\s*(.*?)( per incident)?$", text)
        if m:
            op = "=" if m.group(1) in ("=", "==") else self.op(m.group(1))
            out = f"{op} {self.quantity(float(m.group(2)), m.group(3))}"
            return out + (f" {self('t.per_incident')}" if m.group(4) else "")
        key = {"a sustained step": "t.sustained",
               "all expected rules loaded and healthy": "t.rules"}.get(text)
        return self(key) if key else text

    def reason(self, v) -> str:
        """A verdict's reason in this language, from its key and arguments (English keeps the
        reason as the library wrote it; a verdict without a key keeps it too)."""
        if v.key in ("manual.missing", "manual.not_done", "manual.na") and "item" in dict(v.args):
            return self(f"r.{v.key}", item=self.item(dict(v.args)["item"]))
        if self.lang == "en" or not v.key:
            return v.reason
        a = dict(v.args)
        unit = a.get("unit") or v.unit
        if v.key == "combined":
            failed = [p for p in v.parts if p.status.value == "FAIL"]
            unsure = [p for p in v.parts if p.status.value == "INCONCLUSIVE"]
            shown = failed or unsure or list(v.parts)
            out = []
            for part in shown:  # as the English: a part whose reason starts with its title
                title, text = self.part_title(part), self.reason(part)
                out.append(text if text.startswith(title) else f"{title} : {text}")
            return " ; ".join(out)
        if v.key.startswith("cmp."):
            threshold = f"{self.op(a.get('op', ''))} {self.quantity(a.get('limit'), unit)}"
            return self(f"r.{v.key}", value=self.quantity(a.get("value"), unit),
                        threshold=threshold, pct=self.ratio(a.get("completeness"), 1),
                        why=a.get("why", ""))
        if v.key in ("alerts.noapi", "alerts.noexpected", "lat.probe"):
            inner = self.reason(v.parts[0]) if v.parts else ""
            return self(f"r.{v.key}", inner=inner, upper=self.quantity(a.get("upper"), "ms"))
        if v.key == "lat.unbounded":
            return self("r.lat.unbounded", upper=self.quantity(a.get("upper"), "ms"))
        if v.key == "alerts.problems":
            return " ; ".join(self(f"r.alerts.{k}", names=a[k]) for k in
                              ("absent", "broken", "unevaluated") if a.get(k))
        if v.key == "manual.done":
            by = " " + self("r.manual.by", by=a["by"]) if a.get("by") else ""
            return self("r.manual.done", date=self.day(pd.Timestamp(a["date"]).tz_convert(self.tz).date()),
                        by=by, proof=a.get("proof") or "")
        values = {k: val for k, val in a.items()}
        for k in ("n",):
            if isinstance(values.get(k), float):
                values[k] = self.num(values[k])
        for k in ("down", "unknown", "worst", "bound"):
            if isinstance(values.get(k), float):
                values[k] = self.duration(values[k])
        if "completeness" in values:
            values["pct"] = self.ratio(values["completeness"], 1)
        if v.key == "cap.pass":
            values["max"] = self.quantity(a.get("max"), "records/s")
            values["rec"] = self.quantity(a.get("rec"), "records/s")
        if v.key == "absent":
            values["name"] = self(f"phase.{a['name']}") if f"phase.{a.get('name')}" in MESSAGES else a.get("name")
        return self(f"r.{v.key}", **values)

    def cause(self, cause: str) -> str:
        """An incident's cause ("tasks+stall" → "tâches arrêtées + réplication bloquée")."""
        return " + ".join(self(f"cause.{c}") if f"cause.{c}" in MESSAGES else c
                          for c in cause.split("+") if c) or "—"

    def trend(self, metric: str) -> str:
        return self(f"tr.{metric}") if f"tr.{metric}" in MESSAGES else metric

    def note(self, note: str) -> str:
        """A note of the analyses in this language when the catalogue has it."""
        import re

        if note in NOTES:
            return self(NOTES[note])
        if note.startswith("lost and duplicates are the net of each partition"):
            return self("n.loss_net")
        if m := re.fullmatch(r"every step was sustained: the ceiling lies above the highest "
                             r"tested load(?: \(([\d,]+) records/s\))?", note):
            top = m[1] and self.num(float(m[1].replace(",", "")), 0, self.unit("records/s"))
            return self("n.ceiling_above") + (f" ({top})" if top else "")
        return note

    def step_reason(self, reason: str) -> str:
        """Why a capacity step was not sustained, with this language's numbers."""
        import re

        def number(text: str) -> float:
            return float(text.replace(",", ""))

        if m := re.fullmatch(r"only (\d+)% of the readings", reason):
            return self("cap.r.partial", pct=self.ratio(number(m[1]) / 100, 0))
        if m := re.fullmatch(r"replicated ([\d.]+)% of offered \(< (\d+)%\)", reason):
            return self("cap.r.ratio", ratio=self.ratio(number(m[1]) / 100, 1),
                        limit=self.ratio(number(m[2]) / 100, 0))
        if m := re.fullmatch(r"lag grew by ([\d,]+) records", reason):
            return self("cap.r.lag_grew", n=self.num(number(m[1]), 0, self.unit("records")))
        if m := re.fullmatch(r"latency p99 ([\d,]+) ms over the SLO", reason):
            return self("cap.r.latency", value=self.num(number(m[1]), 0, "ms"))
        key = {"lag not measured": "cap.r.lag_unknown",
               "latency not measured": "cap.r.latency_unknown"}.get(reason)
        return self(key) if key else reason

    def item(self, item_id: str) -> str:
        """A checklist item by its label ("rollback_tested" → "Rollback testé")."""
        return self(f"ck.{item_id}") if f"ck.{item_id}" in MESSAGES else item_id

    def event(self, kind: str) -> str:
        return self(f"e.{kind}") if f"e.{kind}" in MESSAGES else kind


def texts(lang: str, tz: tzinfo) -> Texts:
    if lang not in LANGS:
        raise ValueError(f"language {lang!r}: expected one of {', '.join(LANGS)}")
    return Texts(lang, tz)  # type: ignore[arg-type]


__all__ = ["CATALOGUE", "LANGS", "Lang", "MESSAGES", "Texts", "texts"]
