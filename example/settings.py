"""Settings of the djwechat example site, driven by environment variables.

Without any variable set the site runs with SQLite, Django's database cache and demo WeChat
credentials that ``make demo`` registers with the local simulator (http://127.0.0.1:8900).

With ``DEBUG=0`` nothing published is used: the site refuses to start without a
``SECRET_KEY`` of its own, talks to WeChat itself unless ``WECHAT_API_BASE_URL`` /
``WECHAT_OPEN_BASE_URL`` say otherwise, configures only the apps whose credentials the
environment gives, and logs every 500.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent


def env(name: str, default: str) -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    return env(name, "1" if default else "0").lower() in {"1", "true", "yes", "on"}


def secret(name: str, development_default: str) -> str:
    """``name`` from the environment; the published default only with ``DEBUG`` on."""
    value = os.environ.get(name, "")
    if DEBUG:
        return value or development_default
    if not value or value == development_default:
        raise ImproperlyConfigured(f"With DEBUG=0 set {name} in the environment (its default is published).")
    return value


DEBUG = env_bool("DEBUG", True)
SECRET_KEY = secret("SECRET_KEY", "example-insecure-secret-key-change-me-in-production-0123456789")
ALLOWED_HOSTS = [h for h in env("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",") if h]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_tasks",
    "django_tasks_db",
    "djwechat",
    "djwechat.accounts",
    "djwechat.jwt",
    "example.users",
    "example.pages",
]
if DEBUG:
    # The fake WeChat and its commands (wechat_simulator, wechat_push, wechat_demo): development only.
    INSTALLED_APPS += ["djwechat.simulator", "example.demo"]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "djwechat.jwt.middleware.JWTSessionMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "example.urls"
WSGI_APPLICATION = "example.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=60,
        # A persistent connection that a database restart broke is replaced before the next request.
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Concurrent requests (runserver threads, gunicorn workers) that read then write would get
    # "database is locked" at once in SQLite's default deferred mode; IMMEDIATE makes a writer
    # wait for the lock (up to `timeout` seconds) instead.
    DATABASES["default"]["OPTIONS"] = {"transaction_mode": "IMMEDIATE", "timeout": 20}
elif DATABASES["default"]["ENGINE"] == "django.db.backends.mysql":
    # MySQL / MariaDB (DATABASE_URL=mysql://…, the mysqlclient driver: djwechat[mysql]).  Nicknames
    # carry emoji, so the connection and the tables speak 4-byte UTF-8.
    DATABASES["default"].setdefault("OPTIONS", {})["charset"] = "utf8mb4"
    DATABASES["default"]["TEST"] = {"CHARSET": "utf8mb4", "COLLATION": "utf8mb4_unicode_ci"}

REDIS_URL = env("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "example",
            # A Redis that stops answering fails requests in half a second instead of hanging them.
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 0.5, "SOCKET_TIMEOUT": 0.5},
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "djwechat_cache",
            # Django culls a third of the entries past 300 by default: QR tickets, states and
            # session records of a few hundred visitors would vanish.
            "OPTIONS": {"MAX_ENTRIES": 100_000},
        }
    }

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

AUTH_USER_MODEL = "users.User"
AUTHENTICATION_BACKENDS = ["djwechat.accounts.auth_backends.UsernameOrEmailBackend"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
STATIC_URL = "static/"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --------------------------------------------------------------------------- WeChat

SIMULATOR_URL = "http://127.0.0.1:8900"


def wechat_app(alias: str, app_type: str, app_id: str, app_secret: str) -> dict[str, object]:
    return {
        "TYPE": app_type,
        "APP_ID": env(f"WECHAT_{alias}_APP_ID", app_id),
        "APP_SECRET": secret(f"WECHAT_{alias}_APP_SECRET", app_secret),
    }


def configured(alias: str) -> bool:
    """Demo apps with ``DEBUG`` on; with ``DEBUG=0`` only the apps the environment names."""
    return DEBUG or bool(os.environ.get(f"WECHAT_{alias}_APP_ID"))


WECHAT_APPS: dict[str, dict[str, object]] = {}
if configured("MP"):
    WECHAT_APPS["mp"] = wechat_app(
        "MP", "miniprogram", "wxdemo0mp000000001", "demo-mp-secret-0000000000000001"
    )
if configured("WEB"):
    WECHAT_APPS["web"] = wechat_app("WEB", "website", "wxdemo0web00000001", "demo-web-secret-000000000000001")
if configured("OA"):
    OA_MODE = env("WECHAT_OA_MODE", "safe")
    WECHAT_APPS["oa"] = {
        **wechat_app("OA", "official_account", "wxdemo0a0000000001", "demo-oa-secret-0000000000000001"),
        "TOKEN": secret("WECHAT_OA_TOKEN", "demo-oa-token"),
        "MESSAGE_MODE": OA_MODE,
        "ROUTER": "example.wechat.router",
    }
    if DEBUG or OA_MODE != "plain":
        WECHAT_APPS["oa"]["ENCODING_AES_KEY"] = secret(
            "WECHAT_OA_ENCODING_AES_KEY", "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
        )

login_rate: str | None = env("LOGIN_THROTTLE_RATE", "30/minute")
if login_rate.lower() == "none":
    login_rate = None

WECHAT: dict[str, object] = {
    "APPS": WECHAT_APPS,
    "SITE_URL": env("WECHAT_SITE_URL", "http://127.0.0.1:8000"),
    "JWT": {
        "ACCESS_TOKEN_LIFETIME": timedelta(minutes=15),
        "REFRESH_TOKEN_LIFETIME": timedelta(days=30),
        "SIGNING_KEY": env("JWT_SIGNING_KEY", SECRET_KEY + "-jwt"),
    },
    "LOGIN": {
        "THROTTLE_RATE": login_rate,
        "ACCOUNT_THROTTLE_RATE": login_rate,
    },
    "MESSAGES": {
        "TIMESTAMP_TOLERANCE": int(env("WECHAT_TIMESTAMP_TOLERANCE", "300")),
    },
}

# The simulator in development; WeChat itself (djwechat's default) unless told otherwise.
for setting, variable in (("API_BASE_URL", "WECHAT_API_BASE_URL"), ("OPEN_BASE_URL", "WECHAT_OPEN_BASE_URL")):
    if os.environ.get(variable) or DEBUG:
        WECHAT[setting] = env(variable, SIMULATOR_URL)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {
        "djwechat": {"handlers": ["console"], "level": env("DJWECHAT_LOG_LEVEL", "INFO")},
        "djwechat.security": {"handlers": ["console"], "level": "WARNING", "propagate": False},
        # Unhandled errors (500s): Django shows them on the console only with DEBUG on.
        "django.request": {"handlers": ["console"], "level": "ERROR", "propagate": False},
    },
}
