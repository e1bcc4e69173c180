"""Layout defects of a printed deliverable, read from the PDF itself.

poppler's ``pdftotext -bbox-layout`` gives the box of every word as printed; the deliverable's
own HTML gives the words as written. From the two, :func:`layout_problems` lists what a reader
would stop at:

* two words printed over each other;
* a printed word the HTML does not hold: cut off at an edge, or glued to its neighbour;
* a word printed past the right margin;
* a word of a table that leaves its column (the columns of a table are where its header cells
  start: Chromium repeats the header on every page a table spans);
* a word broken across two lines without a hyphen of its own (``Verdic`` / ``t``), or an
  identifier broken at its own hyphen or underscore (``ACT-`` / ``001``, ``tasks_`` /
  ``running``): the two pieces make a word of the HTML that neither piece is;
* a line that goes on from the one above and starts with ``:``, ``;``, ``?``, ``!``, ``»``
  or a comparison sign, a line that ends with a comparison sign (``≤`` / ``5 000 ms``), a
  number and its unit on two lines (``7`` / ``j``).

Used by the tests on every document of a rendered campaign; needs ``pdftotext``.
"""

from __future__ import annotations

import html
import re
import subprocess
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path


@dataclass(frozen=True)
class Word:
    text: str
    x0: float
    y0: float
    x1: float
    y1: float


@dataclass(frozen=True)
class Line:
    page: int
    words: tuple[Word, ...]


@dataclass(frozen=True)
class Page:
    number: int
    width: float
    height: float
    lines: tuple[Line, ...]  # in the order poppler reads them
    blocks: tuple[tuple[Line, ...], ...]

    @property
    def words(self) -> list[Word]:
        return [w for line in self.lines for w in line.words]


def read_pdf(pdf: Path) -> list[Page]:
    """Pages, text blocks, lines and word boxes (points, origin top left) of ``pdf``."""
    out = subprocess.run(["pdftotext", "-bbox-layout", str(pdf), "-"], capture_output=True,
                         check=True, timeout=120).stdout.decode("utf-8")
    # poppler writes XHTML; its entities are the XML ones
    root = ET.fromstring(re.sub(r"<!DOCTYPE[^>]*>", "", out))
    ns = {"h": "http://www.w3.org/1999/xhtml"}
    pages = []
    for n, page in enumerate(root.iter(f"{{{ns['h']}}}page"), start=1):
        blocks, lines = [], []
        for block in page.iter(f"{{{ns['h']}}}block"):
            these = []
            for line in block.iter(f"{{{ns['h']}}}line"):
                words = tuple(Word(w.text or "", float(w.get("xMin")), float(w.get("yMin")),
                                   float(w.get("xMax")), float(w.get("yMax")))
                              for w in line.iter(f"{{{ns['h']}}}word"))
                if words:
                    these.append(Line(n, words))
            blocks.append(tuple(these))
            lines += these
        pages.append(Page(n, float(page.get("width")), float(page.get("height")), tuple(lines),
                          tuple(blocks)))
    return pages


# --------------------------------------------------------------------------------------------
# What the HTML says
# --------------------------------------------------------------------------------------------

_SPACES = re.compile(r"[\s\u00a0\u202f\u2009]+")


