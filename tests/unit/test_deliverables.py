"""The deliverables' figures without a run: domain scores, SLA gaps and objectives, the worst
burst and rebalance of the technical sheet.

The demo is analysed once per module in process (``evaluate`` on its snapshot, ~3 s). Expected
domain scores are counted by hand from the mapping in docs/deliverables.md ("Domain scores") and
the checklist of parameters/demo.yml; expected strings are written out (fr_FR groups thousands
with U+202F and puts U+00A0 before a unit; en_GB groups with a comma).
"""

from __future__ import annotations

import dataclasses
from datetime import datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from mm2report.analyses.core import Kpi, missing
from mm2report.documents.deliverables import (_gap, _why_not_measured, domain_scores, objective,
                                               technical_sheet)
from mm2report.documents.i18n import Texts
from mm2report.evaluate import combine_phases, evaluate
from mm2report.params import ChecklistItem, load_campaign
from mm2report.sources import open_source
from mm2report.verdicts import Status, Verdict, compare, fact, sla

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "parameters" / "demo.yml"
PARIS = ZoneInfo("Europe/Paris")
FR, EN = Texts("fr", PARIS), Texts("en", PARIS)
NNBSP, NBSP = "\u202f", "\u00a0"
P, F, I = Status.PASS, Status.FAIL, Status.INCONCLUSIVE


@pytest.fixture(scope="module")
def campaign():
    return load_campaign(DEMO)


@pytest.fixture(scope="module")
def analysis(campaign):
    with open_source(campaign) as source:
        return evaluate(campaign, source)


def with_checklist(campaign, **statuses):
    """The campaign with its checklist items set: id=status (None removes the item)."""
    items = {i.id: i for i in campaign.checklist}
    for item_id, status in statuses.items():
        if status is None:
            items.pop(item_id, None)
        elif status == "done":
            items[item_id] = ChecklistItem(id=item_id, status="done", evidence="proof",
                                           date=datetime(2026, 11, 18, 9, tzinfo=timezone.utc))
        else:
            items[item_id] = ChecklistItem(id=item_id, status=status)
    return campaign.model_copy(update={"checklist": tuple(items.values())})


# --------------------------------------------------------------------------------------------
# Domain scores
# --------------------------------------------------------------------------------------------


def test_demo_criteria_are_1_to_9_pass_and_10_fail(analysis):
    """What the hand counts below rest on: rollback_tested is not_done in the demo."""
    assert {v.id: v.status for v in analysis.criteria} == {
        **{str(i): P for i in range(1, 10)}, "10": F}
    cert = next(v for v in analysis.sla if v.id == "certificates")
    assert cert.status is P


def scores(analysis, campaign):
    return {s.domain: (s.passed, s.judged, s.failed, s.unsure, s.status)
            for s in domain_scores(analysis, campaign)}


def test_domain_scores_of_the_demo_counted_by_hand(analysis, campaign):
    # demo checklist: runbook, rollback_procedure, escalation_contacts, config_backup done;
    # acls, rollback_tested not_done; every other item unreported (counts as not done).
    # (passed, judged, failed = FAIL or not done, unsure = INCONCLUSIVE or unreported, status)
    expected = {
        # criteria 2-5 PASS; parameters_tuned, quotas unreported
        "performance": (4, 6, 0, 2, I),
        # criteria 6, 7 PASS, 10 FAIL; the four documentation/configuration items done
        "resilience": (6, 7, 1, 0, F),
        # acls not done, certificates_valid unreported, certificate check PASS
        "security": (1, 3, 1, 1, F),
        # criteria 1 and 8 PASS
        "functional": (2, 2, 0, 0, P),
        # criterion 9 PASS; six dashboard/alert/notification items unreported
        "observability": (1, 7, 0, 6, I),
        "global": (14, 25, 2, 9, F),
    }
    assert scores(analysis, campaign) == expected
    by_domain = {s.domain: s for s in domain_scores(analysis, campaign)}
    assert by_domain["performance"].score == pytest.approx(4 / 6)
    assert by_domain["functional"].score == 1.0
    assert by_domain["global"].score == pytest.approx(14 / 25)


