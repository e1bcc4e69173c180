"""What the phase notebooks display: Section / Table / Chart HTML, and every PhaseReport section
of the demo phases in French and English."""

from __future__ import annotations

import base64
import html
import dataclasses
import re
from datetime import datetime, timezone
from functools import lru_cache
from html.parser import HTMLParser
from zoneinfo import ZoneInfo

import matplotlib.text
import pytest
from matplotlib.figure import Figure

from mm2report.analyses.core import Evidence
from mm2report.documents.i18n import MESSAGES, Texts
from mm2report.documents.notebook import (NOTEBOOKS, Cell, Chart, PhaseReport, Section, Table,
                                          _BADGE, html_text, open_phase, verdict_table)
from mm2report.documents.results import RESULTS_FILE
from mm2report.errors import ParameterError
from mm2report.verdicts import Status, Verdict

FR = Texts("fr", ZoneInfo("Europe/Paris"))
EN = Texts("en", ZoneInfo("Europe/Paris"))
UTC = timezone.utc
METHODS = ("summary", "verdicts", "overview", "incidents", "loss", "latency", "latency_plot",
           "capacity", "capacity_plot", "stability", "heap_plot", "events", "errors")
CHARTS = {"overview", "latency_plot", "capacity_plot", "heap_plot"}
ALLOWED_TAGS = {"div", "style", "h1", "h2", "h3", "h4", "p", "table", "caption", "thead", "tbody",
                "tr", "th", "td", "span"}
XSS = "<script>alert('x')</script>"


class Tags(HTMLParser):
    def __init__(self, html: str):
        super().__init__()
        self.tags: list[str] = []
        self.attrs: list[tuple[str, dict]] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs.append((tag, dict(attrs)))


def badges(html: str) -> list[str]:
    return re.findall(r'<span class="badge"[^>]*>(.*?)</span>', html)


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    @lru_cache(maxsize=None)
    def get(phase: str, lang: str = "fr") -> PhaseReport:
        return open_phase(None, phase, output_dir=tmp_path_factory.mktemp(f"{phase}-{lang}"),
                          lang=lang)
    return get


@pytest.fixture(scope="module")
def shown(report):
    """What a section method returns, built once per phase, language and method."""
    @lru_cache(maxsize=None)
    def get(phase: str, lang: str, name: str):
        return getattr(report(phase, lang), name)()
    return get


# --------------------------------------------------------------------------------------------
# The displayable pieces
# --------------------------------------------------------------------------------------------


def test_section_escapes_every_text():
    table = Table.of(["<th>col"], [("<b>bold</b>", Cell("a & b", numeric=True))], caption="<cap>")
    section = Section("<h1>title", (XSS,), (table,), level=2, notes=("<i>note</i>",))
    html = section._repr_html_()
    assert "<script" not in html and "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html
    for raw, escaped in [("<h1>title", "&lt;h1&gt;title"), ("<th>col", "&lt;th&gt;col"),
                         ("<b>bold</b>", "&lt;b&gt;bold&lt;/b&gt;"), ("a & b", "a &amp; b"),
                         ("<cap>", "&lt;cap&gt;"), ("<i>note</i>", "&lt;i&gt;note&lt;/i&gt;")]:
        assert escaped in html
    assert set(Tags(html).tags) <= ALLOWED_TAGS
    assert html.startswith('<div class="mm2">') and html.endswith("</div>")
    assert "<h2>" in html
    # the plain text form is not escaped
    assert XSS in repr(section) and "a & b" in table.text()


def test_verdict_reason_is_escaped(report):
    bad = Verdict("1", "Smoke test passed", Status.FAIL, 12.5, "ms", "< 5 ms", XSS,
                  (Evidence("<q>", datetime(2026, 11, 16, 7, tzinfo=UTC),
                            datetime(2026, 11, 16, 7, 30, tzinfo=UTC), 15),))
    html = Section("v", (), (verdict_table(FR, [bad]),))._repr_html_()
    assert "<script" not in html and "&lt;script&gt;" in html and "&lt;q&gt;" in html
    assert set(Tags(html).tags) <= ALLOWED_TAGS

    # through a real report too
    real = report("smoke")
    results = dataclasses.replace(real.results, verdicts=(bad,))
    html = dataclasses.replace(real, results=results).verdicts()._repr_html_()
    assert "<script" not in html and "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html
    assert badges(html) == ["NON CONFORME"]


@pytest.mark.parametrize("status", list(Status))
def test_badge_per_status(status):
    fg, bg = _BADGE[status]
    html = Cell(FR.status(status), status=status).html()
    assert f'<span class="badge" style="color:{fg};background:{bg}">{FR.status(status)}</span>' in html
    assert html.startswith("<td") and html.endswith("</td>")


