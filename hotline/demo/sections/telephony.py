"""Telephony: two PBX sources (the generic webhook, and an Asterisk that is not connected), two lines, the
agents' extensions, a day of calls reported the way a PBX reports them (answered, missed, abandoned; linked to
contacts and tickets; callbacks open and done) and a published call script with branches."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from hotline.core import audit
from hotline.core.models import AuditLog, User
from hotline.customers.models import Contact
from hotline.desk.models import Category, Ticket
from hotline.telephony.adapters.base import CallEventData
from hotline.telephony.choices import CallbackResult, Direction, EventKind, SourceKind
from hotline.telephony.models import Call, Callback, Line, PbxSource
from hotline.telephony.services.callbacks import assign_callback, complete_callback
from hotline.telephony.services.calls import normalise_line
from hotline.telephony.services.extensions import claim_extension
from hotline.telephony.services.ingest import ingest
from hotline.telephony.services.linking import link_call, set_disposition
from hotline.telephony.services.scripts import create_script, draft_of, publish_version, save_node

if TYPE_CHECKING:
    from hotline.demo.modules import Demo

HOTLINE_NUMBER = "+7 495 123-45-67"
EMERGENCY_NUMBER = "+7 495 123-45-00"
EXTENSIONS = {
    "supervisor": "100",
    "operator": "101",
    "operator2": "102",
    "operator3": "103",
    "dispatcher": "201",
    "specialist": "301",
    "specialist2": "302",
}


def is_loaded() -> bool:
    return PbxSource.objects.exists()


def _configured[M: PbxSource | Line](obj: M, admin: User) -> M:
    # PBX sources and lines are configuration kept in the admin (no service): saved and audited as it does.
    obj.save()
    audit.record(actor=admin, action=AuditLog.Action.CREATE, obj=obj, summary=str(obj))
    return obj


def _sources(demo: Demo) -> PbxSource:
    webhook = _configured(
        PbxSource(
            name="АТС офиса (универсальный вебхук)",
            slug="office-pbx",
            kind=SourceKind.GENERIC,
            secret="demo-webhook-secret-change-me",
            time_zone="Europe/Moscow",
        ),
        demo.admin,
    )
    _configured(
        PbxSource(
            name="Asterisk АДС (не подключена)",
            slug="ads-asterisk",
            kind=SourceKind.ASTERISK,
            is_active=False,
            api_key="hotline",
            secret="demo-ami-secret-change-me",
            host="127.0.0.1",
            port=5038,
        ),
        demo.admin,
    )
    categories = {c.name: c for c in Category.objects.filter(name__in=["Протечка"])}
    _configured(Line(number=normalise_line(HOTLINE_NUMBER), name="Горячая линия", queue=demo.queues["cc"]), demo.admin)
    _configured(
        Line(
            number=normalise_line(EMERGENCY_NUMBER),
            name="Аварийная линия АДС",
            queue=demo.queues["ads"],
            category=categories.get("Протечка"),
        ),
        demo.admin,
    )
    for username, extension in EXTENSIONS.items():
        claim_extension(actor=demo.users[username], extension=extension)
    return webhook


@dataclass(frozen=True)
class DemoCall:
    minutes_ago: int
    caller: int | str  # a contact's index, or a number nobody knows
    line: str
    extension: str
    wait: int
    talk: int = 0  # 0: nobody answered
    abandoned: bool = False
    ticket: str = ""  # a word of the subject of the caller's ticket to link the call to
    disposition: str = ""


CALLS = (
    DemoCall(15, 0, HOTLINE_NUMBER, "101", 12, 245, ticket="отоплен", disposition="Заявка уточнена"),
    DemoCall(32, 5, HOTLINE_NUMBER, "102", 8, 130, disposition="Консультация"),
    DemoCall(47, "+7 916 555-01-23", HOTLINE_NUMBER, "103", 40, abandoned=True),
    DemoCall(58, 8, EMERGENCY_NUMBER, "201", 5, 190, ticket="трубу", disposition="Аварийная заявка"),
    DemoCall(75, 12, HOTLINE_NUMBER, "101", 25),
    DemoCall(81, 12, HOTLINE_NUMBER, "102", 31),
    DemoCall(96, 0, HOTLINE_NUMBER, "101", 9, 320, ticket="квитанц", disposition="Консультация"),
    DemoCall(130, 15, HOTLINE_NUMBER, "103", 18, 95, disposition="Передача показаний"),
    DemoCall(155, "+7 926 700-44-10", EMERGENCY_NUMBER, "201", 55, abandoned=True),
    DemoCall(190, 20, HOTLINE_NUMBER, "102", 6, 410, ticket="лифт", disposition="Заявка уточнена"),
    DemoCall(240, 3, HOTLINE_NUMBER, "101", 14, 75, disposition="Консультация"),
    DemoCall(300, 25, HOTLINE_NUMBER, "103", 35),
)


def _number(demo: Demo, caller: int | str) -> tuple[str, Contact | None]:
    if isinstance(caller, str):
        return caller, None
    contact = demo.contacts[caller]
    phone = contact.phones.order_by("id").first()
    return (phone.e164 if phone else ""), contact


def _report(source: PbxSource, call_id: str, spec: DemoCall, number: str, at: datetime) -> None:
    """The events a PBX sends for one inbound call: the ring, the answer, the hang-up."""
    base: dict[str, Any] = {"call_id": call_id, "direction": Direction.INBOUND, "caller": number}
    base |= {"called": spec.line, "line": spec.line}
    leg = f"{call_id}-{spec.extension}"
    events = [CallEventData(kind=EventKind.RINGING, occurred_at=at, leg=leg, extension=spec.extension, **base)]
    answered_at = at + timedelta(seconds=spec.wait)
    if spec.talk:
        events.append(
            CallEventData(kind=EventKind.ANSWERED, occurred_at=answered_at, leg=leg, extension=spec.extension, **base)
        )
    ended_at = answered_at + timedelta(seconds=spec.talk)
    events.append(
        CallEventData(
            kind=EventKind.ENDED,
            occurred_at=ended_at,
            extension=spec.extension,
            wait_seconds=spec.wait,
            talk_seconds=spec.talk,
            answered=bool(spec.talk),
            abandoned=spec.abandoned,
            disconnect_cause="NORMAL_CLEARING" if spec.talk else "NO_ANSWER",
            **base,
        )
    )
    ingest(source=source, events=events, raw={"demo": True})


def _calls(demo: Demo, source: PbxSource) -> int:
    now = timezone.now()
    by_extension = {ext: demo.users[name] for name, ext in EXTENSIONS.items()}
    for index, spec in enumerate(sorted(CALLS, key=lambda c: -c.minutes_ago)):
        number, contact = _number(demo, spec.caller)
        call_id = f"demo-{index + 1:04d}"
        _report(source, call_id, spec, number, now - timedelta(minutes=spec.minutes_ago))
        call = Call.objects.get(source=source, provider_call_id=call_id)
        agent = by_extension[spec.extension]
        if spec.ticket and contact is not None:
            ticket = (
                Ticket.objects.filter(contact=contact, subject__icontains=spec.ticket).order_by("-created_at").first()
            )
            if ticket is not None:
                call = link_call(actor=demo.supervisor, call=call, ticket=ticket)
        if spec.disposition:
            set_disposition(actor=agent, call=call, disposition=spec.disposition)
    return len(CALLS)


def _callbacks(demo: Demo) -> None:
    """Of the missed callers: one is called back and reached, one waits for an agent, the rest for anyone."""
    open_callbacks = list(Callback.objects.order_by("first_missed_at", "id"))
    if open_callbacks:
        oldest = open_callbacks[0]
        operator = demo.users["operator3"]
        assign_callback(actor=demo.supervisor, callback=oldest, assignee=operator)
        complete_callback(
            actor=operator, callback=oldest, result=CallbackResult.REACHED, note="Перезвонили, вопрос решён."
        )
    if len(open_callbacks) > 1:
        assign_callback(actor=demo.supervisor, callback=open_callbacks[1], assignee=demo.users["operator2"])


def _script(demo: Demo) -> None:
    actor = demo.supervisor
    emergency_line = Line.objects.get(number=normalise_line(EMERGENCY_NUMBER))
    categories = {c.name: c for c in Category.objects.filter(name__in=["Протечка", "Нет света в квартире"])}
    script = create_script(
        actor=actor,
        name="Приём аварийной заявки",
        description="Для диспетчеров АДС: выяснить, что случилось, и открыть заявку с нужной категорией.",
        lines=[emergency_line],
        categories=[categories["Протечка"]],
    )
    version = draft_of(script)
    assert version is not None

    def node(spec: dict[str, Any], key: str | None = None) -> str:
        return str(save_node(actor=actor, version=version, node=spec, key=key)["key"])

    leak_ticket = node(
        {
            "kind": "end",
            "title": "Аварийная заявка: протечка",
            "text": "Назовите номер заявки. Бригада прибудет в течение 30 минут.",
            "outcome": {
                "action": "open_ticket",
                "queue_id": demo.queues["ads"].pk,
                "category_id": categories["Протечка"].pk,
                "subject": "Протечка — выезд аварийной бригады",
            },
        }
    )
    power_ticket = node(
        {
            "kind": "end",
            "title": "Аварийная заявка: нет света",
            "text": "Назовите номер заявки. Электрик свяжется с вами.",
            "outcome": {
                "action": "open_ticket",
                "queue_id": demo.queues["ads"].pk,
                "category_id": categories["Нет света в квартире"].pk,
                "subject": "Нет электроснабжения",
            },
        }
    )
    advice = node(
        {
            "kind": "end",
            "title": "Консультация без выезда",
            "text": "Подскажите, где щиток и как включить автомат. Если не поможет — перезвонят.",
            "outcome": {"action": "resolve", "resolution_note": "Дана консультация, выезд не потребовался."},
        }
    )
    billing = node(
        {
            "kind": "end",
            "title": "Не авария: в абонентский отдел",
            "text": "Объясните, что вопрос передаётся в абонентский отдел, ответ — в течение рабочего дня.",
            "outcome": {"action": "transfer", "queue_id": demo.queues["billing"].pk, "reason": "Вопрос не аварийный"},
        }
    )
    leak = node(
        {
            "title": "Протечка",
            "text": "Попросите перекрыть вводные краны и обесточить мокрые розетки. Вода продолжает поступать?",
            "answers": [
                {"label": "Да, течёт / заливает соседей", "next": leak_ticket},
                {"label": "Нет, перекрыли, нужен осмотр", "next": leak_ticket},
            ],
        }
    )
    power = node(
        {
            "title": "Нет света",
            "text": "Свет пропал во всей квартире, в подъезде или во всём доме? Пахнет гарью?",
            "answers": [
                {"label": "В доме или подъезде / пахнет гарью", "next": power_ticket},
                {"label": "Только в квартире, выбило автомат", "next": advice},
            ],
        }
    )
    node(
        {
            "title": "Приветствие",
            "text": "Аварийно-диспетчерская служба УК «Домовой», {agent.first_name}. Что случилось?",
            "answers": [
                {"label": "Протечка или прорыв трубы", "next": leak},
                {"label": "Нет света", "next": power},
                {"label": "Вопрос не аварийный (начисления, справки)", "next": billing},
            ],
        },
        key="start",
    )
    publish_version(actor=actor, version=version, note="Первая версия")


def load_section(demo: Demo) -> str:
    source = _sources(demo)
    calls = _calls(demo, source)
    _callbacks(demo)
    _script(demo)
    return f"2 АТС, 2 линии, {len(EXTENSIONS)} внутренних номеров, {calls} звонков, скрипт разговора"
