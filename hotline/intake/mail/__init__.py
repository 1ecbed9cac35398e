"""E-mail parsing for intake: one raw message in, a ``ParsedMail`` out (see ``parser``). No database access.

Imports: nothing from other apps. Used by the mailbox pollers and the inbound SMTP server to open tickets.
"""

from hotline.intake.mail.headers import Address
from hotline.intake.mail.parser import NO_VISIBLE_CONTENT, ParsedAttachment, ParsedMail, parse_message

__all__ = ["NO_VISIBLE_CONTENT", "Address", "ParsedAttachment", "ParsedMail", "parse_message"]
