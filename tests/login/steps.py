"""Pipeline steps that the tests insert into ``WECHAT["LOGIN"]["PIPELINE"]``."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse

from djwechat.exceptions import LoginRefusedError
from djwechat.login.pipeline import LoginContext, StopPipeline


class StepFailedError(Exception):
    """What :func:`fail` raises: a bug in a project's step."""


def fail(ctx: LoginContext) -> None:
    """A step with a bug, placed after the identity is created."""
    raise StepFailedError("boom")


def require_nickname(ctx: LoginContext) -> None:
    """A project rule: no nickname, no login (answered with a page of the project's own)."""
    if not ctx.details.nickname:
        raise StopPipeline(response=HttpResponse("Tell us your name first.", status=409))


def refuse_new_users(ctx: LoginContext) -> None:
    """A project rule: registrations are closed."""
    if ctx.user is None:
        raise StopPipeline(error=LoginRefusedError("Registrations are closed."))


def set_email(ctx: LoginContext) -> dict[str, Any]:
    """Runs after ``create_user``: a returned dict updates the context (and unknown keys land in extra)."""
    if ctx.is_new_user:
        ctx.user.email = f"{ctx.openid}@example.com"
        ctx.user.save(update_fields=["email"])
    return {"email_set": True}


def leak_secrets(ctx: LoginContext) -> None:
    """A careless step that tries to keep a session_key and a token on the identity."""
    ctx.extra_data["session_key"] = "c2Vzc2lvbmtleXNlY3JldA=="
    ctx.extra_data["nested"] = {"access_token": "ACCESS", "keep": 1}
    ctx.extra_data["plan"] = "gold"


def stop_silently(ctx: LoginContext) -> None:
    """Stops without a response or an error."""
    raise StopPipeline()


RACES: list[str] = []


def race_once(ctx: LoginContext) -> None:
    """Before ``associate_identity``: a concurrent login of the same person commits first (once).

    The other login runs in its own thread, so on its own database connection and transaction,
    which commits before this step returns - exactly the window a real race hits.
    """
    import threading

    from django.db import connection

    from djwechat.login.pipeline import run_pipeline

    if RACES:
        return
    RACES.append(ctx.openid)
    rival = LoginContext(request=None, app=ctx.app, provider=ctx.provider, openid=ctx.openid)
    errors: list[BaseException] = []

    def other_login() -> None:
        try:
            run_pipeline(rival)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    thread = threading.Thread(target=other_login)
    thread.start()
    thread.join(30)
    if errors:
        raise errors[0]
