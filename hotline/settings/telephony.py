"""Telephony (imported by ``base.py``): PBX webhooks, the AMI listener, the retry of stored call events."""

from __future__ import annotations

import os

# A generic-webhook request's X-Hotline-Timestamp may differ from the server's clock by this much.
HOTLINE_TELEPHONY_SIGNATURE_TOLERANCE_SECONDS = int(
    os.environ.get("HOTLINE_TELEPHONY_SIGNATURE_TOLERANCE_SECONDS", "300")
)
# Largest webhook body accepted (a batch of 100 events fits easily).
HOTLINE_TELEPHONY_MAX_BODY_BYTES = int(os.environ.get("HOTLINE_TELEPHONY_MAX_BODY_BYTES", str(256 * 1024)))
# How often stored call events that failed to apply are tried again (periodic job).
HOTLINE_TELEPHONY_RETRY_SECONDS = int(os.environ.get("HOTLINE_TELEPHONY_RETRY_SECONDS", "30"))
# A call still "ringing" or "talking" after this long is shown as stale rather than popped on page load.
HOTLINE_TELEPHONY_ACTIVE_CALL_HOURS = int(os.environ.get("HOTLINE_TELEPHONY_ACTIVE_CALL_HOURS", "4"))
# AMI: the longest extension (peer name of a desk phone) and the listener's reconnect backoff ceiling.
HOTLINE_AMI_MAX_EXTENSION_LENGTH = int(os.environ.get("HOTLINE_AMI_MAX_EXTENSION_LENGTH", "6"))
HOTLINE_AMI_RECONNECT_MAX_SECONDS = float(os.environ.get("HOTLINE_AMI_RECONNECT_MAX_SECONDS", "30"))
# Placing a call through a PBX (AMI Originate, Zadarma/Mango callback, the generic request): how long to wait for
# the PBX to take the request (not how long the phones ring).
HOTLINE_TELEPHONY_ORIGINATE_TIMEOUT_SECONDS = float(os.environ.get("HOTLINE_TELEPHONY_ORIGINATE_TIMEOUT_SECONDS", "10"))
# Zadarma's callback names no call id: its call is matched by extension and number within this many minutes.
HOTLINE_TELEPHONY_ORIGINATE_MATCH_MINUTES = int(os.environ.get("HOTLINE_TELEPHONY_ORIGINATE_MATCH_MINUTES", "10"))
