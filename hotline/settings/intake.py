"""Incoming e-mail (the intake app): imported by ``base.py``; every value comes from the environment.

Mailboxes themselves (IMAP servers, addresses, queues) are configured by an administrator in the admin.
"""

from __future__ import annotations

import os

# How often the periodic job polls every active IMAP mailbox, in seconds.
HOTLINE_MAIL_POLL_SECONDS = int(os.environ.get("HOTLINE_MAIL_POLL_SECONDS", "60"))
# One poll of one mailbox takes at most this many messages; the next poll goes on (bounded task time).
HOTLINE_MAIL_POLL_BATCH = int(os.environ.get("HOTLINE_MAIL_POLL_BATCH", "500"))
# Network timeout of an IMAP connection, in seconds.
HOTLINE_IMAP_TIMEOUT = float(os.environ.get("HOTLINE_IMAP_TIMEOUT", "60"))
# A message larger than this is refused (SMTP 552) or kept unprocessed for an administrator (IMAP, maildir).
HOTLINE_MAIL_MAX_BYTES = int(os.environ.get("HOTLINE_MAIL_MAX_BYTES", str(50 * 1024 * 1024)))
# Parallel importers of a Maildir import on PostgreSQL (0: one per CPU); SQLite always imports with one.
HOTLINE_MAIL_IMPORT_WORKERS = int(os.environ.get("HOTLINE_MAIL_IMPORT_WORKERS", "0"))
# The inbound SMTP/LMTP server (``hotline mailbox serve-smtp``): where it listens by default.
HOTLINE_SMTP_HOST = os.environ.get("HOTLINE_SMTP_HOST", "127.0.0.1")
HOTLINE_SMTP_PORT = int(os.environ.get("HOTLINE_SMTP_PORT", "2525"))
# STARTTLS for the inbound server: both set → offered to senders.
HOTLINE_SMTP_TLS_CERT = os.environ.get("HOTLINE_SMTP_TLS_CERT", "")
HOTLINE_SMTP_TLS_KEY = os.environ.get("HOTLINE_SMTP_TLS_KEY", "")
# Key for secrets stored in the database (mailbox passwords): a Fernet key or a long random string; several,
# comma-separated, to rotate (the first encrypts). Unset: derived from DJANGO_SECRET_KEY (see intake/crypto.py).
HOTLINE_SECRETS_KEY = os.environ.get("HOTLINE_SECRETS_KEY", "")
