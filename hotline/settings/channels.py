"""Django Channels: the channel layer that carries live updates to browsers.

Embedded mode keeps it in memory (one process); with ``REDIS_URL`` set, every web process shares a
Redis layer so a change made behind one process reaches browsers connected to another.
"""

from __future__ import annotations

import os
from typing import Any

REDIS_URL = os.environ.get("REDIS_URL", "")

CHANNEL_LAYERS: dict[str, dict[str, Any]] = (
    {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL], "capacity": 1000, "expiry": 30},
        }
    }
    if REDIS_URL
    else {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
)
