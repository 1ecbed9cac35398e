"""Erlang C staffing: the published example, edge cases, large traffic, and properties over random inputs."""

from __future__ import annotations

import itertools
import math
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hotline.core.errors import ValidationFailed
from hotline.workforce.staffing import (
    IntervalForecast,
    erlang_b,
    erlang_c,
    evaluate_agents,
    required_agents,
    staff_forecast,
    staff_with_shrinkage,
)

# The textbook case (callcentrehelper.com's Erlang C worked example): 100 calls per 30 minutes, AHT 3 minutes.
EXAMPLE = {"calls": 100.0, "interval_s": 1800.0, "aht_s": 180.0, "answer_s": 20.0}


def _reference_erlang_c(traffic: float, agents: int) -> float:
    """Erlang C straight from its definition, summed in log space — an independent check of the recursion."""
    log_terms = [k * math.log(traffic) - math.lgamma(k + 1) for k in range(agents)]
    log_last = agents * math.log(traffic) - math.lgamma(agents + 1) + math.log(agents / (agents - traffic))
    log_terms.append(log_last)
    peak = max(log_terms)
    log_total = peak + math.log(math.fsum(math.exp(term - peak) for term in log_terms))
    return math.exp(log_last - log_total)


def test_published_example_needs_14_agents_and_20_staff_with_30_percent_shrinkage() -> None:
    result = required_agents(**EXAMPLE, target=0.8, shrinkage=0.3)

    assert result.traffic_erlangs == pytest.approx(10.0)
    assert result.agents == 14
    assert round(result.service_level * 100, 1) == 88.8
    assert round(result.occupancy * 100, 1) == 71.4
    assert result.asa_s == pytest.approx(7.8, abs=0.05)
    assert result.probability_wait == pytest.approx(0.1741, abs=1e-4)
    assert result.staff == 20
    assert result.stable


@pytest.mark.parametrize(
    ("agents", "service_level_percent", "asa_s"),
    # The example's table: 13 agents fall just short of 80 %, which is why the answer is 14.
    [(11, 39.0, 122.8), (12, 64.0, 40.4), (13, 79.6, 17.1), (14, 88.8, 7.8), (15, 94.1, 3.7)],
)
def test_published_example_table_per_agent_count(agents: int, service_level_percent: float, asa_s: float) -> None:
    result = evaluate_agents(**EXAMPLE, agents=agents)

    assert round(result.service_level * 100, 1) == service_level_percent
    assert result.asa_s == pytest.approx(asa_s, abs=0.05)
    assert result.occupancy == pytest.approx(10 / agents)


def test_without_shrinkage_staff_equals_agents() -> None:
    result = required_agents(**EXAMPLE, target=0.8)

    assert result.staff == result.agents == 14


@pytest.mark.parametrize(
    ("agents", "shrinkage", "staff"),
    # 21 / (1 − 0.3) is 30.000000000000004 in floats: a naive ceil would schedule a 31st person.
    [(14, 0.3, 20), (21, 0.3, 30), (7, 0.3, 10), (14, 0.0, 14), (10, 0.5, 20), (1, 0.99, 100), (11, 0.3, 16)],
)
def test_shrinkage_grosses_up_to_whole_people_exactly(agents: int, shrinkage: float, staff: int) -> None:
    assert staff_with_shrinkage(agents, shrinkage) == staff


@pytest.mark.parametrize(("traffic", "agents"), [(10.0, 14), (0.5, 1), (2.5, 3), (97.3, 110), (2000.0, 2012)])
def test_erlang_c_matches_the_closed_form(traffic: float, agents: int) -> None:
    assert erlang_c(traffic, agents) == pytest.approx(_reference_erlang_c(traffic, agents), rel=1e-9)


def test_erlang_b_matches_a_known_value() -> None:
    # Erlang B table: 10 Erlangs on 14 trunks block 5.68 % of calls.
    assert erlang_b(10.0, 14) == pytest.approx(0.0568, abs=1e-4)


