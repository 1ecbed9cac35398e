"""Background jobs (Celery): imported by ``base.py``; every value comes from the environment.

Two modes, chosen by ``CELERY_BROKER_URL``:
- set (``amqp://guest:guest@127.0.0.1:5672//`` or ``redis://127.0.0.1:6379/1``): production. Web processes send
  tasks to the broker after commit; ``celery -A hotline worker`` runs them and ``celery -A hotline beat`` sends
  the periodic ones (run two of each if you like: periodic work still fires once per slot).
- unset: embedded. Tasks run in the calling process (``task_always_eager``) and the periodic ones are sent by a
  scheduler thread inside the web process (``hotline.celery.start_embedded_scheduler``) or by ``hotline jobs``.
  The same task code runs either way; nothing needs a broker.
"""

from __future__ import annotations

import os

CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "").strip()
HOTLINE_EMBEDDED_JOBS = not CELERY_BROKER_URL
if HOTLINE_EMBEDDED_JOBS:
    # Never contacted: eager tasks skip the broker. Set so nothing tries amqp://localhost by default.
    CELERY_BROKER_URL = "memory://localhost/"  # with a host, or kombu warns that none was supplied
CELERY_TASK_ALWAYS_EAGER = HOTLINE_EMBEDDED_JOBS
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = os.environ.get("HOTLINE_TIME_ZONE", "Europe/Moscow")
CELERY_ENABLE_UTC = True
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("HOTLINE_CELERY_QUEUE", "hotline")
# At least once: a task is acknowledged after it ran, and a worker that dies hands it back. Tasks are idempotent.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_WORKER_SEND_TASK_EVENTS = False
CELERY_BEAT_SCHEDULE_FILENAME = os.environ.get("HOTLINE_BEAT_SCHEDULE_FILE", "celerybeat-schedule")

# Periods of the periodic jobs, in seconds (``hotline.celery.PERIODIC_TASKS`` names them).
HOTLINE_OUTBOX_POLL_SECONDS = int(os.environ.get("HOTLINE_OUTBOX_POLL_SECONDS", "10"))
HOTLINE_SLA_CHECK_SECONDS = int(os.environ.get("HOTLINE_SLA_CHECK_SECONDS", "60"))
HOTLINE_AUTO_CLOSE_CHECK_SECONDS = int(os.environ.get("HOTLINE_AUTO_CLOSE_CHECK_SECONDS", "3600"))
HOTLINE_PERIODIC_PURGE_SECONDS = int(os.environ.get("HOTLINE_PERIODIC_PURGE_SECONDS", "86400"))
# Progressive campaigns: how often free agents are offered leads that have just become callable.
HOTLINE_CAMPAIGNS_DIAL_SECONDS = int(os.environ.get("HOTLINE_CAMPAIGNS_DIAL_SECONDS", "15"))
# With a broker, each outbox event is also sent to a worker right after commit (the poll above catches the rest).
HOTLINE_OUTBOX_ENQUEUE = not HOTLINE_EMBEDDED_JOBS
# Embedded mode: the web process runs the periodic jobs itself unless this is off (e.g. ``hotline jobs`` does).
HOTLINE_EMBEDDED_SCHEDULER = os.environ.get("HOTLINE_EMBEDDED_SCHEDULER", "1").strip().lower() in {"1", "true", "on"}
