"""The customer base's HTTP API: ``router`` at ``/api/contacts``, ``organisations_router`` at ``/api/organisations``."""

from hotline.customers.api.contacts import router
from hotline.customers.api.organisations import router as organisations_router

__all__ = ["organisations_router", "router"]
