"""Linking flows: a logged-in user adds a WeChat identity (Mini Program code, or a website QR link ticket).

They share the code exchange of the login flows and end in
:func:`djwechat.login.linking.link_context` instead of a new session.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from djwechat._internal.throttling import throttle_user
from djwechat.accounts.models import Identity
from djwechat.client import get_client
from djwechat.conf import AppSettings, get_settings
from djwechat.exceptions import AuthError
from djwechat.login.flows import inputs
from djwechat.login.flows.oauth import oauth_context
from djwechat.login.linking import link_context
from djwechat.login.pipeline import LoginContext
from djwechat.login.providers import MiniProgramProvider

__all__ = ["LinkResult", "miniprogram_link", "oauth_link"]


@dataclass(frozen=True, slots=True)
class LinkResult:
    """A finished link: the identity, whether it is new, and the completed pipeline context."""

    context: LoginContext

    @property
    def identity(self) -> Identity:
        """The linked identity."""
        identity = self.context.identity
        assert identity is not None  # the runner ends every pipeline with one
        return identity

    @property
    def created(self) -> bool:
        """Whether this link created the identity (``False``: the user had it already)."""
        return self.context.is_new_identity

    @property
    def user(self) -> Any:
        """The user the identity is linked to."""
        return self.context.user


def miniprogram_link(request: Any, alias: str, *, code: Any) -> LinkResult:
    """Link the Mini Program identity of a ``wx.login`` ``code`` to the logged-in user.

    Raises :class:`~djwechat.exceptions.AuthError` without a logged-in user (``request.jwt_user``),
    :class:`~djwechat.exceptions.BadRequestError` for a malformed code (before it is spent),
    :class:`~djwechat.exceptions.ThrottledError` over ``LOGIN.THROTTLE_RATE`` links of the user,
    the client's errors for the code, and what :func:`~djwechat.login.linking.link_identity` raises
    (:class:`~djwechat.exceptions.IdentityTakenError` for someone else's identity).
    """
    app = get_settings().app(alias, type="miniprogram")
    user = getattr(request, "jwt_user", None)
    if user is None:
        raise AuthError()
    js_code = inputs.code(code)
    throttle_user(user, "link")
    session = get_client(alias).code_to_session(js_code)
    ctx = LoginContext(
        request=request,
        app=app,
        provider=MiniProgramProvider,
        openid=session.openid,
        unionid=session.unionid,
    )
    return LinkResult(link_context(user, ctx))


def oauth_link(request: Any, app: AppSettings, code: str, user: Any) -> LinkResult:
    """Link the identity of an OAuth ``code`` of ``app`` (website QR) to ``user``."""
    return LinkResult(link_context(user, oauth_context(request, app, code)))
