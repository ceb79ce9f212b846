"""Settings of the test suite.

``DATABASE_URL`` and ``REDIS_URL`` pick the backends: unset, the suite runs on SQLite and
Django's database cache; CI also runs it on PostgreSQL + Redis and on MariaDB + the database
cache (``.ci/run``).
"""

from __future__ import annotations

import os
from datetime import timedelta

import dj_database_url

SECRET_KEY = "tests-secret-key-0123456789abcdefghijklmnopqrstuvwxyz"
DEBUG = False
ALLOWED_HOSTS = ["*"]
USE_TZ = True
TIME_ZONE = "UTC"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "rest_framework",
    "django_tasks",
    "djwechat",
    "djwechat.accounts",
    "djwechat.jwt",
    "djwechat.simulator",
    "example.users",
]

MIDDLEWARE = [
    # Remembers the secrets djwechat answers, for the no-secret-in-any-log check (tests/secret_logs.py).
    "tests.secret_logs.RecordSecretsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "djwechat.jwt.middleware.JWTSessionMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]

ROOT_URLCONF = "tests.urls"
# Django's live test server needs it to tell static requests apart, even without staticfiles.
STATIC_URL = "/static/"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]

DATABASE_URL = os.environ.get("DATABASE_URL", "sqlite:///:memory:")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL)}
DATABASES["default"]["TEST"] = {}
if os.environ.get("TEST_DB_NAME"):
    # Lets several checkouts share one database server without dropping each other's test database.
    DATABASES["default"]["TEST"]["NAME"] = os.environ["TEST_DB_NAME"]
if DATABASES["default"]["ENGINE"] == "django.db.backends.mysql":
    # Nicknames carry emoji: 4-byte UTF-8 on the connection and in every table the tests create.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("charset", "utf8mb4")
    DATABASES["default"]["TEST"].update({"CHARSET": "utf8mb4", "COLLATION": "utf8mb4_unicode_ci"})

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "djwechat-tests-{}-{}".format(
                os.environ.get("TEST_DB_NAME", ""), os.environ.get("PYTEST_XDIST_WORKER", "main")
            ),
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "djwechat_cache",
        }
    }

TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}

AUTH_USER_MODEL = "users.User"
AUTHENTICATION_BACKENDS = ["djwechat.accounts.auth_backends.UsernameOrEmailBackend"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

WECHAT = {
    "APPS": {},
    "JWT": {
        "ACCESS_TOKEN_LIFETIME": timedelta(minutes=15),
        "SIGNING_KEY": "tests-jwt-signing-key-0123456789abcdef",
    },
    "LOGIN": {"THROTTLE_RATE": None, "ACCOUNT_THROTTLE_RATE": None},
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"null": {"class": "logging.NullHandler"}},
    "loggers": {"djwechat": {"handlers": ["null"], "propagate": True}},
}
