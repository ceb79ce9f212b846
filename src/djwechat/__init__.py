"""djwechat: the Django backend for WeChat.

Mini Program, website QR and Official Account logins, JWT sessions, an identity pipeline, an
Official Account message server, a WeChat API client with a shared access token, and a local
WeChat simulator.  See ``docs/`` for the guides and :mod:`djwechat.conf` for the settings.
"""

__version__ = "0.1.0"
