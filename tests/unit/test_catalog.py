"""Metric catalog and PromQL helpers, checked against the catalog docstring and PromQL semantics.

Rendered queries are taken apart with a small decoder written here (JSON string rules, which match
the escapes PromQL double-quoted strings use for ``\\``, ``"``, ``\\n`` and ``\\t``), not with
``promql.parse_selector``, so a bug shared by the renderer and the parser cannot hide itself.
Regular expressions are checked for *meaning* (what they fully match, PromQL regexes being
anchored), not for their spelling.
"""

from __future__ import annotations

import copy
import json
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import datasets
from mm2report import catalog
from mm2report.errors import CatalogError
from mm2report.params import validate_campaign
from mm2report.promql import Matcher, parse_selector, quote, regex_escape

FLAVOURS = ("strimzi-jmx", "strimzi-metrics-reporter")

MINIMAL = {
    "campaign": {"name": "cat", "client": "ACME"},
    "source": {"url": "http://127.0.0.1:9090"},
    "metrics": {
        **datasets.TWO_TOPICS_METRICS,
    },
    "phases": {"nominal": {"start": "2026-11-16T16:00:00Z", "end": "2026-11-16T18:00:00Z"}},
}

PROBE = {"histogram": "mm2_probe_latency_seconds", "loss_counter": "mm2_probe_lost_total",
         "selector": 'job="mm2-probe"'}

NAN_PRONE = ("latency_max", "latency_avg", "record_age_max", "consumer_lag_max", "rebalance_max_time")
RATE_QUERIES = ("replicated_rate", "replicated_rate_by_topic", "offered_rate",
                "offered_rate_by_topic", "target_rate", "record_errors_rate",
                "record_failures_rate")


def make(metrics: dict | None = None, source: dict | None = None):
    data = copy.deepcopy(MINIMAL)
    data["metrics"].update(metrics or {})
    data["source"].update(source or {})
    return validate_campaign(data)


# ------------------------------------------------------------------------------------------
# An independent reader of rendered PromQL
# ------------------------------------------------------------------------------------------

_STRING = r'"(?:[^"\\]|\\.)*"'
_SELECTOR = re.compile(r"([a-zA-Z_:][a-zA-Z0-9_:]*)\{((?:[^{}\"]|" + _STRING + r")*)\}")
_MATCHER = re.compile(r'\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*(' + _STRING + r')\s*(,|$)')


def _decode(literal: str) -> str:
    return json.loads(literal, strict=False)


def selectors(promql: str) -> list[tuple[str, list[tuple[str, str, str]]]]:
    """Every ``name{matchers}`` of ``promql`` with its decoded matchers."""
    out = []
    for m in _SELECTOR.finditer(promql):
        body, pos, matchers = m.group(2), 0, []
        while pos < len(body.strip()):
            mm = _MATCHER.match(body, pos)
            assert mm, f"cannot read matchers {body!r} of {promql!r}"
            matchers.append((mm.group(1), mm.group(2), _decode(mm.group(3))))
            pos = mm.end()
        out.append((m.group(1), matchers))
    return out


def only_selector(promql: str) -> tuple[str, list[tuple[str, str, str]]]:
    """The query's one metric selector (a worker query's ``up == 1`` guard aside)."""
    # the lag queries name their selector again, narrowed to dotted topics, to drop Kafka's
    # '_' twins: a same-named selector holding all the first one's matchers is that twin
    found = selectors(promql)
    found = found[:1] + [(n, m) for n, m in found[1:]
                         if not (n == found[0][0] and set(found[0][1]) <= set(m))]
    # the task counts fall back on the live workers' connector count (0 connectors: 0 tasks)
    found = [(n, m) for n, m in found if n not in CONNECTOR_COUNT]
    if found[1:] and {n for n, _ in found[1:]} == {"up"} and "and on (" in promql:
        found = found[:1]
    assert len(found) == 1, promql
    return found[0]


CONNECTOR_COUNT = {"kafka_connect_worker_connector_count",
                   "kafka_connect_connect_worker_metrics_connector_count"}


def matcher_values(promql: str, label: str, op: str | None = None) -> list[str]:
    _, matchers = only_selector(promql)
    return [v for (l, o, v) in matchers if l == label and (op is None or o == op)]


