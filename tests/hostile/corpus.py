"""Fixed hostile inputs: bodies, path parameters and Authorization headers."""

from __future__ import annotations

import base64
import json
from typing import Any, Final


def _json(value: Any) -> bytes:
    return json.dumps(value).encode("utf-8")


#: Every field name some endpoint reads, so wrong types reach every parser.
FIELDS: Final = (
    "code",
    "encrypted_data",
    "iv",
    "raw_data",
    "signature",
    "username",
    "email",
    "password",
    "refresh",
    "all",
    "poll_secret",
    "login_code",
)

#: Values of the wrong type (or the right type gone wrong) for any field.
WRONG_VALUES: Final[tuple[Any, ...]] = (
    None,
    True,
    0,
    -1,
    2**64,
    1.5,
    [],
    ["a"],
    {},
    {"$ne": ""},
    "",
    " ",
    "\u0000",
    "a\u0000b",
    "\ud800",  # a lone surrogate: valid JSON escape, not encodable as UTF-8
    "abc\n",  # "^…$" would let the newline through
    "x" * 70_000,
    "小程序",
    "' OR '1'='1",
    "../../etc/passwd",
)

_B64_16: Final = base64.b64encode(b"0" * 16).decode()

#: JSON bodies: wrong shapes, wrong types, huge and deep values.
JSON_BODIES: Final[tuple[bytes, ...]] = (
    b"",
    b"{}",
    b"null",
    b"[]",
    b"[{}]",
    b"1",
    b"-0",
    b"1e999999",
    b"NaN",
    b'"a string"',
    b"true",
    b"{",
    b"{'code': 'x'}",
    b'{"code": "x",}',
    b'{"code": "x"} trailing',
    b"\xef\xbb\xbf{}",  # a UTF-8 byte-order mark
    b"\xff\xfe{\x00}\x00",  # UTF-16
    b'{"code": "\xff\xfe"}',  # invalid UTF-8 inside a string
    b'{"code": "a\x00b"}',  # a raw NUL byte (not allowed unescaped in JSON)
    b"\x00" * 64,
    b"[" * 100_000 + b"]" * 100_000,
    b'{"a":' * 50_000 + b"1" + b"}" * 50_000,
    _json({"nested": [[[[[[[[[[[[[[[[[[[[{}]]]]]]]]]]]]]]]]]]]]}),
    _json({"huge": "x" * 3_000_000}),  # over Django's DATA_UPLOAD_MAX_MEMORY_SIZE
    _json({f"k{i}": i for i in range(20_000)}),
    *(_json({field: value}) for field in FIELDS for value in WRONG_VALUES),
    _json({"username": "alice", "password": "x", "email": ["a"]}),
    _json({"code": "abc", "encrypted_data": "!!!not base64!!!", "iv": _B64_16}),
    _json({"code": "abc", "encrypted_data": _B64_16, "iv": "AAAA"}),
    _json({"code": "abc", "encrypted_data": _B64_16}),
    _json({"code": "abc", "raw_data": "{}", "signature": "0" * 40}),
    _json({"code": "abc", "raw_data": "[1]", "signature": "zz"}),
    _json({"encrypted_data": _B64_16, "iv": _B64_16}),
    _json({"refresh": "a.b.c"}),
    _json({"refresh": "eyJhbGciOiJub25lIn0.eyJ0eXAiOiJyZWZyZXNoIn0."}),
)

#: Bodies sent under every content type and method.
SMALL_BODIES: Final[tuple[bytes, ...]] = (
    b"",
    b'{"code": "abc", "all": true}',
    b"code=abc&username=alice&password=x&all=1",
    b'--BoUnDaRy\r\nContent-Disposition: form-data; name="code"\r\n\r\nabc\r\n--BoUnDaRy--\r\n',
    b"<xml><code><![CDATA[abc]]></code></xml>",
    b'<?xml version="1.0" encoding="x-evil"?><xml><code>abc</code></xml>',
    b'<?xml version="1.0" encoding="base64"?><xml/>',
    b"\xff\xfe\x00garbage",
)

#: Path parameter values (percent-encoded into the path by the sweep).
ODD_PARAMS: Final[tuple[str, ...]] = (
    "nope",
    "MP",
    " mp",
    "mp ",
    "mp\u0000",
    "\u0000",
    "..",
    "%2e%2e",
    "小程序",
    "\u202emp",
    "<script>alert(1)</script>",
    "' OR '1'='1",
    "a" * 5_000,
    "\x7f\x01\x1b",
)

#: Authorization headers no endpoint may answer with a 5xx or accept.
GARBAGE_TOKENS: Final[tuple[str, ...]] = (
    "",
    " ",
    "x",
    "a.b.c",
    "...",
    "eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0.",
    "eyJhbGciOiJIUzI1NiJ9.e30.AAAA",
    "eyJhbGciOiJIUzI1NiJ9.!!!!.AAAA",
    "Zm9v.YmFy.YmF6",
    "\u00e9\u00e8",
    "x" * 5_000,
    "x" * 100_000,
    "a b",
    "a\tb",
)
