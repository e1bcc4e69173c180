"""Full demo benchmark: phase notebooks, deliverables, HTML and PDF, end to end.

(a) the naive sequence measured in the same invocation: benchmarks/run.py's papermill CLI then
    nbconvert CLI per phase notebook, then one headless Chromium print per deliverable HTML;
(b) ``mm2report run PARAMS`` then ``mm2report report PARAMS`` in fresh processes.

Target: (b) ≤ 30 s wall on this 2-core machine. Run: ``.venv/bin/python benchmarks/full.py``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import PARAMS, naive, timed_process, tool  # noqa: E402

TARGET_S = 30.0


def full(out: Path) -> tuple[float, float, float]:
    began = time.perf_counter()
    run_s, _ = timed_process([tool("mm2report"), "run", str(PARAMS), "--outputs", str(out)], out,
                             "mm2report run")
    report_s, proc = timed_process([tool("mm2report"), "report", str(PARAMS), "--outputs", str(out)],
                                   out, "mm2report report")
    wall = time.perf_counter() - began
    pdfs = list(out.glob("*/*/deliverables-*/*.pdf"))
    if len(pdfs) != 5:
        raise SystemExit(f"(b) expected 5 PDFs, found {len(pdfs)}")
    return wall, run_s, report_s


def naive_full(out: Path) -> float:
    began = time.perf_counter()
    naive(out / "naive")
    # the same five deliverable pages, printed one by one
    pages = sorted(out.glob("b/*/*/deliverables-*/*.html"))
    pages = [p for p in pages if p.name != "index.html"]
    for page in pages:
        timed_process(["chromium", "--headless", "--no-sandbox", "--disable-gpu",
                       "--no-pdf-header-footer", f"--print-to-pdf={out / (page.stem + '.pdf')}",
                       page.as_uri()], out, f"chromium {page.name}")
    return time.perf_counter() - began


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="mm2-full-") as tmp:
        tmp = Path(tmp)
        (tmp / "b").mkdir()
        wall, run_s, report_s = full(tmp / "b")
        naive_s = naive_full(tmp)
    ok = wall <= TARGET_S
    print(f"full demo (7 notebooks + 5 deliverables, HTML + PDF); {os.cpu_count()} cores, "
          f"{datetime.now():%Y-%m-%d %H:%M}")
    print(f"(a) naive: papermill + nbconvert CLIs per notebook, chromium per deliverable: {naive_s:6.1f} s")
    print(f"(b) mm2report run ({run_s:.1f} s) + mm2report report ({report_s:.1f} s):       {wall:6.1f} s"
          f"  = {wall / naive_s:.2f} × naive")
    print(f"target ≤ {TARGET_S:.0f} s: {'PASS' if ok else 'FAIL'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
