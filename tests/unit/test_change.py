"""Post-change validation (mm2report.change) on hand-built windows.

The window is 15 minutes at a 15 s step: readings k = 0..60 at T0 + 15 k, judged over
(T0, T0 + 900]. Every expected status below follows from the definitions in the module's
docstring (last minute for states, second half for latency, whole window for lag and errors)."""

from __future__ import annotations

import numpy as np
import pytest

from mm2report.change import lag_trend, validate_change
from mm2report.params import validate_campaign
from mm2report.verdicts import Status

from datasets import campaign_dict
from test_analyses import T0, agg, at, multi, no_series

N = 61  # readings 0..60


@pytest.fixture(scope="module")
def campaign():
    data = campaign_dict(url="http://127.0.0.1:9")
    data["metrics"]["expected_tasks"] = 4
    return validate_campaign(data)


def window(**changes):
    data = {
        "up": multi({(("instance", "w1"),): [1] * N, (("instance", "w2"),): [1] * N}, name="up"),
        "tasks_total": agg([4] * N, name="tasks_total"),
        "tasks_running": agg([4] * N, name="tasks_running"),
        "tasks_failed": agg([0] * N, name="tasks_failed"),
        "latency_max": agg([250.0] * N, name="latency_max"),
        "replicated_rate": agg([1000.0] * N, name="replicated_rate"),
        "consumer_lag": agg([0.0] * N, name="consumer_lag"),
        "record_errors_rate": agg([0.0] * N, name="record_errors_rate"),
        "record_failures_rate": agg([0.0] * N, name="record_failures_rate"),
    }
    data.update(changes)
    return data


def judge(campaign, **changes):
    r = validate_change(campaign, window(**changes), at(0), at(60), "unit-test")
    return r, {c.id: c.status for c in r.checks}


def test_a_healthy_window_validates(campaign):
    r, s = judge(campaign)
    assert set(s.values()) == {Status.PASS}
    assert r.validated and r.overall.status is Status.PASS
    assert r.to_dict()["kind"] == "mm2report.change-validation"


def test_a_task_failed_in_the_last_minute_fails_tasks_and_errors(campaign):
    running = [4.0] * 57 + [3.0] * 4  # readings 57..60 lie in (T0+840, T0+900]
    failed = [0.0] * 57 + [1.0] * 4
    r, s = judge(campaign, tasks_running=agg(running, name="tasks_running"),
                 tasks_failed=agg(failed, name="tasks_failed"))
    assert s["tasks"] is Status.FAIL and s["errors"] is Status.FAIL
    assert s["connector"] is Status.PASS
    assert not r.validated


def test_a_restart_early_in_the_window_is_not_held_against_the_final_state(campaign):
    running = [0.0] * 10 + [4.0] * 51  # back well before the last minute
    latency = [60_000.0] * 10 + [250.0] * 51  # spike in the first half only
    r, s = judge(campaign, tasks_running=agg(running, name="tasks_running"),
                 latency_max=agg(latency, name="latency_max"))
    assert s["tasks"] is Status.PASS and s["latency"] is Status.PASS


def test_latency_over_the_slo_in_the_second_half_fails(campaign):
    latency = [250.0] * 40 + [9_000.0] * 21  # readings 40..60 are after T0+450
    _, s = judge(campaign, latency_max=agg(latency, name="latency_max"))
    assert s["latency"] is Status.FAIL


def test_rising_lag_fails_even_under_the_threshold(campaign):
    lag = np.linspace(0, 5_000, N)  # significant monotonic rise, still under 10,000
    r, s = judge(campaign, consumer_lag=agg(lag, name="consumer_lag"))
    assert s["lag"] is Status.FAIL
    assert r.lag.slope_per_min == pytest.approx(5_000 / 15, rel=1e-6)  # records per minute


def test_lag_above_threshold_but_falling_passes(campaign):
    lag = np.linspace(80_000, 30_000, N)
    _, s = judge(campaign, consumer_lag=agg(lag, name="consumer_lag"))
    assert s["lag"] is Status.PASS


def test_lag_stuck_above_threshold_fails(campaign):
    _, s = judge(campaign, consumer_lag=agg([50_000.0] * N, name="consumer_lag"))
    assert s["lag"] is Status.FAIL


def test_too_few_lag_readings_is_inconclusive(campaign):
    lag = [np.nan] * 58 + [0.0, 0.0, 0.0]
    r, s = judge(campaign, consumer_lag=agg(lag, name="consumer_lag"))
    assert s["lag"] is Status.INCONCLUSIVE
    assert r.overall.status is Status.INCONCLUSIVE and not r.validated


def test_a_missing_error_counter_is_inconclusive_not_zero(campaign):
    _, s = judge(campaign, record_errors_rate=no_series(N, name="record_errors_rate"))
    assert s["errors"] is Status.INCONCLUSIVE


def test_errors_counted_anywhere_in_the_window_fail(campaign):
    errors = [0.0] * 5 + [2.5] + [0.0] * 55
    _, s = judge(campaign, record_errors_rate=agg(errors, name="record_errors_rate"))
    assert s["errors"] is Status.FAIL


def test_a_worker_down_in_the_last_minute_fails_the_connector(campaign):
    up = multi({(("instance", "w1"),): [1] * N, (("instance", "w2"),): [1] * 58 + [0] * 3}, name="up")
    _, s = judge(campaign, up=up)
    assert s["connector"] is Status.FAIL


def test_a_gap_in_the_final_task_readings_is_inconclusive(campaign):
    running = [4.0] * 58 + [np.nan, 4.0, 4.0]
    _, s = judge(campaign, tasks_running=agg(running, name="tasks_running"))
    assert s["tasks"] is Status.INCONCLUSIVE


def test_no_task_reading_at_all_is_inconclusive(campaign):
    _, s = judge(campaign, tasks_running=no_series(N, name="tasks_running"),
                 tasks_total=no_series(N, name="tasks_total"))
    assert s["tasks"] is Status.INCONCLUSIVE and s["connector"] is Status.INCONCLUSIVE


def test_lag_trend_one_sided_p_values():
    import pandas as pd
    idx = pd.date_range("2026-11-01", periods=20, freq="15s", tz="UTC")
    falling = lag_trend(pd.Series(np.arange(20, 0, -1, dtype=float), index=idx))
    assert falling.p_falling < 0.001 < 0.5 < falling.p_rising
    assert falling.slope_per_min == pytest.approx(-4.0)  # -1 per 15 s
    assert falling.first == 20 and falling.last == 1 and falling.readings == 20
