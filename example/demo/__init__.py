"""The ``wechat_demo`` command of the example site (development only)."""
