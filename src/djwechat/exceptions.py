"""Every error djwechat raises, under one root.

Each class has a stable snake_case ``code`` (what API clients see in
``{"error": {"code", "message"}}``) and the ``status_code`` an HTTP view answers with; the
mapping from exception to HTTP answer lives in :mod:`djwechat._internal.responses` and reads
only these two attributes.  Errors carry their data as attributes, and their messages never
contain WeChat secrets (``session_key``, app secrets, access tokens).

The tree::

    WeChatError                              code=wechat_error            500
    ├── AppNotFoundError                     code=app_not_found           404
    ├── ProtocolError                        code=protocol_error          400
    │   ├── InvalidSignatureError            code=invalid_signature       403
    │   ├── TimestampError                   code=stale_timestamp         403
    │   ├── CryptoError                      code=decrypt_failed          400
    │   │   ├── InvalidKeyError              code=invalid_key             400
    │   │   ├── AppIdMismatchError           code=app_id_mismatch         400
    │   │   └── StaleDataError               code=stale_data              400
    │   └── XMLError                         code=invalid_xml             400
    │       ├── XMLForbiddenError            code=forbidden_xml           400
    │       └── BodyTooLargeError            code=body_too_large          413
    ├── APIError (errcode, errmsg)           code=wechat_api_error        502
    │   ├── AppCredentialsError              code=invalid_credential      502  (40001, 40013, 40125, 40164 …)
    │   ├── AccessTokenError                 code=access_token_invalid    502  (40014, 42001, 41001)
    │   ├── InvalidCodeError                 code=invalid_code            400  (40029, 42003, 41008)
    │   │   └── CodeUsedError                code=code_used               400  (40163)
    │   ├── CodeBlockedError                 code=code_blocked            403  (40226)
    │   ├── InvalidRefreshTokenError         code=invalid_refresh_token   400  (40030, 42002)
    │   ├── RateLimitedError                 code=wechat_rate_limited     429  (45009, 45011)
    │   └── APIUnauthorizedError             code=wechat_api_unauthorized 502  (48001, 48004)
    ├── UpstreamError                        code=wechat_unavailable      503
    │   └── UpstreamTimeoutError             code=wechat_timeout          504
    ├── SharedStateError                     code=shared_state_unavailable 503
    ├── DatabaseUnavailableError             code=database_unavailable    503
    ├── AuthError                            code=not_authenticated       401
    │   ├── InvalidTokenError                code=invalid_token           401
    │   │   ├── ExpiredTokenError            code=token_expired           401
    │   │   └── RefreshReuseError            code=refresh_reused          401
    │   ├── SessionRevokedError              code=session_revoked         401
    │   ├── InvalidCredentialsError          code=invalid_credentials     401
    │   └── IdentityRequiredError            code=identity_required       403
    ├── ThrottledError (wait)                code=throttled               429
    ├── LoginError                           code=login_failed            400
    │   ├── LoginRefusedError                code=login_refused           403
    │   │   └── SnapshotUserError            code=snapshot_user           403
    │   ├── SessionKeyError                  code=session_key_stale       400
    │   └── LoginStateError                  code=invalid_state           400
    │       └── PollSecretError              code=invalid_poll_secret     403
    ├── BadRequestError                      code=bad_request             400
    └── NotFoundError                        code=not_found               404

The table from WeChat errcodes to these classes is :data:`djwechat.client.errors.ERRCODE_EXCEPTIONS`.
An inactive user is refused with :class:`LoginRefusedError` by the login pipeline and, for a
password login, with :class:`InvalidCredentialsError` (as Django does: nothing tells a disabled
account from a wrong password).
"""

from __future__ import annotations

from typing import Any, ClassVar

from djwechat.deprecation import moved


class WeChatError(Exception):
    """Root of every djwechat error: a stable ``code``, an HTTP ``status_code`` and a message."""

    code: ClassVar[str] = "wechat_error"
    status_code: ClassVar[int] = 500
    default_message: ClassVar[str] = "WeChat integration error."

    def __init__(self, message: str | None = None, **data: Any) -> None:
        self.message = message or self.default_message
        #: Structured details (safe to log; never secrets).
        self.data = data
        super().__init__(self.message)

    def __str__(self) -> str:
        return self.message


