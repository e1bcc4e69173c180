"""Before / after figures: both campaigns drawn on one axis, in the deliverables' style
(:mod:`mm2report.documents.plots`: Okabe–Ito colours, line styles that also differ in greyscale)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from matplotlib.figure import Figure

from ..documents import plots as P

if TYPE_CHECKING:
    from .model import Comparison
    from .texts import CompareTexts

SIDES = (("a", P.BLUE, "o", "-"), ("b", P.ORANGE, "s", "--"))


def capacity_before_after(c: "Comparison", ct: "CompareTexts") -> Figure | None:
    """Mean replicated vs mean offered rate of every step, A and B, with each step's 95 %
    interval and the fitted ceilings."""
    curves = [c.curves.get(f"capacity_{s}") for s, *_ in SIDES]
    if any(x is None or x.empty for x in curves):
        return None
    t = ct.t
    with P.style():
        fig = Figure(figsize=(P.WIDTH, 4.2), layout="constrained")
        ax = fig.add_subplot()
        top = 0.0
        for (side, colour, marker, ls), curve in zip(SIDES, curves):
            x = curve["offered_rps"].to_numpy(dtype="float64")
            y = curve["replicated_rps"].to_numpy(dtype="float64")
            label = c.a_label if side == "a" else c.b_label
            label = label if len(label) <= 60 else label[:59] + "…"
            ax.plot(x, y, marker=marker, color=colour, ls=ls, label=f"{side.upper()} — {label}")
            lo, hi = _step_intervals(c, side)
            if lo is not None and len(lo) == len(y):
                ax.errorbar(x, y, yerr=[np.clip(y - lo, 0, None), np.clip(hi - y, 0, None)],
                            fmt="none", ecolor=colour, capsize=3, lw=1)
            ceiling = c.curves.get(f"ceiling_{side}")
            if ceiling is not None and ceiling.known:
                ax.axhline(ceiling.value, color=colour, ls=":", lw=1.1,
                           label=ct("p.ceiling", side=side.upper()) + f" {t.sig(ceiling.value)}")
                if ceiling.ci is not None:
                    ax.axhspan(ceiling.ci[0], ceiling.ci[1], color=colour, alpha=0.12, lw=0)
            top = max(top, float(np.nanmax(x)), float(np.nanmax(y)))
        ax.plot([0, top], [0, top], color=P.GREY, lw=0.8, ls="-.", zorder=0)
        ax.set_xlim(0, top * 1.05)
        ax.set_ylim(0, top * 1.05)
        ax.set_xlabel(ct("p.offered"))
        ax.set_ylabel(ct("p.replicated"))
        ax.xaxis.set_major_formatter(P._thousands(t))
        ax.yaxis.set_major_formatter(P._thousands(t))
        ax.set_title(ct("p.capacity"))
        ax.legend(loc="upper left")
    return fig


def _step_intervals(c: "Comparison", side: str):
    steps = c.curves.get(f"steps_{side}")
    if steps is None:
        return None, None
    lo = np.array([s[0] if s else np.nan for s in steps], dtype="float64")
    hi = np.array([s[1] if s else np.nan for s in steps], dtype="float64")
    return lo, hi


def latency_before_after(c: "Comparison", ct: "CompareTexts") -> Figure | None:
    """Records-weighted distribution of the per-scrape latency maxima of every steady phase
    the two campaigns share, A and B on one axis per phase."""
    la, lb = c.curves.get("latency_a") or {}, c.curves.get("latency_b") or {}
    phases = [p for p in la if p in lb and len(la[p][0]) and len(lb[p][0])]
    if not phases:
        return None
    with P.style():
        fig = Figure(figsize=(P.WIDTH, 3.6), layout="constrained")
        axes = fig.subplots(1, len(phases), squeeze=False)[0]
        for ax, phase in zip(axes, phases):
            for (side, colour, _m, ls), data in zip(SIDES, (la[phase], lb[phase])):
                values, weights = data
                order = np.argsort(values, kind="stable")
                cum = np.cumsum(weights[order]) / weights.sum()
                ax.step(values[order], cum, where="post", color=colour, ls=ls,
                        label=f"{side.upper()}")
            ax.axhline(0.99, color=P.GREY, lw=0.7, ls=":")
            ax.axhline(0.50, color=P.GREY, lw=0.7, ls=":")
            ax.set_title(ct.phase(phase))
            ax.set_xlabel(ct("p.latency_x"))
            ax.set_ylim(0, 1.02)
            ax.legend(loc="lower right")
        axes[0].set_ylabel(ct("p.latency_y"))
        fig.suptitle(ct("p.latency"), fontweight="bold", fontsize=11)
    return fig


__all__ = ["capacity_before_after", "latency_before_after"]
