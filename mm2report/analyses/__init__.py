"""KPI analyses: pure functions on query frames returning small frozen results.

Modules: :mod:`.core` (result types), :mod:`.data` (what a phase reads from a source),
:mod:`.state` (service state, availability, incidents, MTTR/RTO/RPO, rebalances, bursts),
:mod:`.throughput` (capacity), :mod:`.latency`, :mod:`.loss`, :mod:`.stability`,
:mod:`.projection` (annual downtime), :mod:`.operations` (error scenarios, certificates).
"""

from .core import Evidence, Kpi, to_jsonable

__all__ = ["Evidence", "Kpi", "to_jsonable"]
