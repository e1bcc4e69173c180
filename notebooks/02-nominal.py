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
phase = "nominal"
output_dir = None  # where results.json is written; None: ./results/nominal
lang = None  # "fr" or "en"; None: the campaign's language

# %%
from mm2report.documents.notebook import open_phase

report = open_phase(campaign, phase, output_dir=output_dir, lang=lang)
report.summary()

# %%
report.verdicts()

# %%
report.overview()

# %%
report.stability()

# %%
report.incidents()

# %%
report.loss()

# %%
report.save()
