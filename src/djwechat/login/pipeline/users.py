"""User-model helpers for the pipeline steps: usernames, and profile fields the model may lack.

djwechat works with any user model: a profile field (``nickname``, ``avatar_url``, ``gender``,
``phone_number``) is set only when the model has it (see
:class:`djwechat.accounts.mixins.WeChatProfileMixin`).
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import FieldDoesNotExist
from django.db import models

from djwechat._internal.text import storable_text


def has_field(model: type[models.Model], name: str) -> bool:
    """Whether ``model`` has a concrete field called ``name``."""
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return False
    return bool(getattr(field, "concrete", False))


def generate_username(prefix: str = "wx_") -> str:
    """A fresh random login name such as ``wx_3f9c0a71d2e4``.

    Random rather than derived from the openid, so it reveals nothing about the WeChat account;
    48 bits make a clash unlikely, and a clash is only a unique-constraint error that the
    pipeline runner answers by running the pipeline again.
    """
    user_model = get_user_model()
    max_length = getattr(user_model._meta.get_field(user_model.USERNAME_FIELD), "max_length", None) or 150
    return (prefix + secrets.token_hex(6))[:max_length]


def profile_changes(user: Any, values: Mapping[str, Any]) -> dict[str, Any]:
    """The subset of ``values`` that the user model has as fields and that differ from ``user``'s.

    Strings lose their control characters (:func:`~djwechat._internal.text.storable_text`);
    one longer than the column is cut to fit, except a URL, which is skipped (half a URL is
    worse than none).
    """
    model = type(user)
    changes: dict[str, Any] = {}
    for name, value in values.items():
        if not has_field(model, name):
            continue
        field = model._meta.get_field(name)
        max_length = getattr(field, "max_length", None)
        if isinstance(value, str):
            value = storable_text(value)
        if isinstance(value, str) and max_length and len(value) > max_length:
            if isinstance(field, models.URLField):
                continue
            value = value[:max_length]
        if getattr(user, name) != value:
            changes[name] = value
    return changes
