"""Typed, immutable messages that users send to an Official Account (公众号).

Every class is a frozen dataclass built by :func:`djwechat.messaging.parser.parse_message`; all
of them keep the complete pushed fields in ``raw`` (read-only), so a field this module does not
model is never lost.  A ``MsgType`` this module does not know becomes :class:`UnknownMessage`.

Source: developers.weixin.qq.com/doc/offiaccount/Message_Management/Receiving_standard_messages.html
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, ClassVar

__all__ = [
    "ImageMessage",
    "LinkMessage",
    "LocationMessage",
    "Message",
    "ShortVideoMessage",
    "TextMessage",
    "UnknownMessage",
    "UserMessage",
    "VideoMessage",
    "VoiceMessage",
]


def _empty_raw() -> Mapping[str, Any]:
    return MappingProxyType({})


@dataclass(frozen=True, slots=True, kw_only=True)
class Message:
    """What every push has in common: the header fields and the raw field mapping."""

    #: ``ToUserName``: the Official Account's original id (``gh_…``).
    to_user: str
    #: ``FromUserName``: the sender's openid for this Official Account.
    from_user: str
    #: ``CreateTime``: Unix seconds.
    create_time: int
    #: ``MsgType`` as pushed (``text``, ``image``, ``event`` …).
    msg_type: str
    #: Every pushed field, exactly as parsed (read-only).
    raw: Mapping[str, Any] = field(default_factory=_empty_raw, compare=False, repr=False)

    @property
    def openid(self) -> str:
        """The sender's openid (``FromUserName``)."""
        return self.from_user

    @property
    def dedupe_id(self) -> str:
        """What identifies this push across WeChat's retries.

        Messages are identified by ``MsgId``; events by sender, ``CreateTime`` and event name
        (see "消息排重" on the receiving-messages page).
        """
        return f"{self.from_user}:{self.create_time}:{self.msg_type}"


@dataclass(frozen=True, slots=True, kw_only=True)
class UserMessage(Message):
    """A normal (non-event) message: it carries a 64-bit ``MsgId``."""

    #: ``MsgId``; ``None`` only when the push omitted it.
    msg_id: int | None = None
    #: ``MsgDataId``/``Idx``: set when the message was sent from an article.
    msg_data_id: str | None = None
    idx: str | None = None

    @property
    def dedupe_id(self) -> str:
        """``MsgId`` when present (how WeChat asks to dedupe messages)."""
        if self.msg_id is not None:
            return f"msg:{self.msg_id}"
        return f"{self.from_user}:{self.create_time}:{self.msg_type}"


@dataclass(frozen=True, slots=True, kw_only=True)
class TextMessage(UserMessage):
    """``MsgType=text``."""

    msg_type_name: ClassVar[str] = "text"
    content: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ImageMessage(UserMessage):
    """``MsgType=image``."""

    msg_type_name: ClassVar[str] = "image"
    pic_url: str
    media_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class VoiceMessage(UserMessage):
    """``MsgType=voice``; ``recognition`` is set when speech recognition is turned on."""

    msg_type_name: ClassVar[str] = "voice"
    media_id: str
    #: ``amr``, ``speex`` …
    format: str
    recognition: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class VideoMessage(UserMessage):
    """``MsgType=video``."""

    msg_type_name: ClassVar[str] = "video"
    media_id: str
    thumb_media_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ShortVideoMessage(UserMessage):
    """``MsgType=shortvideo``."""

    msg_type_name: ClassVar[str] = "shortvideo"
    media_id: str
    thumb_media_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class LocationMessage(UserMessage):
    """``MsgType=location``: a location the user chose to send."""

    msg_type_name: ClassVar[str] = "location"
    #: ``Location_X``.
    latitude: float
    #: ``Location_Y``.
    longitude: float
    #: ``Scale``: the map zoom level.
    scale: int
    label: str


@dataclass(frozen=True, slots=True, kw_only=True)
class LinkMessage(UserMessage):
    """``MsgType=link``."""

    msg_type_name: ClassVar[str] = "link"
    title: str
    description: str
    url: str


@dataclass(frozen=True, slots=True, kw_only=True)
class UnknownMessage(UserMessage):
    """A ``MsgType`` this version does not model: read what you need from ``raw``."""
