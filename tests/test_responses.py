"""The one mapping from errors to HTTP answers."""

from __future__ import annotations

import json

import pytest

from djwechat import exceptions
from djwechat._internal.responses import error_response


def all_error_classes() -> list[type[exceptions.WeChatError]]:
    found: list[type[exceptions.WeChatError]] = []
    pending: list[type[exceptions.WeChatError]] = [exceptions.WeChatError]
    while pending:
        cls = pending.pop()
        found.append(cls)
        pending.extend(cls.__subclasses__())
    return found


@pytest.mark.parametrize("cls", all_error_classes(), ids=lambda c: c.__name__)
def test_every_error_has_a_code_status_and_documented_place_in_the_tree(
    cls: type[exceptions.WeChatError],
) -> None:
    assert cls.code.isidentifier()
    assert cls.code == cls.code.lower()
    assert 400 <= cls.status_code < 600
    assert cls.__doc__
    assert cls.__name__ in (exceptions.__doc__ or ""), f"{cls.__name__} missing from the tree docstring"


def test_codes_are_unique() -> None:
    codes = [cls.code for cls in all_error_classes()]
    assert len(codes) == len(set(codes))


def test_error_response_shape_and_retry_after() -> None:
    response = error_response(exceptions.ThrottledError(wait=2.2))
    assert response.status_code == 429
    assert response["Retry-After"] == "3"
    assert json.loads(response.content) == {
        "error": {"code": "throttled", "message": "Too many attempts; try again later."}
    }


def test_api_error_keeps_errcode_but_message_has_no_errmsg_secrets() -> None:
    exc = exceptions.CodeUsedError(errcode=40163, errmsg="code been used, rid: 1-2-3")
    assert exc.errcode == 40163
    body = json.loads(error_response(exc).content)
    assert body["error"]["code"] == "code_used"
    assert "rid" not in body["error"]["message"]


def test_drf_handler_unwraps_the_precise_authentication_error() -> None:
    from rest_framework.exceptions import AuthenticationFailed

    from djwechat._internal.drf import exception_handler

    failure = AuthenticationFailed("expired")
    failure.error = exceptions.ExpiredTokenError()  # type: ignore[attr-defined]
    response = exception_handler(failure, {})
    assert response is not None
    assert response.status_code == 401
    assert response.data == {"error": {"code": "token_expired", "message": "The token has expired."}}
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_drf_handler_shapes_validation_errors_and_leaves_bugs_alone() -> None:
    from rest_framework.exceptions import ValidationError

    from djwechat._internal.drf import exception_handler

    response = exception_handler(ValidationError({"code": ["This field is required."]}), {})
    assert response is not None
    assert response.status_code == 400
    assert response.data["error"]["code"] == "invalid_input"
    assert "code" in response.data["error"]["fields"]
    assert exception_handler(ZeroDivisionError(), {}) is None


@pytest.mark.parametrize("error", ["OperationalError", "InterfaceError"])
def test_a_database_that_cannot_be_reached_is_a_json_503(error: str) -> None:
    from django import db

    from djwechat._internal.drf import exception_handler
    from djwechat._internal.responses import json_errors

    def view(request: object) -> object:
        raise getattr(db, error)("server closed the connection unexpectedly")

    from django.test import RequestFactory

    plain = json_errors(view)(RequestFactory().get("/"))  # type: ignore[arg-type]
    assert plain.status_code == 503
    assert json.loads(plain.content)["error"]["code"] == "database_unavailable"
    drf = exception_handler(getattr(db, error)("gone"), {})
    assert drf is not None
    assert (drf.status_code, drf.data["error"]["code"]) == (503, "database_unavailable")
