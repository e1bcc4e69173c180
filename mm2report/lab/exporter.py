"""A small offsets exporter under kafka_exporter's names and labels.

kafka_exporter (a Go program no registry here packages) is what users run beside their clusters;
the catalog reads its ``kafka_topic_partition_current_offset{topic, partition}`` (the next
offset of each partition). This exporter serves the same families for one cluster over a Kafka
client from PyPI, on 127.0.0.1, for the lab: ``python -m mm2report.lab.exporter --bootstrap
HOST:PORT --port N``. While the cluster does not answer, a scrape fails (HTTP 503), as a target
that is down.
"""

from __future__ import annotations

import argparse
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from confluent_kafka import Consumer, TopicPartition

from .load import QUIET

FAMILIES = (
    ("kafka_topic_partition_current_offset", "Current Offset of a Broker at Topic/Partition"),
    ("kafka_topic_partition_oldest_offset", "Oldest Offset of a Broker at Topic/Partition"),
    ("kafka_topic_partitions", "Number of partitions for this Topic"),
    ("kafka_brokers", "Number of Brokers in the Kafka Cluster."),
)


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


class Offsets:
    def __init__(self, bootstrap: str):
        self.lock = threading.Lock()
        self.consumer = Consumer({
            "bootstrap.servers": bootstrap, "group.id": "mm2report-lab-exporter",
            "enable.auto.commit": False, "socket.timeout.ms": 3000,
            "reconnect.backoff.max.ms": 1000,
        }, logger=QUIET)

    def exposition(self) -> str:
        with self.lock:
            meta = self.consumer.list_topics(timeout=3)
            lines: dict[str, list[str]] = {name: [] for name, _ in FAMILIES}
            for topic in sorted(meta.topics):
                if topic.startswith("__"):
                    continue
                parts = meta.topics[topic].partitions
                t = _escape(topic)
                lines["kafka_topic_partitions"].append(f'kafka_topic_partitions{{topic="{t}"}} {len(parts)}')
                for p in sorted(parts):
                    low, high = self.consumer.get_watermark_offsets(TopicPartition(topic, p),
                                                                    timeout=3, cached=False)
                    labels = f'partition="{p}",topic="{t}"'
                    lines["kafka_topic_partition_current_offset"].append(
                        f"kafka_topic_partition_current_offset{{{labels}}} {high}")
                    lines["kafka_topic_partition_oldest_offset"].append(
                        f"kafka_topic_partition_oldest_offset{{{labels}}} {low}")
            lines["kafka_brokers"].append(f"kafka_brokers {len(meta.brokers)}")
        out = []
        for name, help_ in FAMILIES:
            out += [f"# HELP {name} {help_}", f"# TYPE {name} gauge", *lines[name]]
        return "\n".join(out) + "\n"


def serve(bootstrap: str, port: int) -> None:
    offsets = Offsets(bootstrap)

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            if self.path.startswith("/-/healthy"):
                return self._send(200, b"ok\n")
            if not self.path.startswith("/metrics"):
                return self._send(404, b"not found\n")
            try:
                body = offsets.exposition().encode()
            except Exception as exc:  # noqa: BLE001 - the cluster is down: the scrape fails
                return self._send(503, f"cluster unavailable: {exc}\n".encode())
            self._send(200, body, "text/plain; version=0.0.4")

        def _send(self, status, body, ctype="text/plain"):
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    server.serve_forever()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bootstrap", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--lab", help="the lab directory (names the process for 'lab down')")
    args = parser.parse_args(argv)
    while True:
        try:
            serve(args.bootstrap, args.port)
        except OSError:
            time.sleep(1)


if __name__ == "__main__":
    main()
