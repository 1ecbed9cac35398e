"""Notify: outgoing messages to customers and staff — templates, e-mail (threaded), in-app, webhooks.

Imports: core, customers, desk, sla, intake. Publishes: nothing; subscribes to their events.
"""
