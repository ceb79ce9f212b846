"""The XML parser under any input: a dict of fields or an XMLError (forbidden constructs and
oversized bodies included), never another exception; rendered fields parse back unchanged."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from djwechat._internal.xml import parse_xml, render_xml
from djwechat.exceptions import XMLError
from tests.properties.conftest import PROPERTIES

MAX = 64 * 1024

#: Characters XML 1.0 can carry (no C0 controls but tab and newline; "\r" is normalised by parsers).
xml_chars = st.characters(
    exclude_categories=("Cs",),
    exclude_characters="\r\ufffe\uffff",
    min_codepoint=0x20,
) | st.sampled_from(["\t", "\n"])
tags = st.from_regex(r"\A[A-Za-z][A-Za-z0-9_]{0,15}\Z")
values = st.recursive(
    st.text(xml_chars, max_size=60),
    lambda children: st.dictionaries(tags, children, min_size=1, max_size=4),
    max_leaves=8,
)
fragments = st.sampled_from(
    ["<xml>", "</xml>", "<a>", "</a>", "<![CDATA[", "]]>", "<!DOCTYPE x [", "<!ENTITY e 'x'>", "&e;",
     "&amp;", "&#0;", "&#x1F600;", "<?xml version='1.0' encoding='utf-16'?>", "<?xml version='1.0'?>",
     "\x00", "\xff", "<!--", "-->", "<b x='1'/>", "]>", "SYSTEM 'file:///etc/passwd'"]
)  # fmt: skip


def _parse(body: bytes | str) -> dict[str, Any] | None:
    try:
        result = parse_xml(body, max_size=MAX)
    except XMLError:  # XMLForbiddenError and BodyTooLargeError are ones
        return None
    assert isinstance(result, dict)
    return result


@PROPERTIES
@given(body=st.binary(max_size=2000))
def test_any_bytes(body: bytes) -> None:
    _parse(body)


@PROPERTIES
@given(parts=st.lists(fragments | st.text(max_size=20), max_size=30))
def test_any_mix_of_markup(parts: list[str]) -> None:
    _parse("".join(parts))


@PROPERTIES
@given(fields=st.dictionaries(tags, values, min_size=1, max_size=6))
def test_rendered_fields_parse_back(fields: dict[str, Any]) -> None:
    assert parse_xml(render_xml(fields), max_size=MAX) == fields
