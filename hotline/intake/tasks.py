"""Intake's Celery task: poll every active IMAP mailbox, once per slot however many beats and workers run.

Each mailbox is also guarded by its own lease (two slots overlapping on a slow server do not fetch twice), and
each message by its dedupe key; a mailbox that fails records the error on itself and the others go on.
"""

from __future__ import annotations

from django.conf import settings

from hotline.celery import app
from hotline.core import periodic


def _poll() -> str:
    from hotline.intake.imap import poll_active_mailboxes

    return "; ".join(str(report) for report in poll_active_mailboxes()) or "no IMAP mailboxes"


@app.task(name="intake.poll_mailboxes", time_limit=600, soft_time_limit=540)
def poll_mailboxes_task() -> str:
    run = periodic.run_once_per_slot("intake.poll_mailboxes", settings.HOTLINE_MAIL_POLL_SECONDS, _poll)
    return "skipped" if run is None else run.result
