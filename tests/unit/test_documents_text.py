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


# -- the weekly follow-up report (seed 001 §6.3) and the plan's new parts -----------------

def _plan(**extra):
    from mm2report.actions import validate_plan

    return validate_plan({
        "title": "Plan", "actions": [
            {"id": "ACT-001", "title": "Rollback", "category": "Opérations", "priority": "P0",
             "due": "2026-11-25", "effort_days": 1, "steps": [
                 {"title": "Restaurer", "status": "done", "done_on": "2026-11-24"},
                 {"title": "Chronométrer", "status": "todo"}]},
            {"id": "ACT-002", "title": "Alertes", "category": "Observabilité", "priority": "P1",
             "due": "2026-11-20", "effort_days": 3, "steps": [
                 {"title": "Règles", "status": "done", "done_on": "2026-11-18"}]},
            {"id": "ACT-003", "title": "ACLs", "category": "Sécurité", "priority": "P2",
             "due": "2026-12-20", "effort_days": 1, "blocked": True}],
        "milestones": [{"id": "JAL-1", "title": "Bloquants levés", "due": "2026-11-26",
                        "actions": ["ACT-001"]}], **extra})


def test_weekly_report_of_a_week():
    from mm2report.documents.deliverables import weekly_document

    doc = weekly_document(FR, _plan(), date(2026, 11, 26))  # a Thursday of week 48
    assert doc.key == "suivi-2026-s48"
    assert doc.title == "Rapport de suivi – semaine 48 (2026)"
    head, done, progress, attention, decisions, _ = doc.blocks
    assert head.paragraphs == ("Semaine du 23/11/2026 au 29/11/2026.",)
    rows = {r[0].text: r[1].text for r in head.tables[0].rows}
    assert rows["Actions terminées"] == "1/3"
    assert rows["Jalon actuel"] == "JAL-1 Bloquants levés (50\u00a0%, échéance 26/11/2026)"
    assert rows["Prochaine échéance"] == "20/12/2026 — ACT-003 ACLs"
    # ACT-002 was finished in week 47: only ACT-001's step is this week's
    assert done.paragraphs == ("ACT-001 : étape « Restaurer » faite le 24/11/2026",)
    assert [r[0].text for r in progress.tables[0].rows] == ["ACT-001 Rollback", "ACT-003 ACLs"]
    assert progress.tables[0].rows[0][3].text == "4\u00a0j"  # due 25/11, week ends 29/11
    assert attention.paragraphs == (
        "ACT-001 Rollback : échéance 25/11/2026 dépassée de 4\u00a0j",
        "JAL-1 Bloquants levés : échéance 26/11/2026 dépassée de 3\u00a0j, avancement 50\u00a0%")
    assert decisions.paragraphs[0] == "ACT-003 ACLs est bloquée : décider comment la débloquer"
    assert "ACT-001" in decisions.paragraphs[1] and "NOGO" in decisions.paragraphs[1]
    week47 = weekly_document(EN, _plan(), date(2026, 11, 16))
    assert week47.blocks[1].paragraphs == ("ACT-002 Alertes: action done on 2026-11-18",)


def test_plan_effort_by_category_and_risks():
    from mm2report.actions import ProductionDecision
    from mm2report.documents.deliverables import plan_document

    plan = _plan(risks=[{"id": "RSK-001", "title": "Ressources", "probability": "medium",
                         "impact": "high", "mitigation": "Planifier",
                         "contingency": "Reporter les P3"}])
    decision = ProductionDecision(False, True, plan.open_p0, "")
    doc = plan_document(FR, plan, decision, None, today=date(2026, 12, 2))
    tables = {b.title: b.tables[0] for b in doc.blocks if getattr(b, "tables", ())}
    effort = [[c.text for c in r] for r in tables["Effort par catégorie"].rows]
    assert effort == [["Observabilité", "3,0", "60\u00a0%"], ["Opérations", "1,0", "20\u00a0%"],
                      ["Sécurité", "1,0", "20\u00a0%"], ["Total", "5,0", "100\u00a0%"]]
    risk = [c.text for c in tables["Risques identifiés"].rows[0]]
    assert risk == ["RSK-001", "Ressources", "moyenne", "élevé", "Planifier"]
    late = {r[0].text: r[-1].text for r in tables["Actions"].rows}
    assert late == {"ACT-001 Rollback": "7\u00a0j", "ACT-002 Alertes": "—", "ACT-003 ACLs": "—"}


def test_a_done_on_date_belongs_to_a_done_step():
    from mm2report.actions import validate_plan
    from mm2report.errors import ParameterError

    data = {"title": "P", "actions": [{"id": "ACT-001", "title": "x", "category": "c",
                                       "priority": "P1", "due": "2026-11-25", "effort_days": 1,
                                       "steps": [{"title": "s", "status": "todo",
                                                  "done_on": "2026-11-24"}]}]}
    with pytest.raises(ParameterError, match="done_on"):
        validate_plan(data)
