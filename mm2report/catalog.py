"""Metric catalog: the named queries every KPI is computed from, rendered to PromQL.

Two layers:

* :data:`PROFILES` — the deployments (``strimzi``, ``connect-jmx``, ``dedicated``,
  ``strimzi-metrics-reporter``): which names, which label names, which default connector and
  which labels tell workers apart. Each was checked against a real exposition (the lab).
* :data:`METRICS` — the physical series, with their name under each naming (``jmx``:
  jmx_exporter rules as Strimzi and jmx_exporter's Kafka Connect example write them;
  ``strimzi-metrics-reporter``), their unit and meaning. A campaign may rename any of them or
  add label matchers (``metrics.overrides``).
* :data:`QUERIES` — the logical inputs of the analyses (replicated rate, offered rate, lag, …),
  each a PromQL expression over those metrics, with its unit and meaning.

Choices that matter for the numbers:

* Rates use ``irate`` over a window of three scrape intervals: the rate between the last two
  scrapes, with counter resets handled. ``rate(…[1m])`` would smear the start and end of a stall
  by up to a minute and break the one-step accuracy that time KPIs owe.
* Windowed MM2 gauges (``*_max``, ``*_avg``) read NaN on idle partitions. Every aggregation
  filters them out first (``x >= -Inf`` is false for NaN), so one idle partition cannot poison a
  sum or an average.
* JMX quotes label values holding ``>`` or ``|`` (connector and client ids): the ``jmx``
  naming matches them with their literal quotes.
* jmx_exporter wraps every rule pattern in ``^.*(?:…).*$``, so the usual ``.+-lag`` alternative
  also takes ``records-lag-max`` and exports it under the name ``records_lag`` (``.+-count``
  likewise takes ``source-record-active-count-max``); jmx_exporter 1.x then tells the twins
  apart by an ``_objectname`` label. The queries keep the real attribute only. Kafka also tags each per-partition fetch metric twice, with the topic
  as written and with its dots replaced by ``_`` (``orders.v1`` and ``orders_v1``): the lag
  queries drop the ``_`` twin of every dotted topic. Kafka 3.x tags them *only* with the ``_``
  spelling (``orders_v1``): the lag selector accepts both spellings, and the loss analysis joins
  partitions on the ``_`` spelling (Kafka refuses two topics that differ only there).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable, Literal

from .errors import CatalogError
from .promql import Matcher, parse_selector, quote, regex_escape

if TYPE_CHECKING:
    from .params import Campaign

Naming = Literal["jmx", "strimzi-metrics-reporter"]


@dataclass(frozen=True)
class Profile:
    """A deployment: how its exporter names series and labels, how its connector is named.

    Proven against real expositions of the lab (``mm2report lab``), see ``docs/profiles.md``.
    """

    name: str
    naming: Naming  # which column of MetricDef.names
    client_label: str  # label holding the embedded clients' ids
    worker_labels: tuple[str, ...]  # labels telling one MM2 worker from another
    connector: Callable[[str, str], str]  # default source connector name from the aliases
    meaning: str


PROFILES: dict[str, Profile] = {
    p.name: p
    for p in [
        Profile("strimzi", "jmx", "clientid", ("instance",),
                lambda s, t: f"{s}->{t}.MirrorSourceConnector",
                "Strimzi KafkaMirrorMaker2 (or KafkaConnect) with Strimzi's JMX exporter rules: "
                "lower-cased label names, connector <source>-><target>.MirrorSourceConnector; "
                "the PodMonitor also adds kubernetes_pod_name"),
        Profile("connect-jmx", "jmx", "clientId", ("instance",),
                lambda s, t: "mm2-source-connector",
                "MirrorMaker 2 as connectors of a Kafka Connect distributed cluster on VMs, with "
                "jmx_exporter's Kafka Connect rules plus a kafka.connect.mirror rule: label names "
                "as Kafka writes them (clientId), the connector named by its operators "
                "(default mm2-source-connector, as in the validation checklist), workers told "
                "apart by instance"),
        Profile("dedicated", "jmx", "clientId", ("instance",),
                lambda s, t: "MirrorSourceConnector",
                "MirrorMaker 2 dedicated mode (connect-mirror-maker) with the same rules as "
                "connect-jmx: connectors are named after their class"),
        Profile("strimzi-metrics-reporter", "strimzi-metrics-reporter", "client_id",
                ("instance",), lambda s, t: f"{s}->{t}.MirrorSourceConnector",
                "Strimzi with the Strimzi Metrics Reporter instead of jmx_exporter: other names, "
                "sanitized label names, values never quoted"),
    ]
}
# Which campaign selector applies to a metric.
Scope = Literal["mm2", "source_exporter", "target_exporter", "plain"]


@dataclass(frozen=True)
class MetricDef:
    """A physical series family."""

    key: str
    names: dict[str, str]  # naming -> metric name
    unit: str
    meaning: str
    scope: Scope = "mm2"
    # Which campaign-derived matchers apply: the MM2 source-connector labels, the connector
    # label, the replication consumer's client id, source or remote topic names.
    topic: Literal["none", "source", "remote"] = "none"
    connector_label: bool = False
    client_label: bool = False
    extra: tuple[Matcher, ...] = ()
    # Kafka attribute whose longer siblings (…-avg, …-max) jmx_exporter rules of the usual
    # `.+-lag` / `.+-count` shape export under the same name, told apart by `_objectname`
    jmx_attribute: str | None = None


def _both(name: str) -> dict[str, str]:
    return {"jmx": name, "strimzi-metrics-reporter": name}


_MSC = "kafka_connect_mirror_mirrorsourceconnector_"

METRICS: dict[str, MetricDef] = {
    m.key: m
    for m in [
        MetricDef("record_count", _both(_MSC + "record_count"), "records",
                  "Records replicated per task and partition, cumulative while the task lives "
                  "(restarts from 0 when a task moves).", topic="remote"),
        MetricDef("replication_latency_max", _both(_MSC + "replication_latency_ms_max"), "ms",
                  "Max of now - record timestamp at target ack, over the last ~60 s window; NaN "
                  "on idle partitions.", topic="remote"),
        MetricDef("replication_latency_avg", _both(_MSC + "replication_latency_ms_avg"), "ms",
                  "Average replication latency over the last ~60 s window; NaN on idle partitions.",
                  topic="remote"),
        MetricDef("record_age_max", _both(_MSC + "record_age_ms_max"), "ms",
                  "Max age of a record when MM2 polls it, over the last ~60 s window; NaN on idle "
                  "partitions.", topic="remote"),
        MetricDef("consumer_lag", {
            "jmx": "kafka_consumer_fetch_manager_records_lag",
            "strimzi-metrics-reporter": "kafka_consumer_consumer_fetch_manager_metrics_records_lag",
        }, "records", "Replication consumer's lag per source partition (exists only while the "
           "task fetches).", topic="source", client_label=True, jmx_attribute="records-lag"),
        MetricDef("active_records", {
            "jmx": "kafka_connect_source_task_source_record_active_count",
            "strimzi-metrics-reporter":
                "kafka_connect_source_task_metrics_source_record_active_count",
        }, "records", "Records each task polled and the target has not acknowledged yet (they "
           "wait in MM2's producer buffer, past the consumer's lag).", connector_label=True,
           jmx_attribute="source-record-active-count"),
        MetricDef("source_end_offset", _both("kafka_topic_partition_current_offset"), "offset",
                  "Next offset of each source partition (kafka_exporter on the source cluster).",
                  scope="source_exporter", topic="source"),
        MetricDef("target_end_offset", _both("kafka_topic_partition_current_offset"), "offset",
                  "Next offset of each replicated partition (kafka_exporter on the target cluster).",
                  scope="target_exporter", topic="remote"),
        MetricDef("running_tasks", {
            "jmx": "kafka_connect_worker_connector_running_task_count",
            "strimzi-metrics-reporter":
                "kafka_connect_connect_worker_metrics_connector_running_task_count",
        }, "tasks", "Tasks of the connector running on each worker.", connector_label=True),
        MetricDef("total_tasks", {
            "jmx": "kafka_connect_worker_connector_total_task_count",
            "strimzi-metrics-reporter":
                "kafka_connect_connect_worker_metrics_connector_total_task_count",
        }, "tasks", "Tasks of the connector assigned to each worker.", connector_label=True),
        MetricDef("failed_tasks", {
            "jmx": "kafka_connect_worker_connector_failed_task_count",
            "strimzi-metrics-reporter":
                "kafka_connect_connect_worker_metrics_connector_failed_task_count",
        }, "tasks", "Tasks of the connector in FAILED state on each worker.", connector_label=True),
        MetricDef("connectors", {
            "jmx": "kafka_connect_worker_connector_count",
            "strimzi-metrics-reporter": "kafka_connect_connect_worker_metrics_connector_count",
        }, "connectors", "Connectors running on each worker: 0 on every live worker when the "
           "Connect cluster has stopped them all (its own Kafka unreachable), and then no task "
           "series exist at all."),
        MetricDef("rebalancing", {
            "jmx": "kafka_connect_worker_rebalance_rebalancing",
            "strimzi-metrics-reporter":
                "kafka_connect_connect_worker_rebalance_metrics_rebalancing",
        }, "0/1", "1 while the worker is rebalancing; one series per live worker."),
        MetricDef("rebalance_max_time", {
            "jmx": "kafka_connect_worker_rebalance_rebalance_max_time_ms",
            "strimzi-metrics-reporter":
                "kafka_connect_connect_worker_rebalance_metrics_rebalance_max_time_ms",
        }, "ms", "Connect's own rebalance time (assignment received to work started), max "
           "over ~60 s; NaN afterwards."),
        MetricDef("completed_rebalances", {
            # client_java 1.x (jmx_exporter 1.x) strips `_total` from gauge names
            "jmx": "kafka_connect_worker_rebalance_completed_rebalances",
            "strimzi-metrics-reporter":
                "kafka_connect_connect_worker_rebalance_metrics_completed_rebalances",
        }, "rebalances", "Rebalances completed by each worker, cumulative since the worker "
           "started: +1 each time it starts the work a new assignment gives it."),
        MetricDef("record_errors", {
            "jmx": "kafka_connect_task_error_total_record_errors",
            "strimzi-metrics-reporter": "kafka_connect_task_error_metrics_total_record_errors",
        }, "records", "Record errors per task, cumulative while the task lives.",
            connector_label=True),
        MetricDef("record_failures", {
            "jmx": "kafka_connect_task_error_total_record_failures",
            "strimzi-metrics-reporter": "kafka_connect_task_error_metrics_total_record_failures",
        }, "records", "Record processing failures per task, cumulative while the task lives.",
            connector_label=True),
        MetricDef("jvm_heap_used", _both("jvm_memory_used_bytes"), "bytes",
                  "JVM heap in use on each worker.", extra=(Matcher("area", "=", "heap"),)),
        MetricDef("up", _both("up"), "0/1", "Scrape health of each MM2 worker target."),
        MetricDef("cert_expiry", _both("probe_ssl_earliest_cert_expiry"), "unix seconds",
                  "Expiry time of the earliest certificate in the chain (blackbox_exporter).",
                  scope="plain"),
    ]
}


@dataclass(frozen=True)
class QuerySpec:
    """A named logical input of the analyses."""

    name: str
    unit: str
    meaning: str
    build: Callable[["_Context"], str] = field(repr=False)
    per_partition: bool = False  # large: fetch at instants, not over a range
    optional: bool = False  # needs configuration the campaign may not have (probe)

    def needs(self, campaign: "Campaign") -> bool:
        return not self.optional or campaign.metrics.probe is not None


class _Context:
    """What a query builder needs: metric selectors and windows for one campaign."""

    def __init__(self, campaign: "Campaign", range_: str | None):
        self.c = campaign
        m = campaign.metrics
        self.rate_window = f"{int(3 * campaign.source.scrape_interval.total_seconds())}s"
        self.range = range_ or self.rate_window
        self.src_topics = f"(?:{m.topics})"
        if m.replication_policy == "identity":
            self.remote_topics = self.src_topics
        else:
            self.remote_topics = f"{regex_escape(m.source_alias + m.separator)}(?:{m.topics})"

    def sel(self, key: str, extra: tuple[Matcher, ...] = ()) -> str:
        """``name{matchers}`` for a catalog metric in this campaign (plus ``extra`` matchers)."""
        metric = METRICS[key]
        m = self.c.metrics
        profile = PROFILES[m.profile]
        override = m.overrides.get(key)
        name = (override.name if override and override.name else None) or \
            _jmx_exporter_name(metric.names[profile.naming], m.jmx_exporter)
        matchers: list[Matcher] = list(metric.extra)
        scope_selector = {
            "mm2": m.mm2_selector,
            "source_exporter": m.source_exporter_selector,
            "target_exporter": m.target_exporter_selector,
            "plain": "",
        }[metric.scope]
        matchers += parse_selector(scope_selector)
        if metric.topic == "remote":
            matchers.append(Matcher("topic", "=~", self.remote_topics))
        elif metric.topic == "source" and metric.client_label:
            # Kafka tags client fetch metrics with the topic's dots replaced by '_' (3.x only
            # so; 4.x adds the dotted tag beside it): accept both spellings
            matchers.append(Matcher("topic", "=~", f"(?:{dot_or_underscore(m.topics)})"))
        elif metric.topic == "source":
            matchers.append(Matcher("topic", "=~", self.src_topics))
        if key in ("record_count", "replication_latency_max", "replication_latency_avg",
                   "record_age_max"):
            matchers.append(Matcher("target", "=", m.target_alias))
        if metric.connector_label:
            # The default name is this campaign's own flow, so that a bidirectional MM2's
            # reverse connector (b->a.MirrorSourceConnector) is never counted.
            if profile.naming == "jmx":  # JMX quotes ids holding '>'
                matchers.append(Matcher("connector", "=~", f'"?(?:{m.connector_regex})"?'))
            else:
                matchers.append(Matcher("connector", "=~", m.connector_regex))
        if metric.client_label:
            flow = regex_escape(f"{m.source_alias}->{m.target_alias}")
            # a client.id set by the user is prefixed to the id: '<client.id>|<flow>|…'
            matchers.append(Matcher(profile.client_label, "=~",
                                    f'"?(?:(?:\\w|-|\\.)+\\|)?{flow}\\|.*\\|replication-consumer"?'))
        if metric.jmx_attribute and profile.naming == "jmx":  # e.g. records-lag-max as records_lag
            matchers.append(Matcher("_objectname", "=~", f"(?:.*<>{metric.jmx_attribute})?"))
        if override and override.selector:
            matchers += parse_selector(override.selector)
        matchers += extra
        return name + "{" + ", ".join(x.render() for x in matchers) + "}"

    def lag(self) -> str:
        """The replication consumer's records-lag, without Kafka's '_' twin of dotted topics.

        Kafka tags each per-partition fetch metric twice, ``topic="orders.v1"`` and
        ``topic="orders_v1"``; Kafka refuses topics that collide that way, so a series whose topic
        is a dotted topic's name with '.' replaced by '_' (up to three dots) is a twin."""
        x = _known(self.sel("consumer_lag"))
        # label_replace leaves a series it does not match unchanged: only dotted topics go in
        twin = _known(self.sel("consumer_lag", (Matcher("topic", "=~", r".*\..*"),)))
        for _ in range(3):
            twin = f'label_replace({twin}, "topic", "${{1}}_${{2}}", "topic", {_LAST_DOT})'
        label = PROFILES[self.c.metrics.profile].client_label
        return f"({x} unless on ({label}, topic, partition) {twin})"

    def alive(self, expr: str) -> str:
        """Keep only the series of workers whose last scrape succeeded.

        A live Prometheus marks a dead worker's series stale at once, but a server fed by
        remote write or a backfill keeps showing its last task counts for the whole lookback
        window; joining on ``up == 1`` makes both count only the workers that answer. The
        join is on the labels that tell one worker from another: ``metrics.worker_labels``,
        by default the profile's (``instance``, or a pod name when they share an address)."""
        labels = ", ".join(self.c.metrics.worker_identity)
        return f"({expr} and on ({labels}) ({self.sel('up')} == 1))"

    def tasks(self, key: str) -> str:
        """Task count of the connector over the live workers; 0 (not missing) when the live
        workers report that they run no connector at all.

        A Connect worker that loses its own Kafka (the cluster its config, offsets and status
        topics live on) stops every connector and task: their series vanish while the worker
        still answers scrapes with ``connector-count`` 0. That is a measured outage, not missing
        data. A connector count above 0 without task series (a wrong connector name) stays
        missing."""
        none = f"(sum({self.alive(self.sel('connectors'))}) == 0)"
        return f"(sum({self.alive(self.sel(key))}) or (0 * {none}))"

    def probe(self, suffix: str = "") -> str:
        probe = self.c.metrics.probe
        if probe is None:
            raise CatalogError("this query needs metrics.probe in the campaign parameters")
        return probe.histogram + suffix + "{" + ", ".join(
            x.render() for x in parse_selector(probe.selector)
        ) + "}"


