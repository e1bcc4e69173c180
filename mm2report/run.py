"""``mm2report run``: execute the phase notebooks into a new run directory.

A run is ``outputs/<campaign>/<run-id>/`` (``run-id`` is the UTC start time, so runs sort by
date), holding per phase ``<NN-phase>/<NN-phase>.ipynb`` (executed), ``<NN-phase>.html`` (no code,
offline) and ``results.json``, plus ``run.json`` (what ran, how long, the decision). It is built in
a hidden ``.partial-…`` directory next to it and renamed when complete, so a run directory is
never half-written and an earlier run is never touched. A run in which a notebook failed keeps
everything for diagnosis under ``<run-id>-failed``.

Speed: papermill starts a kernel per notebook, and each kernel spends seconds importing pandas,
matplotlib and scipy. Here ``jobs`` worker processes each start one kernel, let it import the
library while they import papermill and nbconvert themselves, and execute their share of the
notebooks through papermill on that kernel, clearing its namespace between notebooks. The
notebooks hold no state but their parameters, which papermill injects anew each time.
"""

from __future__ import annotations

import errno
import json
import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import time
import traceback
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Sequence

from . import __version__
from .errors import OutputError, ParameterError
from .outputs import describe, new_partial_dir, publish_dir, remove_stale_partials, writing
from .redact import redact, register_campaign, scrub_tree
from .paths import NOTEBOOK_DIR, NOTEBOOKS, OUTPUTS
from .verdicts import decision_word

TEMPLATES = Path(__file__).resolve().parent / "documents" / "templates"
TEMPLATE = "mm2report-offline"
RUN_ID = re.compile(r"^\d{8}T\d{6}Z(-\d+)?$")
RUN_KIND = "mm2report.run"



def _reset(directory: str) -> str:
    """Before each notebook on a shared kernel: an empty namespace, the cell count back to 1
    (cells are numbered as on a fresh kernel) and the notebook's own directory as working
    directory. Imported modules stay: that is the point of sharing the kernel."""
    return ("%reset -f\n"
            f"__import__('os').chdir({directory!r})\n"
            "get_ipython().execution_count = 1")

_WARM = "import mm2report.documents.notebook"


@dataclass(frozen=True)
class Job:
    name: str  # notebook stem, e.g. "03-latency"
    notebook: str  # source .ipynb
    directory: str  # where the executed notebook, its HTML and results.json go
    parameters: dict  # papermill parameters: paths and names only, never a credential
    title: str = ""


@dataclass
class Outcome:
    name: str
    ok: bool
    seconds: float
    error: str = ""  # "cell N: Error: message" when the notebook failed
    files: list[str] = field(default_factory=list)
    # why its outputs could not be written (full disk, read-only…): a write failure of the
    # whole run, not a notebook to diagnose; not part of run.json
    unwritable: str = ""


# errno of an OSError that only a write raises, as an exception's text in a notebook cell shows it
_WRITE_ERRNO = re.compile(r"\[Errno (%s)\]" % "|".join(
    str(n) for n in (errno.ENOSPC, errno.EROFS, errno.EDQUOT, errno.EFBIG)))


# --------------------------------------------------------------------------------------------
# Worker processes: one kernel each
# --------------------------------------------------------------------------------------------


def _strip_css_comments(html: str) -> str:
    """The lab theme's CSS comments cite web pages; drop them so the file holds no URL."""
    return re.sub(r"(<style[^>]*>)(.*?)(</style>)",
                  lambda m: m.group(1) + re.sub(r"/\*.*?\*/", "", m.group(2), flags=re.S) + m.group(3),
                  html, flags=re.S)


def export_html(nb, title: str) -> str:
    """The executed notebook as self-contained HTML without code, fetching nothing."""
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(template_name=TEMPLATE, extra_template_basedirs=[str(TEMPLATES)],
                            exclude_input=True, exclude_markdown=True, exclude_input_prompt=True,
                            exclude_output_prompt=True)
    body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": title}})
    return _strip_css_comments(body)


