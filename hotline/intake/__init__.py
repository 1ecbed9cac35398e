"""Intake: channels into tickets — e-mail (IMAP poll, inbound SMTP/LMTP, Maildir import), later portal and messengers.

Imports: core, customers, desk (never notify: our own Message-IDs are made and verified by ``desk.mail_ids``).
Publishes: nothing of its own; the desk services it calls publish ``TicketOpened``, ``MessageAdded`` and friends.

E-mail, end to end:
- ``models``: ``Mailbox`` (an address, its queue, how mail arrives: IMAP settings or our SMTP server, what a reply
  to a closed ticket does, the per-sender hourly limit), ``MailboxFolder`` (UIDVALIDITY and last UID per IMAP
  folder), ``InboundMessage`` (every message received: raw original in storage, outcome, ticket, fold point).
- ``mail``: the parser (raw bytes → ``ParsedMail``), no database.
- ``services.ingest.ingest_raw``: one message in, exactly once (unique (mailbox, Message-ID hash)); ``outcomes``
  decides ticket / reply / note / noise; ``threading`` finds the ticket; ``people`` the contact and watchers;
  ``content`` the text, folded HTML (``quoting``) and checked attachments; ``maildir.ingest_maildir`` imports.
- ``imap``: the poller (``hotline mailbox poll``, the periodic task ``intake.poll_mailboxes``, IDLE in ``--loop``);
  ``smtp_server``: the inbound SMTP/LMTP server (``hotline mailbox serve-smtp``).
- Acknowledgement (IMAP seen/move/delete, SMTP 250, Maildir new→cur) always follows the commit.
"""
