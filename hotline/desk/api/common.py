"""Helpers shared by the desk endpoints: the actor, id → row lookups for inputs, multipart bodies."""

from __future__ import annotations

import json
from typing import Any, cast

from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest
from django.http.multipartparser import MultiPartParserError
from ninja import P, PathEx
from ninja.errors import ValidationError as NinjaValidationError
from pydantic import BaseModel
from pydantic import ValidationError as PydanticValidationError

from hotline.core import input_guard
from hotline.core.errors import NotFound, ValidationFailed
from hotline.core.models import User
from hotline.customers import permissions as customer_permissions
from hotline.customers import selectors as customer_selectors
from hotline.customers.models import Contact, Organisation
from hotline.desk.models import Category, Queue
from hotline.desk.schemas import MAX_ID, ErrorOut

# An id in the path: out-of-range numbers are a 422, never a database overflow.
PathId = PathEx[int, P(ge=1, le=MAX_ID)]

# Documented on every operation; the bodies come from the handlers in hotline.api.
ERRORS: dict[int, type[ErrorOut]] = {
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    409: ErrorOut,
    422: ErrorOut,
}


def actor(request: HttpRequest) -> User:
    # Every desk endpoint is authenticated (hotline.api sets the auth), so this is a real user.
    return cast(User, request.user)


def queue_by_id(queue_id: int, *, field: str) -> Queue:
    found = Queue.objects.filter(pk=queue_id).first()
    if found is None:
        raise ValidationFailed("Очередь не найдена", field=field)
    return found


def category_by_id(category_id: int, *, field: str) -> Category:
    found = Category.objects.filter(pk=category_id).first()
    if found is None:
        raise ValidationFailed("Категория не найдена", field=field)
    return found


def user_by_id(user_id: int, *, field: str) -> User:
    found = User.objects.filter(pk=user_id, is_active=True).first()
    if found is None:
        raise ValidationFailed("Пользователь не найден", field=field)
    return found


def contact_by_id(actor: User, contact_id: int, *, field: str) -> Contact:
    """A contact the actor may see; an unknown one is bad input (422), not a missing page.

    The row and its organisation only: a ticket needs no contact points (the card's four prefetches were four
    queries on every new ticket).
    """
    found = customer_selectors.visible_contacts(actor).select_related("organisation").filter(pk=contact_id).first()
    if found is None or not customer_permissions.can_view_contact(actor, found):
        raise ValidationFailed("Клиент не найден", field=field)
    return found


def organisation_by_id(actor: User, organisation_id: int, *, field: str) -> Organisation:
    try:
        return customer_selectors.get_organisation_for(actor, organisation_id)
    except NotFound as exc:
        raise ValidationFailed("Организация не найдена", field=field) from exc


def _body_error(message: str, kind: str) -> NinjaValidationError:
    return NinjaValidationError([{"loc": ("body",), "msg": message, "type": kind}])


def parse_body[S: BaseModel](request: HttpRequest, schema: type[S]) -> tuple[S, list[UploadedFile[bytes]]]:
    """A JSON body, or multipart form fields plus ``attachments`` parts, validated against ``schema``.

    Raises:
        ninja.errors.ValidationError: the body is not valid (mapped to 422 with the field).
    """
    files: list[UploadedFile[bytes]] = []
    data: Any
    if request.content_type in ("multipart/form-data", "application/x-www-form-urlencoded"):
        try:
            data = {key: request.POST.get(key) for key in request.POST}
            files = list(request.FILES.getlist("attachments"))
        except MultiPartParserError as exc:
            raise _body_error("Некорректное тело multipart/form-data", "multipart_invalid") from exc
    else:
        try:
            data = json.loads(request.body or b"{}")
        except (ValueError, UnicodeDecodeError) as exc:
            raise _body_error("Тело запроса — не JSON", "json_invalid") from exc
    if not isinstance(data, dict):
        raise _body_error("Тело запроса — JSON-объект с полями", "model_type")
    nul = input_guard.nul_field(data)  # form fields: the middleware leaves multipart bodies to the view
    if nul is not None:
        raise NinjaValidationError([{"loc": ("body", nul), "msg": input_guard.refusal(), "type": "nul_character"}])
    try:
        return schema.model_validate(data), files
    except PydanticValidationError as exc:
        errors = [{**err, "loc": ("body", *err["loc"])} for err in exc.errors(include_url=False, include_context=False)]
        raise NinjaValidationError(errors) from exc


def multipart_openapi(schema: type[BaseModel]) -> dict[str, Any]:
    """``openapi_extra`` documenting a body that is JSON or multipart with ``attachments``."""
    json_schema = schema.model_json_schema()
    form_schema = {
        "type": "object",
        "properties": {
            **json_schema.get("properties", {}),
            "attachments": {"type": "array", "items": {"type": "string", "format": "binary"}},
        },
        "required": json_schema.get("required", []),
    }
    return {
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": json_schema},
                "multipart/form-data": {"schema": form_schema},
            },
        }
    }
