"""The root error and the errors every part of djwechat may raise."""

from __future__ import annotations

from typing import Any, ClassVar

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class WeChatError(Exception):
    """Root of every djwechat error: a stable ``code``, an HTTP ``status_code`` and a message."""

    code: ClassVar[str] = "wechat_error"
    status_code: ClassVar[int] = 500
    #: Translated (gettext_lazy) into the language active when the message is read.
    default_message: ClassVar[str | Promise] = _("WeChat integration error.")

    def __init__(self, message: str | Promise | None = None, **data: Any) -> None:
        self._message = message or self.default_message
        #: Structured details (safe to log; never secrets).
        self.data = data
        super().__init__(self._message)

    @property
    def message(self) -> str:
        """The message for people, in the active language (the ``code`` stays English)."""
        return str(self._message)

    @message.setter
    def message(self, value: str | Promise) -> None:
        self._message = value

    def __str__(self) -> str:
        return self.message


class AppNotFoundError(WeChatError):
    """No app is configured under the requested alias (or it is of another type)."""

    code = "app_not_found"
    status_code = 404

    def __init__(self, message: str | None = None, *, alias: str = "", app_type: str | None = None) -> None:
        if message is None:
            text = (
                _("No %(type)s app is configured as %(alias)s.")
                if app_type
                else _("No app is configured as %(alias)s.")
            )
            message = text % {"type": app_type, "alias": repr(alias)}
        super().__init__(message, alias=alias, app_type=app_type)
        self.alias = alias
        self.app_type = app_type


class BadRequestError(WeChatError):
    """A request body or parameter is missing or malformed."""

    code = "bad_request"
    status_code = 400
    default_message = _("The request is malformed.")


class NotFoundError(WeChatError):
    """The requested object does not exist (or is not the caller's)."""

    code = "not_found"
    status_code = 404
    default_message = _("Not found.")
