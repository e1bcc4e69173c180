"""Recorded snapshots: every catalog query of a campaign in Parquet, with a manifest.

A snapshot is the audit trail of a decision: replaying it gives the frames the live server gave,
offline, after Prometheus retention has deleted the raw data. Layout::

    <dir>/manifest.json          format, version, tool version, source URL, requests, checksums,
                                 whether alert rules were recorded
    <dir>/queries/<name>.parquet the samples of every request of that query
    <dir>/rules.json             the server's alert and recording rules, when it served them
    <dir>/manifest.sig           optional: an Ed25519 signature of manifest.json (signing.py)

Each Parquet file holds the samples exactly as the server returned them (``request``, ``series``,
``ts`` in epoch seconds, ``value``) and the label sets of its series in the file's metadata, so a
replay rebuilds frames with the same code path as a live query.

A replay refuses a snapshot whose format version differs, whose manifest is malformed or names a
file outside the snapshot, whose files are missing, unlisted, damaged (a Parquet file without
its metadata or with other columns) or do not match their checksums, whose manifest says alert
rules were recorded but lists no rules file, and one recorded with other PromQL than the
campaign now renders (the selectors changed since): silently answering another question would be
worse than failing. With ``source.verify_key`` the manifest must also carry a valid signature by
that key. The manifest's sha256 is part of the replay's :attr:`~SnapshotSource.origin`, so
every result, results file and deliverable names the exact recording it came from.

What a checksum cannot protect: anyone who edits the manifest can re-hash what they changed.
Without a signature, a snapshot proves only that it is internally consistent; with one, that it
is what the key's holder recorded.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
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
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from ..params import Campaign

FORMAT = "mm2report-snapshot"
FORMAT_VERSION = 2  # 2: the manifest states whether alert rules were recorded
MANIFEST = "manifest.json"
RULES = "rules.json"  # the server's /api/v1/rules groups, when it served them
_QUERY_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
#: The columns of every query file and their Arrow types.
COLUMNS = {"request": pa.int32(), "series": pa.int32(), "ts": pa.int64(), "value": pa.float64()}


@dataclass(frozen=True)
class Request:
    """One recorded evaluation: a range on the step grid, or one instant."""

    query: str
    kind: str  # "range" | "instant"
    start: int
    end: int
    step: int
    range_: str | None = None
    promql: str | None = None  # an expression outside the catalog (a rule of the alert pack)


def plan(campaign: "Campaign") -> list[Request]:
    """What a snapshot of ``campaign`` records.

    Every aggregate query over each phase at the campaign step; the per-partition queries (too
    large as ranges) at each phase's bounds and at each event's bounds; the probe histogram over
    each whole phase; the alert pack's fault rules over each phase with injected faults, at the
    rules' evaluation interval (detection times, criterion 9).
    """
    from ..alerting.detection import evaluation_requests

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
        for name, promql, every in evaluation_requests(campaign, phase):
            a, b = align(to_epoch(phase.start), to_epoch(phase.end), every)
            requests.append(Request(name, "range", a, b, every, promql=promql))
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
    sign_key: "Ed25519PrivateKey | None" = None,
) -> Path:
    """Record every planned request from ``source`` into a new snapshot directory.

    The snapshot is written to a temporary sibling and renamed when complete; an existing
    ``out_dir`` is never overwritten. With ``sign_key`` the manifest is signed
    (``manifest.sig``).
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
        text = redact_file_text(json.dumps(manifest, indent=1, sort_keys=True)) + "\n"
        (tmp / MANIFEST).write_text(text, encoding="utf-8")
        if sign_key is not None:
            from ..signing import write_signature

            write_signature(tmp, text.encode("utf-8"), sign_key)
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
        promql = req.promql or catalog.render(req.query, campaign, range_=req.range_)
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
        "rules": {"recorded": rules is not None},
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
        self.manifest_sha256 = self.manifest["sha256"]
        self.signed_by: str | None = None  # fingerprint of the key that verified it
        key = campaign.source.verify_key
        if key is not None:
            from ..signing import load_public_key, verify

            self.signed_by = verify(self.path, (self.path / MANIFEST).read_bytes(),
                                    load_public_key(key))
        if self.manifest["step"] != self.step:
            raise SnapshotError(
                f"{self.path}: recorded at step {self.manifest['step']}s, the campaign asks "
                f"for {self.step}s"
            )
        self._requests = self.manifest["requests"]
        self._cache: dict[str, tuple[pa.Table, dict]] = {}

    @property
    def origin(self) -> str:
        signed = f", signature verified with key {self.signed_by}" if self.signed_by else ""
        return (f"snapshot {self.path} (recorded from {self.manifest['source']}; manifest "
                f"sha256 {self.manifest_sha256}{signed})")

    def rules(self) -> list[dict]:
        """The rule groups the server held when the snapshot was recorded."""
        if not self.manifest["rules"]["recorded"]:
            raise SnapshotError(f"{self.path}: the server served no alert rules when this "
                                "snapshot was recorded")
        return self.manifest["rules_groups"]

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
            rel = f"queries/{query}.parquet"
            try:
                table = pq.read_table(self.path / rel)
            except (OSError, pa.ArrowException) as exc:
                raise SnapshotError(f"{self.path}: {rel} is not a readable Parquet file: {exc}"
                                    ) from None
            meta = _query_metadata(self.path, rel, table.schema)
            series = table.column("series").to_numpy()
            requests = table.column("request").to_numpy()
            known = {r["id"] for r in self._requests if r["query"] == query}
            if len(series) and (series.min() < 0 or series.max() >= len(meta["labels"])):
                raise SnapshotError(f"{self.path}: {rel} has samples of series its metadata "
                                    "does not list; the file is damaged")
            if len(requests) and not set(np.unique(requests).tolist()) <= known:
                raise SnapshotError(f"{self.path}: {rel} has samples of requests the manifest "
                                    "does not list; the file is damaged")
            with_samples = set(np.unique(series).tolist())
            meta["empty_series"] = [s for s in range(len(meta["labels"])) if s not in with_samples]
            self._cache[query] = (table, meta)
        return self._cache[query]


