"""Metric sources: a Prometheus-compatible HTTP API, or a recorded snapshot. Same frames."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .base import MetricSource, QueryResult, Series, align, build_frame, grid

if TYPE_CHECKING:
    from ..params import Campaign


def open_source(campaign: "Campaign") -> MetricSource:
    """The source named by the campaign's ``source`` section."""
    if campaign.source.kind == "snapshot":
        from .snapshot import SnapshotSource

        return SnapshotSource(campaign)
    from .prometheus import PrometheusSource

    return PrometheusSource(campaign)


__all__ = ["MetricSource", "QueryResult", "Series", "align", "build_frame", "grid", "open_source"]
