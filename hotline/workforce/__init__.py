"""Workforce: agent states, teams, shifts and rosters, swaps, and staffing with Erlang C.

Owns agent states with their history (set from the UI and from telephony's call events) and the occupancy and
utilisation computed from them; teams with the queues they serve; shift templates, shifts (stored as instants,
shown in each viewer's own time zone), swaps approved by a supervisor; the staffing view — a forecast per
30-minute interval from the same weekday of recent weeks, Erlang C (``staffing``) for the agents needed, against
the roster.

Imports: core, desk (queues, tickets for the forecast), telephony (its call events and call log).
Workforce → desk: registers an availability filter (``desk.services.assignment.register_availability_filter``)
so automatic assignment picks only agents on shift and available. Never imports campaigns (a sibling).
Publishes (workforce.events): AgentStateChanged, ShiftSwapRequested, ShiftSwapDecided.
"""