def _iso(seconds: int) -> str:
    return datetime.fromtimestamp(seconds, tz=timezone.utc).isoformat()


def load_manifest(path: Path) -> dict:
    """Read and verify a snapshot's manifest and files; raise :class:`SnapshotError`.

    Returns the manifest with two keys added: ``sha256`` (of ``manifest.json``'s bytes) and
    ``rules_groups`` (the recorded rules, or ``None``)."""
    path = Path(path)
    manifest_path = path / MANIFEST
    try:
        raw = manifest_path.read_bytes()
        manifest = json.loads(raw.decode("utf-8"))
    except FileNotFoundError:
        raise SnapshotError(f"{path}: not a snapshot (no {MANIFEST}); it may be incomplete") from None
    except (OSError, ValueError) as exc:
        raise SnapshotError(f"{path}: unreadable {MANIFEST}: {exc}") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise SnapshotError(f"{path}: {MANIFEST} is not an mm2report snapshot manifest")
    version = manifest.get("format_version")
    if version == 1:
        raise SnapshotError(
            f"{path}: snapshot format version 1 (written by mm2report "
            f"{manifest.get('tool_version')}) does not state whether alert rules were recorded, "
            f"and this mm2report {__version__} reads format {FORMAT_VERSION} only: record it "
            "again with `mm2report snapshot` while the server still holds the data, or replay it "
            "with the version that wrote it")
    if version != FORMAT_VERSION:
        raise SnapshotError(
            f"{path}: snapshot format version {version} (written by "
            f"mm2report {manifest.get('tool_version')}), this is mm2report {__version__} reading "
            f"format {FORMAT_VERSION}; replay it with the version that wrote it"
        )
    for key in ("requests", "files", "step", "source", "rules"):
        if key not in manifest:
            raise SnapshotError(f"{path}: {MANIFEST} lacks {key!r}; the snapshot is incomplete")
    _check_shape(path, manifest)
    for rel, info in manifest["files"].items():
        file = path / rel
        if not file.is_file():
            raise SnapshotError(f"{path}: {rel} is missing; the snapshot is incomplete")
        if _sha256(file) != info["sha256"]:
            raise SnapshotError(f"{path}: {rel} does not match its checksum; it was modified")
    requests = manifest["requests"]
    needed = {f"queries/{r['query']}.parquet" for r in requests}
    missing = needed - set(manifest["files"])
    if missing:
        raise SnapshotError(f"{path}: no file listed for {', '.join(sorted(missing))}; incomplete")
    recorded = manifest["rules"]["recorded"]
    if recorded and RULES not in manifest["files"]:
        raise SnapshotError(f"{path}: the manifest says alert rules were recorded but lists no "
                            f"{RULES}; the snapshot is incomplete or was edited")
    extra = set(manifest["files"]) - needed - ({RULES} if recorded else set())
    if extra:
        raise SnapshotError(f"{path}: {MANIFEST} lists {', '.join(sorted(extra))}, which no "
                            "recorded request or rule needs; the manifest was edited")
    for rel in sorted(needed):
        _check_query_file(path, rel, requests)
    manifest["rules_groups"] = _read_rules(path) if recorded else None
    manifest["sha256"] = hashlib.sha256(raw).hexdigest()
    return manifest