def promql_regex_matches(regex: str, value: str) -> bool:
    """PromQL regex matchers are fully anchored."""
    return re.fullmatch(regex, value) is not None


def balanced(promql: str) -> bool:
    depth = {"(": 0, "{": 0, "[": 0}
    closing = {")": "(", "}": "{", "]": "["}
    stripped = re.sub(_STRING, '""', promql)
    for ch in stripped:
        if ch in depth:
            depth[ch] += 1
        elif ch in closing:
            depth[closing[ch]] -= 1
            if depth[closing[ch]] < 0:
                return False
    return all(v == 0 for v in depth.values())


def test_the_reader_itself_decodes_escapes():
    sel = only_selector(r'm{a="x\"y\\z\nw", b=~"p\\.q"}')
    assert sel == ("m", [("a", "=", 'x"y\\z\nw'), ("b", "=~", r"p\.q")])


# ------------------------------------------------------------------------------------------
# promql.quote / parse_selector / regex_escape
# ------------------------------------------------------------------------------------------

TRICKY_VALUES = ['say "hi"', "C:\\dir\\file", "line1\nline2", 'mix "\\"\n\t end', "",
                 "\\", '"', "é ü 中文", "tab\there", "a'b", "}{,=~"]


@pytest.mark.parametrize("value", TRICKY_VALUES)
def test_quote_roundtrips_through_parse_selector(value):
    assert parse_selector(f"label={quote(value)}") == [Matcher("label", "=", value)]


@pytest.mark.parametrize("value", TRICKY_VALUES)
def test_quote_is_a_valid_double_quoted_literal(value):
    literal = quote(value)
    assert literal.startswith('"') and literal.endswith('"')
    assert "\n" not in literal  # a raw newline ends a PromQL string: must be escaped
    assert _decode(literal) == value


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_quote_roundtrip_property(value):
    assert parse_selector("x=" + quote(value)) == [Matcher("x", "=", value)]
    assert "\n" not in quote(value)


_LABELS = st.from_regex(r"[a-zA-Z_][a-zA-Z0-9_]{0,8}", fullmatch=True)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(_LABELS, st.sampled_from(["=", "!=", "=~", "!~"]), st.text(max_size=12)),
                max_size=5),
       st.booleans())
def test_rendered_matchers_parse_back(items, braces):
    matchers = [Matcher(l, op, regex_escape(v) if "~" in op else v) for l, op, v in items]
    text = ", ".join(m.render() for m in matchers)
    if braces:
        text = "{" + text + "}"
    assert parse_selector(text) == matchers


def test_parse_selector_accepts_documented_forms():
    expected = [Matcher("a", "=", "x"), Matcher("b", "=~", "y|z")]
    assert parse_selector('a="x", b=~"y|z"') == expected
    assert parse_selector('{a="x", b=~"y|z"}') == expected
    assert parse_selector('  { a = "x" ,b=~"y|z" }  ') == expected
    assert parse_selector("a='x', b=~'y|z'") == expected
    assert parse_selector("a='say \"hi\"'") == [Matcher("a", "=", 'say "hi"')]
    assert parse_selector(r"a='it\'s'") == [Matcher("a", "=", "it's")]
    assert parse_selector('a!="x",b!~"y"') == [Matcher("a", "!=", "x"), Matcher("b", "!~", "y")]
    assert parse_selector("") == [] and parse_selector("{}") == []


@pytest.mark.parametrize("text", [
    "namespace=kafka",          # unquoted value
    'a=="x"',                   # bad operator
    'a~"x"',
    'a="x" b="y"',              # missing comma
    '="x"',                     # no label
    '1a="x"',                   # label cannot start with a digit
    'a="x',                     # unterminated
    "a='x\"",                   # mismatched quotes
    r'a="\q"',                  # unknown escape
    'a=~"("',                   # invalid regex
    'a="x",,b="y"',
    ',a="x"',
    '{a="x"',
    'a="x"}',
    "a",
    "a=",
    "garbage!",
])
def test_parse_selector_rejects_garbage(text):
    with pytest.raises(ValueError):
        parse_selector(text)


