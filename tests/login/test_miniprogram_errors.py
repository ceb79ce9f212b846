"""The Mini Program login endpoint under WeChat errors, outages and hostile input."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from djwechat.accounts.models import Identity
from djwechat.conf import DEFAULT_PIPELINE, AppSettings
from djwechat.exceptions import LoginRefusedError
from djwechat.jwt.models import JWTSession
from djwechat.login.flows import miniprogram_login
from djwechat.testing import SimulatorControl, SimUser
from tests.login.conftest import LOGIN_URL
from tests.login.steps import StepFailedError

pytestmark = pytest.mark.django_db

User = get_user_model()
Login = Callable[..., Any]
CODE2SESSION = "/sns/jscode2session"


def error_of(response: Any) -> tuple[int, str]:
    return response.status_code, response.json()["error"]["code"]


def nothing_written() -> bool:
    return not (User.objects.exists() or Identity.objects.exists() or JWTSession.objects.exists())


def use_pipeline_with(settings: Any, step: str, *, after: str) -> None:
    steps = list(DEFAULT_PIPELINE)
    steps.insert(steps.index(f"djwechat.login.pipeline.steps.{after}") + 1, step)
    settings.WECHAT = {**settings.WECHAT, "LOGIN": {**settings.WECHAT["LOGIN"], "PIPELINE": tuple(steps)}}


# --------------------------------------------------------------------------- WeChat says no


def test_an_unknown_code_is_invalid_code(login: Login, mp: AppSettings) -> None:
    assert error_of(login(code="0" * 32)) == (400, "invalid_code")


def test_a_used_code_is_code_used(
    login: Login, sim: SimulatorControl, sim_user: SimUser, mp: AppSettings
) -> None:
    code = sim.mint_code(mp.app_id, sim_user.id)
    assert login(code=code).status_code == 200
    assert error_of(login(code=code)) == (400, "code_used")


def test_an_expired_code_is_invalid_code(
    login: Login, sim: SimulatorControl, sim_user: SimUser, mp: AppSettings
) -> None:
    code = sim.mint_code(mp.app_id, sim_user.id)
    sim.advance(301)
    assert error_of(login(code=code)) == (400, "invalid_code")


@pytest.mark.parametrize(
    ("errcode", "expected"),
    [
        (40029, (400, "invalid_code")),
        (40163, (400, "code_used")),
        (45011, (429, "wechat_rate_limited")),
        (40226, (403, "code_blocked")),
        (40125, (502, "invalid_credential")),
    ],
)
def test_wechat_errcodes_map_to_clear_answers(
    login: Login, sim: SimulatorControl, sim_user: SimUser, errcode: int, expected: tuple[int, str]
) -> None:
    sim.add_fault(CODE2SESSION, errcode=errcode)
    assert error_of(login(sim_user)) == expected
    assert nothing_written()


def test_wechat_busy_beyond_the_retries_is_503(
    login: Login, sim: SimulatorControl, sim_user: SimUser
) -> None:
    sim.add_fault(CODE2SESSION, errcode=-1, times=10)
    assert error_of(login(sim_user))[0] == 503


def test_a_dropped_connection_is_503(login: Login, sim: SimulatorControl, sim_user: SimUser) -> None:
    sim.add_fault(CODE2SESSION, drop=True)
    assert error_of(login(sim_user)) == (503, "wechat_unavailable")
    assert nothing_written()


def test_a_timeout_is_504(login: Login, sim: SimulatorControl, sim_user: SimUser, settings: Any) -> None:
    settings.WECHAT = {**settings.WECHAT, "CLIENT": {"TIMEOUT": 0.3}}
    sim.add_fault(CODE2SESSION, timeout=True)
    assert error_of(login(sim_user)) == (504, "wechat_timeout")
    assert nothing_written()


def test_wechat_down_is_503(login: Login, sim_user: SimUser, settings: Any) -> None:
    settings.WECHAT = {**settings.WECHAT, "API_BASE_URL": "http://127.0.0.1:9"}
    assert error_of(login(code="0" * 32))[0] == 503


# --------------------------------------------------------------------------- our own refusals


def test_the_login_throttle_answers_429_with_retry_after(
    login: Login, sim_user: SimUser, sim: SimulatorControl, settings: Any
) -> None:
    settings.WECHAT = {**settings.WECHAT, "LOGIN": {**settings.WECHAT["LOGIN"], "THROTTLE_RATE": "2/minute"}}
    assert login(sim_user).status_code == 200
    assert login(sim_user).status_code == 200
    response = login(sim_user)
    assert error_of(response) == (429, "throttled")
    assert int(response["Retry-After"]) >= 1
    # Refused before WeChat is asked: the third code was never exchanged.
    assert len(sim.calls(CODE2SESSION)) == 2


def test_a_step_that_fails_leaves_nothing_half_written(
    sim: SimulatorControl, sim_user: SimUser, mp: AppSettings, settings: Any, rf: Any
) -> None:
    use_pipeline_with(settings, "tests.login.steps.fail", after="update_profile")
    with pytest.raises(StepFailedError):
        miniprogram_login(rf.post("/"), "mp", code=sim.mint_code(mp.app_id, sim_user.id))
    assert nothing_written()


def test_a_step_that_refuses_answers_its_error_and_writes_nothing(
    login: Login, sim_user: SimUser, settings: Any
) -> None:
    use_pipeline_with(settings, "tests.login.steps.refuse_new_users", after="login_allowed")
    assert error_of(login(sim_user)) == (403, "login_refused")
    assert nothing_written()


def test_a_step_can_answer_with_its_own_response(login: Login, sim_user: SimUser, settings: Any) -> None:
    use_pipeline_with(settings, "tests.login.steps.require_nickname", after="login_allowed")
    response = login(sim_user)
    assert response.status_code == 409
    assert response.content == b"Tell us your name first."
    assert nothing_written()


def test_a_step_that_stops_without_saying_why_is_a_refusal(
    login: Login, sim_user: SimUser, settings: Any
) -> None:
    use_pipeline_with(settings, "tests.login.steps.stop_silently", after="social_uid")
    assert error_of(login(sim_user)) == (403, LoginRefusedError.code)


def test_the_session_is_rolled_back_when_a_receiver_of_login_succeeded_fails(
    login: Login, sim_user: SimUser
) -> None:
    from djwechat.accounts.signals import login_succeeded

    def broken(**kwargs: Any) -> None:
        raise LoginRefusedError("Not today.")

    login_succeeded.connect(broken, weak=False)
    try:
        assert error_of(login(sim_user)) == (403, "login_refused")
    finally:
        login_succeeded.disconnect(broken)
    assert nothing_written()


# --------------------------------------------------------------------------- hostile input


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"[1, 2]",
        b'"code"',
        b"\xff\xfe{}",
        b'{"code": ' * 5000,
        b"{}",
        b'{"code": null}',
        b'{"code": 12345}',
        b'{"code": ["a"]}',
        b'{"code": {"$ne": ""}}',
        b'{"code": ""}',
        b'{"code": "has spaces in it"}',
        b'{"code": "\\u0000abc"}',
        json.dumps({"code": "a" * 300}).encode(),
        json.dumps({"code": "abc", "encrypted_data": "not base64!"}).encode(),
        json.dumps({"code": "abc", "encrypted_data": "QUJD", "iv": "AAAAAAAAAAAAAAAAAAAAAA=="}).encode(),
        json.dumps({"code": "abc", "encrypted_data": "AAAAAAAAAAAAAAAAAAAAAA=="}).encode(),
        json.dumps({"code": "abc", "encrypted_data": "AAAAAAAAAAAAAAAAAAAAAA==", "iv": "AAAA"}).encode(),
        json.dumps({"code": "abc", "encrypted_data": "AAAAAAAAAAAAAAAAAAAAAA==", "iv": 16}).encode(),
        json.dumps(
            {"code": "abc", "encrypted_data": ["AAAAAAAAAAAAAAAAAAAAAA=="], "iv": "AAAAAAAAAAAAAAAAAAAAAA=="}
        ).encode(),
        json.dumps({"code": "abc", "signature": "0" * 40}).encode(),
        json.dumps({"code": "abc", "raw_data": "{}", "signature": "zz"}).encode(),
        json.dumps({"code": "abc", "raw_data": {"a": 1}, "signature": "0" * 40}).encode(),
    ],
)
def test_malformed_bodies_are_400_and_spend_no_code(
    client: Client, mp: AppSettings, sim: SimulatorControl, body: bytes
) -> None:
    response = client.post(LOGIN_URL, body, content_type="application/json")
    assert response.status_code == 400, response.content
    assert response.json()["error"]["code"] == "bad_request"
    assert sim.calls(CODE2SESSION) == []


def test_a_huge_body_is_413(client: Client, mp: AppSettings, sim: SimulatorControl) -> None:
    body = json.dumps({"code": "abc", "encrypted_data": "A" * 200_000}).encode()
    response = client.post(LOGIN_URL, body, content_type="application/json")
    assert error_of(response) == (413, "body_too_large")
    assert sim.calls(CODE2SESSION) == []


def test_raw_data_that_is_signed_but_not_json_is_400(
    login: Login, sim: SimulatorControl, sim_user: SimUser, mp: AppSettings
) -> None:
    code = sim.mint_code(mp.app_id, sim_user.id)
    signed = sim.encrypted_data(mp.app_id, sim_user.id, raw_data="not json")
    response = login(code=code, raw_data=signed.raw_data, signature=signed.signature)
    assert error_of(response) == (400, "bad_request")
    assert not User.objects.exists()


@pytest.mark.parametrize("method", ["get", "put", "delete"])
def test_other_methods_are_405(client: Client, mp: AppSettings, method: str) -> None:
    response = getattr(client, method)(LOGIN_URL)
    assert error_of(response) == (405, "method_not_allowed")
    # As on every DRF endpoint of djwechat, OPTIONS answers the allowed methods.
    assert response["Allow"] == "POST, OPTIONS"


@pytest.mark.parametrize("alias", ["nope", "web", "oa", "x" * 300])
def test_an_unknown_or_non_mini_program_app_is_404(client: Client, mp: AppSettings, alias: str) -> None:
    response = client.post(
        f"/auth/miniprogram/{alias}/login/", {"code": "abc"}, content_type="application/json"
    )
    assert error_of(response) == (404, "app_not_found")


def test_form_encoded_bodies_are_refused(client: Client, mp: AppSettings) -> None:
    response = client.post(LOGIN_URL, {"code": "abc"})
    assert error_of(response) == (400, "bad_request")
