"""Before any figure: every contender answers correctly, and refuses what it must refuse.

A push must get a real reply (the echo of its own text, decrypted and signature-checked in safe
mode), not ``success``; a push with a forged ``signature`` (and in safe mode a forged
``msg_signature``) must not get a 2xx; an authenticated GET must name the right user and refuse a
forged token (or an unknown session) and a request without one.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

import httpx

from bench.httpbench.contenders import Contender
from bench.httpbench.fixtures import Credentials
from bench.httpbench.payloads import PushFactory


class VerificationError(RuntimeError):
    """A contender answered wrongly: the run stops before measuring anything."""


def _header(line: str) -> dict[str, str]:
    if not line:
        return {}
    name, _, value = line.partition(":")
    return {name: value.strip()}


def check(client: httpx.Client, contender: Contender, creds: Credentials, factory: PushFactory) -> str:
    """Check one contender; returns a one-line account, raises :class:`VerificationError`."""
    if contender.kind == "push":
        return _check_push(client, contender, factory)
    return _check_get(client, contender, creds)


def _check_get(client: httpx.Client, contender: Contender, creds: Credentials) -> str:
    if not contender.auth:
        answer = client.get(contender.path)
        if answer.status_code != 200 or answer.json() != {"ok": True}:
            raise VerificationError(f"{contender.key}: {answer.status_code} {answer.text[:200]}")
        return f"{contender.key}: 200 {answer.text}"
    for header, user_id in list(zip(creds.headers[contender.auth], creds.user_ids, strict=True))[:3]:
        answer = client.get(contender.path, headers=_header(header))
        # simplejwt's stateless user carries the claim as sent: a string.
        if answer.status_code != 200 or str(answer.json().get("user")) != str(user_id):
            raise VerificationError(f"{contender.key}: {answer.status_code} {answer.text[:200]}")
    forged = client.get(contender.path, headers=_header(creds.bad(contender.auth)))
    anonymous = client.get(contender.path)
    for what, answer in (("forged", forged), ("anonymous", anonymous)):
        if answer.status_code not in (401, 403):
            raise VerificationError(f"{contender.key}: a {what} request got {answer.status_code}")
    return f"{contender.key}: users ok; forged {forged.status_code}, anonymous {anonymous.status_code}"


def _post(client: httpx.Client, contender: Contender, query: str, body: str) -> httpx.Response:
    return client.post(
        f"{contender.path}?{query}", content=body.encode(), headers={"Content-Type": "text/xml"}
    )


def _check_push(client: httpx.Client, contender: Contender, factory: PushFactory) -> str:
    for _ in range(3):
        push = factory.make(contender.mode)
        answer = _post(client, contender, push.query, push.body)
        text = factory.reply_text(answer.content, contender.mode) if answer.status_code == 200 else ""
        if text != push.content:
            raise VerificationError(
                f"{contender.key}: expected the echo {push.content!r}, got "
                f"{answer.status_code} {answer.text[:200]!r}"
            )
    refusals = []
    forged = factory.make(contender.mode, signature_ok=False)
    refusals.append(("signature", _post(client, contender, forged.query, forged.body)))
    if contender.mode == "safe":
        push = factory.make(contender.mode)
        query = dict(parse_qsl(push.query))
        query["msg_signature"] = query["msg_signature"][::-1]
        refusals.append(("msg_signature", _post(client, contender, urlencode(query), push.body)))
    for what, answer in refusals:
        if 200 <= answer.status_code < 300:
            raise VerificationError(f"{contender.key}: a forged {what} got {answer.status_code}")
    refused = ", ".join(f"forged {what} {answer.status_code}" for what, answer in refusals)
    return f"{contender.key}: 3 echoes ok; {refused}"
