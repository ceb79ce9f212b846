"""Every message and event type parses from the official samples into its typed, immutable class."""

from __future__ import annotations

import dataclasses

import pytest

from djwechat._internal.xml import parse_xml
from djwechat.exceptions import ProtocolError
from djwechat.messaging import (
    ClickEvent,
    ImageMessage,
    LinkMessage,
    LocationEvent,
    LocationMessage,
    ScanEvent,
    ShortVideoMessage,
    SubscribeEvent,
    TemplateSendJobFinishEvent,
    TextMessage,
    UnknownEvent,
    UnknownMessage,
    UnsubscribeEvent,
    VideoMessage,
    ViewEvent,
    VoiceMessage,
    parse_message,
)

from .helpers import samples, vectors


def parse_vector(vector_id: str):
    return parse_message(parse_xml(vectors()[vector_id]["input"]["xml"], max_size=0))


def parse_sample(sample_id: str):
    return parse_message(parse_xml(samples()[sample_id]["xml"], max_size=0))


def test_text() -> None:
    message = parse_sample("xml_text")
    assert isinstance(message, TextMessage)
    assert (message.to_user, message.from_user, message.openid) == ("toUser", "fromUser", "fromUser")
    assert (message.create_time, message.msg_type, message.content) == (1348831860, "text", "this is a test")
    assert message.msg_id == 1234567890123456
    assert message.msg_data_id is None
    assert message.dedupe_id == "msg:1234567890123456"


def test_text_sent_from_an_article() -> None:
    message = parse_sample("xml_text_from_article")
    assert isinstance(message, TextMessage)
    assert (message.msg_data_id, message.idx) == ("xxxx", "xxxx")


def test_image() -> None:
    message = parse_vector("xml_image")
    assert isinstance(message, ImageMessage)
    assert (message.pic_url, message.media_id, message.msg_id) == (
        "this is a url",
        "media_id",
        1234567890123456,
    )


def test_voice_with_and_without_recognition() -> None:
    plain = parse_sample("xml_voice")
    assert isinstance(plain, VoiceMessage)
    assert (plain.media_id, plain.format, plain.recognition) == ("media_id", "Format", None)
    recognized = parse_sample("xml_voice_recognition")
    assert isinstance(recognized, VoiceMessage)
    assert recognized.recognition == "腾讯微信团队"


def test_video_and_shortvideo() -> None:
    video = parse_vector("xml_video")
    assert isinstance(video, VideoMessage)
    assert (video.media_id, video.thumb_media_id) == ("media_id", "thumb_media_id")
    short = parse_sample("xml_shortvideo")
    assert isinstance(short, ShortVideoMessage)
    assert (short.media_id, short.thumb_media_id) == ("media_id", "thumb_media_id")


def test_location() -> None:
    message = parse_vector("xml_location")
    assert isinstance(message, LocationMessage)
    assert (message.latitude, message.longitude, message.scale, message.label) == (
        23.134521,
        113.358803,
        20,
        "位置信息",
    )


def test_link() -> None:
    message = parse_vector("xml_link")
    assert isinstance(message, LinkMessage)
    assert (message.title, message.description, message.url) == (
        "公众平台官网链接",
        "公众平台官网链接",
        "url",
    )


def test_subscribe_plain_and_from_a_qr_code() -> None:
    plain = parse_vector("xml_event_subscribe")
    assert isinstance(plain, SubscribeEvent)
    assert (plain.event, plain.event_key, plain.scene, plain.ticket) == ("subscribe", "", None, None)
    assert plain.dedupe_id == "event:FromUser:123456789:subscribe"
    scanned = parse_vector("xml_event_subscribe_qrscene")
    assert isinstance(scanned, SubscribeEvent)
    expected = vectors()["xml_event_subscribe_qrscene"]["expected"]["fields"]
    assert scanned.scene == expected["_scene_id"] == "123123"
    assert (scanned.event_key, scanned.ticket) == ("qrscene_123123", "TICKET")


def test_unsubscribe() -> None:
    assert isinstance(parse_vector("xml_event_unsubscribe"), UnsubscribeEvent)


def test_scan() -> None:
    message = parse_vector("xml_event_scan")
    assert isinstance(message, ScanEvent)
    assert (message.scene, message.ticket) == ("SCENE_VALUE", "TICKET")