def test_regex_escape_matches_literally():
    escaped = regex_escape("primary.orders")
    assert promql_regex_matches(escaped, "primary.orders")
    assert not promql_regex_matches(escaped, "primaryXorders")
    assert re.search(escaped, "primaryXorders") is None


@pytest.mark.parametrize("text", ["a.b+c*d?e(f)g|h[i]j{k}l^m$n\\o", "x|y", "(", "[a-z]", "a{2}",
                                  "$", "^start", "back\\slash"])
def test_regex_escape_metacharacters(text):
    escaped = regex_escape(text)
    assert promql_regex_matches(escaped, text)
    # One character changed must not match any more (the escape really is literal).
    for i in range(len(text)):
        other = text[:i] + ("Z" if text[i] != "Z" else "Y") + text[i + 1:]
        assert not promql_regex_matches(escaped, other), (text, other)


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_regex_escape_property(text):
    assert re.fullmatch(regex_escape(text), text) is not None


# ------------------------------------------------------------------------------------------
# Rendering
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("flavour", FLAVOURS)
@pytest.mark.parametrize("name", list(catalog.QUERIES))
def test_every_query_renders_for_both_flavours(name, flavour):
    campaign = make({"flavour": flavour, "probe": PROBE})
    promql = catalog.render(name, campaign)
    assert promql.strip() and balanced(promql), promql
    assert selectors(promql), promql


def test_flavours_use_their_own_metric_names():
    jmx = make({"flavour": "strimzi-jmx"})
    reporter = make({"flavour": "strimzi-metrics-reporter"})
    # Names from the design brief (JMX) and metrics-catalog.md (metrics reporter).
    assert only_selector(catalog.render("tasks_running", jmx))[0] == \
        "kafka_connect_worker_connector_running_task_count"
    assert only_selector(catalog.render("consumer_lag_max", jmx))[0] == \
        "kafka_consumer_fetch_manager_records_lag"
    assert only_selector(catalog.render("consumer_lag_max", reporter))[0] == \
        "kafka_consumer_consumer_fetch_manager_metrics_records_lag"
    assert only_selector(catalog.render("rebalancing", jmx))[0] == \
        "kafka_connect_worker_rebalance_rebalancing"
    assert only_selector(catalog.render("record_errors_rate", jmx))[0] == \
        "kafka_connect_task_error_total_record_errors"
    for flavour_campaign in (jmx, reporter):
        assert only_selector(catalog.render("replicated_rate", flavour_campaign))[0] == \
            "kafka_connect_mirror_mirrorsourceconnector_record_count"
        assert only_selector(catalog.render("latency_max", flavour_campaign))[0] == \
            "kafka_connect_mirror_mirrorsourceconnector_replication_latency_ms_max"
    differs = [n for n in catalog.QUERIES if not catalog.QUERIES[n].optional
               and catalog.render(n, jmx) != catalog.render(n, reporter)]
    assert "tasks_running" in differs and "consumer_lag" in differs


def test_unknown_query_names_the_known_ones():
    with pytest.raises(CatalogError) as info:
        catalog.render("latency_p42", make())
    message = str(info.value)
    assert "latency_p42" in message
    for known in ("replicated_rate", "consumer_lag", "tasks_running", "cert_expiry"):
        assert known in message


@pytest.mark.parametrize("policy,topic,matches", [
    ("default", "primary.orders", True),
    ("default", "primary.payments", True),
    ("default", "orders", False),
    ("default", "primaryXorders", False),
    ("default", "backup.orders", False),
    ("default", "primary.orders2", False),
    ("default", "xprimary.orders", False),
    ("identity", "orders", True),
    ("identity", "payments", True),
    ("identity", "primary.orders", False),
    ("identity", "orders2", False),
])
def test_remote_topic_matcher_follows_replication_policy(policy, topic, matches):
    campaign = make({"replication_policy": policy})
    for name in ("replicated_rate", "latency_max", "target_rate", "target_offsets"):
        values = matcher_values(catalog.render(name, campaign), "topic", "=~")
        assert len(values) == 1, (name, values)
        assert promql_regex_matches(values[0], topic) is matches, (name, values[0], topic)