def test_twenty_thousand_calls_per_half_hour_stays_finite_and_minimal() -> None:
    result = required_agents(calls=20_000, interval_s=1800, aht_s=180, answer_s=20, target=0.8, shrinkage=0.3)

    assert result.traffic_erlangs == pytest.approx(2000.0)
    assert 2000 < result.agents < 2100
    assert 0.8 <= result.service_level < 1
    assert (
        evaluate_agents(calls=20_000, interval_s=1800, aht_s=180, answer_s=20, agents=result.agents - 1).service_level
        < 0.8
    )
    assert result.probability_wait == pytest.approx(_reference_erlang_c(2000.0, result.agents), rel=1e-9)
    assert result.asa_s is not None
    assert math.isfinite(result.asa_s)
    assert 0.99 < result.occupancy < 1
    assert result.staff == math.ceil(result.agents / 0.7 - 1e-9)


def test_hundred_thousand_erlangs_is_computed_without_overflow() -> None:
    # Far beyond 170 agents, where A^N / N! overflows a float.
    result = required_agents(calls=1_000_000, interval_s=1800, aht_s=180, answer_s=20, target=0.95)

    assert result.traffic_erlangs == pytest.approx(100_000.0)
    assert 100_000 < result.agents < 101_000
    assert 0.95 <= result.service_level < 1


def test_many_agents_for_little_traffic_underflow_to_certain_service() -> None:
    result = evaluate_agents(calls=10, interval_s=1800, aht_s=180, answer_s=20, agents=5000)

    assert result.probability_wait == 0.0
    assert result.service_level == 1.0
    assert result.asa_s == 0.0


def test_too_few_agents_report_an_unstable_queue_instead_of_failing() -> None:
    result = evaluate_agents(**EXAMPLE, agents=10)  # exactly the traffic: still unstable

    assert not result.stable
    assert result.service_level == 0.0
    assert result.asa_s is None
    assert result.probability_wait == 1.0
    assert result.occupancy == 1.0
    assert result.agents == 10


def test_no_calls_need_no_agents() -> None:
    result = required_agents(calls=0, interval_s=1800, aht_s=180, answer_s=20, target=0.8, shrinkage=0.3)

    assert (result.agents, result.staff, result.service_level, result.asa_s) == (0, 0, 1.0, 0.0)


def test_a_trickle_of_calls_needs_one_agent() -> None:
    result = required_agents(calls=1, interval_s=1800, aht_s=60, answer_s=20, target=0.8)

    assert result.agents == 1
    assert result.service_level > 0.95


def test_zero_answer_time_is_the_share_answered_without_waiting() -> None:
    result = required_agents(**{**EXAMPLE, "answer_s": 0.0}, target=0.85)

    assert result.service_level == pytest.approx(1 - result.probability_wait)
    assert result.agents == 15  # 14 agents leave 17.4 % of callers waiting, more than the 15 % allowed


def test_a_target_near_one_still_terminates() -> None:
    result = required_agents(**EXAMPLE, target=0.999_999)

    assert result.service_level >= 0.999_999
    assert result.agents < 40


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"calls": -1.0}, "calls"),
        ({"calls": math.nan}, "calls"),
        ({"calls": 1e12}, "calls"),
        ({"interval_s": 0.0}, "interval_s"),
        ({"interval_s": -1800.0}, "interval_s"),
        ({"aht_s": 0.0}, "aht_s"),
        ({"aht_s": math.inf}, "aht_s"),
        ({"answer_s": -1.0}, "answer_s"),
        ({"target": 0.0}, "target"),
        ({"target": 1.0}, "target"),
        ({"target": 80.0}, "target"),
        ({"shrinkage": 1.0}, "shrinkage"),
        ({"shrinkage": -0.1}, "shrinkage"),
    ],
)
def test_bad_input_is_refused_naming_the_field(overrides: dict[str, float], field: str) -> None:
    with pytest.raises(ValidationFailed) as err:
        required_agents(**{**EXAMPLE, "target": 0.8, "shrinkage": 0.0, **overrides})

    assert err.value.field == field
    assert err.value.message


@pytest.mark.parametrize("agents", [0, -3])
def test_evaluating_no_agents_is_refused(agents: int) -> None:
    with pytest.raises(ValidationFailed) as err:
        evaluate_agents(**EXAMPLE, agents=agents)

    assert err.value.field == "agents"


