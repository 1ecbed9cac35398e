"""The ticket page: the timeline, the reply and note editors, and every action on the ticket.

Each action is a POST that calls one desk service. A refused action re-renders the page with the
dialog open and the error beside its field (HTTP 422); a done one redirects back with a notice.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from hotline.core.errors import DomainError, NotFound, ValidationFailed
from hotline.core.models import User
from hotline.customers import services as contact_services
from hotline.desk import extensions, permissions, selectors
from hotline.desk.choices import OPEN_STATUSES, Priority, ResolutionCode, Status
from hotline.desk.forms import (
    AssignForm,
    CategoryForm,
    EscalateForm,
    LinkForm,
    MergeForm,
    NoteForm,
    PriorityForm,
    ReplyForm,
    ResolveForm,
    SplitForm,
    StatusForm,
    TransferForm,
)
from hotline.desk.models import Message, Queue, SatisfactionRating, Ticket, TicketLink
from hotline.desk.services import assignment, escalation, relations, tickets, workflow
from hotline.desk.services import messages as message_services
from hotline.desk.services.common import ensure_can_work
from hotline.desk.services.workflow import allowed_statuses
from hotline.desk.views import fields
from hotline.desk.views.common import actor, agent_required, form_error
from hotline.desk.views.queue import agent_choices

# History rows shown as lines in the timeline; escalation, transfer, merge and split already
# leave a system message there, so their history rows would only repeat it.
TIMELINE_ACTIONS = {
    "status_changed", "assigned", "taken", "priority_changed", "category_changed", "resolved", "closed",
    "reopened", "cancelled", "auto_closed", "rated", "contact_changed", "tags_changed", "linked", "unlinked",
}  # fmt: skip
OPEN = [str(s) for s in OPEN_STATUSES]


def _value_label(field: str, value: str) -> str:
    if field == "status" and value in Status.values:
        return str(Status(value).label)
    if field == "priority" and value.isdigit() and int(value) in Priority.values:
        return str(Priority(int(value)).label)
    return value


def build_timeline(user: User, ticket: Ticket) -> list[dict[str, Any]]:
    """Messages and notable changes in one list, oldest first."""
    items: list[dict[str, Any]] = [
        {
            "at": m.created_at,
            "kind": "system" if m.kind == "system" else ("note" if m.is_internal else "message"),
            "m": m,
        }
        for m in selectors.list_messages(user, ticket)
    ]
    if permissions.can_view_internal(user):
        # One action writes a row per changed field; show it once, by its most telling field.
        shown: dict[tuple[Any, ...], dict[str, Any]] = {}
        for h in selectors.ticket_history(user, ticket):
            if h.action not in TIMELINE_ACTIONS:
                continue
            key = (h.at.replace(microsecond=0), h.action, h.actor_id)
            if key in shown and (shown[key]["h"].field == "status" or (h.field != "status" and shown[key]["new"])):
                continue
            if key in shown:
                items.remove(shown[key])
            shown[key] = item = {
                "at": h.at,
                "kind": "event",
                "h": h,
                "old": _value_label(h.field, h.old_value),
                "new": _value_label(h.field, h.new_value),
            }
            items.append(item)
    items.sort(key=lambda item: item["at"])
    return items


def _get(request: HttpRequest, ref: str) -> Ticket:
    return selectors.get_ticket_for(actor(request), ref)


def _links(ticket: Ticket) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for link in TicketLink.objects.filter(source=ticket).select_related("target"):
        out.append({"link": link, "other": link.target, "label": link.get_kind_display()})
    for link in TicketLink.objects.filter(target=ticket).select_related("source"):
        out.append({"link": link, "other": link.source, "label": link.get_kind_display()})
    return out


def ticket_context(request: HttpRequest, ticket: Ticket, **bound: Any) -> dict[str, Any]:
    """The ticket page. Its dialogs (escalate, transfer, resolve, merge…) come with it only when one of them is
    re-rendered with an error (``open_dialog``); otherwise the page loads them on first use (``dialogs``)."""
    user = actor(request)
    agents = agent_choices(user)
    timeline = build_timeline(user, ticket)
    contact = ticket.contact
    contact_tickets: list[Ticket] = []
    phones: list[Any] = []
    emails: list[Any] = []
    if contact is not None:
        contact_tickets = list(selectors.list_tickets(user, contact_id=contact.pk).exclude(pk=ticket.pk)[:6])
        phones = list(contact.phones.all())
        emails = list(contact.emails.all())
        contact_services.record_contact_view(actor=user, contact=contact)
    extensions.attach_badges([ticket])
    context: dict[str, Any] = {
        "nav_section": "tickets",
        "ticket": ticket,
        "timeline": timeline,
        "can_work": permissions.can_work_on_ticket(user, ticket),
        "allowed_statuses": [(s, Status(s).label) for s in allowed_statuses(ticket.status)],
        "contact": contact,
        "phones": phones,
        "emails": emails,
        "contact_tickets": contact_tickets,
        "links": _links(ticket),
        "tags": list(ticket.tags.all()),
        "rating": SatisfactionRating.objects.filter(ticket=ticket).first(),
        "resolution_label": (
            ResolutionCode(ticket.resolution_code).label
            if ticket.resolution_code in ResolutionCode.values
            else ticket.resolution_code
        ),
        "is_open": ticket.status in OPEN,
        "reply_form": ReplyForm(),
        "note_form": NoteForm(),
        "category_form": CategoryForm(initial={"category": ticket.category_id}),
        "assign_form": AssignForm(agents=agents, initial={"assignee": ticket.assignee_id}),
        "cf_fields": fields.field_rows(ticket.category, ticket.custom_fields),
        "editor_mode": "reply",
        "open_dialog": "",
    }
    if bound.get("open_dialog"):
        context.update(_dialog_forms(user, ticket, timeline))
    context.update(bound)
    return context


def _dialog_forms(user: User, ticket: Ticket, timeline: list[dict[str, Any]]) -> dict[str, Any]:
    other_queues = [q for q in selectors.list_queues_for(user) if q.pk != ticket.queue_id]
    public = [i["m"] for i in timeline if i["kind"] == "message"]
    return {
        "status_form": StatusForm(initial={"status": ticket.status}),
        "resolve_form": ResolveForm(initial={"resolution_code": ResolutionCode.SOLVED}),
        "priority_form": PriorityForm(
            initial={"impact": ticket.impact, "urgency": ticket.urgency, "priority": ticket.priority}
        ),
        "escalate_form": EscalateForm(queues=other_queues),
        "transfer_form": TransferForm(queues=other_queues),
        "merge_form": MergeForm(),
        "link_form": LinkForm(),
        "split_form": SplitForm(message_choices=[(m.pk, _message_label(m)) for m in public]),
    }


@require_GET
@agent_required
def dialogs(request: HttpRequest, ref: str) -> HttpResponse:
    """The ticket page's dialogs, fetched the first time one is opened: most views of a ticket open none, and
    their forms were a quarter of the page's rendering."""
    user = actor(request)
    ticket = _get(request, ref)
    ensure_can_work(user, ticket)
    context = {
        "ticket": ticket,
        "cf_fields": fields.field_rows(ticket.category, ticket.custom_fields),
        "open_dialog": "",
        **_dialog_forms(user, ticket, build_timeline(user, ticket)),
    }
    return render(request, "desk/partials/ticket_dialogs.html", context)


