"""Figures of the phase notebooks: one style, titles, units, the campaign's time zone,
thresholds drawn and injected events annotated.

Every function takes analysis results (and, for raw series, a phase's frames) and returns a
:class:`matplotlib.figure.Figure` built without pyplot, so nothing is drawn twice in a notebook
and nothing depends on a global figure state. Colours are the Okabe–Ito palette (readable by
colour-blind readers and in greyscale print, where line styles also differ).
"""

from __future__ import annotations

from contextlib import contextmanager
from datetime import datetime
from typing import TYPE_CHECKING, Iterable, Iterator

import matplotlib
import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from ..analyses.core import window
from ..analyses.state import State

if TYPE_CHECKING:
    from ..analyses.data import PhaseData
    from ..analyses.latency import LatencyStats
    from ..analyses.throughput import Capacity
    from ..evaluate import PhaseAnalysis
    from ..params import Thresholds
    from .i18n import Texts

# Okabe–Ito
BLUE, ORANGE, GREEN, RED, GREY, PURPLE, SKY = ("#0072B2", "#E69F00", "#009E73", "#D55E00",
                                             "#999999", "#CC79A7", "#56B4E9")
STATE_COLOURS = {State.UP.value: "#CDEBDD", State.DEGRADED.value: "#F7DDA4",
                 State.DOWN.value: "#F2B8A0", State.UNKNOWN.value: "#D9D9D9"}
STYLE = {
    "figure.dpi": 110, "savefig.dpi": 150, "figure.facecolor": "white",
    "font.size": 9.5, "axes.titlesize": 11, "axes.titleweight": "bold", "axes.labelsize": 9.5,
    "axes.grid": True, "grid.color": "#E5E5E5", "grid.linewidth": 0.6,
    "axes.spines.top": False, "axes.spines.right": False, "axes.edgecolor": "#555555",
    "legend.fontsize": 8.5, "legend.frameon": False, "lines.linewidth": 1.3,
    "axes.prop_cycle": matplotlib.cycler(color=[BLUE, ORANGE, GREEN, RED, PURPLE, SKY]),
}
WIDTH = 10.0  # inches: fits an A4 page's text width when printed at 150 dpi


@contextmanager
def style() -> Iterator[None]:
    with matplotlib.rc_context(STYLE):
        yield


def _time_axis(ax, t: "Texts", start: datetime, end: datetime) -> None:
    span_h = (pd.Timestamp(end) - pd.Timestamp(start)).total_seconds() / 3600
    fmt = "%H:%M" if span_h <= 20 else "%d/%m\n%H:%M"
    ax.xaxis.set_major_formatter(mdates.DateFormatter(fmt, tz=t.tz))
    ax.xaxis.set_major_locator(mdates.AutoDateLocator(tz=t.tz, maxticks=10 if span_h <= 20 else 8))
    ax.set_xlim(pd.Timestamp(start), pd.Timestamp(end))


def _thousands(t: "Texts"):
    return FuncFormatter(lambda v, _pos: t.num(v))


def _events(axes, phase: "PhaseAnalysis", t: "Texts", shade: bool = True) -> None:
    """Mark each injected event on every axis (its span shaded) and name it above the top one."""
    events = sorted((ev for ev, _ in phase.event_loss), key=lambda e: pd.Timestamp(e.start))
    top = axes[0]
    for n, ev in enumerate(events):
        start = pd.Timestamp(ev.start)
        for ax in axes:
            ax.axvline(start, color=PURPLE, lw=0.9, ls="--", zorder=1)
            if shade and ev.end is not None and ax is not top:
                ax.axvspan(start, pd.Timestamp(ev.end), color=PURPLE, alpha=0.08, lw=0)
        top.annotate(f"{n + 1}. {t.event(ev.kind)}", (start, 1.0),
                     xycoords=("data", "axes fraction"), xytext=(2, 2 + 9 * (n % 2)),
                     textcoords="offset points", fontsize=7.5, color=PURPLE)


