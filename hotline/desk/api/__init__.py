"""The desk HTTP API, one module per endpoint family, mounted by ``hotline.api`` at ``/api/``."""

from __future__ import annotations

from ninja import Router

from hotline.desk.api import actions, attachments, config, messages, tickets

router = Router()
router.add_router("", tickets.router)
router.add_router("", actions.router)
router.add_router("", messages.router)
router.add_router("", attachments.router)
router.add_router("", config.router)

__all__ = ["router"]
