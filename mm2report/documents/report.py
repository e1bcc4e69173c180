"""``mm2report report``: the deliverables of a run, as self-contained HTML and A4 PDF.

Reads only the run's ``results.json`` files (combined with
:func:`~mm2report.results.combine_run`), the campaign parameters and the action plan; writes
``<run>/deliverables-<lang>/`` (built in a hidden directory and renamed; an earlier build is
never overwritten): one HTML and one PDF per document and an ``index.html`` linking them and
the phase reports. PDFs are printed by the Debian ``chromium`` in headless mode: nothing is
downloaded, page size A4, page numbers and the campaign name and date on every page.
"""

from __future__ import annotations

import html
import os
import re
import shutil
import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from ..errors import Mm2ReportError, OutputError, ParameterError
from ..outputs import (new_partial_dir, numbered, publish_dir, remove_stale_partials, staged,
                       writing)
from ..paths import NOTEBOOKS, OUTPUTS
from ..redact import redact_file_text, register_campaign, scrub_tree
from ..verdicts import decision_word

CSS = """
@page { size: A4; margin: 20mm 14mm 18mm;
  @top-left { content: var(--running); font: 8pt 'DejaVu Sans', sans-serif; color: #555; }
  @bottom-right { content: var(--page-label) " " counter(page) " / " counter(pages);
                  font: 8pt 'DejaVu Sans', sans-serif; color: #555; } }
html { font-family: 'DejaVu Sans', 'Liberation Sans', Arial, sans-serif; font-size: 10pt;
       color: #1d2733; }
body { max-width: 190mm; margin: 0 auto; padding: 8mm 0; }
header.cover { border-bottom: 3px solid #0072B2; margin-bottom: 6mm; padding-bottom: 3mm; }
header.cover .client { font-size: 9pt; color: #555; text-transform: uppercase; letter-spacing: .06em; }
header.cover h1 { font-size: 19pt; margin: 1mm 0 1mm; color: #0b2f4f; }
header.cover .meta { font-size: 9pt; color: #444; }
h1 { font-size: 15pt; color: #0b2f4f; margin: 5mm 0 2mm; }
h2 { font-size: 12.5pt; color: #0b2f4f; margin: 6mm 0 2mm; border-bottom: 1px solid #d5dbe1;
     padding-bottom: 1mm; }
h3 { font-size: 10.5pt; margin: 4mm 0 1.5mm; }
p { margin: 1.5mm 0; line-height: 1.35; }
table { border-collapse: collapse; width: 100%; margin: 2mm 0 4mm; font-size: 8.6pt; }
th { background: #eef2f6; text-align: left; font-weight: 600; }
th, td { border-bottom: 1px solid #d5dbe1; padding: 1.2mm 1.6mm; vertical-align: top;
          overflow-wrap: normal; word-break: normal; hyphens: manual; }
.nobr, .badge { white-space: nowrap; }
.badge { font-size: 7.8pt; letter-spacing: .01em; }
tr, figure, img, table.keep { break-inside: avoid; page-break-inside: avoid; }
h1, h2, h3 { break-after: avoid; page-break-after: avoid; }
figure { margin: 2mm 0 4mm; }
img { max-width: 100%; }
.small { font-size: 8pt; color: #555; }
nav.index li { margin: 1mm 0; }
@media screen { body { padding: 10mm 6mm; } }
"""


@dataclass
class ReportBuild:
    path: Path
    documents: list[str]
    pdf: bool
    decision: str


def find_run(parent: Path, run: str | None) -> Path:
    """``run``: a run id, a path, or None for the latest complete run."""
    if run is None:
        latest = find_latest(parent)
        if latest is None:
            raise ParameterError(str(parent), [("--run", "no complete run yet: run `mm2report run` "
                                                          "first")])
        return latest
    path = Path(run)
    if not path.is_absolute() and not path.exists():
        path = parent / run
    if not path.exists():
        raise ParameterError(str(path), [("--run", "does not exist")])
    if not (path / "run.json").exists():
        raise ParameterError(str(path), [("--run", "not a run directory (no run.json)")])
    if path.name.endswith("-failed"):
        raise ParameterError(str(path), [("--run", "this run failed; its results are incomplete")])
    return path


