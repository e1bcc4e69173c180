"""The printed deliverables as a reader sees them, read back from the PDFs (poppler's word
boxes, :mod:`mm2report.documents.layout`): no overprinting, no word out of its table cell, no
word broken without a hyphen, no line starting with ':' ';' or '≤'; and in the text of every
document (deliverables and phase reports): no absolute path, no loopback address, and in French
no English template of the message catalogue.

One run of the demo, its deliverables rendered once per language (module fixture)."""

from __future__ import annotations

import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

from conftest import require_binaries
from mm2report.documents.i18n import MESSAGES
from mm2report.documents.layout import (bad_line_edges, broken_words, html_words,
                                        layout_problems, outside_cells, overlaps, read_pdf,
                                        unknown_words)

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "parameters" / "demo.yml"
DOCS = ("fiche-technique", "conformite-sla", "decision-go-nogo", "synthese", "plan-action")
CLI = [sys.executable, "-m", "mm2report.cli"]
pytestmark = pytest.mark.integration


def cli(*args):
    return subprocess.run([*CLI, *map(str, args)], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    """The demo run and its deliverables in French and in English."""
    require_binaries("chromium", "pdftotext")
    out = tmp_path_factory.mktemp("layout")
    r = cli("run", DEMO, "--outputs", out)
    assert r.returncode == 0, r.stderr
    for lang in ("fr", "en"):
        r = cli("report", DEMO, "--outputs", out, "--lang", lang)
        assert r.returncode == 0, r.stderr
    (run,) = [p for p in (out / "demo").iterdir() if p.is_dir()]
    return run


@pytest.mark.parametrize("lang", ["fr", "en"])
@pytest.mark.parametrize("doc", DOCS)
def test_no_layout_defect(rendered, doc, lang):
    d = rendered / f"deliverables-{lang}"
    problems = layout_problems(d / f"{doc}.pdf", d / f"{doc}.html")
    assert problems == []


# -- the checks themselves fail on what was seen (issue 14 §1) ---------------------------------

def _pdf_of(tmp_path: Path, body: str) -> tuple[Path, Path]:
    """A page printed by the same Chromium as the deliverables, with their table CSS."""
    require_binaries("chromium", "pdftotext")
    from mm2report.documents.report import chromium, page, print_pdf

    html_file = tmp_path / "page.html"
    html_file.write_text(page("t", body, lang="fr", running="x", page_label="Page"),
                         encoding="utf-8")
    pdf = tmp_path / "page.pdf"
    print_pdf(html_file, pdf, chromium())
    return pdf, html_file


def test_the_checks_catch_overprinting_cut_words_spilling_badges_and_line_starts(tmp_path):
    # the defects of the first GO/NOGO table, written as the old CSS let them print: a fixed
    # narrow column with a nowrap figure, a header cut anywhere, a badge wider than its cell
    body = ("<table style=\"table-layout:fixed;width:100%\"><colgroup><col style=\"width:8%\">"
            "<col style=\"width:8%\"><col style=\"width:84%\"></colgroup><thead><tr>"
            "<th style=\"overflow-wrap:anywhere\">Verdict</th><th>Mesuré</th><th>Justification"
            "</th></tr></thead><tbody><tr><td><span style=\"white-space:nowrap\">NON CONCLUANT"
            "</span></td><td style=\"white-space:nowrap\">11\u00a0002\u00a0msg/s</td>"
            "<td>un palier tenu</td></tr></tbody></table>"
            "<p>retard sous le seuil ≤<br>10 000 msg</p><p>le retard<br>: 0 msg</p>"
            "<p>en retard de 7<br>j</p>"
            # two cells' texts printed with no gap: poppler reads one word "CONCLUANTla"
            "<div style=\"display:flex\"><div>CONCLUANT</div><div>la campagne</div></div>")
    pdf, html_file = _pdf_of(tmp_path, body)
    pages = read_pdf(pdf)
    words, tables = html_words(html_file.read_text())
    assert overlaps(pages)  # the figure runs over "un palier tenu"
    assert any("runs out of its column" in p for p in outside_cells(pages, tables))
    assert any("'Verdict'" in p for p in broken_words(pages, words))
    edges = bad_line_edges(pages)
    assert any("ends with '≤'" in p for p in edges) and any("starts with ':'" in p for p in edges)
    assert any("'7' / 'j'" in p for p in edges)
    glued = unknown_words(pages, words)  # a badge running into the next cell's text
    assert any("'CONCLUANTla'" in p for p in glued), glued


def test_a_clean_table_passes(tmp_path):
    body = ("<table style=\"table-layout:fixed;width:100%\"><thead><tr><th>Critère</th>"
            "<th>Verdict</th></tr></thead><tbody><tr><td>Test de fumée réussi</td>"
            "<td>GO</td></tr></tbody></table><p>Une phrase courte.</p>")
    pdf, html_file = _pdf_of(tmp_path, body)
    assert layout_problems(pdf, html_file) == []


# -- text of every document ---------------------------------------------------------------

class _Text(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts, self._skip = [], 0

    def handle_starttag(self, tag, attrs):
        self._skip += tag in ("style", "script")
        self.parts.append(" ")

    def handle_endtag(self, tag):
        self._skip -= tag in ("style", "script")
        self.parts.append(" ")

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def visible(path: Path) -> str:
    parser = _Text()
    parser.feed(path.read_text(encoding="utf-8"))
    return re.sub(r"[\s\u00a0\u202f\u200b]+", " ", "".join(parser.parts))


def documents(run: Path, lang: str) -> list[Path]:
    """The deliverables of ``lang`` and, in French (the campaign's language), the phase reports."""
    docs = sorted((run / f"deliverables-{lang}").glob("*.html"))
    if lang == "fr":
        docs += sorted(p for p in run.glob("*/*.html") if not p.parent.name.startswith("deliv"))
    return docs


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_no_absolute_path_and_no_loopback_address_in_any_document(rendered, lang):
    docs = documents(rendered, lang)
    assert len(docs) >= (13 if lang == "fr" else 6)
    for doc in docs:
        text = visible(doc)
        pdf = doc.with_suffix(".pdf")
        if pdf.exists():
            text += subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True,
                                   text=True, check=True).stdout
        assert "127.0.0.1" not in text and "localhost" not in text, doc.name
        assert str(ROOT) not in text and str(rendered.parent.parent) not in text, doc.name
        assert not re.search(r"(?<![\w.])/(home|tmp|root|work|usr|var)/", text), doc.name


def _english_templates() -> list[str]:
    """The literal runs of the English catalogue that differ from the French one: each run
    between placeholders, of two words or more."""
    runs = set()
    for fr, en in MESSAGES.values():
        if fr == en:
            continue
        for chunk in re.split(r"\{[^}]*\}", en):
            chunk = " ".join(chunk.split()).strip(" .,;:()—-")
            if len(chunk.split()) >= 2 and chunk not in fr:
                runs.add(chunk)
    return sorted(runs)


def test_no_english_template_of_the_catalogue_in_a_french_document(rendered):
    templates = _english_templates()
    assert len(templates) > 100  # the catalogue is read, not an empty list
    found = []
    for doc in documents(rendered, "fr"):
        text = visible(doc)
        found += [f"{doc.name}: {t!r}" for t in templates
                  if re.search(rf"(?<!\w){re.escape(t)}(?!\w)", text)]
    assert found == []
