"""Report language: French (default) or English labels, numbers and dates.

Numbers and dates follow the locale through babel (``12 345,6`` and ``21/11/2026 14:05`` in
French, ``12,345.6`` and ``2026-11-21 14:05`` in English); times are shown in the campaign's
time zone. Every label a reader sees goes through :class:`Texts`, so a missing translation is a
``KeyError`` in the tests, never a half-translated page.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Literal

import pandas as pd
from babel.dates import format_datetime
from babel.numbers import format_decimal, format_percent

Lang = Literal["fr", "en"]
LANGS: tuple[str, ...] = ("fr", "en")

# key: (French, English). Placeholders use str.format.
MESSAGES: dict[str, tuple[str, str]] = {
    # phases
    "phase.smoke": ("Test de fumée", "Smoke test"),
    "phase.nominal": ("Charge nominale", "Nominal load"),
    "phase.latency": ("Latence", "Latency"),
    "phase.capacity": ("Capacité maximale", "Maximum capacity"),
    "phase.soak": ("Endurance 24 h", "24 h soak"),
    "phase.resilience": ("Résilience", "Resilience"),
    "phase.errors": ("Comportements en erreur", "Error behaviours"),
    "phase.purpose.smoke": (
        "Vérifier que la réplication fonctionne de bout en bout : connecteur démarré, tâches en "
        "cours d'exécution, messages répliqués sans perte.",
        "Check that replication works end to end: connector started, tasks running, records "
        "replicated without loss."),
    "phase.purpose.nominal": (
        "Tenir la charge de production attendue sans interruption, sans perte et avec un retard "
        "borné.",
        "Hold the expected production load without interruption, loss or unbounded lag."),
    "phase.purpose.latency": (
        "Mesurer la latence de réplication : référence à vide, percentiles sous charge et leur "
        "intervalle de confiance, comparés au SLO.",
        "Measure replication latency: idle baseline, percentiles under load and their confidence "
        "interval, against the SLO."),
    "phase.purpose.capacity": (
        "Augmenter la charge par paliers jusqu'à saturation : capacité maximale tenue et capacité "
        "recommandée (70 %).",
        "Raise the load step by step until saturation: maximum sustained capacity and the "
        "recommended capacity (70 %)."),
    "phase.purpose.soak": (
        "Tenir la charge au moins 24 h : débit stable, retard borné, pas de dérive de la latence "
        "ni de la mémoire des workers.",
        "Hold the load for at least 24 h: steady throughput, bounded lag, no drift of latency or "
        "worker memory."),
    "phase.purpose.resilience": (
        "Injecter des pannes (ajout et arrêt de worker, rafales, arrêt de broker, coupure réseau) "
        "et mesurer détection, rétablissement, rééquilibrage et perte.",
        "Inject faults (worker added and stopped, bursts, broker stop, network cut) and measure "
        "detection, restoration, rebalancing and loss."),
    "phase.purpose.errors": (
        "Provoquer des erreurs (droits révoqués, messages trop gros) et documenter le comportement "
        "observé : tâches en échec, erreurs comptées, reprise, perte.",
        "Provoke errors (revoked credentials, oversized records) and document what happens: "
        "failed tasks, counted errors, recovery, loss."),
    # headings
    "h.summary": ("Synthèse de la phase", "Phase summary"),
    "h.verdicts": ("Verdicts de la phase", "Phase verdicts"),
    "h.overview": ("Déroulé de la phase", "Phase timeline"),
    "h.incidents": ("Incidents", "Incidents"),
    "h.loss": ("Perte de messages", "Message loss"),
    "h.latency": ("Latence de réplication", "Replication latency"),
    "h.capacity": ("Paliers de charge", "Load steps"),
    "h.stability": ("Stabilité", "Stability"),
    "h.events": ("Événements injectés", "Injected events"),
    "h.detection": ("Détection des pannes par les alertes", "Fault detection by the alerts"),
    "h.errors": ("Scénarios d'erreur", "Error scenarios"),
    "h.saved": ("Résultats enregistrés", "Results saved"),
    "h.change": ("Validation post-changement", "Post-change validation"),
    # field labels
    "l.campaign": ("Campagne", "Campaign"),
    "l.client": ("Client", "Client"),
    "l.window": ("Fenêtre", "Window"),
    "l.timezone": ("Fuseau horaire", "Time zone"),
    "l.source": ("Source des métriques", "Metrics source"),
    "l.completeness": ("Complétude des données", "Data completeness"),
    "l.step": ("Pas de mesure", "Measurement step"),
    "l.availability": ("Disponibilité", "Availability"),
    "d.availability_measured": ("Disponibilité mesurée pendant la campagne (pannes injectées comprises)",
                                "Availability measured during the campaign (injected faults included)"),
    "l.availability_pess": ("Disponibilité (inconnu compté en panne)",
                            "Availability (unknown counted as down)"),
    "l.downtime": ("Indisponibilité", "Downtime"),
    "l.unknown": ("Temps sans données suffisantes", "Time without enough data"),
    "l.produced": ("Messages produits", "Records produced"),
    "l.lost": ("Messages perdus", "Records lost"),
    "l.duplicates": ("Doublons", "Duplicates"),
    "l.lag_max": ("Retard maximal", "Highest lag"),
    "l.latency_max": ("Latence maximale", "Highest latency"),
    "l.workers": ("Workers", "Workers"),
    "l.tasks": ("Tâches", "Tasks"),
    "l.criterion": ("Critère", "Criterion"),
    "l.check": ("Contrôle", "Check"),
    "l.measured": ("Mesuré", "Measured"),
    "l.threshold": ("Seuil", "Threshold"),
    "l.verdict": ("Verdict", "Verdict"),
    "l.reason": ("Justification", "Reason"),
    "l.evidence": ("Preuves", "Evidence"),
    "l.start": ("Début", "Start"),
    "l.end": ("Fin", "End"),
    "l.duration": ("Durée", "Duration"),
    "l.cause": ("Cause", "Cause"),
    "l.event": ("Événement", "Event"),
    "l.detected": ("Détecté après", "Detected after"),
    "l.restored": ("Rétabli après", "Restored after"),
    "l.rpo": ("RPO (retard au moment de la panne)", "RPO (lag when it failed)"),
    "l.topic": ("Topic", "Topic"),
    "l.partitions": ("Partitions", "Partitions"),
    "l.complete": ("Données complètes", "Complete data"),
    "l.percentile": ("Percentile", "Percentile"),
    "l.upper_bound": ("Borne haute", "Upper bound"),
    "l.ci95": ("IC 95 %", "95 % CI"),
    "l.probe": ("Sonde (vrais percentiles)", "Probe (true percentiles)"),
    "l.baseline": ("Latence de référence", "Baseline latency"),
    "l.step_n": ("Palier", "Step"),
    "l.offered": ("Débit offert", "Offered rate"),
    "l.replicated": ("Débit répliqué", "Replicated rate"),
    "l.ratio": ("Répliqué / offert", "Replicated / offered"),
    "l.lag_growth": ("Croissance du retard", "Lag growth"),
    "l.latency_p99": ("Latence p99", "Latency p99"),
    "l.sustained": ("Tenu", "Sustained"),
    "l.max_tested": ("Capacité maximale testée", "Maximum tested capacity"),
    "l.recommended": ("Capacité recommandée", "Recommended capacity"),
    "l.ceiling": ("Plafond de saturation estimé", "Estimated saturation ceiling"),
    "l.metric": ("Indicateur", "Metric"),
    "l.trend": ("Tendance par heure", "Trend per hour"),
    "l.change": ("Variation sur la phase", "Change over the phase"),
    "l.p_value": ("p-valeur", "p-value"),
    "l.upward": ("Hausse significative", "Significant rise"),
    "l.delivery": ("Taux de livraison", "Delivery ratio"),
    "l.cv": ("Variation du débit (CV)", "Throughput variation (CV)"),
    "l.stable": ("Stable", "Stable"),
    "l.kind": ("Type", "Kind"),
    "l.target": ("Cible", "Target"),
    "l.rebalance": ("Rééquilibrage", "Rebalance"),
    "l.connect_max": ("Max. Connect (rebalance-max-time)", "Connect max (rebalance-max-time)"),
    "l.burst_recovery": ("Retour au retard initial", "Back to the lag before"),
    "l.peak_lag": ("Retard au pic", "Peak lag"),
    "l.mttr": ("MTTR", "MTTR"),
    "l.rto": ("RTO (pire rétablissement)", "RTO (worst restore)"),
    "l.rpo_s": ("RPO (secondes de production)", "RPO (seconds of production)"),
    "l.task_failed": ("Tâche en échec", "Task failed"),
    "l.errors_counted": ("Erreurs comptées", "Errors counted"),
    "l.recovered": ("Rétabli", "Recovered"),
    "l.needs_restart": ("Redémarrage nécessaire", "Restart needed"),
    "l.recovery": ("Rétablissement", "Recovery"),
    "l.file": ("Fichier", "File"),
    "l.overall": ("Verdict global", "Overall verdict"),
    "l.change_at": ("Changement à", "Change at"),
    "l.yes": ("oui", "yes"),
    "l.no": ("non", "no"),
    "l.unknown_value": ("inconnu", "unknown"),
    "l.none": ("aucun", "none"),
    "l.not_measured": ("non mesuré", "not measured"),
    "l.natural": ("naturel (sans événement)", "natural (no event)"),
    # statuses
    "s.PASS": ("CONFORME", "PASS"),
    "s.FAIL": ("NON CONFORME", "FAIL"),
    "s.INCONCLUSIVE": ("NON CONCLUANT", "INCONCLUSIVE"),
    # a GO/NOGO criterion, as the CLI and the decision document say it: INCONCLUSIVE is never
    # GO, and never a plain measured NOGO either
    "go.PASS": ("GO", "GO"),
    "go.FAIL": ("NOGO", "NOGO"),
    "go.INCONCLUSIVE": ("NON CONCLUANT", "INCONCLUSIVE"),
    "s.UP": ("disponible", "up"),
    "s.DEGRADED": ("dégradé", "degraded"),
    "s.DOWN": ("interrompu", "down"),
    "s.UNKNOWN": ("inconnu", "unknown"),
    # criteria (seed 000, "Critères GO/NOGO Finaux")
    "c.1": ("Test de fumée réussi", "Smoke test passed"),
    "c.2": ("Charge nominale stable", "Nominal load stable"),
    "c.3": ("Latence p99 sous le SLO", "Latency p99 under the SLO"),
    "c.4": ("Capacité maximale documentée", "Maximum capacity documented"),
    "c.5": ("Endurance 24 h stable", "24 h soak stable"),
    "c.6": ("Résilience validée", "Resilience validated"),
    "c.7": ("Comportements en erreur documentés", "Error behaviours documented"),
    "c.8": ("Zéro message perdu sur tous les tests", "Zero message lost in all tests"),
    "c.9": ("Alertes configurées", "Alerts configured"),
    "c.10": ("Retour arrière testé", "Rollback tested"),
    "c.connector": ("Connecteur RUNNING", "Connector RUNNING"),
    "c.tasks": ("Tâches RUNNING", "Tasks RUNNING"),
    "c.latency": ("Latence dans le SLO", "Latency within the SLO"),
    "c.lag": ("Le retard diminue", "Lag decreasing"),
    "c.errors": ("Pas de nouvelle erreur", "No new errors"),
    "c.change": ("Changement validé", "Change validated"),
    "c.loss": ("Aucun message perdu dans la phase", "No record lost in the phase"),
    # incident causes (mm2report.analyses.state) and stability trend metrics
    "cause.workers": ("aucun worker actif", "no worker up"),
    "cause.tasks": ("tâches arrêtées", "tasks down"),
    "cause.stall": ("réplication bloquée", "replication stalled"),
    "tr.lag": ("Retard", "Lag"),
    "tr.latency": ("Latence", "Latency"),
    "tr.heap_after_gc": ("Tas JVM après GC", "JVM heap after GC"),
    "tr.throughput": ("Débit", "Throughput"),
    # the loss table's footnote (mm2report.analyses.loss)
    "n.loss_net": ("Pertes et doublons sont nets par partition : une perte masquée par autant de "
                   "doublons dans la même partition et la même fenêtre ne se voit pas dans les "
                   "offsets.",
                   "Lost and duplicates are the net of each partition: a loss hidden by as many "
                   "duplicates in the same partition and window cannot be seen in offsets."),
    # why a load step was not sustained (mm2report.analyses.throughput)
    "cap.r.partial": ("relevés complets à {pct} seulement", "only {pct} of the readings"),
    "cap.r.ratio": ("{ratio} de l'offert répliqué (< {limit})",
                    "replicated {ratio} of offered (< {limit})"),
    "cap.r.lag_unknown": ("retard non mesuré", "lag not measured"),
    "cap.r.lag_grew": ("retard en hausse de {n}", "lag grew by {n}"),
    "cap.r.latency_unknown": ("latence non mesurée", "latency not measured"),
    "cap.r.latency": ("latence p99 de {value} au-dessus du SLO", "latency p99 {value} over the SLO"),
    # event kinds
    "e.worker_add": ("ajout de worker", "worker added"),
    "e.worker_stop": ("arrêt de worker", "worker stopped"),
    "e.worker_restart": ("redémarrage de worker", "worker restarted"),
    "e.burst": ("rafale", "burst"),
    "e.broker_stop": ("arrêt de broker", "broker stopped"),
    "e.network_cut": ("coupure réseau", "network cut"),
    "e.error_scenario": ("scénario d'erreur", "error scenario"),
    "e.other": ("autre", "other"),
    # deliverables
    "doc.sheet": ("Fiche technique MirrorMaker 2", "MirrorMaker 2 technical sheet"),
    "doc.sla": ("Rapport de conformité SLA", "SLA conformance report"),
    "doc.decision": ("Décision GO/NOGO production", "Production GO/NOGO decision"),
    "doc.summary": ("Synthèse exécutive", "Executive summary"),
    "doc.plan": ("Plan d'action", "Action plan"),
    "d.index": ("Livrables de la campagne", "Campaign deliverables"),
    "d.phase_reports": ("Rapports de phase", "Phase reports"),
    "d.sheet_intro": ("Capacités validées par la campagne {campaign}. Chaque valeur renvoie aux "
                      "requêtes et aux plages de temps dont elle est tirée.",
                      "Capacities validated by campaign {campaign}. Each value points to the "
                      "queries and time ranges it comes from."),
    "d.latency_max_load": ("Latence maximale sous charge", "Highest latency under load"),
    "d.latency_p99": ("Latence p99 validée (borne haute)", "Validated p99 latency (upper bound)"),
    "d.burst_recovery": ("Retour à la normale après rafale (pire)", "Burst recovery (worst)"),
    "d.rebalance": ("Rééquilibrage des workers (pire)", "Worker rebalance (worst)"),
    "d.sla_intro": ("Objectifs du SLA, valeurs mesurées pendant la campagne, écart et verdict. "
                    "Un écart négatif est une marge.",
                    "SLA objectives, values measured during the campaign, gap and verdict. A "
                    "negative gap is a margin."),
    "d.objective": ("Objectif", "Objective"),
    "d.gap": ("Écart", "Gap"),
    "d.budget": ("Budget d'indisponibilité et projection annuelle",
                 "Downtime budget and yearly projection"),
    "d.budget_year": ("Budget annuel autorisé", "Yearly budget allowed"),
    "d.budget_day": ("Budget quotidien autorisé", "Daily budget allowed"),
    "d.projected_downtime": ("Indisponibilité annuelle projetée [optimiste ; pessimiste]",
                             "Projected yearly downtime [optimistic ; pessimistic]"),
    "d.projected_availability": ("Disponibilité annuelle projetée", "Projected yearly availability"),
    "d.hours_needed": ("Heures sans incident nécessaires pour prouver l'objectif",
                       "Incident-free hours needed to prove the target"),
    "d.cannot_prove": ("Ce que la campagne ne peut pas prouver", "What the campaign cannot prove"),
    "d.decision_intro": (
        "Décision de mise en production : GO seulement si les dix critères sont GO et si aucune "
        "action P0 (bloquante) n'est ouverte.",
        "Production decision: GO only when all ten criteria are GO and no P0 (blocking) action "
        "is open."),
    "d.decision": ("Décision", "Decision"),
    "d.tests": ("Tests de validation", "Validation tests"),
    "d.go": ("GO PRODUCTION", "GO TO PRODUCTION"),
    "d.nogo": ("NOGO", "NOGO"),
    "d.go_text": ("Décision : GO production. Tous les critères sont conformes et aucune action "
                  "bloquante n'est ouverte.",
                  "Decision: GO to production. Every criterion passes and no blocking action "
                  "is open."),
    "d.nogo_text": ("Décision : NOGO production — {reason}.", "Decision: NOGO production — {reason}."),
    "u.unobserved": ("{kind} : {n} par an attendu(s), jamais observé(s) en panne pendant la "
                     "campagne ; son coût n'est pas mesuré",
                     "{kind}: expected {n} a year but not observed causing an outage in the "
                     "campaign; its cost is unmeasured"),
    "u.no_incident": ("aucun incident observé : pas de temps de rétablissement pour chiffrer le "
                      "coût d'une panne",
                      "no incident observed: no restore time to project a failure's cost"),
    "u.natural_bound": ("{hours} h de campagne bornent les pannes naturelles à {rate} par heure au "
                        "plus ; prouver l'objectif demande environ {needed} h sans incident naturel",
                        "{hours} h of campaign bound natural failures to at most {rate} per hour; "
                        "showing the target needs about {needed} h without a natural incident"),
    "u.planned_exceed": ("{hours} h de campagne bornent les pannes naturelles à {rate} par heure au "
                         "plus ; les pannes planifiées dépassent à elles seules le budget",
                         "{hours} h of campaign bound natural failures to at most {rate} per hour; "
                         "the planned faults alone exceed the budget"),
    "u.cannot": ("la campagne ne peut pas le prouver : {lines}", "the campaign cannot prove it: {lines}"),
    "u.proven": ("même la projection pessimiste tient dans le budget annuel",
                 "even the pessimistic projection fits the yearly budget"),
    "u.disproven": ("même la projection optimiste dépasse le budget annuel",
                    "even the optimistic projection exceeds the yearly budget"),
    "d.reason_test": ("tests NOGO (critère {criteria})", "tests NOGO (criterion {criteria})"),
    "d.reason_tests": ("tests NOGO (critères {criteria})", "tests NOGO (criteria {criteria})"),
    "d.ref": ("Réf.", "Ref."),
    "doc.weekly": ("Rapport de suivi – semaine {n} ({year})", "Follow-up report – week {n} ({year})"),
    "d.week_span": ("Semaine du {start} au {end}.", "Week from {start} to {end}."),
    "d.w_done": ("Actions terminées", "Actions done"),
    "d.w_milestone": ("Jalon actuel", "Current milestone"),
    "d.w_next_due": ("Prochaine échéance", "Next due date"),
    "d.w_done_title": ("Terminé cette semaine", "Done this week"),
    "d.w_action_done": ("{id} {title} : action terminée le {date}",
                        "{id} {title}: action done on {date}"),
    "d.w_step_done": ("{id} : étape « {step} » faite le {date}", "{id}: step '{step}' done on {date}"),
    "d.w_in_progress": ("Actions en cours", "Actions in progress"),
    "d.w_attention": ("Points d'attention", "Attention points"),
    "d.w_late_action": ("{id} {title} : échéance {due} dépassée de {n}\u00a0j",
                        "{id} {title}: due {due}, {n}\u00a0days late"),
    "d.w_late_milestone": ("{id} {title} : échéance {due} dépassée de {n}\u00a0j, avancement {pct}",
                           "{id} {title}: due {due}, {n}\u00a0days late, {pct} done"),
    "d.w_decisions": ("Décisions requises", "Decisions required"),
    "d.w_blocked": ("{id} {title} est bloquée : décider comment la débloquer",
                    "{id} {title} is blocked: decide how to unblock it"),
    "d.w_p0": ("Actions P0 ouvertes ({ids}) : la mise en production reste NOGO tant qu'elles le sont",
               "Open P0 actions ({ids}): production stays NOGO while they are open"),
    "d.w_next": ("Prochaines étapes", "Next steps"),
    "d.w_next_step": ("{id} : {step} (échéance {due})", "{id}: {step} (due {due})"),
    "d.current": ("Actuel", "Current"),
    "d.kpi_done_vs_due": ("Actions terminées parmi celles échues", "Actions done among those due"),
    "d.kpi_milestones_met": ("Jalons échus atteints", "Milestones due that are met"),
    "d.kpi_computed": ("calculé à chaque rapport", "computed at each report"),
    "d.share": ("Part du total", "Share of the total"),
    "d.total": ("Total", "Total"),
    "d.resources": ("Ressources et budget", "Resources and budget"),
    "d.effort_by_category": ("Effort par catégorie", "Effort by category"),
    "d.assignments": ("Affectation des ressources", "Resource assignments"),
    "d.availability": ("Disponibilité", "Availability"),
    "d.assigned": ("Actions et rôle", "Actions and duties"),
    "d.ref_id": ("Réf.", "Ref."),
    "d.risk": ("Risque", "Risk"),
    "d.probability": ("Probabilité", "Probability"),
    "d.mitigation": ("Atténuation", "Mitigation"),
    "d.contingency": ("Action de contingence", "Contingency action"),
    "d.risks_title": ("Gestion des risques", "Risk management"),
    "d.risks_identified": ("Risques identifiés", "Identified risks"),
    "d.contingency_plan": ("Plan de contingence", "Contingency plan"),
    "d.governance": ("Suivi et gouvernance", "Follow-up and governance"),
    "d.meetings": ("Points de suivi", "Follow-up meetings"),
    "d.participants": ("Participants", "Participants"),
    "d.purpose": ("Objectif", "Purpose"),
    "d.communication": ("Communication", "Communication"),
    "d.communication_plan": ("Plan de communication", "Communication plan"),
    "d.audience": ("Audience", "Audience"),
    "d.message": ("Message", "Message"),
    "d.channel": ("Canal", "Channel"),
    "d.escalation": ("Escalade", "Escalation"),
    "d.level": ("Niveau", "Level"),
    "d.problem": ("Type de problème", "Kind of problem"),
    "d.contact": ("Contact", "Contact"),
    "d.response_time": ("Délai de réponse", "Response time"),
    "d.final_deliverables": ("Livrables finaux", "Final deliverables"),
    "d.deliverable": ("Livrable", "Deliverable"),
    "d.location": ("Emplacement", "Location"),
    "d.objective_met": ("objectif respecté", "objective met"),
    "d.objective_missed": ("objectif non respecté", "objective missed"),
    "d.threshold_met": ("seuil respecté", "threshold met"),
    "d.threshold_missed": ("seuil non respecté", "threshold missed"),
    "d.sheet_values": ("Valeurs, intervalles et références", "Values, intervals and references"),
    "m.l.max_tested": ("Palier le plus haut tenu sans retard croissant.",
                       "Highest load step held without a growing lag."),
    "m.l.recommended": ("70 % du maximum testé : la charge de production à ne pas dépasser.",
                        "70 % of the maximum tested: the production load not to exceed."),
    "m.l.baseline": ("Latence à vide, avant toute charge.", "Idle latency, before any load."),
    "m.d.latency_max_load": ("Pire relevé isolé sous charge ; le SLA juge le p99, pas ce maximum.",
                             "Worst single reading under load; the SLA judges p99, not this maximum."),
    "m.d.latency_p99": ("Borne haute du p99 : le chiffre que juge le SLA de latence.",
                        "Upper bound of p99: the figure the latency SLA judges."),
    "m.d.burst_recovery": ("Retour au retard d'avant une rafale, pire cas.",
                           "Back to the lag before a burst, worst case."),
    "m.d.rebalance": ("Rééquilibrage après ajout ou arrêt d'un worker, pire cas.",
                      "Rebalance after a worker is added or stopped, worst case."),
    "m.l.workers": ("Workers MirrorMaker 2 actifs.", "MirrorMaker 2 workers up."),
    "m.l.tasks": ("Tâches de réplication attendues.", "Replication tasks expected."),
    "d.banner_when": ("Décision du {date}", "Decision of {date}"),
    "d.banner_undated": ("Date de décision non renseignée (decision_date)",
                         "No decision date given (decision_date)"),
    "d.banner_criterion": ("Critère {id} — {title} : {verdict}", "Criterion {id} — {title}: {verdict}"),
    "d.banner_action": ("{id} ({priority}) {title} — échéance {due}, {status}",
                        "{id} ({priority}) {title} — due {due}, {status}"),
    "d.late_by": ("en retard de {n}\u00a0j", "{n}\u00a0days late"),
    "d.late_days": ("{n}\u00a0j", "{n}\u00a0days"),
    "d.late_short": ("retard {n}\u00a0j", "{n}\u00a0days late"),
    "d.late": ("Retard", "Late"),
    "d.why": ("Pourquoi", "Why"),
    "d.avail_short": ("campagne trop courte pour le prouver : environ {needed}\u00a0h sans "
                      "incident nécessaires", "campaign too short to prove it: about "
                      "{needed}\u00a0h without an incident needed"),
    "d.score_bars": ("Score par domaine", "Score by domain"),
    "d.progress_bars": ("Avancement du plan d'action", "Action plan progress"),
    "d.plan_overall": ("Actions terminées", "Actions done"),
    "d.p0_outline": ("contour foncé : action P0", "dark outline: P0 action"),
    "d.late_hatch": ("hachures : en retard", "hatched: late"),
    "step.done": ("faite", "done"),
    "step.in_progress": ("en cours", "in progress"),
    "step.todo": ("à faire", "to do"),
    "d.origin_snapshot": ("enregistrement « {name} » (empreinte sha256 du manifeste {digest})",
                          "recording '{name}' (manifest sha256 {digest})"),
    "d.origin_signed": ("signature vérifiée avec la clé {signer}", "signature verified with key {signer}"),
    "d.origin_local": ("serveur local", "local server"),
    "d.parts_ok": ("les {n} conditions sont remplies (détail ci-après)",
                   "all {n} conditions met (detail below)"),
    "d.part_bad": ("1 condition sur {total} non remplie : {names}",
                   "1 condition of {total} not met: {names}"),
    "d.parts_bad": ("{n} conditions sur {total} non remplies : {names}",
                    "{n} conditions of {total} not met: {names}"),
    "d.parts": ("Détail des critères combinés", "Detail of the combined criteria"),
    "d.condition": ("Condition", "Condition"),
    "d.queries": ("Requêtes et plages de temps", "Queries and time ranges"),
    "d.annex": ("Annexe — preuves", "Annex — evidence"),
    "d.annex_intro": ("Chaque référence [n] d'un tableau renvoie ici : les requêtes dont le "
                      "chiffre est tiré, leurs plages de temps et la complétude des données.",
                      "Each reference [n] of a table points here: the queries the figure comes "
                      "from, their time ranges and the data completeness."),
    "d.reason_missing": ("tests NOGO (critères manquants)", "tests NOGO (criteria missing)"),
    "d.reason_p0": ("actions P0 ouvertes : {ids}", "open P0 actions: {ids}"),
    "d.criteria": ("Critères GO/NOGO", "GO/NOGO criteria"),
    "d.phase": ("Phase", "Phase"),
    "d.blocking": ("Points bloquants", "Blocking points"),
    "d.corrective": ("Action corrective", "Corrective action"),
    "d.no_action": ("aucune action liée dans le plan", "no linked action in the plan"),
    "d.item": ("Élément", "Item"),
    "d.status": ("Statut", "Status"),
    "d.date": ("Date", "Date"),
    "d.role": ("Rôle", "Role"),
    "d.name": ("Nom", "Name"),
    "d.signature": ("Signature", "Signature"),
    "d.signatures": ("Signatures", "Signatures"),
    "d.provenance": ("Provenance des mesures", "Where the measurements come from"),
    "d.provenance_text": ("Source : {origin}.", "Source: {origin}."),
    "d.provenance_snapshot": (
        "L'empreinte sha256 du manifeste identifie l'enregistrement exact dont proviennent "
        "ces chiffres ; « mm2report verify-snapshot » la recalcule et vérifie la signature.",
        "The manifest's sha256 identifies the exact recording these figures come from; "
        "'mm2report verify-snapshot' recomputes it and checks the signature."),
    "d.role.sre": ("Responsable SRE", "SRE lead"),
    "d.role.product": ("Product owner", "Product owner"),
    "d.role.client": ("Client", "Client"),
    "d.domain": ("Domaine", "Domain"),
    "d.score": ("Score", "Score"),
    "d.sla_table": ("Conformité SLA", "SLA conformance"),
    "d.priorities": ("Actions prioritaires", "Priority actions"),
    "d.action": ("Action", "Action"),
    "d.actions": ("Actions", "Actions"),
    "d.priority": ("Priorité", "Priority"),
    "d.impact": ("Impact", "Impact"),
    "d.due": ("Échéance", "Due"),
    "d.owner": ("Responsable", "Owner"),
    "d.effort": ("Effort", "Effort"),
    "d.days": ("j-h", "person-days"),
    "d.effort_days": ("Effort (j-h)", "Effort (days)"),
    "d.category": ("Catégorie", "Category"),
    "d.progress": ("Avancement", "Progress"),
    "d.count": ("Nombre", "Count"),
    "d.milestone": ("Jalon", "Milestone"),
    "d.milestones": ("Jalons", "Milestones"),
    "d.recommendation": ("Recommandation source", "Source recommendation"),
    "d.steps": ("Étapes", "Steps"),
    "d.success": ("Critères de succès", "Success criteria"),
    "d.risks": ("Risques", "Risks"),
    "d.rollback": ("Retour arrière", "Rollback"),
    "d.value": ("Valeur", "Value"),
    "d.attribute": ("Attribut", "Attribute"),
    "d.kpis": ("Indicateurs de suivi", "Follow-up indicators"),
    "d.target": ("Cible", "Target"),
    "d.frequency": ("Fréquence", "Frequency"),
    "d.closure": ("Checklist de clôture", "Closure checklist"),
    "d.no_plan": ("Aucun plan d'action n'est déclaré dans les paramètres (action_plan).",
                  "No action plan is declared in the parameters (action_plan)."),
    "d.plan_progress": ("Avancement global : {pct} des actions terminées.",
                        "Overall progress: {pct} of the actions done."),
    "d.p0_open": ("Actions bloquantes production (P0) ouvertes : {ids}. Tant qu'elles sont "
                  "ouvertes, la décision de production est NOGO, même si tous les tests passent.",
                  "Open production-blocking (P0) actions: {ids}. While they are open the "
                  "production decision is NOGO, even when every test passes."),
    "d.p0_none": ("Aucune action bloquante (P0) ouverte.", "No blocking (P0) action open."),
    "d.gantt": ("Planning des actions", "Action schedule"),
    "d.today": ("aujourd'hui", "today"),
    "d.generated": ("Généré le {date}", "Generated on {date}"),
    "dom.performance": ("Performance", "Performance"),
    "dom.resilience": ("Résilience", "Resilience"),
    "dom.security": ("Sécurité", "Security"),
    "dom.functional": ("Fonctionnel", "Functional"),
    "dom.observability": ("Observabilité", "Observability"),
    "dom.global": ("Global", "Overall"),
    "st.todo": ("à faire", "to do"),
    "st.in_progress": ("en cours", "in progress"),
    "st.done": ("terminée", "done"),
    "st.blocked": ("bloquée", "blocked"),
    "prob.high": ("élevée", "high"),
    "prob.medium": ("moyenne", "medium"),
    "prob.low": ("faible", "low"),
    "dl.done": ("produit", "done"),
    "dl.in_progress": ("en cours", "in progress"),
    "dl.todo": ("à faire", "to do"),
    "imp.high": ("élevé", "high"),
    "imp.medium": ("moyen", "medium"),
    "imp.low": ("faible", "low"),
    "sla.sla-availability": ("Disponibilité (projection annuelle)", "Availability (yearly projection)"),
    "sla.sla-mttr": ("MTTR", "MTTR"),
    "sla.sla-rto": ("RTO", "RTO"),
    "sla.sla-rpo": ("RPO", "RPO"),
    "sla.sla-latency": ("Latence MM2", "MM2 latency"),
    "sla.sla-lag": ("Retard MM2", "MM2 lag"),
    "sla.certificates": ("Certificats valides", "Certificates valid"),
    "ck.group.documentation": ("Documentation", "Documentation"),
    "ck.group.configuration": ("Configuration", "Configuration"),
    "ck.group.monitoring": ("Monitoring", "Monitoring"),
    "ck.group.operations": ("Opérations", "Operations"),
    "ck.status.done": ("fait", "done"),
    "ck.status.not_done": ("non fait", "not done"),
    "ck.status.not_applicable": ("sans objet", "not applicable"),
    "ck.status.unreported": ("non renseigné", "not reported"),
    "ck.measured": ("mesuré : {value} — {status}", "measured: {value} — {status}"),
    "ck.cert_evidence": ("premier à expirer : {name} ; jours comptés depuis le {at} ({basis})",
                         "earliest to expire: {name}; days counted from {at} ({basis})"),
    "cert.basis.decision date": ("date de décision", "decision date"),
    "cert.basis.report generation time": ("date de génération du rapport", "report generation time"),
    "d.cert_basis": ("Jours restants des certificats comptés depuis le {at} ({basis}) ; premier "
                     "certificat à expirer : {name}.",
                     "Certificates' days left counted from {at} ({basis}); earliest to expire: "
                     "{name}."),
    "ck.runbook": ("Runbook d'exploitation documenté", "Operations runbook documented"),
    "ck.rollback_procedure": ("Procédure de rollback prête", "Rollback procedure ready"),
    "ck.escalation_contacts": ("Contacts escalade définis", "Escalation contacts defined"),
    "ck.dashboards_access": ("Dashboards accessibles à l'équipe ops", "Dashboards open to the ops team"),
    "ck.alerts_configured_tested": ("Alertes configurées et testées", "Alerts configured and tested"),
    "ck.config_backup": ("Config MM2 sauvegardée (backup)", "MM2 configuration backed up"),
    "ck.parameters_tuned": ("Paramètres optimisés selon tests", "Parameters tuned from the tests"),
    "ck.quotas": ("Quotas appropriés configurés", "Appropriate quotas configured"),
    "ck.acls": ("ACLs correctes sur tous les topics", "Correct ACLs on every topic"),
    "ck.certificates_valid": ("SSL/Certificats valides > 3 mois", "SSL certificates valid > 3 months"),
    "ck.dashboard_replication": ("Dashboard mm2-replication fonctionnel", "mm2-replication dashboard working"),
    "ck.dashboard_detailed": ("Dashboard mm2-detailed fonctionnel", "mm2-detailed dashboard working"),
    "ck.prometheus_alerts": ("Alertes Prometheus configurées", "Prometheus alerts configured"),
    "ck.notification_tested": ("Notification (Slack/PagerDuty) testée", "Notification (Slack/PagerDuty) tested"),
    "ck.rollback_tested": ("Rollback testé", "Rollback tested"),
    # verdict reasons (mm2report.verdicts: Verdict.key / args); English keeps Verdict.reason
    "r.cmp.pass": ("{value}, seuil {threshold} : respecté", "{value} satisfies {threshold}"),
    "r.cmp.fail": ("{value}, seuil {threshold} : non respecté", "{value} does not satisfy {threshold}"),
    "r.cmp.partial": ("mesuré sur {pct} des relevés seulement", "measured on {pct} of the readings only"),
    "r.cmp.missing": ("non mesuré ({why})", "not measured: {why}"),
    "r.down.fail": ("{n} incident(s), {down} d'interruption", "{n} incident(s), {down} DOWN"),
    "r.down.unknown": ("{unknown} sans données suffisantes pour conclure",
                       "{unknown} without enough data to tell"),
    "r.down.pass": ("jamais interrompu, chaque pas de mesure connu", "never DOWN, every step known"),
    "r.offsets.gap": ("relevés de l'exporter complets à {pct} : une lacune pourrait masquer une "
                      "remise à zéro des offsets ou un topic recréé",
                      "exporter readings {pct} complete: a gap could hide an offset reset or a "
                      "recreated topic"),
    "r.load.pass": ("{n} messages produits", "{n} records produced"),
    "r.load.none": ("aucun message produit pendant la phase (ou offsets inconnus)",
                    "no record produced during the phase (or offsets unknown)"),
    "r.absent": ("phase {name} non analysée", "phase {name} not analysed"),
    "r.stability.ok": ("débit régulier, retard borné, aucune tendance à la hausse",
                       "steady throughput, bounded lag, no upward trend"),
    "r.stability.problems": ("{problems}", "{problems}"),
    "r.cap.partial": ("relevés d'un palier complets à {pct} seulement",
                      "a load step's readings are only {pct} complete"),
    "r.cap.pass": ("capacité maximale testée {max} (recommandée {rec})",
                   "max tested capacity {max} (recommended {rec})"),
    "r.known": ("{unknown} sans données suffisantes", "{unknown} without enough data"),
    "r.errors.none": ("aucun scénario d'erreur dans la phase d'erreurs",
                      "no error scenario in the errors phase"),
    "r.errors.observed": ("état des tâches, erreurs et reprise observés",
                          "task state, errors and recovery observed"),
    "r.errors.unobserved": ("état des tâches, nombre d'erreurs ou reprise non observés",
                            "task state, error count or recovery not observed"),
    "r.manual.missing": ("élément manuel « {item} » non renseigné", "manual item '{item}' not filled in"),
    "r.manual.done": ("fait le {date}{by} : {proof}", "done on {date}{by}: {proof}"),
    "r.manual.by": ("par {by}", "by {by}"),
    "r.manual.not_done": ("élément manuel « {item} » non fait", "manual item '{item}' not done"),
    "r.manual.na": ("élément manuel « {item} » marqué sans objet : le critère ne peut pas être levé",
                    "manual item '{item}' marked not applicable: the criterion cannot be waived"),
    "r.alerts.pass": ("{n} règle(s) attendue(s) chargée(s) et saine(s) (API /api/v1/rules de "
                      "Prometheus)", "{n} expected rule(s) loaded and healthy"),
    "r.alerts.absent": ("non chargées : {names}", "not loaded: {names}"),
    "r.alerts.broken": ("en échec d'évaluation : {names}", "failing to evaluate: {names}"),
    "r.alerts.unevaluated": ("pas encore évaluées : {names}", "not evaluated yet: {names}"),
    "r.alerts.noapi": ("l'API des règles de Prometheus n'était pas disponible et {inner}",
                       "the Prometheus rules API was not available and {inner}"),
    "r.alerts.noexpected": ("aucune règle d'alerte attendue dans les paramètres ; {inner}",
                            "no expected alert rules in the parameters; {inner}"),
    # the rule pack (mm2report.alerting): summaries and descriptions of the alerts
    "alert.MM2TasksNotRunning.summary": (
        "MM2 {flow} : tâches du connecteur à l'arrêt",
        "MM2 {flow}: connector tasks not running"),
    "alert.MM2TasksNotRunning.description": (
        "{value} tâche(s) en cours d'exécution sur {expected} attendue(s) : une partie des "
        "partitions n'est plus répliquée.",
        "{value} task(s) running of {expected} expected: some partitions are no longer "
        "replicated."),
    "alert.MM2TaskFailed.summary": ("MM2 {flow} : tâche en échec (FAILED)",
                                    "MM2 {flow}: a task FAILED"),
    "alert.MM2TaskFailed.description": (
        "{value} tâche(s) à l'état FAILED : elles ne reprennent qu'après correction de la cause "
        "et redémarrage de la tâche.",
        "{value} task(s) in FAILED state: they resume only once the cause is fixed and the "
        "task restarted."),
    "alert.MM2ReplicationStalled.summary": (
        "MM2 {flow} : réplication arrêtée alors que la source produit",
        "MM2 {flow}: replication stalled while the source produces"),
    "alert.MM2ReplicationStalled.description": (
        "La source produit {value} msg/s et rien n'est répliqué (broker cible, réseau ou "
        "quotas).",
        "The source produces {value} records/s and nothing is replicated (target broker, "
        "network or quotas)."),
    "alert.MM2WorkerDown.summary": ("MM2 {flow} : worker injoignable",
                                    "MM2 {flow}: worker down"),
    "alert.MM2WorkerDown.description": (
        "Le worker {worker} ne répond plus à Prometheus : ses tâches attendent un "
        "rééquilibrage.",
        "Worker {worker} no longer answers Prometheus: its tasks wait for a rebalance."),
    "alert.MM2RecordErrors.summary": ("MM2 {flow} : erreurs sur des messages",
                                      "MM2 {flow}: record errors"),
    "alert.MM2RecordErrors.description": (
        "{value} erreur(s) de message par seconde comptées par les tâches.",
        "{value} record error(s) per second counted by the tasks."),
    "alert.MM2LagHigh.summary": ("MM2 {flow} : retard de réplication au-dessus du seuil",
                                 "MM2 {flow}: replication lag over its threshold"),
    "alert.MM2LagHigh.description": (
        "{value} messages en attente de réplication (seuil {threshold}).",
        "{value} records waiting to be replicated (threshold {threshold})."),
    "alert.MM2LatencyHigh.summary": ("MM2 {flow} : latence de réplication au-dessus du SLO",
                                     "MM2 {flow}: replication latency over the SLO"),
    "alert.MM2LatencyHigh.description": (
        "Latence de réplication maximale {value} ms (SLO {threshold} ms).",
        "Highest replication latency {value} ms (SLO {threshold} ms)."),
    "alert.MM2RebalanceStuck.summary": ("MM2 {flow} : rééquilibrage qui ne se termine pas",
                                        "MM2 {flow}: a rebalance that does not end"),
    "alert.MM2RebalanceStuck.description": (
        "Un worker est en rééquilibrage depuis plus de {rto} (RTO) : les tâches ne sont pas "
        "réaffectées.",
        "A worker has been rebalancing for more than {rto} (the RTO): tasks are not "
        "reassigned."),
    "alert.MM2OffsetsDiverging.summary": ("MM2 {flow} : offsets source et cible divergent "
                                          "(perte possible)",
                                          "MM2 {flow}: source and target offsets diverge "
                                          "(possible loss)"),
    "alert.MM2OffsetsDiverging.description": (
        "{value} messages lus à la source (hors retard) manquent sur la cible, au-delà du "
        "décalage de deux collectes : vérifier la perte de messages.",
        "{value} records read from the source (lag excluded) are missing on the target, more "
        "than two scrapes of skew explain: check for message loss."),
    "alert.MM2CertificateExpiry.summary": (
        "Certificat de {target} expirant dans moins de {days} jours",
        "Certificate of {target} expires within {days} days"),
    "alert.MM2CertificateExpiry.description": (
        "Le certificat le plus proche de l'expiration de {target} expire dans {value} jours "
        "(alerte à J-{days}).",
        "The earliest certificate of {target} expires in {value} days (alert at {days} "
        "days)."),
    "vt.alert rules loaded": ("règles d'alerte chargées", "alert rules loaded"),
    "vt.faults detected within the bound": ("pannes détectées dans le délai",
                                            "faults detected within the bound"),
    "vt.notification received for every fault": ("notification reçue pour chaque panne",
                                                  "notification received for every fault"),
    "r.notify.pass": ("{n} panne(s) notifiée(s) par Alertmanager",
                      "{n} fault(s) notified through Alertmanager"),
    "r.notify.fail": ("aucune notification reçue pour : {events}",
                      "no notification received for: {events}"),
    "r.notify.none": ("aucune panne mesurée", "no fault measured"),
    "l.notified": ("Notification reçue", "Notification received"),
    "r.detect.pass": ("{n} panne(s) détectée(s), la plus lente après {worst}",
                      "{n} fault(s) detected, the slowest after {worst}"),
    "r.detect.fail": ("non détectée(s) en moins de {bound} : {events}",
                      "not detected within {bound}: {events}"),
    "r.detect.unsure": ("détection non établie : {events} {phases}",
                        "detection not established: {events} {phases}"),
    "r.detect.none": ("aucune panne injectée dans la campagne : pas de détection mesurée",
                      "no fault injected in the campaign: no detection measured"),
    "r.detect.missing": ("phase {phase_name} : les évaluations des règles d'alerte manquent "
                         "(instantané enregistré sans elles : l'enregistrer à nouveau)",
                         "phase {phase_name}: the alert rules' evaluations are missing "
                         "(a snapshot recorded without them: record it again)"),
    "r.avail.partial": ("la projection tient dans le budget annuel, mais l'état n'est connu que sur "
                        "{pct} du temps jugé",
                        "the projection fits the yearly budget, but the state is known over {pct} "
                        "of the judged time only"),
    "r.phases.missing": ("phases non analysées : {phases}", "phases not analysed: {phases}"),
    "r.lat.probe": ("vrai p99 de la sonde : {inner} (la borne haute tirée des maxima, {upper}, ne "
                    "l'est pas)", "probe's true p99: {inner} (the upper bound from maxima, {upper}, is not)"),
    "r.lat.unbounded": ("la borne haute du p99 ({upper}, tirée des maxima par relevé) n'est pas sous "
                        "le SLO et aucune sonde ne donne le vrai p99",
                        "the upper bound of p99 ({upper}, from per-scrape maxima) is not under "
                        "the SLO and no probe gives the true p99"),
    "t.per_incident": ("par incident", "per incident"),
    "t.manual": ("élément manuel « {item} » fait", "manual item '{item}' done"),
    "t.sustained": ("un palier tenu", "a sustained step"),
    "t.rules": ("toutes les règles attendues chargées et saines", "all expected rules loaded and healthy"),
    # titles of the parts of combined verdicts
    "vt.no downtime": ("aucune interruption", "no downtime"),
    "vt.no record lost": ("aucun message perdu", "no record lost"),
    "vt.no probe record lost": ("aucun message de sonde perdu", "no probe record lost"),
    "vt.load applied": ("charge appliquée", "load applied"),
    "vt.lag within threshold": ("retard sous le seuil", "lag within threshold"),
    "vt.stability": ("stabilité", "stability"),
    "vt.offsets read through the phase": ("offsets lus sur toute la phase",
                                          "offsets read through the phase"),
    "vt.every step known": ("chaque pas de mesure connu", "every step known"),
    "vt.incident": ("incident {n} ({kind}) rétabli dans le RTO", "incident {n} ({kind}) restored within RTO"),
    "vt.scenario": ("scénario {n} ({name}) observé", "scenario {n} ({name}) observed"),
    "vt.scenario_loss": ("scénario {n} ({name}) : aucun message perdu", "scenario {n} ({name}): no record lost"),
    # plot labels
    "p.state": ("État du service", "Service state"),
    "p.rate": ("Débit (msg/s)", "Rate (records/s)"),
    "p.latency": ("Latence (ms)", "Latency (ms)"),
    "p.lag": ("Retard (messages)", "Lag (records)"),
    "p.heap": ("Tas JVM (Mo)", "JVM heap (MB)"),
    "p.time": ("Heure ({tz})", "Time ({tz})"),
    "p.slo": ("SLO p99 {value} ms", "p99 SLO {value} ms"),
    "p.sla_latency": ("SLA latence {value} ms", "SLA latency {value} ms"),
    "p.lag_threshold": ("Seuil de retard {value}", "Lag threshold {value}"),
    "p.running": ("en cours d'exécution", "running"),
    "p.lag_series": ("retard de réplication", "replication lag"),
    "p.latency_max": ("max par relevé", "max per scrape"),
    "p.latency_avg": ("moyenne par relevé", "mean per scrape"),
    "p.capacity": ("Débit répliqué selon le débit offert", "Replicated rate against offered rate"),
    "p.recommended": ("recommandé {value} msg/s", "recommended {value} records/s"),
    "p.max_tested": ("max. testé {value} msg/s", "max tested {value} records/s"),
    "p.identity": ("répliqué = offert", "replicated = offered"),
    "p.latency_hourly": ("Latence par heure (relevés max.)", "Hourly latency (per-scrape maxima)"),
    # narrative
    "n.change": (
        "Changement appliqué le {at} ; fenêtre de validation de {window} jusqu'au {until}. "
        "État du connecteur et des tâches jugé sur la dernière minute, latence sur la seconde "
        "moitié de la fenêtre, retard et erreurs sur toute la fenêtre.",
        "Change applied at {at}; validation window of {window}, until {until}. Connector and "
        "task state judged on the last minute, latency on the window's second half, lag and "
        "errors on the whole window."),
    "n.change_ok": ("Le changement est validé.", "The change is validated."),
    "n.change_ko": ("Le changement n'est pas validé : {failed}.",
                    "The change is not validated: {failed}."),
    "n.window": ("Phase du {start} au {end} ({tz}), soit {duration}.",
                 "Phase from {start} to {end} ({tz}), {duration}."),
    "n.accuracy": ("Toutes les durées sont exactes à un pas de mesure près ({step} s).",
                   "Every duration is exact to one measurement step ({step} s)."),
    "n.no_incident": ("Aucun incident : le service est resté disponible sur toute la phase.",
                      "No incident: the service stayed available for the whole phase."),
    "n.incidents": ("{n} incident(s), {down} d'indisponibilité au total.",
                    "{n} incident(s), {down} of downtime in total."),
    "n.loss_none": ("Aucun message perdu : {produced} messages produits, tous répliqués.",
                    "No record lost: {produced} records produced, all replicated."),
    "n.loss_some": ("{lost} message(s) perdu(s) sur {produced} produits.",
                    "{lost} record(s) lost out of {produced} produced."),
    "n.loss_unknown": ("La perte n'a pas pu être établie : {why}.",
                       "Loss could not be established: {why}."),
    "n.latency_bound": (
        "Les percentiles sont calculés sur le maximum de chaque relevé, pondéré par le nombre de "
        "messages : ce sont des bornes hautes des vrais percentiles.",
        "Percentiles are computed on each scrape's maximum, weighted by records: they are upper "
        "bounds of the true percentiles."),
    "n.capacity": ("Capacité maximale tenue : {max} msg/s ; capacité recommandée ({ratio}) : "
                   "{rec} msg/s.",
                   "Maximum sustained capacity: {max} records/s; recommended capacity ({ratio}): "
                   "{rec} records/s."),
    "n.capacity_none": ("Aucun palier tenu : la capacité maximale n'est pas établie.",
                        "No step was sustained: the maximum capacity is not established."),
    "n.stable": ("La phase est stable.", "The phase is stable."),
    "n.unstable": ("Problèmes relevés : {problems}.", "Problems found: {problems}."),
    "n.stability_unknown": ("La stabilité ne peut pas être jugée : {problems}.",
                            "Stability cannot be judged: {problems}."),
    "n.saved": ("Résultats écrits dans {path}.", "Results written to {path}."),
    "n.not_saved": ("Rien n'a été écrit : l'analyse n'a pas abouti.",
                    "Nothing was written: the analysis did not complete."),
    "n.no_faults": ("Aucune panne injectée dans cette phase.", "No fault injected in this phase."),
    "n.detection_missing": (
        "Les évaluations des règles d'alerte manquent dans la source (instantané enregistré sans "
        "elles) : la détection n'est pas mesurée.",
        "The alert rules' evaluations are missing from the source (a snapshot recorded without "
        "them): detection is not measured."),
    "n.detection": (
        "Chaque règle du jeu d'alertes évaluée sur la phase toutes les {interval}, durée « for » "
        "respectée : délai entre le début de la panne et le premier déclenchement. Seuil du "
        "critère 9 : {bound}.",
        "Each rule of the alert pack evaluated over the phase every {interval}, its `for:` "
        "honoured: time from the fault's start to its first firing. Criterion 9's bound: "
        "{bound}."),
    "n.detected": ("détectée après {after} ({alert})", "detected after {after} ({alert})"),
    "n.detected_late": ("détectée trop tard, après {after} ({alert})",
                        "detected too late, after {after} ({alert})"),
    "n.notified": ("notification {alert} reçue à {at}", "notification {alert} received at {at}"),
    "n.not_notified": ("aucune notification reçue", "no notification received"),
    "n.undetected": ("aucune alerte déclenchée", "no alert fired"),
    "l.alert": ("Alerte", "Alert"),
    "l.fired_at": ("Déclenchée à", "Fired at"),
    "l.detected_after": ("Après", "After"),
    "l.never": ("jamais", "never"),
    "n.no_events": ("Aucun événement déclaré dans cette phase.", "No event declared in this phase."),
    # notebook sections: each one's heading and "what this shows, how to read it" (g.*), shown
    # by mm2report.documents.notebook under the heading, in the notebooks and their HTML reports
    "h.overview_plot": ("Déroulé de la phase", "Phase timeline"),
    "h.latency_hourly": ("Latence heure par heure", "Latency hour by hour"),
    "h.capacity_curve": ("Courbe de capacité", "Capacity curve"),
    "h.heap": ("Mémoire des workers", "Worker memory"),
    "h.change_checks": ("Contrôles H+15 min", "H+15 min checks"),
    "h.change_plot": ("Autour du changement", "Around the change"),
    "g.summary": (
        "Ce rapport analyse une phase de la campagne. Chaque section commence par ce qu'elle "
        "montre et la façon de la lire ; tous les chiffres sont calculés par mm2report à partir "
        "des métriques de la source indiquée ci-dessous. La complétude est la part des pas de "
        "mesure qui ont des données : en dessous de 100 %, un verdict peut être {inconclusive}.",
        "This report analyses one phase of the campaign. Each section starts with what it shows "
        "and how to read it; every figure is computed by mm2report from the metrics of the "
        "source named below. Completeness is the share of measurement steps that hold data: "
        "below 100 %, a verdict may be {inconclusive}."),
    "g.verdicts": (
        "Les critères GO/NOGO que cette phase juge seule. Chaque ligne compare la valeur mesurée "
        "à son seuil : {passed} quand le seuil est tenu, {failed} quand il ne l'est pas, "
        "{inconclusive} quand des données manquent ou sont partielles (ce qui ne vaut jamais "
        "GO). La justification dit pourquoi ; les preuves nomment les requêtes et la période lues.",
        "The GO/NOGO criteria this phase judges on its own. Each row compares the measured value "
        "with its threshold: {passed} when the threshold holds, {failed} when it does not, "
        "{inconclusive} when data is missing or partial (which is never GO). The reason says "
        "why; the evidence names the queries and the time range read."),
    "g.overview": (
        "La phase dans le temps, de haut en bas : l'état du service à chaque pas de mesure "
        "(couleurs de la légende), le débit offert et répliqué, la latence maximale par relevé "
        "face au SLO et au SLA, et le retard de réplication face à son seuil. Les événements "
        "déclarés sont numérotés et marqués d'un trait vertical pointillé. Une courbe répliquée "
        "qui décroche de l'offerte, ou une latence et un retard qui franchissent leur seuil, "
        "expliquent les verdicts.",
        "The phase over time, top to bottom: the service state at each measurement step "
        "(colours in the legend), the offered and replicated rates, the highest latency per "
        "scrape against the SLO and the SLA, and the replication lag against its threshold. "
        "Declared events are numbered and marked by a dashed vertical line. A replicated rate "
        "that falls away from the offered one, or a latency or lag crossing its threshold, "
        "explains the verdicts."),
    "g.incidents": (
        "Chaque interruption du service : quand elle commence, combien de temps elle dure, sa "
        "cause, l'événement déclaré qu'elle suit, le délai de détection et de rétablissement, et "
        "le retard accumulé au moment de la panne (RPO). Une interruption sans événement est "
        "naturelle : c'est celle qui demande une explication.",
        "Each interruption of the service: when it starts, how long it lasts, its cause, the "
        "declared event it follows, how long until it was detected and restored, and the lag "
        "when it failed (RPO). An interruption that follows no event is natural: that is the "
        "one that needs an explanation."),
    "g.loss": (
        "Les messages produits et répliqués, comptés par les offsets de chaque partition aux "
        "bornes de la phase. Un message perdu est un message produit jamais arrivé sur la cible ; "
        "un doublon est arrivé deux fois. La perte attendue est nulle ; « données complètes : "
        "non » signale une partition dont un offset manque, et la perte y reste inconnue.",
        "Records produced and replicated, counted from each partition's offsets at the phase's "
        "bounds. A lost record was produced and never reached the target; a duplicate arrived "
        "twice. The expected loss is zero; \"complete data: no\" flags a partition with a "
        "missing offset, where the loss stays unknown."),
    "g.latency": (
        "La latence de réplication sous charge. MirrorMaker 2 n'exporte que le maximum par "
        "partition sur une fenêtre glissante : les percentiles sont des bornes hautes, avec leur "
        "intervalle de confiance à 95 %. Le p99 se compare au SLO ; la latence de référence, "
        "mesurée à faible charge, donne le plancher. Une sonde de bout en bout, quand elle "
        "existe, donne les vrais percentiles de ses messages.",
        "Replication latency under load. MirrorMaker 2 exports only the maximum per partition "
        "over a sliding window: the percentiles are upper bounds, with their 95 % confidence "
        "interval. The p99 is compared with the SLO; the baseline latency, measured at low load, "
        "gives the floor. An end-to-end probe, when there is one, gives its records' true "
        "percentiles."),
    "g.latency_hourly": (
        "Le p50 et le p99 des relevés de chaque heure, face au SLO. Une heure qui dépasse le SLO "
        "situe une dégradation que le p99 de toute la phase peut diluer ; une pente régulière "
        "annonce une dérive.",
        "The p50 and p99 of each hour's readings, against the SLO. An hour above the SLO "
        "locates a degradation that the whole phase's p99 may dilute; a steady slope points to a "
        "drift."),
    "g.capacity": (
        "La charge monte par paliers. Un palier est tenu quand le débit répliqué suit l'offert, "
        "que le retard ne grandit pas et que le p99 reste sous le SLO ; la justification dit "
        "lequel a manqué. La capacité maximale testée est le plus haut palier tenu ; la capacité "
        "recommandée en est une part fixe, la marge pour la production.",
        "The load rises step by step. A step is sustained when the replicated rate follows the "
        "offered one, the lag does not grow and the p99 stays under the SLO; the reason says "
        "which one failed. The maximum tested capacity is the highest sustained step; the "
        "recommended capacity is a fixed share of it, the production margin."),
    "g.capacity_curve": (
        "Chaque palier est un point : débit offert en abscisse, répliqué en ordonnée (vert tenu, "
        "orange non tenu, gris non jugé). Tant que les points suivent la diagonale pointillée, "
        "MirrorMaker 2 suit la charge ; là où ils s'en écartent commence la saturation.",
        "Each step is a point: offered rate across, replicated rate up (green sustained, orange not "
        "sustained, grey not judged). While the points follow the dotted diagonal, MirrorMaker 2 "
        "keeps up with the load; where they leave it, saturation begins."),
    "g.stability": (
        "La phase dans la durée : part des messages livrés, variation du débit, retard maximal, "
        "temps interrompu ou sans données. Les tendances sont des régressions par heure avec "
        "leur p-valeur : une hausse significative de la latence, du retard ou de la mémoire "
        "après GC signale une dérive qui, sur une durée plus longue, finirait par franchir un "
        "seuil.",
        "The phase over its length: share of records delivered, throughput variation, highest "
        "lag, time down or without data. The trends are regressions per hour with their p-value: "
        "a significant rise of latency, lag or memory after GC points to a drift that, over a "
        "longer run, would end up crossing a threshold."),
    "g.heap": (
        "Le tas JVM de chaque worker : la bande couvre chaque tranche de 10 minutes, la ligne en "
        "suit le plancher, la mémoire qui reste après le ramasse-miettes. Un plancher qui monte "
        "sans redescendre est le signe d'une fuite.",
        "Each worker's JVM heap: the band covers each 10-minute slice, the line follows its "
        "floor, the memory left after garbage collection. A floor that rises and never comes "
        "down is the sign of a leak."),
    "g.events": (
        "Chaque panne injectée, dans l'ordre du plan de test : l'interruption qu'elle a causée, "
        "le délai de rétablissement, la durée du rééquilibrage, le retour au retard d'avant une "
        "rafale, et les messages perdus. Le second tableau en tire le MTTR, le RTO (pire "
        "rétablissement) et le RPO, à comparer aux seuils des critères.",
        "Each injected fault, in the order of the test plan: the interruption it caused, the "
        "time to restore, how long the rebalance took, the return to the lag before a burst, and "
        "the records lost. The second table derives the MTTR, the RTO (worst restore) and the "
        "RPO, to compare with the criteria's thresholds."),
    "g.errors": (
        "Chaque scénario d'erreur provoqué (droits révoqués, messages trop gros) et ce qui s'est "
        "passé : tâche en échec, erreurs comptées, reprise seule ou redémarrage nécessaire, "
        "messages perdus. Le comportement attendu est documenté, pas forcément sans erreur.",
        "Each provoked error scenario (revoked credentials, oversized records) and what "
        "happened: failed task, counted errors, recovery on its own or a restart needed, records "
        "lost. The behaviour expected is a documented one, not necessarily an error-free one."),
    "g.detection": (
        "Pour chaque panne injectée, les règles d'alerte du pack (mm2report alerts) évaluées sur "
        "la phase comme Prometheus le ferait, durée « for: » comprise : celles qui se sont "
        "déclenchées, après combien de temps, et celles qui ne l'ont jamais fait. Le critère 9 "
        "demande que chaque panne soit détectée dans le délai indiqué.",
        "For each injected fault, the alert rules of the pack (mm2report alerts) evaluated over "
        "the phase as Prometheus would, their 'for:' included: which fired, after how long, and "
        "which never did. Criterion 9 requires every fault to be detected within the bound "
        "stated."),
    "g.saved": (
        "Le fichier results.json garde les indicateurs, les verdicts et leurs preuves ; "
        "« mm2report report » en construit les livrables.",
        "The results.json file keeps the figures, the verdicts and their evidence; "
        "'mm2report report' builds the deliverables from it."),
    "g.change": (
        "Le contrôle H+15 min après un changement en production. Le tableau suivant détaille "
        "chaque contrôle avec sa valeur, son seuil et ses preuves ; le graphique montre les "
        "tâches, la latence et le retard autour du changement.",
        "The H+15 min check after a change in production. The next table details each check "
        "with its value, its threshold and its evidence; the chart shows tasks, latency and lag "
        "around the change."),
    "g.change_checks": (
        "Connecteur et tâches en cours d'exécution, latence sous le SLO, retard en baisse (test "
        "de tendance), pas de nouvelle erreur. Un seul contrôle {failed} ou {inconclusive} "
        "suffit à ne pas valider le changement.",
        "Connector and tasks running, latency under the SLO, lag decreasing (a trend test), no "
        "new error. One check {failed} or {inconclusive} is enough for the change not to "
        "validate."),
    "g.change_plot": (
        "Les tâches en cours d'exécution, la latence maximale par relevé et le retard sur la "
        "fenêtre qui suit le changement (son instant est marqué en haut à gauche ; la latence "
        "est jugée sur la partie ombrée, la seconde moitié). Les tâches doivent être toutes "
        "revenues, la latence sous le SLO et le retard en baisse.",
        "Running tasks, the highest latency per scrape and the lag over the window after the "
        "change (its moment marked top left; latency is judged on the shaded part, the second "
        "half). The tasks must all be back, latency under the SLO and the lag going down."),
}


_UNITS = {("fr", "records/s"): "msg/s", ("fr", "records"): "msg", ("fr", "days"): "j",
          ("fr", "bytes"): "o", ("en", "bytes"): "B"}


def _fmt_tz(tz: tzinfo) -> str:
    return str(getattr(tz, "key", tz))


@dataclass(frozen=True)
class Texts:
    """Labels, numbers and dates in one language and time zone."""

    lang: Lang
    tz: tzinfo

    def __call__(self, key: str, **values) -> str:
        text = MESSAGES[key][0 if self.lang == "fr" else 1]
        return text.format(**values) if values else text

    @property
    def locale(self) -> str:
        return "fr_FR" if self.lang == "fr" else "en_GB"

    @property
    def tz_name(self) -> str:
        return _fmt_tz(self.tz)

    def num(self, value: float | None, digits: int = 0, unit: str = "") -> str:
        if value is None or (isinstance(value, float) and not math.isfinite(value)):
            return "—"
        pattern = "#,##0" + ("." + "0" * digits if digits else "")
        text = format_decimal(value, format=pattern, locale=self.locale)
        return f"{text}\u00a0{unit}" if unit else text

    def sig(self, value: float | None, unit: str = "") -> str:
        """A measured value with sensible precision: integers above 100, 3 significant digits."""
        if value is None or not math.isfinite(value):
            return "—"
        a = abs(value)
        digits = 0 if a >= 100 or a == int(a) else (1 if a >= 10 else (2 if a >= 1 else 3))
        return self.num(value, digits, unit)

    def pct(self, value: float | None, digits: int = 4) -> str:
        """``value`` in percent (99.9886 → "99,9886 %")."""
        if value is None or not math.isfinite(value):
            return "—"
        return format_percent(value / 100, format="#,##0." + "0" * digits + "\u00a0%",
                              locale=self.locale)

    def ratio(self, value: float | None, digits: int = 1) -> str:
        return "—" if value is None or not math.isfinite(value) else self.pct(value * 100, digits)

    def dt(self, moment: datetime | pd.Timestamp | None, seconds: bool = False) -> str:
        if moment is None or pd.isna(moment):
            return "—"
        moment = pd.Timestamp(moment).to_pydatetime()
        pattern = "dd/MM/yyyy HH:mm" if self.lang == "fr" else "yyyy-MM-dd HH:mm"
        return format_datetime(moment, pattern + (":ss" if seconds else ""), tzinfo=self.tz,
                               locale=self.locale)

    def day(self, value) -> str:
        """A calendar date: 21/11/2026 (fr), 2026-11-21 (en)."""
        if value is None:
            return "—"
        from babel.dates import format_date

        return format_date(value, "dd/MM/yyyy" if self.lang == "fr" else "yyyy-MM-dd",
                           locale=self.locale)

    def duration(self, seconds: float | None) -> str:
        """``95`` → "1 min 35 s"; hours above an hour."""
        if seconds is None or not math.isfinite(seconds):
            return "—"
        if seconds < 0:  # e.g. an incident seen before its event was declared
            return "-" + self.duration(-seconds)
        s = int(round(seconds))
        h, rem = divmod(s, 3600)
        m, sec = divmod(rem, 60)
        if h:
            return f"{h}\u00a0h {m:02d}\u00a0min" if m else f"{h}\u00a0h"
        if m:
            return f"{m}\u00a0min {sec:02d}\u00a0s" if sec else f"{m}\u00a0min"
        return f"{sec}\u00a0s"

    def yesno(self, value: bool | None) -> str:
        return self("l.unknown_value") if value is None else self("l.yes" if value else "l.no")

    def status(self, status) -> str:
        return self(f"s.{getattr(status, 'value', status)}")

    def go(self, status) -> str:
        """A GO/NOGO criterion's verdict: GO, NOGO, or NOGO — inconclusive."""
        return self(f"go.{getattr(status, 'value', status)}")

    def criterion(self, verdict) -> str:
        key = f"c.{verdict.id}"
        if key in MESSAGES:
            return self(key)
        if verdict.id.endswith("-loss"):
            return self("c.loss")
        return verdict.title

    def op(self, op: str) -> str:
        return {"<": "<", "<=": "≤", ">": ">", ">=": "≥", "==": "="}.get(op, op)

    def quantity(self, value: float | None, unit: str) -> str:
        if value is None:
            return "—"
        if unit == "s":
            return self.duration(value)
        if unit == "%":
            return self.pct(value)
        return self.sig(value, self.unit(unit))

    def unit(self, unit: str) -> str:
        """A unit as this language writes it (records/s → msg/s in French)."""
        return _UNITS.get((self.lang, unit), unit)

    def part_title(self, v) -> str:
        import re

        m = re.match(r"^incident (\d+) \((\w+)\) restored within RTO$", v.title)
        if m:
            return self("vt.incident", n=m.group(1), kind=self.event(m.group(2)))
        m = re.match(r"^scenario (\d+) \((.*)\)(: no record lost| observed)$", v.title)
        if m:
            key = "vt.scenario_loss" if m.group(3).startswith(":") else "vt.scenario"
            return self(key, n=m.group(1), name=m.group(2))
        key = f"vt.{v.title}"
        return self(key) if key in MESSAGES else self.criterion(v)

    def threshold(self, v) -> str:
        """A verdict's threshold in this language ("< 300 s per incident" → "< 5 min par
        incident", "manual item 'x' done" → "élément manuel « x » fait")."""
        import re

        text = v.threshold or ""
        m = re.match(r"^manual item '(.+)' done$", text)
        if m:  # the item as the checklist names it, not its identifier
            return self("t.manual", item=self.item(m.group(1)))
        if self.lang == "en" or not text:
            return text
        m = re.match(r"^([<>]=?|==|=)\s*([-+]?\d+(?:\.\d+)?)\s*(.*?)( per incident)?$", text)
        if m:
            op = "=" if m.group(1) in ("=", "==") else self.op(m.group(1))
            out = f"{op} {self.quantity(float(m.group(2)), m.group(3))}"
            return out + (f" {self('t.per_incident')}" if m.group(4) else "")
        key = {"a sustained step": "t.sustained",
               "all expected rules loaded and healthy": "t.rules"}.get(text)
        return self(key) if key else text

    def reason(self, v) -> str:
        """A verdict's reason in this language, from its key and arguments (English keeps the
        reason as the library wrote it; a verdict without a key keeps it too)."""
        if v.key in ("manual.missing", "manual.not_done", "manual.na") and "item" in dict(v.args):
            return self(f"r.{v.key}", item=self.item(dict(v.args)["item"]))
        if self.lang == "en" or not v.key:
            return v.reason
        a = dict(v.args)
        unit = a.get("unit") or v.unit
        if v.key == "combined":
            failed = [p for p in v.parts if p.status.value == "FAIL"]
            unsure = [p for p in v.parts if p.status.value == "INCONCLUSIVE"]
            shown = failed or unsure or list(v.parts)
            out = []
            for part in shown:  # as the English: a part whose reason starts with its title
                title, text = self.part_title(part), self.reason(part)
                out.append(text if text.startswith(title) else f"{title} : {text}")
            return " ; ".join(out)
        if v.key.startswith("cmp."):
            threshold = f"{self.op(a.get('op', ''))} {self.quantity(a.get('limit'), unit)}"
            return self(f"r.{v.key}", value=self.quantity(a.get("value"), unit),
                        threshold=threshold, pct=self.ratio(a.get("completeness"), 1),
                        why=a.get("why", ""))
        if v.key in ("alerts.noapi", "alerts.noexpected", "lat.probe"):
            inner = self.reason(v.parts[0]) if v.parts else ""
            return self(f"r.{v.key}", inner=inner, upper=self.quantity(a.get("upper"), "ms"))
        if v.key == "lat.unbounded":
            return self("r.lat.unbounded", upper=self.quantity(a.get("upper"), "ms"))
        if v.key == "alerts.problems":
            return " ; ".join(self(f"r.alerts.{k}", names=a[k]) for k in
                              ("absent", "broken", "unevaluated") if a.get(k))
        if v.key == "manual.done":
            by = " " + self("r.manual.by", by=a["by"]) if a.get("by") else ""
            return self("r.manual.done", date=self.day(pd.Timestamp(a["date"]).tz_convert(self.tz).date()),
                        by=by, proof=a.get("proof") or "")
        values = {k: val for k, val in a.items()}
        for k in ("n",):
            if isinstance(values.get(k), float):
                values[k] = self.num(values[k])
        for k in ("down", "unknown", "worst", "bound"):
            if isinstance(values.get(k), float):
                values[k] = self.duration(values[k])
        if "completeness" in values:
            values["pct"] = self.ratio(values["completeness"], 1)
        if v.key == "cap.pass":
            values["max"] = self.quantity(a.get("max"), "records/s")
            values["rec"] = self.quantity(a.get("rec"), "records/s")
        if v.key == "absent":
            values["name"] = self(f"phase.{a['name']}") if f"phase.{a.get('name')}" in MESSAGES else a.get("name")
        return self(f"r.{v.key}", **values)

    def cause(self, cause: str) -> str:
        """An incident's cause ("tasks+stall" → "tâches arrêtées + réplication bloquée")."""
        return " + ".join(self(f"cause.{c}") if f"cause.{c}" in MESSAGES else c
                          for c in cause.split("+") if c) or "—"

    def trend(self, metric: str) -> str:
        return self(f"tr.{metric}") if f"tr.{metric}" in MESSAGES else metric

    def note(self, note: str) -> str:
        """A note of the analyses in this language when the catalogue has it."""
        if note.startswith("lost and duplicates are the net of each partition"):
            return self("n.loss_net")
        return note

    def step_reason(self, reason: str) -> str:
        """Why a capacity step was not sustained, with this language's numbers."""
        import re

        def number(text: str) -> float:
            return float(text.replace(",", ""))

        if m := re.fullmatch(r"only (\d+)% of the readings", reason):
            return self("cap.r.partial", pct=self.ratio(number(m[1]) / 100, 0))
        if m := re.fullmatch(r"replicated ([\d.]+)% of offered \(< (\d+)%\)", reason):
            return self("cap.r.ratio", ratio=self.ratio(number(m[1]) / 100, 1),
                        limit=self.ratio(number(m[2]) / 100, 0))
        if m := re.fullmatch(r"lag grew by ([\d,]+) records", reason):
            return self("cap.r.lag_grew", n=self.num(number(m[1]), 0, self.unit("records")))
        if m := re.fullmatch(r"latency p99 ([\d,]+) ms over the SLO", reason):
            return self("cap.r.latency", value=self.num(number(m[1]), 0, "ms"))
        key = {"lag not measured": "cap.r.lag_unknown",
               "latency not measured": "cap.r.latency_unknown"}.get(reason)
        return self(key) if key else reason

    def item(self, item_id: str) -> str:
        """A checklist item by its label ("rollback_tested" → "Rollback testé")."""
        return self(f"ck.{item_id}") if f"ck.{item_id}" in MESSAGES else item_id

    def event(self, kind: str) -> str:
        return self(f"e.{kind}") if f"e.{kind}" in MESSAGES else kind


def texts(lang: str, tz: tzinfo) -> Texts:
    if lang not in LANGS:
        raise ValueError(f"language {lang!r}: expected one of {', '.join(LANGS)}")
    return Texts(lang, tz)  # type: ignore[arg-type]


__all__ = ["LANGS", "Lang", "MESSAGES", "Texts", "texts"]
