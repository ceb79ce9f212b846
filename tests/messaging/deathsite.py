"""A one-endpoint Django site that gunicorn serves in ``test_worker_death``: settings, URLs, router.

Environment: ``DEATHSITE_DIR`` (a directory where each handler run leaves a file named after
the text and its worker's pid), ``DEATHSITE_REDIS_URL`` and ``DEATHSITE_PREFIX`` (the shared cache; without
a Redis URL, a database cache in ``DEATHSITE_DIR/cache.sqlite3``).
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from django.urls import path

from djwechat.messaging import HandlerContext, Router, TextMessage
from djwechat.messaging.views import message_endpoint

from .helpers import oa_app

RUNS = Path(os.environ.get("DEATHSITE_DIR", "."))

SECRET_KEY = "deathsite-secret-key-0123456789abcdefghijklmnopqrstuvwxyz"
DEBUG = False
ALLOWED_HOSTS = ["*"]
USE_TZ = True
INSTALLED_APPS = ["django.contrib.contenttypes", "django.contrib.auth", "djwechat"]
MIDDLEWARE: list[str] = []
ROOT_URLCONF = "tests.messaging.deathsite"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": str(RUNS / "cache.sqlite3")}}
if os.environ.get("DEATHSITE_REDIS_URL"):
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": os.environ["DEATHSITE_REDIS_URL"],
            "KEY_PREFIX": os.environ.get("DEATHSITE_PREFIX", "deathsite"),
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "cache"}}
WECHAT = {
    "APPS": {"oa": oa_app(ROUTER="tests.messaging.deathsite.router")},
    "MESSAGES": {"HANDLER_BUDGET": 1.5, "TIMESTAMP_TOLERANCE": 300},
}

router = Router()


@router.text
def run_once_per_worker(message: TextMessage, ctx: HandlerContext) -> str:
    """Leaves a trace of each run; the first run of each text hangs (until its worker is killed)."""
    first = not any(RUNS.glob(f"{message.content}-*"))
    (RUNS / f"{message.content}-{os.getpid()}-{time.monotonic_ns()}").touch()
    if first:
        time.sleep(60)
    return f"handled {message.content}"


urlpatterns = [path("wechat/<str:app>/", message_endpoint)]
