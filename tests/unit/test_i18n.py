"""Report language: labels, numbers, percentages, dates and durations in French and English.

Expected strings are written out from the CLDR conventions, not copied from the code's output:
fr_FR groups thousands with U+202F (narrow no-break space) and uses a decimal comma, and puts a
no-break space (U+00A0) before a unit or ``%``; en_GB groups with a comma and uses a decimal point.
Europe/Paris is UTC+1 in winter and UTC+2 in summer (2026: from 29 March 01:00 UTC to
25 October 01:00 UTC).
"""

from __future__ import annotations

import math
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pytest
from babel.numbers import get_decimal_symbol, get_group_symbol

from mm2report.catalogues import fields
from mm2report.documents.i18n import LANGS, MESSAGES, Texts, texts
from mm2report.params import PHASE_NAMES
from mm2report.verdicts import Status

PARIS = ZoneInfo("Europe/Paris")
UTC = timezone.utc
NNBSP, NBSP = "\u202f", "\u00a0"
FR = Texts("fr", PARIS)
EN = Texts("en", PARIS)
ROOT = Path(__file__).resolve().parents[2]


# --------------------------------------------------------------------------------------------
# Numbers
# --------------------------------------------------------------------------------------------


def test_babel_fr_symbols():
    # what the expectations below rely on: CLDR fr groups with U+202F, not U+00A0 or a space
    assert get_group_symbol("fr_FR") == NNBSP
    assert get_decimal_symbol("fr_FR") == ","
    assert get_group_symbol("en_GB") == ","
    assert get_decimal_symbol("en_GB") == "."


def test_num_french():
    text = FR.num(12345.6, 1, "msg/s")
    assert text == "12\u202f345,6\u00a0msg/s"
    assert text[2] == NNBSP and text[6] == "," and text[8] == NBSP
    assert " " not in text  # no breakable space anywhere


def test_num_english():
    assert EN.num(12345.6, 1, "records/s") == "12,345.6\u00a0records/s"


@pytest.mark.parametrize("value, digits, fr, en", [
    (0, 0, "0", "0"),
    (999, 0, "999", "999"),
    (1000, 0, "1\u202f000", "1,000"),
    (1234567, 0, "1\u202f234\u202f567", "1,234,567"),
    (-1234.5, 1, "-1\u202f234,5", "-1,234.5"),
    (0.125, 3, "0,125", "0.125"),
    (12.3456, 2, "12,35", "12.35"),
    (7, 2, "7,00", "7.00"),
    (np.float64(1500.0), 0, "1\u202f500", "1,500"),
    (np.int64(42), 0, "42", "42"),
])
def test_num_cases(value, digits, fr, en):
    assert FR.num(value, digits) == fr
    assert EN.num(value, digits) == en


@pytest.mark.parametrize("value", [None, math.nan, math.inf, -math.inf, np.float64("nan")])
def test_num_unknown_is_a_dash(value):
    assert FR.num(value, 1, "ms") == "—"
    assert FR.sig(value, "ms") == "—"
    assert FR.pct(value) == "—"
    assert FR.ratio(value) == "—"


@pytest.mark.parametrize("value, fr", [
    (123456.7, "123\u202f457"),  # >= 100: integer
    (150.0, "150"),
    (42.0, "42"),  # whole: no decimals
    (12.345, "12,3"),
    (1.2345, "1,23"),
    (0.012345, "0,012"),
])
def test_sig(value, fr):
    assert FR.sig(value) == fr


def test_pct():
    assert FR.pct(99.9886) == "99,9886\u00a0%"
    assert EN.pct(99.9886) == "99.9886\u00a0%"
    assert FR.pct(100) == "100,0000\u00a0%"
    assert FR.pct(12345.5, 1) == "12\u202f345,5\u00a0%"
    assert FR.ratio(0.5) == "50,0\u00a0%"
    assert EN.ratio(0.99995, 2) == "100.00\u00a0%"
    assert FR.ratio(0.7, 0) == "70\u00a0%"


# --------------------------------------------------------------------------------------------
# Dates
# --------------------------------------------------------------------------------------------


def test_dt_winter():
    moment = datetime(2026, 11, 21, 13, 5, tzinfo=UTC)  # Paris: UTC+1
    assert FR.dt(moment) == "21/11/2026 14:05"
    assert EN.dt(moment) == "2026-11-21 14:05"
    assert FR.dt(moment.replace(second=7), seconds=True) == "21/11/2026 14:05:07"
    assert EN.dt(moment.replace(second=7), seconds=True) == "2026-11-21 14:05:07"