def page(title: str, body: str, *, lang: str, running: str, page_label: str) -> str:
    esc = html.escape
    root = (f":root {{ --running: \"{running.replace(chr(34), '')}\"; "
            f"--page-label: \"{page_label}\"; }}")
    return (f"<!DOCTYPE html>\n<html lang=\"{lang}\"><head><meta charset=\"utf-8\">"
            f"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>{esc(title)}</title><style>{root}{CSS}</style></head>"
            f"<body>{body}</body></html>\n")


def chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def pdf_tools() -> bool:
    """poppler-utils' pdfinfo and pdftotext, which check every PDF printed."""
    return all(shutil.which(name) for name in ("pdfinfo", "pdftotext"))


def print_pdf(html_file: Path, pdf_file: Path, browser: str) -> int:
    """Headless Chromium: A4 from the page's CSS, no browser header or footer; then
    :func:`check_pdf`. Chromium's profile and cache go to a temporary directory removed
    afterwards, never next to the deliverables. Returns the number of pages."""
    with tempfile.TemporaryDirectory(prefix="mm2report-chromium-",
                                     ignore_cleanup_errors=True) as profile:
        cmd = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer",
               "--run-all-compositor-stages-before-draw", "--no-first-run",
               f"--user-data-dir={profile}", f"--print-to-pdf={pdf_file}",
               html_file.resolve().as_uri()]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120,
                              env={**os.environ, "HOME": profile, "XDG_CONFIG_HOME": profile,
                                   "XDG_CACHE_HOME": profile})
    if proc.returncode != 0 or not pdf_file.exists():
        last = (proc.stderr.strip().splitlines() or [f"exit code {proc.returncode}"])[-1]
        raise Mm2ReportError(f"chromium could not print {html_file.name}: {last[-300:]}")
    return check_pdf(pdf_file)


def check_pdf(pdf_file: Path) -> int:
    """Raise :class:`OutputError` unless ``pdf_file`` is a whole printed deliverable: poppler
    reads it, it has at least one page, and page *i* of *n* carries its footer ``i / n``
    (written by the page's CSS counters). A PDF cut short by a full disk, or empty, fails
    even when Chromium exited 0. Returns the number of pages."""
    def bad(why: str) -> OutputError:
        full = shutil.disk_usage(pdf_file.parent).free < 1024 * 1024
        return OutputError(f"cannot write the deliverables: {pdf_file}: {why}"
                           + ("; the disk is full" if full else ""))

    if pdf_file.stat().st_size == 0:
        raise bad("the PDF is empty")
    info = subprocess.run(["pdfinfo", str(pdf_file)], capture_output=True, text=True, timeout=60)
    found = re.search(r"^Pages:\s+(\d+)", info.stdout, re.M)
    if info.returncode != 0 or not found or int(found.group(1)) < 1:
        reason = (info.stderr.strip().splitlines() or ["no page"])[-1]
        raise bad(f"the PDF cannot be read ({reason})")
    pages = int(found.group(1))
    text = subprocess.run(["pdftotext", "-layout", str(pdf_file), "-"], capture_output=True,
                          text=True, timeout=60)
    texts = text.stdout.replace("\u202f", " ").replace("\u00a0", " ").split("\f")
    missing = [i for i in range(1, pages + 1)
               if i > len(texts) or not re.search(rf"\b{i} / {pages}\b", texts[i - 1])]
    if text.returncode != 0 or missing:
        raise bad(f"page {missing[0] if missing else 1} of {pages} is incomplete")
    return pages


