"""Asterisk: the Manager Interface's ``Originate`` action on a short connection of its own.

Login (``Events: off``: this connection only sends the action), then::

    Action: Originate
    ActionID: hotline-originate:<correlation id>
    Channel: PJSIP/101                  (the source's channel template; Local/101@from-internal works too)
    Context: from-internal              (the source's dialplan context, where the number is dialled)
    Exten: 79141234567                  (the customer's number, digits of E.164)
    Priority: 1
    CallerID: 74951234567
    Timeout: 30000
    ChannelId: <correlation id>         (Asterisk 13+: the call's Uniqueid and so its Linkedid)
    Variable: HOTLINE_CORRELATION_ID=<correlation id>
    Async: true

``Response: Success`` means the call is queued; the listener (``ami_listener``) then sees the call's channels,
and ``OriginateResponse`` with our ActionID if the agent's phone never took it.
"""

from __future__ import annotations

import contextlib
import socket
import time

from django.utils.translation import gettext as _

from hotline.telephony.adapters.ami import ORIGINATE_ACTION_PREFIX, AmiMessage, AmiParser, AmiProtocolError, action
from hotline.telephony.models import PbxSource
from hotline.telephony.originate import OriginateCommand, PbxRefused, PbxTimeout, PbxUnreachable, Placed, digits

DEFAULT_PORT = 5038
LOGIN_ACTION = "hotline-originate-login"


def channel_for(source: PbxSource, extension: str) -> str:
    template = source.originate_channel or "PJSIP/{extension}"
    return template.replace("{extension}", extension)


def _await(sock: socket.socket, parser: AmiParser, action_id: str, deadline: float) -> AmiMessage:
    while True:
        for message in parser.feed(b""):
            if message.get("ActionID") == action_id and "Response" in message:
                return message
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise PbxTimeout(_("Asterisk не ответил вовремя"))
        sock.settimeout(remaining)
        try:
            data = sock.recv(65536)
        except TimeoutError as exc:
            raise PbxTimeout(_("Asterisk не ответил вовремя")) from exc
        if not data:
            raise PbxUnreachable(_("Asterisk закрыл соединение"))
        for message in parser.feed(data):
            if message.get("ActionID") == action_id and "Response" in message:
                return message


def originate(source: PbxSource, command: OriginateCommand, timeout: float) -> Placed:
    host, port = source.host or "127.0.0.1", source.port or DEFAULT_PORT
    deadline = time.monotonic() + timeout
    try:
        sock = socket.create_connection((host, port), timeout=timeout)
    except TimeoutError as exc:
        raise PbxTimeout(_("Asterisk %(addr)s не ответил вовремя") % {"addr": f"{host}:{port}"}) from exc
    except OSError as exc:
        raise PbxUnreachable(_("Asterisk %(addr)s недоступен: %(e)s") % {"addr": f"{host}:{port}", "e": exc}) from exc
    parser = AmiParser()
    try:
        with sock:
            sock.sendall(
                action("Login", ActionID=LOGIN_ACTION, Username=source.api_key, Secret=source.secret, Events="off")
            )
            login = _await(sock, parser, LOGIN_ACTION, deadline)
            if login["Response"] != "Success":
                raise PbxRefused(_("Asterisk не пустил: %(m)s") % {"m": login.get("Message", login["Response"])})
            action_id = ORIGINATE_ACTION_PREFIX + command.correlation_id
            headers = {
                "ActionID": action_id,
                "Channel": channel_for(source, command.extension),
                "Context": source.originate_context or "from-internal",
                "Exten": digits(command.number),
                "Priority": "1",
                "Timeout": str(max(1, command.timeout_s) * 1000),
                "ChannelId": command.correlation_id,
                "Variable": f"HOTLINE_CORRELATION_ID={command.correlation_id}",
                "Async": "true",
            }
            if command.caller_id:
                headers["CallerID"] = digits(command.caller_id)
            sock.sendall(action("Originate", **headers))
            answer = _await(sock, parser, action_id, deadline)
            # The call is queued; a connection that closed first changes nothing.
            with contextlib.suppress(OSError):
                sock.sendall(action("Logoff", ActionID="hotline-originate-logoff"))
    except AmiProtocolError as exc:
        raise PbxRefused(_("на %(addr)s не Asterisk AMI: %(e)s") % {"addr": f"{host}:{port}", "e": exc}) from exc
    except OSError as exc:
        raise PbxUnreachable(_("связь с Asterisk прервалась: %(e)s") % {"e": exc}) from exc
    if answer["Response"] != "Success":
        raise PbxRefused(_("Asterisk отказал: %(m)s") % {"m": answer.get("Message", answer["Response"])})
    return Placed(provider_call_id=command.correlation_id)
