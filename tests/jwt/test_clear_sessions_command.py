"""``manage.py wechat_clear_sessions`` removes expired sessions only, and their cache entries."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from djwechat.jwt.models import JWTSession

pytestmark = pytest.mark.django_db


def test_expired_sessions_are_deleted_and_their_tokens_refused(django_user_model) -> None:
    user = django_user_model.objects.create_user("erin", password="pw-erin-123")
    client = Client()
    pairs = [
        client.post(
            "/auth/token/", {"username": "erin", "password": "pw-erin-123"}, content_type="application/json"
        ).json()
        for _ in range(2)
    ]
    for pair in pairs:  # both sessions are cached by a first authenticated read
        assert client.get("/auth/me/", HTTP_AUTHORIZATION=f"Bearer {pair['access']}").status_code == 200
    expired = JWTSession.objects.filter(user=user).order_by("created_at").first()
    assert expired is not None
    JWTSession.objects.filter(pk=expired.pk).update(expire_date=timezone.now() - timedelta(seconds=1))

    out = StringIO()
    call_command("wechat_clear_sessions", stdout=out)

    assert "Deleted 1 expired session(s)." in out.getvalue()
    assert JWTSession.objects.filter(user=user).count() == 1
    statuses = sorted(
        client.get("/auth/me/", HTTP_AUTHORIZATION=f"Bearer {pair['access']}").status_code for pair in pairs
    )
    assert statuses == [200, 401]
