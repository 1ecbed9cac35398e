"""A JSON client for the desk API tests: session or bearer-token auth, parsed bodies."""

from __future__ import annotations

import json
from typing import Any

from django.test import Client

from hotline.core.models import User
from hotline.core.tokens import issue_token


class Api:
    """``Api.session(user)``, ``Api.token(user)`` or ``Api.anonymous()``; methods return the response."""

    def __init__(self, client: Client, headers: dict[str, str] | None = None) -> None:
        self.client = client
        self.headers = headers or {}

    @classmethod
    def session(cls, user: User) -> Api:
        client = Client()
        client.force_login(user)
        return cls(client)

    @classmethod
    def token(cls, user: User) -> Api:
        _, raw = issue_token(actor=user, user=user, name="tests")
        return cls(Client(), {"Authorization": f"Bearer {raw}"})

    @classmethod
    def anonymous(cls) -> Api:
        return cls(Client())

    def _send(self, method: str, path: str, data: Any = None, headers: dict[str, str] | None = None) -> Any:
        call = getattr(self.client, method)
        merged = {**self.headers, **(headers or {})}
        if method in ("get", "delete") and data is None:
            return call(path, headers=merged)
        if method == "get":
            return call(path, data, headers=merged)
        return call(path, json.dumps(data if data is not None else {}), content_type="application/json", headers=merged)

    def get(self, path: str, params: dict[str, Any] | None = None, **kw: Any) -> Any:
        return self._send("get", path, params, **kw)

    def post(self, path: str, data: Any = None, **kw: Any) -> Any:
        return self._send("post", path, data, **kw)

    def patch(self, path: str, data: Any = None, **kw: Any) -> Any:
        return self._send("patch", path, data, **kw)

    def delete(self, path: str, **kw: Any) -> Any:
        return self._send("delete", path, **kw)

    def multipart(self, path: str, data: dict[str, Any]) -> Any:
        return self.client.post(path, data, headers=self.headers)