def test_not_applicable_items_are_left_out_and_a_full_domain_is_conforme(analysis, campaign):
    changed = with_checklist(campaign, parameters_tuned="done", quotas="not_applicable",
                             acls="not_applicable", certificates_valid="done",
                             runbook=None, rollback_tested="done")
    got = scores(analysis, changed)
    assert got["performance"] == (5, 5, 0, 0, P)  # 4 criteria + parameters_tuned
    assert got["security"] == (2, 2, 0, 0, P)  # certificates_valid + the certificate check
    # runbook removed: unreported, still judged; criterion 10 stays FAIL (analysis unchanged)
    assert got["resilience"] == (5, 7, 1, 1, F)


def test_a_domain_at_100_percent_is_conforme_only_with_nothing_unreported(analysis, campaign):
    everything = with_checklist(campaign, **{i: "done" for i in (
        "parameters_tuned", "quotas", "acls", "certificates_valid", "dashboards_access",
        "alerts_configured_tested", "dashboard_replication", "dashboard_detailed",
        "prometheus_alerts", "notification_tested")})
    got = scores(analysis, everything)
    assert got["performance"] == (6, 6, 0, 0, P)
    assert got["observability"] == (7, 7, 0, 0, P)
    assert got["security"] == (3, 3, 0, 0, P)
    assert got["resilience"][4] is F  # criterion 10 still FAIL
    assert got["global"] == (24, 25, 1, 0, F)


def test_a_card_not_measured_says_why_in_the_reports_language():
    no_phase = missing("latency_p99", "ms", "latency phase not run")
    assert _why_not_measured(FR, no_phase) == "pas de phase de latence dans la campagne"
    assert _why_not_measured(EN, no_phase) == "no latency phase in the campaign"
    # a note the catalogue does not word is not pasted into a French card
    assert _why_not_measured(FR, missing("x", "ms", "something else went wrong")) == ""
    assert _why_not_measured(FR, kpi(3.0, "ms")) == ""


# --------------------------------------------------------------------------------------------
# SLA gaps
# --------------------------------------------------------------------------------------------


def kpi(value, unit):
    return Kpi("x", value, unit, completeness=1.0)


def test_gap_below_a_less_than_objective_is_a_negative_margin():
    mttr = compare("sla-mttr", "MTTR", kpi(125, "s"), "<", 600, unit="s")
    assert _gap(FR, mttr) == f"-7{NBSP}min 55{NBSP}s"
    assert _gap(EN, mttr) == f"-7{NBSP}min 55{NBSP}s"
    lat = compare("sla-latency", "MM2 latency", kpi(265.7043649756881, "ms"), "<=", 1000, unit="ms")
    assert _gap(FR, lat) == f"-734{NBSP}ms"
    lag = compare("sla-lag", "MM2 lag", kpi(0.0, "records"), "<=", 10_000, unit="records")
    assert _gap(FR, lag) == f"-10{NNBSP}000{NBSP}msg"
    assert _gap(EN, lag) == f"-10,000{NBSP}records"


def test_gap_above_a_less_than_objective_is_positive():
    rto = compare("sla-rto", "RTO", kpi(400, "s"), "<", 300, unit="s")
    assert rto.status is F and _gap(FR, rto) == f"+1{NBSP}min 40{NBSP}s"
    lat = compare("sla-latency", "MM2 latency", kpi(1250, "ms"), "<=", 1000, unit="ms")
    assert lat.status is F and _gap(EN, lat) == f"+250{NBSP}ms"  # an excess is signed