def _bad(path: Path, what: str) -> SnapshotError:
    return SnapshotError(f"{path}: malformed {MANIFEST}: {what}")


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


_REQUEST_KEYS = {"id": _is_int, "query": lambda v: isinstance(v, str) and bool(_QUERY_NAME.match(v)),
                 "kind": lambda v: v in ("range", "instant"), "start": _is_int, "end": _is_int,
                 "step": lambda v: _is_int(v) and v > 0,
                 "range": lambda v: v is None or isinstance(v, str),
                 "promql": lambda v: isinstance(v, str) and bool(v), "series": _is_int}


def _check_shape(path: Path, manifest: dict) -> None:
    """Every member of the manifest has the type the replay relies on."""
    if not _is_int(manifest["step"]) or manifest["step"] <= 0:
        raise _bad(path, "'step' must be a positive whole number of seconds")
    if not isinstance(manifest["source"], str):
        raise _bad(path, "'source' must be a string")
    rules = manifest["rules"]
    if not isinstance(rules, dict) or not isinstance(rules.get("recorded"), bool):
        raise _bad(path, "'rules' must be {\"recorded\": true|false}")
    files = manifest["files"]
    if not isinstance(files, dict):
        raise _bad(path, f"'files' must map file names to checksums, not be a "
                         f"{type(files).__name__}")
    root = path.resolve()
    for rel, info in files.items():
        parts = Path(rel).parts
        if (Path(rel).is_absolute() or ".." in parts or not parts
                or not (path / rel).resolve().is_relative_to(root)):
            raise SnapshotError(f"{path}: {MANIFEST} lists {rel!r}, which is outside the "
                                "snapshot directory; refused")
        if not (rel == RULES or (len(parts) == 2 and parts[0] == "queries"
                                 and rel.endswith(".parquet"))):
            raise _bad(path, f"files: {rel!r} is neither {RULES} nor queries/<name>.parquet")
        if (not isinstance(info, dict) or not isinstance(info.get("sha256"), str)
                or not _SHA256.match(info["sha256"]) or not _is_int(info.get("bytes"))):
            raise _bad(path, f"files: the entry of {rel!r} must be "
                             "{\"sha256\": <64 hex digits>, \"bytes\": <size>}, not "
                             f"{json.dumps(info)[:80]}")
    requests = manifest["requests"]
    if not isinstance(requests, list) or not requests:
        shown = "null" if requests is None else type(requests).__name__
        raise _bad(path, f"'requests' must be a non-empty list of recorded requests, not {shown}")
    ids = set()
    for i, req in enumerate(requests):
        if not isinstance(req, dict):
            raise _bad(path, f"requests[{i}] must be an object, not {json.dumps(req)[:80]}")
        for key, ok in _REQUEST_KEYS.items():
            if key not in req:
                raise _bad(path, f"requests[{i}] has no {key!r}")
            if not ok(req[key]):
                raise _bad(path, f"requests[{i}].{key}: {json.dumps(req[key])[:80]} is not valid")
        if req["end"] < req["start"] or (req["kind"] == "instant" and req["end"] != req["start"]):
            raise _bad(path, f"requests[{i}]: its time range is not valid")
        if req["id"] in ids:
            raise _bad(path, f"requests[{i}]: id {req['id']} is used twice")
        ids.add(req["id"])