def test_forecast_is_staffed_interval_by_interval() -> None:
    monday = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    forecast = [
        IntervalForecast(start=monday, calls=0),
        IntervalForecast(start=monday + timedelta(minutes=30), calls=100),
        IntervalForecast(start=monday + timedelta(minutes=60), calls=20_000),
        IntervalForecast(start=monday + timedelta(minutes=90), calls=100, aht_s=360),
    ]

    staffed = staff_forecast(forecast, interval_s=1800, aht_s=180, answer_s=20, target=0.8, shrinkage=0.3)

    assert [row.start for row in staffed] == [interval.start for interval in forecast]
    assert [row.calls for row in staffed] == [0, 100, 20_000, 100]
    assert [row.result.agents for row in staffed] == [
        0,
        14,
        required_agents(calls=20_000, interval_s=1800, aht_s=180, answer_s=20, target=0.8).agents,
        required_agents(calls=100, interval_s=1800, aht_s=360, answer_s=20, target=0.8).agents,
    ]
    assert staffed[1].result.staff == 20
    assert staffed[3].result.traffic_erlangs == pytest.approx(20.0)


def test_empty_forecast_needs_nobody() -> None:
    assert staff_forecast([], interval_s=1800, aht_s=180, answer_s=20, target=0.8) == []


def test_a_bad_forecast_interval_is_named_in_the_error() -> None:
    start = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)

    with pytest.raises(ValidationFailed) as err:
        staff_forecast([IntervalForecast(start=start, calls=-5)], interval_s=1800, aht_s=180, answer_s=20, target=0.8)

    assert err.value.field == "calls"
    assert "2026-03-02T09:30:00+00:00" in err.value.message


calls_per_interval = st.floats(min_value=0.5, max_value=5000, allow_nan=False)
handling_times = st.floats(min_value=10, max_value=1200, allow_nan=False)
answer_times = st.floats(min_value=0, max_value=120, allow_nan=False)
targets = st.floats(min_value=0.05, max_value=0.99, allow_nan=False)


@settings(max_examples=150, deadline=None)
@given(calls=calls_per_interval, aht_s=handling_times, answer_s=answer_times, extra=st.integers(0, 60))
def test_each_added_agent_raises_service_level_and_cuts_waiting(
    calls: float, aht_s: float, answer_s: float, extra: int
) -> None:
    traffic = calls * aht_s / 1800
    first = math.floor(traffic) + 1  # the fewest agents that keep the queue stable
    results = [
        evaluate_agents(calls=calls, interval_s=1800, aht_s=aht_s, answer_s=answer_s, agents=n)
        for n in range(max(1, first - 2), first + extra + 2)
    ]

    for fewer, more in itertools.pairwise(results):
        assert more.service_level >= fewer.service_level
        assert more.probability_wait <= fewer.probability_wait
        assert 0.0 <= more.service_level <= 1.0
        assert 0.0 <= more.probability_wait <= 1.0
        if fewer.asa_s is not None:
            assert more.asa_s is not None
            assert more.asa_s <= fewer.asa_s


@settings(max_examples=150, deadline=None)
@given(
    calls=calls_per_interval,
    aht_s=handling_times,
    answer_s=answer_times,
    target=targets,
    shrinkage=st.floats(min_value=0, max_value=0.6),
)
def test_the_answer_is_the_fewest_agents_meeting_the_target(
    calls: float, aht_s: float, answer_s: float, target: float, shrinkage: float
) -> None:
    result = required_agents(
        calls=calls, interval_s=1800, aht_s=aht_s, answer_s=answer_s, target=target, shrinkage=shrinkage
    )
    one_fewer = (
        evaluate_agents(calls=calls, interval_s=1800, aht_s=aht_s, answer_s=answer_s, agents=result.agents - 1)
        if result.agents > 1
        else None
    )

    same_agents = evaluate_agents(
        calls=calls, interval_s=1800, aht_s=aht_s, answer_s=answer_s, agents=result.agents, shrinkage=shrinkage
    )

    assert result == same_agents  # the incremental search and a direct evaluation agree
    assert result.stable
    assert result.agents > result.traffic_erlangs
    assert result.service_level >= target
    assert one_fewer is None or one_fewer.service_level < target
    assert result.staff >= result.agents
    # Enough heads on the roster, and not one more (to within a billionth of a person, for float rounding).
    assert result.staff * (1 - shrinkage) >= result.agents * (1 - 1e-9)
    assert (result.staff - 1) * (1 - shrinkage) < result.agents