def test_gap_of_a_line_without_a_number_is_a_dash():
    unmeasured = compare("sla-mttr", "MTTR", missing("mttr", "s", "no incident"), "<", 600, unit="s")
    assert _gap(FR, unmeasured) == "—"
    manual = fact("10", "Rollback tested", F, "not done", value="not done",
                  threshold="manual item 'rollback_tested' done")
    assert _gap(FR, manual) == "—"
    assert _gap(FR, fact("x", "x", P, "", value=3.0, unit="s", threshold="")) == "—"


def test_gap_of_a_margin_is_negative_for_at_least_objectives_too():
    cert = compare("certificates", "Certificates valid", kpi(148.41319444444446, "days"), ">=", 90,
                   unit="days")
    assert cert.status is P
    assert _gap(FR, cert).startswith("-")
    avail = fact("sla-availability", "Availability", I, "", value=99.99738573275533, unit="%",
                 threshold=">= 99.9886 %")
    assert _gap(FR, avail).startswith("-")


def test_gap_is_no_finer_than_the_measured_value_it_is_read_beside():
    # the table writes 149.8 days as "150 j": against 90, the margin a reader checks is 60
    cert = compare("certificates", "Certificates valid", kpi(149.8, "days"), ">=", 90,
                   unit="days")
    assert _gap(FR, cert) == f"-60{NBSP}j"
    lat = compare("sla-latency", "MM2 latency", kpi(5.25, "ms"), "<=", 10, unit="ms")
    assert _gap(EN, lat) == f"-4.75{NBSP}ms"  # both written with two decimals


def test_gap_uses_the_objective_for_large_thresholds(analysis, campaign):
    th = campaign.thresholds.model_copy(update={"lag_records": 1_000_000.0})
    big = campaign.model_copy(update={"thresholds": th})
    lag = next(v for v in sla(analysis, big) if v.id == "sla-lag")
    assert lag.value == 0.0 and lag.status is P
    assert objective(FR, lag, big) == f"≤ 1{NNBSP}000{NNBSP}000{NBSP}msg"
    assert _gap(FR, lag) == f"-1{NNBSP}000{NNBSP}000{NBSP}msg"


def test_a_failed_duration_line_at_the_limit_shows_no_margin():
    rto = compare("sla-rto", "RTO", kpi(300, "s"), "<", 300, unit="s")
    assert rto.status is F
    assert not _gap(FR, rto).startswith("-")


# --------------------------------------------------------------------------------------------
# Objectives
# --------------------------------------------------------------------------------------------

OBJECTIVES = {
    "fr": {"sla-availability": f"≥ 99,9886{NBSP}%", "sla-mttr": f"< 10{NBSP}min",
           "sla-rto": f"< 5{NBSP}min", "sla-rpo": f"< 1{NBSP}min",
           "sla-latency": f"≤ 1{NNBSP}000{NBSP}ms", "sla-lag": f"≤ 10{NNBSP}000{NBSP}msg",
           "certificates": f"≥ 90{NBSP}j"},
    "en": {"sla-availability": f"≥ 99.9886{NBSP}%", "sla-mttr": f"< 10{NBSP}min",
           "sla-rto": f"< 5{NBSP}min", "sla-rpo": f"< 1{NBSP}min",
           "sla-latency": f"≤ 1,000{NBSP}ms", "sla-lag": f"≤ 10,000{NBSP}records",
           "certificates": f"≥ 90{NBSP}days"},
}


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_objectives_of_the_demo_sla_lines(analysis, campaign, lang):
    t = FR if lang == "fr" else EN
    assert {v.id: objective(t, v, campaign) for v in analysis.sla} == OBJECTIVES[lang]


