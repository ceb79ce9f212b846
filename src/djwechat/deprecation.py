"""Old import paths kept working for one release, with a warning that names the new one."""

from __future__ import annotations

import importlib
import warnings
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["RemovedInDjwechat02Warning", "moved"]


class RemovedInDjwechat02Warning(DeprecationWarning):
    """A name that moved or was renamed: the old name stops working in djwechat 0.2."""


def moved(module: str, names: Mapping[str, str]) -> Callable[[str], Any]:
    """A module ``__getattr__`` for ``module`` whose ``names`` now live elsewhere.

    ``names`` maps each old attribute to ``"new.module:attribute"``; using the old name warns
    with :class:`RemovedInDjwechat02Warning` and returns the new object (imported on first use,
    so the old module need not import, and the layers check does not see, the new one).
    """

    def __getattr__(name: str) -> Any:  # noqa: N807 - the module hook's own name
        target = names.get(name)
        if target is None:
            raise AttributeError(f"module {module!r} has no attribute {name!r}")
        new_module, _, attribute = target.partition(":")
        warnings.warn(
            f"{module}.{name} is now {new_module}.{attribute}; the old name goes in djwechat 0.2.",
            RemovedInDjwechat02Warning,
            stacklevel=2,
        )
        return getattr(importlib.import_module(new_module), attribute)

    return __getattr__
