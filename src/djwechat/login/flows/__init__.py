"""Login flows: plain functions shared by the HTTP views, management commands and tests.

Each flow validates its input, talks to WeChat through :mod:`djwechat.client`, runs the
pipeline and starts a JWT session (:func:`complete_login`).
"""

from djwechat.login.flows.common import LoginResult, complete_login
from djwechat.login.flows.miniprogram import PhoneNumber, miniprogram_login, miniprogram_phone_number
from djwechat.login.flows.official_account import (
    OACallback,
    complete_oa_login,
    exchange_login_code,
    start_oa_login,
)
from djwechat.login.flows.website import (
    QRPoll,
    QRTicket,
    apoll_qr_login,
    complete_qr_login,
    poll_qr_login,
    start_qr_login,
)

__all__ = [
    "LoginResult",
    "OACallback",
    "PhoneNumber",
    "QRPoll",
    "QRTicket",
    "apoll_qr_login",
    "complete_login",
    "complete_oa_login",
    "complete_qr_login",
    "exchange_login_code",
    "miniprogram_login",
    "miniprogram_phone_number",
    "poll_qr_login",
    "start_oa_login",
    "start_qr_login",
]
