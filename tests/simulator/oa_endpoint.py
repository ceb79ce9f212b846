"""A wechatpy-based Official Account endpoint (an implementation independent of djwechat's)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from socketserver import ThreadingMixIn
from typing import Any
from urllib.parse import parse_qs
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer

from wechatpy import parse_message
from wechatpy.crypto import WeChatCrypto
from wechatpy.exceptions import InvalidSignatureException
from wechatpy.replies import TextReply
from wechatpy.utils import check_signature

TOKEN = "push-test-token"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
APP_ID = "wxpushtest00000001"
OPENID = "oPushUser000000000000000000A"
GH = "gh_pushtest0001"


@dataclass
class Endpoint:
    """A wechatpy-based Official Account endpoint that records what it receives."""

    url: str = ""
    received: list[dict[str, Any]] = field(default_factory=list)
    queries: list[dict[str, str]] = field(default_factory=list)
    slow_first: int = 0
    slow_seconds: float = 0.0
    reply: str = "echo"  # "echo" | "success" | "empty" | "plain-in-safe" | "forged" | "error"
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, environ: dict[str, Any], start_response: Any) -> list[bytes]:
        query = {k: v[0] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
        crypto = WeChatCrypto(TOKEN, AES_KEY, APP_ID)
        try:
            check_signature(
                TOKEN, query.get("signature", ""), query.get("timestamp", ""), query.get("nonce", "")
            )
        except InvalidSignatureException:
            start_response("403 Forbidden", [("Content-Type", "text/plain")])
            return [b"bad signature"]
        if environ["REQUEST_METHOD"] == "GET":
            start_response("200 OK", [("Content-Type", "text/plain")])
            return [query["echostr"].encode()]
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0)).decode()
        encrypted = query.get("encrypt_type") == "aes"
        xml = (
            crypto.decrypt_message(body, query["msg_signature"], query["timestamp"], query["nonce"])
            if encrypted
            else body
        )
        message = parse_message(xml)
        with self.lock:
            self.queries.append(query)
            self.received.append(
                {"id": message.id, "time": message.create_time, "type": message.type, "raw": body}
            )
            attempt = len(self.received)
        if attempt <= self.slow_first:
            time.sleep(self.slow_seconds)
        answer = self._answer(message, encrypted, crypto, query)
        status = "500 Internal Server Error" if self.reply == "error" else "200 OK"
        start_response(status, [("Content-Type", "application/xml")])
        return [answer.encode()]

    def _answer(self, message: Any, encrypted: bool, crypto: WeChatCrypto, query: dict[str, str]) -> str:
        if self.reply == "success":
            return "success"
        if self.reply in ("empty", "error"):
            return ""
        content = getattr(message, "content", None) or getattr(message, "key", None) or message.event
        reply = TextReply(message=message, content=f"echo: {content}").render()
        if self.reply == "forged":
            return crypto.encrypt_message(reply, query["nonce"]).replace(
                "<MsgSignature><![CDATA[", "<MsgSignature><![CDATA[0"
            )
        if encrypted and self.reply != "plain-in-safe":
            return crypto.encrypt_message(reply, query["nonce"])
        return reply


class _Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    block_on_close = False


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


def serve_endpoint() -> Iterator[Endpoint]:
    """Serve an :class:`Endpoint` on a free loopback port until the generator is closed."""
    handler = Endpoint()
    server = _Server(("127.0.0.1", 0), _QuietHandler)
    server.set_app(handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    handler.url = f"http://127.0.0.1:{server.server_address[1]}/wechat/oa/"
    yield handler
    server.shutdown()
    server.server_close()
