"""Campaigns: outbound calling under Russian calling law.

Owns campaigns (information, survey, debt reminder, win-back) with their script, dispositions and rules; call lists
imported from CSV/XLSX or built from a segment of contacts; leads and their attempts; callbacks; the do-not-call
list; the eligibility service that picks the next lead (calling windows in the callee's local time, 230-ФЗ limits
for debt campaigns); preview and progressive dialing through an ``Originator``; statistics and their XLSX export.

Imports: core (errors, audit, events, business calendars), customers (contacts, tags, organisations, phone
parsing, consent), desk (nothing yet). Campaigns → telephony: a campaign calls through one of telephony's PBX
sources (``telephony.services.originations.originate``: Asterisk AMI, Zadarma, Mango, the generic webhook) and
follows the call by telephony's ``OriginationUpdated``; or through an HTTP originate gateway configured here
(``campaigns.originate``). Never imports workforce (a sibling).

Publishes (campaigns.events): CampaignCreated, CampaignStatusChanged, CallListImported, AttemptStarted,
AttemptEnded, LeadDispositioned, NumberBlocked, CallbackScheduled, DebtorMessageRecorded.
Subscribes: customers.ContactsMerged (moves leads), customers.ContactErased (scrubs leads),
customers.ConsentWithdrawn (stops the contact's leads), customers.AdvertisingConsentWithdrawn (stops the contact's
leads in advertising campaigns: win-back and promotions need consent to advertising, 38-ФЗ art. 18),
telephony.OriginationUpdated (the attempt's call progress).
"""
