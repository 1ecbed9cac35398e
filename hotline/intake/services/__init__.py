"""Every write of intake: messages in (``ingest``), mailboxes and their poll state (``mailboxes``), maildir import."""

from hotline.intake.services.ingest import IngestResult, ingest_raw, reprocess
from hotline.intake.services.mailboxes import default_mailbox, delete_mailbox, mailbox_by_address, save_mailbox

__all__ = [
    "IngestResult",
    "default_mailbox",
    "delete_mailbox",
    "ingest_raw",
    "mailbox_by_address",
    "reprocess",
    "save_mailbox",
]