class _Kernel:
    """One python3 kernel kept for several notebooks.

    Clients are short-lived: a client left open between notebooks would queue every message
    the kernel broadcasts while papermill runs the next one."""

    def __init__(self, cwd: str):
        from jupyter_client.manager import AsyncKernelManager
        from jupyter_core.utils import run_sync

        self._run = run_sync
        self.cwd = cwd
        self.km = AsyncKernelManager(kernel_name="python3")
        # the kernel's own stderr only says "running over TCP without encryption"
        # No IPython history: the cell count restarts at 1 for each notebook, and the history
        # database would refuse the repeated numbers with an error printed into the report.
        run_sync(self.km.start_kernel)(cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                       extra_arguments=["--HistoryManager.enabled=False"])
        self._warm = self.km.client()  # import the library while the worker imports papermill
        self._warm.start_channels()
        self._warm.execute(_WARM, silent=True, store_history=False)

    def alive(self) -> bool:
        return bool(self._run(self.km.is_alive)())

    def run(self, code: str) -> None:
        """Execute ``code`` and wait for it (the warm-up import included)."""
        kc, self._warm = self._warm, None
        if kc is None:
            kc = self.km.client()
            kc.start_channels()
        try:
            self._run(kc.wait_for_ready)(timeout=120)
            self._run(kc.execute_interactive)(code, silent=True, store_history=False, timeout=300)
        finally:
            kc.stop_channels()

    def restart(self) -> None:
        self.close()
        self.__init__(self.cwd)

    def close(self) -> None:
        if self._warm is not None:
            self._warm.stop_channels()
            self._warm = None
        if self._run(self.km.is_alive)():
            self._run(self.km.shutdown_kernel)(now=True)


def _engine():
    """papermill's nbclient engine on a kernel it does not own, closing its client afterwards
    (nbclient leaves the client of a kernel it did not start open)."""
    from papermill.clientwrap import PapermillNotebookClient
    from papermill.engines import NBClientEngine, papermill_engines

    class SharedKernelEngine(NBClientEngine):
        @classmethod
        def execute_managed_notebook(cls, nb_man, kernel_name, log_output=False, stdout_file=None,
                                     stderr_file=None, start_timeout=60, execution_timeout=None,
                                     **kwargs):
            client = PapermillNotebookClient(
                nb_man, km=kwargs["km"], kernel_name=kernel_name, timeout=execution_timeout,
                startup_timeout=start_timeout, log_output=log_output, stdout_file=stdout_file,
                stderr_file=stderr_file)
            try:
                return client.execute()
            finally:
                if client.kc is not None:
                    client.kc.stop_channels()

    papermill_engines.register(ENGINE, SharedKernelEngine)


ENGINE = "mm2report-shared-kernel"


def _execute(job: Job, kernel: _Kernel) -> Outcome:
    import nbformat
    import papermill
    from papermill.exceptions import PapermillExecutionError

    started = time.monotonic()
    out_dir = Path(job.directory)
    out_nb = out_dir / f"{job.name}.ipynb"
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        if not kernel.alive():
            kernel.restart()
        kernel.run(_reset(job.directory))
        papermill.execute_notebook(job.notebook, str(out_nb), parameters=job.parameters,
                                   km=kernel.km, kernel_name="python3", engine_name=ENGINE,
                                   progress_bar=False,
                                   request_save_on_cell_execute=False, log_output=False)
        html = export_html(nbformat.read(out_nb, as_version=4), job.title or job.name)
        (out_dir / f"{job.name}.html").write_text(html, encoding="utf-8")
    except PapermillExecutionError as exc:
        source = exc.source.strip().splitlines()[-1] if exc.source.strip() else ""
        return Outcome(job.name, False, time.monotonic() - started,
                       redact(f"cell {exc.exec_count} ({source}): {exc.ename}: {exc.evalue}"),
                       [out_nb.name] if out_nb.exists() else [],
                       unwritable=exc.evalue if _WRITE_ERRNO.search(exc.evalue or "") else "")
    except Exception as exc:  # kernel death, unreadable notebook, export…: a notebook failure
        written = isinstance(exc, OSError) and exc.errno is not None  # full disk, read-only…
        return Outcome(job.name, False, time.monotonic() - started,
                       redact(describe("the notebook's outputs", out_dir, exc) if written
                              else f"{type(exc).__name__}: {exc}"),
                       [out_nb.name] if out_nb.exists() else [],
                       unwritable=(exc.strerror or str(exc)) if written else "")
    return Outcome(job.name, True, time.monotonic() - started,
                   files=sorted(p.name for p in out_dir.iterdir()))


