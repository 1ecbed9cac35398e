"""Organisations: list/search, card, create, edit, delete (when nothing refers to it)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Status

from hotline.core.pagination import paginate
from hotline.customers import selectors, services
from hotline.customers.models import Organisation
from hotline.customers.schemas import (
    ERRORS,
    OrganisationCreateIn,
    OrganisationOut,
    OrganisationPageOut,
    OrganisationUpdateIn,
    PathId,
    Text,
)

router = Router(tags=["organisations"])


@router.get(
    "", response={200: OrganisationPageOut, **ERRORS}, summary="Список и поиск организаций (название, ИНН, домен)"
)
def list_organisations(
    request: HttpRequest, q: Text = "", cursor: Text | None = None, limit: int = 50
) -> dict[str, Any]:
    page = paginate(selectors.list_organisations(request.user, q), order_by="search_name", cursor=cursor, limit=limit)
    return {"items": page.items, "next_cursor": page.next_cursor}


@router.post("", response={201: OrganisationOut, **ERRORS}, summary="Создать организацию")
def create_organisation(request: HttpRequest, payload: OrganisationCreateIn) -> Status[Organisation]:
    organisation = services.create_organisation(actor=request.user, **payload.model_dump())
    return Status(201, selectors.get_organisation_for(request.user, organisation.pk))


@router.get("/{int:organisation_id}", response={200: OrganisationOut, **ERRORS}, summary="Карточка организации")
def get_organisation(request: HttpRequest, organisation_id: PathId) -> Organisation:
    return selectors.get_organisation_for(request.user, organisation_id)


@router.patch("/{int:organisation_id}", response={200: OrganisationOut, **ERRORS}, summary="Изменить организацию")
def update_organisation(request: HttpRequest, organisation_id: PathId, payload: OrganisationUpdateIn) -> Organisation:
    organisation = selectors.get_organisation_for(request.user, organisation_id)
    services.update_organisation(
        actor=request.user, organisation=organisation, **payload.model_dump(exclude_unset=True)
    )
    return selectors.get_organisation_for(request.user, organisation_id)


@router.delete("/{int:organisation_id}", response={204: None, **ERRORS}, summary="Удалить организацию")
def delete_organisation(request: HttpRequest, organisation_id: PathId) -> Status[None]:
    organisation = selectors.get_organisation_for(request.user, organisation_id)
    services.delete_organisation(actor=request.user, organisation=organisation)
    return Status(204, None)
