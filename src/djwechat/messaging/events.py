"""Typed, immutable events pushed to an Official Account (``MsgType=event``).

An ``Event`` this module does not model becomes :class:`UnknownEvent`, with every field in
``raw``.

Source: developers.weixin.qq.com/doc/offiaccount/Message_Management/Receiving_event_pushes.html
and .../Template_Message_Interface.html (``TEMPLATESENDJOBFINISH``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from djwechat.messaging.messages import Message

__all__ = [
    "ClickEvent",
    "Event",
    "LocationEvent",
    "ScanEvent",
    "SubscribeEvent",
    "TemplateSendJobFinishEvent",
    "UnknownEvent",
    "UnsubscribeEvent",
    "ViewEvent",
]

#: The ``EventKey`` prefix of a follow that came from a parametric QR code.
QR_SCENE_PREFIX = "qrscene_"


@dataclass(frozen=True, slots=True, kw_only=True)
class Event(Message):
    """An event push: ``Event`` names it, ``EventKey`` (when any) qualifies it."""

    #: ``Event`` exactly as pushed (``subscribe``, ``SCAN``, ``CLICK`` …).
    event: str
    #: ``EventKey``; ``""`` when absent.
    event_key: str = ""

    @property
    def dedupe_id(self) -> str:
        """Sender + ``CreateTime`` + event name: events carry no ``MsgId``."""
        return f"event:{self.from_user}:{self.create_time}:{self.event}"


@dataclass(frozen=True, slots=True, kw_only=True)
class SubscribeEvent(Event):
    """``subscribe``: a user followed the account, directly or by scanning a parametric QR code.

    A follow through a QR code carries ``EventKey=qrscene_<scene>`` and a ``Ticket``; ``scene``
    is then the scene value without the prefix, else ``None``.
    """

    event_name: ClassVar[str] = "subscribe"
    ticket: str | None = None

    @property
    def scene(self) -> str | None:
        """The QR scene (``EventKey`` without ``qrscene_``), or ``None`` for a plain follow."""
        if self.event_key.startswith(QR_SCENE_PREFIX):
            return self.event_key[len(QR_SCENE_PREFIX) :]
        return None


@dataclass(frozen=True, slots=True, kw_only=True)
class UnsubscribeEvent(Event):
    """``unsubscribe``: the platform asks accounts to delete the user's data."""

    event_name: ClassVar[str] = "unsubscribe"


@dataclass(frozen=True, slots=True, kw_only=True)
class ScanEvent(Event):
    """``SCAN``: a user who already follows scanned a parametric QR code (no prefix on the key)."""

    event_name: ClassVar[str] = "SCAN"
    ticket: str | None = None

    @property
    def scene(self) -> str:
        """The QR scene (``EventKey``)."""
        return self.event_key


@dataclass(frozen=True, slots=True, kw_only=True)
class LocationEvent(Event):
    """``LOCATION``: a location reported on entering the conversation (if the user allowed it)."""

    event_name: ClassVar[str] = "LOCATION"
    latitude: float
    longitude: float
    precision: float


@dataclass(frozen=True, slots=True, kw_only=True)
class ClickEvent(Event):
    """``CLICK``: a custom-menu click; ``key`` is the menu item's key."""

    event_name: ClassVar[str] = "CLICK"

    @property
    def key(self) -> str:
        """The menu key (``EventKey``)."""
        return self.event_key


@dataclass(frozen=True, slots=True, kw_only=True)
class ViewEvent(Event):
    """``VIEW``: a menu link was opened; ``url`` is its target."""

    event_name: ClassVar[str] = "VIEW"
    #: ``MenuId``: the personalised-menu rule id, when any.
    menu_id: str | None = None

    @property
    def url(self) -> str:
        """The opened URL (``EventKey``)."""
        return self.event_key


@dataclass(frozen=True, slots=True, kw_only=True)
class TemplateSendJobFinishEvent(Event):
    """``TEMPLATESENDJOBFINISH``: the outcome of a template message send.

    Note the id element is ``MsgID`` (capital D) here, unlike ``MsgId`` on messages.
    """

    event_name: ClassVar[str] = "TEMPLATESENDJOBFINISH"
    msg_id: int | None = None
    #: ``success``, ``failed:user block`` or ``failed: system failed``.
    status: str = ""

    @property
    def succeeded(self) -> bool:
        """Whether the template message reached the user."""
        return self.status == "success"


@dataclass(frozen=True, slots=True, kw_only=True)
class UnknownEvent(Event):
    """An ``Event`` this version does not model: read what you need from ``raw``."""
