"""Record a lab campaign as the embedded real example: parameters/lab.yml and
parameters/snapshots/lab, with the truth beside it (parameters/snapshots/lab.truth.json).

    .venv/bin/python tools/record_lab.py RUN LAB
        RUN  a directory written by `mm2report lab campaign` (campaign.yml, truth.json)
        LAB  the lab's directory (its Prometheus TSDB is read; the lab may be down)

The lab's TSDB (scraped live, staleness markers included) is copied and served by a Prometheus
on 127.0.0.1, every catalog query is recorded through the snapshot source, and the campaign file
is rewritten to replay that snapshot.
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]

from mm2report import servers  # noqa: E402
from mm2report.params import validate_campaign  # noqa: E402
from mm2report.sources.prometheus import PrometheusSource  # noqa: E402
from mm2report.sources.snapshot import record_snapshot  # noqa: E402

HEADER = """\
# Recorded from a REAL MirrorMaker 2 (mm2report lab, docs/lab.md): Kafka {kafka}, MM2 as
# connectors of a Connect distributed cluster (profile {profile}), the Prometheus JMX exporter
# agent, offsets exporters, a Prometheus scraping live every 5 s. Replays
# parameters/snapshots/lab offline; the truth from both clusters' records is
# parameters/snapshots/lab.truth.json. Regenerate: tools/record_lab.py RUN LAB
"""


def main(run: Path, lab: Path) -> None:
    params = yaml.safe_load((run / "campaign.yml").read_text())
    truth = json.loads((run / "truth.json").read_text())
    work = Path(tempfile.mkdtemp(prefix="mm2-lab-record-"))
    shutil.copytree(lab / "prometheus" / "data", work / "data")
    for lock in (work / "data").glob("lock"):
        lock.unlink()
    server = servers.start_prometheus(None, workdir=work, lookback_delta="5m")
    try:
        live = dict(params, source={**params["source"], "url": server.url})
        campaign = validate_campaign(live)
        target = ROOT / "parameters" / "snapshots" / "lab"
        if target.exists():
            shutil.rmtree(target)
        record_snapshot(campaign, PrometheusSource(campaign), target)
    finally:
        server.stop()
        shutil.rmtree(work, ignore_errors=True)
    params["campaign"]["name"] = "lab"
    params["source"] = {"snapshot": "snapshots/lab", "step": params["source"]["step"],
                        "scrape_interval": params["source"]["scrape_interval"]}
    (ROOT / "parameters" / "lab.yml").write_text(
        HEADER.format(kafka=truth["lab"]["kafka"], profile=truth["lab"]["profile"])
        + yaml.safe_dump(params, sort_keys=False, allow_unicode=True))
    (ROOT / "parameters" / "snapshots" / "lab.truth.json").write_text(json.dumps(truth, indent=1) + "\n")
    print(f"recorded {target} and parameters/lab.yml")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(Path(sys.argv[1]), Path(sys.argv[2]))
