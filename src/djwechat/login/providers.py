"""Providers: what each kind of WeChat login calls its profile fields and which details it keeps.

A provider is declarative: the names of the fields in WeChat's answer, and the answer keys worth
keeping in :attr:`Identity.extra_data <djwechat.accounts.models.Identity.extra_data>`.  The
flows do the talking to WeChat; the pipeline asks the provider to read the answer.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, Final

from djwechat._internal.text import UNSTORABLE_CHARS, storable, storable_text
from djwechat.conf import AppType
from djwechat.login.pipeline.context import ProfileDetails

#: The nickname WeChat hands out instead of the real one when the user shared no profile
#: (user-info APIs since 2021; community announcement 00028edbe3c58081e7cc834705b801).
ANONYMOUS_NICKNAME: Final = "微信用户"
_MAX_NICKNAME: Final = 64
_MAX_AVATAR_URL: Final = 512


class Provider:
    """One kind of WeChat login; subclasses only set class attributes.

    ``name`` is the app ``TYPE`` and the :attr:`Identity.provider` value; ``nickname_key``,
    ``avatar_key`` and ``gender_key`` name the profile fields in WeChat's answer;
    ``extra_data_keys`` are the answer keys kept on the identity (never secrets).
    """

    name: ClassVar[AppType]
    nickname_key: ClassVar[str] = "nickname"
    avatar_key: ClassVar[str] = "headimgurl"
    gender_key: ClassVar[str] = "sex"
    extra_data_keys: ClassVar[tuple[str, ...]] = ()

    @classmethod
    def details(cls, response: Mapping[str, Any]) -> ProfileDetails:
        """The profile in WeChat's ``response``, normalised; missing or malformed values are dropped."""
        nickname = response.get(cls.nickname_key)
        avatar = response.get(cls.avatar_key)
        gender = response.get(cls.gender_key)
        # The nickname is whatever the user typed into WeChat: keep it, minus control characters
        # (no name needs them, and PostgreSQL cannot store NUL in a text column).
        nickname = storable_text(nickname) if isinstance(nickname, str) else ""
        if nickname.strip() == ANONYMOUS_NICKNAME:
            nickname = ""
        if (
            not isinstance(avatar, str)
            or not avatar.startswith(("https://", "http://"))
            or UNSTORABLE_CHARS.search(avatar)
        ):
            avatar = ""
        # 0 is "unknown", and since 2021 WeChat answers 0 for everyone: it must not overwrite a
        # gender the user already has.
        if isinstance(gender, bool) or gender not in (1, 2):
            gender = None
        return ProfileDetails(
            nickname=nickname.strip()[:_MAX_NICKNAME],
            avatar_url=avatar if len(avatar) <= _MAX_AVATAR_URL else "",
            gender=gender,
        )

    @classmethod
    def extra_data(cls, response: Mapping[str, Any]) -> dict[str, Any]:
        """The keys of ``response`` listed in ``extra_data_keys`` that are present and not empty,
        their text without control characters (:func:`~djwechat._internal.text.storable`)."""
        kept = {key: response[key] for key in cls.extra_data_keys if response.get(key) not in (None, "")}
        result: dict[str, Any] = storable(kept)
        return result


class MiniProgramProvider(Provider):
    """Mini Program (小程序) login: code2Session, optionally with decrypted ``userInfo``.

    Decrypted user info uses camelCase (``nickName``, ``avatarUrl``, ``gender``); since 2021 it is
    anonymous for new mini program versions, so the profile is often empty.
    """

    name = "miniprogram"
    nickname_key = "nickName"
    avatar_key = "avatarUrl"
    gender_key = "gender"
    extra_data_keys = ("language", "country", "province", "city")


class WebsiteProvider(Provider):
    """Website QR-code login (Open Platform 网站应用): ``sns/userinfo`` field names."""

    name = "website"
    extra_data_keys = ("scope", "language", "country", "province", "city", "privilege")


class OfficialAccountProvider(Provider):
    """Official Account (公众号) H5 OAuth login: ``sns/userinfo`` field names."""

    name = "official_account"
    extra_data_keys = ("scope", "language", "country", "province", "city", "privilege")


PROVIDERS: Final[Mapping[str, type[Provider]]] = {
    provider.name: provider for provider in (MiniProgramProvider, WebsiteProvider, OfficialAccountProvider)
}


def get_provider(name: str) -> type[Provider]:
    """The provider class for an app type; ``KeyError`` for an unknown one."""
    return PROVIDERS[name]
