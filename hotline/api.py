"""The HTTP API: one NinjaAPI that mounts each app's router and maps domain errors to HTTP."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from hotline.core.api_auth import default_auth
from hotline.core.errors import DomainError
from hotline.customers.api import router as customers_router
from hotline.desk.api import router as desk_router
from hotline.notify.api import router as notify_router

api = NinjaAPI(
    title="Hotline API",
    version="1",
    description="Горячая линия: заявки, клиенты, очереди. Ошибки: {code, message, field}.",
    auth=default_auth,
    docs_url="/docs",
    urls_namespace="api",
)


def _error(request: HttpRequest, status: int, code: str, message: str, field: str | None = None) -> HttpResponse:
    return api.create_response(request, {"code": code, "message": message, "field": field}, status=status)


@api.exception_handler(DomainError)
def domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return _error(request, exc.http_status, exc.code, exc.message, exc.field)


@api.exception_handler(NinjaValidationError)
def validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    first = exc.errors[0] if exc.errors else {}
    loc = [str(part) for part in first.get("loc", []) if part not in ("body", "query", "path", "payload", "form")]
    field = ".".join(loc) or None
    message = str(first.get("msg", "Invalid input"))
    return api.create_response(
        request,
        {"code": "validation_failed", "message": message, "field": field, "errors": exc.errors},
        status=422,
    )


@api.exception_handler(AuthenticationError)
def authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return _error(request, 401, "unauthenticated", "Требуется вход или API-токен")


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return _error(request, exc.status_code, "http_error", str(exc))


api.add_router("/contacts", customers_router)
api.add_router("/organisations", "hotline.customers.api.organisations_router")
api.add_router("/notifications", notify_router)
api.add_router("/sla", "hotline.sla.api.router")
api.add_router("/search", "hotline.knowledge.api.search_router")
api.add_router("/knowledge", "hotline.knowledge.api.router")
api.add_router("/campaigns", "hotline.campaigns.api.router")
api.add_router("/workforce", "hotline.workforce.api.router")
api.add_router("/telephony", "hotline.telephony.api.router")
api.add_router("/", desk_router)
