"""OpenAPI descriptions of djwechat's endpoints, for drf-spectacular when it is installed.

drf-spectacular is optional (the ``openapi`` extra).  Views describe themselves with
:func:`api_doc`, which becomes ``drf_spectacular.utils.extend_schema`` when the library is
importable and does nothing otherwise; :func:`view_schema` gives every djwechat view
drf-spectacular's ``AutoSchema`` whatever the project's ``DEFAULT_SCHEMA_CLASS`` says, so the
schema of these endpoints does not depend on the project's ``REST_FRAMEWORK`` settings.

Every error answer is documented as the one envelope ``{"error": {"code", "message",
"fields"?}}`` (:class:`ErrorEnvelopeSerializer`); a 429 carries ``Retry-After`` and a 401
``WWW-Authenticate``.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Final, TypeVar, cast

from rest_framework import serializers

F = TypeVar("F")

#: The OpenAPI security scheme name of :class:`djwechat.jwt.authentication.JWTAuthentication`.
SECURITY_SCHEME: Final = "jwtAuth"

#: What each error status means, in every endpoint's description of its answers.
ERROR_DESCRIPTIONS: Final[Mapping[int, str]] = {
    400: "The request is malformed or refused (see `error.code`).",
    401: "Not logged in, or the token is refused (`not_authenticated`, `invalid_token`, "
    "`token_expired`, `session_revoked`, `invalid_credentials`, `refresh_reused`).",
    403: "Refused (`login_refused`, `user_inactive`, `invalid_signature`, `invalid_poll_secret` …).",
    404: "No such app alias, session or identity (`app_not_found`, `not_found`).",
    405: "Another method (`method_not_allowed`).",
    406: "The `Accept` header excludes JSON (`not_acceptable`).",
    409: "The WeChat identity belongs to another user, or removing it would leave no way to log "
    "in (`identity_taken`, `last_login_method`).",
    413: "The body is too large (`body_too_large`).",
    415: "The body is not JSON (`unsupported_media_type`).",
    429: "Too many attempts (`throttled`, `wechat_rate_limited`); `Retry-After` says when to retry.",
    502: "WeChat refused djwechat's call (`wechat_api_error`, `invalid_credential` …).",
    503: "WeChat or the shared cache is unavailable (`wechat_unavailable`, `shared_state_unavailable`).",
    504: "WeChat did not answer in time (`wechat_timeout`).",
}

#: Errors any JSON endpoint can answer.
COMMON_ERRORS: Final = (406,)
#: Errors of an endpoint that reads a JSON body.
BODY_ERRORS: Final = (400, 413, 415)
#: Errors of an endpoint that needs a logged-in caller.
AUTH_ERRORS: Final = (401,)
#: Errors of an endpoint that calls WeChat.
UPSTREAM_ERRORS: Final = (429, 502, 503, 504)


def spectacular_installed() -> bool:
    """Whether drf-spectacular can be imported (the ``openapi`` extra)."""
    return importlib.util.find_spec("drf_spectacular") is not None


def view_schema() -> Any:
    """The ``schema`` of a djwechat view: drf-spectacular's ``AutoSchema`` when installed, else DRF's."""
    if spectacular_installed():
        from djwechat._internal.openapi_spectacular import ViewSchema

        return ViewSchema()
    from rest_framework.schemas import DefaultSchema

    return DefaultSchema()


class ErrorSerializer(serializers.Serializer[Any]):
    """``error``: a stable English ``code``, a message for people, and per-field messages for 400s."""

    code = serializers.CharField(help_text="A stable snake_case identifier, never translated.")
    message = serializers.CharField(help_text="Human text, in the request's language.")
    # The metaclass collects declared fields, so this does not shadow Serializer.fields.
    fields = serializers.DictField(  # type: ignore[assignment]
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="Per-field messages of an `invalid_input` answer.",
    )


class ErrorEnvelopeSerializer(serializers.Serializer[Any]):
    """Every error answer: ``{"error": {"code", "message", "fields"?}}``."""

    error = ErrorSerializer()


def api_doc(
    *,
    summary: str,
    responses: Mapping[Any, Any],
    errors: Iterable[int] = (),
    request: Any = None,
    parameters: Iterable[Any] = (),
    description: str = "",
    tags: Iterable[str] = (),
    auth: bool | str | None = None,
    media_type: str | None = None,
    error_media_type: str = "application/json",
    operation_id: str | None = None,
    negotiated: bool = True,
) -> Callable[[F], F]:
    """Describe an endpoint: its success ``responses``, the error statuses it may answer, its body.

    ``errors`` lists statuses answered with the error envelope (:data:`ERROR_DESCRIPTIONS`
    says what each one means), or with a page when ``error_media_type`` is ``text/html``
    (406 is added for views that honour ``Accept``, unless ``negotiated=False``);
    ``media_type`` names the success answers' type when it is not JSON; ``auth=False`` marks an endpoint that needs no token, so the
    schema shows it without security, and ``auth="optional"`` one that works with or without.  Without drf-spectacular the decorator does nothing.
    """
    if not spectacular_installed():
        return lambda view: view
    from drf_spectacular.types import OpenApiTypes
    from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema

    from djwechat._internal.openapi_spectacular import ViewSchema
    from djwechat._internal.responses import WWW_AUTHENTICATE

    answers: dict[Any, Any] = {(status, media_type): answer for status, answer in responses.items()}
    if media_type is None:
        answers = dict(responses)
    is_json = error_media_type == "application/json"
    statuses = sorted(set(errors) | (set(COMMON_ERRORS) if is_json and negotiated else set()))
    for status in statuses:
        meaning = ERROR_DESCRIPTIONS[status]
        if is_json:
            answer = OpenApiResponse(ErrorEnvelopeSerializer, description=meaning)
        else:
            answer = OpenApiResponse(OpenApiTypes.STR, description=f"A page saying why. {meaning}")
        answers[(status, error_media_type)] = answer
    # The headers an answer carries, by the status that carries them.
    header_specs = (
        (429 in statuses, 429, "Retry-After", OpenApiTypes.INT, "Seconds to wait before trying again."),
        (401 in statuses, 401, "WWW-Authenticate", OpenApiTypes.STR, f"`{WWW_AUTHENTICATE}`."),
        (302 in responses, 302, "Location", OpenApiTypes.URI, "Where to go."),
    )
    headers = [
        OpenApiParameter(name, kind, OpenApiParameter.HEADER, description=text, response=[status])
        for present, status, name, kind, text in header_specs
        if present
    ]
    extra: dict[str, Any] = {}
    if auth is False:
        extra["auth"] = []
    elif auth == "optional":
        extra["auth"] = [{SECURITY_SCHEME: []}, {}]
    if operation_id is not None:
        extra["operation_id"] = operation_id
    describe: Any = extend_schema(
        summary=summary,
        description=description,
        # JSON only: the empty-form parsers exist for bodyless clients, not as a second format.
        request=request if request is None or isinstance(request, dict) else {"application/json": request},
        responses=answers,
        parameters=[*parameters, *headers],
        tags=list(tags) or None,
        **extra,
    )

    def decorator(view: F) -> F:
        # extend_schema builds on the schema class it finds on the function, else on the
        # project's DEFAULT_SCHEMA_CLASS; naming djwechat's keeps the project's setting out of it.
        view.schema = ViewSchema  # type: ignore[attr-defined]
        return cast(F, describe(view))

    return decorator


def redirect(description: str) -> Any:
    """A ``302`` answer for :func:`api_doc` (``None`` without drf-spectacular)."""
    if not spectacular_installed():
        return None
    from drf_spectacular.utils import OpenApiResponse

    return OpenApiResponse(description=description)


def query(name: str, description: str, *, type: Any = str, required: bool = False) -> Any:
    """A query parameter for :func:`api_doc` (``None`` without drf-spectacular)."""
    if not spectacular_installed():
        return None
    from drf_spectacular.utils import OpenApiParameter

    return OpenApiParameter(name, type, OpenApiParameter.QUERY, required=required, description=description)


def path_param(name: str, description: str) -> Any:
    """A ``<str:…>`` path parameter for :func:`api_doc` (``None`` without drf-spectacular)."""
    if not spectacular_installed():
        return None
    from drf_spectacular.utils import OpenApiParameter

    return OpenApiParameter(name, str, OpenApiParameter.PATH, description=description)


def schema_field(schema: Mapping[str, Any]) -> Callable[[F], F]:
    """``extend_schema_field(schema)`` with drf-spectacular, else nothing: a field's OpenAPI type."""
    if not spectacular_installed():
        return lambda field: field
    from drf_spectacular.utils import extend_schema_field

    decorate: Any = extend_schema_field(dict(schema))
    return cast(Callable[[F], F], decorate)
