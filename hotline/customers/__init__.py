"""Customers: the people and organisations who call, write and are served.

Owns contacts, organisations, contact points (phones in E.164, e-mails, messenger ids), tags,
consent to personal-data processing, duplicate merge, export and erasure (152-ФЗ), and the
interaction-history timeline that upper apps feed through ``customers.registry``.
Imports: core. Publishes: ContactCreated, ContactUpdated, ContactsMerged (sync subscribers move
their rows), ContactErased (sync subscribers scrub theirs), ConsentRecorded, ConsentWithdrawn,
OrganisationCreated, OrganisationUpdated, OrganisationDeleted.
Upper apps register timeline and export providers in ``customers.registry`` from their ``ready()``.
"""