def _message_label(m: Message) -> str:
    text = " ".join(m.body_text.split())
    return f"{m.created_at:%d.%m %H:%M} — {text[:80]}"


@agent_required
def ticket_detail(request: HttpRequest, ref: str) -> HttpResponse:
    ticket = _get(request, ref)
    if ticket.number != ref:
        return redirect("desk:ticket", ref=ticket.number)
    return render(request, "desk/ticket.html", ticket_context(request, ticket))


@agent_required
def timeline(request: HttpRequest, ref: str) -> HttpResponse:
    ticket = _get(request, ref)
    return render(
        request, "desk/partials/timeline.html", {"ticket": ticket, "timeline": build_timeline(actor(request), ticket)}
    )


def _run(
    request: HttpRequest,
    ref: str,
    form_cls: Callable[..., forms.Form],
    context_key: str,
    action: Callable[[User, Ticket, dict[str, Any]], str],
    *,
    dialog: str = "",
    form_kwargs: Callable[[User, Ticket], dict[str, Any]] | None = None,
    editor_mode: str = "",
) -> HttpResponse:
    """Parse the form, call the service, redirect with a notice — or re-render with the error in place."""
    user = actor(request)
    ticket = _get(request, ref)
    kwargs = form_kwargs(user, ticket) if form_kwargs else {}
    form = form_cls(request.POST, request.FILES or None, **kwargs)
    if form.is_valid():
        try:
            # One transaction: a reply that is sent and then fails to resolve is not half-saved.
            with transaction.atomic():
                notice = action(user, ticket, form.cleaned_data)
        except DomainError as exc:
            form_error(form, exc)
        else:
            messages.success(request, notice)
            if not _still_visible(user, ticket):
                return redirect("desk:tickets")
            return redirect("desk:ticket", ref=ticket.number)
    ticket = selectors.get_ticket_for(user, ticket.pk)
    extra: dict[str, Any] = {context_key: form, "open_dialog": dialog}
    if editor_mode:
        extra["editor_mode"] = editor_mode
    return render(request, "desk/ticket.html", ticket_context(request, ticket, **extra), status=422)