def _worker(jobs, results, parent: int, cwd: str) -> None:
    """Take jobs until the queue is empty or the parent is gone; always stop the kernel."""
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides what an interrupt means
    kernel = None
    # jupyter_server (JupyterLab) installs rfc3987-syntax, which builds a grammar for ~1-3 s
    # whenever jsonschema is imported; nbformat never validates IRIs, so this process skips it
    # (jsonschema imports it optionally).
    sys.modules.setdefault("rfc3987_syntax", None)
    try:
        kernel = _Kernel(cwd)
        import nbconvert  # noqa: F401  (imported while the kernel imports the library)
        _engine()
        while os.getppid() == parent:
            try:
                job = jobs.get(timeout=0.5)
            except queue.Empty:
                continue
            if job is None:
                break
            results.put(_execute(job, kernel))
    except Exception:
        results.put(Outcome("", False, 0.0, traceback.format_exc(limit=3)))
    finally:
        if kernel is not None:
            kernel.close()


def execute(jobs: Sequence[Job], workers: int = 2, cwd: str | None = None,
            progress: Callable[[Outcome, int, int], None] | None = None,
            prefetch: Sequence[str] = ()) -> list[Outcome]:
    """Run ``jobs`` on ``workers`` kernels; outcomes in the order of ``jobs``.

    ``prefetch`` names modules this process imports while the workers run (it needs them
    afterwards; importing them before forking would delay the kernels)."""
    import importlib
    import multiprocessing as mp

    ctx = mp.get_context("fork")
    todo, done = ctx.Queue(), ctx.Queue()
    for job in jobs:
        todo.put(job)
    n = max(1, min(workers, len(jobs)))
    for _ in range(n):
        todo.put(None)
    procs = [ctx.Process(target=_worker, args=(todo, done, os.getpid(), cwd or os.getcwd()),
                         daemon=True) for _ in range(n)]
    for p in procs:
        p.start()
    for module in prefetch:
        importlib.import_module(module)
    outcomes: dict[str, Outcome] = {}
    try:
        while len(outcomes) < len(jobs):
            try:
                o = done.get(timeout=1.0)
            except queue.Empty:
                if not any(p.is_alive() for p in procs):
                    break
                continue
            if not o.name:  # a worker could not start its kernel
                raise RuntimeError(f"a notebook worker failed to start:\n{o.error}")
            outcomes[o.name] = o
            if progress:
                progress(o, len(outcomes), len(jobs))
    finally:
        for p in procs:
            if p.is_alive() and len(outcomes) < len(jobs):
                p.terminate()
        for p in procs:
            p.join(timeout=30)
            if p.is_alive():
                p.kill()
    return [outcomes.get(j.name) or Outcome(j.name, False, 0.0, "not executed (worker stopped)")
            for j in jobs]


# --------------------------------------------------------------------------------------------
# Run directories
# --------------------------------------------------------------------------------------------


def new_run_id(parent: Path, now: datetime | None = None) -> str:
    """The UTC time ``20261121T204317Z``, with ``-2``, ``-3``… if a run of that second exists."""
    return _free_run_id(parent, (now or datetime.now(timezone.utc)).strftime("%Y%m%dT%H%M%SZ"))


def _free_run_id(parent: Path, stamp: str) -> str:
    taken = {p.name.removesuffix("-failed") for p in parent.iterdir()} if parent.exists() else set()
    run_id, n = stamp, 1
    while run_id in taken:
        n += 1
        run_id = f"{stamp}-{n}"
    return run_id


def list_runs(parent: Path) -> list[Path]:
    """Complete runs, oldest first (failed ones excluded)."""
    if not parent.exists():
        return []
    return sorted(p for p in parent.iterdir() if p.is_dir() and RUN_ID.match(p.name))


