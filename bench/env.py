"""The benchmark's own database and environment, kept apart from the development and test databases.

PostgreSQL: ``--database-url`` (default ``postgres://postgres@127.0.0.1:5432/hotline_bench``), dropped and
created anew for each fresh seed. SQLite: ``--database-url sqlite`` puts the file in the data dir (a temp dir by
default). The same environment goes to the server processes, so they see the same database and secret.
"""

from __future__ import annotations

import os
import secrets
import tempfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

DEFAULT_POSTGRES = "postgres://postgres@127.0.0.1:5432/hotline_bench"
PROJECT_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class BenchEnv:
    database_url: str  # "" means SQLite in data_dir
    data_dir: Path

    @property
    def vendor(self) -> str:
        return "postgresql" if self.database_url else "sqlite"

    @property
    def sqlite_path(self) -> Path:
        return self.data_dir / "hotline.sqlite3"

    @property
    def label(self) -> str:
        if not self.database_url:
            return f"sqlite:{self.sqlite_path}"
        parts = urlsplit(self.database_url)
        return urlunsplit(parts._replace(netloc=parts.hostname or "")) if parts.password else self.database_url

    def variables(self, secret: str) -> dict[str, str]:
        """The environment of the benchmark process and of its server."""
        env = {
            "DJANGO_SETTINGS_MODULE": "bench.settings",
            "DJANGO_SECRET_KEY": secret,
            "DJANGO_DEBUG": "0",
            "HOTLINE_EMBEDDED": "0",
            "HOTLINE_HTTPS": "0",
            "HOTLINE_DATA_DIR": str(self.data_dir),
            "HOTLINE_OUTBOX_INLINE": "0",
            "HOTLINE_EMBEDDED_SCHEDULER": "0",
            "HOTLINE_LOG_LEVEL": "WARNING",
        }
        if self.database_url:
            env["DATABASE_URL"] = self.database_url
        return env


def make_env(database_url: str | None, data_dir: str | None) -> BenchEnv:
    url = (database_url or "").strip()
    if url in ("sqlite", "sqlite:", "sqlite://"):
        url = ""
    elif url and not url.startswith(("postgres://", "postgresql://")):
        raise SystemExit(f"--database-url: postgres://… or sqlite, not {url!r}")
    folder = Path(data_dir) if data_dir else Path(tempfile.gettempdir()) / "hotline-bench"
    # A folder per database (static files, the server's log, the seed record): two runs at once stay apart.
    folder = folder / (urlsplit(url).path.strip("/") if url else "sqlite")
    folder.mkdir(parents=True, exist_ok=True)
    return BenchEnv(database_url=url, data_dir=folder)


def apply(env: BenchEnv, *, secret: str | None = None) -> str:
    """Point this process at the benchmark database (before Django is set up); returns the secret."""
    secret = secret or os.environ.get("HOTLINE_BENCH_SECRET") or secrets.token_urlsafe(48)
    for name in ("DATABASE_URL", "HOTLINE_TEST_DATABASE_URL"):
        os.environ.pop(name, None)
    os.environ.update(env.variables(secret))
    return secret


def recreate_database(env: BenchEnv) -> None:
    """An empty database: the PostgreSQL database dropped and created, or the SQLite file removed."""
    if env.vendor == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(f"{env.sqlite_path}{suffix}").unlink(missing_ok=True)
        return
    import psycopg
    from psycopg import sql

    parts = urlsplit(env.database_url)
    name = parts.path.lstrip("/")
    if not name or name in ("postgres", "template0", "template1"):
        raise SystemExit(f"--database-url must name a database of its own, not {name!r}")
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
