"""The MirrorMaker 2 lab's start-up time and peak memory (issue 11: under 6 GB RSS on 2 cores).

    .venv/bin/python benchmarks/lab.py [--kafka 4|3] [--seconds 60]

Baseline measured in the same run: one KRaft broker started alone (format + JVM start until it
answers), the piece every other process of the lab waits for. Then the whole lab (`lab up`:
two clusters, two Connect workers with the JMX exporter agent, MM2's three connectors, the
offsets exporters, Prometheus) is started and run under the campaign's nominal load for
``--seconds``, its processes' RSS summed every second. Prints the wall times, the ratio to the
baseline, and the peak RSS against the 6 GB budget. Jars are fetched beforehand (not timed).
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

from mm2report.lab import env, jars
from mm2report.lab.load import Load

BUDGET_RSS = 6 * 1024**3


def rss(pids: list[int]) -> int:
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
        except OSError:
            pass
    return total


def broker_alone(line: str, work: Path) -> float:
    state = env.LabState(str(work), line, jars.kafka_version(jars.fetch(line)), "connect-jmx")
    work.mkdir(parents=True)
    state.save()
    t = time.monotonic()
    env.start_broker(state, jars.fetch(line), "source")
    env.wait_broker(state, "source")
    elapsed = time.monotonic() - t
    env.down(work)
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kafka", choices=("3", "4"), default="4")
    parser.add_argument("--seconds", type=int, default=60)
    args = parser.parse_args()
    jars.fetch(args.kafka)
    root = Path(tempfile.mkdtemp(prefix="mm2-lab-bench-"))
    try:
        base = broker_alone(args.kafka, root / "baseline")
        t = time.monotonic()
        state = env.up(root / "lab", line=args.kafka, profile="connect-jmx", progress=lambda _: None)
        up_s = time.monotonic() - t
        partitions = [(tp, p) for tp, n in env.TOPICS.items() for p in range(n)]
        load = Load(state.source_bootstrap, partitions, size=1000)
        load.set_rate(300)
        load.start()
        peak = 0
        try:
            for _ in range(args.seconds):
                pids = [p.pid for p in state.procs.values() if env.alive(p)]
                peak = max(peak, rss(pids))
                time.sleep(1)
        finally:
            load.stop()
            env.down(root / "lab")
        print(f"Kafka {state.kafka}, {len(state.procs)} processes, 2 cores")
        print(f"{'baseline: one KRaft broker alone':<44} {base:6.1f} s   1.00")
        print(f"{'lab up (2 clusters, 2 workers, exporters, Prometheus)':<44} {up_s:6.1f} s   "
              f"{up_s / base:.2f}")
        print(f"peak RSS under 300 records/s for {args.seconds} s: {peak / 1024**2:,.0f} MB "
              f"({peak / BUDGET_RSS:.2f} of the 6 GB budget)")
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
