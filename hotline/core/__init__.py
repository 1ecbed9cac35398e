"""Core: the base every app stands on.

Owns users and roles, API tokens, the audit log of who saw or changed what, domain errors,
phone/e-mail normalisation and the transactional outbox with its event bus.
Imports: nothing of Hotline's. Publishes: nothing itself; carries every app's events.
"""
