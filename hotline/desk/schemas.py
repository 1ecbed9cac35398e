"""Request and response shapes of the desk API.

Agents and customers get different ticket shapes: ``CustomerTicketOut`` leaves out everything
internal (queue, assignee, tags, custom fields, links, escalation), so a customer response cannot
leak it even by accident. Builders live in ``hotline.desk.api.presenters``.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from django.utils import timezone
from ninja import Schema
from pydantic import Field, PlainValidator, WithJsonSchema

from hotline.desk.choices import Channel, Impact, LinkKind, Priority, ResolutionCode, Status, Urgency


def _date_or_datetime(value: Any) -> date:
    """``2025-05-31`` stays a day (the selector reads "to 31 May" as the whole day); anything longer is a moment."""
    if isinstance(value, date):
        return value
    text = str(value).strip()
    try:
        if len(text) == 10:
            return date.fromisoformat(text)
        moment = datetime.fromisoformat(text)
    except ValueError as exc:
        raise ValueError("Дата ГГГГ-ММ-ДД или дата и время ISO 8601") from exc
    # A moment without an offset is the server's local time, as everywhere in the UI.
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


MAX_ID = 2**63 - 1
# A row id: anything outside a bigint is no id (and would overflow the database's integer).
Id = Annotated[int, Field(ge=1, le=MAX_ID)]

DateOrDatetime = Annotated[
    date,
    PlainValidator(_date_or_datetime),
    WithJsonSchema({"type": "string", "description": "ГГГГ-ММ-ДД или дата и время ISO 8601"}),
]

# ---------------------------------------------------------------- shared pieces


class ErrorOut(Schema):
    code: str
    message: str
    field: str | None = None
    # Only on 422 from input parsing: every problem, not just the first.
    errors: list[dict[str, Any]] | None = None


class UserRef(Schema):
    id: int
    name: str


class QueueRef(Schema):
    id: int
    name: str
    line_level: int | None


class CategoryRef(Schema):
    id: int
    name: str
    path: str


class OrganisationRef(Schema):
    id: int
    name: str


class ContactSummary(Schema):
    id: int
    full_name: str


class TicketRef(Schema):
    id: int
    number: str


class LinkedTicket(Schema):
    id: int
    number: str
    subject: str
    status: Status


class TicketLinkOut(Schema):
    id: int
    kind: LinkKind
    kind_label: str
    # "out" when this ticket is the link's source, "in" when it is the target.
    direction: str
    ticket: LinkedTicket


class RatingOut(Schema):
    score: int
    comment: str
    created_at: datetime


# ---------------------------------------------------------------- tickets: output


class TicketOut(Schema):
    """A ticket as an agent sees it."""

    id: int
    number: str
    subject: str
    description: str
    channel: Channel
    channel_label: str
    status: Status
    status_label: str
    impact: Impact
    urgency: Urgency
    priority: Priority
    priority_label: str
    queue: QueueRef
    assignee: UserRef | None
    contact: ContactSummary | None
    organisation: OrganisationRef | None
    category: CategoryRef | None
    tags: list[str]
    custom_fields: dict[str, Any]
    escalation_level: int
    parent: TicketRef | None
    merged_into: TicketRef | None
    resolution_code: str
    resolution_note: str
    reopen_count: int
    created_at: datetime
    updated_at: datetime
    assigned_at: datetime | None
    first_response_at: datetime | None
    escalated_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    cancelled_at: datetime | None
    reopened_at: datetime | None


class TicketDetailOut(TicketOut):
    links: list[TicketLinkOut]
    watchers: list[UserRef]
    rating: RatingOut | None


class CustomerTicketOut(Schema):
    """A ticket as its customer sees it: no queue, assignee, tags, custom fields or links."""

    id: int
    number: str
    subject: str
    description: str
    channel: Channel
    channel_label: str
    status: Status
    status_label: str
    priority: Priority
    priority_label: str
    contact: ContactSummary | None
    category: CategoryRef | None
    merged_into: TicketRef | None
    resolution_code: str
    resolution_note: str
    created_at: datetime
    updated_at: datetime
    first_response_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    cancelled_at: datetime | None
    rating: RatingOut | None


class TicketPageOut(Schema):
    items: list[TicketOut | CustomerTicketOut]
    next_cursor: str | None


# ---------------------------------------------------------------- tickets: input
# Types and enums are checked here; content rules (empty subject, reason required, score 1–5)
# are the services', which name the field in a Russian message.


class TicketCreateIn(Schema):
    subject: str
    description: str = ""
    channel: Channel = Channel.API
    contact_id: Id | None = None
    organisation_id: Id | None = None
    queue_id: Id | None = None
    category_id: Id | None = None
    impact: Impact | None = None
    urgency: Urgency | None = None
    tags: list[str] = Field(default_factory=list)
    custom_fields: dict[str, Any] = Field(default_factory=dict)
    assignee_id: Id | None = None


class TicketUpdateIn(Schema):
    subject: str | None = None
    description: str | None = None


class TicketFilters(Schema):
    # Repeat the parameter or separate with commas: ?status=new&status=open or ?status=new,open.
    status: list[str] = Field(default_factory=list, description="Статусы: new, open, pending_customer, …")
    open: bool = Field(default=False, description="Только незавершённые")
    queue: Id | None = None
    assignee: str | None = Field(default=None, pattern=r"^(me|none|\d+)$", description="id, me или none")
    contact: Id | None = None
    organisation: Id | None = None
    priority: Priority | None = None
    category: Id | None = Field(default=None, description="Вместе с подкатегориями")
    channel: Channel | None = None
    tag: str | None = Field(default=None, max_length=64)
    created_from: DateOrDatetime | None = None
    created_to: DateOrDatetime | None = Field(default=None, description="Дата — включительно весь день")
    q: str | None = Field(default=None, max_length=200, description="Номер заявки, слова темы или ФИО клиента")
    cursor: str | None = None
    limit: int = Field(default=50, ge=1, le=200)

    @property
    def assignee_id(self) -> int | None:
        return int(self.assignee) if self.assignee and self.assignee.isdigit() else None


# ---------------------------------------------------------------- actions: input


class ReplyIn(Schema):
    body_text: str = ""
    body_html: str = ""


class AssignIn(Schema):
    assignee_id: Id | None


class StatusIn(Schema):
    status: Status
    reason: str = ""


class EscalateIn(Schema):
    reason: str = ""
    to_queue_id: Id | None = None


class TransferIn(Schema):
    to_queue_id: Id
    reason: str = ""


class PriorityIn(Schema):
    impact: Impact
    urgency: Urgency
    priority: Priority | None = None
    reason: str = ""


class CategoryIn(Schema):
    category_id: Id | None
    custom_fields: dict[str, Any] | None = None


class CustomFieldsIn(Schema):
    custom_fields: dict[str, Any]


class TagsIn(Schema):
    tags: list[str]


class MergeIn(Schema):
    into: str = Field(description="Номер (HL-000123) или id заявки, в которую объединить")


class SplitIn(Schema):
    message_ids: list[Id]
    subject: str


class LinkIn(Schema):
    target: str = Field(description="Номер (HL-000123) или id связываемой заявки")
    kind: LinkKind = LinkKind.RELATED


class WatcherIn(Schema):
    user_id: Id | None = Field(default=None, description="Пусто — подписать себя")


class ReasonIn(Schema):
    reason: str = ""


class CancelIn(Schema):
    reason: str = ""


class ResolveIn(Schema):
    resolution_code: ResolutionCode
    resolution_note: str = ""


class RatingIn(Schema):
    score: int = Field(description="От 1 до 5")
    comment: str = ""


# ---------------------------------------------------------------- messages, history


class AttachmentOut(Schema):
    id: int
    name: str
    content_type: str
    size: int
    url: str
    content_id: str = ""  # an e-mail's Content-ID: its HTML body showed it as cid:<content_id>
    inline: bool = False  # shown in place in the message's body_html (whose src is this url)


class MessageAuthor(Schema):
    kind: str  # "agent", "contact" or "system"
    name: str
    user_id: int | None = None
    contact_id: int | None = None


class MessageOut(Schema):
    id: int
    kind: str
    is_internal: bool
    channel: str
    author: MessageAuthor
    body_text: str
    body_html: str
    attachments: list[AttachmentOut]
    created_at: datetime


class HistoryOut(Schema):
    id: int
    at: datetime
    actor: UserRef | None
    action: str
    field: str
    old_value: str
    new_value: str
    reason: str = ""


# ---------------------------------------------------------------- configuration


class QueueOut(Schema):
    id: int
    name: str
    slug: str
    line_level: int | None
    is_department: bool
    is_default: bool
    assignment_mode: str


class CustomFieldDefinitionOut(Schema):
    key: str
    label: str
    field_type: str
    required: bool
    choices: list[Any]


class CategoryNodeOut(Schema):
    id: int
    name: str
    path: str
    custom_fields: list[CustomFieldDefinitionOut]
    children: list[CategoryNodeOut]


CategoryNodeOut.model_rebuild()
