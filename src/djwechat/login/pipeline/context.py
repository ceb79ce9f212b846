"""What a pipeline step receives (:class:`LoginContext`) and how it stops the login (:class:`StopPipeline`)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.http import HttpRequest, HttpResponse

from djwechat.conf import AppSettings
from djwechat.exceptions import WeChatError

if TYPE_CHECKING:
    from djwechat.accounts.models import Identity
    from djwechat.login.providers import Provider


@dataclass(slots=True)
class ProfileDetails:
    """A WeChat profile in one shape, whatever the provider called its fields.

    Empty strings and ``None`` mean "not told" and never overwrite what a user already has.
    """

    nickname: str = ""
    avatar_url: str = ""
    #: 1 male, 2 female (WeChat's codes); ``None`` when not told (WeChat's 0, "unknown").
    gender: int | None = None

    def as_fields(self) -> dict[str, Any]:
        """The known values, keyed by the user-model field names of the profile mixin."""
        values: dict[str, Any] = {"nickname": self.nickname, "avatar_url": self.avatar_url}
        if self.gender is not None:
            values["gender"] = self.gender
        return {name: value for name, value in values.items() if value not in ("", None)}


@dataclass(slots=True)
class LoginContext:
    """Everything a login knows, handed from step to step.

    The flow fills the first group (what WeChat said); steps fill the second (what it means
    here).  The context never holds WeChat secrets: the ``session_key`` and OAuth tokens stay
    in the flow, so a step cannot leak them into ``extra_data``, a log line or an answer.
    """

    #: The HTTP request being served, or ``None`` (management commands, tests).
    request: HttpRequest | None
    #: The app logged in to (``WECHAT["APPS"][alias]``).
    app: AppSettings
    #: The provider class for ``app.type`` (see :mod:`djwechat.login.providers`).
    provider: type[Provider]
    openid: str
    unionid: str | None = None
    #: WeChat's answer (code2Session without ``session_key``, decrypted user info, OAuth user
    #: info …), the source of :attr:`details` and :attr:`extra_data`.
    response: Mapping[str, Any] = field(default_factory=dict)
    #: The normalised profile (set by the ``profile_details`` step).
    details: ProfileDetails = field(default_factory=ProfileDetails)
    #: The local user, once known (an existing identity's, a unionid match, or newly created).
    user: Any = None
    #: The identity row, once found or created.
    identity: Identity | None = None
    is_new_user: bool = False
    #: ``True`` when this login created :attr:`identity`.
    is_new_identity: bool = False
    #: What the ``save_extra_data`` step stores on the identity (secrets are scrubbed anyway).
    extra_data: dict[str, Any] = field(default_factory=dict)
    #: Free room for a project's own steps; step results with unknown keys land here too.
    extra: dict[str, Any] = field(default_factory=dict)
    #: The user this identity is being linked to (:func:`djwechat.login.linking.link_identity`), or
    #: ``None`` for a login.  Steps must not give a linked identity to anyone else: the
    #: default ones raise :class:`~djwechat.exceptions.IdentityTakenError`, and the runner
    #: refuses a pipeline that ends with another user.
    link_to: Any = None

    @property
    def provider_name(self) -> str:
        """``"miniprogram"``, ``"website"`` or ``"official_account"``."""
        return self.provider.name

    def apply(self, updates: Mapping[str, Any]) -> None:
        """Merge a step's result: keys naming a field are set, any other key goes to :attr:`extra`."""
        names = {f.name for f in dataclasses.fields(self)}
        for key, value in updates.items():
            if key in names and key not in {"request", "app", "provider", "link_to"}:
                setattr(self, key, value)
            else:
                self.extra[key] = value

    def fresh_copy(self) -> LoginContext:
        """A copy with the inputs only, for running the pipeline again after a lost race."""
        return dataclasses.replace(
            self,
            response=dict(self.response),
            details=dataclasses.replace(self.details),
            extra_data=dict(self.extra_data),
            extra=dict(self.extra),
        )


class StopPipeline(Exception):  # noqa: N818 - a control-flow signal, not an error
    """Raised by a step to end the login now; every write of the pipeline is rolled back.

    Carry either ``response`` (an ``HttpResponse`` the view answers with, for example a page
    asking for more information) or ``error`` (a :class:`~djwechat.exceptions.WeChatError` the
    view answers as JSON and flows raise to their callers).  With neither, the login fails
    with :class:`~djwechat.exceptions.LoginRefusedError`.
    """

    def __init__(self, *, response: HttpResponse | None = None, error: WeChatError | None = None) -> None:
        super().__init__("The login pipeline was stopped.")
        self.response = response
        self.error = error
