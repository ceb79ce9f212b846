"""``manage.py wechat_clear_sessions``: delete expired JWT sessions (run it daily)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from djwechat.jwt.models import JWTSession
from djwechat.jwt.session_store import SessionStore


class Command(BaseCommand):
    help = "Delete expired JWT sessions. Django's clearsessions only cleans the project's SESSION_ENGINE."

    def handle(self, *args: Any, **options: Any) -> None:
        before = JWTSession.objects.count()
        SessionStore.clear_expired()
        self.stdout.write(f"Deleted {before - JWTSession.objects.count()} expired session(s).")