def _still_visible(user: User, ticket: Ticket) -> bool:
    # After an escalation or transfer the ticket may leave the operator's queues.
    return selectors.visible_tickets(user).filter(pk=ticket.pk).exists()


@require_POST
@agent_required
def reply(request: HttpRequest, ref: str) -> HttpResponse:
    def act(user: User, ticket: Ticket, data: dict[str, Any]) -> str:
        message_services.add_reply(actor=user, ticket=ticket, body_text=data["body"], attachments=data["attachments"])
        then = data.get("then_status")
        if then == Status.RESOLVED:
            workflow.resolve_ticket(actor=user, ticket=ticket, resolution_code=ResolutionCode.SOLVED)
            return _("Ответ отправлен, заявка решена")
        if then == Status.PENDING_CUSTOMER:
            workflow.change_status(actor=user, ticket=ticket, status=Status.PENDING_CUSTOMER)
            return _("Ответ отправлен, ждём клиента")
        return _("Ответ отправлен клиенту")

    return _run(request, ref, ReplyForm, "reply_form", act, editor_mode="reply")


@require_POST
@agent_required
def note(request: HttpRequest, ref: str) -> HttpResponse:
    def act(user: User, ticket: Ticket, data: dict[str, Any]) -> str:
        message_services.add_note(actor=user, ticket=ticket, body_text=data["note"], attachments=data["attachments"])
        return _("Внутренний комментарий добавлен")

    return _run(request, ref, NoteForm, "note_form", act, editor_mode="note")


@require_POST
@agent_required
def change_status(request: HttpRequest, ref: str) -> HttpResponse:
    def act(user: User, ticket: Ticket, data: dict[str, Any]) -> str:
        new, reason = data["status"], data["reason"]
        if new == Status.CANCELLED:
            workflow.cancel_ticket(actor=user, ticket=ticket, reason=reason)
        elif new == Status.RESOLVED:
            workflow.resolve_ticket(
                actor=user, ticket=ticket, resolution_code=ResolutionCode.SOLVED, resolution_note=reason
            )
        elif new == Status.CLOSED:
            workflow.close_ticket(actor=user, ticket=ticket)
        elif new == Status.OPEN and ticket.status not in OPEN:
            workflow.reopen_ticket(actor=user, ticket=ticket, reason=reason)
        else:
            workflow.change_status(actor=user, ticket=ticket, status=new, reason=reason)
        return _("Статус: %(status)s") % {"status": Status(new).label}

    return _run(request, ref, StatusForm, "status_form", act, dialog="status-dialog")