class Staging:
    """A hidden directory renamed into place when the run completes, removed otherwise.

    The run id is settled when the run is committed: ``run_id`` is the first free one of the
    start second at that moment (two runs started in the same second, in one process or two,
    get ``…Z`` and ``…Z-2``); ``before(run_id)`` writes it into the run first."""

    def __init__(self, parent: Path, run_id: str, what: str = "the run"):
        self.parent, self.run_id, self.what = parent, run_id, what
        with writing(what, parent):
            parent.mkdir(parents=True, exist_ok=True)
            remove_stale_partials(parent)
            self.path = new_partial_dir(parent, run_id)

    def commit(self, failed: bool = False, before: Callable[[str], None] | None = None) -> Path:
        stamp = self.run_id.split("-", 1)[0]

        def ids():  # the id chosen at start first, then the next free one, at each attempt
            yield self.run_id
            for _ in range(10_000):
                yield _free_run_id(self.parent, stamp)

        def settle(run_id: str) -> None:
            self.run_id = run_id
            if before is not None:
                before(run_id)
            # whatever quoted a credential (a server's error in a failed notebook's traceback…)
            scrub_tree(self.path)

        names = (f"{i}-failed" if failed else i for i in ids()
                 if not (self.parent / i).exists() and not (self.parent / f"{i}-failed").exists())
        with writing(self.what, self.parent):
            return publish_dir(self.path, names,
                               before=lambda name: settle(name.removesuffix("-failed")))

    def discard(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)


# --------------------------------------------------------------------------------------------
# mm2report run
# --------------------------------------------------------------------------------------------


def _recorded(outcome: Outcome) -> dict:
    record = asdict(outcome)
    del record["unwritable"]
    return record


def _raise_unwritable(what: str, parent: Path, outcomes: Sequence[Outcome]) -> None:
    """A notebook whose outputs could not be written: the run cannot be written either."""
    for o in outcomes:
        if o.unwritable:
            raise OutputError(f"cannot write {what}: {parent}: {o.unwritable} (notebook {o.name})")


@dataclass
class RunReport:
    path: Path
    ok: bool
    outcomes: list[Outcome]
    decision: str = ""


def _write_json(path: Path, data: dict) -> None:
    path.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def run_campaign(params: str | os.PathLike, phases: Sequence[str] | None = None, *, jobs: int = 2,
                 outputs: str | os.PathLike | None = None, lang: str | None = None,
                 progress: Callable[[Outcome, int, int], None] | None = None) -> RunReport:
    """Execute the phase notebooks of the campaign in ``params`` into a new run directory."""
    from .params import load_campaign
    from .documents.results import combine_run, params_digest, read_results, RESULTS_FILE

    params = Path(params).resolve()
    campaign = load_campaign(params)
    register_campaign(campaign)  # the notebooks' credentials, redacted from the run's files
    defined = [n for n, _ in campaign.phases.items()]
    chosen = list(dict.fromkeys(phases)) if phases else defined
    unknown = [p for p in chosen if p not in defined]
    if unknown:
        raise ParameterError(str(params), [("--phase", f"{', '.join(unknown)} not in this campaign "
                                                       f"(phases: {', '.join(defined)})")])
    if lang is not None and lang not in ("fr", "en"):
        raise ParameterError(str(params), [("--lang", f"{lang!r}: expected fr or en")])
    if jobs < 1:
        raise ParameterError(str(params), [("--jobs", "must be at least 1")])
    missing = [NOTEBOOKS[p] for p in chosen if not (NOTEBOOK_DIR / f"{NOTEBOOKS[p]}.ipynb").exists()]
    if missing:
        raise ParameterError(str(NOTEBOOK_DIR), [("notebooks", f"missing: {', '.join(missing)}")])
    if campaign.source.kind == "snapshot":
        from .sources import open_source

        open_source(campaign).close()  # a malformed, tampered or unsigned snapshot: exit 2

    parent = Path(outputs or OUTPUTS).resolve() / campaign.campaign.name
    started = datetime.now(timezone.utc)
    run_id = new_run_id(parent, started)
    staging = Staging(parent, run_id)
    try:
        todo = [Job(NOTEBOOKS[p], str(NOTEBOOK_DIR / f"{NOTEBOOKS[p]}.ipynb"),
                    str(staging.path / NOTEBOOKS[p]),
                    # output_dir "." is the notebook's own directory (the kernel works there):
                    # the executed notebook names no staging path
                    {"campaign": str(params), "phase": p, "output_dir": ".", "lang": lang},
                    f"{NOTEBOOKS[p]} — {campaign.campaign.name}")
                for p in chosen]
        outcomes = execute(todo, jobs, progress=progress,
                           prefetch=("mm2report.documents.results",))
        _raise_unwritable("the run", parent, outcomes)
        ok = all(o.ok for o in outcomes)
        decision = origin = ""
        if ok:
            # the results files must exist and combine; this also proves they read back
            read = [read_results(staging.path / j.name / RESULTS_FILE) for j in todo]
            analysis = combine_run(campaign, read)
            d = analysis.decision
            decision = f"{decision_word(d.go)} ({d.reason})"
            origin = analysis.origin  # for a snapshot, with its manifest's sha256
            if set(chosen) != set(defined):
                decision += f"; phases not in this run: {', '.join(sorted(set(defined) - set(chosen)))}"
        # relative paths only: a run directory can be moved or archived as a whole
        record = {
            "kind": RUN_KIND, "schema_version": 1, "tool_version": __version__, "run_id": run_id,
            "campaign": campaign.campaign.name, "params_file": params.name,
            "params_sha256": params_digest(campaign), "language": lang or campaign.campaign.language,
            "started_at": started.isoformat(),
            "finished_at": datetime.now(timezone.utc).isoformat(),
            "status": "complete" if ok else "failed", "decision": decision, "origin": origin,
            "phases": [{"phase": p, **_recorded(o)} for p, o in zip(chosen, outcomes)]}
        path = staging.commit(failed=not ok, before=lambda rid: _write_json(
            staging.path / "run.json", {**record, "run_id": rid}))
    except BaseException:
        staging.discard()
        raise
    return RunReport(path, ok, outcomes, decision)


