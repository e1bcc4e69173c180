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
# # MM2 change window — H+15 min validation
#
# Run after a change: `mm2report validate-change PARAMS --at TIME [--window 15m]`. Connector and
# tasks RUNNING, latency within the SLO, lag decreasing (a trend test), no new errors. With no
# parameters it validates the demo campaign's worker addition.

# %% tags=["parameters"]
campaign = None  # campaign parameter file (YAML); None: the embedded demo campaign
at = "2026-11-17T17:55:00+01:00"  # when the change was applied, with its UTC offset
window = "15m"  # validation window after the change
output_dir = None  # where change.json is written; None: ./results/change
lang = None  # "fr" or "en"; None: the campaign's language

# %%
# Validate the parameters, read the window from the campaign's source, judge the checks.
from mm2report.documents.notebook import open_change

check = open_change(campaign, at, window, output_dir=output_dir, lang=lang)
check.summary()

# %%
# The five checks of seed 000 "H+15min : Validation", each with its evidence.
check.checks()

# %%
# Tasks, latency and lag around the change.
check.plot()

# %%
# The checks and the overall verdict, for the change record.
check.save()
