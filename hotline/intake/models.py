"""Mailboxes an administrator connects, and every message that came in through them (raw bytes kept)."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hotline.desk.models import Message, Queue, Ticket
from hotline.intake.fields import EncryptedTextField


class MailboxKind(models.TextChoices):
    IMAP = "imap", _("IMAP (забирать письма с сервера)")
    SMTP = "smtp", _("входящий SMTP/LMTP (письма доставляются на наш сервер)")
    IMPORT = "import", _("только импорт (maildir)")


class ImapSecurity(models.TextChoices):
    SSL = "ssl", _("TLS (IMAPS, обычно порт 993)")
    STARTTLS = "starttls", _("STARTTLS (обычно порт 143)")
    NONE = "none", _("без шифрования (только для локальной сети)")


class AfterImport(models.TextChoices):
    SEEN = "seen", _("пометить прочитанным")
    MOVE = "move", _("переместить в папку")
    DELETE = "delete", _("удалить с сервера")


class ClosedTicketReply(models.TextChoices):
    REOPEN = "reopen", _("открыть заявку снова")
    FOLLOW_UP = "follow_up", _("создать новую связанную заявку")


class Mailbox(models.Model):
    """An address people write to; its mail becomes tickets in ``queue``."""

    name = models.CharField(_("название"), max_length=120)
    address = models.EmailField(_("адрес"), unique=True, help_text=_("Адрес, на который пишут клиенты"))
    kind = models.CharField(_("способ получения"), max_length=8, choices=MailboxKind.choices, default=MailboxKind.IMAP)
    queue = models.ForeignKey(Queue, on_delete=models.PROTECT, related_name="+", verbose_name=_("очередь"))
    is_active = models.BooleanField(_("включён"), default=True)
    is_default = models.BooleanField(
        _("ящик по умолчанию"), default=False, help_text=_("Сюда импортируются письма, если ящик не указан")
    )
    closed_reply = models.CharField(
        _("ответ на закрытую заявку"),
        max_length=10,
        choices=ClosedTicketReply.choices,
        default=ClosedTicketReply.FOLLOW_UP,
    )
    loop_limit = models.PositiveIntegerField(
        _("писем от одного отправителя в час"),
        default=30,
        help_text=_("Сверх этого письма сохраняются, но не создают заявок (защита от зацикливания)"),
    )
    # IMAP.
    imap_host = models.CharField(_("IMAP-сервер"), max_length=255, blank=True)
    imap_port = models.PositiveIntegerField(_("порт"), null=True, blank=True, help_text=_("Пусто — 993 или 143"))
    imap_security = models.CharField(
        _("шифрование"), max_length=8, choices=ImapSecurity.choices, default=ImapSecurity.SSL
    )
    imap_verify_tls = models.BooleanField(
        _("проверять сертификат"), default=True, help_text=_("Отключайте только для своего сервера с самоподписанным")
    )
    imap_username = models.CharField(_("логин"), max_length=255, blank=True)
    imap_password = EncryptedTextField(_("пароль"), blank=True)  # stored encrypted (``crypto``)
    imap_folders = models.CharField(
        _("папки"), max_length=500, default="INBOX", help_text=_("Через запятую, например: INBOX, Заявки")
    )
    after_import = models.CharField(
        _("после приёма"), max_length=8, choices=AfterImport.choices, default=AfterImport.SEEN
    )
    move_to_folder = models.CharField(_("папка для обработанных"), max_length=255, blank=True)
    use_idle = models.BooleanField(
        _("IMAP IDLE"), default=True, help_text=_("Получать письма сразу, если сервер поддерживает IDLE")
    )
    # Poll state: who polls now (a lease, so two pollers do not fetch the same mail at once) and how it went.
    poll_lease_until = models.DateTimeField(null=True, blank=True, editable=False)
    poll_lease_owner = models.CharField(max_length=200, blank=True, editable=False)
    last_polled_at = models.DateTimeField(_("последний опрос"), null=True, blank=True, editable=False)
    last_error = models.TextField(_("последняя ошибка"), blank=True, editable=False)
    last_error_at = models.DateTimeField(_("время ошибки"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("почтовый ящик")
        verbose_name_plural = _("почтовые ящики")
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return f"{self.name} <{self.address}>"

    @property
    def folders(self) -> list[str]:
        return [name.strip() for name in self.imap_folders.split(",") if name.strip()] or ["INBOX"]


class MailboxFolder(models.Model):
    """How far one IMAP folder has been read: UIDs up to ``last_uid`` are in, while UIDVALIDITY holds."""

    mailbox = models.ForeignKey(Mailbox, on_delete=models.CASCADE, related_name="folder_states")
    name = models.CharField(_("папка"), max_length=255)
    uid_validity = models.BigIntegerField(null=True, blank=True)
    last_uid = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("состояние папки")
        verbose_name_plural = _("состояние папок")
        constraints = [models.UniqueConstraint(fields=["mailbox", "name"], name="mailbox_folder_once")]

    def __str__(self) -> str:
        return f"{self.mailbox.address}/{self.name}"


class InboundStatus(models.TextChoices):
    RECEIVED = "received", _("принято, обрабатывается")
    TICKET = "ticket", _("создана заявка")
    REPLY = "reply", _("ответ в заявку")
    NOTE = "note", _("комментарий в заявку (автоответ, недоставка)")
    AUTO_REPLY = "auto_reply", _("автоответ — без заявки")
    BOUNCE = "bounce", _("уведомление о недоставке")
    OWN_MAIL = "own_mail", _("наше собственное письмо вернулось")
    THROTTLED = "throttled", _("слишком часто от отправителя — отложено")
    FAILED = "failed", _("ошибка обработки")


PROCESSED_STATUSES = frozenset({InboundStatus.TICKET, InboundStatus.REPLY, InboundStatus.NOTE})


def raw_path(instance: InboundMessage, filename: str) -> str:
    now = timezone.now()
    return f"mail/raw/{now:%Y/%m}/{instance.raw_sha256[:2]}/{instance.raw_sha256}.eml"


class InboundMessage(models.Model):
    """One message received, whatever became of it; the raw message is kept for every one.

    ``dedupe_key`` (the Message-ID's hash, or the content's for mail without one) is unique per mailbox, so the
    same message fetched twice — two pollers, a retry, a crash before the server was told — is taken once.
    """

    mailbox = models.ForeignKey(Mailbox, on_delete=models.PROTECT, related_name="messages")
    dedupe_key = models.CharField(max_length=64)
    message_id = models.CharField(_("Message-ID"), max_length=255, blank=True, db_index=True)
    body_sha256 = models.CharField(max_length=64)
    raw_sha256 = models.CharField(max_length=64)
    raw = models.FileField(_("исходное письмо"), upload_to=raw_path, max_length=255)
    size = models.PositiveBigIntegerField(_("размер"), default=0)
    source = models.CharField(_("источник"), max_length=16)  # imap, smtp, lmtp, maildir
    source_ref = models.CharField(_("где лежало"), max_length=500, blank=True)
    received_at = models.DateTimeField(_("получено"), default=timezone.now, db_index=True)
    from_email = models.CharField(_("отправитель"), max_length=254, blank=True, db_index=True)
    subject = models.CharField(_("тема"), max_length=255, blank=True)
    status = models.CharField(
        _("результат"), max_length=10, choices=InboundStatus.choices, default=InboundStatus.RECEIVED
    )
    ticket = models.ForeignKey(
        Ticket, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("заявка")
    )
    ticket_message = models.ForeignKey(Message, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # Where the quoted history / signature starts in the message's text (None: nothing folded).
    quote_offset = models.PositiveIntegerField(null=True, blank=True)
    auto_reason = models.CharField(_("признак автоответа"), max_length=255, blank=True)
    warnings = models.JSONField(_("предупреждения разбора"), default=list, blank=True)
    error = models.TextField(_("ошибка"), blank=True)
    processed_at = models.DateTimeField(_("обработано"), null=True, blank=True)

    class Meta:
        verbose_name = _("входящее письмо")
        verbose_name_plural = _("входящие письма")
        ordering = ["-received_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["mailbox", "dedupe_key"], name="inbound_once_per_mailbox")]
        indexes = [models.Index(fields=["mailbox", "from_email", "received_at"], name="inbound_sender_idx")]

    def __str__(self) -> str:
        return f"{self.from_email}: {self.subject}"
