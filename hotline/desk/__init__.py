"""Desk: tickets (заявки) and the work on them.

Owns tickets, messages and internal notes, attachments, the status workflow, priority from
impact × urgency, categories with custom fields, queues on support lines 1–3 and departments,
routing and assignment (manual, round-robin, least-loaded, by skill), escalation, transfer,
merge/split/link, watchers, CSAT, and the access rules on all of them.
Imports: core, customers. Publishes: TicketOpened, TicketAssigned, TicketStatusChanged,
TicketEscalated, TicketTransferred, MessageAdded, TicketMerged, TicketRated (desk.events).
"""
