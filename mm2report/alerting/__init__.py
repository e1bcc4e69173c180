"""Alerting as evidence: the campaign's rule pack and the time each injected fault took to alert.

* :mod:`.rules` — the Prometheus alerting rules of a campaign, built from the metric catalog
  and the campaign's thresholds (``mm2report alerts``);
* :mod:`.detection` — the rules evaluated over the campaign at the evaluation interval,
  ``for:`` honoured, and for every injected fault the time until each rule would have fired
  (GO/NOGO criterion 9).
"""

from .rules import ALERTS, FAULT_RULES, Rule, group_name, rule_pack, rules_yaml

__all__ = ["ALERTS", "FAULT_RULES", "Rule", "group_name", "rule_pack", "rules_yaml"]
