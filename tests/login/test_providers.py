"""Providers read WeChat's answers into one profile shape and pick the extra data worth keeping."""

from __future__ import annotations

from typing import Any

import pytest

from djwechat.login.pipeline import ProfileDetails
from djwechat.login.providers import (
    MiniProgramProvider,
    OfficialAccountProvider,
    WebsiteProvider,
    get_provider,
)


def test_mini_program_user_info_uses_camel_case() -> None:
    details = MiniProgramProvider.details({"nickName": " Lin ", "avatarUrl": "https://x/a", "gender": 1})
    assert details == ProfileDetails(nickname="Lin", avatar_url="https://x/a", gender=1)


@pytest.mark.parametrize("provider", [WebsiteProvider, OfficialAccountProvider])
def test_oauth_user_info_uses_sns_names(provider: Any) -> None:
    details = provider.details({"nickname": "Lin", "headimgurl": "http://x/a", "sex": 2})
    assert details == ProfileDetails(nickname="Lin", avatar_url="http://x/a", gender=2)


@pytest.mark.parametrize(
    "answer",
    [
        {},
        {"nickName": "微信用户", "gender": 0},
        {"nickName": 5, "avatarUrl": "javascript:alert(1)", "gender": True},
        {"nickName": None, "avatarUrl": ["https://x"], "gender": "1"},
        {"avatarUrl": "https://x/" + "a" * 600},
    ],
)
def test_missing_anonymous_or_malformed_values_mean_not_told(answer: dict[str, Any]) -> None:
    assert MiniProgramProvider.details(answer).as_fields() == {}


def test_a_long_nickname_is_cut() -> None:
    assert len(MiniProgramProvider.details({"nickName": "x" * 100}).nickname) == 64


def test_extra_data_keeps_only_listed_non_empty_keys() -> None:
    answer = {"language": "en", "city": "", "scope": "snsapi_login", "access_token": "t", "privilege": []}
    assert WebsiteProvider.extra_data(answer) == {"language": "en", "scope": "snsapi_login", "privilege": []}
    assert MiniProgramProvider.extra_data(answer) == {"language": "en"}


def test_providers_by_app_type() -> None:
    assert get_provider("miniprogram") is MiniProgramProvider
    assert get_provider("official_account") is OfficialAccountProvider
    with pytest.raises(KeyError):
        get_provider("nope")
