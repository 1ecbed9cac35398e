"""The script editor (supervisors) and the runner beside a ticket during a call, through their pages."""

from __future__ import annotations

import pytest
from django.test import Client

from hotline.core.models import User
from hotline.customers.models import Contact
from hotline.desk.models import Category, Queue, Ticket
from hotline.desk.tests.factories import CategoryFactory
from hotline.telephony.choices import ScriptStatus
from hotline.telephony.models import CallScript, PbxSource, ScriptRun
from hotline.telephony.tests.helpers import call

pytestmark = pytest.mark.django_db


@pytest.fixture
def category(db: None) -> Category:
    return CategoryFactory.create(name="Водоснабжение")


def test_a_supervisor_builds_previews_and_publishes_a_script(
    client: Client, supervisor: User, category: Category, line1: Queue, django_assert_max_num_queries: object
) -> None:
    client.force_login(supervisor)
    created = client.post("/telephony/scripts/", {"name": "Нет воды", "is_active": "on", "categories": [category.pk]})
    assert created.status_code == 302
    script = CallScript.objects.get()
    url = f"/telephony/scripts/{script.pk}/"
    end = client.post(
        url + "nodes/",
        {"kind": "end", "title": "Открыть заявку", "outcome_action": "open_ticket", "outcome_queue_id": str(line1.pk),
         "outcome_category_id": str(category.pk), "outcome_subject": "Нет воды: {field.address}"},
    )  # fmt: skip
    assert end.status_code == 302
    step = client.post(
        url + "nodes/start/",
        {"kind": "step", "title": "Приветствие", "text": "Здравствуйте, {contact.first_name}!",
         "field_label_0": "Адрес", "field_key_0": "address", "field_target_0": "ticket.description",
         "field_required_0": "on", "answer_label_0": "Нет воды", "answer_next_0": "n2",
         "answer_label_1": "", "answer_next_1": ""},
    )  # fmt: skip
    assert step.status_code == 302
    bad = client.post(url + "nodes/", {"kind": "step", "title": "", "answer_label_0": "x", "answer_next_0": "n2"})
    assert bad.status_code == 422
    assert "Заполните: название" in bad.content.decode()
    with django_assert_max_num_queries(15):  # type: ignore[operator]
        page = client.get(url)
    assert "Предпросмотр" in page.content.decode()
    preview = client.post(
        "/telephony/runs/", {"version": script.versions.get().pk, "preview": "1"}, headers={"HX-Request": "true"}
    )
    assert "Здравствуйте, …!" in preview.content.decode()
    assert client.post(url + "publish/").status_code == 302
    version = script.versions.get()
    assert version.status == ScriptStatus.PUBLISHED
    assert "Опубликованная версия не меняется" in client.get(url).content.decode()
    assert (
        client.post(url + "nodes/start/", {"kind": "step", "title": "Иначе"}).status_code == 404
    )  # no draft to change
    assert client.post(url + "draft/").status_code == 302
    assert script.versions.filter(status=ScriptStatus.DRAFT, number=2).exists()


def test_operators_cannot_open_the_editor(client: Client, operator: User) -> None:
    client.force_login(operator)
    assert client.get("/telephony/scripts/").status_code == 403


def test_the_runner_beside_a_ticket_during_a_call(
    client: Client,
    supervisor: User,
    operator: User,
    category: Category,
    line1: Queue,
    caller: Contact,
    generic_source: PbxSource,
) -> None:
    from hotline.telephony.services import scripts

    script = scripts.create_script(actor=supervisor, name="Нет воды", categories=[category])
    draft = scripts.draft_of(script)
    assert draft is not None
    end = scripts.save_node(
        actor=supervisor,
        version=draft,
        node={"kind": "end", "title": "Заявка", "outcome": {"action": "open_ticket", "category_id": category.pk}},
    )
    scripts.save_node(
        actor=supervisor,
        version=draft,
        key="start",
        node={"title": "Адрес?",
              "fields": [{"key": "address", "label": "Адрес", "target": "ticket.subject", "required": True}],
              "answers": [{"label": "Записал", "next": end["key"]}]},
    )  # fmt: skip
    version = scripts.publish_version(actor=supervisor, version=draft)
    talking = call(generic_source, state="answered")
    client.force_login(operator)
    tools = client.get(f"/telephony/pop/{talking.pk}/tools/").content.decode()
    assert "Нет воды" in tools  # the script is offered in the caller's card
    started = client.post(
        "/telephony/runs/", {"version": version.pk, "call": talking.pk}, headers={"HX-Request": "true"}
    )
    run = ScriptRun.objects.get()
    assert "Адрес?" in started.content.decode()
    missing = client.post(
        f"/telephony/runs/{run.pk}/answer/", {"answer": "1", "v_address": ""}, headers={"HX-Request": "true"}
    )
    assert missing.status_code == 422
    assert "Заполните «Адрес»" in missing.content.decode()
    client.post(
        f"/telephony/runs/{run.pk}/answer/", {"answer": "1", "v_address": "Мира, 7"}, headers={"HX-Request": "true"}
    )
    back = client.post(f"/telephony/runs/{run.pk}/back/", headers={"HX-Request": "true"})
    assert 'value="Мира, 7"' in back.content.decode()
    client.post(
        f"/telephony/runs/{run.pk}/answer/", {"answer": "1", "v_address": "Мира, 7"}, headers={"HX-Request": "true"}
    )
    finished = client.post(f"/telephony/runs/{run.pk}/finish/", headers={"HX-Request": "true"})
    ticket = Ticket.objects.get()
    assert finished.status_code == 204
    assert finished["HX-Redirect"] == f"/desk/t/{ticket.number}/"
    assert (ticket.subject, ticket.category_id, ticket.contact_id) == ("Мира, 7", category.pk, caller.pk)
    panel = client.get(f"/telephony/ticket/{ticket.number}/").content.decode()
    assert "Пройденные скрипты" in panel
    assert "Адрес? → <strong>Записал</strong>" in panel


def test_the_script_list_costs_the_same_queries_for_many_scripts(
    client: Client, supervisor: User, category: Category, django_assert_max_num_queries: object
) -> None:
    from hotline.telephony.services import scripts

    for index in range(8):
        scripts.create_script(actor=supervisor, name=f"Скрипт {index}", categories=[category])
    client.force_login(supervisor)
    with django_assert_max_num_queries(10):  # type: ignore[operator]
        assert client.get("/telephony/scripts/").status_code == 200
