"""What `mm2report inspect` says when a query is empty on a real deployment (docs/profiles.md)."""

from pathlib import Path

from mm2report.params import load_campaign
from mm2report.summary import data_hints

DEMO = load_campaign(Path(__file__).parents[2] / "parameters" / "demo.yml")
FULL = {"tasks_running": 1.0, "replicated_rate": 1.0, "consumer_lag": 1.0, "up": 1.0}


def test_no_hint_when_everything_has_data():
    assert data_hints(DEMO, FULL) == []


def test_tasks_without_mirror_series_name_the_missing_rule():
    (hint,) = data_hints(DEMO, {**FULL, "replicated_rate": 0.0})
    assert "kafka.connect.mirror rule" in hint and "add.source.alias.to.metrics" in hint


def test_workers_up_without_task_counts_name_the_connector_setting():
    (hint,) = data_hints(DEMO, {**FULL, "tasks_running": 0.0})
    assert "metrics.connector" in hint and "strimzi" in hint


def test_tasks_without_lag_name_the_client_label():
    (hint,) = data_hints(DEMO, {**FULL, "consumer_lag": 0.0})
    assert "clientId" in hint and "clientid" in hint and "client_id" in hint
