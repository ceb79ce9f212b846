"""The login pipeline: default steps, signals, transactions, and a project's own steps."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.dispatch import Signal
from django.test.utils import CaptureQueriesContext

from djwechat.accounts.models import Identity
from djwechat.accounts.signals import identity_linked, user_created
from djwechat.conf import DEFAULT_PIPELINE
from djwechat.exceptions import LoginError, LoginRefusedError
from djwechat.login.pipeline import LoginContext, StopPipeline, run_pipeline
from tests.login.helpers import MP_APP, OA_APP, WEB_APP, make_context
from tests.login.steps import StepFailedError

pytestmark = pytest.mark.django_db

User = get_user_model()
STEPS = "djwechat.login.pipeline.steps."
PROFILE = {"nickName": "Lin", "avatarUrl": "https://thirdwx.qlogo.cn/a.png", "gender": 2, "language": "zh_CN"}


def use_pipeline(settings: Any, steps: Sequence[str]) -> None:
    settings.WECHAT = {
        **settings.WECHAT,
        "LOGIN": {**settings.WECHAT.get("LOGIN", {}), "PIPELINE": tuple(steps)},
    }


def default_with(*, before: str | None = None, after: str | None = None, step: str) -> list[str]:
    steps = list(DEFAULT_PIPELINE)
    anchor = STEPS + (before or after or "")
    index = steps.index(anchor) + (1 if after else 0)
    steps.insert(index, step)
    return steps


@pytest.fixture
def received() -> Iterator[dict[str, list[dict[str, Any]]]]:
    """Every ``user_created`` / ``identity_linked`` sent during the test, by signal name."""
    calls: dict[str, list[dict[str, Any]]] = {"user_created": [], "identity_linked": []}
    receivers = []
    for name, signal in (("user_created", user_created), ("identity_linked", identity_linked)):

        def receiver(sender: Any, _name: str = name, **kwargs: Any) -> None:
            calls[_name].append({"sender": sender, **kwargs})

        signal.connect(receiver, weak=False)
        receivers.append((signal, receiver))
    yield calls
    for signal, receiver in receivers:
        Signal.disconnect(signal, receiver)


def test_first_login_creates_a_user_and_an_identity(received: dict[str, list[dict[str, Any]]]) -> None:
    ctx = run_pipeline(make_context(unionid="u-1", response=PROFILE))

    assert ctx.is_new_user
    assert ctx.is_new_identity
    user = User.objects.get()
    assert ctx.user == user
    assert user.username.startswith("wx_")
    assert not user.has_usable_password()
    assert (user.nickname, user.avatar_url, user.gender) == ("Lin", "https://thirdwx.qlogo.cn/a.png", 2)
    identity = Identity.objects.get()
    assert (identity.user, identity.provider, identity.app_alias, identity.app_id) == (
        user,
        "miniprogram",
        "mp",
        MP_APP.app_id,
    )
    assert (identity.openid, identity.unionid) == ("o-test-openid-1", "u-1")
    assert identity.extra_data == {"language": "zh_CN"}
    assert [c["user"] for c in received["user_created"]] == [user]
    assert received["user_created"][0]["identity"] == identity
    assert received["user_created"][0]["sender"] is User
    linked = received["identity_linked"]
    assert len(linked) == 1
    assert linked[0]["identity"] == identity
    assert linked[0]["created_user"] is True


def test_returning_login_finds_the_user_and_writes_nothing(received: dict[str, list[dict[str, Any]]]) -> None:
    first = run_pipeline(make_context(response=PROFILE))
    received["user_created"].clear()
    received["identity_linked"].clear()

    with CaptureQueriesContext(connection) as queries:
        again = run_pipeline(make_context(response=PROFILE))

    assert again.user == first.user
    assert again.identity == first.identity
    assert not again.is_new_user
    assert not again.is_new_identity
    writes = [q["sql"] for q in queries if q["sql"].split()[0].upper() in {"INSERT", "UPDATE", "DELETE"}]
    assert writes == []
    assert received == {"user_created": [], "identity_linked": []}
    assert User.objects.count() == 1
    assert Identity.objects.count() == 1


def test_returning_login_updates_the_profile_but_keeps_what_wechat_did_not_tell() -> None:
    first = run_pipeline(make_context(response=PROFILE))
    run_pipeline(make_context(response={"nickName": "Lin Wei", "avatarUrl": "", "gender": 0}))
    run_pipeline(make_context(response={"gender": 9}))
    user = User.objects.get(pk=first.user.pk)
    assert (user.nickname, user.avatar_url, user.gender) == ("Lin Wei", PROFILE["avatarUrl"], 2)

    # The anonymous placeholder WeChat sends instead of a real nickname changes nothing.
    run_pipeline(make_context(response={"nickName": "微信用户"}))
    assert User.objects.get(pk=first.user.pk).nickname == "Lin Wei"


def test_extra_data_is_merged_and_the_unionid_recorded_once_known() -> None:
    run_pipeline(make_context(response={"language": "en"}))
    run_pipeline(make_context(unionid="u-late", response={"city": "Shenzhen"}))
    identity = Identity.objects.get()
    assert identity.extra_data == {"language": "en", "city": "Shenzhen"}
    assert identity.unionid == "u-late"


def test_same_unionid_in_another_app_joins_the_same_user(received: dict[str, list[dict[str, Any]]]) -> None:
    mp = run_pipeline(make_context(MP_APP, openid="o-mp", unionid="u-shared"))
    web = run_pipeline(
        make_context(WEB_APP, openid="o-web", unionid="u-shared", response={"nickname": "Lin", "sex": 1})
    )

    assert web.user == mp.user
    assert not web.is_new_user
    assert web.is_new_identity
    assert User.objects.count() == 1
    assert set(Identity.objects.values_list("provider", "openid")) == {
        ("miniprogram", "o-mp"),
        ("website", "o-web"),
    }
    assert [c["created_user"] for c in received["identity_linked"]] == [True, False]
    assert User.objects.get().nickname == "Lin"


def test_without_unionid_the_apps_see_different_users() -> None:
    mp = run_pipeline(make_context(MP_APP, openid="o-mp"))
    oa = run_pipeline(make_context(OA_APP, openid="o-oa"))
    assert mp.user != oa.user


def test_an_inactive_user_is_refused_and_nothing_is_written() -> None:
    first = run_pipeline(make_context(MP_APP, openid="o-mp", unionid="u-x"))
    User.objects.filter(pk=first.user.pk).update(is_active=False)

    with pytest.raises(LoginRefusedError):
        run_pipeline(make_context(MP_APP, openid="o-mp", unionid="u-x"))
    with pytest.raises(LoginRefusedError):
        run_pipeline(make_context(WEB_APP, openid="o-web", unionid="u-x"))
    assert Identity.objects.count() == 1


@pytest.mark.parametrize("openid", ["", "   ", "x" * 129])
def test_a_missing_or_absurd_openid_is_a_login_error(openid: str) -> None:
    with pytest.raises(LoginError):
        run_pipeline(make_context(openid=openid))
    assert not User.objects.exists()


def test_a_failing_step_leaves_nothing_half_written(settings: Any, received: Any) -> None:
    use_pipeline(settings, default_with(after="associate_identity", step="tests.login.steps.fail"))
    with pytest.raises(StepFailedError):
        run_pipeline(make_context(response=PROFILE))
    assert not User.objects.exists()
    assert not Identity.objects.exists()
    assert received == {"user_created": [], "identity_linked": []}


def test_a_step_can_stop_the_login_with_a_response(settings: Any) -> None:
    use_pipeline(settings, default_with(before="create_user", step="tests.login.steps.require_nickname"))
    with pytest.raises(StopPipeline) as stopped:
        run_pipeline(make_context(response={}))
    assert stopped.value.response is not None
    assert stopped.value.response.status_code == 409
    assert not User.objects.exists()

    ctx = run_pipeline(make_context(response=PROFILE))
    assert ctx.is_new_user


def test_a_step_can_stop_the_login_with_an_error(settings: Any) -> None:
    use_pipeline(settings, default_with(before="create_user", step="tests.login.steps.refuse_new_users"))
    with pytest.raises(StopPipeline) as stopped:
        run_pipeline(make_context())
    assert isinstance(stopped.value.error, LoginRefusedError)
    assert not User.objects.exists()


def test_steps_can_be_dropped(settings: Any) -> None:
    use_pipeline(settings, [s for s in DEFAULT_PIPELINE if not s.endswith(".link_by_unionid")])
    mp = run_pipeline(make_context(MP_APP, openid="o-mp", unionid="u-shared"))
    web = run_pipeline(make_context(WEB_APP, openid="o-web", unionid="u-shared"))
    assert mp.user != web.user


def test_steps_can_be_added_and_their_results_reach_the_context(settings: Any) -> None:
    use_pipeline(settings, default_with(after="create_user", step="tests.login.steps.set_email"))
    ctx = run_pipeline(make_context(openid="o-email"))
    assert User.objects.get().email == "o-email@example.com"
    assert ctx.extra == {"email_set": True}


def test_steps_can_be_replaced(settings: Any) -> None:
    steps = [
        s if not s.endswith(".create_user") else "tests.login.steps.refuse_new_users"
        for s in DEFAULT_PIPELINE
    ]
    use_pipeline(settings, steps)
    with pytest.raises(StopPipeline):
        run_pipeline(make_context())


def test_a_pipeline_without_a_user_step_is_an_error(settings: Any) -> None:
    use_pipeline(settings, [STEPS + "social_uid", STEPS + "existing_identity"])
    with pytest.raises(LoginError):
        run_pipeline(make_context())


def test_secrets_never_reach_extra_data(settings: Any) -> None:
    use_pipeline(settings, default_with(before="save_extra_data", step="tests.login.steps.leak_secrets"))
    run_pipeline(make_context(response={"session_key": "from-the-response", "language": "en"}))
    assert Identity.objects.get().extra_data == {"language": "en", "nested": {"keep": 1}, "plan": "gold"}


def test_the_context_passed_in_is_left_as_given() -> None:
    ctx = make_context(response=PROFILE)
    done = run_pipeline(ctx)
    assert done is not ctx
    assert ctx.user is None
    assert ctx.identity is None
    assert not ctx.is_new_user


def test_explicit_steps_override_the_settings() -> None:
    def only_existing(ctx: LoginContext) -> None:
        raise StopPipeline()

    with pytest.raises(StopPipeline):
        run_pipeline(make_context(), steps=[only_existing])