def dot_or_underscore(regex: str) -> str:
    """``regex`` also matching a topic name whose dots Kafka replaced by '_': every escaped
    dot ``\\.`` becomes ``[._]`` (inside a character class, ``\\._``); an unescaped ``.``
    already matches '_'."""
    out, i, in_class = [], 0, False
    while i < len(regex):
        ch = regex[i]
        if ch == "\\" and i + 1 < len(regex):
            pair = regex[i:i + 2]
            out.append(("\\._" if in_class else "[._]") if pair == "\\." else pair)
            i += 2
            continue
        if ch == "[" and not in_class:
            in_class = True
        elif ch == "]" and in_class:
            in_class = False
        out.append(ch)
        i += 1
    return "".join(out)


_LAST_DOT = r'"(.*)\\.(.*)"'  # PromQL string: the regex (.*)\.(.*), greedy: the last dot


def _jmx_exporter_name(name: str, version: str) -> str:
    """jmx_exporter 0.x spelled the JVM families and gauge totals otherwise than 1.x."""
    if version == "0.x":
        if name == "jvm_memory_used_bytes":
            return "jvm_memory_bytes_used"
        if name == "kafka_connect_worker_rebalance_completed_rebalances":
            return name + "_total"
    return name


def _known(expr: str) -> str:
    """Drop NaN samples (idle windowed gauges) before aggregating."""
    return f"({expr} >= -Inf)"


