"""Settings of the benchmark site: PostgreSQL + Redis, DEBUG off, every contender configured.

Environment (set by ``bench/httpbench``; the defaults suit a fresh machine):

* ``BENCH_DATABASE_URL`` - PostgreSQL database of the benchmark (created if missing);
* ``BENCH_REDIS_URL`` and ``BENCH_KEY_PREFIX`` - the Redis cache and the prefix of every key the
  run writes (removed afterwards);
* ``BENCH_SESSION_CACHE_SECONDS`` - djwechat's ``JWT.SESSION_CACHE_SECONDS`` (the harness runs a
  second server of this site with ``1``);
* ``BENCH_SESSION_INVALIDATION`` - djwechat's ``JWT.SESSION_INVALIDATION`` (``pubsub`` on a third
  server; empty: none);
* ``BENCH_WECHAT_OVERRIDES`` - JSON merged into ``WECHAT`` one section deep, for experiments
  (``profile --override '{"MESSAGES": {"HANDLER_BUDGET": 0}}'``).
"""

from __future__ import annotations

import json
import os
from datetime import timedelta

import dj_database_url

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/djwechat_bench"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"

#: Shared with the payload generator: every Official Account contender uses these.
OA_TOKEN = "bench-oa-token"
OA_AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
OA_PLAIN_APP_ID = "wxbench00plain0001"
OA_SAFE_APP_ID = "wxbench000safe0001"
JWT_SIGNING_KEY = "bench-jwt-signing-key-0123456789abcdef-0123456789"

DEBUG = False
SECRET_KEY = "bench-secret-key-0123456789abcdefghijklmnopqrstuvwxyz-0123456789"
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
ROOT_URLCONF = "bench.site.urls"
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "rest_framework",
    "djwechat",
    "djwechat.accounts",
    "djwechat.jwt",
]
MIDDLEWARE: list[str] = []
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL), conn_max_age=600
    )
}
CACHES = {
    "default": {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS_URL),
        "KEY_PREFIX": os.environ.get("BENCH_KEY_PREFIX", "djwechat-bench"),
    }
}
SESSION_ENGINE = "django.contrib.sessions.backends.cache"

REST_FRAMEWORK = {
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": [],
    "UNAUTHENTICATED_USER": None,
}
SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(hours=2),
    "SIGNING_KEY": JWT_SIGNING_KEY,
    "ALGORITHM": "HS256",
}

WECHAT = {
    "APPS": {
        "plain": {
            "TYPE": "official_account",
            "APP_ID": OA_PLAIN_APP_ID,
            "APP_SECRET": "bench-secret",
            "TOKEN": OA_TOKEN,
            "MESSAGE_MODE": "plain",
            "ROUTER": "bench.site.wechat.router",
        },
        "safe": {
            "TYPE": "official_account",
            "APP_ID": OA_SAFE_APP_ID,
            "APP_SECRET": "bench-secret",
            "TOKEN": OA_TOKEN,
            "ENCODING_AES_KEY": OA_AES_KEY,
            "MESSAGE_MODE": "safe",
            "ROUTER": "bench.site.wechat.router",
        },
    },
    "API_BASE_URL": "http://127.0.0.1:9",
    "OPEN_BASE_URL": "http://127.0.0.1:9",
    "JWT": {
        "ACCESS_TOKEN_LIFETIME": timedelta(hours=2),
        "SIGNING_KEY": JWT_SIGNING_KEY,
        "SESSION_CACHE_SECONDS": int(os.environ.get("BENCH_SESSION_CACHE_SECONDS", "0")),
        "SESSION_INVALIDATION": os.environ.get("BENCH_SESSION_INVALIDATION") or None,
    },
}

for _section, _values in json.loads(os.environ.get("BENCH_WECHAT_OVERRIDES", "{}")).items():
    WECHAT[_section] = {**WECHAT.get(_section, {}), **_values} if isinstance(_values, dict) else _values
