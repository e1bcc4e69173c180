"""``mm2report compare A B``: before and after tuning, what really changed (seed 001, ACT-003).

:func:`compare` reads two runs (or analyses two campaign files) and returns a
:class:`Comparison`: every KPI of the technical sheet and the SLA report with B − A, its
interval and whether it is significant (:mod:`.stats` says which interval for which KPI), the
regressions, and the ACT-003 criteria (:mod:`.params`) judged PASS / FAIL / INCONCLUSIVE.
"""

from .model import Comparison, Difference, Regression, compare, compare_analyses
from .params import CompareCriteria, load_criteria, validate_criteria

__all__ = ["CompareCriteria", "Comparison", "Difference", "Regression", "compare",
           "compare_analyses", "load_criteria", "validate_criteria"]
