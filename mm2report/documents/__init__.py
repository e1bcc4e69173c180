"""The documents layer: what a reader sees.

Phase reports (:mod:`.notebook`, with the figures of :mod:`.plots`), the per-phase and combined
results files (:mod:`.results`), the campaign deliverables (:mod:`.deliverables`, built and
rendered to HTML + PDF by :mod:`.report`), the message catalogue and locale formats
(:mod:`.i18n`) and the nbconvert templates (``templates/``).
"""
