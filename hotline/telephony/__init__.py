"""Telephony: calls from the PBX into the desk.

Owns PBX sources and their adapters — Hotline's own HMAC-signed webhook (documented in ``adapters.generic`` and
``README.md`` here), Asterisk AMI (``hotline telephony ami-listen``), Zadarma and Mango Office webhooks — the
normalised call events they produce (stored before they are applied, deduplicated by call id + leg + event +
sequence, folded in any order), the call log (contact by normalised number, agent by extension, line, ticket,
recording), the callback list of missed and abandoned calls, the caller's screen-pop pushed to the agent's
browser, transfers with a reason, and call scripts (versioned graphs, an editor, a runner beside the ticket).
Imports: core, web (live topics), customers (lookup, contacts, the timeline registry), desk (tickets, notes,
transfer, assignment). Publishes: CallStarted, CallAnswered, CallEnded, CallLinked, CallTransferred,
CallbackRequested, CallbackAssigned, CallbackClosed, ExtensionClaimed, ScriptPublished, ScriptRunFinished
(telephony.events). Registers the "telephony" timeline and export providers in ``customers.registry``.
"""