def _state_band(ax, frame: pd.DataFrame, step: int, t: "Texts") -> None:
    ax.set_yticks([])
    ax.grid(False)
    ax.set_ylabel(t("p.state"), rotation=0, ha="right", va="center")
    if frame.empty:
        return
    states = frame["state"].to_numpy()
    idx = frame.index
    change = np.flatnonzero(np.r_[True, states[1:] != states[:-1], True])
    for a, b in zip(change[:-1], change[1:]):
        left = idx[a] - pd.Timedelta(seconds=step)  # a reading at T covers (T - step, T]
        ax.axvspan(left, idx[b - 1], color=STATE_COLOURS.get(states[a], "white"), lw=0)
    handles = [matplotlib.patches.Patch(color=c, label=t(f"s.{s}"))
               for s, c in STATE_COLOURS.items()]
    ax.legend(handles=handles, loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize=7.5)


def phase_overview(phase: "PhaseAnalysis", thresholds: "Thresholds", t: "Texts") -> Figure:
    """Service state, throughput, latency and lag over the phase, events annotated."""
    frame = phase.timeline.frame
    with style():
        fig = Figure(figsize=(WIDTH, 7.6), layout="constrained")
        gs = fig.add_gridspec(4, 1, height_ratios=[0.45, 2, 2, 2])
        band = fig.add_subplot(gs[0])
        rate = fig.add_subplot(gs[1], sharex=band)
        lat = fig.add_subplot(gs[2], sharex=band)
        lag = fig.add_subplot(gs[3], sharex=band)
        fig.suptitle(f"{t(f'phase.{phase.name}')} — {t('h.overview')}", fontweight="bold")
        _state_band(band, frame, phase.timeline.step, t)
        if not frame.empty:
            rate.plot(frame.index, frame["offered_rate"], color=GREY, lw=2.2, alpha=0.8,
                      label=t("l.offered"))
            rate.plot(frame.index, frame["replicated_rate"], color=BLUE, label=t("l.replicated"))
            lat.plot(frame.index, frame["latency_max_ms"], color=ORANGE, label=t("p.latency_max"))
            lag.plot(frame.index, frame["lag_records"], color=GREEN, label=t("p.lag_series"))
        rate.set_ylabel(t("p.rate"))
        rate.yaxis.set_major_formatter(_thousands(t))
        rate.set_ylim(bottom=0)
        lat.set_ylabel(t("p.latency"))
        slo = thresholds.latency_p99_slo_ms
        lat.axhline(slo, color=RED, ls="--", lw=1, label=t("p.slo", value=t.num(slo)))
        lat.axhline(thresholds.sla_latency_ms, color=RED, ls=":", lw=1,
                    label=t("p.sla_latency", value=t.num(thresholds.sla_latency_ms)))
        top = np.nanmax(frame["latency_max_ms"].to_numpy()) if frame["latency_max_ms"].notna().any() else 0
        if top > 20 * slo:
            lat.set_yscale("log")
        lat.yaxis.set_major_formatter(_thousands(t))
        lag.set_ylabel(t("p.lag"))
        lag.axhline(thresholds.lag_records, color=RED, ls="--", lw=1,
                    label=t("p.lag_threshold", value=t.num(thresholds.lag_records)))
        lag.yaxis.set_major_formatter(_thousands(t))
        lag.set_ylim(bottom=0)
        for ax in (rate, lat, lag):
            ax.legend(loc="center left", bbox_to_anchor=(1.0, 0.5))
        for ax in (band, rate, lat):
            ax.tick_params(labelbottom=False)
        _events([band, rate, lat, lag], phase, t)
        _time_axis(lag, t, phase.start, phase.end)
        lag.set_xlabel(t("p.time", tz=t.tz_name))
    return fig


