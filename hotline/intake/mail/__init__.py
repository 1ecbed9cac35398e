"""E-mail parsing for intake: one raw message in, a ``ParsedMail`` out (see ``parser``). No database access.

Modules: ``parser`` (the MIME walk), ``result`` (what comes out), ``mime`` (one part), ``headers`` (RFC 2047
words, addresses, ids), ``charsets`` (declared or detected charsets), ``html`` (text and sanitised HTML),
``autoreply`` (auto-replies and bounces), ``tnef`` (winmail.dat).

Imports: nothing from other apps. Used by the mailbox pollers and the inbound SMTP server to open tickets.
"""

from hotline.intake.mail.headers import Address
from hotline.intake.mail.parser import parse_message
from hotline.intake.mail.result import NO_VISIBLE_CONTENT, ParsedAttachment, ParsedMail

__all__ = ["NO_VISIBLE_CONTENT", "Address", "ParsedAttachment", "ParsedMail", "parse_message"]
