"""Splitting an import between parallel importers so that none of them waits for, or races, another.

Messages that could touch the same rows go to the same importer, in their delivery order: a reply and what it
answers (Message-IDs in In-Reply-To/References, our own ids naming a ticket, a ticket number in the subject), and
every message of one person (sender, To and Cc, bar our own addresses: they may create the same contact). These
ties are read off the raw headers (no MIME parse) and joined transitively; each resulting group goes whole to the
importer with the least work so far.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from hotline.desk.mail_ids import parse_message_id
from hotline.intake.mail.headers import decode_header, parse_message_ids
from hotline.intake.services.keys import header_block, header_fields
from hotline.intake.services.threading import subject_number_pattern

IDS_PER_MESSAGE = 50
_TIED_HEADERS = (b"from", b"to", b"cc", b"subject", b"message-id", b"in-reply-to", b"references")
_ADDRESS = re.compile(rb"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")


def ties(raw: bytes, ours: frozenset[str]) -> set[str]:
    """What a message shares with others it must be imported with (prefixed: ``id:``, ``ticket:``, ``addr:``)."""
    headers, _body = header_block(raw)
    found: set[str] = set()
    number = subject_number_pattern()
    for field, value in header_fields(headers, *_TIED_HEADERS):
        text = value.decode("utf-8", "replace")
        if field in (b"from", b"to", b"cc"):
            # Addresses are ASCII whatever the display names: found as they are, without decoding the header.
            for address in _ADDRESS.findall(value):
                clean = address.decode("ascii").lower()
                if clean not in ours:
                    found.add(f"addr:{clean}")
        elif field == b"subject":
            found.update(f"ticket:{int(m.group(1))}" for m in number.finditer(decode_header(text)))
        else:
            for mid in parse_message_ids(text)[-IDS_PER_MESSAGE:]:
                found.add(f"id:{mid}")
                own = parse_message_id(mid)
                if own is not None and own.ticket_id is not None:
                    found.add(f"ticket:{own.ticket_id}")
    return found


class _Groups:
    """Union-find over message indexes, joined through the ties they share."""

    def __init__(self, size: int) -> None:
        self.parent = list(range(size))

    def find(self, item: int) -> int:
        root = item
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[item] != root:  # path compression
            self.parent[item], item = root, self.parent[item]
        return root

    def join(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def partition(raws: Iterable[bytes], parts: int, ours: Iterable[str] = ()) -> list[list[int]]:
    """The message indexes for each of at most ``parts`` importers, each share in the original order.

    Only each message's ties are kept, so ``raws`` may be read one message at a time. Groups go largest first to
    the share with the fewest messages, so one big conversation does not leave the others idle longer than it must.
    """
    own = frozenset(a.lower() for a in ours)
    tie_sets = [ties(raw, own) for raw in raws]
    groups = _Groups(len(tie_sets))
    first_with: dict[str, int] = {}
    for index, found in enumerate(tie_sets):
        for tie in found:
            if tie in first_with:
                groups.join(first_with[tie], index)
            else:
                first_with[tie] = index
    members: dict[int, list[int]] = {}
    for index in range(len(tie_sets)):
        members.setdefault(groups.find(index), []).append(index)
    shares: list[list[int]] = [[] for _ in range(max(1, parts))]
    for group in sorted(members.values(), key=len, reverse=True):
        min(shares, key=len).extend(group)
    return [sorted(share) for share in shares if share]
