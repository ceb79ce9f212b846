"""What the fresh-project test needs: the docs' snippets, a virtualenv with the built wheel, databases.

The wheel is built from this checkout once per test session; its dependencies are kept as wheels
in a wheelhouse (``DJWECHAT_WHEELHOUSE``, default ``build/wheelhouse``) so that each fresh
virtualenv installs offline, with the same Django the suite runs on.
"""

from __future__ import annotations

import fcntl
import os
import re
import secrets
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import django
import rest_framework

ROOT = Path(__file__).resolve().parents[2]

#: ```python blocks whose first line names the file they go to: ``# path`` or ``# path (at the end)``.
_BLOCK = re.compile(
    r"^```python\n# (?P<target>\S+)(?P<append> \(at the end\))?\n(?P<code>.*?)^```$", re.M | re.S
)


@dataclass(frozen=True)
class Snippet:
    """A code block of the docs: the file it belongs to, and whether it is added to its end."""

    target: str
    append: bool
    code: str


def snippets(doc: str, heading: str) -> list[Snippet]:
    """The file-naming ```python blocks under ``heading`` (up to the next heading of its level) in ``doc``."""
    text = (ROOT / doc).read_text(encoding="utf-8")
    level = heading.split(" ", 1)[0]
    start = text.index(f"\n{heading}\n")
    end = text.find(f"\n{level} ", start + len(heading) + 2)
    section = text[start : end if end != -1 else len(text)]
    return [Snippet(m["target"], bool(m["append"]), m["code"]) for m in _BLOCK.finditer(section)]


def apply(project: Path, blocks: list[Snippet]) -> None:
    """Write ``blocks`` into the project, as a reader of the docs would."""
    for block in blocks:
        path = project / block.target
        path.parent.mkdir(parents=True, exist_ok=True)
        before = path.read_text(encoding="utf-8") if block.append else ""
        path.write_text(before + "\n" + block.code, encoding="utf-8")


def run(*args: str | Path, cwd: Path | None = None, env: dict[str, str] | None = None) -> str:
    """Run a command; its output (stdout and stderr), or an assertion error that shows it."""
    done = subprocess.run(
        [str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, f"{' '.join(map(str, args))} failed ({done.returncode}):\n{output[-4000:]}"
    return output


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # pytest-xdist workers share the wheelhouse
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def extras() -> str:
    """The extras a project on this run's database installs."""
    return (
        "redis,postgres,mysql" if os.environ.get("DATABASE_URL", "").startswith("mysql") else "redis,postgres"
    )


def build_virtualenv(where: Path) -> Path:
    """A new virtualenv with the wheel of this checkout (and this run's Django) installed; its python."""
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check"]
    dist = where / "dist"
    run(*pip, "wheel", "--no-deps", "--no-build-isolation", "--quiet", "-w", dist, ROOT)
    (wheel,) = dist.glob("djwechat-*.whl")
    wheelhouse = Path(os.environ.get("DJWECHAT_WHEELHOUSE") or ROOT / "build" / "wheelhouse")
    wanted = [
        f"{wheel}[{extras()}]",
        f"Django=={django.__version__}",
        f"djangorestframework=={rest_framework.VERSION}",
    ]
    venv = where / "venv"
    run(sys.executable, "-m", "venv", "--without-pip", venv)
    python = venv / "bin" / "python"
    install = [*pip, "--python", python, "install", "--quiet", "--no-compile", "--no-index"]
    install += ["--find-links", wheelhouse, *wanted]
    if subprocess.run([str(a) for a in install], capture_output=True, check=False).returncode != 0:
        with _locked(wheelhouse / ".lock"):
            # A new dependency (or a first run): fetch what is missing once, then install offline.
            run(*pip, "wheel", "--quiet", "-w", wheelhouse, "--find-links", wheelhouse, *wanted)
            for own in wheelhouse.glob("djwechat-*.whl"):
                own.unlink()  # always this checkout's wheel, never a stale copy
            run(*install)
    return python


# --------------------------------------------------------------------------- databases and caches


def database(name: str, project: Path) -> dict[str, Any]:
    """``DATABASES["default"]`` for a fresh project on this run's database server, created empty."""
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": str(project / "db.sqlite3")}
    import dj_database_url

    config: dict[str, Any] = dict(dj_database_url.parse(url))
    config["NAME"] = name
    if config["ENGINE"] == "django.db.backends.mysql":
        config["OPTIONS"] = {"charset": "utf8mb4"}
    _server_sql(url, f"DROP DATABASE IF EXISTS {name}")
    character_set = " CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci" if url.startswith("mysql") else ""
    _server_sql(url, f"CREATE DATABASE {name}{character_set}")
    return {
        k: v
        for k, v in config.items()
        if k in {"ENGINE", "NAME", "USER", "PASSWORD", "HOST", "PORT", "OPTIONS"}
    }


def drop_database(name: str) -> None:
    """Drop the fresh project's database (nothing to do on SQLite)."""
    url = os.environ.get("DATABASE_URL", "")
    if url:
        _server_sql(url, f"DROP DATABASE IF EXISTS {name}")


def _server_sql(url: str, sql: str) -> None:
    if url.startswith("mysql"):
        import dj_database_url
        import MySQLdb

        db = dj_database_url.parse(url)
        connection = MySQLdb.connect(
            host=db["HOST"], port=int(db["PORT"] or 3306), user=db["USER"], password=db["PASSWORD"]
        )
        try:
            connection.cursor().execute(sql)
        finally:
            connection.close()
        return
    import psycopg

    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(sql)  # type: ignore[arg-type]


def cache_settings(prefix: str) -> str:
    """Settings lines for this run's cache: the snippet's Redis with a key prefix of its own, or
    the database cache."""
    if os.environ.get("REDIS_URL"):
        return f'CACHES["default"]["KEY_PREFIX"] = {prefix!r}\n'
    return (
        'CACHES = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", '
        '"LOCATION": "djwechat_cache"}}\n'
    )


def forget_cache_keys(prefix: str) -> None:
    """Delete the fresh project's Redis keys (only its own prefix: never a FLUSHDB)."""
    url = os.environ.get("REDIS_URL")
    if url:
        import redis

        client = redis.Redis.from_url(url)
        for key in client.scan_iter(match=f"{prefix}:*"):
            client.delete(key)


def secret(length: int = 50) -> str:
    """A random secret made of URL-safe characters."""
    return secrets.token_urlsafe(length)[:length]
