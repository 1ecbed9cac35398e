"""Campaigns: outbound calling under Russian calling law.

Owns campaigns (information, survey, debt reminder, win-back) with their script, dispositions and rules; call lists
imported from CSV/XLSX or built from a segment of contacts; leads and their attempts; callbacks; the do-not-call
list; the eligibility service that picks the next lead (calling windows in the callee's local time, 230-ФЗ limits
for debt campaigns); preview and progressive dialing through an ``Originator``; statistics and their XLSX export.

Imports: core (errors, audit, events, business calendars), customers (contacts, tags, organisations, phone
parsing), desk (nothing yet). Campaigns → telephony: calls are placed through an originate adapter
(``campaigns.originate``); until telephony exposes one, an HTTP originate gateway configured here is used.
Never imports workforce (a sibling).

Publishes (campaigns.events): CampaignCreated, CampaignStatusChanged, CallListImported, AttemptStarted,
AttemptEnded, LeadDispositioned, NumberBlocked, CallbackScheduled, DebtorMessageRecorded.
Subscribes: customers.ContactsMerged (moves leads), customers.ContactErased (scrubs leads),
customers.ConsentWithdrawn (stops the contact's leads).
"""
