"""What the desk does when other apps' events happen; registered once from ``DeskConfig.ready``."""

from __future__ import annotations


def register() -> None:
    """Subscribe desk handlers (filled in by the services that need them)."""
