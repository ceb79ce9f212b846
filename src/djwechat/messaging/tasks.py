"""Background task: deliver a reply that missed the 5-second window as a customer-service message.

It runs on the project's Tasks backend (``settings.TASKS``): ``django.tasks`` on Django 6, the
``django-tasks`` backport on Django 5.2.  The message server imports this module only when it
needs it, because declaring a task reads ``settings.TASKS``.

Customer-service messages may be sent for 48 hours after a user message, and shortly after a
menu click, a follow or a scan (doc/service/api/customer/message/api_sendcustommessage); a send
WeChat refuses (errcode 45015, 45047 …) fails the task and is visible in the backend's results.
"""

from __future__ import annotations

import logging
from typing import Any

try:
    from django.tasks import task
except ImportError:  # Django 5.2: the backport
    from django_tasks import task  # type: ignore[no-redef,import-untyped,unused-ignore]

__all__ = ["send_late_reply"]

logger = logging.getLogger("djwechat.messaging")


@task()
def send_late_reply(app_alias: str, openid: str, msgtype: str, content: dict[str, Any]) -> None:
    """Send ``content`` of type ``msgtype`` to ``openid`` through the app's customer-service API.

    Raises the client's :class:`djwechat.exceptions.APIError` / ``UpstreamError`` when WeChat
    refuses or cannot be reached (the task backend records the failure).
    """
    from djwechat.client import get_client

    get_client(app_alias).send_custom_message(openid, msgtype, content)
    logger.info("late reply delivered to %s as a customer-service %s message", app_alias, msgtype)