QUERIES: dict[str, QuerySpec] = {
    q.name: q
    for q in [
        QuerySpec("replicated_rate", "records/s",
                  "Records replicated per second, all partitions (irate of record_count).",
                  lambda x: f"sum(irate({x.sel('record_count')}[{x.rate_window}]))"),
        QuerySpec("replicated_rate_by_topic", "records/s",
                  "Records replicated per second, per remote topic.",
                  lambda x: f"sum by (topic) (irate({x.sel('record_count')}[{x.rate_window}]))"),
        QuerySpec("offered_rate", "records/s",
                  "Records produced per second on the replicated source topics (end offsets).",
                  lambda x: f"sum(irate({x.sel('source_end_offset')}[{x.rate_window}]))"),
        QuerySpec("offered_rate_by_topic", "records/s",
                  "Records produced per second, per source topic.",
                  lambda x: f"sum by (topic) (irate({x.sel('source_end_offset')}[{x.rate_window}]))"),
        QuerySpec("target_rate", "records/s",
                  "Records written per second to the remote topics on the target (end offsets).",
                  lambda x: f"sum(irate({x.sel('target_end_offset')}[{x.rate_window}]))"),
        QuerySpec("source_offsets", "offset",
                  "End offset of each replicated source partition.",
                  lambda x: f"max by (topic, partition) ({x.sel('source_end_offset')})",
                  per_partition=True),
        QuerySpec("target_offsets", "offset",
                  "End offset of each remote partition on the target.",
                  lambda x: f"max by (topic, partition) ({x.sel('target_end_offset')})",
                  per_partition=True),
        QuerySpec("latency_max", "ms",
                  "Highest replication latency over all partitions, per scrape (window max).",
                  lambda x: f"max({_known(x.sel('replication_latency_max'))})"),
        QuerySpec("latency_avg", "ms",
                  "Mean of the partitions' windowed average replication latency, per scrape.",
                  lambda x: f"avg({_known(x.sel('replication_latency_avg'))})"),
        QuerySpec("record_age_max", "ms",
                  "Highest record age at poll time over all partitions, per scrape.",
                  lambda x: f"max({_known(x.sel('record_age_max'))})"),
        QuerySpec("consumer_lag", "records",
                  "Records not yet replicated: the replication consumer's lag summed over source "
                  "partitions, plus the records polled and not yet acknowledged by the target.",
                  lambda x: f"(sum({x.lag()}) + sum({x.alive(x.sel('active_records'))}))"),
        QuerySpec("consumer_lag_max", "records",
                  "Highest replication consumer lag of a single partition.",
                  lambda x: f"max({x.lag()})"),
        QuerySpec("consumer_lag_by_partition", "records",
                  "Replication consumer lag of each source partition (records not yet replicated).",
                  lambda x: f"max by (topic, partition) ({x.lag()})",
                  per_partition=True),
        QuerySpec("tasks_running", "tasks", "Running tasks of the connector, all workers.",
                  lambda x: x.tasks("running_tasks")),
        QuerySpec("tasks_total", "tasks", "Assigned tasks of the connector, all workers.",
                  lambda x: x.tasks("total_tasks")),
        QuerySpec("tasks_failed", "tasks", "Failed tasks of the connector, all workers.",
                  lambda x: x.tasks("failed_tasks")),
        QuerySpec("workers", "workers", "Connect workers reporting (one rebalance series each).",
                  lambda x: f"count({x.alive(x.sel('rebalancing'))})"),
        QuerySpec("rebalancing", "0/1", "1 when any worker is rebalancing.",
                  lambda x: f"max({x.alive(x.sel('rebalancing'))})"),
        QuerySpec("rebalance_max_time", "ms", "Connect's rebalance-max-time, highest over workers.",
                  lambda x: f"max({_known(x.sel('rebalance_max_time'))})"),
        QuerySpec("rebalances_completed", "rebalances",
                  "Group rebalances each live worker completed since its JVM started (one series "
                  "per worker; a restart starts it again from 0).",
                  lambda x: f"max by ({', '.join(x.c.metrics.worker_identity)}) "
                            f"({x.alive(x.sel('completed_rebalances'))})"),
        QuerySpec("record_errors_rate", "records/s", "Task record errors per second.",
                  lambda x: f"sum(irate({x.sel('record_errors')}[{x.rate_window}]))"),
        QuerySpec("record_failures_rate", "records/s", "Task record failures per second.",
                  lambda x: f"sum(irate({x.sel('record_failures')}[{x.rate_window}]))"),
        QuerySpec("jvm_heap_used", "bytes", "JVM heap used, per worker.",
                  lambda x: f"sum without (area, id) ({x.sel('jvm_heap_used')})"),
        QuerySpec("up", "0/1", "Scrape health, per MM2 worker target.",
                  lambda x: x.sel("up")),
        QuerySpec("cert_expiry", "unix seconds", "Earliest certificate expiry time.",
                  lambda x: f"min({x.sel('cert_expiry')})"),
        QuerySpec("cert_expiry_by_target", "unix seconds",
                  "Earliest certificate expiry time of each probed target.",
                  lambda x: f"min by (instance, target) ({x.sel('cert_expiry')})"),
        QuerySpec("probe_latency_buckets", "records",
                  "End-to-end probe histogram: records per latency bucket over the range.",
                  lambda x: f"sum by (le) (increase({x.probe('_bucket')}[{x.range}]))",
                  optional=True),
        QuerySpec("probe_lost", "records", "Records the probe reports lost over the range.",
                  lambda x: _probe_lost(x), optional=True),
    ]
}


