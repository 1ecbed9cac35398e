"""Intake: channels into tickets — e-mail (IMAP poll, inbound SMTP/LMTP), portal form, API, messengers.

Imports: core, customers, desk. Publishes: nothing yet.
"""