def test_source_alias_is_escaped_in_remote_topics():
    campaign = make({"source_alias": "dc.1", "target_alias": "dc2"})
    (regex,) = matcher_values(catalog.render("replicated_rate", campaign), "topic", "=~")
    assert promql_regex_matches(regex, "dc.1.orders")
    assert not promql_regex_matches(regex, "dcX1.orders")


def test_source_topics_are_unprefixed_under_both_policies():
    for policy in ("default", "identity"):
        campaign = make({"replication_policy": policy})
        for name in ("offered_rate", "source_offsets", "consumer_lag_max"):
            (regex,) = matcher_values(catalog.render(name, campaign), "topic", "=~")
            assert promql_regex_matches(regex, "orders") and promql_regex_matches(regex, "payments")
            assert not promql_regex_matches(regex, "primary.orders")


def test_topic_alternation_is_grouped():
    # "orders|payments" must not become "primary\.orders|payments" (which would match a bare
    # "payments" topic on the target).
    (regex,) = matcher_values(catalog.render("replicated_rate", make()), "topic", "=~")
    assert not promql_regex_matches(regex, "payments")


def test_mm2_series_are_restricted_to_the_target_alias():
    campaign = make()
    for name in ("replicated_rate", "latency_max", "latency_avg", "record_age_max"):
        assert matcher_values(catalog.render(name, campaign), "target") == ["backup"], name


def test_exporter_selectors_tell_source_from_target():
    campaign = make()
    assert matcher_values(catalog.render("offered_rate", campaign), "job", "=") == \
        ["kafka-exporter-source"]
    assert matcher_values(catalog.render("source_offsets", campaign), "job", "=") == \
        ["kafka-exporter-source"]
    assert matcher_values(catalog.render("target_rate", campaign), "job", "=") == \
        ["kafka-exporter-target"]
    assert matcher_values(catalog.render("target_offsets", campaign), "job", "=") == \
        ["kafka-exporter-target"]


def test_mm2_selector_is_applied_with_its_quoting_intact():
    campaign = make({"mm2_selector": r'namespace="ka\"fka", pod=~"mm2-\\d+"'})
    for name in ("replicated_rate", "tasks_running", "workers", "up", "jvm_heap_used"):
        promql = catalog.render(name, campaign)
        assert matcher_values(promql, "namespace", "=") == ['ka"fka'], name
        (pod,) = matcher_values(promql, "pod", "=~")
        assert promql_regex_matches(pod, "mm2-12") and not promql_regex_matches(pod, "mm2-x")


def test_overrides_replace_the_name_and_add_matchers():
    campaign = make({"overrides": {
        "record_count": {"name": "mm2_records_total", "selector": 'env="prod", dc=~"eu-.*"'},
        "source_end_offset": {"name": "src_offset"},
        "running_tasks": {"selector": 'cluster="mm2-a"'},
    }})
    name, matchers = only_selector(catalog.render("replicated_rate", campaign))
    assert name == "mm2_records_total"
    assert ("env", "=", "prod") in matchers and ("dc", "=~", "eu-.*") in matchers
    # the catalog's own matchers stay
    assert any(l == "topic" for l, _, _ in matchers) and ("target", "=", "backup") in matchers
    assert "kafka_connect_mirror_mirrorsourceconnector_record_count" not in \
        catalog.render("replicated_rate", campaign)
    # an override of the source offsets leaves the target offsets alone (same default name)
    assert only_selector(catalog.render("offered_rate", campaign))[0] == "src_offset"
    assert only_selector(catalog.render("target_rate", campaign))[0] == \
        "kafka_topic_partition_current_offset"
    # selector-only override keeps the default name
    name, matchers = only_selector(catalog.render("tasks_running", campaign))
    assert name == "kafka_connect_worker_connector_running_task_count"
    assert ("cluster", "=", "mm2-a") in matchers
    # metrics without an override are untouched
    assert only_selector(catalog.render("latency_max", campaign))[0] == \
        "kafka_connect_mirror_mirrorsourceconnector_replication_latency_ms_max"


