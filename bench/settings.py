"""The benchmark's server settings: production (``hotline.settings.production``) on loopback, without TLS.

Everything a production web process does stays on (DEBUG off, WhiteNoise's manifest, persistent database
connections); the throwaway secret comes from the environment the benchmark sets (``bench.env``). Jobs a
production site leaves to Celery workers (outbox delivery, the periodic scheduler) are off, as they would be
in a web process, so the figures are those of the request path.
"""

import os

os.environ.setdefault("HOTLINE_HTTPS", "0")
os.environ.setdefault("HOTLINE_OUTBOX_INLINE", "0")
os.environ.setdefault("HOTLINE_EMBEDDED_SCHEDULER", "0")

from hotline.settings.production import *  # noqa: F403
from hotline.settings.production import LOGGING

ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
# One log line per request would cost more than some of the requests measured.
LOGGING = {**LOGGING, "root": {"handlers": ["console"], "level": "WARNING"}}
