"""Errors of the WeChat API and of the services djwechat depends on."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from djwechat.exceptions.base import WeChatError


class APIError(WeChatError):
    """WeChat answered an API call with a non-zero ``errcode``."""

    code = "wechat_api_error"
    status_code = 502
    default_message = _("WeChat refused the request.")

    def __init__(
        self, message: str | None = None, *, errcode: int = 0, errmsg: str = "", **data: Any
    ) -> None:
        super().__init__(message or f"{self.default_message} (errcode {errcode})", errcode=errcode, **data)
        self.errcode = errcode
        #: WeChat's own text; may carry a request id suffix - compare ``errcode``, never this.
        self.errmsg = errmsg


class AppCredentialsError(APIError):
    """The app's credentials were refused (wrong secret or appid, IP not whitelisted)."""

    code = "invalid_credential"
    default_message = _("WeChat refused the app credentials.")


class AccessTokenError(APIError):
    """The access token was refused (invalid, expired or superseded)."""

    code = "access_token_invalid"
    default_message = _("WeChat refused the access token.")


class InvalidCodeError(APIError):
    """A login, OAuth or phone code is invalid or expired (40029, 42003)."""

    code = "invalid_code"
    status_code = 400
    default_message = _("The code is invalid or expired; get a new one and try again.")


class CodeUsedError(InvalidCodeError):
    """The code was already exchanged (40163): codes are single-use."""

    code = "code_used"
    default_message = _("The code was already used; get a new one and try again.")


class CodeBlockedError(APIError):
    """WeChat blocked the login of a high-risk user (40226)."""

    code = "code_blocked"
    status_code = 403
    default_message = _("WeChat blocked this login.")


class InvalidRefreshTokenError(APIError):
    """A user-level OAuth refresh token is invalid or expired (40030, 42002)."""

    code = "invalid_refresh_token"
    status_code = 400
    default_message = _("The WeChat refresh token is invalid or expired; authorize again.")


class RateLimitedError(APIError):
    """WeChat's rate limit or daily quota was reached (45009, 45011); never retried."""

    code = "wechat_rate_limited"
    status_code = 429
    default_message = _("WeChat's rate limit was reached; try again later.")


class APIUnauthorizedError(APIError):
    """The app has no permission for this API or scope (48001, 48004)."""

    code = "wechat_api_unauthorized"
    default_message = _("The app is not allowed to call this WeChat API.")


class UpstreamError(WeChatError):
    """WeChat could not be reached or kept answering "system busy"."""

    code = "wechat_unavailable"
    status_code = 503
    default_message = _("WeChat is not available right now; try again later.")


class UpstreamTimeoutError(UpstreamError):
    """A call to WeChat timed out."""

    code = "wechat_timeout"
    status_code = 504
    default_message = _("WeChat did not answer in time; try again later.")


class SharedStateError(WeChatError):
    """The shared cache (Redis in production) that holds tokens, locks and tickets failed."""

    code = "shared_state_unavailable"
    status_code = 503
    default_message = _("A shared service is not available right now; try again later.")


class DatabaseUnavailableError(WeChatError):
    """The database could not be reached (a restart, a failover): the request changed nothing.

    djwechat's endpoints answer Django's ``OperationalError`` and ``InterfaceError`` with it;
    the next request opens a new connection (set ``CONN_HEALTH_CHECKS`` with persistent
    connections, see docs/deployment.md).
    """

    code = "database_unavailable"
    status_code = 503
    default_message = _("The database is not available right now; try again later.")