@require_POST
@agent_required
def resolve(request: HttpRequest, ref: str) -> HttpResponse:
    def act(user: User, ticket: Ticket, data: dict[str, Any]) -> str:
        workflow.resolve_ticket(
            actor=user, ticket=ticket, resolution_code=data["resolution_code"], resolution_note=data["resolution_note"]
        )
        return _("Заявка решена")

    return _run(request, ref, ResolveForm, "resolve_form", act, dialog="resolve-dialog")


@require_POST
@agent_required
def change_priority(request: HttpRequest, ref: str) -> HttpResponse:
    def act(user: User, ticket: Ticket, data: dict[str, Any]) -> str:
        tickets.change_priority(
            actor=user, ticket=ticket, impact=data["impact"], urgency=data["urgency"], priority=data["priority"]
        )
        return _("Приоритет изменён")

    return _run(request, ref, PriorityForm, "priority_form", act, dialog="priority-dialog")


@require_POST
@agent_required
def change_category(request: HttpRequest, ref: str) -> HttpResponse:
    def act(user: User, ticket: Ticket, data: dict[str, Any]) -> str:
        tickets.change_category(actor=user, ticket=ticket, category=data["category"])
        return _("Категория изменена")

    return _run(request, ref, CategoryForm, "category_form", act)


@require_POST
@agent_required
def assign(request: HttpRequest, ref: str) -> HttpResponse:
    def act(user: User, ticket: Ticket, data: dict[str, Any]) -> str:
        assignee_id = data["assignee"]
        if assignee_id is None:
            assignment.unassign_ticket(actor=user, ticket=ticket)
            return _("Исполнитель снят")
        assignee = User.objects.filter(pk=assignee_id).first()
        if assignee is None:
            raise ValidationFailed(_("Нет такого сотрудника"), field="assignee")
        assignment.assign_ticket(actor=user, ticket=ticket, assignee=assignee)
        return _("Исполнитель: %(name)s") % {"name": assignee.display_name}

    return _run(
        request, ref, AssignForm, "assign_form", act, form_kwargs=lambda user, _t: {"agents": agent_choices(user)}
    )


@require_POST
@agent_required
def custom_fields(request: HttpRequest, ref: str) -> HttpResponse:
    user = actor(request)
    ticket = _get(request, ref)
    values = fields.posted_values(request.POST)
    try:
        tickets.set_custom_fields(actor=user, ticket=ticket, values=values)
    except DomainError as exc:
        about_field = fields.error_for(exc)
        errors = {about_field[0]: about_field[1]} if about_field else {}
        if not about_field:
            messages.error(request, exc.message)
        ticket = selectors.get_ticket_for(user, ticket.pk)
        context = ticket_context(
            request, ticket, cf_fields=fields.field_rows(ticket.category, values, errors), open_dialog="fields-dialog"
        )
        return render(request, "desk/ticket.html", context, status=422)
    messages.success(request, _("Дополнительные поля сохранены"))
    return redirect("desk:ticket", ref=ticket.number)


@require_POST
@agent_required
def take(request: HttpRequest, ref: str) -> HttpResponse:
    user = actor(request)
    ticket = _get(request, ref)
    try:
        assignment.take_ticket(actor=user, ticket=ticket)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Вы взяли заявку в работу"))
    return redirect("desk:ticket", ref=ticket.number)


def _queue(user: User, queue_id: int | None) -> Queue | None:
    if queue_id is None:
        return None
    queue = selectors.list_queues_for(user).filter(pk=queue_id).first()
    if queue is None:
        raise ValidationFailed(_("Нет такой очереди"), field="to_queue")
    return queue


def _queue_kwargs(user: User, ticket: Ticket) -> dict[str, Any]:
    return {"queues": [q for q in selectors.list_queues_for(user) if q.pk != ticket.queue_id]}


