"""SLA: the working calendars and the policies the demo tickets are timed by (made before the tickets)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from hotline.core.calendar.services import create_calendar, ensure_default_calendar
from hotline.core.models import User
from hotline.desk.choices import Priority
from hotline.desk.models import Queue
from hotline.sla.models import SlaPolicy
from hotline.sla.services.policies import save_policy

if TYPE_CHECKING:
    from hotline.demo.modules import Demo

ROUND_THE_CLOCK = "Круглосуточно (аварийно-диспетчерская служба)"


def is_loaded() -> bool:
    return SlaPolicy.objects.exists()


def load(*, admin: User, queues: dict[str, Queue]) -> list[SlaPolicy]:
    office = ensure_default_calendar(actor=admin)  # the production calendar of Russia, 5/2, 9–18 with lunch
    emergency_hours = create_calendar(actor=admin, name=ROUND_THE_CLOCK, is_24_7=True, uses_production_calendar=False)
    return [
        save_policy(
            actor=admin,
            name="Аварийные заявки",
            description="Протечки, отключения, лифты, запах газа: АДС реагирует круглосуточно (ПП РФ № 416).",
            order=10,
            queues=[queues["ads"], queues["eng3"]],
            calendar=emergency_hours,
            first_response_minutes=15,
            resolution_minutes=4 * 60,
            warning_percent=75,
            raise_priority_to=Priority.CRITICAL,
        ),
        save_policy(
            actor=admin,
            name="ИТ-поддержка сотрудников",
            description="Внутренние заявки сотрудников УК: рабочее время по производственному календарю.",
            order=20,
            queues=[queues["it2"], queues["it3"]],
            calendar=office,
            first_response_minutes=30,
            resolution_minutes=16 * 60,
        ),
        save_policy(
            actor=admin,
            name="Стандарт",
            description="Все остальные обращения жителей: ответ в течение часа, решение за рабочий день.",
            order=100,
            calendar=office,
            first_response_minutes=60,
            next_response_minutes=4 * 60,
            resolution_minutes=8 * 60,
        ),
    ]


def load_section(demo: Demo) -> str:
    policies = load(admin=demo.admin, queues=demo.queues)
    return f"{len(policies)} политики на 2 рабочих календарях"
