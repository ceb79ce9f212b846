"""Extension hooks used by the tests (named by dotted path in settings)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.signing import JSONSerializer


def username_to_payload(user: Any) -> dict[str, Any]:
    return {"sub": f"user:{user.get_username()}", "name": user.get_username()}


def payload_to_user_by_username(payload: dict[str, Any]) -> Any:
    username = payload["sub"].removeprefix("user:")
    return get_user_model().objects.filter(username=username).first()


def extra_claims(user: Any, session: Any) -> dict[str, Any]:
    return {"role": "staff" if user.is_staff else "member", "typ": "hijack", "sid": "hijack"}


def token_response(pair: dict[str, Any], user: Any, request: Any) -> dict[str, Any]:
    return {"data": pair, "shaped_for": request.META.get("HTTP_USER_AGENT") if request else None}


class OtherJSONSerializer(JSONSerializer):
    """A ``SESSION_SERIALIZER`` other than Django's default (the store must pick it up)."""
