"""Recorded snapshots: every catalog query of a campaign in Parquet, with a manifest.

A snapshot is the audit trail of a decision: replaying it gives the frames the live server gave,
offline, after Prometheus retention has deleted the raw data. Layout::

    <dir>/manifest.json          format, version, tool version, source URL, requests, checksums
    <dir>/queries/<name>.parquet the samples of every request of that query

Each Parquet file holds the samples exactly as the server returned them (``request``, ``series``,
``ts`` in epoch seconds, ``value``) and the label sets of its series in the file's metadata, so a
replay rebuilds frames with the same code path as a live query.

A replay refuses a snapshot whose format version differs, whose files are missing or whose
checksums do not match, and one recorded with other PromQL than the campaign now renders (the
selectors changed since): silently answering another question would be worse than failing.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Callable

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from .. import __version__, catalog
from ..errors import SnapshotError
from ..redact import redact_file_text
from .base import MetricSource, Series, align, rules_or_none, to_epoch

if TYPE_CHECKING:
    from ..params import Campaign

FORMAT = "mm2report-snapshot"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
RULES = "rules.json"  # the server's /api/v1/rules groups, when it served them


@dataclass(frozen=True)
class Request:
    """One recorded evaluation: a range on the step grid, or one instant."""

    query: str
    kind: str  # "range" | "instant"
    start: int
    end: int
    step: int
    range_: str | None = None


def plan(campaign: "Campaign") -> list[Request]:
    """What a snapshot of ``campaign`` records.

    Every aggregate query over each phase at the campaign step; the per-partition queries (too
    large as ranges) at each phase's bounds and at each event's bounds; the probe histogram over
    each whole phase.
    """
    step = int(campaign.source.step.total_seconds())
    names = catalog.needed_queries(campaign)
    requests: list[Request] = []
    for _, phase in campaign.phases.items():
        s, e = align(to_epoch(phase.start), to_epoch(phase.end), step)
        instants = {phase.start, phase.end}
        for event in phase.events:
            instants.add(event.start)
            if event.end is not None:
                instants.add(event.end)
        for name in names:
            spec = catalog.QUERIES[name]
            if spec.per_partition:
                for moment in sorted(instants):
                    t, _ = align(to_epoch(moment), to_epoch(moment), step)
                    requests.append(Request(name, "instant", t, t, step))
            else:
                requests.append(Request(name, "range", s, e, step))
            if spec.optional:  # probe: whole-phase integral, read at the phase end
                requests.append(Request(name, "instant", e, e, step, f"{e - s}s"))
    return list(dict.fromkeys(requests))


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def record_snapshot(
    campaign: "Campaign",
    source: MetricSource,
    out_dir: Path,
    *,
    progress: Callable[[int, int, Request], None] | None = None,
) -> Path:
    """Record every planned request from ``source`` into a new snapshot directory.

    The snapshot is written to a temporary sibling and renamed when complete; an existing
    ``out_dir`` is never overwritten.
    """
    out_dir = Path(out_dir)
    if out_dir.exists():
        raise SnapshotError(f"{out_dir} already exists; a snapshot is never overwritten")
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_dir.with_name(f".{out_dir.name}.partial-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    (tmp / "queries").mkdir(parents=True)
    try:
        manifest = _record_into(campaign, source, tmp, progress)
        (tmp / MANIFEST).write_text(
            redact_file_text(json.dumps(manifest, indent=1, sort_keys=True)) + "\n")
        os.rename(tmp, out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out_dir


def _record_into(campaign, source, tmp: Path, progress) -> dict:
    requests = plan(campaign)
    by_query: dict[str, list[tuple[int, Request, list[Series]]]] = defaultdict(list)
    entries = []
    for i, req in enumerate(requests):
        promql = catalog.render(req.query, campaign, range_=req.range_)
        series = source._fetch(promql, req.start, req.end, req.step, instant=req.kind == "instant")
        by_query[req.query].append((i, req, series))
        entries.append({
            "id": i, "query": req.query, "kind": req.kind, "start": req.start, "end": req.end,
            "step": req.step, "range": req.range_, "promql": promql, "series": len(series),
        })
        if progress:
            progress(i + 1, len(requests), req)
    files = {}
    rules = rules_or_none(source)
    if rules is not None:
        (tmp / RULES).write_text(redact_file_text(json.dumps(rules, indent=1, sort_keys=True))
                                 + "\n")
        files[RULES] = {"sha256": _sha256(tmp / RULES), "bytes": (tmp / RULES).stat().st_size}
    for name, recorded in by_query.items():
        rel = f"queries/{name}.parquet"
        _write_query(tmp / rel, recorded)
        files[rel] = {"sha256": _sha256(tmp / rel), "bytes": (tmp / rel).stat().st_size}
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "tool_version": __version__,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "campaign": campaign.campaign.name,
        "source": source.origin,
        "step": int(campaign.source.step.total_seconds()),
        "requests": entries,
        "files": files,
    }


def _write_query(path: Path, recorded: list[tuple[int, Request, list[Series]]]) -> None:
    req_ids, series_ids, ts, values, labels = [], [], [], [], []
    for req_id, _, series in recorded:
        for s in series:
            sid = len(labels)
            labels.append(s.labels)
            n = len(s.ts)
            req_ids.append(np.full(n, req_id, dtype="int32"))
            series_ids.append(np.full(n, sid, dtype="int32"))
            ts.append(np.asarray(s.ts, dtype="int64"))
            values.append(np.asarray(s.values, dtype="float64"))
            # A series with no sample still exists in the answer: keep its labels.
    concat = (lambda parts, dtype: np.concatenate(parts) if parts else np.array([], dtype=dtype))
    series_request = []
    for req_id, _, series in recorded:
        series_request += [req_id] * len(series)
    table = pa.table({
        "request": concat(req_ids, "int32"),
        "series": concat(series_ids, "int32"),
        "ts": concat(ts, "int64"),
        "value": concat(values, "float64"),
    })
    meta = {"labels": labels, "series_request": series_request}
    table = table.replace_schema_metadata({b"mm2report": json.dumps(meta).encode()})
    pq.write_table(table, path, compression="zstd")


class SnapshotSource(MetricSource):
    """Replays a snapshot through the :class:`MetricSource` interface."""

    def __init__(self, campaign: "Campaign", path: Path | None = None):
        super().__init__(campaign)
        self.path = Path(path or campaign.source.snapshot)
        self.manifest = load_manifest(self.path)
        if self.manifest["step"] != self.step:
            raise SnapshotError(
                f"{self.path}: recorded at step {self.manifest['step']}s, the campaign asks "
                f"for {self.step}s"
            )
        self._requests = self.manifest["requests"]
        self._cache: dict[str, tuple[pa.Table, dict]] = {}

    @property
    def origin(self) -> str:
        return f"snapshot {self.path} (recorded from {self.manifest['source']})"

    def rules(self) -> list[dict]:
        """The rule groups the server held when the snapshot was recorded."""
        if RULES not in self.manifest["files"]:
            raise SnapshotError(f"{self.path}: no alert rules were recorded with this snapshot")
        return json.loads((self.path / RULES).read_text(encoding="utf-8"))

    def _fetch(self, promql: str, start: int, end: int, step: int, instant: bool) -> list[Series]:
        matching = [r for r in self._requests if r["promql"] == promql and r["step"] == step]
        if not matching:
            known = {r["query"] for r in self._requests}
            raise SnapshotError(
                f"{self.path}: no recording of {promql!r} at step {step}s; the snapshot holds "
                f"{len(known)} queries recorded with other selectors or steps — record it again "
                "with these parameters"
            )
        wanted = set(range(start, end + 1, step))
        covered: set[int] = set()
        for r in matching:
            covered.update(range(r["start"], r["end"] + 1, r["step"]))
        if not wanted <= covered:
            raise SnapshotError(
                f"{self.path}: {matching[0]['query']} is not recorded for "
                f"{_iso(start)} .. {_iso(end)} (recorded: "
                + ", ".join(f"{_iso(r['start'])} .. {_iso(r['end'])}" for r in matching[:4])
                + ")"
            )
        return self._slice(matching[0]["query"], {r["id"] for r in matching}, start, end)

    def _slice(self, query: str, request_ids: set[int], start: int, end: int) -> list[Series]:
        table, meta = self._load(query)
        req = table.column("request").to_numpy()
        sid = table.column("series").to_numpy()
        ts = table.column("ts").to_numpy()
        val = table.column("value").to_numpy()
        keep = np.isin(req, list(request_ids)) & (ts >= start) & (ts <= end)
        sid, ts, val = sid[keep], ts[keep], val[keep]
        merged: dict[tuple, dict[int, float]] = {}
        labels_of: dict[tuple, dict] = {}
        for s in np.unique(sid):
            labels = meta["labels"][int(s)]
            key = tuple(sorted(labels.items()))
            labels_of[key] = labels
            points = merged.setdefault(key, {})
            mask = sid == s
            points.update(zip(ts[mask].tolist(), val[mask].tolist()))
        # A series the server returned with no sample at all still belongs to the answer.
        for s in meta["empty_series"]:
            if meta["series_request"][s] in request_ids:
                labels = meta["labels"][s]
                key = tuple(sorted(labels.items()))
                if key not in merged:
                    labels_of[key] = labels
                    merged[key] = {}
        out = []
        for key, points in merged.items():
            order = sorted(points)
            out.append(Series(labels_of[key], np.array(order, dtype="int64"),
                              np.array([points[t] for t in order], dtype="float64")))
        return out

    def _load(self, query: str) -> tuple[pa.Table, dict]:
        if query not in self._cache:
            table = pq.read_table(self.path / f"queries/{query}.parquet")
            meta = json.loads(table.schema.metadata[b"mm2report"])
            with_samples = set(np.unique(table.column("series").to_numpy()).tolist())
            meta["empty_series"] = [s for s in range(len(meta["labels"])) if s not in with_samples]
            self._cache[query] = (table, meta)
        return self._cache[query]


def _iso(seconds: int) -> str:
    return datetime.fromtimestamp(seconds, tz=timezone.utc).isoformat()


def load_manifest(path: Path) -> dict:
    """Read and verify a snapshot's manifest and files; raise :class:`SnapshotError`."""
    manifest_path = Path(path) / MANIFEST
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SnapshotError(f"{path}: not a snapshot (no {MANIFEST}); it may be incomplete") from None
    except (OSError, ValueError) as exc:
        raise SnapshotError(f"{path}: unreadable {MANIFEST}: {exc}") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise SnapshotError(f"{path}: {MANIFEST} is not an mm2report snapshot manifest")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise SnapshotError(
            f"{path}: snapshot format version {manifest.get('format_version')} (written by "
            f"mm2report {manifest.get('tool_version')}), this is mm2report {__version__} reading "
            f"format {FORMAT_VERSION}; replay it with the version that wrote it"
        )
    for key in ("requests", "files", "step", "source"):
        if key not in manifest:
            raise SnapshotError(f"{path}: {MANIFEST} lacks {key!r}; the snapshot is incomplete")
    for rel, info in manifest["files"].items():
        file = Path(path) / rel
        if not file.is_file():
            raise SnapshotError(f"{path}: {rel} is missing; the snapshot is incomplete")
        if _sha256(file) != info.get("sha256"):
            raise SnapshotError(f"{path}: {rel} does not match its checksum; it was modified")
    recorded = {f"queries/{r['query']}.parquet" for r in manifest["requests"]}
    missing = recorded - set(manifest["files"])
    if missing:
        raise SnapshotError(f"{path}: no file listed for {', '.join(sorted(missing))}; incomplete")
    return manifest
