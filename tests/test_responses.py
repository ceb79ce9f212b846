"""The one mapping from errors to HTTP answers."""

from __future__ import annotations

import json

import pytest

from djwechat import exceptions
from djwechat._internal.responses import WWW_AUTHENTICATE, error_response, render_error


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


@pytest.mark.parametrize(
    "exc",
    [
        exceptions.ThrottledError(wait=2.2),
        exceptions.SessionRevokedError(),
        exceptions.UpstreamError(),
        exceptions.InvalidCodeError(errcode=40029),
    ],
    ids=lambda e: type(e).__name__,
)
def test_every_renderer_gives_the_same_answer(exc: exceptions.WeChatError) -> None:
    """The Django view, the DRF view and the message server answer one error alike."""
    from djwechat._internal.drf import exception_handler
    from djwechat.messaging.server import _error

    answer = render_error(exc)
    django = error_response(exc)
    drf = exception_handler(exc, {})
    server = _error(answer)
    assert drf is not None
    assert django.status_code == drf.status_code == server.status == exc.status_code
    assert json.loads(django.content) == drf.data == json.loads(server.body) == answer.body
    for name, value in answer.headers.items():
        assert django[name] == drf[name] == value


def test_a_401_challenges_and_a_wait_becomes_retry_after() -> None:
    assert render_error(exceptions.AuthError()).headers == {"WWW-Authenticate": WWW_AUTHENTICATE}
    assert render_error(exceptions.ThrottledError(wait=0.2)).headers == {"Retry-After": "1"}
    assert render_error(exceptions.ThrottledError()).headers == {}
    assert render_error(exceptions.LoginRefusedError()).headers == {}


def test_drf_throttled_answers_retry_after() -> None:
    from rest_framework.exceptions import Throttled

    answer = render_error(Throttled(wait=4.5))
    assert answer.status == 429
    assert answer.headers == {"Retry-After": "5"}
    assert answer.body["error"]["code"] == "throttled"


def test_a_5xx_is_logged_once(caplog: pytest.LogCaptureFixture) -> None:
    from djwechat._internal.drf import exception_handler

    with caplog.at_level("WARNING", logger="djwechat"):
        exception_handler(exceptions.UpstreamError(), {})
    assert [r.getMessage() for r in caplog.records].count(
        "wechat_unavailable answered 503: " + exceptions.UpstreamError.default_message
    ) == 1


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
