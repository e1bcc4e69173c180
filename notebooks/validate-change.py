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

# %% tags=["parameters"]
campaign = None  # campaign parameter file (YAML); None: the embedded demo campaign
at = "2026-11-17T17:55:00+01:00"  # when the change was applied, with its UTC offset
window = "15m"  # validation window after the change
output_dir = None  # where change.json is written; None: ./results/change
lang = None  # "fr" or "en"; None: the campaign's language

# %%
from mm2report.documents.notebook import open_change

check = open_change(campaign, at, window, output_dir=output_dir, lang=lang)
check.summary()

# %%
check.checks()

# %%
check.plot()

# %%
check.save()
