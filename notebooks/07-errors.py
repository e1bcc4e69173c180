# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # MM2 validation — errors phase
#
# Run after the errors phase: `mm2report run PARAMS --phase errors`, or
# `papermill notebooks/07-errors.ipynb out.ipynb -p campaign PARAMS`. With no parameters it runs
# on the embedded demo campaign. Every figure comes from `mm2report`; this notebook only calls it.

# %% tags=["parameters"]
campaign = None  # campaign parameter file (YAML); None: the embedded demo campaign
phase = "errors"
output_dir = None  # where results.json is written; None: ./results/errors
lang = None  # "fr" or "en"; None: the campaign's language

# %%
# Validate the parameters, read the phase from the campaign's source, analyse it.
from mm2report.documents.notebook import open_phase

report = open_phase(campaign, phase, output_dir=output_dir, lang=lang)
report.summary()

# %%
# Criterion 7 (error behaviours documented) and the loss check.
report.verdicts()

# %%
# Service state, throughput, latency and lag; scenarios numbered.
report.overview()

# %%
# Each error scenario: failed task, errors counted, recovery, restart needed, loss.
report.errors()

# %%
# Each fault and the alert rules it raised: which fired, after how long, which never (criterion 9).
report.alerts()

# %%
# Interruptions, with the event they follow.
report.incidents()

# %%
# Offsets per partition: produced, replicated, lost, duplicated.
report.loss()

# %%
# The phase's KPIs and verdicts, with their evidence, for the run and the deliverables.
report.save()
