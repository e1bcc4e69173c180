"""Verdict reasons in the report's language (Texts.reason over Verdict.key / args / parts)."""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo

import pytest

from mm2report.analyses.core import Kpi, missing
from mm2report.documents.i18n import Texts
from mm2report.verdicts import Status, combine, compare, fact

FR = Texts("fr", ZoneInfo("Europe/Paris"))
EN = Texts("en", ZoneInfo("Europe/Paris"))
NB, NN = "\u00a0", "\u202f"
ENGLISH = re.compile(r"\b(satisfies|does not satisfy|records|produced|never DOWN|not done|manual "
                     r"item|without enough data|measured on|not measured|loaded and healthy)\b")


def kpi(value, unit="ms", completeness=1.0):
    return Kpi("k", value, unit, completeness=completeness)


def test_compared_reasons_in_french():
    assert FR.reason(compare("3", "t", kpi(266.0), "<", 5000)) == \
        f"266{NB}ms, seuil < 5{NN}000{NB}ms : respecté"
    assert FR.reason(compare("x", "t", kpi(7200.0), "<=", 1000)) == \
        f"7{NN}200{NB}ms, seuil ≤ 1{NN}000{NB}ms : non respecté"
    assert FR.reason(compare("x", "t", kpi(125.0, "s"), "<", 600)) == \
        f"2{NB}min 05{NB}s, seuil < 10{NB}min : respecté"
    assert FR.reason(compare("x", "t", kpi(0.0, "records", 0.5), "==", 0)) == \
        "mesuré sur 50,0\u00a0% des relevés seulement"
    assert FR.reason(compare("x", "t", missing("k", "ms", "no latency reading"), "<", 5)) == \
        "non mesuré (no latency reading)"


def test_english_keeps_the_library_reason():
    v = compare("3", "t", kpi(266.0), "<", 5000)
    assert EN.reason(v) == v.reason == "266 ms satisfies < 5000 ms"


def test_a_combined_reason_shows_the_failing_parts_titled_once():
    ok = compare("a", "no record lost", kpi(0.0, "records"), "==", 0)
    bad = compare("b", "lag within threshold", kpi(20_000.0, "records"), "<=", 10_000)
    inner = combine("c", "no record lost", [ok])
    v = combine("2", "Nominal load stable", [inner, bad])
    assert v.status is Status.FAIL
    assert FR.reason(v) == (f"retard sous le seuil : 20{NN}000{NB}msg, seuil ≤ 10{NN}000{NB}msg : "
                            "non respecté")
    passing = combine("2", "x", [inner])
    assert FR.reason(passing).count("aucun message perdu") == 1  # nested title not repeated


def test_manual_items_in_french():
    done = fact("10", "Rollback tested", Status.PASS, "done", key="manual.done",
                item="rollback_tested", date="2026-11-15T16:00:00+00:00", by="A. Martin",
                proof="rollback_mm2.sh")
    assert FR.reason(done) == "fait le 15/11/2026 par A. Martin : rollback_mm2.sh"
    missing_item = fact("10", "x", Status.INCONCLUSIVE, "", key="manual.missing", item="acls")
    # the item as the checklist names it, not its identifier (issue 14: «rollback_tested»)
    assert FR.reason(missing_item) == "élément manuel « ACLs correctes sur tous les topics » non renseigné"


def test_a_verdict_without_key_keeps_its_text():
    v = fact("x", "x", Status.PASS, "free text")
    assert FR.reason(v) == "free text"


@pytest.fixture(scope="module")
def demo():
    from mm2report.evaluate import evaluate
    from mm2report.params import load_campaign
    from mm2report.sources import open_source

    campaign = load_campaign("parameters/demo.yml")
    with open_source(campaign) as source:
        return evaluate(campaign, source)


def test_the_demo_verdicts_read_in_french(demo):
    for v in demo.criteria + demo.sla:
        if v.id == "sla-availability":
            continue  # the deliverables word it from the projection (deliverables.sla_reason)
        text = FR.reason(v)
        own_words = re.sub(r"\([^)]*\)", "", text)  # names from the parameters stay as written
        assert text and not ENGLISH.search(own_words), (v.id, text)


@pytest.mark.parametrize("threshold, fr", [
    ("< 5000 ms", f"< 5{NN}000{NB}ms"),
    ("< 300 s per incident", f"< 5{NB}min par incident"),
    ("= 0 records", f"= 0{NB}msg"),
    ("a sustained step", "un palier tenu"),
    ("manual item 'rollback_tested' done", "élément manuel « Rollback testé » fait"),
    ("all expected rules loaded and healthy", "toutes les règles attendues chargées et saines"),
    ("something new", "something new"),  # unknown forms are shown as written
    ("", ""),
])
def test_thresholds_in_french(threshold, fr):
    v = fact("x", "x", Status.PASS, "", threshold=threshold)
    assert FR.threshold(v) == fr
    manual = threshold.startswith("manual item")  # named by its label in English too
    assert EN.threshold(v) == ("manual item 'Rollback tested' done" if manual else threshold)
