"""Every module of djwechat imports, and ``manage.py check`` passes, without django-stubs' runtime patch.

``ModelAdmin[...]``, ``URLField[...]`` and other Django classes are generic only in the type stubs;
subscripting them at run time works only after ``django_stubs_ext.monkeypatch()``, which some other
packages (``django_tasks``) happen to run on import.  A project that installs neither must not crash,
so this runs in a fresh interpreter where that patch does nothing.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

SCRIPT = textwrap.dedent(
    """
    import importlib, pkgutil, sys, traceback

    import django_stubs_ext
    django_stubs_ext.monkeypatch = lambda *args, **kwargs: None  # what a project without it gets

    import django
    from django.conf import settings

    settings.configure(
        SECRET_KEY="x" * 50,
        INSTALLED_APPS=[
            "django.contrib.admin", "django.contrib.auth", "django.contrib.contenttypes",
            "django.contrib.sessions", "django.contrib.messages", "rest_framework",
            "djwechat", "djwechat.accounts", "djwechat.jwt", "djwechat.simulator",
        ],
        DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}},
        TEMPLATES=[{
            "BACKEND": "django.template.backends.django.DjangoTemplates", "APP_DIRS": True,
            "OPTIONS": {"context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]},
        }],
        MIDDLEWARE=[
            "django.contrib.sessions.middleware.SessionMiddleware",
            "django.contrib.auth.middleware.AuthenticationMiddleware",
            "django.contrib.messages.middleware.MessageMiddleware",
        ],
        ROOT_URLCONF="djwechat.urls",
        WECHAT={"JWT": {"SIGNING_KEY": "k" * 32}},
    )
    django.setup()
    import djwechat

    failures = []
    for module in pkgutil.walk_packages(djwechat.__path__, "djwechat."):
        if module.name.endswith(".__main__"):
            continue  # runs the simulator
        try:
            importlib.import_module(module.name)
        except TypeError as exc:
            # Only djwechat's own code counts: the django-tasks backport needs the patch it runs.
            where = traceback.extract_tb(exc.__traceback__)[-1].filename
            if where.startswith(djwechat.__path__[0]):
                failures.append(f"{module.name}: {exc}")
    from django.core.management import call_command
    call_command("check")
    if failures:
        sys.exit("\\n".join(failures))
    """
)


def test_no_module_subscripts_a_class_that_is_generic_only_in_the_stubs() -> None:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], cwd=ROOT, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr[-3000:]
