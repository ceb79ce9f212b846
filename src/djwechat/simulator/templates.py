"""HTML of the simulator's browser pages (plain strings, every value escaped), in the request's language.

Each page takes the :class:`~djwechat.simulator.i18n.Language` its handler negotiated; every
English text below is a msgid of the simulator's catalogue (``locale/zh_Hans``).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from html import escape
from typing import Final

from djwechat.simulator.i18n import Language

__all__ = ["avatar_svg", "consent_page", "done_page", "error_page", "index_page", "phone_page", "qr_page"]

_STYLE: Final = """
body{font-family:system-ui,-apple-system,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;color:#222}
h1{font-size:1.4rem}h2{font-size:1.1rem;margin-top:2rem}
.banner{background:#07c160;color:#fff;padding:.4rem .8rem;border-radius:4px;font-size:.85rem}
.box{border:1px solid #ddd;border-radius:6px;padding:1rem;margin:1rem 0}
button{background:#07c160;color:#fff;border:0;border-radius:4px;padding:.5rem 1rem;margin:.2rem;cursor:pointer}
button.deny{background:#aaa}table{border-collapse:collapse;width:100%;font-size:.85rem}
td,th{border-bottom:1px solid #eee;padding:.3rem;text-align:left;vertical-align:top}code{font-size:.85rem}
.muted{color:#888;font-size:.85rem}
"""


def _page(lang: Language, title: str, body: str) -> str:
    """The page around ``body``; ``title`` is plain text in ``lang``."""
    return (
        f"<!doctype html><html lang='{escape(lang.code)}'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head><body>"
        f"<div class='banner'>{lang.markup('WeChat simulator: a local fake of WeChat for development and tests')}</div>"
        f"{body}</body></html>"
    )


def error_page(lang: Language, code: int, message: str) -> str:
    """The page WeChat shows instead of a login when the authorize URL is wrong (``message``: plain text)."""
    return _page(
        lang,
        lang.gettext("Error"),
        f"<h1>{lang.markup('This link cannot be opened (该链接无法访问)')}</h1><div class='box'>"
        f"<p>{lang.markup('Error')} <code>{code}</code>: {escape(message)}</p></div>",
    )


def qr_page(lang: Language, *, app_name: str, qr_svg: str, phone_url: str, status_url: str) -> str:
    """``connect/qrconnect``: the QR code, a link for the same "phone" page, and a status poller."""
    say = {
        "redirecting": lang.gettext("Redirecting…"),
        "expired": lang.gettext("The QR code has expired. Reload the page."),
        "scanned": lang.gettext("Scanned: confirm on the phone."),
    }
    script = (
        "<script>(function(){var u=" + _js_string(status_url) + ",say=" + _js_string(say) + ";"
        "function poll(){fetch(u,{cache:'no-store'}).then(function(r){return r.json()}).then(function(d){"
        "var s=document.getElementById('status');"
        "if(d.redirect){s.textContent=say.redirecting;window.location.href=d.redirect;return}"
        "if(d.status==='expired'){s.textContent=say.expired;return}"
        "if(d.status==='scanned'){s.textContent=say.scanned}"
        "setTimeout(poll,1000)}).catch(function(){setTimeout(poll,2000)})}poll()})();</script>"
    )
    return _page(
        lang,
        lang.gettext("WeChat login"),
        f"<h1>{lang.markup('Log in to %(app)s with WeChat', app=app_name)}</h1>"
        f"<div class='box' style='text-align:center'>{qr_svg}<p id='status'>"
        f"{lang.markup('Scan with WeChat (open the link below: it is the simulated phone).')}</p>"
        f"<p><a href='{escape(phone_url)}' target='_blank' rel='noopener'>"
        f"{lang.markup('Open the phone page')}</a></p></div>{script}",
    )


def _js_string(value: object) -> str:
    # JSON is JS; escaping "<" keeps "</script>" out of the inline script.
    return json.dumps(value, ensure_ascii=False).replace("<", "\\u003c")


def _user_buttons(lang: Language, users: Iterable[tuple[str, str]], *, snapshot: bool = False) -> str:
    rows = [
        "<button name='user_id' value='{uid}'>{label} <span class='muted'>({uid})</span></button><br>".format(
            uid=escape(uid),
            label=(
                lang.markup("Snapshot visit as %(nickname)s", nickname=nickname)
                if snapshot
                else lang.markup("Confirm as %(nickname)s", nickname=nickname)
            ),
        )
        for uid, nickname in users
    ]
    return "".join(rows) or f"<p class='muted'>{lang.markup('No fake users yet: create one below.')}</p>"


def phone_page(
    lang: Language,
    *,
    app_name: str,
    action: str,
    users: Iterable[tuple[str, str]],
    scope: str,
    snapshot: bool = False,
) -> str:
    """The simulated phone after scanning (or the in-WeChat consent screen): pick a user, or refuse.

    With ``snapshot`` the page also offers to visit as a Moments snapshot (``is_snapshotuser``).
    """
    users = list(users)
    snapshot_form = (
        f"<form method='post' action='{escape(action)}' class='box'>"
        "<input type='hidden' name='decision' value='snapshot'>"
        f"<p class='muted'>{lang.markup('Or open the page from a Moments snapshot (朋友圈快照页):')}</p>"
        f"{_user_buttons(lang, users, snapshot=True)}</form>"
        if snapshot
        else ""
    )
    return _page(
        lang,
        lang.gettext("Confirm login"),
        f"<h1>{lang.markup('%(app)s asks to log you in', app=app_name)}</h1>"
        f"<p class='muted'>{lang.markup('Scope:')} <code>{escape(scope)}</code></p>"
        f"<form method='post' action='{escape(action)}' class='box'>"
        f"<input type='hidden' name='decision' value='approve'>{_user_buttons(lang, users)}</form>"
        f"<form method='post' action='{escape(action)}' class='box'>"
        "<input type='hidden' name='decision' value='approve'>"
        f"{lang.markup('New user:')} <input name='nickname' placeholder='{lang.markup('nickname')}' "
        f"required maxlength='64'> <button>{lang.markup('Create and confirm')}</button></form>"
        f"{snapshot_form}"
        f"<form method='post' action='{escape(action)}'><input type='hidden' name='decision' value='deny'>"
        f"<button class='deny'>{lang.markup('Refuse')}</button></form>",
    )


#: ``connect/oauth2/authorize``: the Official Account consent screen inside WeChat is the same page.
consent_page: Final = phone_page


def avatar_svg(name: str) -> str:
    """A 132 by 132 SVG avatar (WeChat's largest ``headimgurl`` size): a disc with ``name``'s initial."""
    digest = hashlib.sha256(name.encode("utf-8", "replace")).digest()
    hue = int.from_bytes(digest[:2], "big") % 360
    initial = escape((name[:1] or "?").upper())
    return (
        "<svg xmlns='http://www.w3.org/2000/svg' width='132' height='132' viewBox='0 0 132 132'>"
        f"<circle cx='66' cy='66' r='66' fill='hsl({hue},55%,55%)'/>"
        "<text x='66' y='66' dy='.35em' text-anchor='middle' font-family='sans-serif' font-size='64' "
        f"fill='#fff'>{initial}</text></svg>"
    )


def done_page(lang: Language, message: str) -> str:
    """Shown on the phone once the user decided (``message``: plain text)."""
    return _page(
        lang,
        lang.gettext("Done"),
        f"<h1>{escape(message)}</h1><p class='muted'>{lang.markup('You can close this page.')}</p>",
    )


def index_page(
    lang: Language,
    *,
    apps: Iterable[dict[str, object]],
    users: Iterable[dict[str, object]],
    calls: Iterable[dict[str, object]],
) -> str:
    """``/``: apps, users and recent calls."""
    app_rows = "".join(
        f"<tr><td><code>{escape(str(a['app_id']))}</code></td><td>{escape(str(a['type']))}</td>"
        f"<td>{escape(str(a['name']))}</td><td>{escape(str(a['message_url'] or ''))}</td></tr>"
        for a in apps
    )
    user_rows = "".join(
        f"<tr><td><code>{escape(str(u['id']))}</code></td><td>{escape(str(u['nickname']))}</td>"
        f"<td><code>{escape(str(u['unionid']))}</code></td><td>{escape(str(u['phone_number']))}</td></tr>"
        for u in users
    )
    call_rows = "".join(
        f"<tr><td>{escape(str(c['method']))}</td><td><code>{escape(str(c['path']))}</code></td>"
        f"<td>{escape(str(c['status']))}</td><td>{escape(str(c['errcode'] if c['errcode'] is not None else ''))}"
        f"</td><td>{escape(str(c['fault'] or ''))}</td></tr>"
        for c in calls
    )
    intro = escape(lang.gettext("Control API under %(path)s; see %(doc)s.")) % {
        "path": "<code>/_sim/</code>",
        "doc": "docs/simulator.md",
    }
    # Field names (app_id, unionid, errcode, HTTP) are the protocol's and stay as they are.
    return _page(
        lang,
        lang.gettext("WeChat simulator"),
        f"<h1>{lang.markup('WeChat simulator')}</h1><p class='muted'>{intro}</p>"
        f"<h2>{lang.markup('Apps')}</h2><table><tr><th>app_id</th><th>{lang.markup('type')}</th>"
        f"<th>{lang.markup('name')}</th><th>{lang.markup('message URL')}</th></tr>{app_rows}</table>"
        f"<h2>{lang.markup('Users')}</h2><table><tr><th>id</th><th>{lang.markup('nickname')}</th>"
        f"<th>unionid</th><th>{lang.markup('phone')}</th></tr>{user_rows}</table>"
        f"<h2>{lang.markup('Recent calls')}</h2><table><tr><th>{lang.markup('method')}</th>"
        f"<th>{lang.markup('path')}</th><th>HTTP</th><th>errcode</th><th>{lang.markup('fault')}</th></tr>"
        f"{call_rows}</table>",
    )
