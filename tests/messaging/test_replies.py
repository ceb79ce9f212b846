"""Passive replies render to the documented XML, no content can break out of CDATA."""

from __future__ import annotations

import pytest

from djwechat._internal.xml import parse_xml
from djwechat.messaging import (
    Article,
    ImageReply,
    MusicReply,
    NewsReply,
    TextReply,
    TransferCustomerServiceReply,
    VideoReply,
    VoiceReply,
)
from djwechat.messaging.replies import MAX_ARTICLES, coerce_reply


def render(reply) -> dict:
    return parse_xml(
        reply.render(to_user="o-user", from_user="gh_account", create_time=1700000000), max_size=0
    )


def test_text_header_and_content() -> None:
    fields = render(TextReply("hello\nworld"))
    assert fields == {
        "ToUserName": "o-user",
        "FromUserName": "gh_account",
        "CreateTime": "1700000000",
        "MsgType": "text",
        "Content": "hello\nworld",
    }


@pytest.mark.parametrize(
    "content",
    [
        "]]></Content><MsgType><![CDATA[image]]></MsgType><Content><![CDATA[x",
        "]]>]]>",
        "<![CDATA[",
        "\x00]]>",
    ],
)
def test_hostile_text_stays_inside_its_element(content: str) -> None:
    fields = render(TextReply(content))
    assert fields["MsgType"] == "text"
    assert fields["Content"] == content.replace("\x00", "")
    assert set(fields) == {"ToUserName", "FromUserName", "CreateTime", "MsgType", "Content"}


def test_media_replies() -> None:
    assert render(ImageReply("m1"))["Image"] == {"MediaId": "m1"}
    assert render(VoiceReply("m2"))["Voice"] == {"MediaId": "m2"}
    assert render(VideoReply("m3", title="T", description="D"))["Video"] == {
        "MediaId": "m3",
        "Title": "T",
        "Description": "D",
    }
    assert render(MusicReply("thumb", title="T", music_url="u", hq_music_url="hq"))["Music"] == {
        "Title": "T",
        "Description": "",
        "MusicUrl": "u",
        "HQMusicUrl": "hq",
        "ThumbMediaId": "thumb",
    }


def test_news_with_several_articles() -> None:
    reply = NewsReply([Article("a ]]> <", "d", "p", "u"), Article("b")])
    fields = render(reply)
    assert fields["MsgType"] == "news"
    assert fields["ArticleCount"] == "2"
    assert fields["Articles"]["item"] == [
        {"Title": "a ]]> <", "Description": "d", "PicUrl": "p", "Url": "u"},
        {"Title": "b", "Description": "", "PicUrl": "", "Url": ""},
    ]
    assert isinstance(reply.articles, tuple)


@pytest.mark.parametrize("count", [0, MAX_ARTICLES + 1])
def test_news_article_count_is_bounded(count: int) -> None:
    with pytest.raises(ValueError, match="articles"):
        NewsReply([Article(str(i)) for i in range(count)])


def test_transfer_to_customer_service() -> None:
    assert render(TransferCustomerServiceReply())["MsgType"] == "transfer_customer_service"
    assert "TransInfo" not in render(TransferCustomerServiceReply())
    assert render(TransferCustomerServiceReply("kf@test"))["TransInfo"] == {"KfAccount": "kf@test"}


def test_customer_service_forms() -> None:
    assert TextReply("hi").custom_message() == ("text", {"content": "hi"})
    assert ImageReply("m").custom_message() == ("image", {"media_id": "m"})
    assert VoiceReply("m").custom_message() == ("voice", {"media_id": "m"})
    assert VideoReply("m", thumb_media_id="t").custom_message() == (
        "video",
        {"media_id": "m", "thumb_media_id": "t", "title": "", "description": ""},
    )
    assert MusicReply("t", music_url="u").custom_message()[1]["musicurl"] == "u"
    assert NewsReply([Article("a", url="u", pic_url="p")]).custom_message() == (
        "news",
        {"articles": [{"title": "a", "description": "", "url": "u", "picurl": "p"}]},
    )
    assert TransferCustomerServiceReply().custom_message() is None


def test_handler_results_become_replies() -> None:
    assert coerce_reply("hi") == TextReply("hi")
    assert coerce_reply(None) is None
    reply = ImageReply("m")
    assert coerce_reply(reply) is reply
    with pytest.raises(TypeError):
        coerce_reply(42)
