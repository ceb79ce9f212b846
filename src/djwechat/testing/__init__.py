"""Public test helpers of djwechat: the simulator from a test's point of view.

pytest fixtures (plugin :mod:`djwechat.testing.pytest_plugin`, loaded automatically once djwechat
is installed):

``wechat_simulator`` (session)
    A :class:`~djwechat.simulator.server.SimulatorServer` serving real HTTP on 127.0.0.1 and a
    free port. ``.url`` is its base URL, ``.state`` its (process-wide) state.
``sim`` (function)
    A :class:`SimulatorControl` of that simulator, **reset before the test**:

    * ``sim.register_app(app_id, app_secret, type="miniprogram", **extra) -> dict`` — ``extra``:
      ``name``, ``open_account`` (apps with the same account share unionids; ``None`` = no
      unionid), ``token``, ``encoding_aes_key``, ``message_url``, ``rate_limit`` (calls per
      minute before errcode 45011), ``redirect_domains``.
    * ``sim.register_settings_app(app_settings, **extra)`` — the same for a configured app.
    * ``sim.create_user(id=None, *, nickname=None, phone_number=…, country_code="86", sex=0,
      headimgurl="") -> SimUser`` (``.id``, ``.openid(app_id)``, ``.unionid``,
      ``.unionid_for(account)``, ``.phone_number``); ``sim.user(id)``.
    * ``sim.mint_code(app_id, user_id, kind="login" | "phone" | "oauth", *, scope=None) -> str``
      — what ``wx.login`` / the phone-number button / an OAuth redirect hands the front end.
      Codes are single use (40163) and expire (login/phone/OA OAuth 5 min, website 10 min).
    * ``sim.encrypted_data(app_id, user_id, kind="user_info" | "phone_number", *, data=None,
      watermark=None, raw_data=None) -> EncryptedData`` — what ``wx.getUserInfo`` / the legacy
      phone-number button hands the front end: the user's data encrypted with their current
      session_key for the app (set by the latest ``login`` code; 409 ``not_logged_in`` before
      one), watermark ``{appid, timestamp}`` from the simulator's clock. ``.fields()`` is the
      request body part (``encrypted_data``, ``iv``, and for user info ``raw_data`` and
      ``signature``); ``.data`` the plaintext. ``data`` changes payload fields (``None`` drops
      one), ``watermark`` the watermark, ``raw_data`` the signed text (user info only).
    * ``sim.authorize(state, user_id, approve=True) -> dict`` — a user scans and confirms (or
      refuses) the QR page / consent page opened with that OAuth ``state``; the answer's
      ``redirect`` is the URL WeChat sends the browser to (``code`` and ``state`` in its query).
    * ``sim.add_fault(path, *, errcode=None, errmsg=None, latency=None, timeout=False, drop=False,
      times=1)``, ``sim.clear_faults(path=None)``.
    * ``sim.calls(path=None) -> list[dict]`` — the call log (secrets masked as ``***``);
      ``sim.clear_calls()``.
    * ``sim.messages(user_id=None, app_id=None)`` — customer-service messages sent to users.
    * ``sim.advance(seconds)`` — move the simulator's clock (code and token expiry);
      ``sim.now()``; ``sim.reset()``.
``sim_user`` (function)
    ``sim.create_user("alice", nickname="Alice", phone_number="13800138000")``.
``wechat_apps`` (function, needs pytest-django's ``settings``)
    Registers every app of ``settings.WECHAT["APPS"]`` with the simulator as configured (an
    Official Account's ``ROUTER`` keeps answering its pushes), adds the test apps ``mp`` (mini
    program), ``web`` (website) and ``oa`` (Official Account, message mode ``compatible``, Token
    ``test-oa-token``) under the aliases the project leaves free, and points
    ``API_BASE_URL``/``OPEN_BASE_URL`` at the simulator. Returns ``{alias: AppSettings}`` of
    them all. The test apps' credentials are in :data:`TEST_APPS`.
``wechat_in_process`` (function)
    ``wechat_apps`` plus ``CLIENT.TRANSPORT = "djwechat.simulator.transport.SimulatorTransport"``:
    the client reaches the same simulator state without a socket.

Outside pytest: :class:`SimulatorControl` (``SimulatorControl(url)`` or
``SimulatorControl.in_process()``), and acting as WeChat towards an Official Account endpoint:

* ``push_handshake(url, *, token, echostr=None, timeout=5.0, transport=None) -> HandshakeResult``
  (``.ok`` when the endpoint echoed ``echostr``);
* ``push_message(url, *, token, xml, app_id=None, encoding_aes_key=None, mode="plain",
  timeout=5.0, retries=2, openid=None, timestamp=None, transport=None) -> PushResult`` — signs,
  encrypts in ``compatible``/``safe`` mode, waits ``timeout`` seconds per attempt and pushes the
  same message again after a timeout or connection failure (3 attempts in all, as WeChat), then
  verifies and decrypts the reply: ``.ok``, ``.status_code``, ``.attempts``, ``.reply`` (XML),
  ``.fields`` (parsed reply), ``.acknowledged`` (``success``/empty), ``.encrypted``, ``.error``;
* ``text_message(to_user, from_user, content, *, msg_id=None, create_time=None)``,
  ``event_message(to_user, from_user, event, *, event_key=None, **extra)``,
  ``click_event(to_user, from_user, key)`` build the pushed XML. ``transport`` lets a test push
  in-process: ``django_transport()`` hands requests to this project's own WSGI application
  without a socket, keeping the test's database connection open (inside ``django_db`` tests).
"""

from __future__ import annotations

from djwechat.simulator.messages import click_event, event_message, text_message
from djwechat.simulator.push import HandshakeResult, PushResult, push_handshake, push_message
from djwechat.testing.apps import TEST_APPS
from djwechat.testing.control import EncryptedData, SimulatorControl, SimulatorControlError, SimUser
from djwechat.testing.transport import django_transport

__all__ = [
    "TEST_APPS",
    "EncryptedData",
    "HandshakeResult",
    "PushResult",
    "SimUser",
    "SimulatorControl",
    "SimulatorControlError",
    "click_event",
    "django_transport",
    "event_message",
    "push_handshake",
    "push_message",
    "text_message",
]
