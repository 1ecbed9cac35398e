"""``hotline telephony``: the PBX side of Hotline.

Examples::

    hotline telephony ami-listen --source asterisk          # keep the call log fed from Asterisk (reconnects)
    hotline telephony ami-listen --source asterisk --events call,agent,dialplan   # + recording file names
    hotline telephony replay-ami recorded.ami --source asterisk  # feed a recorded AMI stream, e.g. to check a setup
    hotline telephony retry                                 # apply stored events that failed to apply

The AMI source (host, port, user in «ключ API / логин AMI», password in «секрет») is set up in the admin under
«АТС и интеграции».
"""

from __future__ import annotations

import contextlib
import signal
import threading
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext

from hotline.telephony.ami_listener import AmiListener, replay
from hotline.telephony.choices import SourceKind
from hotline.telephony.models import PbxSource
from hotline.telephony.services.ingest import retry_pending_events


class Command(BaseCommand):
    help = "Телефония: приём событий Asterisk AMI, повтор необработанных событий."

    def add_arguments(self, parser: ArgumentParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        listen = actions.add_parser("ami-listen", help=gettext("слушать события Asterisk AMI (с переподключением)"))
        listen.add_argument("--source", help=gettext("код АТС (по умолчанию — единственная включённая АТС Asterisk)"))
        listen.add_argument("--host", help=gettext("адрес AMI (по умолчанию из настроек АТС)"))
        listen.add_argument("--port", type=int, help=gettext("порт AMI (по умолчанию из настроек АТС или 5038)"))
        listen.add_argument(
            "--events", default="call,agent", help=gettext("классы событий AMI (call,agent[,dialplan])")
        )
        replayed = actions.add_parser("replay-ami", help=gettext("прогнать записанный поток AMI через журнал звонков"))
        replayed.add_argument("path", metavar="FILE")
        replayed.add_argument("--source", help=gettext("код АТС"))
        actions.add_parser("retry", help=gettext("применить сохранённые, но не применённые события"))

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "retry":
            self.stdout.write(gettext("применено событий: %(n)s") % {"n": retry_pending_events()})
            return
        source = self._source(options.get("source"))
        if options["action"] == "replay-ami":
            path = Path(options["path"])
            if not path.is_file():
                raise CommandError(gettext("нет файла %(path)s") % {"path": path})
            stats = replay(source=source, data=path.read_bytes())
            self.stdout.write(
                gettext("событий: %(n)s, новых: %(new)s, повторов: %(dup)s")
                % {"n": stats.events, "new": stats.accepted, "dup": stats.duplicates}
            )
            return
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_args: stop.set())
        listener = AmiListener(
            source=source,
            host=options.get("host"),
            port=options.get("port"),
            events=options["events"],
            stop=stop,
            log=self.stdout.write,
        )
        with contextlib.suppress(KeyboardInterrupt):
            listener.run()

    def _source(self, slug: str | None) -> PbxSource:
        sources = PbxSource.objects.filter(kind=SourceKind.ASTERISK, is_active=True)
        if slug:
            source = sources.filter(slug=slug).first()
            if source is None:
                raise CommandError(gettext("нет включённой АТС Asterisk с кодом «%(slug)s»") % {"slug": slug})
            return source
        found = list(sources[:2])
        if len(found) != 1:
            raise CommandError(
                gettext("укажите --source: включённых АТС Asterisk нет")
                if not found
                else gettext("укажите --source: включённых АТС Asterisk несколько")
            )
        return found[0]