def capacity_curve(cap: "Capacity", t: "Texts") -> Figure:
    """Replicated against offered rate per step, with the maximum tested and recommended lines."""
    with style():
        fig = Figure(figsize=(WIDTH, 4.6), layout="constrained")
        ax = fig.add_subplot()
        ax.set_title(t("p.capacity"))
        offered = [s.offered.value for s in cap.steps]
        replicated = [s.replicated.value for s in cap.steps]
        known = [(o, r, s) for o, r, s in zip(offered, replicated, cap.steps)
                 if o is not None and r is not None]
        top = max([o for o, _, _ in known] + [r for _, r, _ in known] + [1.0])
        ax.plot([0, top * 1.05], [0, top * 1.05], color=GREY, ls=":", label=t("p.identity"))
        for i, (o, r, s) in enumerate(known):
            colour = GREEN if s.sustained else (RED if s.sustained is False else GREY)
            ax.scatter([o], [r], s=46, color=colour, zorder=3)
            ax.annotate(f"{t('l.step_n')} {i + 1}", (o, r), xytext=(5, -12),
                        textcoords="offset points", fontsize=8)
        ax.plot([o for o, _, _ in known], [r for _, r, _ in known], color=BLUE, lw=1)
        if cap.max_tested.known:
            ax.axhline(cap.max_tested.value, color=BLUE, ls="--", lw=1,
                       label=t("p.max_tested", value=t.num(cap.max_tested.value)))
        if cap.recommended.known:
            ax.axhline(cap.recommended.value, color=GREEN, ls="--", lw=1.2,
                       label=t("p.recommended", value=t.num(cap.recommended.value)))
        unit = t("p.rate").split("(")[-1]
        ax.set_xlabel(f"{t('l.offered')} ({unit}")
        ax.set_ylabel(f"{t('l.replicated')} ({unit}")
        ax.xaxis.set_major_formatter(_thousands(t))
        ax.yaxis.set_major_formatter(_thousands(t))
        ax.set_xlim(0, top * 1.08)
        ax.set_ylim(0, top * 1.08)
        ax.legend(loc="upper left")
    return fig


def latency_hourly(latency: "LatencyStats", thresholds: "Thresholds", t: "Texts") -> Figure:
    """Hourly p50 and p99 of the per-scrape maxima against the SLO."""
    frame = latency.over_time
    with style():
        fig = Figure(figsize=(WIDTH, 3.6), layout="constrained")
        ax = fig.add_subplot()
        ax.set_title(t("p.latency_hourly"))
        if not frame.empty:
            # each hour drawn over its whole span: repeat the last value at the phase's end
            end = pd.Timestamp(latency.end)
            x = frame.index.append(pd.DatetimeIndex([max(end, frame.index[-1])]))
            for col, colour, label in (("p99_ms", RED, "p99"), ("p50_ms", BLUE, "p50")):
                y = np.append(frame[col].to_numpy(dtype="float64"), frame[col].iloc[-1])
                ax.step(x, y, where="post", color=colour, label=label)
        slo = thresholds.latency_p99_slo_ms
        ax.axhline(slo, color=RED, ls="--", lw=1, label=t("p.slo", value=t.num(slo)))
        if not frame.empty and frame["p99_ms"].max() > 20 * slo:
            ax.set_yscale("log")
        ax.set_ylabel(t("p.latency"))
        ax.yaxis.set_major_formatter(_thousands(t))
        ax.legend(loc="center left", bbox_to_anchor=(1.0, 0.5))
        _time_axis(ax, t, latency.start, latency.end)
        ax.set_xlabel(t("p.time", tz=t.tz_name))
    return fig


