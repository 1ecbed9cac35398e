"""IMAP polling against a real Dovecot on 127.0.0.1: deliver, poll, thread a reply, acknowledge only after commit."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator

import pytest
from django.core.management import call_command

from hotline.desk.models import Message, Ticket
from hotline.desk.tests.factories import LineQueueFactory
from hotline.intake import imap
from hotline.intake.imap import connect, encode_folder, idle_wait, poll_mailbox
from hotline.intake.models import AfterImport, ImapSecurity, InboundMessage, InboundStatus, Mailbox, MailboxFolder
from hotline.intake.services.mailboxes import take_lease
from hotline.intake.services.outcomes import forget_our_addresses
from hotline.intake.tests.mailgen import mail
from tests.integration.dovecot import PASSWORD, USER, Dovecot, running_dovecot

pytestmark = pytest.mark.django_db


@pytest.fixture
def dovecot() -> Iterator[Dovecot]:
    with running_dovecot() as server:
        yield server


@pytest.fixture
def mailbox(dovecot: Dovecot) -> Mailbox:
    forget_our_addresses()
    queue = LineQueueFactory.create(name="Первая линия", slug="line-1", is_default=True)
    return Mailbox.objects.create(
        name="Поддержка",
        address="support@example.ru",
        queue=queue,
        imap_host="127.0.0.1",
        imap_port=dovecot.imap_port,
        imap_security=ImapSecurity.NONE,
        imap_username=USER,
        imap_password=PASSWORD,
    )


def seen(flags: str) -> bool:
    return "\\Seen" in flags


def test_poll_takes_new_mail_threads_the_reply_and_marks_it_seen(dovecot: Dovecot, mailbox: Mailbox) -> None:
    dovecot.deliver(mail(subject="Старое прочитанное письмо", message_id="old@example.com"), flags="\\Seen")
    dovecot.deliver(mail(subject="Не работает принтер", message_id="q1@example.com"))
    dovecot.deliver(mail(subject="Re: Не работает принтер", text="Всё ещё не работает", in_reply_to="q1@example.com"))

    call_command("mailbox", "poll")

    assert Ticket.objects.count() == 1
    ticket = Ticket.objects.get()
    assert ticket.messages.filter(kind="reply").count() == 2
    assert not InboundMessage.objects.filter(message_id="old@example.com").exists()  # history is left alone
    flags = dovecot.flags()
    assert all(seen(f) for f in flags.values())
    mailbox.refresh_from_db()
    assert mailbox.last_error == ""

    # New mail after the first poll: only it is fetched (UID tracking), whatever its flags.
    dovecot.deliver(mail(subject="Другая проблема", message_id="q2@example.com"), flags="\\Seen")
    report = poll_mailbox(mailbox)
    assert (report.taken, report.duplicates) == (1, 0)
    assert Ticket.objects.count() == 2
    state = MailboxFolder.objects.get(mailbox=mailbox, name="INBOX")
    assert state.last_uid == max(dovecot.flags())


def test_a_crash_between_commit_and_acknowledgement_takes_nothing_twice(
    dovecot: Dovecot, mailbox: Mailbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    dovecot.deliver(mail(message_id="crash@example.com"))
    real = imap._acknowledge

    def connection_lost(*args: object, **kwargs: object) -> bool:
        raise ConnectionResetError("the poller died here")

    monkeypatch.setattr(imap, "_acknowledge", connection_lost)
    report = poll_mailbox(mailbox)
    assert "the poller died" in report.error
    assert Ticket.objects.count() == 1  # committed...
    assert not any(seen(f) for f in dovecot.flags().values())  # ...but the server was never told

    monkeypatch.setattr(imap, "_acknowledge", real)
    again = poll_mailbox(mailbox)
    assert (again.taken, again.duplicates, again.error) == (0, 1, "")
    assert Ticket.objects.count() == 1
    assert all(seen(f) for f in dovecot.flags().values())


def test_processed_mail_is_moved_to_a_folder_with_a_russian_name(dovecot: Dovecot, mailbox: Mailbox) -> None:
    folder = "Обработанные"
    dovecot.create_folder(encode_folder(folder))
    mailbox.after_import = AfterImport.MOVE
    mailbox.move_to_folder = folder
    mailbox.save()
    for n in range(3):
        dovecot.deliver(mail(subject=f"Заявка {n}"))
    report = poll_mailbox(mailbox)
    assert report.taken == 3
    assert dovecot.count("INBOX") == 0
    assert dovecot.count(encode_folder(folder)) == 3
    assert Ticket.objects.count() == 3


def test_several_folders_are_polled(dovecot: Dovecot, mailbox: Mailbox) -> None:
    dovecot.create_folder(encode_folder("Заявки"))
    mailbox.imap_folders = "INBOX, Заявки"
    mailbox.save()
    dovecot.deliver(mail(subject="Во входящих"))
    dovecot.deliver(mail(subject="В папке заявок"), folder=encode_folder("Заявки"))
    assert poll_mailbox(mailbox).taken == 2
    assert set(Ticket.objects.values_list("subject", flat=True)) == {"Во входящих", "В папке заявок"}


def test_implicit_tls_and_starttls_verify_the_certificate(
    dovecot: Dovecot, mailbox: Mailbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    dovecot.deliver(mail(subject="По TLS"))
    mailbox.imap_security = ImapSecurity.SSL
    mailbox.imap_port = dovecot.imaps_port
    mailbox.save()
    # Our test server's certificate is not trusted by the system: refused, recorded, nothing taken or marked.
    untrusted = poll_mailbox(mailbox)
    assert "Сертификат" in untrusted.error
    mailbox.refresh_from_db()
    assert "Сертификат" in mailbox.last_error
    assert not any(seen(f) for f in dovecot.flags().values())

    monkeypatch.setenv("SSL_CERT_FILE", str(dovecot.cert))
    assert poll_mailbox(mailbox).taken == 1

    dovecot.deliver(mail(subject="По STARTTLS"))
    mailbox.imap_security = ImapSecurity.STARTTLS
    mailbox.imap_port = dovecot.imap_port
    mailbox.save()
    assert poll_mailbox(mailbox).taken == 1
    assert Ticket.objects.count() == 2


def test_a_wrong_password_is_reported_on_the_mailbox(dovecot: Dovecot, mailbox: Mailbox) -> None:
    mailbox.imap_password = "wrong"
    mailbox.save()
    report = poll_mailbox(mailbox)
    assert "отказал во входе" in report.error
    mailbox.refresh_from_db()
    assert mailbox.last_error_at is not None
    with pytest.raises(Exception, match="Не все ящики"):
        call_command("mailbox", "poll")


def test_a_mailbox_polled_elsewhere_is_skipped(dovecot: Dovecot, mailbox: Mailbox) -> None:
    dovecot.deliver(mail())
    assert take_lease(mailbox, owner="other-host:1")
    assert poll_mailbox(mailbox).skipped
    assert Ticket.objects.count() == 0


def test_a_renumbered_folder_takes_only_unseen_mail_and_nothing_twice(dovecot: Dovecot, mailbox: Mailbox) -> None:
    dovecot.deliver(mail(message_id="u1@example.com"))
    poll_mailbox(mailbox)
    MailboxFolder.objects.filter(mailbox=mailbox).update(uid_validity=1)  # as if the server renumbered it
    dovecot.deliver(mail(message_id="u2@example.com"))
    report = poll_mailbox(mailbox)
    assert (report.taken, report.duplicates) == (1, 0)
    assert InboundMessage.objects.filter(status=InboundStatus.TICKET).count() == 2


def test_idle_wakes_up_when_mail_arrives(dovecot: Dovecot, mailbox: Mailbox) -> None:
    client = connect(mailbox)
    try:
        assert imap.supports_idle(client)
        imap._select(client, "INBOX")
        stop = threading.Event()
        outcome: list[bool] = []
        waiter = threading.Thread(target=lambda: outcome.append(idle_wait(client, seconds=20, stop=stop)))
        started = time.monotonic()
        waiter.start()
        time.sleep(0.5)
        dovecot.deliver(mail(subject="Пришло во время IDLE"))
        waiter.join(15)
        assert outcome == [True]
        assert time.monotonic() - started < 10
        # The connection is usable after IDLE ends.
        assert client.noop()[0] == "OK"
    finally:
        client.logout()


def test_the_poll_command_prints_what_it_did(
    dovecot: Dovecot, mailbox: Mailbox, capsys: pytest.CaptureFixture[str]
) -> None:
    dovecot.deliver(mail())
    call_command("mailbox", "poll", "--mailbox", "support@example.ru")
    printed = json.loads(capsys.readouterr().out)
    assert printed == [
        {"mailbox": "support@example.ru", "fetched": 1, "new": 1, "duplicates": 0, "skipped": False, "error": ""}
    ]
    assert Message.objects.count() == 1


def test_the_periodic_task_polls_once_per_slot(dovecot: Dovecot, mailbox: Mailbox) -> None:
    from hotline.core.models import PeriodicRun
    from hotline.intake.tasks import poll_mailboxes_task

    dovecot.deliver(mail(subject="Через периодическую задачу"))
    first = poll_mailboxes_task.apply().get()
    assert "support@example.ru: 1 new" in first
    assert poll_mailboxes_task.apply().get() == "skipped"  # the same slot, another worker or beat
    assert PeriodicRun.objects.filter(name="intake.poll_mailboxes").count() == 1
    assert Ticket.objects.count() == 1
