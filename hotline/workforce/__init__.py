"""Workforce: shifts and rosters, agent states, staffing with Erlang C.

Imports: core, desk (and telephony's services for agent states, once it exists).
"""
