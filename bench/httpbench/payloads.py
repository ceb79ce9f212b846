"""Request files for ``feed.lua``: distinct pushes, and credentialed GETs.

Every push is a message WeChat could have sent and nobody has sent before: its own MsgId, nonce,
timestamp signature and text, and in safe mode its own encrypted body and ``msg_signature``.
Pushes are generated just before the contender's run, so their timestamps are fresh.
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

from bench.httpbench.contenders import Contender
from bench.httpbench.fixtures import Credentials
from bench.site.settings import OA_AES_KEY, OA_SAFE_APP_ID, OA_TOKEN


@dataclass(frozen=True, slots=True)
class Push:
    """One signed push: query string, body, and the text an echo handler answers."""

    query: str
    body: str
    content: str


class PushFactory:
    """Makes pushes that are distinct across the whole run (one counter for every contender)."""

    def __init__(self) -> None:
        from djwechat._internal.msgcrypt import MessageCrypto

        self._crypto = MessageCrypto(token=OA_TOKEN, encoding_aes_key=OA_AES_KEY, app_id=OA_SAFE_APP_ID)
        self._run = time.time_ns() // 1000 % 10**12
        self._counter = itertools.count()

    def make(self, mode: str, *, signature_ok: bool = True) -> Push:
        """A new push in ``mode`` (``plain``/``safe``); ``signature_ok=False`` forges its signature."""
        from djwechat._internal.signing import sha1_signature

        n = next(self._counter)
        timestamp = str(int(time.time()))
        nonce = f"{self._run}{n}"
        content = f"bench {self._run} {n}"
        xml = (
            "<xml><ToUserName><![CDATA[gh_bench]]></ToUserName>"
            f"<FromUserName><![CDATA[o-bench-user-{n % 50}]]></FromUserName>"
            f"<CreateTime>{timestamp}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
            f"<Content><![CDATA[{content}]]></Content><MsgId>{self._run * 10**7 + n}</MsgId></xml>"
        )
        signature = sha1_signature(OA_TOKEN, timestamp, nonce)
        if not signature_ok:
            signature = signature[::-1]
        query = {"signature": signature, "timestamp": timestamp, "nonce": nonce}
        if mode == "safe":
            encrypt = self._crypto.encrypt(xml, timestamp=timestamp, nonce=nonce).encrypt
            query["encrypt_type"] = "aes"
            query["msg_signature"] = sha1_signature(OA_TOKEN, timestamp, nonce, encrypt)
            xml = (
                "<xml><ToUserName><![CDATA[gh_bench]]></ToUserName>"
                f"<Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>"
            )
        return Push(urlencode(query), xml, content)

    def reply_text(self, body: bytes, mode: str) -> str:
        """The ``Content`` of a reply (decrypted in safe mode); ``""`` when there is none."""
        from djwechat._internal.xml import parse_xml

        fields = parse_xml(body, max_size=0)
        if mode == "safe":
            if "Encrypt" not in fields:
                return ""
            # The reply's own signature is checked too: a peer that signs wrongly fails here.
            opened = self._crypto.decrypt(
                str(fields["Encrypt"]),
                msg_signature=str(fields.get("MsgSignature", "")),
                timestamp=str(fields.get("TimeStamp", "")),
                nonce=str(fields.get("Nonce", "")),
            )
            fields = parse_xml(opened.text, max_size=0)
        return str(fields.get("Content", ""))


def write_file(
    path: Path, contender: Contender, *, count: int, factory: PushFactory, creds: Credentials
) -> int:
    """Write ``count`` requests of ``contender`` to ``path`` (GETs: one per credential); returns lines."""
    lines: list[str] = []
    if contender.kind == "push":
        for _ in range(count):
            push = factory.make(contender.mode)
            lines.append(f"POST\t{contender.path}?{push.query}\t\t{push.body}")
    else:
        headers = creds.headers[contender.auth] if contender.auth else [""]
        lines.extend(f"GET\t{contender.path}\t{header}\t" for header in headers)
    path.write_text("\n".join(lines) + "\n")
    return len(lines)
