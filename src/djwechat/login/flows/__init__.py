"""Login flows: plain functions shared by the HTTP views, management commands and tests.

Each flow validates its input, talks to WeChat through :mod:`djwechat.client`, runs the
pipeline and starts a JWT session (:func:`complete_login`).
"""

from djwechat.login.flows.common import LoginResult, complete_login
from djwechat.login.flows.miniprogram import PhoneNumber, miniprogram_login, miniprogram_phone_number

__all__ = ["LoginResult", "PhoneNumber", "complete_login", "miniprogram_login", "miniprogram_phone_number"]