def test_jmx_flavour_matches_quoted_connector_ids():
    campaign = make({"flavour": "strimzi-jmx", "connector": r"primary->backup\.MirrorSourceConnector"})
    for name in ("tasks_running", "tasks_total", "tasks_failed", "record_errors_rate"):
        (regex,) = matcher_values(catalog.render(name, campaign), "connector", "=~")
        assert promql_regex_matches(regex, '"primary->backup.MirrorSourceConnector"'), name
        assert promql_regex_matches(regex, "primary->backup.MirrorSourceConnector"), name
        assert not promql_regex_matches(regex, '"backup->primary.MirrorSourceConnector"'), name
        assert not promql_regex_matches(regex, '"primary->backup.MirrorCheckpointConnector"'), name


def test_jmx_flavour_default_connector_matches_quoted_ids():
    (regex,) = matcher_values(catalog.render("tasks_running", make()), "connector", "=~")
    assert promql_regex_matches(regex, '"primary->backup.MirrorSourceConnector"')
    assert not promql_regex_matches(regex, '"primary->backup.MirrorCheckpointConnector"')
    assert not promql_regex_matches(regex, '"primary->backup.MirrorHeartbeatConnector"')


def test_default_connector_selects_only_the_campaign_flow():
    for flavour in FLAVOURS:
        (regex,) = matcher_values(catalog.render("tasks_running", make({"flavour": flavour})),
                                  "connector", "=~")
        assert not promql_regex_matches(regex, '"backup->primary.MirrorSourceConnector"')
        assert not promql_regex_matches(regex, "backup->primary.MirrorSourceConnector")


def test_metrics_reporter_flavour_matches_unquoted_connector_ids():
    campaign = make({"flavour": "strimzi-metrics-reporter",
                     "connector": r"primary->backup\.MirrorSourceConnector"})
    (regex,) = matcher_values(catalog.render("tasks_running", campaign), "connector", "=~")
    assert promql_regex_matches(regex, "primary->backup.MirrorSourceConnector")
    assert not promql_regex_matches(regex, "backup->primary.MirrorSourceConnector")


@pytest.mark.parametrize("flavour,label,quoted", [
    ("strimzi-jmx", "clientid", True),
    ("strimzi-metrics-reporter", "client_id", False),
])
def test_consumer_lag_targets_only_the_campaign_flow(flavour, label, quoted):
    campaign = make({"flavour": flavour})
    q = (lambda s: f'"{s}"') if quoted else (lambda s: s)
    for name in ("consumer_lag_max", "consumer_lag_by_partition"):
        (regex,) = matcher_values(catalog.render(name, campaign), label, "=~")
        ok = "primary->backup|primary->backup.MirrorSourceConnector-0|replication-consumer"
        assert promql_regex_matches(regex, q(ok)), (name, regex)
        assert promql_regex_matches(
            regex, q("primary->backup|primary->backup.MirrorSourceConnector-11|replication-consumer"))
        # a user-set client.id is prefixed (MirrorConnectorConfig.addClientId): '<id>|<flow>|…'
        assert promql_regex_matches(regex, q("mm2-prod|" + ok))
        for bad in (
            "backup->primary|backup->primary.MirrorSourceConnector-0|replication-consumer",
            "primary->backup|primary->backup.MirrorSourceConnector-0|offset-syncs-source-consumer",
            "primary->backupX|primary->backup.MirrorSourceConnector-0|replication-consumer",
            "a|b|primary->backup|x|replication-consumer",
            "backup->primary|x|primary->backup|replication-consumer",
        ):
            assert not promql_regex_matches(regex, q(bad)), (name, regex, bad)


def test_consumer_lag_flow_escapes_aliases():
    campaign = make({"source_alias": "dc.1", "target_alias": "dc.2"})
    (regex,) = matcher_values(catalog.render("consumer_lag_max", campaign), "clientid", "=~")
    assert promql_regex_matches(regex, '"dc.1->dc.2|dc.1->dc.2.MirrorSourceConnector-0|replication-consumer"')
    assert not promql_regex_matches(regex, '"dcX1->dc.2|c-0|replication-consumer"')


_AGGREGATION = re.compile(r"^(sum|max|avg|min|count)\s*\((?P<arg>.*)\)$", re.S)