def test_badges_differ_and_plain_cells_have_none():
    assert len({_BADGE[s] for s in Status}) == len(Status) == len(_BADGE)
    assert "badge" not in Cell("plain").html()
    assert "text-align:right" in Cell("1", numeric=True).html()
    assert "text-align:left" in Cell("x").html()


@pytest.mark.parametrize("t, texts", [(FR, ["CONFORME", "NON CONFORME", "NON CONCLUANT"]),
                                      (EN, ["PASS", "FAIL", "INCONCLUSIVE"])])
def test_verdict_table_badges(t, texts):
    verdicts = [Verdict(str(n + 1), "t", s, None, "", "", "r") for n, s in enumerate(Status)]
    html = Section("v", (), (verdict_table(t, verdicts),))._repr_html_()
    assert badges(html) == texts
    styles = [a["style"] for tag, a in Tags(html).attrs if tag == "span"]
    assert styles == [f"color:{_BADGE[s][0]};background:{_BADGE[s][1]}" for s in Status]


def _check_chart_html(html: str, alt_escaped: str, heading: str = "") -> bytes:
    """``heading``: the section HTML expected before the figure (a notebook chart's title and
    guide), or none."""
    before, tag, rest = html.partition('<figure class="mm2-chart"')
    assert before == heading
    html = tag + rest
    m = re.fullmatch(r'<figure class="mm2-chart"[^>]*><img src="data:image/png;base64,'
                     r'([A-Za-z0-9+/=]+)" alt="([^"]*)"[^>]*></figure>', html)
    assert m, html[:200]
    assert m.group(2) == alt_escaped
    png = base64.b64decode(m.group(1), validate=True)
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    outside = html.replace(m.group(1), "")
    assert "http" not in outside and "<script" not in outside  # nothing fetched from anywhere
    return png


def test_chart_html_embeds_a_png_with_alt_text():
    fig = Figure(figsize=(2, 1))
    fig.add_subplot().plot([0, 1], [1, 0])
    chart = Chart(fig, 'Latence <p99> & "max"')
    _check_chart_html(chart._repr_html_(), "Latence &lt;p99&gt; &amp; &quot;max&quot;")
    assert repr(chart) == '[Latence <p99> & "max"]'
    assert chart.png().startswith(b"\x89PNG")


@pytest.mark.parametrize("phase, method, lang", [
    ("resilience", "overview", "fr"), ("smoke", "overview", "en"), ("latency", "latency_plot", "fr"),
    ("capacity", "capacity_plot", "fr"), ("soak", "heap_plot", "en"),
])
def test_real_chart_html(report, phase, method, lang):
    chart = getattr(report(phase, lang), method)()
    assert isinstance(chart, Chart) and chart.alt and chart.title and chart.guide
    heading = Section(chart.title, level=2, guide=chart.guide)._repr_html_()
    assert f"<h2>{html_text(chart.title)}</h2>" in heading
    assert f'<p class="guide">{html_text(chart.guide)}</p>' in heading
    _check_chart_html(chart._repr_html_(), html.escape(chart.alt), heading)


# --------------------------------------------------------------------------------------------
# Every section of every demo phase
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["fr", "en"])
@pytest.mark.parametrize("phase", NOTEBOOKS)
def test_every_section_displays(report, shown, phase, lang):
    assert report(phase, lang).t.lang == lang
    for name in METHODS:
        out = shown(phase, lang, name)
        assert callable(getattr(out, "_repr_html_", None)), name
        if isinstance(out, Chart):
            assert name in CHARTS and out.alt and out.figure.axes, name
        else:
            assert isinstance(out, Section), name
            html = out._repr_html_()
            assert html.startswith('<div class="mm2">') and out.title in repr(out)
            assert set(Tags(html).tags) <= ALLOWED_TAGS, name
            assert "nan" not in re.sub(r"<[^>]+>", " ", html).lower().split(), name


GUIDES = sorted(k for k in MESSAGES if k.startswith("g."))


def _guides(t: Texts) -> set[str]:
    """Every section guide of the catalogue, as the reader sees it in ``t``'s language."""
    return {t(k, passed=t.status(Status.PASS), failed=t.status(Status.FAIL),
              inconclusive=t.status(Status.INCONCLUSIVE)) for k in GUIDES}


