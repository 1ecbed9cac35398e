"""Secrets a mailbox needs (its IMAP password) encrypted at rest: Fernet (AES-128-CBC + HMAC-SHA256).

The key comes from ``HOTLINE_SECRETS_KEY`` — a Fernet key (``Fernet.generate_key()``) or any long random string,
several separated by commas for rotation (the first encrypts, all decrypt). Without it the key is derived from
Django's ``SECRET_KEY`` (HKDF-SHA256), so changing ``SECRET_KEY`` alone would make stored passwords unreadable;
its ``SECRET_KEY_FALLBACKS`` still decrypt. ``hotline mailbox reencrypt`` re-encrypts every stored secret with the
current first key after a rotation. A database dump alone then reveals no password.
"""

from __future__ import annotations

import base64
import binascii
import logging
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

logger = logging.getLogger(__name__)
PREFIX = "fernet:"  # marks a stored value as ours (a password stored before encryption has none)


class SecretUnreadable(Exception):
    """A stored secret none of the configured keys decrypts: the keys changed; the secret must be entered again."""


def _derived(secret: str, context: bytes) -> bytes:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"hotline-secrets", info=context).derive(secret.encode())
    return base64.urlsafe_b64encode(key)


def _as_fernet_key(value: str) -> bytes:
    """A Fernet key as given, or one derived from any other string (a passphrase from a secrets manager)."""
    try:
        if len(base64.urlsafe_b64decode(value.encode())) == 32:
            return value.encode()
    except (binascii.Error, ValueError):
        pass
    return _derived(value, b"hotline secrets key v1")


@lru_cache(maxsize=4)
def _fernet(configured: str, secret_key: str, fallbacks: tuple[str, ...]) -> MultiFernet:
    keys = [_as_fernet_key(k.strip()) for k in configured.split(",") if k.strip()]
    keys += [_derived(k, b"hotline secrets from SECRET_KEY v1") for k in (secret_key, *fallbacks) if k]
    if not keys:
        raise RuntimeError("Neither HOTLINE_SECRETS_KEY nor SECRET_KEY is set: secrets cannot be encrypted")
    return MultiFernet([Fernet(k) for k in keys])


def fernet() -> MultiFernet:
    return _fernet(
        str(getattr(settings, "HOTLINE_SECRETS_KEY", "") or ""),
        str(settings.SECRET_KEY or ""),
        tuple(str(k) for k in getattr(settings, "SECRET_KEY_FALLBACKS", ())),
    )


def is_encrypted(stored: str) -> bool:
    return stored.startswith(PREFIX)


def encrypt(plain: str) -> str:
    """The stored form of ``plain`` ("" stays "": nothing to hide)."""
    if not plain:
        return ""
    return PREFIX + fernet().encrypt(plain.encode()).decode("ascii")


def decrypt(stored: str) -> str:
    """The plain text of a stored secret; a value stored before encryption is returned as it is.

    Raises:
        SecretUnreadable: no configured key decrypts it.
    """
    if not is_encrypted(stored):
        return stored
    try:
        return fernet().decrypt(stored[len(PREFIX) :].encode("ascii")).decode()
    except (InvalidToken, UnicodeError) as exc:
        raise SecretUnreadable from exc


def reencrypt(stored: str) -> str:
    """``stored`` encrypted again with the current first key (after a key rotation); plain text gets encrypted."""
    if not stored:
        return ""
    if not is_encrypted(stored):
        return encrypt(stored)
    try:
        return PREFIX + fernet().rotate(stored[len(PREFIX) :].encode("ascii")).decode("ascii")
    except InvalidToken as exc:
        raise SecretUnreadable from exc
