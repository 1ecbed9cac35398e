"""Call scripts: the editor's drafts and versions, and a run during a call that opens a ticket with captured fields."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from hotline.core.errors import Conflict, Forbidden, ValidationFailed
from hotline.core.models import User
from hotline.customers.models import Contact
from hotline.desk.choices import CustomFieldType, Status
from hotline.desk.models import Category, Message, Queue, Ticket
from hotline.desk.services.tickets import open_ticket
from hotline.desk.tests.factories import CategoryFactory, CustomFieldDefinitionFactory, DepartmentFactory
from hotline.telephony.adapters.base import CallEventData
from hotline.telephony.choices import NodeKind, OutcomeAction, RunStatus, ScriptStatus
from hotline.telephony.models import Call, PbxSource, ScriptVersion
from hotline.telephony.services import runs, script_graph, scripts
from hotline.telephony.services.calls import apply_event
from hotline.telephony.services.ingest import store_event

pytestmark = pytest.mark.django_db


@pytest.fixture
def water(db: None) -> Category:
    category = CategoryFactory.create(name="Водоснабжение")
    CustomFieldDefinitionFactory.create(
        category=category, key="address", label="Адрес", field_type=CustomFieldType.TEXT, required=True
    )
    return category


def build(supervisor: User, category: Category, queue: Queue | None = None) -> ScriptVersion:
    """Greeting → "no water?" → address + name → end: open a ticket in the queue with the category."""
    script = scripts.create_script(actor=supervisor, name="Нет воды")
    draft = scripts.draft_of(script)
    assert draft is not None
    end = scripts.save_node(
        actor=supervisor,
        version=draft,
        node={
            "kind": NodeKind.END,
            "title": "Открыть заявку",
            "text": "Заявка будет передана диспетчеру. Номер сообщу сейчас.",
            "outcome": {
                "action": OutcomeAction.OPEN_TICKET,
                "queue_id": queue.pk if queue else None,
                "category_id": category.pk,
                "subject": "Нет воды: {field.address}",
            },
        },
    )
    consult = scripts.save_node(
        actor=supervisor,
        version=draft,
        node={
            "kind": NodeKind.END,
            "title": "Консультация",
            "outcome": {"action": OutcomeAction.DISPOSITION, "disposition": "консультация"},
        },
    )
    address = scripts.save_node(
        actor=supervisor,
        version=draft,
        node={
            "kind": NodeKind.STEP,
            "title": "Адрес",
            "text": "{contact.first_name}, назовите, пожалуйста, адрес и как к вам обращаться.",
            "fields": [
                {"key": "address", "label": "Адрес", "target": "ticket.custom_fields.address", "required": True},
                {"key": "name", "label": "ФИО", "target": "contact.full_name"},
                {"key": "details", "label": "Подробности", "target": "ticket.description"},
            ],
            "answers": [{"label": "Записал", "next": end["key"]}],
        },
    )
    scripts.save_node(
        actor=supervisor,
        version=draft,
        key="start",
        node={
            "kind": NodeKind.STEP,
            "title": "Приветствие",
            "text": "Здравствуйте! Меня зовут {agent.first_name}. Нет воды?",
            "answers": [
                {"label": "Да, нет воды", "next": address["key"]},
                {"label": "Другой вопрос", "next": consult["key"]},
            ],
        },
    )
    return scripts.publish_version(actor=supervisor, version=draft, note="первая версия")


def _ringing_call(source: PbxSource, number: str = "+79123456789") -> Call:
    event = CallEventData(
        call_id="c-script",
        kind="answered",
        occurred_at=timezone.now(),
        caller=number,
        extension="101",
        direction="inbound",
    )
    row, _created = store_event(source=source, event=event)
    call = apply_event(row.pk)
    assert call is not None
    return call


def test_a_run_during_a_call_opens_a_ticket_with_the_captured_fields(
    supervisor: User, operator: User, water: Category, line1: Queue, generic_source: PbxSource, caller: Contact
) -> None:
    version = build(supervisor, water, line1)
    call = _ringing_call(generic_source)
    run = runs.start_run(actor=operator, version=version, call=call)
    first = runs.current_node(run)
    assert (
        script_graph.render(first["text"], runs.placeholder_values(run)) == "Здравствуйте! Меня зовут Ольга. Нет воды?"
    )
    run = runs.choose_answer(actor=operator, run=run, answer=0)
    assert script_graph.render(runs.current_node(run)["text"], runs.placeholder_values(run)).startswith("…, назовите")
    with pytest.raises(ValidationFailed) as missing:
        runs.choose_answer(actor=operator, run=run, answer=0, values={"name": "Иванова Анна"})
    assert missing.value.field == "values.address"
    run = runs.choose_answer(
        actor=operator,
        run=run,
        answer=0,
        values={
            "address": "ул. Ленина, 5, кв. 12",
            "name": "Иванова Анна Сергеевна",
            "details": "С утра нет холодной воды",
        },
    )
    run = runs.finish_run(actor=operator, run=run)

    assert run.status == RunStatus.FINISHED
    ticket = Ticket.objects.get()
    assert ticket.subject == "Нет воды: ул. Ленина, 5, кв. 12"
    assert ticket.description == "С утра нет холодной воды"
    assert ticket.custom_fields == {"address": "ул. Ленина, 5, кв. 12"}
    assert ticket.category_id == water.pk
    assert ticket.queue_id == line1.pk
    assert ticket.contact_id == caller.pk
    assert run.ticket_id == ticket.pk
    assert run.version_id == version.pk  # the ticket keeps the version it was handled by
    call.refresh_from_db()
    assert (call.ticket_id, call.disposition) == (ticket.pk, "открыть заявку")
    note = Message.objects.filter(ticket=ticket, is_internal=True).last()
    assert note is not None
    assert "Скрипт «Нет воды», версия 1" in note.body_text
    assert "Приветствие → Да, нет воды" in note.body_text
    assert "Адрес: ул. Ленина, 5, кв. 12" in note.body_text


def test_step_back_keeps_what_was_typed(supervisor: User, operator: User, water: Category) -> None:
    version = build(supervisor, water)
    run = runs.start_run(actor=operator, version=version)
    run = runs.choose_answer(actor=operator, run=run, answer=0)
    run = runs.choose_answer(actor=operator, run=run, answer=0, values={"address": "Мира, 1"})
    assert runs.current_node(run)["kind"] == NodeKind.END
    run = runs.step_back(actor=operator, run=run)
    assert runs.current_node(run)["title"] == "Адрес"
    assert run.values["address"] == "Мира, 1"
    run = runs.step_back(actor=operator, run=run)
    with pytest.raises(ValidationFailed):
        runs.step_back(actor=operator, run=run)


def test_a_consultation_only_sets_the_disposition_and_makes_the_contact(
    supervisor: User, operator: User, water: Category, generic_source: PbxSource
) -> None:
    version = build(supervisor, water)
    call = _ringing_call(generic_source, "+79990001122")
    run = runs.start_run(actor=operator, version=version, call=call)
    run = runs.choose_answer(actor=operator, run=run, answer=1)
    run = runs.finish_run(actor=operator, run=run)
    assert not Ticket.objects.exists()
    call.refresh_from_db()
    assert call.disposition == "консультация"


def test_published_versions_are_immutable_and_new_drafts_copy_them(
    supervisor: User, operator: User, water: Category
) -> None:
    v1 = build(supervisor, water)
    with pytest.raises(Conflict):
        scripts.save_node(actor=supervisor, version=v1, key="start", node={"title": "Иначе", "answers": []})
    run = runs.start_run(actor=operator, version=v1)
    v2 = scripts.start_draft(actor=supervisor, script=v1.script)
    assert (v2.number, v2.status) == (2, ScriptStatus.DRAFT)
    assert v2.graph == v1.graph
    scripts.save_node(
        actor=supervisor,
        version=v2,
        key="start",
        node={
            "title": "Приветствие v2",
            "answers": v2.graph["nodes"][0]["answers"],
            "kind": "step",
        },
    )
    scripts.publish_version(actor=supervisor, version=v2)
    v1.refresh_from_db()
    assert v1.status == ScriptStatus.RETIRED
    assert v1.graph["nodes"][0]["title"] == "Приветствие"
    run.refresh_from_db()
    assert run.version_id == v1.pk
    with pytest.raises(Conflict):
        runs.start_run(actor=operator, version=v1)  # retired: new runs take the published version


def test_publishing_checks_the_graph(supervisor: User) -> None:
    script = scripts.create_script(actor=supervisor, name="Черновик")
    draft = scripts.draft_of(script)
    assert draft is not None
    with pytest.raises(ValidationFailed) as no_answers:
        scripts.publish_version(actor=supervisor, version=draft)
    assert "ответ" in no_answers.value.message
    orphan = scripts.save_node(
        actor=supervisor, version=draft, node={"kind": "end", "title": "Итог", "outcome": {"action": "resolve"}}
    )
    scripts.save_node(
        actor=supervisor,
        version=draft,
        key="start",
        node={"title": "Здравствуйте", "answers": [{"label": "Дальше", "next": orphan["key"]}]},
    )
    extra = scripts.save_node(
        actor=supervisor, version=draft, node={"kind": "end", "title": "Лишний", "outcome": {"action": "resolve"}}
    )
    with pytest.raises(ValidationFailed) as unreachable:
        scripts.publish_version(actor=supervisor, version=draft)
    assert unreachable.value.field == f"node.{extra['key']}"
    scripts.delete_node(actor=supervisor, version=draft, key=extra["key"])
    assert scripts.publish_version(actor=supervisor, version=draft).status == ScriptStatus.PUBLISHED


@pytest.mark.parametrize(
    ("node", "field"),
    [
        ({"title": ""}, "title"),
        ({"title": "Шаг", "answers": [{"label": "", "next": "start"}]}, "answers.0.label"),
        ({"title": "Шаг", "answers": [{"label": "Да", "next": "nowhere"}]}, "answers.0.next"),
        ({"title": "Шаг", "fields": [{"label": "Адрес", "key": "Адрес"}]}, "fields.0.key"),
        ({"title": "Шаг", "fields": [{"label": "X", "key": "x", "target": "ticket.assignee"}]}, "fields.0.target"),
        ({"kind": "end", "title": "Конец", "outcome": {"action": "transfer"}}, "outcome.queue_id"),
        ({"kind": "end", "title": "Конец", "outcome": {"action": "fly"}}, "outcome.action"),
    ],
)
def test_node_errors_name_the_field(supervisor: User, node: dict[str, Any], field: str) -> None:
    script = scripts.create_script(actor=supervisor, name="Скрипт")
    draft = scripts.draft_of(script)
    assert draft is not None
    with pytest.raises(ValidationFailed) as error:
        scripts.save_node(actor=supervisor, version=draft, node=node)
    assert error.value.field == field


def test_reorder_changes_where_runs_start(supervisor: User, water: Category) -> None:
    version = build(supervisor, water)
    draft = scripts.start_draft(actor=supervisor, script=version.script)
    keys = [n["key"] for n in draft.graph["nodes"]]
    scripts.move_node(actor=supervisor, version=draft, key=keys[-1], offset=-1)
    draft.refresh_from_db()
    assert [n["key"] for n in draft.graph["nodes"]] == [*keys[:-2], keys[-1], keys[-2]]


def test_only_supervisors_edit_and_only_the_runner_runs(
    supervisor: User, operator: User, operator2: User, water: Category
) -> None:
    with pytest.raises(Forbidden):
        scripts.create_script(actor=operator, name="Мой скрипт")
    version = build(supervisor, water)
    run = runs.start_run(actor=operator, version=version)
    with pytest.raises(Forbidden):
        runs.choose_answer(actor=operator2, run=run, answer=0)


def test_a_transfer_outcome_moves_the_ticket_with_the_reason(
    supervisor: User, operator: User, water: Category, line1: Queue
) -> None:
    department = DepartmentFactory.create(name="Аварийная служба")
    script = scripts.create_script(actor=supervisor, name="Авария")
    draft = scripts.draft_of(script)
    assert draft is not None
    end = scripts.save_node(
        actor=supervisor,
        version=draft,
        node={
            "kind": "end",
            "title": "В аварийку",
            "outcome": {"action": "transfer", "queue_id": department.pk, "reason": "Прорыв трубы"},
        },
    )
    scripts.save_node(
        actor=supervisor,
        version=draft,
        key="start",
        node={"title": "Что случилось?", "answers": [{"label": "Прорыв", "next": end["key"]}]},
    )
    version = scripts.publish_version(actor=supervisor, version=draft)
    ticket = open_ticket(actor=operator, subject="Течёт в подвале", channel="phone", queue=line1)
    run = runs.start_run(actor=operator, version=version, ticket=ticket)
    run = runs.choose_answer(actor=operator, run=run, answer=0)
    runs.finish_run(actor=operator, run=run)
    ticket.refresh_from_db()
    assert ticket.queue_id == department.pk
    assert ticket.history.filter(action="transferred", reason="Прорыв трубы").exists()
    assert ticket.status == Status.NEW