@pytest.mark.parametrize("phase", NOTEBOOKS)
def test_every_section_has_a_heading_and_a_guide_in_the_readers_language(report, shown, phase):
    guides = {"fr": _guides(FR), "en": _guides(EN)}
    assert not guides["fr"] & guides["en"]  # every guide is translated
    for name in (*METHODS, "save"):
        seen = {}
        for lang in ("fr", "en"):
            out = report(phase, lang).save() if name == "save" else shown(phase, lang, name)
            guide = out.paragraphs[-1] if name == "save" else out.guide
            assert out.title and guide, (name, lang)
            assert guide in guides[lang], (name, lang, guide)  # from the catalogue
            assert "{" not in guide, (name, guide)  # every placeholder filled
            assert guide in repr(out) and html_text(guide) in out._repr_html_(), name
            seen[lang] = (out.title, guide)
        assert seen["fr"][1] != seen["en"][1], name
    verdicts = shown(phase, "fr", "verdicts").guide
    assert all(FR.status(s) in verdicts for s in Status)  # the badges' own words


def test_guides_name_the_verdict_words_of_their_language():
    fr, en = _guides(FR), _guides(EN)
    assert any("NON CONCLUANT" in g for g in fr) and not any("CONCLUANT" in g for g in en)
    assert any("INCONCLUSIVE" in g for g in en)


def test_change_sections_have_headings_and_guides(tmp_path):
    from mm2report.documents.notebook import open_change

    for lang, t in (("fr", FR), ("en", EN)):
        check = open_change(None, "2026-11-17T17:55:00+01:00", output_dir=tmp_path / lang,
                            lang=lang)
        summary, checks, plot = check.summary(), check.checks(), check.plot()
        assert summary.guide == t("g.change")
        assert checks.title == t("h.change_checks") and checks.guide in _guides(t)
        assert plot.title == t("h.change_plot") and plot.guide == t("g.change_plot")


def _french_fragments() -> dict[str, str]:
    """French catalogue text that would betray an untranslated English page: every French
    label that differs from its English one, and the long literal pieces of those with
    placeholders."""
    out = {}
    for key, (fr, en) in MESSAGES.items():
        if not en or fr == en:
            continue
        pieces = re.split(r"\{[^}]*\}", fr)
        if len(pieces) == 1:
            out[key] = fr
        else:
            for n, piece in enumerate(p.strip() for p in pieces):
                if len(piece) >= 12 and piece not in en:
                    out[f"{key}#{n}"] = piece
    return out


FRENCH = _french_fragments()


def _visible_text(shown) -> str:
    if isinstance(shown, Chart):
        texts = [t.get_text() for t in shown.figure.findobj(matplotlib.text.Text)]
        return "\n".join([shown.alt, shown.title, shown.guide, *texts])
    return repr(shown)


def french_in(text: str) -> list[str]:
    return [key for key, fr in FRENCH.items()
            if re.search(r"(?<!\w)" + re.escape(fr) + r"(?!\w)", text)]


def test_french_detector_finds_french(report):
    r = report("resilience", "fr")
    assert {"h.verdicts", "s.PASS", "l.criterion", "c.6"} <= set(
        french_in(_visible_text(r.verdicts())))
    assert {"phase.resilience", "l.produced", "l.window"} <= set(french_in(_visible_text(r.summary())))
    assert "p.lag" in french_in(_visible_text(r.overview()))


@pytest.mark.parametrize("phase", NOTEBOOKS)
def test_english_has_no_french(shown, phase):
    assert {"h.summary", "h.verdicts", "s.PASS"} <= FRENCH.keys()
    for name in METHODS:
        text = _visible_text(shown(phase, "en", name))
        assert french_in(text) == [], name
        for word in ("Synthèse", "Verdicts de la phase", "CONFORME", "CONCLUANT", "Mesuré",
                     "Indicateur", "Fenêtre", "Messages produits"):
            assert word not in text, (name, word)
        assert "\u202f" not in text, (name, "French digit grouping in English")


@pytest.mark.parametrize("phase", NOTEBOOKS)
def test_french_statuses(report, phase):
    r = report(phase, "fr")
    html = r.verdicts()._repr_html_()
    shown = badges(html)
    assert shown and set(shown) <= {"CONFORME", "NON CONFORME", "NON CONCLUANT"}
    assert [FR.status(v.status) for v in r.results.verdicts] == shown
    assert not re.search(r">\s*(PASS|FAIL|INCONCLUSIVE)\s*<", html)
    assert "Verdicts de la phase" in html
    en = report(phase, "en").verdicts()._repr_html_()
    assert badges(en) == [EN.status(v.status) for v in r.results.verdicts]


def _rows(section: Section) -> dict[str, str]:
    (table,) = section.tables
    return {row[0].text: row[1].text for row in table.rows}


