"""Keep WeChat secrets off Django's error pages, also while ``DEBUG`` is on.

Django hides the local variables of functions decorated with
``django.views.decorators.debug.sensitive_variables`` - and of every function they call - from
its error reports, but only with ``DEBUG = False``: with ``DEBUG`` on, the technical 500 page
shows every frame's locals, and a Mini Program login's frames hold the user's ``session_key``.
djwechat decorates the functions that hold WeChat secrets (``session_key``, app secrets, tokens)
with ``sensitive_variables()`` and, through :func:`protect_error_pages`, gives each request it
serves a reporter filter that applies those marks whatever ``DEBUG`` says.
"""

from __future__ import annotations

from typing import Any, Final

from django.views.debug import SafeExceptionReporterFilter, get_default_exception_reporter_filter

__all__ = ["SecretsHiddenReporterFilter", "protect_error_pages"]


class SecretsHiddenReporterFilter(SafeExceptionReporterFilter):
    """Django's reporter filter, active with ``DEBUG`` on too.

    Use it as ``DEFAULT_EXCEPTION_REPORTER_FILTER`` to extend the protection to every request;
    djwechat sets it on the requests it serves by itself.
    """

    def is_active(self, request: Any) -> bool:
        """Always: ``sensitive_variables`` marks and secret-looking settings stay hidden."""
        return True


_FILTER: Final = SecretsHiddenReporterFilter()


def protect_error_pages(request: Any) -> None:
    """Make ``request``'s error report hide what ``sensitive_variables`` marks, ``DEBUG`` or not.

    A request that already carries a filter, or a project whose
    ``DEFAULT_EXCEPTION_REPORTER_FILTER`` is its own class, is left alone.
    """
    if getattr(request, "exception_reporter_filter", None) is not None:
        return
    if type(get_default_exception_reporter_filter()) is SafeExceptionReporterFilter:
        request.exception_reporter_filter = _FILTER
