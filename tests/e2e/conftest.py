"""Browser journeys: the real ASGI app (HTTP + WebSocket) under uvicorn on 127.0.0.1, driven by
Debian's Chromium through Playwright. Screenshots go to ``test-artifacts/`` (gitignored).

Needs /usr/bin/chromium (``./dev setup`` installs it as root) and the built front-end assets
(``npm run build``); without them these tests are skipped, under CI=true they fail.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = os.environ.get("HOTLINE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DIST = ROOT / "hotline" / "web" / "static" / "dist"


def _missing(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def built_assets() -> None:
    sources = list((ROOT / "hotline" / "web" / "assets").iterdir())
    built = DIST / "app.js"
    stale = not built.exists() or max(p.stat().st_mtime for p in sources) > built.stat().st_mtime
    if stale and shutil.which("npm") and (ROOT / "node_modules").exists():
        subprocess.run(["npm", "run", "--silent", "build"], cwd=ROOT, check=True)
    if not (DIST / "app.js").exists():
        _missing("front-end assets are not built (run ./dev setup)")


@pytest.fixture(scope="session")
def browser(built_assets: None) -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        _missing(f"{CHROMIUM} is missing (./dev setup installs Debian's chromium)")
    from playwright.sync_api import expect, sync_playwright

    # Generous waits: a loaded CI machine may take seconds per page; a real failure still fails.
    expect.set_options(timeout=20_000)

    # Playwright's sync API keeps an event loop in the test thread while the browser lives; the ORM
    # calls made beside it (fixtures, assertions, the test database's teardown) are plain sync code.
    # The browser tests run last (testpaths order), so this does not loosen the other tests.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as pw:
        instance = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def asgi_server(transactional_db: None, settings: Any) -> Iterator[str]:
    """The project's ASGI application (with static files) served by uvicorn in a thread."""
    import uvicorn
    from channels.routing import ProtocolTypeRouter
    from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler
    from django.core.asgi import get_asgi_application
    from django.db import connections

    from hotline.asgi import websocket_app

    settings.ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
    settings.DEBUG = False
    # The server's worker threads each open a connection; closing them after every request lets
    # the test database be dropped at the end (PostgreSQL refuses while sessions remain).
    db_settings = connections.settings["default"]
    kept_max_age = db_settings.get("CONN_MAX_AGE", 0)
    db_settings["CONN_MAX_AGE"] = 0
    app = ProtocolTypeRouter(
        {
            "http": ASGIStaticFilesHandler(get_asgi_application()),
            "websocket": websocket_app,
        }
    )
    port = _free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, lifespan="off", log_level="warning", ws="websockets")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)
    db_settings["CONN_MAX_AGE"] = kept_max_age


class Screens:
    """Saves full-page screenshots under test-artifacts/<test name>/NN-name.png."""

    def __init__(self, name: str) -> None:
        self.dir = ARTIFACTS / name
        self.dir.mkdir(parents=True, exist_ok=True)
        for old in self.dir.glob("*.png"):
            old.unlink()
        self.n = 0

    def shot(self, page: Any, name: str, *, full_page: bool = False) -> Path:
        self.n += 1
        path = self.dir / f"{self.n:02d}-{name}.png"
        page.screenshot(path=str(path), full_page=full_page)
        return path


@pytest.fixture
def screens(request: pytest.FixtureRequest) -> Screens:
    return Screens(request.node.name)


@pytest.fixture
def new_page(browser: Any, asgi_server: str) -> Iterator[Any]:
    """Opens pages in separate browser contexts (separate people), 1366×768 unless told otherwise."""
    contexts: list[Any] = []

    def open_page(*, width: int = 1366, height: int = 768, locale: str = "ru-RU") -> Any:
        context = browser.new_context(
            viewport={"width": width, "height": height},
            locale=locale,
            timezone_id="Europe/Moscow",
            base_url=asgi_server,
        )
        context.set_default_timeout(30_000)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


PASSWORD = "pass-Word-42"


def login(page: Any, username: str, password: str = PASSWORD) -> None:
    page.goto("/login/")
    page.get_by_label("Логин или e-mail").fill(username)
    page.get_by_label("Пароль").fill(password)
    page.get_by_role("button", name="Войти").click()
    page.wait_for_load_state("networkidle")
