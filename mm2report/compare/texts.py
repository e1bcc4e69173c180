"""The comparison's words, in French and English.

Numbers, dates and units are formatted by :class:`mm2report.documents.i18n.Texts` (babel); the
labels of the comparison live here, beside the code that uses them, so that the deliverables' own
vocabulary can evolve without this module and the other way round. A missing key is a
``KeyError`` in the tests.
"""

from __future__ import annotations

MESSAGES: dict[str, tuple[str, str]] = {
    "title": ("Comparaison avant / après", "Before / after comparison"),
    "intro": ("Référence A : {a}. Campagne comparée B : {b}. Pour chaque indicateur : A, B, "
              "l'écart B − A, son intervalle de confiance à {conf} et s'il est significatif "
              "(l'intervalle exclut 0) : « meilleur » ou « moins bon » ne sont dits que d'un "
              "écart significatif. Là où les données d'une campagne ne permettent pas "
              "d'intervalle, l'écart est donné sans conclusion.",
              "Reference A: {a}. Compared campaign B: {b}. For every indicator: A, B, the "
              "difference B − A, its {conf} confidence interval and whether it is significant "
              "(the interval excludes 0): \"better\" or \"worse\" is said of a significant "
              "difference only. Where what a campaign stores allows no interval, the "
              "difference is given without a conclusion."),
    "s.criteria": ("Critères de succès ACT-003", "ACT-003 success criteria"),
    "s.criteria_intro": ("Un critère est PASS seulement si l'intervalle le prouve ; des données "
                         "insuffisantes donnent INCONCLUSIVE, jamais PASS.",
                         "A criterion is PASS only when the interval proves it; not enough "
                         "data gives INCONCLUSIVE, never PASS."),
    "s.overall": ("Résultat global : {status}.", "Overall: {status}."),
    "s.capacity": ("Capacité soutenue", "Sustained capacity"),
    "s.capacity_intro": (
        "Débit répliqué moyen par palier (intervalle : Welch sur les moyennes de cinq lots "
        "consécutifs de ses relevés) et plafond de saturation ajusté (intervalle : covariance "
        "de l'ajustement).",
        "Mean replicated rate per step (interval: Welch on the means of five consecutive "
        "batches of its readings) and the fitted saturation ceiling (interval: the fit's "
        "covariance)."),
    "s.latency": ("Latence", "Latency"),
    "s.latency_intro": (
        "Percentiles des maxima par relevé pondérés par les messages (bornes supérieures, comme "
        "dans les analyses) ; intervalle de l'écart : bootstrap par blocs de chaque campagne.",
        "Percentiles of the per-scrape maxima weighted by records (upper bounds, as in the "
        "analyses); interval of the difference: block bootstrap of each campaign."),
    "s.times": ("Rééquilibrages et rétablissements", "Rebalances and recoveries"),
    "s.times_intro": (
        "Par type d'événement. Un seul événement d'un type par campagne ne donne aucune "
        "dispersion à mesurer : l'écart est donné sans intervalle (chaque durée est exacte à un "
        "pas de collecte près). Avec au moins deux événements de chaque côté : intervalle de "
        "Welch.",
        "Per event kind. One event of a kind per campaign gives no spread to measure: the "
        "difference is given without an interval (each time is exact to one scrape step). With "
        "at least two events on each side: Welch's interval."),
    "s.availability": ("Disponibilité et incidents", "Availability and incidents"),
    "s.availability_intro": (
        "La disponibilité résulte des pannes injectées, pas d'un échantillon : pas "
        "d'intervalle. Les incidents naturels (liés à aucun événement) sont comparés comme des "
        "taux de Poisson (test conditionnel exact, intervalle du rapport B/A).",
        "Availability is the outcome of the faults injected, not a sample: no interval. "
        "Natural incidents (linked to no event) are compared as Poisson rates (exact "
        "conditional test, interval of the ratio B/A)."),
    "s.other": ("Autres lignes de la fiche technique et du SLA",
                "Other lines of the technical sheet and the SLA"),
    "s.other_intro": (
        "Aucune de ces valeurs n'a d'intervalle qu'une campagne puisse donner : une part fixe "
        "d'une autre, une projection bornée par scénarios, un maximum, une date, la taille du "
        "déploiement.",
        "None of these figures has an interval a campaign can give: a fixed share of another, a "
        "projection bounded by scenarios, a maximum, a date, the deployment's size."),
    "s.regressions": ("Régressions", "Regressions"),
    "s.regressions_none": ("Aucune : les {n} lignes (critères GO/NOGO et SLA) conformes dans A "
                           "le sont dans B.",
                           "None: the {n} lines (GO/NOGO criteria and SLA) that pass in A pass "
                           "in B."),
    "s.regressions_some": ("Lignes conformes dans A qui ne le sont plus dans B :",
                           "Lines that pass in A and no longer pass in B:"),
    "s.plots": ("Avant / après", "Before / after"),
    "col.kpi": ("Indicateur", "Indicator"),
    "col.unit": ("Unité", "Unit"),
    "col.a": ("A", "A"),
    "col.b": ("B", "B"),
    "col.diff": ("B − A", "B − A"),
    "col.ci": ("IC {conf}", "{conf} CI"),
    "col.outcome": ("Conclusion", "Conclusion"),
    "col.criterion": ("Critère", "Criterion"),
    "col.verdict": ("Verdict", "Verdict"),
    "col.reason": ("Motif", "Reason"),
    "col.line": ("Ligne", "Line"),
    "col.kind": ("Type", "Kind"),
    "kind.criterion": ("critère GO/NOGO", "GO/NOGO criterion"),
    "kind.sla": ("SLA", "SLA"),
    "o.better": ("meilleur", "better"),
    "o.worse": ("moins bon", "worse"),
    "o.no_difference": ("pas d'écart significatif", "no significant difference"),
    "o.no_interval": ("sans intervalle", "no interval"),
    "o.not_measured": ("non mesuré", "not measured"),
    "status.PASS": ("PASS", "PASS"),
    "status.FAIL": ("FAIL", "FAIL"),
    "status.INCONCLUSIVE": ("INCONCLUSIVE", "INCONCLUSIVE"),
    # lines
    "cmp.step": ("Palier {n} ({rate})", "Step {n} ({rate})"),
    "cmp.ceiling": ("Plafond de saturation ajusté", "Fitted saturation ceiling"),
    "cmp.max_tested": ("Capacité max testée (palier soutenu)", "Max tested capacity (sustained step)"),
    "cmp.latency_p50": ("Latence p50 — {phase}", "Latency p50 — {phase}"),
    "cmp.latency_p99": ("Latence p99 — {phase}", "Latency p99 — {phase}"),
    "cmp.baseline": ("Latence de base", "Baseline latency"),
    "cmp.max_under_load": ("Latence max sous charge", "Max latency under load"),
    "cmp.rebalance": ("Rééquilibrage — {kind}", "Rebalance — {kind}"),
    "cmp.burst": ("Retour après pic de charge", "Recovery after a burst"),
    "cmp.restore": ("Rétablissement — {kind}", "Restore — {kind}"),
    "cmp.mttr": ("MTTR", "MTTR"),
    "cmp.rto": ("RTO (pire rétablissement)", "RTO (worst restore)"),
    "cmp.rpo": ("RPO", "RPO"),
    "cmp.recommended": ("Capacité recommandée", "Recommended capacity"),
    "cmp.projected": ("Disponibilité annuelle projetée", "Projected yearly availability"),
    "cmp.lag_max": ("Retard max en charge stable", "Max lag under steady load"),
    "cmp.certificates": ("Validité des certificats (jours)", "Certificates valid (days)"),
    "cmp.workers": ("Workers", "Workers"),
    "cmp.tasks": ("Tâches", "Tasks"),
    "cmp.availability": ("Disponibilité (temps connu)", "Availability (known time)"),
    "cmp.downtime": ("Indisponibilité cumulée", "Total downtime"),
    "cmp.incidents": ("Incidents — {kind}", "Incidents — {kind}"),
    "cmp.natural": ("Incidents naturels (rapport des taux B/A)",
                    "Natural incidents (rate ratio B/A)"),
    "sustained": ("soutenu A {a} · B {b}", "sustained A {a} · B {b}"),
    "yes": ("oui", "yes"),
    "no": ("non", "no"),
    "unknown": ("?", "?"),
    # reasons without an interval
    "cmp.why.no_ci": ("aucun intervalle enregistré pour cette valeur",
                      "no interval stored for this figure"),
    "cmp.why.extreme": ("un maximum ou une médiane de moyennes", "a maximum, or a median of averages"),
    "cmp.why.injected_times": ("pannes injectées : pas d'échantillon", "injected faults: no sample"),
    "cmp.why.outcome": ("résultat des pannes injectées", "outcome of the faults injected"),
    "cmp.why.maximum": ("un seul relevé, le plus haut", "a single reading, the highest"),
    "cmp.why.share": ("part fixe de la capacité max testée", "fixed share of the max tested capacity"),
    "cmp.why.projection": ("projection par scénarios", "projection by scenarios"),
    "cmp.why.date": ("une date", "a date"),
    "cmp.why.config": ("taille du déploiement", "the deployment's size"),
    "cmp.why.not_measured": ("non mesuré dans les deux campagnes",
                             "not measured in both campaigns"),
    "cmp.why.few_quantile": ("trop peu de relevés pour l'intervalle de ce percentile",
                             "too few readings for this percentile's interval"),
    "cmp.why.few": ("moins de 10 relevés", "fewer than 10 readings"),
    "cmp.why.one_event": ("un seul événement de ce type par campagne, ou aucune dispersion",
                          "one event of this kind per campaign, or no spread"),
    "cmp.why.injected": ("incidents d'une panne injectée : comptés, non échantillonnés",
                         "incidents of an injected fault: counted, not sampled"),
    "cmp.why.none": ("aucun incident naturel", "no natural incident"),
    # verdict titles and reasons
    "v.act003-throughput": ("Débit augmenté de plus de {gain} %",
                            "Throughput up by more than {gain} %"),
    "v.act003-p99": ("Latence P99 réduite", "Latency P99 reduced"),
    "v.act003-p99.not_higher": ("Latence P99 non augmentée", "Latency P99 not increased"),
    "v.act003-regression": ("Pas de régression fonctionnelle", "No functional regression"),
    "r.cmp.v.no_capacity": ("pas de phase de capacité dans les deux campagnes",
                            "no capacity phase in both campaigns"),
    "r.cmp.v.no_ci": ("les plafonds n'ont pas d'intervalle", "the ceilings have no interval"),
    "r.cmp.v.tp_fail": ("plafond {value} [{lo} ; {hi}] : sous l'objectif",
                        "ceiling {value} [{lo} ; {hi}]: below the target"),
    "r.cmp.v.tp_pass": ("plafond {value} [{lo} ; {hi}] : au-dessus de l'objectif",
                        "ceiling {value} [{lo} ; {hi}]: above the target"),
    "r.cmp.v.tp_unsure": ("plafond {value} [{lo} ; {hi}] : l'intervalle ne tranche pas",
                          "ceiling {value} [{lo} ; {hi}]: the interval does not decide"),
    "r.cmp.v.tp_bound": ("B jamais saturé : au moins {value} au-dessus du plafond de A",
                         "B never saturated: at least {value} above A's ceiling"),
    "r.cmp.v.tp_no_ceiling": ("pas de plafond de saturation à comparer ({why})",
                              "no saturation ceiling to compare ({why})"),
    "r.cmp.v.no_latency": ("pas de phase de charge stable dans les deux campagnes",
                           "no steady-load phase in both campaigns"),
    "r.cmp.v.p99_none": ("{phase} : pas d'intervalle", "{phase}: no interval"),
    "r.cmp.v.p99_higher": ("{phase} : p99 plus élevée de {value} [{lo} ; {hi}]",
                           "{phase}: p99 higher by {value} [{lo} ; {hi}]"),
    "r.cmp.v.p99_pass": ("{phase} : p99 {value} [{lo} ; {hi}]", "{phase}: p99 {value} [{lo} ; {hi}]"),
    "r.cmp.v.p99_unsure": ("{phase} : p99 {value} [{lo} ; {hi}], pas d'écart prouvé",
                           "{phase}: p99 {value} [{lo} ; {hi}], no difference proven"),
    "r.cmp.v.reg_fail": ("conforme dans A, en échec dans B : {ids}",
                         "PASS in A, FAIL in B: {ids}"),
    "r.cmp.v.reg_unsure": ("conforme dans A, non jugé dans B : {ids}",
                           "PASS in A, not judged in B: {ids}"),
    "r.cmp.v.reg_nothing": ("aucune ligne conforme dans A : rien à préserver",
                            "no line passes in A: nothing to keep"),
    "r.cmp.v.reg_pass": ("les {n} lignes conformes dans A le sont dans B",
                         "all {n} lines that pass in A pass in B"),
    # phases and events
    "phase.smoke": ("fumée", "smoke"),
    "phase.nominal": ("charge nominale", "nominal load"),
    "phase.latency": ("phase latence", "latency phase"),
    "phase.capacity": ("capacité", "capacity"),
    "phase.soak": ("endurance", "soak"),
    "phase.resilience": ("résilience", "resilience"),
    "phase.errors": ("erreurs", "errors"),
    "e.worker_stop": ("arrêt d'un worker", "worker stop"),
    "e.worker_restart": ("redémarrage d'un worker", "worker restart"),
    "e.worker_add": ("ajout d'un worker", "worker added"),
    "e.broker_stop": ("arrêt d'un broker", "broker stop"),
    "e.network_cut": ("coupure réseau", "network cut"),
    "e.burst": ("pic de charge", "burst"),
    "e.error_scenario": ("scénario d'erreur", "error scenario"),
    "e.other": ("autre", "other"),
    # plots
    "p.capacity": ("Débit répliqué selon la charge offerte", "Replicated vs offered rate"),
    "p.offered": ("charge offerte (msg/s)", "offered load (records/s)"),
    "p.replicated": ("débit répliqué (msg/s)", "replicated rate (records/s)"),
    "p.ceiling": ("plafond {side}", "ceiling {side}"),
    "p.latency": ("Distribution des latences (maxima par relevé)",
                  "Latency distribution (per-scrape maxima)"),
    "p.latency_x": ("latence (ms)", "latency (ms)"),
    "p.latency_y": ("part des messages ≤ x", "share of records ≤ x"),
    "p.alt_capacity": ("Capacité avant / après sur un même axe", "Capacity before / after on one axis"),
    "p.alt_latency": ("Latence avant / après sur un même axe", "Latency before / after on one axis"),
    "method": ("Méthode : docs/kpis.md, « Comparer deux campagnes ».",
               "Method: docs/kpis.md, \"Comparing two campaigns\"."),
    "generated": ("Généré le {date}", "Generated {date}"),
}


class CompareTexts:
    """The comparison's labels in one language, with
    :class:`mm2report.documents.i18n.Texts` for numbers, dates and units."""

    def __init__(self, t):
        self.t = t
        self.lang = t.lang

    def __call__(self, key: str, **values) -> str:
        text = MESSAGES[key][0 if self.lang == "fr" else 1]
        return text.format(**values) if values else text

    def phase(self, name: str) -> str:
        key = f"phase.{name}"
        return self(key) if key in MESSAGES else name

    def event(self, kind: str) -> str:
        key = f"e.{kind}"
        return self(key) if key in MESSAGES else kind


def texts_for(lang: str, tz) -> CompareTexts:
    from ..documents.i18n import texts

    return CompareTexts(texts(lang, tz))


__all__ = ["CompareTexts", "MESSAGES", "texts_for"]
