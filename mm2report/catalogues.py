"""The message catalogues: gettext files in ``mm2report/locale``, read through babel.

Every label is found by a key, the message's context (``msgctxt``); its ``msgid`` is the
English text, the source language, and a translation's ``msgstr`` its text in that language.
The template (``<domain>.pot``) is where the English lives; a translation
(``<lang>/LC_MESSAGES/<domain>.po``) counts only where it translates the template's current
English and is neither empty nor fuzzy, so an English text that changed, or a message a
translator has not done yet, is a ``KeyError`` in that language instead of an English line on a
French page (see docs/translations.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from string import Formatter
from types import MappingProxyType

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

LOCALE_DIR = Path(__file__).with_name("locale")
SOURCE_LANG = "en"


def template_path(domain: str, directory: Path = LOCALE_DIR) -> Path:
    return directory / f"{domain}.pot"


def po_path(domain: str, lang: str, directory: Path = LOCALE_DIR) -> Path:
    return directory / lang / "LC_MESSAGES" / f"{domain}.po"


def read(path: Path) -> Catalog:
    with path.open("rb") as f:
        return read_po(f, abort_invalid=True)


class Untranslated(KeyError):
    """A key the template has and a translation lacks (not done, fuzzy or out of date)."""


@dataclass(frozen=True)
class Messages:
    """One domain's messages: the English by key and, by language, the usable translations."""

    domain: str
    english: Mapping[str, str]
    translations: Mapping[str, Mapping[str, str]]

    def text(self, key: str, lang: str) -> str:
        if lang == SOURCE_LANG:
            return self.english[key]
        try:
            return self.translations[lang][key]
        except KeyError:
            if key not in self.english:
                raise
            raise Untranslated(f"{key!r} has no {lang} translation of its current English in "
                               f"{lang}/LC_MESSAGES/{self.domain}.po "
                               f"(missing, empty or fuzzy)") from None

    def pairs(self, lang: str) -> Mapping[str, tuple[str, str]]:
        """key → (translation, English); the translation is ``""`` where there is none."""
        done = self.translations[lang]
        return MappingProxyType({k: (done.get(k, ""), en) for k, en in self.english.items()})


@cache
def messages(domain: str, langs: tuple[str, ...], directory: Path = LOCALE_DIR) -> Messages:
    """The template of ``domain`` and its translations into ``langs``, read once."""
    english = {m.context: m.id for m in read(template_path(domain, directory)) if m.id}
    translations = {lang: MappingProxyType(usable(read(po_path(domain, lang, directory)),
                                                  english))
                    for lang in langs}
    return Messages(domain, MappingProxyType(english), MappingProxyType(translations))


def usable(catalog: Catalog, english: Mapping[str, str]) -> dict[str, str]:
    """The translations of ``catalog`` a reader may see: of the template's current English,
    not empty and not fuzzy."""
    return {m.context: m.string for m in catalog
            if m.id and m.string and not m.fuzzy and english.get(m.context) == m.id}


def problems(template: Catalog, translation: Catalog) -> list[str]:
    """What keeps ``translation`` from being complete and in step with ``template``, one line
    per fault (the tests require none): a message without a key or a key twice, a key one side
    lacks, an English text that differs, a translation empty, fuzzy, with other placeholders or
    a stray brace, an obsolete entry, a text that starts or ends with blanks."""
    out = []
    english, keys = {}, []
    for m in template:
        if not m.id:
            continue
        keys.append(m.context)
        english[m.context] = m.id
        if m.string:
            out.append(f"{m.context}: the template has a translation")
    out += [f"{k}: a message without a key (msgctxt)" for k in keys if not k]
    out += [f"{k}: twice in the template" for k in sorted({k for k in keys if keys.count(k) > 1})]
    seen = set()
    for m in translation:
        if not m.id:
            continue
        key = m.context
        seen.add(key)
        if key not in english:
            out.append(f"{key}: not in the template")
        elif english[key] != m.id:
            out.append(f"{key}: its English differs from the template's")
        if not m.string:
            out.append(f"{key}: not translated")
        elif m.fuzzy:
            out.append(f"{key}: fuzzy")
        else:
            try:
                if fields(m.string) != fields(m.id):
                    out.append(f"{key}: other placeholders than the English")
            except ValueError:  # str.format would fail on it too
                out.append(f"{key}: a brace that opens no placeholder")
        for text in (m.id, m.string):
            if text != text.strip():
                out.append(f"{key}: blanks at an end of {text!r}")
    out += [f"{k}: missing from the translation" for k in english if k not in seen]
    out += [f"{m.context}: obsolete" for m in translation.obsolete.values()]
    return out


def fields(text: str) -> list[tuple[str, str | None, str | None]]:
    """The ``str.format`` placeholders of ``text``: name, format spec and conversion."""
    return sorted((name, spec, conv) for _, name, spec, conv in Formatter().parse(text)
                  if name is not None)


__all__ = ["LOCALE_DIR", "Messages", "SOURCE_LANG", "Untranslated", "fields", "messages",
           "po_path", "problems", "read", "template_path", "usable"]
