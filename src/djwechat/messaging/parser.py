"""Turn the fields of a push (from :func:`djwechat._internal.xml.parse_xml`) into a typed message.

A missing or malformed header field (``ToUserName``, ``FromUserName``, ``CreateTime``,
``MsgType``) or a malformed number in a known type raises :class:`ProtocolError` (an HTTP 400);
an unknown ``MsgType`` or ``Event`` never does: it becomes :class:`UnknownMessage` /
:class:`UnknownEvent`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any, Final

from djwechat.exceptions import ProtocolError
from djwechat.messaging.events import (
    ClickEvent,
    Event,
    LocationEvent,
    ScanEvent,
    SubscribeEvent,
    TemplateSendJobFinishEvent,
    UnknownEvent,
    UnsubscribeEvent,
    ViewEvent,
)
from djwechat.messaging.messages import (
    ImageMessage,
    LinkMessage,
    LocationMessage,
    Message,
    ShortVideoMessage,
    TextMessage,
    UnknownMessage,
    UserMessage,
    VideoMessage,
    VoiceMessage,
)

__all__ = ["parse_message"]


class _Fields:
    """Typed reads of the parsed push fields; every failure is a :class:`ProtocolError`."""

    def __init__(self, raw: Mapping[str, Any]) -> None:
        self.raw = raw

    def text(self, name: str, default: str | None = None) -> str:
        value = self.raw.get(name)
        if value is None:
            if default is None:
                raise ProtocolError(f"The push has no {name}.")
            return default
        if not isinstance(value, str):
            raise ProtocolError(f"{name} must be text.")
        return value

    def opt_text(self, name: str) -> str | None:
        value = self.raw.get(name)
        return None if value is None else self.text(name)

    def integer(self, name: str) -> int:
        text = self.text(name).strip()
        try:
            return int(text)
        except ValueError:
            raise ProtocolError(f"{name} must be an integer.") from None

    def opt_integer(self, name: str) -> int | None:
        return None if self.raw.get(name) in (None, "") else self.integer(name)

    def number(self, name: str) -> float:
        text = self.text(name).strip()
        try:
            value = float(text)
        except ValueError:
            raise ProtocolError(f"{name} must be a number.") from None
        if value != value or value in (float("inf"), float("-inf")):
            raise ProtocolError(f"{name} must be a finite number.")
        return value


def _header(f: _Fields) -> dict[str, Any]:
    return {
        "to_user": f.text("ToUserName"),
        "from_user": f.text("FromUserName"),
        "create_time": f.integer("CreateTime"),
        "msg_type": f.text("MsgType"),
        "raw": MappingProxyType(dict(f.raw)),
    }


def _user_header(f: _Fields) -> dict[str, Any]:
    return {
        **_header(f),
        "msg_id": f.opt_integer("MsgId"),
        "msg_data_id": f.opt_text("MsgDataId"),
        "idx": f.opt_text("Idx"),
    }


def _event_header(f: _Fields) -> dict[str, Any]:
    return {**_header(f), "event": f.text("Event"), "event_key": f.text("EventKey", "")}


_MESSAGE_BUILDERS: Final[dict[str, Callable[[_Fields, dict[str, Any]], UserMessage]]] = {
    "text": lambda f, h: TextMessage(**h, content=f.text("Content", "")),
    "image": lambda f, h: ImageMessage(**h, pic_url=f.text("PicUrl", ""), media_id=f.text("MediaId", "")),
    "voice": lambda f, h: VoiceMessage(
        **h,
        media_id=f.text("MediaId", ""),
        format=f.text("Format", ""),
        recognition=f.opt_text("Recognition"),
    ),
    "video": lambda f, h: VideoMessage(
        **h, media_id=f.text("MediaId", ""), thumb_media_id=f.text("ThumbMediaId", "")
    ),
    "shortvideo": lambda f, h: ShortVideoMessage(
        **h, media_id=f.text("MediaId", ""), thumb_media_id=f.text("ThumbMediaId", "")
    ),
    "location": lambda f, h: LocationMessage(
        **h,
        latitude=f.number("Location_X"),
        longitude=f.number("Location_Y"),
        scale=f.integer("Scale") if f.raw.get("Scale") not in (None, "") else 0,
        label=f.text("Label", ""),
    ),
    "link": lambda f, h: LinkMessage(
        **h, title=f.text("Title", ""), description=f.text("Description", ""), url=f.text("Url", "")
    ),
}

# Event names are matched case-insensitively: WeChat's documented spellings mix cases
# (``subscribe`` vs ``SCAN``) and no two events differ only by case.
_EVENT_BUILDERS: Final[dict[str, Callable[[_Fields, dict[str, Any]], Event]]] = {
    "subscribe": lambda f, h: SubscribeEvent(**h, ticket=f.opt_text("Ticket")),
    "unsubscribe": lambda f, h: UnsubscribeEvent(**h),
    "scan": lambda f, h: ScanEvent(**h, ticket=f.opt_text("Ticket")),
    "location": lambda f, h: LocationEvent(
        **h, latitude=f.number("Latitude"), longitude=f.number("Longitude"), precision=f.number("Precision")
    ),
    "click": lambda f, h: ClickEvent(**h),
    "view": lambda f, h: ViewEvent(**h, menu_id=f.opt_text("MenuId")),
    "templatesendjobfinish": lambda f, h: TemplateSendJobFinishEvent(
        **h, msg_id=f.opt_integer("MsgID"), status=f.text("Status", "")
    ),
}


def parse_message(fields: Mapping[str, Any]) -> Message:
    """Build the typed message for the parsed fields of one push.

    Raises :class:`ProtocolError` for a missing header field or a malformed value of a known
    type; unknown types and events come back as :class:`UnknownMessage` / :class:`UnknownEvent`.
    """
    f = _Fields(fields)
    msg_type = f.text("MsgType")
    if msg_type == "event":
        header = _event_header(f)
        event_builder = _EVENT_BUILDERS.get(header["event"].lower())
        return event_builder(f, header) if event_builder else UnknownEvent(**header)
    header = _user_header(f)
    builder = _MESSAGE_BUILDERS.get(msg_type)
    return builder(f, header) if builder else UnknownMessage(**header)