@dataclass
class Deliverables:
    """The five documents of a run, in one language; each displays itself in Jupyter."""

    campaign: object
    run_dir: Path | None
    analysis: object
    decision: object
    texts: object
    documents: list
    generated: datetime

    def document(self, key: str):
        return next(d for d in self.documents if d.key == key)

    def sheet(self):
        return self.document("fiche-technique")

    def sla(self):
        return self.document("conformite-sla")

    def decision_record(self):
        return self.document("decision-go-nogo")

    def summary(self):
        return self.document("synthese")

    def plan(self):
        return self.document("plan-action")


def open_deliverables(campaign=None, run: str | None = None, *, lang: str | None = None,
                      outputs: str | os.PathLike | None = None,
                      now: datetime | None = None, week=None) -> Deliverables:
    """The deliverables of ``run`` (default: the latest complete run of the campaign).

    With no campaign (the embedded demo) and no run yet, the phases are analysed here from the
    demo snapshot: the same results a run would write (a test proves the equality)."""
    from . import plots
    from ..actions import load_plan, production_decision
    from .deliverables import (decision_document, plan_document, sheet_document, sla_document,
                               summary_document, weekly_document)
    from .notebook import Chart, campaign_texts, resolve_campaign
    from .results import RESULTS_FILE, combine_run, read_results

    demo = campaign in (None, "")
    camp = resolve_campaign(campaign)
    t = campaign_texts(camp, lang)
    parent = Path(outputs or OUTPUTS).resolve() / camp.campaign.name
    run_dir = find_run(parent, run) if run is not None or not demo else find_latest(parent)
    if run_dir is not None:
        results = [read_results(p / RESULTS_FILE) for p in sorted(run_dir.iterdir())
                   if (p / RESULTS_FILE).exists()]
        if not results:
            raise ParameterError(str(run_dir), [("results.json", "none in this run")])
        analysis = combine_run(camp, results)
    else:
        from ..evaluate import evaluate
        from ..sources import open_source

        with open_source(camp) as source:
            analysis = evaluate(camp, source)
    plan = load_plan(camp.action_plan) if camp.action_plan else None
    decision = production_decision(analysis.decision.go, analysis.decision.reason, plan)
    now = now or datetime.now(timezone.utc)
    timeline = Chart(plots.availability_timeline(analysis, t), t("l.availability"))
    gantt = Chart(plots.gantt(plan, t, now.astimezone(t.tz).date()), t("d.gantt")) if plan else None
    today = now.astimezone(t.tz).date()
    docs = [sheet_document(t, camp, analysis),
            sla_document(t, camp, analysis, timeline),
            decision_document(t, camp, analysis, plan, decision, today=today),
            summary_document(t, camp, analysis, plan, decision, today=today),
            plan_document(t, plan, decision, gantt, today=today)]
    if plan is not None:  # seed 001 §6.3, for the week asked (default: this one)
        docs.append(weekly_document(t, plan, week or today))
    return Deliverables(camp, run_dir, analysis, decision, t, docs, now)


def parse_week(text: str, source: str = "--week"):
    """``2026-W48`` (an ISO week) or a date of that week → the week's Monday."""
    from datetime import date

    m = re.fullmatch(r"(\d{4})-W(\d{1,2})", text.strip())
    try:
        if m:
            return date.fromisocalendar(int(m[1]), int(m[2]), 1)
        return date.fromisoformat(text.strip())
    except ValueError:
        pass
    raise ParameterError(source, [("--week", f"{text!r}: expected an ISO week such as 2026-W48 "
                                             "or a date such as 2026-11-23")])


def find_latest(parent: Path) -> Path | None:
    from ..run import list_runs

    runs = list_runs(parent)
    return runs[-1] if runs else None


