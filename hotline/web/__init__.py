"""Web: the shell of the UI — layout, navigation, shared template parts, login, language switch.

Imports: core. Publishes: nothing.
"""
