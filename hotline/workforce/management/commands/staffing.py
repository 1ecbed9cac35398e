"""``hotline staffing erlang-c``: agents needed for an interval's calls, printed as JSON.

Example (the textbook case: 100 calls per 30 minutes, AHT 180 s, 80 % within 20 s)::

    hotline staffing erlang-c --calls 100 --interval-s 1800 --aht-s 180 --target 0.8 --answer-s 20 --shrinkage 0.3
    {"agents": 14, "service_level": 0.888…, "asa_s": 7.83…, "occupancy": 0.714…, "probability_wait": 0.174…,
     "staff": 20, "traffic_erlangs": 10.0}

With ``--agents N`` the given number is evaluated instead of searched for. If those agents cannot keep up
(N ≤ traffic in Erlangs) the queue grows without bound: the JSON still comes out, with service level 0,
``asa_s`` null, ``"stable": false`` and a ``"warning"`` (also written to stderr), and the exit code is 0 —
a supervisor asking "what if only 8 people come in?" gets an answer, not an error.
Invalid input (zero or negative values, a target outside (0, 1), shrinkage outside [0, 1)) prints the reason
to stderr and exits with code 2.
"""

from __future__ import annotations

import json
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext

from hotline.core.errors import ValidationFailed
from hotline.workforce.staffing import StaffingResult, evaluate_agents, required_agents

EXIT_BAD_INPUT = 2


class Command(BaseCommand):
    # A plain string: argparse formats the description itself and cannot take a lazy translation.
    help = "Расчёт численности операторов по модели Эрланга C."
    # Pure arithmetic: no database, URLs or models to check, and it must answer even on a half-configured install.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: ArgumentParser) -> None:
        methods = parser.add_subparsers(dest="method", required=True, metavar="METHOD")
        erlang = methods.add_parser(
            "erlang-c",
            help=gettext("операторы для целевого уровня сервиса (или показатели заданного числа операторов)"),
            description=gettext(
                "Печатает JSON: agents, service_level, asa_s, occupancy, probability_wait, staff. "
                "С --agents оценивает заданное число операторов вместо подбора."
            ),
        )
        erlang.add_argument("--calls", type=float, required=True, help=gettext("звонков за интервал (прогноз)"))
        erlang.add_argument(
            "--interval-s", type=float, default=1800.0, help=gettext("длина интервала, с (по умолчанию 1800)")
        )
        erlang.add_argument(
            "--aht-s",
            type=float,
            required=True,
            help=gettext("среднее время обработки звонка (разговор, удержание, постобработка), с"),
        )
        erlang.add_argument(
            "--target",
            type=float,
            default=0.8,
            help=gettext("целевая доля звонков, принятых за --answer-s секунд (по умолчанию 0.8)"),
        )
        erlang.add_argument(
            "--answer-s",
            type=float,
            default=20.0,
            help=gettext("время ответа для уровня сервиса, с (по умолчанию 20)"),
        )
        erlang.add_argument(
            "--agents", type=int, default=None, help=gettext("оценить это число операторов вместо подбора")
        )
        erlang.add_argument(
            "--shrinkage",
            type=float,
            default=0.0,
            help=gettext("доля рабочего времени вне линии: перерывы, обучение, отсутствие (0 ≤ s < 1)"),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            # The library staffs a quiet night interval with nobody; on the command line zero calls is a typo.
            if options["calls"] <= 0:
                raise ValidationFailed(gettext("Число звонков должно быть больше нуля"), field="calls")
            if options["agents"] is None:
                result = required_agents(
                    calls=options["calls"],
                    interval_s=options["interval_s"],
                    aht_s=options["aht_s"],
                    target=options["target"],
                    answer_s=options["answer_s"],
                    shrinkage=options["shrinkage"],
                )
            else:
                _check_target(options["target"])
                result = evaluate_agents(
                    calls=options["calls"],
                    interval_s=options["interval_s"],
                    aht_s=options["aht_s"],
                    agents=options["agents"],
                    answer_s=options["answer_s"],
                    shrinkage=options["shrinkage"],
                )
        except ValidationFailed as exc:
            option = f"--{(exc.field or '').replace('_', '-')}: " if exc.field else ""
            raise CommandError(option + gettext(exc.message), returncode=EXIT_BAD_INPUT) from exc
        payload = _as_json(result, target=options["target"])
        if "warning" in payload:
            self.stderr.write(str(payload["warning"]))
        self.stdout.write(json.dumps(payload, ensure_ascii=False))


def _check_target(target: float) -> None:
    # --target is not used when evaluating a fixed number of agents, but an impossible one is still a typo.
    if not 0 < target < 1:
        raise ValidationFailed(gettext("Целевой уровень сервиса должен быть строго между 0 и 1"), field="target")


def _as_json(result: StaffingResult, *, target: float) -> dict[str, object]:
    payload: dict[str, object] = {
        "agents": result.agents,
        "service_level": result.service_level,
        "asa_s": result.asa_s,
        "occupancy": result.occupancy,
        "probability_wait": result.probability_wait,
        "staff": result.staff,
        "traffic_erlangs": result.traffic_erlangs,
        "meets_target": result.service_level >= target,
        "stable": result.stable,
    }
    if not result.stable:
        payload["warning"] = gettext(
            "Операторов ({agents}) не больше нагрузки ({traffic:.2f} Эрл): очередь растёт без предела, "
            "нужно минимум {minimum}."
        ).format(agents=result.agents, traffic=result.traffic_erlangs, minimum=int(result.traffic_erlangs) + 1)
    return payload
