"""Notebook run benchmark: ``mm2report run`` vs papermill + nbconvert, one notebook at a time.

The 7 phase notebooks on the embedded demo campaign (``parameters/demo.yml``, offline
snapshot), each executed and exported to HTML without code, in the same invocation:

(a) naive: for each notebook in order, the papermill CLI (``-p campaign PARAMS -p output_dir
    DIR``: a new kernel each time) then the nbconvert CLI (``--to html --no-input``): 14
    processes, one after the other;
(b) ``mm2report run PARAMS --outputs DIR`` in a fresh process (default ``--jobs 2``: two
    kernels shared by the notebooks, the HTML exported in its worker processes).

Both write into a temporary directory; each output is checked (every ``results.json`` and HTML
file of (a), ``run.json`` complete with 7 HTML files for (b)). One unmeasured warm-up process
imports the libraries first, so that neither variant pays for a cold page cache. With
``--repeat N`` the variants alternate (a b, b a, …) and medians are reported.

Run: ``.venv/bin/python benchmarks/run.py [--repeat N]``. Target: (b)/(a) ≤ 0.25 (wall time).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent  # .venv/bin when run as .venv/bin/python benchmarks/run.py
PARAMS = ROOT / "parameters" / "demo.yml"
NOTEBOOKS = ["01-smoke", "02-nominal", "03-latency", "04-capacity", "05-soak", "06-resilience",
             "07-errors"]
TARGET = 0.25
TIMEOUT = 900  # one process


def tool(name: str) -> str:
    path = BIN / name
    if not path.exists():
        raise SystemExit(f"{path} not found: run this with the project's venv python "
                         "(make setup; .venv/bin/python benchmarks/run.py)")
    return str(path)


def timed_process(cmd: list[str], cwd: Path, what: str) -> tuple[float, subprocess.CompletedProcess]:
    began = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=TIMEOUT)
    wall = time.perf_counter() - began
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout + proc.stderr)
        raise SystemExit(f"{what} failed (exit {proc.returncode}): {' '.join(cmd)}")
    return wall, proc


def naive(out: Path) -> dict:
    """(a): papermill then nbconvert, per notebook, one process after the other."""
    papermill, nbconvert = tool("papermill"), tool("jupyter-nbconvert")
    steps: dict[str, tuple[float, float]] = {}
    began = time.perf_counter()
    for name in NOTEBOOKS:
        directory = out / name
        directory.mkdir(parents=True)
        executed = directory / f"{name}.ipynb"
        pm, _ = timed_process([papermill, str(ROOT / "notebooks" / f"{name}.ipynb"), str(executed),
                               "-p", "campaign", str(PARAMS), "-p", "output_dir", str(directory),
                               "--no-progress-bar"], out, f"papermill {name}")
        nc, _ = timed_process([nbconvert, "--to", "html", "--no-input", str(executed)], out,
                              f"nbconvert {name}")
        steps[name] = (pm, nc)
    wall = time.perf_counter() - began
    for name in NOTEBOOKS:
        for f in (out / name / "results.json", out / name / f"{name}.html"):
            if not f.is_file():
                raise SystemExit(f"(a) did not produce {f}")
    return {"wall_s": wall, "steps": steps}


def mm2report_run(out: Path) -> dict:
    """(b): ``mm2report run`` in a fresh process."""
    wall, proc = timed_process([tool("mm2report"), "run", str(PARAMS), "--outputs", str(out)],
                               out, "mm2report run")
    runs = [p for p in out.glob("*/*") if p.is_dir() and (p / "run.json").is_file()]
    if len(runs) != 1:
        raise SystemExit(f"(b) expected one run directory under {out}, found {runs}")
    info = json.loads((runs[0] / "run.json").read_text(encoding="utf-8"))
    html = sorted(runs[0].glob("*/*.html"))
    if info["status"] != "complete" or len(html) != len(NOTEBOOKS):
        raise SystemExit(f"(b) run {runs[0]}: status {info['status']}, {len(html)} HTML files")
    return {"wall_s": wall, "decision": info["decision"],
            "steps": {p["name"]: p["seconds"] for p in info["phases"]}}


def import_nbformat_s(runs: int = 3) -> float:
    """A fresh ``python -c 'import nbformat'``: what each nbformat-importing process pays."""
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        subprocess.run([sys.executable, "-c", "import nbformat"], check=True, timeout=120)
        times.append(time.perf_counter() - began)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=1,
                        help="measured runs of each variant, alternating (median)")
    args = parser.parse_args()
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")

    began = time.perf_counter()
    subprocess.run([sys.executable, "-c",
                    "import mm2report.documents.notebook, papermill, nbconvert"],
                   check=True, timeout=300)
    print(f"warm-up import (not measured): {time.perf_counter() - began:.1f} s", flush=True)
    nbformat_s = import_nbformat_s()
    load = os.getloadavg()[0]

    runs: dict[str, list[dict]] = {"a": [], "b": []}
    with tempfile.TemporaryDirectory(prefix="mm2-bench-run-") as tmp:
        for i in range(args.repeat):
            for variant in ("ab" if i % 2 == 0 else "ba"):
                out = Path(tmp) / f"{variant}{i}"
                out.mkdir()
                r = naive(out) if variant == "a" else mm2report_run(out)
                runs[variant].append(r)
                label = "naive papermill + nbconvert" if variant == "a" else "mm2report run"
                print(f"  run {i + 1}/{args.repeat} ({variant}) {label:<28}: {r['wall_s']:.1f} s",
                      flush=True)
    report(runs, nbformat_s, load)
    return 0


def report(runs: dict[str, list[dict]], nbformat_s: float, load: float) -> None:
    a = statistics.median(r["wall_s"] for r in runs["a"])
    b = statistics.median(r["wall_s"] for r in runs["b"])
    cores = os.cpu_count()
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else cores
    now = datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    print(f"\n{len(NOTEBOOKS)} phase notebooks on the embedded demo campaign, executed + HTML; "
          f"{cores} cores ({usable} usable), {now}, load average {load:.2f} at start; "
          f"median of {len(runs['a'])}")
    print(f"{'variant':<48} {'wall s':>7} {'× naive':>8}  runs s")
    for name, key, median in [("(a) naive: papermill + nbconvert CLIs, 7 × 2", "a", a),
                              ("(b) mm2report run, --jobs 2, fresh process", "b", b)]:
        runs_text = " ".join(f"{r['wall_s']:.1f}" for r in runs[key])
        print(f"{name:<48} {median:>7.1f} {median / a:>8.2f}  {runs_text}")

    last_a, last_b = runs["a"][-1], runs["b"][-1]
    print("\n(a) per notebook (last run), s: " + ", ".join(
        f"{n} {pm:.1f}+{nc:.1f}" for n, (pm, nc) in last_a["steps"].items())
        + "   (papermill + nbconvert)")
    pm = sum(s[0] for s in last_a["steps"].values())
    nc = sum(s[1] for s in last_a["steps"].values())
    print(f"  papermill {pm:.1f} s, nbconvert {nc:.1f} s")
    print("(b) per notebook (last run, run.json), s: " + ", ".join(
        f"{n} {s:.1f}" for n, s in last_b["steps"].items())
        + "   (execute + HTML on a shared kernel, 2 at a time)")
    steps = sum(last_b["steps"].values())
    print(f"  sum {steps:.1f} s over 2 workers; outside the notebooks (start, kernels, combine) "
          f"≈ {last_b['wall_s'] - steps / 2:.1f} s")
    print(f"(b) decision: {last_b['decision']}")

    ratio = b / a
    print(f"\nmm2report run / naive = {ratio:.2f} (target ≤ {TARGET}) "
          f"{'PASS' if ratio <= TARGET else 'FAIL'}; naive {a:.1f} s, mm2report run {b:.1f} s")
    print(f"note: a fresh `python -c 'import nbformat'` takes {nbformat_s:.2f} s in this venv; "
          f"(a) starts {2 * len(NOTEBOOKS)} processes that import nbformat")


if __name__ == "__main__":
    sys.exit(main())
