"""The real MirrorMaker 2 lab's mini-campaign, run in the background from the session's start.

The campaign takes about 13 minutes of wall-clock time, nearly all of it spent waiting on real
Kafka and MirrorMaker 2 (phases last as long as they last). It runs in a child process, with its
own load generator (no share of the test process' GIL), from the first test of the session, so
the rest of the suite runs meanwhile; test_lab.py then waits for it and analyses what it
recorded. The Alertmanager's webhook lives in this process: the test reads the notifications.

The child stops every process of the lab by PID when it fails or is terminated; after a
successful campaign the lab stays up for the tests (they query its Prometheus), and the
session's end stops it by PID, whatever the tests' outcome.
"""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

from mm2report.alerting.webhook import WebhookReceiver
from mm2report.lab import env

#: Longer than any campaign this machine ran (about 13 minutes, 17 under a load average of 12).
TIMEOUT_S = 45 * 60


class BackgroundLab:
    """One lab (Strimzi names, the newest Kafka 4.x) and its mini-campaign, in ``root``."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.directory = self.root / "lab"  # the lab's state, configs and logs
        self.out = self.root / "campaign"  # journal, campaign.yml, truth.json
        self.log = self.root / "driver.log"
        self.hook = WebhookReceiver()
        self.proc: subprocess.Popen | None = None

    def start(self) -> "BackgroundLab":
        self.hook.start()
        with self.log.open("w") as log:
            self.proc = subprocess.Popen(
                [sys.executable, str(Path(__file__)), str(self.directory), str(self.out),
                 self.hook.url], stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        return self

    def wait(self) -> Path:
        """The campaign's output directory, once the child finished; its log on failure."""
        assert self.proc is not None, "the lab was not started"
        try:
            code = self.proc.wait(timeout=TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self.stop()
            raise AssertionError(f"the lab campaign took over {TIMEOUT_S} s:\n{self._tail()}")
        if code != 0:
            raise AssertionError(f"the lab campaign failed ({code}):\n{self._tail()}")
        return self.out

    def stop(self) -> None:
        """Terminate the child if it still runs (it stops its lab), then stop the lab by PID."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=120)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if (self.directory / "lab.json").exists():
            env.down(self.directory, quiet=True)
        self.hook.stop()

    def _tail(self, lines: int = 60) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return "\n".join(text.splitlines()[-lines:])


def _drive(directory: Path, out: Path, hook: str) -> None:
    from mm2report.lab import campaign

    def stop(signum, frame):  # SIGTERM from the session: unwind, and the lab with it
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, stop)
    env.up(directory, line="4", profile="strimzi", progress=_say, alert_webhook=hook)
    try:
        campaign.run(directory, out, progress=_say)
    except BaseException:
        env.down(directory, quiet=True)
        raise


def _say(text: str) -> None:
    print(text, flush=True)


if __name__ == "__main__":
    _drive(Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3])
