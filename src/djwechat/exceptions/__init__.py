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
    ├── ConflictError                        code=conflict                409
    │   ├── IdentityTakenError               code=identity_taken          409
    │   └── LastLoginMethodError             code=last_login_method       409
    ├── BadRequestError                      code=bad_request             400
    └── NotFoundError                        code=not_found               404

The table from WeChat errcodes to these classes is :data:`djwechat.client.errors.ERRCODE_EXCEPTIONS`.
An inactive user is refused with :class:`LoginRefusedError` by the login pipeline and, for a
password login, with :class:`InvalidCredentialsError` (as Django does: nothing tells a disabled
account from a wrong password).
"""

from __future__ import annotations

from djwechat.deprecation import moved
from djwechat.exceptions.base import (
    AppNotFoundError,
    BadRequestError,
    NotFoundError,
    WeChatError,
)
from djwechat.exceptions.login import (
    AuthError,
    ConflictError,
    ExpiredTokenError,
    IdentityRequiredError,
    IdentityTakenError,
    InvalidCredentialsError,
    InvalidTokenError,
    LastLoginMethodError,
    LoginError,
    LoginRefusedError,
    LoginStateError,
    PollSecretError,
    RefreshReuseError,
    SessionKeyError,
    SessionRevokedError,
    SnapshotUserError,
    ThrottledError,
)
from djwechat.exceptions.protocol import (
    AppIdMismatchError,
    BodyTooLargeError,
    CryptoError,
    InvalidKeyError,
    InvalidSignatureError,
    ProtocolError,
    StaleDataError,
    TimestampError,
    XMLError,
    XMLForbiddenError,
)
from djwechat.exceptions.upstream import (
    AccessTokenError,
    APIError,
    APIUnauthorizedError,
    AppCredentialsError,
    CodeBlockedError,
    CodeUsedError,
    DatabaseUnavailableError,
    InvalidCodeError,
    InvalidRefreshTokenError,
    RateLimitedError,
    SharedStateError,
    UpstreamError,
    UpstreamTimeoutError,
)

__all__ = [
    "APIError",
    "APIUnauthorizedError",
    "AccessTokenError",
    "AppCredentialsError",
    "AppIdMismatchError",
    "AppNotFoundError",
    "AuthError",
    "BadRequestError",
    "BodyTooLargeError",
    "CodeBlockedError",
    "CodeUsedError",
    "ConflictError",
    "CryptoError",
    "DatabaseUnavailableError",
    "ExpiredTokenError",
    "IdentityRequiredError",
    "IdentityTakenError",
    "InvalidCodeError",
    "InvalidCredentialsError",
    "InvalidKeyError",
    "InvalidRefreshTokenError",
    "InvalidSignatureError",
    "InvalidTokenError",
    "LastLoginMethodError",
    "LoginError",
    "LoginRefusedError",
    "LoginStateError",
    "NotFoundError",
    "PollSecretError",
    "ProtocolError",
    "RateLimitedError",
    "RefreshReuseError",
    "SessionKeyError",
    "SessionRevokedError",
    "SharedStateError",
    "SnapshotUserError",
    "StaleDataError",
    "ThrottledError",
    "TimestampError",
    "UpstreamError",
    "UpstreamTimeoutError",
    "WeChatError",
    "XMLError",
    "XMLForbiddenError",
]

__getattr__ = moved(
    __name__,
    {
        # Renamed: WeChat refused the app's credentials (not a user's, see InvalidCredentialsError).
        "InvalidCredentialError": "djwechat.exceptions:AppCredentialsError",
        # Never raised: an inactive user is refused with LoginRefusedError.
        "InactiveUserError": "djwechat.exceptions:LoginRefusedError",
    },
)