class _Html(HTMLParser):
    """The visible text of a deliverable and the header cells of each of its tables."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.tables: list[list[str]] = []
        self._skip = 0
        self._th: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag in ("style", "script", "title"):
            self._skip += 1
        elif tag == "table":
            self.tables.append([])
        elif tag == "th":
            self._th = []
        elif tag in ("td", "p", "li", "div", "br", "tr", "h1", "h2", "h3", "figure"):
            self.text.append(" ")

    def handle_endtag(self, tag):
        if tag in ("style", "script", "title"):
            self._skip -= 1
        elif tag == "th" and self._th is not None:
            self.tables[-1].append(" ".join(self._th))
            self._th = None
            self.text.append(" ")
        elif tag in ("td", "p", "li", "div", "tr", "h1", "h2", "h3"):
            self.text.append(" ")

    def handle_data(self, data):
        if self._skip:
            return
        self.text.append(data)
        if self._th is not None:
            self._th.append(data)


def html_words(page: str) -> tuple[set[str], list[list[str]]]:
    """The words of an HTML page (zero-width spaces removed: they only allow a break) and
    the header texts of its tables."""
    parser = _Html()
    parser.feed(page)
    text = "".join(parser.text).replace("\u200b", "").replace("\u00ad", "")
    words = set(_SPACES.split(html.unescape(text))) - {""}
    return words, [[_SPACES.sub(" ", h).replace("\u200b", "").strip() for h in t]
                   for t in parser.tables]


# --------------------------------------------------------------------------------------------
# The checks
# --------------------------------------------------------------------------------------------

_OPERATORS = ("≤", "≥", "<", ">", "=")
_NO_LINE_START = (":", ";", "?", "!", "»", *_OPERATORS)


def _overlap(a: Word, b: Word) -> bool:
    """Boxes that share more than a sliver (poppler's boxes of neighbours touch)."""
    dx = min(a.x1, b.x1) - max(a.x0, b.x0)
    dy = min(a.y1, b.y1) - max(a.y0, b.y0)
    return dx > 0.8 and dy > 0.35 * min(a.y1 - a.y0, b.y1 - b.y0)


def overlaps(pages: list[Page]) -> list[str]:
    found = []
    for page in pages:
        words = sorted(page.words, key=lambda w: w.x0)
        for i, a in enumerate(words):
            for b in words[i + 1:]:
                if b.x0 >= a.x1:
                    break
                if _overlap(a, b):
                    found.append(f"page {page.number}: {a.text!r} overprints {b.text!r}")
    return found


def broken_words(pages: list[Page], vocabulary: set[str]) -> list[str]:
    """A line's last word and the next line's first word, when together they make a word of
    the HTML and one of them alone is none."""
    found = []
    strip = ",.;:)»"
    for page in pages:
        for block in page.blocks:
            for above, below in zip(block, block[1:]):
                a, b = above.words[-1].text, below.words[0].text
                joined = (a + b).rstrip(strip)
                whole = {joined, a + b}
                alone = a.rstrip(strip) in vocabulary and b.rstrip(strip) in vocabulary
                if whole & vocabulary and not alone and not (a in vocabulary and b in vocabulary):
                    found.append(f"page {page.number}: {a!r} / {b!r} (one word: {joined!r})")
    return found


_UNITS = {"j", "h", "min", "s", "ms", "msg", "msg/s", "%", "pt", "o", "Mo", "days", "records",
          "records/s", "B", "MB"}
_NUMBER = re.compile(r"^[-+]?\d[\d\u202f,.]*$")


def bad_line_edges(pages: list[Page]) -> list[str]:
    """Lines that go on with a punctuation or comparison sign, end with a comparison sign, or
    end with a number whose unit starts the next line."""
    found = []
    for page in pages:
        for block in page.blocks:
            for above, below in zip(block, block[1:]):
                if (_NUMBER.match(above.words[-1].text)
                        and below.words[0].text.rstrip(",.;:)") in _UNITS):
                    found.append(f"page {page.number}: a number and its unit on two lines "
                                 f"({above.words[-1].text!r} / {below.words[0].text!r})")
    for page in pages:
        for n, line in ((n, ln) for block in page.blocks for n, ln in enumerate(block)):
            first, last = line.words[0].text, line.words[-1].text
            if n and first.startswith(_NO_LINE_START):  # a cell may start with "≤ 5 s" 
                found.append(f"page {page.number}: a line starts with {first!r} "
                             f"({' '.join(w.text for w in line.words[:6])})")
            if last in _OPERATORS:
                found.append(f"page {page.number}: a line ends with {last!r} "
                             f"({' '.join(w.text for w in line.words[-6:])})")
    return found


def _header_lines(page: Page, headers: list[str]) -> list[list[float]]:
    """Where the header row of a table is printed on ``page``: for each place, the left edge
    of every header cell (their first words share one top, left to right)."""
    firsts = [h.split()[0] if h.split() else "" for h in headers]
    if len(firsts) < 2 or "" in firsts:
        return []
    by_top: dict[float, list[Word]] = {}
    for w in page.words:
        by_top.setdefault(round(w.y0, 1), []).append(w)
    places = []
    for top, words in by_top.items():
        words = sorted(words, key=lambda w: w.x0)
        lefts, k = [], 0
        for w in words:
            # a header word broken across lines, or glued to the next header (it ran out of
            # its cell), still starts where its cell does
            if k < len(firsts) and w.text and (firsts[k].startswith(w.text)
                                               or w.text.startswith(firsts[k])):
                rest = w.text[len(firsts[k]):]
                lefts.append(w.x0)
                k += 1
                while rest and k < len(firsts) and rest.startswith(firsts[k]):
                    lefts.append(w.x0 + 0.01 * k)  # glued headers: the word runs out of its cell
                    rest = rest[len(firsts[k]):]
                    k += 1
        if k == len(firsts):
            places.append([top, *lefts])
    return places


_FOOTER = 18 / 25.4 * 72  # points: the page's bottom margin holds "Page n / N"


def outside_cells(pages: list[Page], tables: list[list[str]]) -> list[str]:
    """Words of a table body that run past the left edge of the next column (or of the page
    margin for the last one). A table runs from its header row down to the first line that
    starts left of its first column (text outside the table), the next header or the page end."""
    found = []
    pad = 2.0  # points: cell padding is 1.6 mm (4.5 pt) on each side
    for n, headers in enumerate(tables):  # a table left unchecked is a failure too
        if len(headers) > 1 and not any(_header_lines(page, headers) for page in pages):
            found.append(f"table {n + 1}: its header ({' | '.join(headers)}) is not printed "
                         f"as a row of cells")
    for page in pages:
        right = page.width - max(0.0, min(w.x0 for w in page.words)) + pad  # symmetric margins
        widest: dict[float, tuple] = {}  # a header row, matched by its widest table
        for headers in tables:
            for top, *lefts in _header_lines(page, headers):
                if len(lefts) > len(widest.get(top, ())) - 1:
                    widest[top] = (top, *lefts)
        places = sorted(widest.values())
        for n, (top, *lefts) in enumerate(places):
            bottom = places[n + 1][0] if n + 1 < len(places) else float("inf")
            edges = [*lefts[1:], right]
            for line in sorted(page.lines, key=lambda ln: ln.words[0].y0):
                if line.words[0].y0 > page.height - _FOOTER:  # the running footer
                    continue
                if not top - 0.5 <= line.words[0].y0 < bottom:
                    continue
                if line.words[0].x0 < lefts[0] - pad:  # text outside the table: it has ended
                    if line.words[0].y0 > top + 12:
                        bottom = line.words[0].y0
                    continue
                for w in line.words:
                    col = max(i for i, x in enumerate(lefts) if x - pad <= w.x0) \
                        if w.x0 >= lefts[0] - pad else 0
                    if w.x1 > edges[col] - pad + 0.5:
                        found.append(f"page {page.number}: {w.text!r} runs out of its column "
                                     f"{col + 1} ({w.x1:.0f} > {edges[col] - pad:.0f} pt)")
    return found


def outside_page(pages: list[Page]) -> list[str]:
    """Words printed past the right margin (the margins are symmetric) or off the page."""
    found = []
    for page in pages:
        left = min(w.x0 for w in page.words)
        for w in page.words:
            if w.x1 > page.width - left + 1.0 or w.y1 > page.height:
                found.append(f"page {page.number}: {w.text!r} runs past the margin "
                             f"({w.x1:.0f} > {page.width - left:.0f} pt)")
    return found


_MARGIN_TOP, _MARGIN_BOTTOM = 20 / 25.4 * 72, _FOOTER  # running header and footer (CSS @page)


def unknown_words(pages: list[Page], vocabulary: set[str]) -> list[str]:
    """Printed words the HTML does not hold: a word cut off at an edge ("lat" for "late"), or
    two words printed without the space between them ("CONCLUANTla"). The running header and
    footer (written by the page's CSS) are left out; capitals may be CSS's."""
    known = vocabulary | {w.upper() for w in vocabulary}
    found = []
    for page in pages:
        for block in page.blocks:
            for i, line in enumerate(block):
                if not _MARGIN_TOP <= line.words[0].y0 <= page.height - _MARGIN_BOTTOM:
                    continue
                for k, w in enumerate(line.words):
                    if w.text in known:
                        continue
                    if k == len(line.words) - 1 and i + 1 < len(block) \
                            and w.text + block[i + 1].words[0].text in known:
                        continue  # the first half of a word broken across lines
                    if k == 0 and i and block[i - 1].words[-1].text + w.text in known:
                        continue  # its second half
                    found.append(f"page {page.number}: {w.text!r} is not a word of the page "
                                 f"(cut off, or glued to its neighbour)")
    return found


def layout_problems(pdf: Path, html_file: Path) -> list[str]:
    """Everything above, for one printed deliverable and the HTML it was printed from."""
    pages = read_pdf(pdf)
    vocabulary, tables = html_words(html_file.read_text(encoding="utf-8"))
    return [*overlaps(pages), *outside_cells(pages, tables), *outside_page(pages),
            *unknown_words(pages, vocabulary), *broken_words(pages, vocabulary),
            *bad_line_edges(pages)]


__all__ = ["Line", "Page", "Word", "bad_line_edges", "broken_words", "html_words",
           "layout_problems", "outside_cells", "outside_page", "overlaps", "read_pdf",
           "unknown_words"]
