"""Screens of the knowledge app (agent workspace and the public portal knowledge base)."""