@pytest.mark.parametrize("lang", ["fr", "en"])
@pytest.mark.parametrize("phase", NOTEBOOKS)
def test_summary_numbers_match_the_analysis(report, phase, lang):
    r = report(phase, lang)
    t, a = r.t, r.analysis
    rows = _rows(r.summary())
    unit = "msg" if lang == "fr" else "records"
    produced = a.loss.produced.value
    assert produced and produced == int(produced)
    text = rows[t("l.produced")]
    assert text == t.num(produced, 0, unit)
    assert text.endswith("\u00a0" + unit)
    sep = "\u202f" if lang == "fr" else ","
    assert int(text.split("\u00a0")[0].replace(sep, "")) == int(produced)
    assert rows[t("l.lost")] == t.num(a.loss.lost.value, 0, unit) == f"0\u00a0{unit}"
    assert rows[t("h.incidents")] == str(len(a.incidents))
    assert rows[t("l.availability")] == t.pct(a.availability.optimistic.value)
    assert rows[t("l.lag_max")] == t.sig(a.lag_max.value, unit)
    assert rows[t("l.timezone")] == "Europe/Paris"
    assert rows[t("l.campaign")].startswith(r.campaign.campaign.name)
    assert rows[t("l.window")].startswith(f"{t.dt(a.start)} → {t.dt(a.end)} (")
    # the snapshot by its name and digest: no tester's path, no recording address (issue 14)
    digest = re.search(r"manifest sha256 ([0-9a-f]{64})", r.results.origin).group(1)
    named = ("enregistrement « demo » (empreinte sha256 du manifeste {})" if lang == "fr"
             else "recording 'demo' (manifest sha256 {})")
    assert rows[t("l.source")] == named.format(digest)
    assert "127.0.0.1" not in rows[t("l.source")] and "/" not in rows[t("l.source")]


def test_summary_formats_by_hand(report):
    """A few figures written out by hand (Paris is UTC+1 in November)."""
    fr, en = _rows(report("smoke", "fr").summary()), _rows(report("smoke", "en").summary())
    a = report("smoke").analysis
    assert a.start == datetime(2026, 11, 16, 7, 0, tzinfo=UTC)
    assert fr["Fenêtre"] == "16/11/2026 08:00 → 16/11/2026 08:30 (30\u00a0min)"
    assert en["Window"] == "2026-11-16 08:00 → 2026-11-16 08:30 (30\u00a0min)"
    n = int(a.loss.produced.value)
    assert fr["Messages produits"] == f"{n:,}".replace(",", "\u202f") + "\u00a0msg"
    assert en["Records produced"] == f"{n:,}\u00a0records"


def test_verdict_value_matches(report):
    r = report("latency")
    (v,) = [v for v in r.results.verdicts if v.id == "3"]
    assert v.unit == "ms" and 100 <= v.value < 1000
    (table,) = r.verdicts().tables
    row = next(row for row in table.rows if row[0].text.startswith("3. "))
    assert row[1].text == f"{round(v.value)}\u00a0ms" == FR.sig(v.value, "ms")
    assert row[0].text == "3. Latence p99 sous le SLO"
    assert row[3].status is v.status


def test_sections_write_nothing_but_save_writes_results(report, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    r = dataclasses.replace(report("resilience"), output_dir=tmp_path / "out")
    for name in ("summary", "verdicts", "incidents", "loss", "events", "errors"):
        getattr(r, name)()
    assert list(tmp_path.iterdir()) == []
    saved = r.save()
    assert isinstance(saved, Section) and saved.level == 3
    assert [p.name for p in (tmp_path / "out").iterdir()] == [RESULTS_FILE]
    assert [p.name for p in tmp_path.iterdir()] == ["out"]
    # shown as the reader finds it: relative to the working directory (here tmp_path)
    assert f"out/{RESULTS_FILE}" in saved.paragraphs[0]
    assert str(tmp_path) not in saved.paragraphs[0]


# --------------------------------------------------------------------------------------------
# Bad parameters
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("phase", ["bogus", "Smoke", ""])
def test_unknown_phase(tmp_path, phase):
    with pytest.raises(ParameterError) as exc:
        open_phase(None, phase, output_dir=tmp_path)
    assert "phase" in dict(exc.value.problems)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("lang", ["de", "FR", "english"])
def test_unknown_lang(tmp_path, lang):
    with pytest.raises(ParameterError) as exc:
        open_phase(None, "smoke", output_dir=tmp_path, lang=lang)
    assert "lang" in dict(exc.value.problems)
    assert repr(lang) in str(exc.value)
