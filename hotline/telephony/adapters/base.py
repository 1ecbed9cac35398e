"""The normalised call event every adapter produces, and the refusals a webhook answers with."""

from __future__ import annotations

import dataclasses
import hashlib
from datetime import datetime
from typing import Any

from django.utils.translation import gettext as _

from hotline.telephony.choices import Direction, EventKind

TEXT_MAX = 255
NUMBER_MAX = 64


class Rejected(Exception):
    """A request that is not a valid event from this PBX: answered with ``status`` and the reason, and logged."""

    status = 400
    code = "malformed"

    def __init__(self, message: str, *, field: str | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        if code is not None:
            self.code = code


class Malformed(Rejected):
    status = 400
    code = "malformed"


class Unsigned(Rejected):
    """No signature (or no key) where one is required."""

    status = 403
    code = "unsigned"


class BadSignature(Rejected):
    status = 403
    code = "bad_signature"


@dataclasses.dataclass(frozen=True, kw_only=True)
class CallEventData:
    """One thing that happened to a call, whatever PBX reported it.

    ``call_id`` groups every leg of one call (AMI's Linkedid, Mango's entry_id); ``leg`` names one party's
    part (empty for the call as a whole); ``sequence`` orders events of one call when the PBX numbers them.
    ``extension`` is the agent's phone the event happened on; for ``transferred`` it is where the call came
    from and ``transfer_to`` where it went. ``answered`` on ``ended`` is the PBX's own verdict when it gives one.
    ``correlation_id`` ties a call Hotline originated back to its request.
    """

    call_id: str
    kind: str
    occurred_at: datetime
    leg: str = ""
    sequence: int = 0
    direction: str = ""
    caller: str = ""
    caller_name: str = ""
    called: str = ""
    line: str = ""
    extension: str = ""
    transfer_to: str = ""
    wait_seconds: int | None = None
    talk_seconds: int | None = None
    answered: bool | None = None
    abandoned: bool = False
    disconnect_cause: str = ""
    recording_url: str = ""
    recording_ref: str = ""
    # The id Hotline gave the call when it asked the PBX to place it (``Origination.correlation_id``), if echoed.
    correlation_id: str = ""

    def __post_init__(self) -> None:
        if self.kind not in EventKind.values:
            raise Malformed(_("неизвестное событие «%(kind)s»") % {"kind": self.kind}, field="event")
        if self.direction and self.direction not in Direction.values:
            raise Malformed(_("неизвестное направление «%(d)s»") % {"d": self.direction}, field="direction")
        if not self.call_id.strip():
            raise Malformed(_("нет идентификатора звонка"), field="call_id")
        if self.occurred_at.tzinfo is None:
            raise Malformed(_("время события без часового пояса"), field="occurred_at")

    @property
    def dedupe_key(self) -> str:
        """Call id + leg + event + sequence: the same report delivered twice has the same key."""
        key = f"{self.call_id}|{self.leg}|{self.kind}|{self.sequence}"
        if len(key) <= TEXT_MAX:
            return key
        return "sha256:" + hashlib.sha256(key.encode()).hexdigest()

    def to_json(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["occurred_at"] = self.occurred_at.isoformat()
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> CallEventData:
        known = {f.name for f in dataclasses.fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        values["occurred_at"] = datetime.fromisoformat(values["occurred_at"])
        return cls(**values)


def clip(value: Any, limit: int = TEXT_MAX) -> str:
    """A PBX's value as text of bounded length, without NUL characters databases refuse."""
    text = "" if value is None else str(value)
    return text.replace("\x00", "").strip()[:limit]
