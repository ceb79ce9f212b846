"""Safe XML in and out for the Official Account message server.

Parsing refuses DTDs, entity declarations and external references (XXE, "billion laughs") before
any entity could be expanded - the handlers ``defusedxml`` installs, set on the expat parser
directly - bounds the body size and the nesting depth, and builds the plain dicts as it reads
(no element tree in between).  Rendering wraps every string in CDATA so that no text (not even
one containing ``]]>``) can break out of its element.

WeChat's own advice on push parsing: disable DTDs and entities (XXE) -
developers.weixin.qq.com/doc/oplatform/developers/dev/push/encryption.md.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Mapping
from typing import Any, Final, NoReturn
from xml.parsers import expat

from djwechat.exceptions import BodyTooLargeError, XMLError, XMLForbiddenError

__all__ = ["MAX_DEPTH", "cdata", "parse_xml", "render_xml"]

#: Deepest element nesting accepted below the root (WeChat pushes nest at most three levels).
MAX_DEPTH: Final = 16

# XML 1.0 forbids these characters anywhere, CDATA included; a reply containing one would be
# rejected by WeChat as malformed, so they are dropped when rendering.
_ILLEGAL_XML_CHARS: Final = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_TAG_RE: Final = re.compile(r"\A[A-Za-z_][A-Za-z0-9_.-]*\Z")
#: The ``encoding`` of an XML declaration (which may only follow a byte-order mark).
_DECLARED_ENCODING: Final = re.compile(
    rb"\A(?:\xef\xbb\xbf)?<\?xml\s[^>]*?\bencoding\s*=\s*([\"'])(.*?)\1", re.DOTALL
)


def parse_xml(body: bytes | str, *, max_size: int) -> dict[str, Any]:
    """Parse an XML document into a dict of the root element's children.

    A leaf element becomes its text (``""`` when empty, whitespace kept as is), an element with
    children becomes a dict of them, and a tag that repeats becomes a list.  Attributes are
    ignored.

    Raises :class:`BodyTooLargeError` when ``body`` is longer than ``max_size`` bytes (0 means no
    limit), :class:`XMLForbiddenError` for a DTD, an entity or an external reference, and
    :class:`XMLError` for anything malformed (including invalid UTF-8, a declared encoding
    other than UTF-8 and nesting deeper than :data:`MAX_DEPTH`).
    """
    data = body.encode() if isinstance(body, str) else body
    if max_size and len(data) > max_size:
        raise BodyTooLargeError(limit=max_size)
    if not data.strip():
        raise XMLError("The XML document is empty.")
    _check_declared_encoding(data)
    builder = _Builder()
    # "}" as namespace separator, as ElementTree's parser: a namespaced tag reads "{uri}name",
    # an unbound prefix is malformed.
    parser = expat.ParserCreate(None, "}")
    # defusedxml's defences (forbid_dtd, forbid_entities, forbid_external): the DOCTYPE is
    # refused as it opens, before any entity in it is declared, let alone expanded.
    parser.StartDoctypeDeclHandler = _forbid
    parser.EntityDeclHandler = _forbid
    parser.UnparsedEntityDeclHandler = _forbid
    parser.ExternalEntityRefHandler = _forbid
    parser.buffer_text = True
    parser.StartElementHandler = builder.start
    parser.EndElementHandler = builder.end
    parser.CharacterDataHandler = builder.text
    try:
        parser.Parse(data, True)
    except _ForbiddenError as exc:
        raise XMLForbiddenError() from exc
    except (expat.ExpatError, ValueError, LookupError) as exc:
        # LookupError: an encoding Python does not know, or a codec that is not a text encoding.
        raise XMLError() from exc
    return builder.fields


def _check_declared_encoding(data: bytes) -> None:
    """Refuse a document that declares an encoding other than UTF-8.

    WeChat sends UTF-8 (and signs the bytes, or the ciphertext around them); a declared
    ``encoding`` would make the parser read other text out of them, or fail in the codec
    machinery on a name it does not know.
    """
    declared = _DECLARED_ENCODING.match(data)
    if declared is None:
        return
    try:
        name = codecs.lookup(declared.group(2).decode("ascii")).name
    except (LookupError, ValueError):  # UnicodeDecodeError is a ValueError
        name = ""
    if name != "utf-8":
        raise XMLError("The XML document must be UTF-8.")


class _ForbiddenError(Exception):
    """A DTD, an entity declaration or an external reference: raised out of the parser."""


def _forbid(*_: object) -> NoReturn:
    raise _ForbiddenError


class _Builder:
    """Expat's element and text events turned into the dicts :func:`parse_xml` returns.

    The stack holds, per open element, its tag, its text so far and the dict of its children
    (``None`` until it has one).  A leaf's value is its text, an element with children a dict
    of them (its own text between them is dropped), a repeated tag a list.  The root's dict is
    :attr:`fields` (``{}`` for a root without children).
    """

    __slots__ = ("_stack", "fields")

    def __init__(self) -> None:
        self.fields: dict[str, Any] = {}
        self._stack: list[list[Any]] = []

    def start(self, tag: str, _attributes: object) -> None:
        stack = self._stack
        if stack:
            parent = stack[-1]
            if parent[2] is None:
                # Its first child: the parent is not a leaf (depth counts the root as 1).
                if len(stack) > MAX_DEPTH:
                    raise XMLError("The XML document is nested too deeply.")
                parent[2] = {}
        stack.append(["{" + tag if "}" in tag else tag, "", None])

    def text(self, data: str) -> None:
        self._stack[-1][1] += data

    def end(self, _tag: str) -> None:
        tag, text, children = self._stack.pop()
        if not self._stack:
            self.fields = children or {}
            return
        value = text if children is None else children
        siblings = self._stack[-1][2]
        if tag in siblings:
            existing = siblings[tag]
            if isinstance(existing, list):
                existing.append(value)
            else:
                siblings[tag] = [existing, value]
        else:
            siblings[tag] = value


def render_xml(fields: Mapping[str, Any], *, root: str = "xml") -> str:
    """Render ``fields`` as ``<root>…</root>``.

    ``str`` values are wrapped in CDATA (a ``]]>`` inside is split across two sections, characters
    XML forbids are dropped), ``int``/``float`` values are written bare, a mapping becomes nested
    elements and a list or tuple repeats its tag once per item.  ``None`` values are skipped.

    Raises ``ValueError`` for a tag that is not a plain XML name and ``TypeError`` for a value of
    another type: both are programming errors, never caused by user input.
    """
    parts: list[str] = []
    _render_element(parts, root, fields)
    return "".join(parts)


def _render_element(parts: list[str], tag: str, value: Any) -> None:
    if not _TAG_RE.match(tag):
        raise ValueError(f"{tag!r} is not a valid XML tag")
    if value is None:
        return
    if isinstance(value, list | tuple):
        for item in value:
            _render_element(parts, tag, item)
        return
    parts.append(f"<{tag}>")
    if isinstance(value, str):
        parts.append(cdata(value))
    elif isinstance(value, bool):
        raise TypeError(f"{tag}: booleans have no XML form in WeChat messages")
    elif isinstance(value, int | float):
        parts.append(str(value))
    elif isinstance(value, Mapping):
        for key, child in value.items():
            _render_element(parts, key, child)
    else:
        raise TypeError(f"{tag}: cannot render a {type(value).__name__} as XML")
    parts.append(f"</{tag}>")


def cdata(text: str) -> str:
    """``text`` as one or more CDATA sections that parse back to exactly ``text``.

    ``]]>`` would end the section early, so it is split as ``]]`` + ``>`` across two sections.
    """
    clean = _ILLEGAL_XML_CHARS.sub("", text)
    return "<![CDATA[" + clean.replace("]]>", "]]]]><![CDATA[>") + "]]>"
