"""``hotline demo``: load the demo organisation (idempotent) and print the logins."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.test.utils import override_settings

from hotline.demo.loader import load_demo, logins


class Command(BaseCommand):
    help = "Load the demo organisation «УК Домовой» (once) and print the demo logins."

    def handle(self, *args: Any, **options: Any) -> None:
        # The demo's customers get hundreds of notifications while their stories are played: keep them in memory
        # (still logged as delivered on each ticket) rather than print them all or hand them to a real SMTP server.
        memory = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend", "OPTIONS": {}}}
        with override_settings(MAILERS=memory):
            load_demo(say=self.stdout.write)
        self.stdout.write("\nВход в демо (логин / пароль):")
        for login, password, who in logins():
            self.stdout.write(f"  {login:<22} {password:<10} {who}")
