"""The lab's load: a rate-controlled producer writing unique, ordered keys.

Each record's key is ``<run>/<topic>/<partition>/<sequence>`` (the sequence counts per partition
from 0, the run tells campaigns on one lab apart), so the truth can match every source record
with its copies on the target. Partitions are
written round-robin, so every partition (and every MM2 task) gets the same share of the load.
"""

from __future__ import annotations

import logging
import threading
import time

from confluent_kafka import Producer

QUIET = logging.getLogger("mm2report.lab.rdkafka")
QUIET.addHandler(logging.NullHandler())
QUIET.propagate = False


class Load(threading.Thread):
    def __init__(self, bootstrap: str, partitions: list[tuple[str, int]], *, size: int = 1000,
                 run: str = ""):
        super().__init__(daemon=True, name="lab-load")
        self.producer = Producer({"bootstrap.servers": bootstrap, "linger.ms": 5,
                                  "enable.idempotence": True, "acks": "all"}, logger=QUIET)
        self.partitions = partitions
        self.size = size
        self.run_id = run  # prefixes every key: runs on one lab never share a key
        self.rate = 0.0
        self.seq = {tp: 0 for tp in partitions}
        self.errors = 0
        self._halt = threading.Event()
        self._lock = threading.Lock()

    def set_rate(self, rate: float) -> None:
        with self._lock:
            self.rate = float(rate)

    def _deliver(self, err, _msg):
        if err is not None:
            self.errors += 1

    def send(self, topic: str, partition: int, value_size: int) -> None:
        """One record of ``value_size`` bytes, outside the paced load (the error scenario)."""
        with self._lock:
            self._produce((topic, partition), value_size)

    def _produce(self, tp: tuple[str, int], size: int) -> None:
        key = f"{self.run_id}/{tp[0]}/{tp[1]}/{self.seq[tp]}".encode()
        self.seq[tp] += 1
        value = key + b" " + b"x" * max(0, size - len(key) - 1)
        while True:
            try:
                self.producer.produce(tp[0], key=key, value=value, partition=tp[1],
                                      on_delivery=self._deliver)
                return
            except BufferError:
                self.producer.poll(0.05)

    def run(self) -> None:
        tick = 0.02
        credit = 0.0
        last = time.monotonic()
        i = 0
        while not self._halt.is_set():
            now = time.monotonic()
            with self._lock:
                credit = min(credit + (now - last) * self.rate, max(self.rate * 0.2, 1.0))
                last = now
                while credit >= 1.0:
                    self._produce(self.partitions[i % len(self.partitions)], self.size)
                    i += 1
                    credit -= 1.0
            self.producer.poll(0)
            time.sleep(tick)

    def stop(self) -> None:
        self._halt.set()
        self.join(timeout=10)
        self.producer.flush(60)