@dataclass
class ChangeRun:
    path: Path
    ok: bool  # the notebook executed
    outcome: Outcome
    validated: bool = False
    overall: str = ""  # PASS / FAIL / INCONCLUSIVE
    reasons: list[str] = field(default_factory=list)


def run_change(params: str | os.PathLike, at: str, window: str = "15m", *,
               outputs: str | os.PathLike | None = None, lang: str | None = None,
               progress: Callable[[Outcome, int, int], None] | None = None) -> ChangeRun:
    """Execute the validate-change notebook into ``outputs/<campaign>/validate-change/<run-id>/``."""
    from datetime import timedelta

    from .documents.notebook import CHANGE_FILE
    from .params import load_campaign, parse_duration, parse_utc

    params = Path(params).resolve()
    campaign = load_campaign(params)
    register_campaign(campaign)
    problems = []
    try:
        parse_utc(at)
    except ValueError as exc:
        problems.append(("--at", str(exc)))
    try:
        if parse_duration(window) <= timedelta(0):
            problems.append(("--window", "must be a positive duration"))
    except ValueError as exc:
        problems.append(("--window", str(exc)))
    if lang is not None and lang not in ("fr", "en"):
        problems.append(("--lang", f"{lang!r}: expected fr or en"))
    notebook = NOTEBOOK_DIR / "validate-change.ipynb"
    if not notebook.exists():
        problems.append(("notebooks", f"missing: {notebook.name}"))
    if problems:
        raise ParameterError(str(params), problems)
    if campaign.source.kind == "snapshot":  # a window the snapshot does not hold is bad input
        from .sources import open_source

        start = parse_utc(at)
        with open_source(campaign) as source:
            source.range("up", start, start + parse_duration(window))  # SnapshotError: exit 2
    parent = Path(outputs or OUTPUTS).resolve() / campaign.campaign.name / "validate-change"
    started = datetime.now(timezone.utc)
    run_id = new_run_id(parent, started)
    staging = Staging(parent, run_id, "the change validation")
    try:
        job = Job("validate-change", str(notebook), str(staging.path),
                  {"campaign": str(params), "at": at, "window": window, "output_dir": ".",
                   "lang": lang},
                  f"validate-change — {campaign.campaign.name}")
        (outcome,) = execute([job], 1, progress=progress)
        _raise_unwritable("the change validation", parent, [outcome])
        report = ChangeRun(staging.path, outcome.ok, outcome)
        if outcome.ok:
            data = json.loads((staging.path / CHANGE_FILE).read_text(encoding="utf-8"))
            report.overall = data["overall"]["status"]
            report.validated = report.overall == "PASS"
            report.reasons = [f"{c['title']}: {c['status']} — {c['reason']}" for c in data["checks"]]
        report.path = staging.commit(failed=not outcome.ok)
    except BaseException:
        staging.discard()
        raise
    return report


__all__ = ["ChangeRun", "Job", "Outcome", "RunReport", "run_change", "execute", "export_html", "list_runs", "new_run_id",
           "run_campaign"]
