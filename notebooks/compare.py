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
# # MM2 validation — before / after comparison (ACT-003)
#
# Did the tuning really improve replication, or is the difference noise? This notebook compares
# campaign B with the reference A (each a run directory of `mm2report run`, or a campaign file
# analysed here) and judges the ACT-003 success criteria. `mm2report compare A B --report DIR`
# prints the same document as A4 HTML and PDF. With no parameters it compares the embedded demo
# campaign with itself: every difference is zero and nothing is significant.

# %% tags=["parameters"]
a = None  # the reference: a run directory or a campaign file; None: the embedded demo
b = None  # the campaign compared with it; None: the embedded demo
params_a = None  # campaign file of run A (only when a is a run directory)
params_b = None  # campaign file of run B (only when b is a run directory)
criteria = None  # success criteria file (YAML); None: ACT-003's defaults
lang = None  # "fr" or "en"; None: the language of A's campaign

# %%
# Read both sides and compare them.
from mm2report.compare.document import open_comparison

report = open_comparison(a, b, params_a=params_a, params_b=params_b, criteria=criteria,
                         lang=lang)

# %%
# What is compared, and how to read the tables.
report.intro()

# %%
# ACT-003 criteria: throughput up by more than the target, p99 lower, no functional regression.
report.criteria()

# %%
# Sustained capacity per load step and the fitted saturation ceiling.
report.capacity()

# %%
# Capacity before / after on one axis.
report.capacity_plot()

# %%
# Latency percentiles of the steady-load phases.
report.latency()

# %%
# Latency distributions before / after on one axis.
report.latency_plot()

# %%
# Rebalance and recovery times, per event kind.
report.times()

# %%
# Availability and incidents.
report.availability()

# %%
# The other lines of the technical sheet and the SLA report.
report.other()

# %%
# Regressions: lines that pass in A and no longer pass in B.
report.regressions()
