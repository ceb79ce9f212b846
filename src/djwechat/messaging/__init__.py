"""The Official Account (公众号) message server: typed messages, replies, a router, the server.

Public names::

    from djwechat.messaging import Router, TextReply, NewsReply, Article, TextMessage, ...

Nothing here reads settings or touches the database at import time.
"""

from djwechat.messaging.context import ConversationState, HandlerContext
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
from djwechat.messaging.parser import parse_message
from djwechat.messaging.replies import (
    Article,
    ImageReply,
    MusicReply,
    NewsReply,
    Reply,
    TextReply,
    TransferCustomerServiceReply,
    VideoReply,
    VoiceReply,
)
from djwechat.messaging.router import Router, quick

__all__ = [
    "Article",
    "ClickEvent",
    "ConversationState",
    "Event",
    "HandlerContext",
    "ImageMessage",
    "ImageReply",
    "LinkMessage",
    "LocationEvent",
    "LocationMessage",
    "Message",
    "MusicReply",
    "NewsReply",
    "Reply",
    "Router",
    "ScanEvent",
    "ShortVideoMessage",
    "SubscribeEvent",
    "TemplateSendJobFinishEvent",
    "TextMessage",
    "TextReply",
    "TransferCustomerServiceReply",
    "UnknownEvent",
    "UnknownMessage",
    "UnsubscribeEvent",
    "UserMessage",
    "VideoMessage",
    "VideoReply",
    "ViewEvent",
    "VoiceMessage",
    "VoiceReply",
    "parse_message",
    "quick",
]
