"""Reading a small JSON object from a request body, refusing anything else with a 4xx."""

from __future__ import annotations

import json
from typing import Any, Final

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest
from django.utils.translation import gettext

from djwechat.exceptions import BadRequestError, BodyTooLargeError

#: Largest login request body (bytes); encrypted user data is a couple of kilobytes.
MAX_BODY_SIZE: Final = 64 * 1024


def read_json_object(request: HttpRequest, *, max_size: int = MAX_BODY_SIZE) -> dict[str, Any]:
    """The body as a JSON object (``{}`` for an empty body).

    Raises :class:`BodyTooLargeError` (413) over ``max_size`` bytes - judged from
    ``Content-Length`` before reading when the client sent one - and
    :class:`BadRequestError` (400) for anything that is not UTF-8 JSON with an object on top.
    """
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        raise BadRequestError(gettext("Content-Length is not a number.")) from None
    if declared > max_size:
        raise BodyTooLargeError()
    try:
        raw = request.body
    except RequestDataTooBig:
        raise BodyTooLargeError() from None
    if len(raw) > max_size:
        raise BodyTooLargeError()
    if not raw.strip():
        return {}
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise BadRequestError(gettext("The body is not valid JSON.")) from None
    if not isinstance(data, dict):
        raise BadRequestError(gettext("The body must be a JSON object."))
    return data
