"""Regenerate the embedded demo snapshot: parameters/snapshots/demo.

Interim demo (issue 2): the small hand-checked data set of tests/datasets.py, backfilled into a
real Prometheus with promtool and recorded through the snapshot source. The simulated two-day
demo campaign replaces it when the simulator lands.

    .venv/bin/python tools/record_demo.py
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

import datasets  # noqa: E402

from mm2report import servers  # noqa: E402
from mm2report.params import validate_campaign  # noqa: E402
from mm2report.sources.prometheus import PrometheusSource  # noqa: E402
from mm2report.sources.snapshot import record_snapshot  # noqa: E402


def main() -> None:
    params_dir = ROOT / "parameters"
    target = params_dir / "snapshots" / "demo"
    with tempfile.TemporaryDirectory() as tmp:
        om = Path(tmp) / "demo.om"
        datasets.write_openmetrics(om)
        with servers.start_prometheus(om, workdir=Path(tmp) / "prom") as server:
            live = validate_campaign(datasets.campaign_dict(url=server.url))
            staging = Path(tmp) / "snapshot"
            with PrometheusSource(live) as source:
                record_snapshot(live, source, staging)
        if target.exists():
            shutil.rmtree(target)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(staging), target)
    data = datasets.campaign_dict(snapshot="snapshots/demo")
    data["campaign"].update(name="demo", client="Démo SA")
    header = ("# Embedded demo campaign: replays parameters/snapshots/demo, so no Prometheus and\n"
              "# no Kafka are needed. Regenerate with: .venv/bin/python tools/record_demo.py\n")
    (params_dir / "demo.yml").write_text(header + yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
    print(f"demo snapshot written to {target}")


if __name__ == "__main__":
    main()
