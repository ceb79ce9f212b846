"""HTML of the simulator's browser pages (plain strings, every value escaped)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from html import escape
from typing import Final

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


def _page(title: str, body: str) -> str:
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head><body>"
        "<div class='banner'>WeChat simulator: a local fake of WeChat for development and tests</div>"
        f"{body}</body></html>"
    )


def error_page(code: int, message: str) -> str:
    """The page WeChat shows instead of a login when the authorize URL is wrong."""
    return _page(
        "Error",
        f"<h1>This link cannot be opened (该链接无法访问)</h1><div class='box'>"
        f"<p>Error <code>{code}</code>: {escape(message)}</p></div>",
    )


def qr_page(*, app_name: str, qr_svg: str, phone_url: str, status_url: str) -> str:
    """``connect/qrconnect``: the QR code, a link for the same "phone" page, and a status poller."""
    script = (
        "<script>(function(){var u=" + _js_string(status_url) + ";"
        "function poll(){fetch(u,{cache:'no-store'}).then(function(r){return r.json()}).then(function(d){"
        "var s=document.getElementById('status');"
        "if(d.redirect){s.textContent='Redirecting…';window.location.href=d.redirect;return}"
        "if(d.status==='expired'){s.textContent='The QR code has expired. Reload the page.';return}"
        "if(d.status==='scanned'){s.textContent='Scanned: confirm on the phone.'}"
        "setTimeout(poll,1000)}).catch(function(){setTimeout(poll,2000)})}poll()})();</script>"
    )
    return _page(
        "WeChat login",
        f"<h1>Log in to {escape(app_name)} with WeChat</h1><div class='box' style='text-align:center'>"
        f"{qr_svg}<p id='status'>Scan with WeChat (open the link below: it is the simulated phone).</p>"
        f"<p><a href='{escape(phone_url)}' target='_blank' rel='noopener'>Open the phone page</a></p>"
        f"</div>{script}",
    )


def _js_string(value: str) -> str:
    # A JSON string is a JS string; escaping "<" keeps "</script>" out of the inline script.
    return json.dumps(value).replace("<", "\\u003c")


def _user_buttons(users: Iterable[tuple[str, str]], *, label: str = "Confirm as") -> str:
    rows = [
        f"<button name='user_id' value='{escape(uid)}'>{escape(label)} {escape(nickname)} "
        f"<span class='muted'>({escape(uid)})</span></button><br>"
        for uid, nickname in users
    ]
    return "".join(rows) or "<p class='muted'>No fake users yet: create one below.</p>"


def phone_page(
    *, app_name: str, action: str, users: Iterable[tuple[str, str]], scope: str, snapshot: bool = False
) -> str:
    """The simulated phone after scanning (or the in-WeChat consent screen): pick a user, or refuse.

    With ``snapshot`` the page also offers to visit as a Moments snapshot (``is_snapshotuser``).
    """
    snapshot_form = (
        f"<form method='post' action='{escape(action)}' class='box'>"
        "<input type='hidden' name='decision' value='snapshot'>"
        "<p class='muted'>Or open the page from a Moments snapshot (朋友圈快照页):</p>"
        f"{_user_buttons(users, label='Snapshot visit as')}</form>"
        if snapshot
        else ""
    )
    return _page(
        "Confirm login",
        f"<h1>{escape(app_name)} asks to log you in</h1>"
        f"<p class='muted'>Scope: <code>{escape(scope)}</code></p>"
        f"<form method='post' action='{escape(action)}' class='box'>"
        f"<input type='hidden' name='decision' value='approve'>{_user_buttons(users)}</form>"
        f"<form method='post' action='{escape(action)}' class='box'>"
        "<input type='hidden' name='decision' value='approve'>"
        "New user: <input name='nickname' placeholder='nickname' required maxlength='64'> "
        "<button>Create and confirm</button></form>"
        f"{snapshot_form}"
        f"<form method='post' action='{escape(action)}'><input type='hidden' name='decision' value='deny'>"
        "<button class='deny'>Refuse</button></form>",
    )


def consent_page(
    *, app_name: str, action: str, users: Iterable[tuple[str, str]], scope: str, snapshot: bool = False
) -> str:
    """``connect/oauth2/authorize``: the Official Account consent screen inside WeChat."""
    return phone_page(app_name=app_name, action=action, users=users, scope=scope, snapshot=snapshot)


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


def done_page(message: str) -> str:
    """Shown on the phone once the user decided."""
    return _page("Done", f"<h1>{escape(message)}</h1><p class='muted'>You can close this page.</p>")


def index_page(
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
    return _page(
        "WeChat simulator",
        "<h1>WeChat simulator</h1>"
        "<p class='muted'>Control API under <code>/_sim/</code>; see docs/simulator.md.</p>"
        "<h2>Apps</h2><table><tr><th>app_id</th><th>type</th><th>name</th><th>message URL</th></tr>"
        f"{app_rows}</table><h2>Users</h2><table><tr><th>id</th><th>nickname</th><th>unionid</th>"
        f"<th>phone</th></tr>{user_rows}</table><h2>Recent calls</h2><table><tr><th>method</th>"
        f"<th>path</th><th>HTTP</th><th>errcode</th><th>fault</th></tr>{call_rows}</table>",
    )