class AppNotFoundError(WeChatError):
    """No app is configured under the requested alias (or it is of another type)."""

    code = "app_not_found"
    status_code = 404

    def __init__(self, message: str | None = None, *, alias: str = "", app_type: str | None = None) -> None:
        kind = f"{app_type} " if app_type else ""
        super().__init__(
            message or f"No {kind}app is configured as {alias!r}.", alias=alias, app_type=app_type
        )
        self.alias = alias
        self.app_type = app_type


# --------------------------------------------------------------------------- protocol


class ProtocolError(WeChatError):
    """Input that does not follow the WeChat protocol (signatures, crypto, XML)."""

    code = "protocol_error"
    status_code = 400
    default_message = "The request does not follow the WeChat protocol."


class InvalidSignatureError(ProtocolError):
    """A signature (``signature``, ``msg_signature``, ``rawData`` signature …) did not match."""

    code = "invalid_signature"
    status_code = 403
    default_message = "The signature does not match."


class TimestampError(ProtocolError):
    """A push timestamp is outside the accepted window (replay protection)."""

    code = "stale_timestamp"
    status_code = 403
    default_message = "The timestamp is outside the accepted window."


class CryptoError(ProtocolError):
    """Ciphertext that cannot be decrypted: bad base64, length, padding or framing."""

    code = "decrypt_failed"
    default_message = "The encrypted data cannot be decrypted."


class InvalidKeyError(CryptoError):
    """A key or IV of the wrong shape (EncodingAESKey, session_key, iv)."""

    code = "invalid_key"
    default_message = "The key is not valid."


class AppIdMismatchError(CryptoError):
    """Decrypted data names another app (message receive id or data watermark)."""

    code = "app_id_mismatch"
    default_message = "The data was made for another app."


class StaleDataError(CryptoError):
    """Decrypted data whose watermark timestamp is older than the accepted age."""

    code = "stale_data"
    default_message = "The encrypted data is too old; get it again."


class XMLError(ProtocolError):
    """Malformed XML."""

    code = "invalid_xml"
    default_message = "The XML is malformed."


class XMLForbiddenError(XMLError):
    """XML with a DTD, entities or external references (XXE, billion laughs) - refused."""

    code = "forbidden_xml"
    default_message = "XML with a DTD or entities is refused."


class BodyTooLargeError(XMLError):
    """A request body over the configured size limit."""

    code = "body_too_large"
    status_code = 413
    default_message = "The request body is too large."


# --------------------------------------------------------------------------- WeChat API


class APIError(WeChatError):
    """WeChat answered an API call with a non-zero ``errcode``."""

    code = "wechat_api_error"
    status_code = 502
    default_message = "WeChat refused the request."

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
    default_message = "WeChat refused the app credentials."


class AccessTokenError(APIError):
    """The access token was refused (invalid, expired or superseded)."""

    code = "access_token_invalid"
    default_message = "WeChat refused the access token."


class InvalidCodeError(APIError):
    """A login, OAuth or phone code is invalid or expired (40029, 42003)."""

    code = "invalid_code"
    status_code = 400
    default_message = "The code is invalid or expired; get a new one and try again."


class CodeUsedError(InvalidCodeError):
    """The code was already exchanged (40163): codes are single-use."""

    code = "code_used"
    default_message = "The code was already used; get a new one and try again."


class CodeBlockedError(APIError):
    """WeChat blocked the login of a high-risk user (40226)."""

    code = "code_blocked"
    status_code = 403
    default_message = "WeChat blocked this login."


class InvalidRefreshTokenError(APIError):
    """A user-level OAuth refresh token is invalid or expired (40030, 42002)."""

    code = "invalid_refresh_token"
    status_code = 400
    default_message = "The WeChat refresh token is invalid or expired; authorize again."


class RateLimitedError(APIError):
    """WeChat's rate limit or daily quota was reached (45009, 45011); never retried."""

    code = "wechat_rate_limited"
    status_code = 429
    default_message = "WeChat's rate limit was reached; try again later."


class APIUnauthorizedError(APIError):
    """The app has no permission for this API or scope (48001, 48004)."""

    code = "wechat_api_unauthorized"
    default_message = "The app is not allowed to call this WeChat API."


class UpstreamError(WeChatError):
    """WeChat could not be reached or kept answering "system busy"."""

    code = "wechat_unavailable"
    status_code = 503
    default_message = "WeChat is not available right now; try again later."


class UpstreamTimeoutError(UpstreamError):
    """A call to WeChat timed out."""

    code = "wechat_timeout"
    status_code = 504
    default_message = "WeChat did not answer in time; try again later."


