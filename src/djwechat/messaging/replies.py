"""Passive replies (被动回复) a handler may return, and their customer-service equivalents.

A reply renders to the XML WeChat expects in the HTTP answer of a push; every string goes through
CDATA via :func:`djwechat._internal.xml.render_xml`, so user-supplied text cannot break the
document.  When the 5-second guard answers ``success`` first, the same reply is sent later
through the customer-service API (客服消息), using :meth:`Reply.custom_message`.

Sources: developers.weixin.qq.com/doc/offiaccount/Message_Management/Passive_user_reply_message.html
and doc/service/api/customer/message/api_sendcustommessage.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

from djwechat._internal.xml import render_xml

__all__ = [
    "Article",
    "ImageReply",
    "MusicReply",
    "NewsReply",
    "Reply",
    "TextReply",
    "TransferCustomerServiceReply",
    "VideoReply",
    "VoiceReply",
]

#: The most articles a news reply may carry (the passive-reply page: "不超过8").
MAX_ARTICLES = 8


@dataclass(frozen=True, slots=True)
class Reply(ABC):
    """Base of every passive reply: subclasses give their ``MsgType`` and body elements."""

    msg_type: ClassVar[str]

    @abstractmethod
    def body(self) -> dict[str, Any]:
        """The elements after the header (``ToUserName``, ``FromUserName``, ``CreateTime``, ``MsgType``)."""

    def custom_message(self) -> tuple[str, dict[str, Any]] | None:
        """``(msgtype, content)`` for the customer-service API, or ``None`` when it has no equivalent."""
        return None

    def render(self, *, to_user: str, from_user: str, create_time: int) -> str:
        """The reply XML: ``to_user`` is the user's openid, ``from_user`` the account's ``gh_`` id."""
        return render_xml(
            {
                "ToUserName": to_user,
                "FromUserName": from_user,
                "CreateTime": create_time,
                "MsgType": self.msg_type,
                **self.body(),
            }
        )


@dataclass(frozen=True, slots=True)
class TextReply(Reply):
    """A text reply (newlines allowed); a handler returning a ``str`` produces one of these."""

    msg_type: ClassVar[str] = "text"
    content: str

    def body(self) -> dict[str, Any]:
        """``Content``."""
        return {"Content": self.content}

    def custom_message(self) -> tuple[str, dict[str, Any]]:
        """A ``text`` customer-service message."""
        return "text", {"content": self.content}


@dataclass(frozen=True, slots=True)
class ImageReply(Reply):
    """An image, by the ``media_id`` of uploaded material."""

    msg_type: ClassVar[str] = "image"
    media_id: str

    def body(self) -> dict[str, Any]:
        """``<Image><MediaId/></Image>``."""
        return {"Image": {"MediaId": self.media_id}}

    def custom_message(self) -> tuple[str, dict[str, Any]]:
        """An ``image`` customer-service message."""
        return "image", {"media_id": self.media_id}


@dataclass(frozen=True, slots=True)
class VoiceReply(Reply):
    """A voice clip, by the ``media_id`` of uploaded material."""

    msg_type: ClassVar[str] = "voice"
    media_id: str

    def body(self) -> dict[str, Any]:
        """``<Voice><MediaId/></Voice>``."""
        return {"Voice": {"MediaId": self.media_id}}

    def custom_message(self) -> tuple[str, dict[str, Any]]:
        """A ``voice`` customer-service message."""
        return "voice", {"media_id": self.media_id}


@dataclass(frozen=True, slots=True)
class VideoReply(Reply):
    """A video, by ``media_id``; title and description are optional."""

    msg_type: ClassVar[str] = "video"
    media_id: str
    title: str = ""
    description: str = ""
    #: Only used by the customer-service form (the passive reply has no thumbnail).
    thumb_media_id: str = ""

    def body(self) -> dict[str, Any]:
        """``<Video><MediaId/><Title/><Description/></Video>``."""
        return {"Video": {"MediaId": self.media_id, "Title": self.title, "Description": self.description}}

    def custom_message(self) -> tuple[str, dict[str, Any]]:
        """A ``video`` customer-service message."""
        return "video", {
            "media_id": self.media_id,
            "thumb_media_id": self.thumb_media_id,
            "title": self.title,
            "description": self.description,
        }


@dataclass(frozen=True, slots=True)
class MusicReply(Reply):
    """A music card; ``thumb_media_id`` is required by the documentation."""

    msg_type: ClassVar[str] = "music"
    thumb_media_id: str
    title: str = ""
    description: str = ""
    music_url: str = ""
    hq_music_url: str = ""

    def body(self) -> dict[str, Any]:
        """``<Music>…</Music>``."""
        return {
            "Music": {
                "Title": self.title,
                "Description": self.description,
                "MusicUrl": self.music_url,
                "HQMusicUrl": self.hq_music_url,
                "ThumbMediaId": self.thumb_media_id,
            }
        }

    def custom_message(self) -> tuple[str, dict[str, Any]]:
        """A ``music`` customer-service message."""
        return "music", {
            "title": self.title,
            "description": self.description,
            "musicurl": self.music_url,
            "hqmusicurl": self.hq_music_url,
            "thumb_media_id": self.thumb_media_id,
        }


@dataclass(frozen=True, slots=True)
class Article:
    """One article of a :class:`NewsReply`."""

    title: str
    description: str = ""
    pic_url: str = ""
    url: str = ""


@dataclass(frozen=True, slots=True)
class NewsReply(Reply):
    """Articles (图文): 1 to :data:`MAX_ARTICLES`.

    WeChat currently shows only the first article when replying to a user's message; more are
    accepted for event replies.
    """

    msg_type: ClassVar[str] = "news"
    articles: Sequence[Article] = field(default=())

    def __post_init__(self) -> None:
        if not 1 <= len(self.articles) <= MAX_ARTICLES:
            raise ValueError(f"a news reply needs 1 to {MAX_ARTICLES} articles, not {len(self.articles)}")
        object.__setattr__(self, "articles", tuple(self.articles))

    def body(self) -> dict[str, Any]:
        """``ArticleCount`` and ``<Articles><item>…</item></Articles>``."""
        return {
            "ArticleCount": len(self.articles),
            "Articles": {
                "item": [
                    {"Title": a.title, "Description": a.description, "PicUrl": a.pic_url, "Url": a.url}
                    for a in self.articles
                ]
            },
        }

    def custom_message(self) -> tuple[str, dict[str, Any]]:
        """A ``news`` customer-service message."""
        return "news", {
            "articles": [
                {"title": a.title, "description": a.description, "url": a.url, "picurl": a.pic_url}
                for a in self.articles
            ]
        }


@dataclass(frozen=True, slots=True)
class TransferCustomerServiceReply(Reply):
    """Hand the conversation to the customer-service system (optionally to one ``kf_account``).

    It has no customer-service form: if the guard fires first, the transfer is dropped (and
    logged) - WeChat only accepts it as a passive reply.
    """

    msg_type: ClassVar[str] = "transfer_customer_service"
    kf_account: str | None = None

    def body(self) -> dict[str, Any]:
        """``<TransInfo><KfAccount/></TransInfo>`` when an account is named."""
        if self.kf_account:
            return {"TransInfo": {"KfAccount": self.kf_account}}
        return {}


def coerce_reply(value: object) -> Reply | None:
    """What a handler returned as a reply: ``str`` → :class:`TextReply`, ``None`` → no reply.

    Raises ``TypeError`` for anything else.
    """
    if value is None or isinstance(value, Reply):
        return value
    if isinstance(value, str):
        return TextReply(value)
    raise TypeError(f"a message handler must return str, Reply or None, not {type(value).__name__}")