def test_dt_summer_shifts_by_two_hours():
    moment = datetime(2026, 7, 21, 13, 5, tzinfo=UTC)  # Paris: UTC+2
    assert FR.dt(moment) == "21/07/2026 15:05"
    assert EN.dt(moment) == "2026-07-21 15:05"


@pytest.mark.parametrize("utc, paris", [
    # spring forward: 29 March 2026, 02:00 CET -> 03:00 CEST at 01:00 UTC
    (datetime(2026, 3, 29, 0, 59, tzinfo=UTC), "29/03/2026 01:59"),
    (datetime(2026, 3, 29, 1, 0, tzinfo=UTC), "29/03/2026 03:00"),
    # fall back: 25 October 2026, 03:00 CEST -> 02:00 CET at 01:00 UTC (02:30 shown twice)
    (datetime(2026, 10, 25, 0, 30, tzinfo=UTC), "25/10/2026 02:30"),
    (datetime(2026, 10, 25, 1, 30, tzinfo=UTC), "25/10/2026 02:30"),
    # a date that changes with the time zone
    (datetime(2026, 12, 31, 23, 30, tzinfo=UTC), "01/01/2027 00:30"),
])
def test_dt_dst_transitions(utc, paris):
    assert FR.dt(utc) == paris


def test_dt_accepts_timestamps_and_other_zones():
    assert FR.dt(pd.Timestamp("2026-11-21T13:05:00Z")) == "21/11/2026 14:05"
    offset = datetime(2026, 11, 21, 22, 5, tzinfo=timezone(timedelta(hours=9)))  # 13:05 UTC
    assert FR.dt(offset) == "21/11/2026 14:05"
    assert Texts("en", ZoneInfo("America/New_York")).dt(offset) == "2026-11-21 08:05"
    assert Texts("fr", UTC).dt(offset) == "21/11/2026 13:05"


@pytest.mark.parametrize("moment", [None, pd.NaT])
def test_dt_unknown_is_a_dash(moment):
    assert FR.dt(moment) == "—"


def test_tz_name():
    assert FR.tz_name == "Europe/Paris"


# --------------------------------------------------------------------------------------------
# Durations
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("seconds, text", [
    (0, "0\u00a0s"),
    (59, "59\u00a0s"),
    (60, "1\u00a0min"),
    (95, "1\u00a0min 35\u00a0s"),
    (3600, "1\u00a0h"),
    (3660, "1\u00a0h 01\u00a0min"),
    (3661, "1\u00a0h 01\u00a0min"),  # seconds dropped above an hour
    (7325, "2\u00a0h 02\u00a0min"),
    (86400, "24\u00a0h"),
    (0.4, "0\u00a0s"),
    (59.6, "1\u00a0min"),  # rounded to the second first
    (np.float64(95.0), "1\u00a0min 35\u00a0s"),
    (None, "—"),
    (math.nan, "—"),
    (math.inf, "—"),
])
def test_duration(seconds, text):
    assert FR.duration(seconds) == text
    assert EN.duration(seconds) == text  # the same symbols in both languages


def _incident_before_its_event():
    """An incident whose first DOWN reading precedes the event it is linked to by 30 s (the
    event was logged late; LINK_BEFORE in mm2report/analyses/state.py allows up to 60 s)."""
    from mm2report.analyses.state import EventRef, StateTimeline, incidents

    index = pd.date_range("2026-11-17T18:00:00Z", periods=12, freq="15s", name="ts")
    states = ["UP"] * 4 + ["DOWN"] * 4 + ["UP"] * 4  # first DOWN reading at 18:01:00
    frame = pd.DataFrame({"state": states, "cause": ["tasks" if s == "DOWN" else "" for s in states],
                          "lag_records": 0.0, "offered_rate": 1000.0}, index=index)
    event = EventRef("resilience", "worker_stop", datetime(2026, 11, 17, 18, 1, 30, tzinfo=UTC),
                     None, "w1")
    (found,) = incidents(StateTimeline(frame, 15, 4.0, ()), (event,))
    assert found.event == event
    return found


def test_negative_detection_delay_is_reachable():
    assert _incident_before_its_event().detected_after_s == -30