def worker_heap(data: "PhaseData", phase: "PhaseAnalysis", t: "Texts") -> Figure:
    """JVM heap used per worker (MB): the range of each 10 minutes shaded, and its floor (the
    heap left after garbage collection, which the leak test follows) as a line."""
    result = data.get("jvm_heap_used")
    with style():
        fig = Figure(figsize=(WIDTH, 3.6), layout="constrained")
        ax = fig.add_subplot()
        ax.set_title(t("p.heap"))
        if result is not None and result.frame.shape[1]:
            for col in result.frame.columns:
                s = window(result.frame[col].astype("float64"), phase.start, phase.end) / 1e6
                label = _label(col, result.frame.columns.names)
                low, high = s.resample("10min").min(), s.resample("10min").max()
                line, = ax.plot(low.index, low, lw=1.4, label=label)
                ax.fill_between(low.index, low, high, color=line.get_color(), alpha=0.15, lw=0)
            ax.legend(loc="center left", bbox_to_anchor=(1.0, 0.5))
        ax.set_ylabel(t("p.heap"))
        ax.yaxis.set_major_formatter(_thousands(t))
        _events([ax], phase, t, shade=False)
        _time_axis(ax, t, phase.start, phase.end)
        ax.set_xlabel(t("p.time", tz=t.tz_name))
    return fig


def change_window(data: dict, result, thresholds: "Thresholds", t: "Texts") -> Figure:
    """Tasks, latency and lag around a change, the change and the judged spans marked."""
    from ..analyses.core import aggregate

    start, end = result.at, result.until
    with style():
        fig = Figure(figsize=(WIDTH, 6.0), layout="constrained")
        axes = fig.subplots(3, 1, sharex=True)
        fig.suptitle(t("h.change"), fontweight="bold")
        tasks, lat, lag = axes
        for q, colour, label in (("tasks_total", GREY, t("l.tasks")),
                                 ("tasks_running", BLUE, t("p.running"))):
            s = window(aggregate(data.get(q)), start, end)
            tasks.step(s.index, s, where="pre", color=colour, label=label)
        tasks.set_ylabel(t("l.tasks"))
        tasks.set_ylim(bottom=0)
        s = window(aggregate(data.get("latency_max")), start, end)
        lat.plot(s.index, s, color=ORANGE, label=t("p.latency_max"))
        lat.axhline(thresholds.latency_p99_slo_ms, color=RED, ls="--", lw=1,
                    label=t("p.slo", value=t.num(thresholds.latency_p99_slo_ms)))
        lat.set_ylabel(t("p.latency"))
        s = window(aggregate(data.get("consumer_lag")), start, end)
        lag.plot(s.index, s, color=GREEN, label=t("p.lag_series"))
        lag.axhline(thresholds.lag_records, color=RED, ls="--", lw=1,
                    label=t("p.lag_threshold", value=t.num(thresholds.lag_records)))
        lag.set_ylabel(t("p.lag"))
        lag.set_ylim(bottom=0)
        half = pd.Timestamp(start) + (pd.Timestamp(end) - pd.Timestamp(start)) / 2
        for ax in axes:
            ax.axvline(pd.Timestamp(start), color=PURPLE, ls="--", lw=1)
            ax.yaxis.set_major_formatter(_thousands(t))
            ax.legend(loc="center left", bbox_to_anchor=(1.0, 0.5))
        lat.axvspan(half, pd.Timestamp(end), color=SKY, alpha=0.10, lw=0)
        tasks.annotate(t("l.change_at", ) + " " + t.dt(start), (pd.Timestamp(start), 1.0),
                       xycoords=("data", "axes fraction"), xytext=(3, 3),
                       textcoords="offset points", fontsize=8, color=PURPLE)
        _time_axis(lag, t, start, end)
        lag.set_xlabel(t("p.time", tz=t.tz_name))
    return fig


