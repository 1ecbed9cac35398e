"""Live updates: one WebSocket per browser tab, topics it may subscribe to, and broadcasts to them.

Apps above web register their topics (``register_topic``) with a check of who may listen, and call
``broadcast`` after their changes commit. Presence ("I have this ticket open", "I am typing") is
relayed between the tabs on a topic without keeping state on the server, so it works the same with
one process (in-memory layer) or many (Redis layer).
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable
from typing import Any

from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.exceptions import ChannelFull
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from channels.layers import InMemoryChannelLayer, get_channel_layer
from django.db import transaction
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

# prefix -> check(user, argument) saying whether the user may listen to "prefix:argument".
Authorizer = Callable[[Any, str], bool]
_topics: dict[str, Authorizer] = {}
_TOPIC_RE = re.compile(r"^[a-z][a-z0-9_-]{0,30}(:[A-Za-z0-9_-]{1,40})?$")
MAX_TOPICS_PER_SOCKET = 20


def register_topic(prefix: str, authorize: Authorizer) -> None:
    _topics[prefix] = authorize


def group_name(topic: str) -> str:
    # Channel-layer group names allow only ASCII letters, digits, hyphens and periods.
    return "live." + topic.replace(":", ".").replace("_", "-")


def may_listen(user: Any, topic: str) -> bool:
    if not _TOPIC_RE.match(topic) or not getattr(user, "is_authenticated", False):
        return False
    prefix, _sep, argument = topic.partition(":")
    authorize = _topics.get(prefix)
    return bool(authorize and authorize(user, argument))


def send_now(topic: str, payload: dict[str, Any] | None = None) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    if isinstance(layer, InMemoryChannelLayer) and not layer.groups.get(group_name(topic)):
        # The in-memory layer reaches this process only: with nobody here listening (a command, a worker, a
        # page nobody has open) the push has no one to go to, so skip the event-loop round trip it costs.
        return
    message = {"type": "live.event", "topic": topic, **(payload or {})}
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        loop = None
    if loop is not None:
        # Already inside an event loop (async code): schedule the push on it instead of blocking.
        loop.create_task(_group_send(layer, topic, message))
        return
    try:
        async_to_sync(layer.group_send)(group_name(topic), message)
    except (OSError, ChannelFull, RedisError):  # a lost push must never break the change behind it
        logger.warning("live broadcast to %s failed", topic, exc_info=True)


async def _group_send(layer: Any, topic: str, message: dict[str, Any]) -> None:
    try:
        await layer.group_send(group_name(topic), message)
    except (OSError, ChannelFull, RedisError):
        logger.warning("live broadcast to %s failed", topic, exc_info=True)


def broadcast(topic: str, payload: dict[str, Any] | None = None) -> None:
    """Tells listeners of ``topic`` that something changed, once the current transaction commits."""
    transaction.on_commit(lambda: send_now(topic, payload), robust=True)


class LiveConsumer(AsyncJsonWebsocketConsumer):  # type: ignore[misc]
    """The browser's one socket. Messages in: subscribe, presence. Messages out: event, presence."""

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=4401)
            return
        self.user = user
        self.groups_joined: set[str] = set()
        self.presence_topics: set[str] = set()
        await self.accept()

    async def disconnect(self, code: int) -> None:
        for topic in list(getattr(self, "presence_topics", ())):
            await self._relay_presence(topic, "leave")
        for group in getattr(self, "groups_joined", set()):
            await self.channel_layer.group_discard(group, self.channel_name)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if not isinstance(content, dict):
            return
        kind = content.get("type")
        topic = str(content.get("topic", ""))
        if kind == "subscribe":
            await self._subscribe(topic)
        elif kind == "presence" and group_name(topic) in self.groups_joined:
            state = str(content.get("state", "here"))
            if state in {"join", "here", "typing", "leave"}:
                if state == "leave":
                    self.presence_topics.discard(topic)
                else:
                    self.presence_topics.add(topic)
                await self._relay_presence(topic, state)

    async def _subscribe(self, topic: str) -> None:
        group = group_name(topic)
        if group in self.groups_joined or len(self.groups_joined) >= MAX_TOPICS_PER_SOCKET:
            return
        allowed = await database_sync_to_async(may_listen)(self.user, topic)
        if not allowed:
            await self.send_json({"type": "denied", "topic": topic})
            return
        await self.channel_layer.group_add(group, self.channel_name)
        self.groups_joined.add(group)
        await self.send_json({"type": "subscribed", "topic": topic})

    async def _relay_presence(self, topic: str, state: str) -> None:
        name = self.user.get_full_name() or self.user.username
        await self.channel_layer.group_send(
            group_name(topic),
            {"type": "live.presence", "topic": topic, "state": state, "user_id": self.user.pk, "name": name},
        )

    async def live_event(self, message: dict[str, Any]) -> None:
        await self.send_json({k: v for k, v in message.items() if k != "type"} | {"type": "event"})

    async def live_presence(self, message: dict[str, Any]) -> None:
        if message.get("user_id") == self.user.pk:
            return
        await self.send_json({k: v for k, v in message.items() if k != "type"} | {"type": "presence"})
