"""The end of every WeChat login: the pipeline, then a JWT session, in one transaction."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from django.db import transaction
from django.views.decorators.debug import sensitive_variables

from djwechat import jwt
from djwechat.accounts.signals import login_succeeded
from djwechat.login.pipeline import LoginContext
from djwechat.login.pipeline.runner import login_lock, run_steps

#: Server-side session keys set by every WeChat login: which app, and the user's openid there.
SESSION_APP_ID: Final = "wechat_app_id"
SESSION_OPENID: Final = "wechat_openid"


@dataclass(frozen=True, slots=True)
class LoginResult:
    """What a finished login produced: the token-pair answer and the completed pipeline context."""

    #: ``{"access", "refresh", "token_type", "expires_in", "user", "is_new_user"}``.
    tokens: dict[str, Any]
    context: LoginContext

    @property
    def user(self) -> Any:
        """The user who logged in."""
        return self.context.user

    @property
    def is_new_user(self) -> bool:
        """Whether this login created the user."""
        return self.context.is_new_user


@sensitive_variables()
def complete_login(
    request: Any, ctx: LoginContext, *, session_data: Mapping[str, Any] | None = None
) -> LoginResult:
    """Run the pipeline on ``ctx`` and start a JWT session for its user, all or nothing.

    ``session_data`` goes into the server-side session only (a WeChat ``session_key`` belongs
    there).  Under :func:`~djwechat.login.pipeline.runner.login_lock`: for a first login in the
    app the unionid lock is taken once, before the transaction opens, and given back after it
    commits, so a concurrent first login of the same person in another
    app sees this one's identity.  ``login_succeeded`` is sent inside
    the transaction, after the session was created.

    Raises what :func:`~djwechat.login.pipeline.run_pipeline` raises
    (:class:`~djwechat.login.pipeline.StopPipeline`, :class:`~djwechat.exceptions.WeChatError`);
    then nothing of the login is kept.
    """
    with login_lock(ctx) as checked, transaction.atomic():
        done = run_steps(checked)
        tokens = jwt.login(request, done.user, session_data=session_data, is_new_user=done.is_new_user)
        login_succeeded.send(
            sender=type(done.user),
            user=done.user,
            identity=done.identity,
            is_new_user=done.is_new_user,
            provider=done.provider_name,
            app_alias=done.app.alias,
            context=done,
            request=request,
        )
    return LoginResult(tokens=tokens, context=done)