def availability_timeline(analysis, t: "Texts") -> Figure:
    """Service state of every phase of the campaign, one row per phase, one colour per state."""
    phases = list(analysis.phases.values())
    with style():
        fig = Figure(figsize=(WIDTH, 0.9 + 0.42 * max(1, len(phases))), layout="constrained")
        ax = fig.add_subplot()
        ax.set_title(t("l.availability"))
        for row, p in enumerate(reversed(phases)):
            frame, step = p.timeline.frame, pd.Timedelta(seconds=p.timeline.step)
            if frame.empty:
                continue
            states = frame["state"].to_numpy()
            change = np.flatnonzero(np.r_[True, states[1:] != states[:-1], True])
            spans = {}
            for a, b in zip(change[:-1], change[1:]):
                left = frame.index[a] - step
                spans.setdefault(states[a], []).append((mdates.date2num(left),
                                                        mdates.date2num(frame.index[b - 1]) - mdates.date2num(left)))
            for state, bars in spans.items():
                ax.broken_barh(bars, (row - 0.35, 0.7), color=STATE_COLOURS.get(state, "white"),
                               edgecolor=RED if state == State.DOWN.value else "none", lw=0.6)
        ax.set_yticks(range(len(phases)), [t(f"phase.{p.name}") for p in reversed(phases)])
        ax.grid(axis="y", visible=False)
        handles = [matplotlib.patches.Patch(color=c, label=t(f"s.{s}")) for s, c in STATE_COLOURS.items()]
        ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.18), ncol=4)
        if phases:
            ax.xaxis_date(tz=t.tz)
            _time_axis(ax, t, min(p.start for p in phases), max(p.end for p in phases))
    return fig


def gantt(plan, t: "Texts", today=None) -> Figure:
    """Actions from start to due date, coloured by status, milestones as diamonds; a P0
    action outlined in a dark colour (not the "blocked" red), a late one hatched; the legend
    says both."""
    from datetime import timedelta

    outline = "#1d2733"
    colours = {"done": GREEN, "in_progress": BLUE, "todo": GREY, "blocked": RED}
    actions = list(plan.actions)
    with style():
        fig = Figure(figsize=(WIDTH, 1.2 + 0.36 * (len(actions) + len(plan.milestones))),
                     layout="constrained")
        ax = fig.add_subplot()
        ax.set_title(t("d.gantt"))
        labels = []
        for row, a in enumerate(actions):
            start = a.start or a.due - timedelta(days=max(1, round(a.effort_days)))
            late = today is not None and a.open and a.due < today
            ax.barh(row, (a.due - start).days + 1, left=mdates.date2num(start), height=0.55,
                    color=colours[a.status], alpha=0.85,
                    edgecolor=outline if a.priority == "P0" else "none", lw=1.6,
                    hatch="////" if late else None)
            labels.append(f"{a.id} ({a.priority})")
        for i, m in enumerate(plan.milestones):
            row = len(actions) + i
            ax.plot([mdates.date2num(m.due)], [row], marker="D", color=PURPLE, ms=7)
            labels.append(f"{m.id} — {m.title}")
        ax.set_yticks(range(len(labels)), labels)
        ax.invert_yaxis()
        ax.xaxis_date()
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%d/%m" if t.lang == "fr" else "%m-%d"))
        if today is not None:
            ax.axvline(mdates.date2num(today), color=RED, ls="--", lw=1, label=t("d.today"))
        handles = [matplotlib.patches.Patch(color=c, label=t(f"st.{s}")) for s, c in colours.items()]
        handles += [matplotlib.patches.Patch(facecolor="white", edgecolor=outline, lw=1.6,
                                             label=t("d.p0_outline")),
                    matplotlib.patches.Patch(facecolor="white", edgecolor=GREY, hatch="////",
                                             label=t("d.late_hatch"))]
        ax.legend(handles=handles + ([ax.lines[-1]] if today is not None else []),
                  loc="center left", bbox_to_anchor=(1.0, 0.5))
    return fig


def _label(col, names: Iterable[str | None]) -> str:
    values = col if isinstance(col, tuple) else (col,)
    pairs = dict(zip(names, values))
    return str(pairs.get("instance") or pairs.get("pod") or pairs.get("kubernetes_pod_name")
               or ", ".join(str(v) for v in values))


__all__ = ["STYLE", "availability_timeline", "capacity_curve", "gantt", "change_window", "latency_hourly", "phase_overview", "style", "worker_heap"]
