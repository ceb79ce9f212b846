"""Control characters and lone surrogates in anything WeChat tells a login: every field every
provider stores, whatever the flow (the providers are read from their registry, so a new one is
covered without new code).  PostgreSQL refuses NUL outright; SQLite would keep it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import RequestFactory

from djwechat.accounts.models import Identity
from djwechat.conf import DEFAULT_PIPELINE, AppSettings
from djwechat.exceptions import LoginError
from djwechat.login.flows import complete_login
from djwechat.login.pipeline import LoginContext, ProfileDetails
from djwechat.login.providers import PROVIDERS, Provider

#: What must never reach a column: C0 controls but tab, newline and CR; DEL; lone surrogates.
UNSTORABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
#: Text a database cannot store or a person should not see, alone and inside ordinary text.
HOSTILE = ("\x00", "a\x00b", "\x1b[31mred", "\ud800", "x\udfffy", "del\x7f", "\x01\x02\x03")


def _texts(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _texts(key)
            yield from _texts(item)
    elif isinstance(value, list):
        for item in value:
            yield from _texts(item)


def assert_storable(value: Any) -> None:
    for text in _texts(value):
        assert not UNSTORABLE.search(text), repr(text)


def fields_of(provider: type[Provider]) -> tuple[str, ...]:
    """Every answer key the provider reads: the profile's and the extra data's."""
    return (provider.nickname_key, provider.avatar_key, *provider.extra_data_keys)


CASES = [(provider, key) for provider in PROVIDERS.values() for key in fields_of(provider)]


def app_for(provider: type[Provider], apps: dict[str, AppSettings]) -> AppSettings:
    return next(app for app in apps.values() if app.type == provider.name)


def login(
    app: AppSettings, provider: type[Provider], openid: str, response: dict[str, Any], **kw: Any
) -> Any:
    ctx = LoginContext(request=None, app=app, provider=provider, openid=openid, response=response, **kw)
    return complete_login(RequestFactory().post("/"), ctx)


def test_every_provider_is_swept() -> None:
    assert {provider.name for provider, _ in CASES} == set(PROVIDERS)


@pytest.mark.parametrize(("provider", "key"), CASES, ids=lambda v: getattr(v, "name", v))
@pytest.mark.parametrize("returning", [False, True], ids=["first-login", "returning"])
def test_hostile_text_in_every_stored_field(
    hostile_apps: dict[str, AppSettings], provider: type[Provider], key: str, returning: bool
) -> None:
    app = app_for(provider, hostile_apps)
    openid = f"stored-{provider.name}-{key}"
    if returning:
        login(app, provider, openid, {provider.nickname_key: "Frank", "city": "Paris"})
    for index, text in enumerate(HOSTILE):
        nested = {"k\x00": [text, {"deep\ud800": text}]}
        response = {key: text if index % 2 else f"https://example.com/{text}", "unrelated": text}
        response["privilege"] = [text]
        result = login(app, provider, openid, {**response, "scope": nested} if key != "scope" else response)
        identity = Identity.objects.get(app_id=app.app_id, openid=openid)
        assert_storable(identity.extra_data)
        user = get_user_model().objects.get(pk=result.user.pk)
        assert_storable([getattr(user, field.attname) for field in user._meta.concrete_fields])
        assert "unrelated" not in identity.extra_data


def test_steps_cannot_store_hostile_text_either(hostile_apps: dict[str, AppSettings], settings: Any) -> None:
    """A project's own step that copies raw text into the extra data or the profile."""
    pipeline = ("tests.hostile.test_stored_text.careless_step", *DEFAULT_PIPELINE)
    settings.WECHAT = {**settings.WECHAT, "LOGIN": {**settings.WECHAT["LOGIN"], "PIPELINE": pipeline}}
    app = hostile_apps["mp"]
    result = login(app, PROVIDERS["miniprogram"], "careless-step", {"nickName": "ok"})
    identity = Identity.objects.get(app_id=app.app_id, openid="careless-step")
    assert identity.extra_data["note"] == ["ab", {"c": "d"}]
    assert_storable(identity.extra_data)
    user = get_user_model().objects.get(pk=result.user.pk)
    assert user.nickname == "Frank"


def careless_step(ctx: LoginContext) -> dict[str, Any]:
    """Copies raw text into what the pipeline stores."""
    return {
        "extra_data": {"note\x00": ["a\x00b", {"c\ud800": "d\x1b"}]},
        "details": ProfileDetails(nickname="Fr\x00ank\x7f"),
    }


@pytest.mark.parametrize("openid", ["\x00", "open\x00id", "open\ud800id", "\x1b"])
def test_openid_that_no_database_can_store_is_refused(
    hostile_apps: dict[str, AppSettings], openid: str
) -> None:
    with pytest.raises(LoginError):
        login(hostile_apps["web"], PROVIDERS["website"], openid, {})
    assert not Identity.objects.exists()


def test_unionid_that_no_database_can_store_counts_as_none(hostile_apps: dict[str, AppSettings]) -> None:
    result = login(hostile_apps["oa"], PROVIDERS["official_account"], "with-odd-unionid", {}, unionid="u\x00")
    assert result.context.identity.unionid is None
