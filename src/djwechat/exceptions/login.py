"""Errors of sessions, logins, throttles and account conflicts."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from djwechat.exceptions.base import WeChatError


class AuthError(WeChatError):
    """The request is not authenticated."""

    code = "not_authenticated"
    status_code = 401
    default_message = _("Authentication credentials were not provided.")


class InvalidTokenError(AuthError):
    """A token that is malformed, forged, of the wrong type or otherwise unusable."""

    code = "invalid_token"
    default_message = _("The token is invalid.")


class ExpiredTokenError(InvalidTokenError):
    """A token past its ``exp``."""

    code = "token_expired"
    default_message = _("The token has expired.")


class RefreshReuseError(InvalidTokenError):
    """An old refresh token was presented again: the session was revoked as a precaution."""

    code = "refresh_reused"
    default_message = _("This refresh token was already used; the session has been ended. Log in again.")


class SessionRevokedError(AuthError):
    """The token's session was logged out, revoked or its user deactivated."""

    code = "session_revoked"
    default_message = _("The session has ended. Log in again.")


class InvalidCredentialsError(AuthError):
    """Username/email and password do not match an active account."""

    code = "invalid_credentials"
    default_message = _("Unable to log in with the provided credentials.")


class IdentityRequiredError(AuthError):
    """The caller has no WeChat identity in the app, and the request is only safe for one.

    A phone-number code says nothing about who sent it: only with the caller's openid does
    WeChat check that the code was issued to the caller.
    """

    code = "identity_required"
    status_code = 403
    default_message = _("Log in with WeChat in this app first.")


class ThrottledError(WeChatError):
    """Too many attempts; ``wait`` is the number of seconds until the next one is allowed."""

    code = "throttled"
    status_code = 429
    default_message = _("Too many attempts; try again later.")

    def __init__(self, message: str | None = None, *, wait: float | None = None) -> None:
        super().__init__(message, wait=wait)
        self.wait = wait


class LoginError(WeChatError):
    """A login flow failed for a reason the client can act on."""

    code = "login_failed"
    status_code = 400
    default_message = _("The login failed.")


class LoginRefusedError(LoginError):
    """The pipeline decided this identity may not log in (inactive user, a project rule …)."""

    code = "login_refused"
    status_code = 403
    default_message = _("This account may not log in.")


class SnapshotUserError(LoginRefusedError):
    """The visitor is on a Moments snapshot page (``is_snapshotuser``): WeChat named a stand-in, not them."""

    code = "snapshot_user"
    default_message = _("This page was opened as a Moments snapshot; open it in full to log in.")


class SessionKeyError(LoginError):
    """Encrypted Mini Program data could not be opened with the stored ``session_key``."""

    code = "session_key_stale"
    default_message = _(
        "The encrypted data does not match the current login; call wx.login and log in again."
    )


class LoginStateError(LoginError):
    """An OAuth ``state``, QR ticket or one-time login code is unknown, expired or already used."""

    code = "invalid_state"
    default_message = _("The login request is unknown, expired or already used.")


class PollSecretError(LoginStateError):
    """A QR login poll without the ticket's ``poll_secret``, or with another one."""

    code = "invalid_poll_secret"
    status_code = 403
    default_message = _("The poll secret does not match this login ticket.")


class ConflictError(WeChatError):
    """The request clashes with the state of the caller's account."""

    code = "conflict"
    status_code = 409
    default_message = _("The request conflicts with the account's current state.")


class IdentityTakenError(ConflictError):
    """The WeChat identity to link belongs to another user (or that person's unionid does)."""

    code = "identity_taken"
    default_message = _("This WeChat account is linked to another user.")


class LastLoginMethodError(ConflictError):
    """Removing the identity would leave the user no way to log in (no password, no other identity)."""

    code = "last_login_method"
    default_message = _(
        "This is the account's only way to log in; set a password or link another WeChat account first."
    )
