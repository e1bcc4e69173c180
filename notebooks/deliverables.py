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
# # MM2 validation — deliverables (synthesis over a run's results)
#
# The five stakeholder documents of a run, read from its `results.json` files:
# `mm2report report PARAMS` prints them as A4 HTML and PDF. With no parameters it shows the
# embedded demo campaign (its latest run, or the demo analysed here when none exists).

# %% tags=["parameters"]
campaign = None  # campaign parameter file (YAML); None: the embedded demo campaign
run = None  # run id or directory; None: the latest complete run
lang = None  # "fr" or "en"; None: the campaign's language
output_dir = None  # the outputs directory holding the runs; None: ./outputs of mm2report

# %%
# Read the run's results, combine the campaign, load the action plan.
from mm2report.documents.report import open_deliverables

docs = open_deliverables(campaign, run, lang=lang, outputs=output_dir)
docs.summary()

# %%
# Fiche technique (seed 000, "Résumé Capacités Validées").
docs.sheet()

# %%
# SLA conformance (seed 001, §1.2), availability timeline, yearly budget and projection.
docs.sla()

# %%
# GO/NOGO decision (seed 000): criteria, blocking points, checklists, signatures.
docs.decision_record()

# %%
# Action plan (seed 001, §2–§10): progress, milestones, schedule, closure.
docs.plan()
