"""The parts of djwechat's OpenAPI support that need drf-spectacular (imported only when it is).

drf-spectacular finds extensions by subclassing; :func:`djwechat._internal.openapi.view_schema`
imports this module, so the bearer scheme is registered as soon as any djwechat view is.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema

from djwechat._internal.openapi import SECURITY_SCHEME


class JWTAuthenticationScheme(OpenApiAuthenticationExtension):  # type: ignore[no-untyped-call]
    """``Authorization: Bearer <access>`` (``JWT <access>`` is accepted too)."""

    # A dotted path, so that this layer does not import djwechat.jwt.
    target_class = "djwechat.jwt.authentication.JWTAuthentication"
    name = SECURITY_SCHEME

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "JWT",
            "description": "The `access` token of a token pair. `Authorization: JWT <access>` works too.",
        }


class ViewSchema(AutoSchema):
    """drf-spectacular's ``AutoSchema``, except that a view's docstring is not its description.

    djwechat's docstrings are written for its developers; an operation's description for API
    users comes from :func:`~djwechat._internal.openapi.api_doc` only.
    """

    def get_description(self) -> str:  # type: ignore[override]
        return ""
