"""SLA: policies, timers on business calendars (first response, next response, resolution), pause while
waiting for the customer, warnings and breach handling.

Imports: core, customers, desk. Publishes: SlaWarning, SlaBreached.
"""