@pytest.mark.parametrize("seconds", [-30, -95, "incident"])
def test_duration_negative(seconds):
    if seconds == "incident":
        seconds = _incident_before_its_event().detected_after_s
    text = FR.duration(seconds)
    assert "h" not in text, text
    assert text.replace("\u2212", "-").startswith("-"), text


# --------------------------------------------------------------------------------------------
# Labels
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("key", sorted(MESSAGES))
def test_every_message_is_translated(key):
    """Each label in both languages, as a reader gets it (an English msgid cannot be empty:
    gettext keeps the empty msgid for the catalogue's header)."""
    fr, en = MESSAGES[key]
    assert FR(key) == fr and EN(key) == en
    assert isinstance(fr, str) and fr.strip() and fr == fr.strip()
    assert isinstance(en, str) and en.strip() and en == en.strip()
    assert fields(fr) == fields(en), "the same placeholders in both languages"


def test_messages_is_read_only():
    with pytest.raises(TypeError):
        MESSAGES["h.summary"] = ("x", "y")  # type: ignore[index]


def test_placeholder_comparison_sees_differences():
    assert fields("{a} et {b}") == fields("{b} and {a}")
    assert fields("{a}") != fields("{b}")
    assert fields("{a}") != fields("{a} {c}")
    assert fields("{a:.1f}") != fields("{a}")


def test_call_formats_placeholders():
    assert FR("n.saved", path="/x/results.json") == "Résultats écrits dans /x/results.json."
    assert EN("n.saved", path="/x/results.json") == "Results written to /x/results.json."
    assert FR("h.summary") == "Synthèse de la phase"
    assert EN("h.summary") == "Phase summary"
    with pytest.raises(KeyError):
        FR("no.such.key")


def test_statuses_and_yesno():
    assert [FR.status(s) for s in Status] == ["CONFORME", "NON CONFORME", "NON CONCLUANT"]
    assert [EN.status(s) for s in Status] == ["PASS", "FAIL", "INCONCLUSIVE"]
    assert FR.status("FAIL") == "NON CONFORME"
    assert (FR.yesno(True), FR.yesno(False), FR.yesno(None)) == ("oui", "non", "inconnu")
    assert (EN.yesno(True), EN.yesno(False), EN.yesno(None)) == ("yes", "no", "unknown")


def test_event_and_criterion_fallbacks():
    assert FR.event("burst") == "rafale"
    assert FR.event("custom_kind") == "custom_kind"

    class V:
        def __init__(self, id, title=""):
            self.id, self.title = id, title

    assert FR.criterion(V("3")) == "Latence p99 sous le SLO"
    assert FR.criterion(V("smoke-loss")) == "Aucun message perdu dans la phase"
    assert FR.criterion(V("zz", "Own title")) == "Own title"


def test_every_dynamic_key_exists():
    for phase in PHASE_NAMES:
        assert f"phase.{phase}" in MESSAGES
        assert f"phase.purpose.{phase}" in MESSAGES
    for status in Status:
        assert f"s.{status.value}" in MESSAGES
    for n in range(1, 11):
        assert f"c.{n}" in MESSAGES


@pytest.mark.parametrize("module", ["notebook.py", "plots.py"])
def test_every_literal_key_used_exists(module):
    """A label used by the notebook sections or the plots is in the catalogue (so a missing
    translation fails here, not in front of a reader)."""
    source = (ROOT / "mm2report" / "documents" / module).read_text(encoding="utf-8")
    keys = set(re.findall(r"""\bt\(\s*["']([a-z]+\.[A-Za-z0-9_.]+)["']""", source))
    assert keys, "no label found: the pattern is stale"
    assert sorted(keys - set(MESSAGES)) == []


@pytest.mark.parametrize("lang", ["de", "FR", "", "english", None])
def test_unknown_language(lang):
    with pytest.raises(ValueError, match="language"):
        texts(lang, PARIS)


def test_known_languages():
    assert LANGS == ("fr", "en")
    assert texts("fr", PARIS) == FR
    assert texts("en", PARIS).locale == "en_GB"
    assert FR.locale == "fr_FR"


def test_negative_durations_read_as_their_magnitude_with_a_sign():
    assert FR.duration(-95) == "-1\u00a0min 35\u00a0s"
    assert FR.duration(-30) == "-30\u00a0s"