@require_POST
@agent_required
def escalate(request: HttpRequest, ref: str) -> HttpResponse:
    def act(user: User, ticket: Ticket, data: dict[str, Any]) -> str:
        done = escalation.escalate_ticket(
            actor=user, ticket=ticket, reason=data["reason"], to_queue=_queue(user, data["to_queue"])
        )
        return _("Заявка эскалирована в «%(queue)s»") % {"queue": done.queue.name}

    return _run(request, ref, EscalateForm, "escalate_form", act, dialog="escalate-dialog", form_kwargs=_queue_kwargs)


@require_POST
@agent_required
def transfer(request: HttpRequest, ref: str) -> HttpResponse:
    def act(user: User, ticket: Ticket, data: dict[str, Any]) -> str:
        target = _queue(user, data["to_queue"])
        assert target is not None
        escalation.transfer_ticket(actor=user, ticket=ticket, to_queue=target, reason=data["reason"])
        return _("Заявка передана в «%(queue)s»") % {"queue": target.name}

    return _run(request, ref, TransferForm, "transfer_form", act, dialog="transfer-dialog", form_kwargs=_queue_kwargs)


def _other(user: User, raw: str) -> Ticket:
    try:
        return selectors.get_ticket_for(user, raw.strip())
    except NotFound as exc:
        raise ValidationFailed(_("Заявка %(ref)s не найдена") % {"ref": raw}, field="target") from exc


@require_POST
@agent_required
def merge(request: HttpRequest, ref: str) -> HttpResponse:
    def act(user: User, ticket: Ticket, data: dict[str, Any]) -> str:
        target = _other(user, data["target"])
        if target.pk == ticket.pk:
            raise ValidationFailed(_("Нельзя объединить заявку с самой собой"), field="target")
        relations.merge_tickets(actor=user, source=ticket, target=target)
        return _("Заявка объединена с %(number)s") % {"number": target.number}

    return _run(request, ref, MergeForm, "merge_form", act, dialog="merge-dialog")


@require_POST
@agent_required
def link(request: HttpRequest, ref: str) -> HttpResponse:
    def act(user: User, ticket: Ticket, data: dict[str, Any]) -> str:
        target = _other(user, data["target"])
        relations.link_tickets(actor=user, source=ticket, target=target, kind=data["kind"])
        return _("Связь с %(number)s добавлена") % {"number": target.number}

    return _run(request, ref, LinkForm, "link_form", act, dialog="link-dialog")


@require_POST
@agent_required
def unlink(request: HttpRequest, ref: str, link_id: int) -> HttpResponse:
    user = actor(request)
    ticket = _get(request, ref)
    if not TicketLink.objects.filter(pk=link_id).filter(source=ticket).exists() and not (
        TicketLink.objects.filter(pk=link_id, target=ticket).exists()
    ):
        raise Http404
    try:
        relations.unlink_tickets(actor=user, link_id=link_id)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Связь удалена"))
    return redirect("desk:ticket", ref=ticket.number)


@require_POST
@agent_required
def split(request: HttpRequest, ref: str) -> HttpResponse:
    def act(user: User, ticket: Ticket, data: dict[str, Any]) -> str:
        child = relations.split_ticket(
            actor=user, ticket=ticket, message_ids=data["message_ids"], subject=data["subject"]
        )
        return _("Выделена заявка %(number)s") % {"number": child.number}

    def kwargs(user: User, ticket: Ticket) -> dict[str, Any]:
        public = [m for m in selectors.list_messages(user, ticket) if not m.is_internal]
        return {"message_choices": [(m.pk, _message_label(m)) for m in public]}

    return _run(request, ref, SplitForm, "split_form", act, dialog="split-dialog", form_kwargs=kwargs)


def attachment(request: HttpRequest, attachment_id: int) -> FileResponse:
    """Downloads a file for anyone who may see it (agents, or the customer of a public message)."""
    if not request.user.is_authenticated:
        raise Http404
    try:
        found = selectors.get_attachment_for(request.user, attachment_id)
    except NotFound as exc:
        raise Http404 from exc
    response = FileResponse(
        found.file.open("rb"), as_attachment=True, filename=found.original_name, content_type=found.content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
