"""The example site's settings, its Official Account routed by :mod:`bench.soak.router`."""

from example.settings import *  # noqa: F403
from example.settings import WECHAT_APPS

WECHAT_APPS["oa"]["ROUTER"] = "bench.soak.router.router"