@pytest.mark.parametrize("flavour", FLAVOURS)
@pytest.mark.parametrize("name", NAN_PRONE)
def test_nan_prone_aggregations_filter_nan_first(name, flavour):
    promql = catalog.render(name, make({"flavour": flavour}))
    m = _AGGREGATION.match(promql.strip())
    assert m, promql
    arg = m.group("arg").strip()
    # the lag queries aggregate "(<filtered> unless on (…) <its '_' twins>)": the kept side
    twins = re.fullmatch(r"\((?P<kept>\(.*?>=\s*-Inf\s*\)) unless on \([^)]*\) label_replace.*\)", arg, re.S)
    if name.startswith("consumer_lag"):
        assert twins, promql
        arg = twins.group("kept")
    # the aggregated vector is "(<selector> >= -Inf)": NaN >= -Inf is false, so NaN is dropped
    inner = re.fullmatch(r"\((?P<sel>.*)\s*>=\s*-Inf\s*\)", arg, re.S)
    assert inner, promql
    assert len(selectors(inner.group("sel"))) == 1
    assert not re.search(r"\bbool\b", promql)  # a bool comparison would keep NaN as 0


@pytest.mark.parametrize("scrape,window", [("15s", "45s"), ("30s", "90s"), ("1m", "180s")])
def test_rates_use_irate_over_three_scrape_intervals(scrape, window):
    campaign = make(source={"scrape_interval": scrape, "step": scrape})
    for name in RATE_QUERIES:
        promql = catalog.render(name, campaign)
        ranges = re.findall(r"\[([^\]]+)\]", promql)
        assert ranges == [window], (name, promql)
        assert "irate(" in promql, promql
        assert not re.search(r"(?<![a-z])rate\(|increase\(|delta\(", promql), promql


def test_no_non_probe_query_uses_a_minute_window():
    campaign = make()
    for name, spec in catalog.QUERIES.items():
        if spec.optional:
            continue
        promql = catalog.render(name, campaign)
        for window in re.findall(r"\[([^\]]+)\]", promql):
            assert window == "45s", (name, promql)


def test_probe_queries_need_a_probe():
    campaign = make()
    for name in ("probe_latency_buckets", "probe_lost"):
        with pytest.raises(CatalogError):
            catalog.render(name, campaign)
    needed = catalog.needed_queries(campaign)
    assert "probe_latency_buckets" not in needed and "probe_lost" not in needed
    # everything else is needed and renders
    assert set(needed) == {n for n, s in catalog.QUERIES.items() if not s.optional}
    for name in needed:
        catalog.render(name, campaign)


def test_probe_queries_with_a_probe():
    campaign = make({"probe": PROBE})
    needed = catalog.needed_queries(campaign)
    assert "probe_latency_buckets" in needed and "probe_lost" in needed
    buckets = catalog.render("probe_latency_buckets", campaign, range_="2h")
    name, matchers = only_selector(buckets)
    assert name == "mm2_probe_latency_seconds_bucket"
    assert ("job", "=", "mm2-probe") in matchers
    assert re.search(r"\bby\s*\(\s*le\s*\)", buckets)
    assert re.findall(r"\[([^\]]+)\]", buckets) == ["2h"]
    lost = catalog.render("probe_lost", campaign, range_="7200s")
    name, matchers = only_selector(lost)
    assert name == "mm2_probe_lost_total" and ("job", "=", "mm2-probe") in matchers
    assert re.findall(r"\[([^\]]+)\]", lost) == ["7200s"]
    # without range_ the window defaults to the rate window
    assert re.findall(r"\[([^\]]+)\]", catalog.render("probe_lost", campaign)) == ["45s"]


def test_probe_without_loss_counter():
    campaign = make({"probe": {"histogram": "mm2_probe_latency_seconds"}})
    needed = catalog.needed_queries(campaign)
    assert "probe_latency_buckets" in needed and "probe_lost" not in needed
    with pytest.raises(CatalogError):
        catalog.render("probe_lost", campaign)
    assert only_selector(catalog.render("probe_latency_buckets", campaign))[0] == \
        "mm2_probe_latency_seconds_bucket"


def test_needed_queries_are_known_and_unique():
    for campaign in (make(), make({"probe": PROBE})):
        needed = catalog.needed_queries(campaign)
        assert len(needed) == len(set(needed))
        assert set(needed) <= set(catalog.QUERIES)


