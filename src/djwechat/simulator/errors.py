"""WeChat's error answers, as the simulator sends them.

WeChat answers API errors with HTTP 200 and ``{"errcode": N, "errmsg": "..."}``; real ``errmsg``
strings carry a request-id suffix (``", rid: 6166f719-6cb5d09c-633ab469"``) so clients must
compare ``errcode``, never ``errmsg`` (developers.weixin.qq.com/doc/offiaccount/Getting_Started/
Global_Return_Code.html).  The simulator adds the suffix too, so clients that compare strings fail
in development rather than in production.
"""

from __future__ import annotations

import secrets
from typing import Final

__all__ = ["ERRMSG", "ControlError", "DropConnection", "HangConnection", "SimError", "with_rid"]

#: The errmsg WeChat sends for each errcode the simulator produces.
ERRMSG: Final[dict[int, str]] = {
    -1: "system error",
    40001: "invalid credential, access_token is invalid or not latest",
    40002: "invalid grant_type",
    40003: "invalid openid",
    40008: "invalid message type",
    40013: "invalid appid",
    40014: "invalid access_token",
    40029: "invalid code",
    40030: "invalid refresh_token",
    40033: "invalid charset. please check your request, if include \\uxxxx will create fail!",
    40125: "invalid appsecret",
    40163: "code been used",
    41001: "access_token missing",
    41002: "appid missing",
    41003: "refresh_token missing",
    41004: "appsecret missing",
    41008: "missing code",
    41009: "missing openid",
    42001: "access_token expired",
    42002: "refresh_token expired",
    42003: "code expired",
    43001: "require GET method",
    43002: "require POST method",
    44002: "empty post data",
    45009: "reach max api daily quota limit",
    45011: "api minute-quota reach limit  mustslower  retry next minute",
    47001: "data format error",
    48001: "api unauthorized",
    87009: "invalid signature",
}


def with_rid(errmsg: str) -> str:
    """``errmsg`` with a WeChat-style request-id suffix."""
    rid = "-".join(secrets.token_hex(4) for _ in range(3))
    return f"{errmsg}, rid: {rid}"


class SimError(Exception):
    """A WeChat API error the simulator answers with (HTTP 200, ``errcode`` + ``errmsg``)."""

    def __init__(self, errcode: int, errmsg: str | None = None) -> None:
        self.errcode = errcode
        self.errmsg = errmsg or ERRMSG.get(errcode, "error")
        super().__init__(f"{errcode}: {self.errmsg}")

    def body(self) -> dict[str, object]:
        """The JSON answer, with the request-id suffix."""
        return {"errcode": self.errcode, "errmsg": with_rid(self.errmsg)}


class ControlError(Exception):
    """A bad request to the simulator's own control API (``/_sim/…``): a 4xx JSON answer."""

    def __init__(self, message: str, *, status: int = 400, code: str = "bad_request") -> None:
        self.message = message
        self.status = status
        self.code = code
        super().__init__(message)

    def body(self) -> dict[str, object]:
        """``{"error": {"code", "message"}}``, the shape every djwechat endpoint uses."""
        return {"error": {"code": self.code, "message": self.message}}


class DropConnection(Exception):  # noqa: N818 - an instruction to the server, not an error
    """Raised by a handler to make the server close the connection without answering."""


class HangConnection(Exception):  # noqa: N818
    """Raised after a ``timeout`` fault: the server (or transport) must answer nothing at all."""
