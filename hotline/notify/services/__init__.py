"""Every write of the notify app: queueing deliveries, sending them, preferences, templates, webhooks."""
