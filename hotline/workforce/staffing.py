"""Staffing with Erlang C: how many agents an interval's calls need to meet a service level.

Pure arithmetic (no Django, no database), so the roster view, the API and the ``staffing`` command
share one calculation and tests run in microseconds.

The model (M/M/N): calls arrive at random during an interval, each holds an agent for the average
handling time (talk + hold + after-call work), nobody hangs up while waiting. With traffic intensity
``A = calls × AHT / interval`` in Erlangs and ``N`` agents:

* probability a call waits ``Pw = C(N, A)`` (Erlang C),
* service level ``SL(t) = 1 − Pw · exp(−(N − A) · t / AHT)`` — share answered within ``t`` seconds,
* average speed of answer ``ASA = Pw · AHT / (N − A)``, occupancy ``A / N``,
* staff to schedule ``⌈N / (1 − shrinkage)⌉`` — shrinkage is the share of paid time spent off the
  phones (breaks, training, absence).

Erlang C is computed from the Erlang B recursion ``B(n) = A·B(n−1) / (n + A·B(n−1))`` and
``C = N·B / (N − A·(1 − B))``: every step stays within [0, 1], so thousands of agents neither
overflow (as ``A^N / N!`` does past ~170) nor lose precision. One pass of the recursion serves the
whole search for the smallest sufficient ``N``, so the cost is O(N) per interval.

With ``N ≤ A`` calls arrive faster than agents can handle them and the queue grows without bound:
``evaluate_agents`` still answers (service level 0, every call waits, no finite ASA) with
``stable=False``, because a supervisor comparing a thin roster with the forecast needs that answer,
not an error.

Errors: ``ValidationFailed`` with ``field`` set to the offending argument's name.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from hotline.core.errors import ValidationFailed

# A queue with a million agents busy at once is beyond any contact centre; the cap keeps a typo
# such as ``--calls 1e12`` from pinning a CPU for hours in the O(N) recursion.
MAX_TRAFFIC_ERLANGS = 1_000_000.0
# Relative rounding slack when grossing up for shrinkage: a billionth of a person never changes a roster.
_HEADCOUNT_SLACK = 1e-9


def gettext_noop(message: str) -> str:
    """Marks a message for translation (makemessages knows the name); callers translate on display."""
    return message


@dataclass(frozen=True, slots=True)
class StaffingResult:
    """The figures for one interval with ``agents`` on the phones."""

    traffic_erlangs: float
    agents: int
    service_level: float
    asa_s: float | None  # None: the queue is unstable, waits grow without bound
    occupancy: float
    probability_wait: float
    staff: int  # agents grossed up for shrinkage: the heads to put on the roster
    stable: bool


@dataclass(frozen=True, slots=True)
class IntervalForecast:
    """Forecast calls for one interval starting at ``start``; ``aht_s`` overrides the default AHT."""

    start: datetime
    calls: float
    aht_s: float | None = None


@dataclass(frozen=True, slots=True)
class IntervalStaffing:
    start: datetime
    calls: float
    result: StaffingResult


def _require_finite(value: float, field: str) -> None:
    if not math.isfinite(value):
        raise ValidationFailed(gettext_noop("Значение должно быть конечным числом"), field=field)


def _require_positive(value: float, field: str, message: str) -> None:
    _require_finite(value, field)
    if value <= 0:
        raise ValidationFailed(message, field=field)


def _validate_common(*, interval_s: float, aht_s: float, answer_s: float, shrinkage: float) -> None:
    _require_positive(interval_s, "interval_s", gettext_noop("Длина интервала должна быть больше нуля"))
    _require_positive(aht_s, "aht_s", gettext_noop("Среднее время обработки должно быть больше нуля"))
    _require_finite(answer_s, "answer_s")
    if answer_s < 0:
        # 0 s is a real target: the share of calls answered with no wait at all.
        raise ValidationFailed(gettext_noop("Время ответа не может быть отрицательным"), field="answer_s")
    _require_finite(shrinkage, "shrinkage")
    if not 0 <= shrinkage < 1:
        raise ValidationFailed(
            gettext_noop("Доля потерь времени должна быть от 0 до 1 (не включая 1)"), field="shrinkage"
        )


def _validate_target(target: float) -> None:
    _require_finite(target, "target")
    if not 0 < target < 1:
        raise ValidationFailed(gettext_noop("Целевой уровень сервиса должен быть строго между 0 и 1"), field="target")


def traffic_intensity(*, calls: float, interval_s: float, aht_s: float) -> float:
    """Offered load in Erlangs: the average number of calls in progress during the interval.

    Raises:
        ValidationFailed: negative or non-finite calls, non-positive interval or AHT, traffic beyond the cap.
    """
    _require_finite(calls, "calls")
    if calls < 0:
        raise ValidationFailed(gettext_noop("Число звонков не может быть отрицательным"), field="calls")
    _require_positive(interval_s, "interval_s", gettext_noop("Длина интервала должна быть больше нуля"))
    _require_positive(aht_s, "aht_s", gettext_noop("Среднее время обработки должно быть больше нуля"))
    traffic = calls * aht_s / interval_s
    if traffic > MAX_TRAFFIC_ERLANGS:
        raise ValidationFailed(
            gettext_noop("Нагрузка больше миллиона эрлангов: проверьте число звонков и время обработки"),
            field="calls",
        )
    return traffic


def staff_with_shrinkage(agents: int, shrinkage: float) -> int:
    """Heads to schedule so ``agents`` are on the phones after shrinkage: ⌈agents / (1 − shrinkage)⌉."""
    if shrinkage == 0:
        return agents
    needed = agents / (1 - shrinkage)
    # In floats 21 / (1 − 0.3) is 30.000000000000004; without the slack a 31st person would be rostered.
    return math.ceil(needed - _HEADCOUNT_SLACK * needed)


def erlang_b(traffic: float, agents: int) -> float:
    """Blocking probability of ``agents`` servers offered ``traffic`` Erlangs (Erlang B), by recursion."""
    blocking = 1.0
    for n in range(1, agents + 1):
        load = traffic * blocking
        blocking = load / (n + load)
        if blocking == 0.0:
            break  # underflowed: every further step stays 0
    return blocking


def _erlang_c_from_b(traffic: float, agents: int, blocking: float) -> float:
    return agents * blocking / (agents - traffic * (1 - blocking))


def erlang_c(traffic: float, agents: int) -> float:
    """Probability that a call waits for an agent (Erlang C); 1 when the queue is unstable."""
    if agents <= traffic:
        return 1.0
    return _erlang_c_from_b(traffic, agents, erlang_b(traffic, agents))


def _result(
    *, traffic: float, agents: int, answer_s: float, aht_s: float, shrinkage: float, p_wait: float
) -> StaffingResult:
    staff = staff_with_shrinkage(agents, shrinkage)
    if traffic == 0:
        return StaffingResult(traffic, agents, 1.0, 0.0, 0.0, 0.0, staff, stable=True)
    if agents <= traffic:
        return StaffingResult(traffic, agents, 0.0, None, 1.0, 1.0, staff, stable=False)
    spare = agents - traffic
    service_level = 1.0 - p_wait * math.exp(-spare * answer_s / aht_s)
    return StaffingResult(
        traffic_erlangs=traffic,
        agents=agents,
        service_level=service_level,
        asa_s=p_wait * aht_s / spare,
        occupancy=traffic / agents,
        probability_wait=p_wait,
        staff=staff,
        stable=True,
    )


def evaluate_agents(
    *, calls: float, interval_s: float, aht_s: float, agents: int, answer_s: float, shrinkage: float = 0.0
) -> StaffingResult:
    """The service level, ASA, occupancy and waiting probability that ``agents`` deliver.

    With ``agents`` not above the traffic the result has ``stable=False``, service level 0 and no ASA.

    Raises:
        ValidationFailed: an input out of range (``field`` names it); ``agents`` below 1.
    """
    _validate_common(interval_s=interval_s, aht_s=aht_s, answer_s=answer_s, shrinkage=shrinkage)
    traffic = traffic_intensity(calls=calls, interval_s=interval_s, aht_s=aht_s)
    if agents < 1:
        raise ValidationFailed(gettext_noop("Число операторов должно быть не меньше одного"), field="agents")
    return _result(
        traffic=traffic,
        agents=agents,
        answer_s=answer_s,
        aht_s=aht_s,
        shrinkage=shrinkage,
        p_wait=erlang_c(traffic, agents),
    )


def required_agents(
    *, calls: float, interval_s: float, aht_s: float, target: float, answer_s: float, shrinkage: float = 0.0
) -> StaffingResult:
    """The fewest agents whose service level reaches ``target`` (e.g. 0.8 of calls within ``answer_s`` = 20 s).

    No calls need no agents (a night interval). The service level rises with every agent and tends to 1,
    so the search always ends.

    Raises:
        ValidationFailed: an input out of range (``field`` names it).
    """
    _validate_common(interval_s=interval_s, aht_s=aht_s, answer_s=answer_s, shrinkage=shrinkage)
    _validate_target(target)
    traffic = traffic_intensity(calls=calls, interval_s=interval_s, aht_s=aht_s)
    if traffic == 0:
        return _result(traffic=0.0, agents=0, answer_s=answer_s, aht_s=aht_s, shrinkage=shrinkage, p_wait=0.0)
    decay = answer_s / aht_s
    blocking = 1.0
    agents = 0
    while True:
        agents += 1
        load = traffic * blocking
        blocking = load / (agents + load)
        if agents <= traffic:
            continue  # unstable: service level 0, no agent count up to here can meet a positive target
        p_wait = _erlang_c_from_b(traffic, agents, blocking)
        if 1.0 - p_wait * math.exp(-(agents - traffic) * decay) >= target:
            return _result(
                traffic=traffic, agents=agents, answer_s=answer_s, aht_s=aht_s, shrinkage=shrinkage, p_wait=p_wait
            )


def staff_forecast(
    forecast: Sequence[IntervalForecast],
    *,
    interval_s: float,
    aht_s: float,
    target: float,
    answer_s: float,
    shrinkage: float = 0.0,
) -> list[IntervalStaffing]:
    """Agents and staff needed in each forecast interval, in the forecast's order.

    Raises:
        ValidationFailed: an input out of range; for an interval's calls or AHT the message names its start.
    """
    _validate_common(interval_s=interval_s, aht_s=aht_s, answer_s=answer_s, shrinkage=shrinkage)
    _validate_target(target)
    staffed: list[IntervalStaffing] = []
    for interval in forecast:
        try:
            result = required_agents(
                calls=interval.calls,
                interval_s=interval_s,
                aht_s=aht_s if interval.aht_s is None else interval.aht_s,
                target=target,
                answer_s=answer_s,
                shrinkage=shrinkage,
            )
        except ValidationFailed as exc:
            raise ValidationFailed(f"{interval.start.isoformat()}: {exc.message}", field=exc.field) from exc
        staffed.append(IntervalStaffing(start=interval.start, calls=interval.calls, result=result))
    return staffed
