"""The one Django site every contender of ``make bench-http`` is served by.

Each contender is a URL of this site with exactly its own stack: the global ``MIDDLEWARE`` is
empty and the views that need a middleware (Django sessions, djwechat JWT sessions) wrap it
around themselves, so the bare view pays for nothing and every other row pays only for its own
authentication or message handling.
"""