def test_objective_follows_the_parameters_and_falls_back_on_the_threshold(analysis, campaign):
    th = campaign.thresholds.model_copy(update={
        "mttr": campaign.thresholds.mttr * 0.15, "availability_pct": 99.95, "cert_min_days": 30.0})
    changed = campaign.model_copy(update={"thresholds": th})
    got = {v.id: objective(FR, v, changed) for v in sla(analysis, changed)}
    assert got["sla-mttr"] == f"< 1{NBSP}min 30{NBSP}s"
    assert got["sla-availability"] == f"≥ 99,9500{NBSP}%"
    assert got["certificates"] == f"≥ 30{NBSP}j"
    crit = analysis.criteria[2]  # criterion 3, not an SLA line: its own threshold text
    assert objective(EN, crit, campaign) == crit.threshold == "< 5000 ms"


# --------------------------------------------------------------------------------------------
# Technical sheet: worst burst, worst event-triggered rebalance
# --------------------------------------------------------------------------------------------


def sheet(analysis) -> dict[str, Kpi]:
    return {line.key: line.kpi for line in technical_sheet(analysis)}


def test_sheet_of_the_demo_shows_the_worst_burst_and_event_rebalance(analysis):
    res = analysis.phases["resilience"]
    got = sheet(analysis)
    assert [b.recovery.value for b in res.bursts] == [67.5, 0.0]
    assert got["d.burst_recovery"].value == 67.5
    events = [r.span.value for r in res.rebalances if r.trigger == "event"]
    assert events == [7.5, 52.5]
    assert got["d.rebalance"].value == 52.5


def test_sheet_ignores_rejoin_rebalances_and_unmeasured_bursts(analysis):
    res = analysis.phases["resilience"]
    first, *others = res.rebalances
    rejoin = dataclasses.replace(first, trigger="rejoin", span=kpi(999.0, "s"))
    slow = dataclasses.replace(first, span=dataclasses.replace(first.span, value=80.0))
    b0, b1 = res.bursts
    lost = dataclasses.replace(b0, recovery=missing("recovery", "s", "lag never back"))
    worse = dataclasses.replace(b1, recovery=dataclasses.replace(b1.recovery, value=200.0))
    phases = {**analysis.phases, "resilience": dataclasses.replace(
        res, rebalances=(rejoin, *others, slow), bursts=(lost, worse))}
    got = sheet(dataclasses.replace(analysis, phases=phases))
    assert got["d.rebalance"].value == 80.0  # the rejoin's 999 s is not a worker event
    assert got["d.burst_recovery"].value == 200.0  # worst of the measured ones...
    assert got["d.burst_recovery"].completeness == 0.0  # ...but one burst is unmeasured


def test_sheet_without_resilience_says_not_measured(analysis):
    phases = {k: v for k, v in analysis.phases.items() if k != "resilience"}
    got = sheet(dataclasses.replace(analysis, phases=phases))
    assert not got["d.burst_recovery"].known and not got["d.rebalance"].known
    assert got["l.max_tested"].value == analysis.phases["capacity"].capacity.max_tested.value


# --------------------------------------------------------------------------------------------
# Projection: what a failure costs
# --------------------------------------------------------------------------------------------


def test_a_long_error_scenario_outage_does_not_change_the_projection(analysis, campaign):
    errors = analysis.phases["errors"]
    (inc,) = errors.incidents
    slow = dataclasses.replace(errors, incidents=(dataclasses.replace(inc, duration_s=1200.0),))
    changed = combine_phases(campaign, {**analysis.phases, "errors": slow}, analysis.origin, None)
    assert changed.restore == analysis.restore  # MTTR, RTO, RPO leave error scenarios out
    assert changed.projection.downtime_year_s == analysis.projection.downtime_year_s
    assert changed.projection.hours_needed == analysis.projection.hours_needed


# --------------------------------------------------------------------------------------------
# The GO/NOGO decision document: inconclusive criteria, the certificate line
# --------------------------------------------------------------------------------------------

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def dated(campaign):
    """The demo analysed with its certificates counted from a fixed instant."""
    with open_source(campaign) as source:
        return evaluate(campaign, source, now=NOW)


