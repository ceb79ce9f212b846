"""Old import paths that keep working, with a warning, for one minor version after a rename."""

from __future__ import annotations

import importlib
import warnings
from collections.abc import Callable
from typing import Any


class RemovedInDjwechat02Warning(DeprecationWarning):
    """An import path or name that djwechat 0.2 removes; the message names its replacement."""


def moved_module(old: str, new: str) -> Callable[[str], Any]:
    """A module ``__getattr__`` for ``old``: every name is looked up in ``new``, with a warning.

    The warning is raised on each attribute access (not at import), so ``from old import X``
    warns at the line that uses the old path, whoever imported the module first.
    """

    def module_getattr(name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        value = getattr(importlib.import_module(new), name)
        warnings.warn(
            f"{old} is deprecated; import {name} from {new} instead.",
            RemovedInDjwechat02Warning,
            stacklevel=2,
        )
        return value

    return module_getattr
