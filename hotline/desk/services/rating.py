"""Customer satisfaction (CSAT): the requester rates a resolved ticket once, 1 to 5."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hotline.core.errors import Conflict, Forbidden, ValidationFailed
from hotline.core.events import publish
from hotline.core.models import AuditLog, User
from hotline.desk import permissions
from hotline.desk.choices import Status
from hotline.desk.events import TicketRated
from hotline.desk.models import SatisfactionRating, Ticket
from hotline.desk.services.common import actor_id, ensure_can_view, lock_ticket, log_change

COMMENT_MAX = 2000


@transaction.atomic
def rate_ticket(*, actor: User | None, ticket: Ticket, score: int, comment: str = "") -> SatisfactionRating:
    """Record the requester's rating of a resolved or closed ticket.

    ``actor=None`` is a channel that has already identified the requester (a signed link in an e-mail).

    Raises:
        NotFound: the actor cannot see the ticket.
        Forbidden: the actor is not the ticket's requester.
        ValidationFailed: a score outside 1–5, a comment too long.
        Conflict: the ticket is not resolved yet, or was rated already.
    """
    lock_ticket(ticket)
    if actor is not None:
        ensure_can_view(actor, ticket)
        if not permissions.is_ticket_requester(actor, ticket):
            raise Forbidden(_("Оценить заявку может только её автор"))
    if isinstance(score, bool) or not isinstance(score, int) or not 1 <= score <= 5:
        raise ValidationFailed(_("Оценка — целое число от 1 до 5"), field="score")
    comment = (comment or "").strip()
    if len(comment) > COMMENT_MAX:
        raise ValidationFailed(_("Комментарий не длиннее %(value)s символов") % {"value": COMMENT_MAX}, field="comment")
    if ticket.status not in (Status.RESOLVED, Status.CLOSED) or ticket.merged_into_id is not None:
        raise Conflict(_("Оценить можно решённую или закрытую заявку"), field="score")
    if SatisfactionRating.objects.filter(ticket=ticket).exists():
        raise Conflict(_("Заявка уже оценена"), field="score")
    try:
        with transaction.atomic():
            rating = SatisfactionRating.objects.create(
                ticket=ticket, score=score, comment=comment, contact_id=ticket.contact_id, created_at=timezone.now()
            )
    except IntegrityError as exc:
        raise Conflict(_("Заявка уже оценена"), field="score") from exc
    log_change(
        ticket=ticket,
        actor=actor,
        action="rated",
        changes={"rating": ("", score)},
        audit_action=AuditLog.Action.CREATE,
    )
    publish(TicketRated(actor_id=actor_id(actor), ticket_id=ticket.pk, score=score))
    return rating
