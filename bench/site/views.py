"""Plain Django contenders: the bare view, the one-GET limit, a push's cache work, Django and djwechat sessions."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable

from django.contrib.auth.middleware import AuthenticationMiddleware
from django.contrib.sessions.middleware import SessionMiddleware
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, JsonResponse

from djwechat.jwt.middleware import JWTSessionMiddleware
from djwechat.messaging.registry import get_server

#: The one key the limit view reads (written by the harness before the run).
PROBE_KEY = "bench:probe"

View = Callable[[HttpRequest], HttpResponse]


def with_middleware(*classes: type) -> Callable[[View], View]:
    """Wrap ``view`` in ``classes`` (outermost first), exactly as ``MIDDLEWARE`` would."""

    def wrap(view: View) -> View:
        handler = view
        for middleware in reversed(classes):
            handler = middleware(handler)
        return handler

    return wrap


def _unauthorized() -> JsonResponse:
    return JsonResponse({"error": {"code": "not_authenticated"}}, status=401)


def bare(request: HttpRequest) -> HttpResponse:
    """The floor: URL routing and a JSON answer."""
    return JsonResponse({"ok": True})


def bare_cache_get(request: HttpRequest) -> HttpResponse:
    """The limit for any per-request shared-state check: the bare view plus one cache GET."""
    return JsonResponse({"ok": cache.get(PROBE_KEY) is not None})


def bare_push_admission(request: HttpRequest) -> HttpResponse:
    """The limit for a push whose dedupe is shared: the bare view plus a push's cache work.

    That is the one round trip of a push (the admission script binding a never-seen nonce and
    claiming a never-seen push) and the answer stored off the critical path, as a push does.
    """
    unique = uuid.uuid4().hex
    ledger = get_server("plain").ledger
    admission = ledger.admit(str(int(time.time())), unique, "raw:" + unique, unique)
    ledger.record(unique, "", defer=True)
    return JsonResponse({"ok": admission.claimed})


@with_middleware(SessionMiddleware, AuthenticationMiddleware)
def django_session(request: HttpRequest) -> HttpResponse:
    """Django's session (cache engine on Redis) and ``request.user`` (one user query)."""
    if not request.user.is_authenticated:
        return _unauthorized()
    return JsonResponse({"user": request.user.pk})


@with_middleware(JWTSessionMiddleware)
def djwechat_session(request: HttpRequest) -> HttpResponse:
    """djwechat's middleware: the token verified and its session checked; ``jwt_user.pk`` is free."""
    user = request.jwt_user  # type: ignore[attr-defined]
    if user is None:
        return _unauthorized()
    return JsonResponse({"user": user.pk})
