"""The comparison's words, in French and English.

Numbers, dates and units are formatted by :class:`mm2report.documents.i18n.Texts` (babel); the
labels of the comparison are a gettext catalogue of their own, the domain ``compare``
(``mm2report/locale/compare.pot`` and ``fr/LC_MESSAGES/compare.po``), so that the deliverables'
own vocabulary can evolve without the comparison and the other way round: the same keys
(``phase.*``, ``e.*``) read differently in the two. A missing key is a ``KeyError`` in the tests.
"""

from __future__ import annotations

from ..catalogues import SOURCE_LANG, messages
from ..documents.i18n import LANGS, texts

CATALOGUE = messages("compare", tuple(lang for lang in LANGS if lang != SOURCE_LANG))
# key: (French, English), read-only
MESSAGES = CATALOGUE.pairs("fr")


class CompareTexts:
    """The comparison's labels in one language, with
    :class:`mm2report.documents.i18n.Texts` for numbers, dates and units."""

    def __init__(self, t):
        self.t = t
        self.lang = t.lang

    def __call__(self, key: str, **values) -> str:
        text = CATALOGUE.text(key, self.lang)
        return text.format(**values) if values else text

    def phase(self, name: str) -> str:
        key = f"phase.{name}"
        return self(key) if key in MESSAGES else name

    def event(self, kind: str) -> str:
        key = f"e.{kind}"
        return self(key) if key in MESSAGES else kind


def texts_for(lang: str, tz) -> CompareTexts:
    return CompareTexts(texts(lang, tz))


__all__ = ["CATALOGUE", "CompareTexts", "MESSAGES", "texts_for"]
