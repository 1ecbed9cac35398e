"""Running a call script during a call: step through it, step back, and finish with its outcome.

Finishing writes what the operator captured into the contact and the ticket (opening one, or updating the one
the run sits beside), performs the end node's action — open a ticket in a queue with a category, transfer to a
department, resolve on first contact, or only set the call's disposition — and saves the run on the ticket with
a note of the path taken. A preview (a supervisor trying a draft) goes through the same steps and changes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hotline.core import audit, events, roles
from hotline.core.contact_points import normalize_email, parse_phone
from hotline.core.errors import Conflict, Forbidden, ValidationFailed
from hotline.core.models import AuditLog, User
from hotline.customers.models import Contact
from hotline.customers.services import contact_points as contact_point_services
from hotline.customers.services import contacts as contact_services
from hotline.desk.choices import Channel, ResolutionCode
from hotline.desk.models import Category, Queue, Ticket
from hotline.desk.services import escalation, workflow
from hotline.desk.services import messages as desk_messages
from hotline.desk.services import tickets as ticket_services
from hotline.telephony.choices import NodeKind, OutcomeAction, RunStatus, ScriptStatus
from hotline.telephony.events import ScriptRunFinished
from hotline.telephony.models import Call, ScriptRun, ScriptVersion
from hotline.telephony.services import linking, script_graph
from hotline.telephony.services.common import require_agent, require_supervisor

VALUE_MAX = 4000


def placeholder_values(run: ScriptRun) -> dict[str, dict[str, Any]]:
    """What ``{contact.first_name}``, ``{ticket.number}``, ``{agent.first_name}``, ``{call.number}``,
    ``{lead.<key>}`` and ``{field.<key>}`` stand for in this run."""
    contact, ticket, call, agent = run.contact, run.ticket, run.call, run.agent
    lead = run.context.get("lead") if isinstance(run.context.get("lead"), dict) else {}
    return {
        "contact": {
            "name": contact.full_name if contact else "",
            "full_name": contact.full_name if contact else "",
            "first_name": contact.first_name if contact else "",
            "middle_name": contact.middle_name if contact else "",
            "last_name": contact.last_name if contact else "",
            "organisation": contact.organisation.name if contact and contact.organisation else "",
        },
        "ticket": {"number": ticket.number if ticket else "", "subject": ticket.subject if ticket else ""},
        "agent": {"first_name": agent.first_name if agent else "", "name": agent.display_name if agent else ""},
        "call": {
            "number": call.customer_e164 or call.customer_number if call else "",
            "line": call.line.name if call and call.line else "",
        },
        "lead": {str(k): v for k, v in (lead or {}).items()},
        "field": dict(run.values),
    }


def current_node(run: ScriptRun) -> dict[str, Any]:
    node = script_graph.node_by_key(run.version.graph, run.current)
    if node is None:
        raise Conflict(_("Узел «%(key)s» пропал из версии скрипта") % {"key": run.current})
    return node


def _locked(actor: User, run: ScriptRun) -> ScriptRun:
    run = ScriptRun.objects.select_for_update(of=("self",)).select_related("version", "version__script").get(pk=run.pk)
    if run.status != RunStatus.ACTIVE:
        raise Conflict(_("Прохождение скрипта уже завершено"))
    if run.agent_id != actor.pk and not roles.is_supervisor(actor):
        raise Forbidden(_("Скрипт ведёт другой сотрудник"))
    return run


def _first_key(version: ScriptVersion) -> str:
    nodes = script_graph.nodes_of(version.graph)
    if not nodes:
        raise Conflict(_("В скрипте нет ни одного шага"))
    return str(nodes[0]["key"])


@transaction.atomic
def start_run(
    *,
    actor: User,
    version: ScriptVersion,
    call: Call | None = None,
    ticket: Ticket | None = None,
    preview: bool = False,
    context: Mapping[str, Any] | None = None,
) -> ScriptRun:
    """Begin a run of a published version beside a call and/or a ticket (``preview``: a supervisor's dry run).

    Raises:
        Forbidden: not an agent (a preview: not a supervisor).
        Conflict: the version is not published (a preview may run a draft).
    """
    require_agent(actor)
    if preview:
        require_supervisor(actor)
    elif version.status != ScriptStatus.PUBLISHED:
        raise Conflict(_("Эта версия скрипта не опубликована"))
    if ticket is None and call is not None and call.ticket_id is not None:
        ticket = call.ticket
    contact = (ticket.contact if ticket is not None else None) or (call.contact if call is not None else None)
    return ScriptRun.objects.create(
        version=version,
        call=None if preview else call,
        ticket=None if preview else ticket,
        contact=None if preview else contact,
        agent=actor,
        current=_first_key(version),
        context={**(context or {}), "preview": preview},
    )


def _clean_values(node: Mapping[str, Any], values: Mapping[str, Any], known: Mapping[str, Any]) -> dict[str, str]:
    cleaned: dict[str, str] = {}
    for item in node.get("fields") or []:
        key, field = item["key"], f"values.{item['key']}"
        value = str(values.get(key, known.get(key, "")) or "").replace("\x00", "").strip()
        if item.get("required") and not value:
            raise ValidationFailed(_("Заполните «%(label)s»") % {"label": item["label"]}, field=field)
        if len(value) > VALUE_MAX:
            raise ValidationFailed(_("Не длиннее %(n)s символов") % {"n": VALUE_MAX}, field=field)
        if value and item.get("target") == "contact.email":
            value = normalize_email(value, field=field)
        if value and item.get("target") == "contact.phone":
            value = parse_phone(value, field=field).e164
        cleaned[key] = value
    return cleaned


@transaction.atomic
def choose_answer(*, actor: User, run: ScriptRun, answer: int, values: Mapping[str, Any] | None = None) -> ScriptRun:
    """Record the current step's fields and the customer's answer, and move to the node it leads to.

    Raises:
        Forbidden: another agent's run.
        Conflict: the run is finished, or this is an end node.
        ValidationFailed: a required field empty, a bad e-mail/phone, an answer that is not there.
    """
    run = _locked(actor, run)
    node = current_node(run)
    if node.get("kind") == NodeKind.END:
        raise Conflict(_("Это завершение скрипта: нажмите «Завершить»"))
    captured = _clean_values(node, values or {}, run.values)
    answers = node.get("answers") or []
    if not 0 <= answer < len(answers):
        raise ValidationFailed(_("Выберите ответ"), field="answer")
    target = str(answers[answer].get("next") or "")
    if script_graph.node_by_key(run.version.graph, target) is None:
        raise Conflict(_("Этот ответ пока никуда не ведёт"))
    run.values = {**run.values, **captured}
    run.path = [
        *run.path,
        {"node": node["key"], "title": node["title"], "answer": answer, "label": answers[answer]["label"],
         "at": timezone.now().isoformat()},
    ]  # fmt: skip
    run.current = target
    run.save(update_fields=["values", "path", "current"])
    return run


@transaction.atomic
def step_back(*, actor: User, run: ScriptRun) -> ScriptRun:
    """Return to the previous step (what was typed there stays filled in).

    Raises:
        Forbidden, Conflict (finished), ValidationFailed (already at the first step).
    """
    run = _locked(actor, run)
    if not run.path:
        raise ValidationFailed(_("Это первый шаг"), field="answer")
    *rest, last = run.path
    run.path = rest
    run.current = str(last["node"])
    run.save(update_fields=["path", "current"])
    return run


@transaction.atomic
def cancel_run(*, actor: User, run: ScriptRun) -> ScriptRun:
    """Stop the run without its outcome (the caller hung up, the wrong script was picked).

    Raises:
        Forbidden, Conflict.
    """
    run = _locked(actor, run)
    run.status = RunStatus.CANCELLED
    run.finished_at = timezone.now()
    run.save(update_fields=["status", "finished_at"])
    return run


@transaction.atomic
def finish_run(*, actor: User, run: ScriptRun, values: Mapping[str, Any] | None = None) -> ScriptRun:
    """At an end node: write the captured fields, perform the outcome, save the run on the ticket.

    Raises:
        Forbidden: another agent's run, or the agent may not change the ticket.
        Conflict: not at an end node; the ticket is closed.
        ValidationFailed: a required field empty; the outcome's queue or category was disabled since.
    """
    run = _locked(actor, run)
    node = current_node(run)
    if node.get("kind") != NodeKind.END:
        raise Conflict(_("Скрипт ещё не дошёл до завершения"))
    run.values = {**run.values, **_clean_values(node, values or {}, run.values)}
    outcome = dict(node.get("outcome") or {})
    action = str(outcome.get("action") or OutcomeAction.DISPOSITION)
    done: dict[str, Any] = {"action": action, "node": node["key"]}
    if not run.context.get("preview"):
        contact = _write_contact(actor, run)
        ticket = _prepare_ticket(actor, run, outcome, contact, done)
        run.contact = contact
        if ticket is not None:
            run.ticket = ticket
            done["ticket"] = ticket.number
            # The note first: after a transfer the operator may no longer work on the ticket.
            desk_messages.add_note(actor=actor, ticket=ticket, body_text=transcript(run, node))
            _complete_action(actor, run, outcome, ticket, done)
        if run.call is not None:
            linking.link_call(actor=actor, call=run.call, ticket=ticket, contact=contact)
            disposition = outcome.get("disposition") or str(OutcomeAction(action).label)
            linking.set_disposition(actor=actor, call=run.call, disposition=disposition)
    else:
        done["preview"] = True
    run.status = RunStatus.FINISHED
    run.finished_at = timezone.now()
    run.outcome = done
    run.path = [*run.path, {"node": node["key"], "title": node["title"], "answer": None, "label": "",
                            "at": run.finished_at.isoformat()}]  # fmt: skip
    run.save(update_fields=["values", "status", "finished_at", "outcome", "path", "ticket", "contact"])
    audit.record(
        actor=actor, action=AuditLog.Action.UPDATE, obj=run, summary=f"script run finished: {action}", changes=done
    )
    events.publish(
        ScriptRunFinished(actor_id=actor.pk, run_id=run.pk, action=action, ticket_id=run.ticket_id, call_id=run.call_id)
    )
    return run


def _targets(run: ScriptRun) -> dict[str, str]:
    """target → value for every captured field that writes somewhere."""
    found: dict[str, str] = {}
    for node in script_graph.nodes_of(run.version.graph):
        for item in node.get("fields") or []:
            value = run.values.get(item["key"])
            if item.get("target") and value:
                found[item["target"]] = str(value)
    return found


def _write_contact(actor: User, run: ScriptRun) -> Contact | None:
    wanted = {k.removeprefix("contact."): v for k, v in _targets(run).items() if k.startswith("contact.")}
    contact = run.contact
    call_number = run.call.customer_e164 if run.call is not None else ""
    if contact is None:
        if not wanted:
            return None
        phones = [p for p in (wanted.get("phone") or call_number,) if p]
        return contact_services.create_contact(
            actor=actor,
            full_name=wanted.get("full_name", ""),
            phones=phones,
            emails=[wanted["email"]] if wanted.get("email") else [],
            notes=wanted.get("notes", ""),
        )
    if "full_name" in wanted or "notes" in wanted:
        notes = wanted.get("notes")
        contact = contact_services.update_contact(
            actor=actor,
            contact=contact,
            full_name=wanted.get("full_name"),
            notes=f"{contact.notes}\n{notes}".strip() if notes else None,
        )
    if wanted.get("email") and not contact.emails.filter(email=wanted["email"]).exists():
        contact_point_services.add_email(actor=actor, contact=contact, email=wanted["email"])
    if wanted.get("phone") and not contact.phones.filter(e164=wanted["phone"]).exists():
        contact_point_services.add_phone(actor=actor, contact=contact, number=wanted["phone"])
    return contact


def _ticket_fields(run: ScriptRun) -> tuple[dict[str, str], dict[str, str]]:
    targets = _targets(run)
    plain = {k.removeprefix("ticket."): v for k, v in targets.items() if k in script_graph.TICKET_TARGETS}
    custom = {
        k.removeprefix(script_graph.CUSTOM_PREFIX): v
        for k, v in targets.items()
        if k.startswith(script_graph.CUSTOM_PREFIX)
    }
    return plain, custom


def _outcome_refs(outcome: Mapping[str, Any]) -> tuple[Queue | None, Category | None]:
    queue_id, category_id = outcome.get("queue_id"), outcome.get("category_id")
    queue = Queue.objects.filter(pk=int(queue_id)).first() if queue_id else None
    category = Category.objects.filter(pk=int(category_id)).first() if category_id else None
    for item, field in ((queue, "outcome.queue_id"), (category, "outcome.category_id")):
        if item is not None and not item.is_active:
            raise ValidationFailed(_("«%(name)s» отключена: скрипт нужно поправить") % {"name": item}, field=field)
    return queue, category


def _reason(run: ScriptRun, outcome: Mapping[str, Any]) -> str:
    rendered = script_graph.render(outcome.get("reason") or "", placeholder_values(run))
    return rendered or _("По скрипту «%(name)s»") % {"name": run.version.script.name}


def _prepare_ticket(
    actor: User, run: ScriptRun, outcome: Mapping[str, Any], contact: Contact | None, done: dict[str, Any]
) -> Ticket | None:
    """The ticket the outcome acts on, with the captured fields written: opened now, or the run's own one."""
    action = outcome.get("action")
    queue, category = _outcome_refs(outcome)
    plain, custom = _ticket_fields(run)
    ticket = run.ticket
    if action == OutcomeAction.DISPOSITION:
        return ticket
    if ticket is None:
        rendered = script_graph.render(outcome.get("subject") or "", placeholder_values(run)).replace("…", "").strip()
        ticket = ticket_services.open_ticket(
            actor=actor,
            subject=plain.get("subject") or rendered or run.version.script.name,
            description=plain.get("description", ""),
            channel=Channel.PHONE,
            contact=contact,
            queue=queue,
            category=category,
            custom_fields=custom or None,
        )
        done["opened"] = True
        return ticket
    _update_ticket(actor, ticket, category, custom, plain)
    return ticket


def _complete_action(
    actor: User, run: ScriptRun, outcome: Mapping[str, Any], ticket: Ticket, done: dict[str, Any]
) -> None:
    """Move or resolve the ticket as the end node says (an opened ticket is already in its queue)."""
    action = outcome.get("action")
    queue, _category = _outcome_refs(outcome)
    if (
        action in (OutcomeAction.OPEN_TICKET, OutcomeAction.TRANSFER)
        and queue is not None
        and queue.pk != ticket.queue_id
    ):
        escalation.transfer_ticket(actor=actor, ticket=ticket, to_queue=queue, reason=_reason(run, outcome))
        done["queue"] = queue.name
    if action == OutcomeAction.RESOLVE:
        note = script_graph.render(outcome.get("resolution_note") or "", placeholder_values(run)) or _reason(
            run, outcome
        )
        workflow.resolve_ticket(
            actor=actor, ticket=ticket, resolution_code=ResolutionCode.CONSULTATION, resolution_note=note
        )
        done["resolved"] = True


def _update_ticket(
    actor: User, ticket: Ticket, category: Category | None, custom: dict[str, str], plain: dict[str, str]
) -> None:
    if category is not None and category.pk != ticket.category_id:
        ticket_services.change_category(actor=actor, ticket=ticket, category=category, custom_fields=custom or None)
    elif custom:
        ticket_services.set_custom_fields(actor=actor, ticket=ticket, values=custom)
    if plain:
        ticket_services.update_ticket(
            actor=actor, ticket=ticket, subject=plain.get("subject"), description=plain.get("description")
        )


def transcript(run: ScriptRun, end: Mapping[str, Any]) -> str:
    """The run as a note on the ticket: the script and version, each step with its answer, what was captured."""
    lines = [
        _("Скрипт «%(name)s», версия %(number)s:") % {"name": run.version.script.name, "number": run.version.number}
    ]
    for index, step in enumerate(run.path, start=1):
        lines.append(f"{index}. {step.get('title')} → {step.get('label')}")
    lines.append(_("Итог: %(title)s") % {"title": end.get("title")})
    labels = {
        item["key"]: item["label"]
        for node in script_graph.nodes_of(run.version.graph)
        for item in node.get("fields") or []
    }
    captured = [f"{labels.get(key, key)}: {value}" for key, value in run.values.items() if value]
    if captured:
        lines.append(_("Записано:"))
        lines.extend(f"— {item}" for item in captured)
    return "\n".join(lines)