class SharedStateError(WeChatError):
    """The shared cache (Redis in production) that holds tokens, locks and tickets failed."""

    code = "shared_state_unavailable"
    status_code = 503
    default_message = "A shared service is not available right now; try again later."


class DatabaseUnavailableError(WeChatError):
    """The database could not be reached (a restart, a failover): the request changed nothing.

    djwechat's endpoints answer Django's ``OperationalError`` and ``InterfaceError`` with it;
    the next request opens a new connection (set ``CONN_HEALTH_CHECKS`` with persistent
    connections, see docs/deployment.md).
    """

    code = "database_unavailable"
    status_code = 503
    default_message = "The database is not available right now; try again later."


# --------------------------------------------------------------------------- sessions and login


class AuthError(WeChatError):
    """The request is not authenticated."""

    code = "not_authenticated"
    status_code = 401
    default_message = "Authentication credentials were not provided."


class InvalidTokenError(AuthError):
    """A token that is malformed, forged, of the wrong type or otherwise unusable."""

    code = "invalid_token"
    default_message = "The token is invalid."


class ExpiredTokenError(InvalidTokenError):
    """A token past its ``exp``."""

    code = "token_expired"
    default_message = "The token has expired."


class RefreshReuseError(InvalidTokenError):
    """An old refresh token was presented again: the session was revoked as a precaution."""

    code = "refresh_reused"
    default_message = "This refresh token was already used; the session has been ended. Log in again."


class SessionRevokedError(AuthError):
    """The token's session was logged out, revoked or its user deactivated."""

    code = "session_revoked"
    default_message = "The session has ended. Log in again."


class InvalidCredentialsError(AuthError):
    """Username/email and password do not match an active account."""

    code = "invalid_credentials"
    default_message = "Unable to log in with the provided credentials."


class IdentityRequiredError(AuthError):
    """The caller has no WeChat identity in the app, and the request is only safe for one.

    A phone-number code says nothing about who sent it: only with the caller's openid does
    WeChat check that the code was issued to the caller.
    """

    code = "identity_required"
    status_code = 403
    default_message = "Log in with WeChat in this app first."


class ThrottledError(WeChatError):
    """Too many attempts; ``wait`` is the number of seconds until the next one is allowed."""

    code = "throttled"
    status_code = 429
    default_message = "Too many attempts; try again later."

    def __init__(self, message: str | None = None, *, wait: float | None = None) -> None:
        super().__init__(message, wait=wait)
        self.wait = wait


class LoginError(WeChatError):
    """A login flow failed for a reason the client can act on."""

    code = "login_failed"
    status_code = 400
    default_message = "The login failed."


class LoginRefusedError(LoginError):
    """The pipeline decided this identity may not log in (inactive user, a project rule …)."""

    code = "login_refused"
    status_code = 403
    default_message = "This account may not log in."


class SnapshotUserError(LoginRefusedError):
    """The visitor is on a Moments snapshot page (``is_snapshotuser``): WeChat named a stand-in, not them."""

    code = "snapshot_user"
    default_message = "This page was opened as a Moments snapshot; open it in full to log in."


class SessionKeyError(LoginError):
    """Encrypted Mini Program data could not be opened with the stored ``session_key``."""

    code = "session_key_stale"
    default_message = "The encrypted data does not match the current login; call wx.login and log in again."


class LoginStateError(LoginError):
    """An OAuth ``state``, QR ticket or one-time login code is unknown, expired or already used."""

    code = "invalid_state"
    default_message = "The login request is unknown, expired or already used."


class PollSecretError(LoginStateError):
    """A QR login poll without the ticket's ``poll_secret``, or with another one."""

    code = "invalid_poll_secret"
    status_code = 403
    default_message = "The poll secret does not match this login ticket."


class BadRequestError(WeChatError):
    """A request body or parameter is missing or malformed."""

    code = "bad_request"
    status_code = 400
    default_message = "The request is malformed."


class NotFoundError(WeChatError):
    """The requested object does not exist (or is not the caller's)."""

    code = "not_found"
    status_code = 404
    default_message = "Not found."


__getattr__ = moved(
    __name__,
    {
        # Renamed: WeChat refused the app's credentials (not a user's, see InvalidCredentialsError).
        "InvalidCredentialError": "djwechat.exceptions:AppCredentialsError",
        # Never raised: an inactive user is refused with LoginRefusedError.
        "InactiveUserError": "djwechat.exceptions:LoginRefusedError",
    },
)
