"""Asterisk Manager Interface (Asterisk 12+): the wire format, and events of channels folded into calls.

``AmiParser`` splits the TCP stream into messages (``Key: value`` lines, a blank line between messages, after the
``Asterisk Call Manager/x.y`` banner). ``AmiTracker`` follows channels and turns Newchannel, DialBegin, DialEnd,
Hangup, BlindTransfer/AttendedTransfer, the queue's QueueCallerAbandon and VarSet(MIXMONITOR_FILENAME) into
``CallEventData``; the legs of one call share its ``Linkedid`` (the Uniqueid of its first channel).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import PurePosixPath

from django.utils import timezone

from hotline.telephony.adapters.base import CallEventData, Malformed, clip
from hotline.telephony.choices import Direction, EventKind

AmiMessage = dict[str, str]
MAX_BUFFER = 1024 * 1024
_SEPARATOR = re.compile(rb"\r?\n\r?\n")
_LINE = re.compile(rb"\r?\n")
# PJSIP/101-0000002a, SIP/101-00000001, IAX2/101-123: the peer name before the last "-" is the phone.
_DEVICE = re.compile(r"^(?:PJSIP|SIP|IAX2|DAHDI)/(?P<peer>[^/@;]+)-[0-9a-fA-F]+$")
_NEWLINES = re.compile(r"[\r\n]")
_UNKNOWN = {"", "<unknown>", "unknown", "anonymous", "s"}


class AmiProtocolError(Exception):
    """The peer does not speak AMI (no banner, a message without end)."""


class AmiParser:
    """Turns bytes from the socket into messages; keeps the unfinished tail between reads."""

    def __init__(self) -> None:
        self.buffer = b""
        self.banner: str | None = None

    def feed(self, data: bytes) -> list[AmiMessage]:
        self.buffer += data
        if self.banner is None:
            match = _LINE.search(self.buffer)
            if match is None:
                if len(self.buffer) > 4096:
                    raise AmiProtocolError("no AMI banner")
                return []
            self.banner = self.buffer[: match.start()].decode("utf-8", "replace").strip()
            self.buffer = self.buffer[match.end() :]
            if "Call Manager" not in self.banner:
                raise AmiProtocolError(f"unexpected banner {self.banner[:80]!r}")
        messages: list[AmiMessage] = []
        while True:
            match = _SEPARATOR.search(self.buffer)
            if match is None:
                break
            block, self.buffer = self.buffer[: match.start()], self.buffer[match.end() :]
            message: AmiMessage = {}
            for line in _LINE.split(block):
                key, sep, value = line.decode("utf-8", "replace").partition(":")
                if sep and key.strip() and key.strip() not in message:
                    message[key.strip()] = value.strip()
            if message:
                messages.append(message)
        if len(self.buffer) > MAX_BUFFER:
            raise AmiProtocolError("a message longer than 1 MiB")
        return messages


def action(name: str, **headers: str) -> bytes:
    """One AMI action; line breaks in values are dropped so a value cannot smuggle in another header."""
    lines = [f"Action: {name}"] + [f"{key}: {_NEWLINES.sub('', value)}" for key, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


ORIGINATE_ACTION_PREFIX = "hotline-originate:"
# OriginateResponse's Reason: how the first leg (the agent's phone) ended when it was not answered.
ORIGINATE_REASONS = {"0": "failed", "1": "hangup", "3": "no answer", "5": "busy", "8": "congestion"}


def originate_correlation(message: AmiMessage) -> str:
    """The correlation id of an Originate Hotline sent, from its ActionID ("" for anyone else's)."""
    action_id = message.get("ActionID", "")
    return action_id[len(ORIGINATE_ACTION_PREFIX) :] if action_id.startswith(ORIGINATE_ACTION_PREFIX) else ""


def device_extension(channel: str, *, max_length: int = 6) -> str:
    """The agent's extension behind a phone's channel name ("PJSIP/101-0000002a" → "101"); "" for trunks."""
    match = _DEVICE.match(channel or "")
    if match is None:
        return ""
    peer = match.group("peer")
    return peer if peer.isdigit() and len(peer) <= max_length else ""


def is_extension(number: str, *, max_length: int = 6) -> bool:
    return number.isdigit() and len(number) <= max_length


@dataclasses.dataclass
class _Channel:
    uniqueid: str
    linkedid: str
    extension: str = ""


@dataclasses.dataclass
class _CallInfo:
    direction: str
    agent_leg: str = ""
    agent_extension: str = ""
    abandoned: bool = False
    wait_seconds: int | None = None
    # Out through a trunk: how the last dial to the customer ended (BUSY, NOANSWER, CONGESTION, CHANUNAVAIL).
    dial_status: str = ""


class AmiTracker:
    """Follows channels of calls in progress and turns AMI events into normalised call events.

    State is only what later events need (which extension a channel is, which calls are outbound); a channel
    is forgotten when it hangs up. A restart of the listener loses it, which costs only detail on calls
    already in progress (their ends still arrive as Hangup of the first channel).
    """

    def __init__(
        self,
        *,
        recording_url_template: str = "",
        max_extension_length: int = 6,
        now: Callable[[], datetime] = timezone.now,
    ) -> None:
        self.template = recording_url_template
        self.max_extension_length = max_extension_length
        self.now = now
        self.channels: dict[str, _Channel] = {}
        self.calls: dict[str, _CallInfo] = {}

    def feed(self, message: AmiMessage) -> list[CallEventData]:
        handler = getattr(self, f"_on_{message.get('Event', '').lower()}", None)
        if handler is None:
            return []
        try:
            result: list[CallEventData] = handler(message)
        except Malformed:
            return []  # a half-filled event of a channel we know nothing useful about
        return result

    # --- helpers -------------------------------------------------------------------------------
    def _ext(self, channel: str) -> str:
        return device_extension(channel, max_length=self.max_extension_length)

    def _at(self, message: AmiMessage) -> datetime:
        stamp = message.get("Timestamp", "")
        try:
            return datetime.fromtimestamp(float(stamp), tz=UTC)
        except ValueError:
            return self.now()

    @staticmethod
    def _seq(message: AmiMessage) -> int:
        value = message.get("SequenceNumber", "")
        return int(value) if value.isdigit() else 0

    def _event(self, message: AmiMessage, call_id: str, kind: str, **values: object) -> CallEventData:
        info = self.calls.get(call_id)
        return CallEventData(
            call_id=clip(call_id),
            kind=kind,
            occurred_at=self._at(message),
            sequence=self._seq(message),
            direction=info.direction if info is not None else "",
            **values,  # type: ignore[arg-type]
        )

    @staticmethod
    def _number(value: str) -> str:
        return "" if value.strip().lower() in _UNKNOWN else clip(value, 64)

    # --- events --------------------------------------------------------------------------------
    def _on_newchannel(self, message: AmiMessage) -> list[CallEventData]:
        uniqueid, linkedid = message.get("Uniqueid", ""), message.get("Linkedid", "")
        if not uniqueid:
            return []
        linkedid = linkedid or uniqueid
        extension = self._ext(message.get("Channel", ""))
        self.channels[uniqueid] = _Channel(uniqueid=uniqueid, linkedid=linkedid, extension=extension)
        if uniqueid != linkedid:
            return []
        caller = self._number(message.get("CallerIDNum", ""))
        exten = self._number(message.get("Exten", ""))
        if extension:
            limit = self.max_extension_length
            direction = Direction.INTERNAL if is_extension(exten, max_length=limit) else Direction.OUTBOUND
            self.calls[linkedid] = _CallInfo(direction=direction, agent_leg=uniqueid, agent_extension=extension)
            return [
                self._event(
                    message,
                    linkedid,
                    EventKind.RINGING,
                    leg=uniqueid,
                    extension=extension,
                    caller=extension,
                    called=exten,
                )
            ]
        self.calls[linkedid] = _CallInfo(direction=Direction.INBOUND)
        return [
            self._event(
                message,
                linkedid,
                EventKind.RINGING,
                caller=caller,
                caller_name=clip(message.get("CallerIDName", ""), 120) if caller else "",
                called=exten,
                line=exten,
            )
        ]

    def _on_dialbegin(self, message: AmiMessage) -> list[CallEventData]:
        dest = message.get("DestUniqueid", "")
        linkedid = message.get("DestLinkedid") or message.get("Linkedid", "")
        extension = self._ext(message.get("DestChannel", ""))
        if not dest or not linkedid:
            return []
        self.channels[dest] = _Channel(uniqueid=dest, linkedid=linkedid, extension=extension)
        if not extension:
            return []
        return [self._event(message, linkedid, EventKind.RINGING, leg=dest, extension=extension)]

    def _on_dialend(self, message: AmiMessage) -> list[CallEventData]:
        dest = message.get("DestUniqueid", "")
        linkedid = message.get("DestLinkedid") or message.get("Linkedid", "")
        status = message.get("DialStatus", "")
        channel = self.channels.get(dest)
        extension = channel.extension if channel else self._ext(message.get("DestChannel", ""))
        info = self.calls.get(linkedid)
        if status == "ANSWER":
            if info is not None:
                info.dial_status = ""
            if extension:
                return [self._event(message, linkedid, EventKind.ANSWERED, leg=dest, extension=extension)]
            if info is not None and info.agent_leg:
                # Out through a trunk: the customer picked up; the agent's own leg is the one answered.
                return [
                    self._event(
                        message, linkedid, EventKind.ANSWERED, leg=info.agent_leg, extension=info.agent_extension
                    )
                ]
            return []
        if extension and status:
            return [
                self._event(message, linkedid, EventKind.ENDED, leg=dest, extension=extension, disconnect_cause=status)
            ]
        if status and info is not None and info.agent_leg:
            info.dial_status = clip(status, 40)  # the customer's side failed: the call's end will say how
        return []

    def _on_hangup(self, message: AmiMessage) -> list[CallEventData]:
        uniqueid = message.get("Uniqueid", "")
        channel = self.channels.pop(uniqueid, None)
        linkedid = message.get("Linkedid") or (channel.linkedid if channel else "")
        if not uniqueid or not linkedid:
            return []
        cause = clip(message.get("Cause-txt") or message.get("Cause", ""), 120)
        if uniqueid == linkedid:
            info = self.calls.get(linkedid)
            event = self._event(
                message,
                linkedid,
                EventKind.ENDED,
                disconnect_cause=(info.dial_status if info and info.dial_status else cause),
                abandoned=bool(info and info.abandoned),
                wait_seconds=info.wait_seconds if info else None,
            )
            self.calls.pop(linkedid, None)
            return [event]
        extension = channel.extension if channel else self._ext(message.get("Channel", ""))
        if not extension:
            return []
        return [
            self._event(message, linkedid, EventKind.ENDED, leg=uniqueid, extension=extension, disconnect_cause=cause)
        ]

    def _on_queuecallerabandon(self, message: AmiMessage) -> list[CallEventData]:
        info = self.calls.get(message.get("Linkedid", ""))
        if info is not None:
            info.abandoned = True
            hold = message.get("HoldTime", "")
            info.wait_seconds = int(hold) if hold.isdigit() else None
        return []

    def _on_blindtransfer(self, message: AmiMessage) -> list[CallEventData]:
        linkedid = message.get("TransfereeLinkedid") or message.get("TransfererLinkedid", "")
        target = message.get("Extension", "")
        if not linkedid or not target:
            return []
        return [
            self._event(
                message,
                linkedid,
                EventKind.TRANSFERRED,
                leg=message.get("TransfererUniqueid", ""),
                extension=self._ext(message.get("TransfererChannel", "")),
                transfer_to=clip(target, 32),
            )
        ]

    def _on_attendedtransfer(self, message: AmiMessage) -> list[CallEventData]:
        linkedid = message.get("OrigTransfererLinkedid", "")
        target = self._ext(message.get("TransferTargetChannel", "")) or self._number(
            message.get("SecondTransfererConnectedLineNum", "")
        )
        if not linkedid or not target:
            return []
        return [
            self._event(
                message,
                linkedid,
                EventKind.TRANSFERRED,
                leg=message.get("OrigTransfererUniqueid", ""),
                extension=self._ext(message.get("OrigTransfererChannel", "")),
                transfer_to=clip(target, 32),
            )
        ]

    def _on_varset(self, message: AmiMessage) -> list[CallEventData]:
        if message.get("Variable") != "MIXMONITOR_FILENAME" or not message.get("Value"):
            return []
        linkedid = message.get("Linkedid", "")
        if not linkedid:
            return []
        filename = PurePosixPath(message["Value"]).name
        url = self.template.format(filename=filename) if self.template else ""
        return [
            self._event(
                message,
                linkedid,
                EventKind.RECORDING,
                leg=message.get("Uniqueid", ""),
                recording_url=url[:1000],
                recording_ref=clip(filename),
            )
        ]
