"""A small, hand-checked data set for source and catalog tests (not the simulator).

Six hours at 15 s, Strimzi JMX names, with the traps the catalog must survive: quoted connector
and client ids, an idle partition whose windowed gauges are NaN, a reverse replication flow whose
series must be excluded, a task that moves to another worker (counter restarts from 0), and
source/target kafka_exporter series told apart by ``job``.

Expected values are stated here from the construction, not read back from the code under test.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from mm2report.openmetrics import OpenMetricsWriter

START = 1_793_491_200  # 2026-11-01T00:00:00Z
HOURS = 6
STEP = 15
END = START + HOURS * 3600
TIMES = np.arange(START, END + 1, STEP, dtype="int64")

PARTITIONS = 4
RATE_PER_PARTITION = 10.0  # records/s, produced and replicated
LAG_PER_PARTITION = 5.0
ACTIVE_PER_TASK = 3.0  # records polled, not yet acknowledged by the target (producer buffer)
LATENCY_MS = {0: 100.0, 1: 101.0, 2: 102.0}  # partition 3 is idle: NaN
TASKS_PER_WORKER = 2
CONNECTOR = '"primary->backup.MirrorSourceConnector"'
REVERSE_CONNECTOR = '"backup->primary.MirrorSourceConnector"'
MOVE_AT = START + 3 * 3600  # partition 1's task moves from worker w1 to w2

# Expected aggregates.
EXPECTED_RATE = PARTITIONS * RATE_PER_PARTITION  # 40 records/s
EXPECTED_LAG = PARTITIONS * LAG_PER_PARTITION  # 20 records (the consumer's lag alone)
EXPECTED_BACKLOG = EXPECTED_LAG + 2 * TASKS_PER_WORKER * ACTIVE_PER_TASK  # 32: + active records
EXPECTED_LATENCY_MAX = 102.0
EXPECTED_LATENCY_AVG = 101.0
EXPECTED_TASKS = 2 * TASKS_PER_WORKER  # 4


# The metrics section most parameter tests share: primary -> backup, two topics.
TWO_TOPICS_METRICS = {
    "source_alias": "primary",
    "target_alias": "backup",
    "topics": "orders|payments",
    "source_exporter_selector": 'job="kafka-exporter-source"',
    "target_exporter_selector": 'job="kafka-exporter-target"',
}


def campaign_dict(url: str | None = None, snapshot: str | None = None) -> dict:
    """Parameters matching the data set."""
    source: dict = {"url": url} if url else {"snapshot": snapshot}
    return {
        "campaign": {"name": "small", "client": "Test", "timezone": "Europe/Paris"},
        "source": source,
        "metrics": {
            "source_alias": "primary",
            "target_alias": "backup",
            "topics": "orders",
            "source_exporter_selector": 'job="kafka-exporter-source"',
            "target_exporter_selector": 'job="kafka-exporter-target"',
        },
        "phases": {
            "smoke": {"start": "2026-11-01T01:00:00+01:00", "end": "2026-11-01T03:00:00+01:00"},
            "nominal": {"start": "2026-11-01T03:00:00+01:00", "end": "2026-11-01T07:00:00+01:00"},
        },
    }


def write_openmetrics(path: Path) -> int:
    """Write the data set; return the number of samples."""
    elapsed = (TIMES - START).astype("float64")
    with open(path, "w", encoding="utf-8") as fh:
        om = OpenMetricsWriter(fh)
        msc = "kafka_connect_mirror_mirrorsourceconnector_"
        om.family(msc + "record_count", "gauge")
        for p in range(PARTITIONS):
            labels = {"source": "primary", "target": "backup", "topic": "primary.orders",
                      "partition": str(p)}
            counts = RATE_PER_PARTITION * elapsed
            if p == 1:  # the task moves: old worker's series ends, new one restarts from 0
                before = TIMES < MOVE_AT
                om.series(msc + "record_count", {**labels, "instance": "w1"},
                          TIMES[before], counts[before])
                om.series(msc + "record_count", {**labels, "instance": "w2"},
                          TIMES[~before], RATE_PER_PARTITION * (TIMES[~before] - MOVE_AT))
            else:
                om.series(msc + "record_count", {**labels, "instance": f"w{p % 2 + 1}"},
                          TIMES, counts)
        # Reverse flow: must never be counted.
        om.series(msc + "record_count", {"source": "backup", "target": "primary",
                                         "topic": "backup.orders", "partition": "0",
                                         "instance": "w1"}, TIMES, 1000.0 * elapsed)
        for kind in ("max", "avg"):
            name = msc + f"replication_latency_ms_{kind}"
            om.family(name, "gauge")
            for p in range(PARTITIONS):
                labels = {"source": "primary", "target": "backup", "topic": "primary.orders",
                          "partition": str(p)}
                value = LATENCY_MS.get(p, np.nan)
                om.series(name, labels, TIMES, np.full(len(TIMES), value))
        om.family("kafka_consumer_fetch_manager_records_lag", "gauge")
        for p in range(PARTITIONS):
            client = f'"primary->backup|primary->backup.MirrorSourceConnector-{p % 2}|replication-consumer"'
            om.series("kafka_consumer_fetch_manager_records_lag",
                      {"clientid": client, "topic": "orders", "partition": str(p)},
                      TIMES, np.full(len(TIMES), LAG_PER_PARTITION))
        om.series("kafka_consumer_fetch_manager_records_lag",
                  {"clientid": '"backup->primary|backup->primary.MirrorSourceConnector-0|replication-consumer"',
                   "topic": "orders", "partition": "0"}, TIMES, np.full(len(TIMES), 1e6))
        # each live worker's tasks hold ACTIVE_PER_TASK records in the producer's buffer; the
        # reverse flow's task and the dead worker w3's last reading must not count
        om.family("kafka_connect_source_task_source_record_active_count", "gauge")
        for w in ("w1", "w2", "w3"):
            for k in range(int(TASKS_PER_WORKER)):
                om.series("kafka_connect_source_task_source_record_active_count",
                          {"connector": CONNECTOR, "task": str(k), "instance": w}, TIMES,
                          np.full(len(TIMES), ACTIVE_PER_TASK))
        om.series("kafka_connect_source_task_source_record_active_count",
                  {"connector": REVERSE_CONNECTOR, "task": "0", "instance": "w1"}, TIMES,
                  np.full(len(TIMES), 1e6))
        om.family("kafka_topic_partition_current_offset", "gauge")
        for p in range(PARTITIONS):
            om.series("kafka_topic_partition_current_offset",
                      {"job": "kafka-exporter-source", "topic": "orders", "partition": str(p)},
                      TIMES, 1000 + RATE_PER_PARTITION * elapsed)
            om.series("kafka_topic_partition_current_offset",
                      {"job": "kafka-exporter-target", "topic": "primary.orders", "partition": str(p)},
                      TIMES, RATE_PER_PARTITION * elapsed)
        for name in ("running", "total"):
            metric = f"kafka_connect_worker_connector_{name}_task_count"
            om.family(metric, "gauge")
            for w in ("w1", "w2"):
                om.series(metric, {"connector": CONNECTOR, "instance": w}, TIMES,
                          np.full(len(TIMES), TASKS_PER_WORKER))
                om.series(metric, {"connector": REVERSE_CONNECTOR, "instance": w}, TIMES,
                          np.full(len(TIMES), 7.0))
        om.family("kafka_connect_worker_rebalance_rebalancing", "gauge")
        for w in ("w1", "w2"):
            om.series("kafka_connect_worker_rebalance_rebalancing", {"instance": w}, TIMES,
                      np.zeros(len(TIMES)))
        # w3 is down for the whole data set (up = 0) yet its last task counts are still there,
        # as on a server without staleness markers: none of its series may be counted.
        for name in ("running", "total"):
            om.series(f"kafka_connect_worker_connector_{name}_task_count",
                      {"connector": CONNECTOR, "instance": "w3"}, TIMES, np.full(len(TIMES), 3.0))
        om.series("kafka_connect_worker_rebalance_rebalancing", {"instance": "w3"}, TIMES,
                  np.ones(len(TIMES)))
        om.family("up", "gauge")
        for w, value in (("w1", 1.0), ("w2", 1.0), ("w3", 0.0)):
            om.series("up", {"job": "mm2", "instance": w}, TIMES, np.full(len(TIMES), value))
        om.close()
        return om.samples