def build_report(params: str | os.PathLike, run: str | None = None, *, lang: str | None = None,
                 outputs: str | os.PathLike | None = None, pdf: bool = True,
                 now: datetime | None = None, week: str | None = None) -> ReportBuild:
    from ..params import load_campaign

    campaign = load_campaign(params)
    register_campaign(campaign)
    browser = chromium() if pdf else None
    if pdf and (browser is None or not pdf_tools()):
        raise Mm2ReportError("PDF needs the Debian chromium and poppler-utils packages (apt-get "
                             "install chromium poppler-utils: poppler checks every PDF), or use "
                             "--no-pdf")
    if lang is not None and lang not in ("fr", "en"):
        raise ParameterError(str(params), [("--lang", f"{lang!r}: expected fr or en")])
    week_day = parse_week(week, str(params)) if week is not None else None
    parent = Path(outputs or OUTPUTS).resolve() / campaign.campaign.name
    run_dir = find_run(parent, run)
    built = open_deliverables(campaign, str(run_dir), lang=lang, outputs=outputs, now=now,
                              week=week_day)
    t, docs, decision = built.texts, built.documents, built.decision
    language = t.lang
    date_text = t.dt(built.generated)

    base = f"deliverables-{language}"
    with writing("the deliverables", run_dir):
        remove_stale_partials(run_dir)  # of a report killed before it finished
        staging = new_partial_dir(run_dir, base)
    with staged("the deliverables", staging):
        running = f"{campaign.campaign.client or ''} — {campaign.campaign.name} — {date_text}"
        page_label = "Page"  # the same word in French and English
        files = []
        for doc in docs:
            cover = (f"<header class=\"cover\"><div class=\"client\">"
                     f"{html.escape(campaign.campaign.client or '')}</div>"
                     f"<h1>{html.escape(doc.title)}</h1><div class=\"meta\">"
                     f"{html.escape(t('l.campaign'))} {html.escape(campaign.campaign.name)} · "
                     f"{html.escape(t('d.generated', date=date_text))} · "
                     f"run {html.escape(run_dir.name)}</div></header>")
            body = cover + "".join(b._repr_html_() for b in doc.blocks)
            target = staging / f"{doc.key}.html"
            target.write_text(redact_file_text(page(doc.title, body, lang=language,
                                                    running=running, page_label=page_label)),
                              encoding="utf-8")
            files.append(target)
        if browser:
            with ThreadPoolExecutor(max_workers=3) as pool:
                list(pool.map(lambda f: print_pdf(f, f.with_suffix(".pdf"), browser), files))
        links = "".join(
            f"<li><a href=\"{d.key}.html\">{html.escape(d.title)}</a>"
            + (f" · <a href=\"{d.key}.pdf\">PDF</a>" if browser else "") + "</li>" for d in docs)
        phase_links = "".join(
            f"<li><a href=\"../{name}/{name}.html\">{html.escape(t(f'phase.{phase}'))}</a></li>"
            for phase, name in NOTEBOOKS.items() if (run_dir / name / f"{name}.html").exists())
        from .deliverables import decision_reason

        verdict = (t("d.go_text") if decision.go else
                   t("d.nogo_text", reason=decision_reason(t, built.analysis, decision)))
        index = (f"<header class=\"cover\"><div class=\"client\">"
                 f"{html.escape(campaign.campaign.client or '')}</div>"
                 f"<h1>{html.escape(t('d.index'))} — {html.escape(campaign.campaign.name)}</h1>"
                 f"<div class=\"meta\">{html.escape(t('d.generated', date=date_text))} · run "
                 f"{html.escape(run_dir.name)}</div></header><p><strong>{html.escape(verdict)}"
                 f"</strong></p><nav class=\"index\"><ul>{links}</ul><h2>"
                 f"{html.escape(t('d.phase_reports'))}</h2><ul>{phase_links}</ul></nav>")
        (staging / "index.html").write_text(page(t("d.index"), index, lang=language,
                                                 running=running, page_label=page_label),
                                            encoding="utf-8")
        scrub_tree(staging)
        # the first free name when renamed: two reports of one run at once both succeed
        final = publish_dir(staging, numbered(base))
    return ReportBuild(final, [d.key for d in docs], bool(browser),
                       f"{decision_word(decision.go)} ({decision.reason})")


__all__ = ["Deliverables", "ReportBuild", "build_report", "find_run", "open_deliverables",
           "print_pdf"]
