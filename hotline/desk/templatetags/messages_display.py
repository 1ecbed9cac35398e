"""``{% show_message m "desk:attachment" as shown %}``: a message's HTML with inline images in place."""

from __future__ import annotations

from django import template
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe

from hotline.desk.display import ShownMessage, show_message
from hotline.desk.models import Attachment, Message

register = template.Library()


class SafeShown:
    """``html`` marked safe for the template (``desk.display`` cleaned it), ``files`` to list below."""

    def __init__(self, shown: ShownMessage) -> None:
        self.html: SafeString = mark_safe(shown.html)  # cleaned by nh3 in desk.display
        self.files = shown.files
        self.inline = shown.inline


@register.simple_tag(name="show_message")
def show_message_tag(message: Message, url_name: str) -> SafeShown:
    def url_for(attachment: Attachment) -> str:
        return reverse(url_name, kwargs={"attachment_id": attachment.pk})

    return SafeShown(show_message(message, url_for))
