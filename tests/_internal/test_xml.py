"""Safe XML parsing and CDATA-safe rendering."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from djwechat._internal.xml import MAX_DEPTH, cdata, parse_xml, render_xml
from djwechat.exceptions import BodyTooLargeError, XMLError, XMLForbiddenError

VECTORS = json.loads(
    (Path(__file__).resolve().parent.parent / "fixtures" / "wechat_vectors.json").read_text(encoding="utf-8")
)["vectors"]
XML_VECTORS = [v for v in VECTORS if v["kind"] == "xml_parse"]

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<xml><Content>&lol9;</Content></xml>"""

XXE_FILE = b"""<?xml version="1.0"?>
<!DOCTYPE xml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<xml><Content>&xxe;</Content></xml>"""

XXE_PARAMETER = b"""<?xml version="1.0"?>
<!DOCTYPE xml [<!ENTITY % remote SYSTEM "http://127.0.0.1:9/evil.dtd"> %remote;]>
<xml><Content>x</Content></xml>"""

EXTERNAL_DTD = b"""<?xml version="1.0"?>
<!DOCTYPE xml SYSTEM "http://127.0.0.1:9/evil.dtd">
<xml><Content>x</Content></xml>"""


@pytest.mark.parametrize("vector", XML_VECTORS, ids=[v["id"] for v in XML_VECTORS])
def test_official_samples_parse_to_their_fields(vector: dict) -> None:
    fields = parse_xml(vector["input"]["xml"], max_size=64 * 1024)
    for name, value in vector["expected"]["fields"].items():
        if not name.startswith("_"):
            assert fields[name] == value


def test_nested_repeated_and_empty_elements() -> None:
    fields = parse_xml(
        b"<xml><A>1</A><Info><Type>x</Type></Info><L><item><T>a</T></item><item><T>b</T></item></L><E/></xml>",
        max_size=0,
    )
    assert fields == {
        "A": "1",
        "Info": {"Type": "x"},
        "L": {"item": [{"T": "a"}, {"T": "b"}]},
        "E": "",
    }


def test_text_is_kept_exactly() -> None:
    fields = parse_xml("<xml><Content><![CDATA[  two\nlines  ]]></Content></xml>", max_size=0)
    assert fields["Content"] == "  two\nlines  "


@pytest.mark.parametrize(
    "body", [BILLION_LAUGHS, XXE_FILE, XXE_PARAMETER, EXTERNAL_DTD], ids=["laughs", "xxe", "param", "dtd"]
)
def test_dtds_and_entities_are_refused(body: bytes) -> None:
    with pytest.raises(XMLForbiddenError):
        parse_xml(body, max_size=64 * 1024)


def test_forbidden_xml_is_a_400_xml_error() -> None:
    assert issubclass(XMLForbiddenError, XMLError)
    assert XMLForbiddenError.status_code == 400


def test_body_size_limit() -> None:
    body = b"<xml><Content>" + b"a" * 2000 + b"</Content></xml>"
    with pytest.raises(BodyTooLargeError):
        parse_xml(body, max_size=1000)
    assert parse_xml(body, max_size=len(body))["Content"] == "a" * 2000


@pytest.mark.parametrize(
    "body",
    [b"", b"   ", b"<xml>", b"<xml><a></b></xml>", b"not xml", b"<xml><A>\xff\xfe</A></xml>", b"<a/><b/>"],
    ids=["empty", "blank", "unclosed", "mismatched", "text", "not-utf8", "two-roots"],
)
def test_malformed_xml(body: bytes) -> None:
    with pytest.raises(XMLError) as info:
        parse_xml(body, max_size=1000)
    assert not isinstance(info.value, XMLForbiddenError)


def test_deep_nesting_is_refused() -> None:
    depth = MAX_DEPTH + 5
    body = "<xml>" + "<a>" * depth + "x" + "</a>" * depth + "</xml>"
    with pytest.raises(XMLError):
        parse_xml(body, max_size=0)
    very_deep = "<xml>" + "<a>" * 50000 + "</a>" * 50000 + "</xml>"
    with pytest.raises(XMLError):
        parse_xml(very_deep, max_size=0)


HOSTILE = [
    "]]>",
    "a]]>b]]>c",
    "]]]]>>",
    "<![CDATA[inner]]>",
    "</Content><MsgType>evil</MsgType><Content>",
    "&lt; & < > ' \"",
    "中文 emoji 🎉",
    "",
    "]",
    "]]",
    "x]]",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_rendered_text_always_parses_back_exactly(text: str) -> None:
    rendered = render_xml({"Content": text, "MsgType": "text"})
    assert parse_xml(rendered, max_size=0) == {"Content": text, "MsgType": "text"}


def test_characters_xml_forbids_are_dropped() -> None:
    rendered = render_xml({"Content": "a\x00b\x08c\x1fd\ttab\nnl"})
    assert parse_xml(rendered, max_size=0) == {"Content": "abcd\ttab\nnl"}


def test_render_numbers_nesting_lists_and_none() -> None:
    rendered = render_xml(
        {"CreateTime": 12, "Score": 1.5, "Skip": None, "Articles": {"item": [{"Title": "a"}, {"Title": "b"}]}}
    )
    assert rendered == (
        "<xml><CreateTime>12</CreateTime><Score>1.5</Score><Articles>"
        "<item><Title><![CDATA[a]]></Title></item><item><Title><![CDATA[b]]></Title></item>"
        "</Articles></xml>"
    )


def test_render_refuses_bad_tags_and_types() -> None:
    with pytest.raises(ValueError, match="valid XML tag"):
        render_xml({"a b": "x"})
    with pytest.raises(ValueError, match="valid XML tag"):
        render_xml({"<x>": "x"})
    with pytest.raises(TypeError):
        render_xml({"Flag": True})
    with pytest.raises(TypeError):
        render_xml({"Obj": object()})


def test_cdata_splits_the_terminator() -> None:
    assert cdata("a]]>b") == "<![CDATA[a]]]]><![CDATA[>b]]>"


@pytest.mark.parametrize(
    "encoding", ["x-evil", "rot13", "base64", "utf-7", "utf-16", "latin-1", "unicode_escape", "\u00e9", ""]
)
def test_a_declared_encoding_other_than_utf8_is_invalid_xml(encoding: str) -> None:
    body = f'<?xml version="1.0" encoding="{encoding}"?><xml><a>x</a></xml>'.encode()
    with pytest.raises(XMLError):
        parse_xml(body, max_size=0)


@pytest.mark.parametrize("encoding", ["UTF-8", "utf-8", "utf8", "Utf_8"])
def test_utf8_may_be_declared(encoding: str) -> None:
    body = f"\ufeff<?xml version='1.0' encoding='{encoding}'?><xml><a>x</a></xml>".encode()
    assert parse_xml(body, max_size=0) == {"a": "x"}