def _query_metadata(path: Path, rel: str, schema: pa.Schema) -> dict:
    """The label sets stored with a query file, checked against its columns."""
    columns = {f.name: f.type for f in schema}
    if columns != COLUMNS:
        shown = ", ".join(f"{n} {t}" for n, t in columns.items())
        raise SnapshotError(f"{path}: {rel} has the columns ({shown}), not those of a snapshot "
                            f"query file ({', '.join(f'{n} {t}' for n, t in COLUMNS.items())}); "
                            "it was replaced")
    raw = (schema.metadata or {}).get(b"mm2report")
    if raw is None:
        raise SnapshotError(f"{path}: {rel} has no mm2report metadata (the label sets of its "
                            "series); it was replaced or rewritten")
    try:
        meta = json.loads(raw)
    except ValueError:
        meta = None
    labels = meta.get("labels") if isinstance(meta, dict) else None
    owners = meta.get("series_request") if isinstance(meta, dict) else None
    if (not isinstance(labels, list) or not isinstance(owners, list) or len(labels) != len(owners)
            or not all(isinstance(d, dict) and all(isinstance(k, str) and isinstance(v, str)
                                                   for k, v in d.items()) for d in labels)
            or not all(_is_int(o) for o in owners)):
        raise SnapshotError(f"{path}: {rel} has malformed mm2report metadata (label sets and "
                            "their requests); it was rewritten")
    return meta


def _check_query_file(path: Path, rel: str, requests: list[dict]) -> None:
    """A query file's columns and metadata, and its series count per request (footer only)."""
    try:
        schema = pq.read_schema(path / rel)
    except (OSError, pa.ArrowException) as exc:
        raise SnapshotError(f"{path}: {rel} is not a readable Parquet file: {exc}") from None
    meta = _query_metadata(path, rel, schema)
    query = rel[len("queries/"):-len(".parquet")]
    expected = {r["id"]: r["series"] for r in requests if r["query"] == query}
    counted = {i: 0 for i in expected}
    for owner in meta["series_request"]:
        if owner not in counted:
            raise SnapshotError(f"{path}: {rel} holds series of a request the manifest does not "
                                "list for this query; the file or the manifest was edited")
        counted[owner] += 1
    if counted != expected:
        bad = next(i for i in expected if counted[i] != expected[i])
        raise SnapshotError(f"{path}: {rel} holds {counted[bad]} series for request {bad}, the "
                            f"manifest records {expected[bad]}; the file or the manifest was edited")


def _read_rules(path: Path) -> list[dict]:
    try:
        groups = json.loads((path / RULES).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise SnapshotError(f"{path}: unreadable {RULES}: {exc}") from None
    if not isinstance(groups, list) or not all(
            isinstance(g, dict) and isinstance(g.get("rules", []), list)
            and all(isinstance(r, dict) for r in g.get("rules", [])) for g in groups):
        raise SnapshotError(f"{path}: {RULES} is not a list of rule groups; it was edited")
    return groups
