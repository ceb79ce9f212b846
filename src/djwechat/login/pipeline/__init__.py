"""The login pipeline: ordered steps that turn a WeChat identity into a local user.

``WECHAT["LOGIN"]["PIPELINE"]`` is a tuple of dotted paths (default:
:data:`djwechat.conf.DEFAULT_PIPELINE`, the steps of :mod:`djwechat.login.pipeline.steps`).
Each step gets the :class:`LoginContext`; :func:`run_pipeline` runs them in a transaction.
See ``docs/pipeline.md``.
"""

from djwechat.login.pipeline.context import LoginContext, ProfileDetails, StopPipeline
from djwechat.login.pipeline.runner import Step, get_pipeline, run_pipeline

__all__ = ["LoginContext", "ProfileDetails", "Step", "StopPipeline", "get_pipeline", "run_pipeline"]
