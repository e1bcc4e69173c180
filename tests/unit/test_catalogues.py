"""The gettext catalogues: parsed by babel, complete, in step with their templates, shipped.

The checks run on the real files and, to show that they can fail, on small catalogues written
here with a fault each (an untranslated, a fuzzy, a stale or a mistyped message).
"""

from __future__ import annotations

import tomllib
from fnmatch import fnmatch
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import write_po

from mm2report import catalogues
from mm2report.documents import i18n
from mm2report.catalogues import LOCALE_DIR, Untranslated, messages, problems, read

ROOT = Path(__file__).resolve().parents[2]
DOMAINS = sorted(p.stem for p in LOCALE_DIR.glob("*.pot"))
LANGS = sorted(p.name for p in LOCALE_DIR.iterdir() if p.is_dir())
CASES = [(d, lang) for d in DOMAINS for lang in LANGS]


def test_the_catalogues_are_there():
    """One translation of each domain per language the reports offer besides English."""
    assert DOMAINS == ["compare", "mm2report"]
    assert LANGS == sorted(set(i18n.LANGS) - {catalogues.SOURCE_LANG}) == ["fr"]
    assert {p.relative_to(LOCALE_DIR).as_posix() for p in LOCALE_DIR.rglob("*.po")} == \
        {f"{lang}/LC_MESSAGES/{d}.po" for d, lang in CASES}


@pytest.mark.parametrize("domain, lang", CASES)
def test_translation_is_complete_and_in_step(domain, lang):
    template = read(catalogues.template_path(domain))
    translation = read(catalogues.po_path(domain, lang))
    assert len(template) > 100
    assert problems(template, translation) == []
    assert str(translation.locale) == lang


@pytest.mark.parametrize("domain, lang", CASES)
def test_every_message_is_usable_at_runtime(domain, lang):
    m = messages(domain, (lang,))
    assert set(m.translations[lang]) == set(m.english)
    assert all(m.text(k, lang) and m.text(k, "en") == en for k, en in m.english.items())


@pytest.mark.parametrize("path", [catalogues.template_path(d) for d in DOMAINS] +
                         [catalogues.po_path(d, lang) for d, lang in CASES],
                         ids=lambda p: p.relative_to(LOCALE_DIR).as_posix())
def test_placeholders_are_flagged_brace_format(path):
    """A translator's tools check the placeholders of a ``python-brace-format`` message: each
    message with one carries the flag in the file itself, and only those."""
    with_fields = sum(bool(catalogues.fields(m.id)) for m in read(path) if m.id)
    assert with_fields > 10
    assert path.read_text(encoding="utf-8").count("python-brace-format") == with_fields
    # no printf flag: babel sets one on an English text holding a printf pattern ("95 % c…"),
    # and translators' tools (msgfmt -c, PO editors) would then reject a sound translation
    assert not [m.context for m in read(path) if m.id and m.python_format]


def test_the_catalogues_ship_in_the_wheel():
    """Every catalogue file matches a package-data pattern of pyproject.toml."""
    patterns = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"][
        "package-data"]["mm2report"]
    package = ROOT / "mm2report"
    files = [p.relative_to(package).as_posix() for p in LOCALE_DIR.rglob("*.po*")]
    assert files and [f for f in files if not any(fnmatch(f, p) for p in patterns)] == []


# --------------------------------------------------------------------------------------------
# The checks themselves, on faulty catalogues
# --------------------------------------------------------------------------------------------

ENGLISH = {"a.hello": "Hello {name}", "a.bye": "Goodbye", "a.soon": "See you soon"}
FRENCH = {"a.hello": "Bonjour {name}", "a.bye": "Au revoir", "a.soon": "À bientôt"}


def _template(english=ENGLISH) -> Catalog:
    cat = Catalog(domain="t")
    for key, en in english.items():
        cat.add(en, context=key)
    return cat


def _translation(french=FRENCH, english=ENGLISH, fuzzy=(), obsolete=()) -> Catalog:
    cat = Catalog(locale="fr", domain="t", fuzzy=False)
    for key, fr in french.items():
        cat.add(english[key], fr, context=key, flags=("fuzzy",) if key in fuzzy else ())
    for key in obsolete:  # as pybabel update leaves a message the template no longer has
        cat.obsolete[key] = Message("Old", "Vieux", context=key)
    return cat


def test_a_sound_test_catalogue_passes():
    assert problems(_template(), _translation()) == []


@pytest.mark.parametrize("fault, expected", [
    (dict(french={**FRENCH, "a.bye": ""}), ["a.bye: not translated"]),
    (dict(fuzzy=("a.soon",)), ["a.soon: fuzzy"]),
    (dict(french={**FRENCH, "a.hello": "Bonjour {nom}"}),
     ["a.hello: other placeholders than the English"]),
    (dict(french={**FRENCH, "a.hello": "Bonjour"}),
     ["a.hello: other placeholders than the English"]),
    (dict(french={**FRENCH, "a.hello": "Bonjour {name"}),
     ["a.hello: a brace that opens no placeholder"]),
    (dict(english={**ENGLISH, "a.bye": "Bye"}),
     ["a.bye: its English differs from the template's"]),
    (dict(french={k: v for k, v in FRENCH.items() if k != "a.soon"}),
     ["a.soon: missing from the translation"]),
    (dict(obsolete=("a.gone",)), ["a.gone: obsolete"]),
    (dict(french={**FRENCH, "a.bye": "Au revoir "}), ["a.bye: blanks at an end of 'Au revoir '"]),
])
def test_each_fault_is_reported(fault, expected):
    assert problems(_template(), _translation(**fault)) == expected


def test_a_key_only_the_translation_has_is_reported():
    assert problems(_template({"a.hello": ENGLISH["a.hello"]}),
                    _translation({"a.hello": FRENCH["a.hello"]} | {"a.bye": "Au revoir"})) == \
        ["a.bye: not in the template"]


def test_a_key_twice_in_the_template_is_reported():
    template = _template()
    template.add("Goodbye!", context="a.bye")  # babel keys a message by (msgid, msgctxt)
    assert "a.bye: twice in the template" in problems(template, _translation())


def _write(directory: Path, template: Catalog, translation: Catalog) -> Path:
    (directory / "fr" / "LC_MESSAGES").mkdir(parents=True)
    for cat, path in ((template, catalogues.template_path("t", directory)),
                      (translation, catalogues.po_path("t", "fr", directory))):
        with path.open("wb") as f:
            write_po(f, cat)
    return directory


def test_runtime_never_shows_english_for_a_fuzzy_or_stale_translation(tmp_path):
    """What a reader would see with a faulty catalogue: a ``KeyError`` in French, not the
    English text nor the translation of an English that has since changed."""
    changed = {**ENGLISH, "a.bye": "Bye"}
    m = messages("t", ("fr",), _write(tmp_path, _template(changed),
                                      _translation(fuzzy=("a.soon",))))
    assert m.text("a.hello", "fr") == "Bonjour {name}" and m.text("a.bye", "en") == "Bye"
    for key in ("a.soon", "a.bye"):
        with pytest.raises(Untranslated, match=f"'{key}' has no fr translation"):
            m.text(key, "fr")
    assert issubclass(Untranslated, KeyError)
    assert m.pairs("fr")["a.soon"] == ("", "See you soon")
    with pytest.raises(KeyError):
        m.text("a.unknown", "en")