def _probe_lost(x: _Context) -> str:
    probe = x.c.metrics.probe
    if probe is None or probe.loss_counter is None:
        raise CatalogError("probe_lost needs metrics.probe.loss_counter in the campaign parameters")
    matchers = ", ".join(m.render() for m in parse_selector(probe.selector))
    return f"sum(increase({probe.loss_counter}{{{matchers}}}[{x.range}]))"


def render(name: str, campaign: "Campaign", *, range_: str | None = None) -> str:
    """Render the named query to PromQL for ``campaign``.

    ``range_`` sets the ``[range]`` of the queries that integrate over a range (probe histogram,
    probe loss); it defaults to the rate window.
    """
    try:
        spec = QUERIES[name]
    except KeyError:
        raise CatalogError(f"unknown query {name!r}; known queries: {', '.join(QUERIES)}") from None
    return spec.build(_Context(campaign, range_))


def needed_queries(campaign: "Campaign") -> list[str]:
    """Names of the catalog queries this campaign can and should record."""
    names = [q.name for q in QUERIES.values() if q.needs(campaign)]
    if campaign.metrics.probe is None or campaign.metrics.probe.loss_counter is None:
        names = [n for n in names if n != "probe_lost"]
    return names


__all__ = ["METRICS", "PROFILES", "Profile", "QUERIES", "MetricDef", "QuerySpec", "needed_queries", "quote", "render"]