def test_location_event() -> None:
    message = parse_vector("xml_event_location")
    assert isinstance(message, LocationEvent)
    assert (message.latitude, message.longitude, message.precision) == (23.137466, 113.352425, 119.38504)


def test_click_and_view() -> None:
    click = parse_vector("xml_event_click")
    assert isinstance(click, ClickEvent)
    assert click.key == "EVENTKEY"
    view = parse_vector("xml_event_view")
    assert isinstance(view, ViewEvent)
    assert (view.url, view.menu_id) == ("www.qq.com", "MENUID")


def test_template_send_job_finish() -> None:
    message = parse_vector("xml_event_templatesendjobfinish")
    assert isinstance(message, TemplateSendJobFinishEvent)
    assert (message.msg_id, message.status, message.succeeded) == (200163836, "success", True)


def test_every_official_xml_vector_has_a_typed_class() -> None:
    for vector_id in vectors():
        if vector_id.startswith("xml_"):
            message = parse_vector(vector_id)
            assert not isinstance(message, UnknownMessage | UnknownEvent), vector_id


def test_unknown_event_keeps_every_field() -> None:
    # The event of the official safe-mode example: not a type this package models.
    plaintext = vectors()["msgcrypt_doc_xml_tpp_decrypt"]["expected"]["plaintext"]
    message = parse_message(parse_xml(plaintext, max_size=0))
    assert isinstance(message, UnknownEvent)
    assert message.event == "debug_demo"
    assert message.raw["debug_str"] == "hello world"


def test_unknown_message_type_keeps_nested_fields() -> None:
    xml = (
        "<xml><ToUserName>gh</ToUserName><FromUserName>u</FromUserName><CreateTime>1</CreateTime>"
        "<MsgType>hologram</MsgType><Info><Depth>3</Depth></Info><MsgId>7</MsgId></xml>"
    )
    message = parse_message(parse_xml(xml, max_size=0))
    assert isinstance(message, UnknownMessage)
    assert (message.msg_type, message.msg_id, message.raw["Info"]) == ("hologram", 7, {"Depth": "3"})


def test_messages_are_immutable() -> None:
    message = parse_sample("xml_text")
    with pytest.raises(dataclasses.FrozenInstanceError):
        message.content = "changed"  # type: ignore[misc]
    with pytest.raises(TypeError):
        message.raw["Content"] = "changed"  # type: ignore[index]
    assert hash(message) == hash(parse_sample("xml_text"))


def test_event_names_match_case_insensitively() -> None:
    xml = vectors()["xml_event_click"]["input"]["xml"].replace("CLICK", "click")
    assert isinstance(parse_message(parse_xml(xml, max_size=0)), ClickEvent)


HEADER = "<ToUserName>gh</ToUserName><FromUserName>u</FromUserName>"


@pytest.mark.parametrize(
    "body",
    [
        "<FromUserName>u</FromUserName><CreateTime>1</CreateTime><MsgType>text</MsgType>",
        f"{HEADER}<CreateTime>1</CreateTime>",
        f"{HEADER}<MsgType>text</MsgType>",
        f"{HEADER}<CreateTime>soon</CreateTime><MsgType>text</MsgType>",
        f"{HEADER}<CreateTime>1</CreateTime><MsgType>text</MsgType><MsgId>x1</MsgId>",
        f"{HEADER}<CreateTime>1</CreateTime><MsgType><a>nested</a></MsgType>",
        f"{HEADER}<CreateTime>1</CreateTime><MsgType>location</MsgType><Location_X>north</Location_X>"
        "<Location_Y>1</Location_Y>",
        f"{HEADER}<CreateTime>1</CreateTime><MsgType>location</MsgType><Location_X>nan</Location_X>"
        "<Location_Y>1</Location_Y>",
        f"{HEADER}<CreateTime>1</CreateTime><MsgType>event</MsgType>",
        f"{HEADER}<CreateTime>1</CreateTime><MsgType>text</MsgType><Content><b>x</b></Content>",
    ],
    ids=[
        "no-to",
        "no-type",
        "no-time",
        "bad-time",
        "bad-msgid",
        "nested-type",
        "bad-float",
        "nan",
        "event-without-name",
        "nested-content",
    ],
)
def test_malformed_pushes_are_protocol_errors(body: str) -> None:
    with pytest.raises(ProtocolError):
        parse_message(parse_xml(f"<xml>{body}</xml>", max_size=0))