def test_per_partition_queries_are_the_offsets_and_the_lag():
    assert {n for n, s in catalog.QUERIES.items() if s.per_partition} == \
        {"source_offsets", "target_offsets", "consumer_lag_by_partition"}


@pytest.mark.parametrize("name", ["tasks_running", "tasks_total", "tasks_failed", "workers",
                                  "rebalancing"])
def test_worker_queries_count_only_workers_that_answer(name):
    # Without staleness markers (remote write, backfill) a dead worker's last task counts stay
    # visible for the lookback window; the up == 1 guard drops them.
    promql = catalog.render(name, make())
    names = [n for n, _ in selectors(promql)]
    # every selector is guarded: each one is followed by its `up == 1` join
    if name.startswith("tasks_"):
        assert names[1:] == ["up", "kafka_connect_worker_connector_count", "up"], promql
    else:
        assert names[1:] == ["up"], promql
    assert promql.count("and on (instance) (up{") == names.count("up") and "== 1)" in promql
    assert balanced(promql)


def test_consumer_lag_adds_the_records_waiting_in_mm2s_producer():
    """On a real MM2 throttled by the target, the replication consumer's lag stays at 0 while
    thousands of records wait in the producer's buffer (the lab's capacity step): the backlog
    is the lag plus the tasks' source-record-active-count."""
    promql = catalog.render("consumer_lag", make())
    lag = catalog.render("consumer_lag_max", make())
    assert promql.startswith("(sum(") and " + sum(" in promql, promql
    names = [n for n, _ in selectors(promql)]
    assert "kafka_connect_source_task_source_record_active_count" in names
    assert lag[len("max("):-1] in promql  # the same lag expression, summed
    assert balanced(promql)


@pytest.mark.parametrize("name", ["tasks_running", "tasks_total", "tasks_failed"])
def test_task_counts_are_zero_when_live_workers_run_no_connector(name):
    """A Connect cluster that loses its own Kafka stops every connector and task (the lab's
    target-broker stop): the task series vanish, the workers answer with connector-count 0.
    Only then does a missing task count read 0; otherwise it stays missing."""
    promql = catalog.render(name, make())
    assert re.fullmatch(r"\(sum\(.*\) or \(0 \* \(sum\(\(kafka_connect_worker_connector_count\{.*\} "
                        r"and on \(instance\) \(up\{.*\} == 1\)\)\) == 0\)\)\)", promql), promql


@pytest.mark.parametrize("regex,underscored,dotted,other", [
    (r"orders\.v1|payments", "orders_v1", "orders.v1", "ordersXv1"),
    (r"dc\.eu\.(?:a|b)", "dc_eu_a", "dc.eu.b", "dc_euXa"),
    (r"[a-z\.]+", "a_b", "a.b", "A"),
])
def test_lag_topics_accept_kafka_3_underscore_spelling(regex, underscored, dotted, other):
    relaxed = catalog.dot_or_underscore(regex)
    assert promql_regex_matches(relaxed, underscored) and promql_regex_matches(relaxed, dotted)
    assert not promql_regex_matches(relaxed, other)
    (topic,) = matcher_values(catalog.render("consumer_lag_max", make({"topics": regex})), "topic", "=~")
    assert topic == f"(?:{relaxed})"


@pytest.mark.parametrize("name", ["tasks_running", "tasks_total", "tasks_failed", "workers",
                                  "rebalancing"])
def test_worker_queries_join_on_the_campaigns_worker_labels(name):
    # Workers scraped through one address carry no distinguishing instance: joining on it
    # would keep a stopped worker's tasks as long as any worker answers.
    promql = catalog.render(name, make({"worker_labels": ["namespace", "kubernetes_pod_name"]}))
    assert "and on (namespace, kubernetes_pod_name) (up{" in promql
    assert "on (instance)" not in promql
    assert balanced(promql)
    # every query joined on up is a worker-level one, and each uses the labels
    campaign = make({"worker_labels": ["kubernetes_pod_name"]})
    for query in catalog.needed_queries(campaign):
        text = catalog.render(query, campaign)
        if " and on (" in text:
            assert "and on (kubernetes_pod_name) (" in text, query