def _decision_tables(t, campaign, analysis):
    from mm2report.actions import production_decision
    from mm2report.documents.deliverables import decision_document

    decision = production_decision(analysis.decision.go, analysis.decision.reason, None)
    doc = decision_document(t, campaign, analysis, None, decision)
    return [table for block in doc.blocks for table in getattr(block, "tables", ())]


@pytest.mark.parametrize("t,words", [(FR, "NON CONCLUANT"), (EN, "INCONCLUSIVE")])
def test_decision_table_shows_an_inconclusive_criterion_as_such(dated, campaign, t, words):
    unsure = dataclasses.replace(dated.criteria[2], status=I)  # criterion 3
    analysis = dataclasses.replace(dated, criteria=(dated.criteria[:2] + (unsure,)
                                                    + dated.criteria[3:]))
    criteria = _decision_tables(t, campaign, analysis)[1]
    shown = {row[0].text.split(".", 1)[0]: row[3] for row in criteria.rows}
    assert shown["3"].text == words and shown["3"].status is I
    assert shown["10"].text == "NOGO" and shown["10"].status is F  # measured NOGO stays NOGO
    assert shown["1"].text == "GO"


def test_cli_words_inconclusive_criteria_as_the_decision_document_does(dated, campaign):
    from mm2report.summary import analysis_summary

    unsure = dataclasses.replace(dated.criteria[2], status=I)
    analysis = dataclasses.replace(dated, criteria=(dated.criteria[:2] + (unsure,)
                                                    + dated.criteria[3:]))
    line = next(x for x in analysis_summary(analysis, campaign).splitlines()
                if x.strip().startswith("3. "))
    assert " INCONCLUSIVE " in line and "NOGO" not in line


def test_checklist_certificate_line_shows_the_measurement(dated, campaign):
    def line(t, c, a):
        label = t("ck.certificates_valid")
        (row,) = [row for table in _decision_tables(t, c, a) for row in table.rows
                  if row[0].text == label]
        return row

    # the demo's earliest certificate expires 2027-04-15T06:55Z; its parameters give the
    # decision date 2026-11-17T21:00Z (the campaign's end): 148.41 days, whenever it runs
    cert = next(v for v in dated.sla if v.id == "certificates")
    assert cert.status is P and cert.value == pytest.approx(148.413, abs=0.001)
    assert dated.certificates.basis == "decision date"
    row = line(FR, campaign, dated)
    assert row[0].text == "SSL/Certificats valides > 3 mois"
    assert row[1].text == f"mesuré : 148{NBSP}j — CONFORME", row[1].text
    assert "comptés depuis le 17/11/2026 22:00 (date de décision)" in row[2].text
    # without a decision date: from the report's generation time, and the document says so
    info = campaign.campaign.model_copy(update={"decision_date": None})
    undated = campaign.model_copy(update={"campaign": info})
    again = combine_phases(undated, dated.phases, dated.origin, None, now=NOW)
    cert = next(v for v in again.sla if v.id == "certificates")
    assert cert.status is P and cert.value == pytest.approx(140.788, abs=0.001)
    assert again.certificates.counted_from == NOW
    row = line(EN, undated, again)
    assert row[1].text == f"measured: 141{NBSP}days — PASS", row[1].text
    assert "days counted from 2026-11-25 13:00 (report generation time)" in row[2].text
    # a later decision date: 45 days left, under the 90 required
    info = campaign.campaign.model_copy(update={"decision_date": datetime(2027, 3, 1, tzinfo=timezone.utc)})
    decided = campaign.model_copy(update={"campaign": info})
    again = combine_phases(decided, dated.phases, dated.origin, None, now=NOW)
    cert = next(v for v in again.sla if v.id == "certificates")
    assert cert.status is F and cert.value == pytest.approx(45.289, abs=0.001)
    row = line(EN, decided, again)
    assert row[1].text == f"measured: 45.3{NBSP}days — FAIL", row[1].text
    assert "days counted from 2027-03-01 01:00 (decision date)" in row[2].text
