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
run = None  # run id or directory; None: the latest complete run
lang = None  # "fr" or "en"; None: the campaign's language
output_dir = None  # the outputs directory holding the runs; None: ./outputs of mm2report

# %%
from mm2report.documents.report import open_deliverables

docs = open_deliverables(campaign, run, lang=lang, outputs=output_dir)
docs.summary()

# %%
docs.sheet()

# %%
docs.sla()

# %%
docs.decision_record()

# %%
docs.plan()
