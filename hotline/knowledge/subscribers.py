"""Every subscription of the knowledge app, registered once from ``KnowledgeConfig.ready``.

- the search index (``search.sync``): desk, customers and knowledge writes, *sync*;
- portal deflection: ``desk.TicketOpened`` (*sync*) marks the customer's suggestion attempt as sent.
"""

from __future__ import annotations

from hotline.core import events
from hotline.desk.events import TicketOpened
from hotline.knowledge.search import sync
from hotline.knowledge.services import deflection


def register() -> None:
    sync.register()
    events.subscribe(TicketOpened, deflection.on_ticket_opened, mode="sync")
