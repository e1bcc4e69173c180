"""The words and typesetting of the documents (issue 14): no-break spaces, the source named
without path or loopback address, analyses' English turned into the report's language, short
reasons, days late. Expected strings are written out by hand."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

import pytest

from mm2report.documents.deliverables import brief, days_late, short_reason
from mm2report.documents.i18n import Texts
from mm2report.documents.notebook import html_text, origin_text, typeset
from mm2report.verdicts import Status, combine, fact

PARIS = ZoneInfo("Europe/Paris")
FR, EN = Texts("fr", PARIS), Texts("en", PARIS)
NNBSP, NBSP = "\u202f", "\u00a0"
DIGEST = "ab" * 32


@pytest.mark.parametrize("text,typeset_", [
    ("retard sous le seuil : 0 msg", f"retard sous le seuil{NNBSP}: 0{NBSP}msg"),
    ("a ; b ? c !", f"a{NNBSP}; b{NNBSP}? c{NNBSP}!"),
    ("élément « Rollback testé » fait", f"élément «{NNBSP}Rollback testé{NNBSP}» fait"),
    ("seuil ≤ 10 000 msg", f"seuil{NBSP}≤{NBSP}10 000{NBSP}msg"),
    ("< 5 min", f"<{NBSP}5{NBSP}min"),
    ("0 ms satisfies <= 1000 ms", f"0{NBSP}ms satisfies{NBSP}<={NBSP}1000{NBSP}ms"),
    ("36 h de campagne", f"36{NBSP}h de campagne"),
    ("no colon: here", "no colon: here"),  # English punctuation is left alone
])
def test_typeset(text, typeset_):
    assert typeset(text) == typeset_


def test_identifiers_stay_on_one_line_and_text_is_escaped():
    assert html_text("ACT-001 & tasks_running") == (
        '<span class="nobr">ACT-001</span> &amp; <span class="nobr">tasks_running</span>')
    assert html_text("<b>") == "&lt;b&gt;"


def test_origin_names_the_snapshot_and_its_digest_only():
    origin = (f"snapshot /home/tester/campaigns/snapshots/demo (recorded from "
              f"http://127.0.0.1:50759; manifest sha256 {DIGEST})")
    assert origin_text(FR, origin) == (f"enregistrement « demo » (empreinte sha256 du manifeste "
                                       f"{DIGEST})")
    assert origin_text(EN, origin) == f"recording 'demo' (manifest sha256 {DIGEST})"
    signed = origin[:-1] + ", signature verified with key /keys/lab.pub)"
    assert origin_text(EN, signed).endswith(", signature verified with key lab.pub")
    assert origin_text(FR, "http://127.0.0.1:9090") == "serveur local"
    assert origin_text(FR, "https://prometheus.example:9090") == "https://prometheus.example:9090"


def test_analyses_english_in_french():
    assert FR.cause("tasks+stall") == "tâches arrêtées + réplication bloquée"
    assert FR.cause("workers") == "aucun worker actif"
    assert FR.trend("heap_after_gc") == "Tas JVM après GC" and FR.trend("lag") == "Retard"
    assert FR.step_reason("replicated 93.2% of offered (< 95%)") == (
        f"93,2{NBSP}% de l'offert répliqué (< 95{NBSP}%)")
    assert FR.step_reason("lag grew by 12,345 records") == (
        f"retard en hausse de 12{NNBSP}345{NBSP}msg")
    assert FR.step_reason("latency p99 1,234 ms over the SLO") == (
        f"latence p99 de 1{NNBSP}234{NBSP}ms au-dessus du SLO")
    assert FR.step_reason("something new") == "something new"
    assert FR.note("lost and duplicates are the net of each partition: a loss hidden by as "
                   "many duplicates in the same partition and window cannot be seen in "
                   "offsets").startswith("Pertes et doublons sont nets par partition")


def test_manual_item_state_and_label():
    from mm2report.documents.notebook import value_text

    v = fact("10", "Rollback tested", Status.FAIL, "manual item 'rollback_tested' not done",
             value="not done", threshold="manual item 'rollback_tested' done",
             key="manual.not_done", item="rollback_tested")
    assert value_text(FR, v) == "non fait" and value_text(EN, v) == "not done"
    assert FR.reason(v) == "élément manuel « Rollback testé » non fait"
    assert EN.reason(v) == "manual item 'Rollback tested' not done"


def test_short_reasons():
    ok = fact("3", "x", Status.PASS, "266 ms satisfies < 5000 ms", key="cmp.pass")
    bad = fact("3", "x", Status.FAIL, "6000 ms does not satisfy < 5000 ms", key="cmp.fail")
    assert brief(FR, ok) == "objectif respecté" and brief(EN, bad) == "objective missed"
    assert short_reason(FR, bad) == "seuil non respecté"
    lost = [fact("smoke-loss", "no record lost", Status.PASS, "0 lost", phase=p)
            for p in ("smoke", "nominal", "soak")]
    every = combine("8", "Zero message lost in all tests", lost)
    assert short_reason(FR, every) == "les 3 conditions sont remplies (détail ci-après)"
    lost[2] = fact("soak-loss", "no record lost", Status.FAIL, "4 lost", phase="soak")
    one = combine("8", "Zero message lost in all tests", lost)
    # the conditions share a title: each is named by its phase
    assert short_reason(FR, one) == "1 condition sur 3 non remplie : Endurance 24 h (NOGO)"
    assert short_reason(EN, one) == "1 condition of 3 not met: 24 h soak (NOGO)"


def test_days_late():
    assert days_late(date(2026, 11, 25), date(2026, 12, 2)) == 7
    assert days_late(date(2026, 12, 25), date(2026, 12, 2)) == 0
    assert days_late(date(2026, 11, 25), None) == 0
