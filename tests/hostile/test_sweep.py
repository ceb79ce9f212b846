"""Every mounted endpoint, every method, content type and hostile body: never a 5xx, errors in
the package-wide JSON shape (the Official Account endpoint: its protocol's answers), nothing
leaked, no user created."""

from __future__ import annotations

import pytest

from tests.hostile.conftest import CONTENT_TYPES, METHODS, Credentials, Probe, user_count
from tests.hostile.corpus import JSON_BODIES, ODD_PARAMS, SMALL_BODIES
from tests.hostile.endpoints import KNOWN_ROUTES, Endpoint, mounted_endpoints

ENDPOINTS = mounted_endpoints()
ALIASES = ("mp", "web", "oa", "nope")


def test_enumeration_finds_every_known_endpoint() -> None:
    routes = {endpoint.route for endpoint in ENDPOINTS}
    assert routes, "djwechat.urls mounts nothing"
    assert routes >= KNOWN_ROUTES, f"missing: {sorted(KNOWN_ROUTES - routes)}"
    assert all(endpoint.name for endpoint in ENDPOINTS), "every endpoint has a URL name"


def concrete_paths(endpoint: Endpoint, credentials: Credentials) -> list[str]:
    """The endpoint's path for each configured app alias (and an unknown one), or the live session."""
    if not endpoint.params:
        return [endpoint.path()]
    paths = []
    for alias in ALIASES:
        values = dict.fromkeys(endpoint.params, alias)
        if "public_id" in values:
            values["public_id"] = credentials.public_id if alias == "mp" else alias
        if "identity_id" in values:
            values["identity_id"] = credentials.identity_id if alias == "mp" else alias
        paths.append(endpoint.path(**values))
    return paths


def home_path(endpoint: Endpoint, probe: Probe, credentials: Credentials) -> str:
    """The path under which ``endpoint`` reaches its real work: the first alias it does not
    refuse as an unknown app (a mini program endpoint under ``mp``, the message server under ``oa``)."""
    paths = concrete_paths(endpoint, credentials)
    for path in paths:
        for method in ("POST", "GET"):
            response = probe(method, path, b"{}", "application/json", credentials.bearer)
            if b"app_not_found" not in response.content:
                return path
    return paths[0]


def authorizations(credentials: Credentials) -> list[str | None]:
    if not credentials.alive():
        credentials.renew()
    return [None, credentials.bearer]


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=str)
def test_every_method(endpoint: Endpoint, probe: Probe, credentials: Credentials) -> None:
    users = user_count()
    for method in METHODS:
        for path in concrete_paths(endpoint, credentials):
            for body in (b"", b"{}"):
                for authorization in authorizations(credentials):
                    probe(method, path, body, "application/json", authorization)
    assert user_count() == users


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=str)
def test_every_content_type(endpoint: Endpoint, probe: Probe, credentials: Credentials) -> None:
    users = user_count()
    path = home_path(endpoint, probe, credentials)
    for method in ("POST", "PUT", "PATCH"):
        for content_type in CONTENT_TYPES:
            for body in SMALL_BODIES:
                for authorization in authorizations(credentials):
                    probe(method, path, body, content_type, authorization)
    assert user_count() == users


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=str)
def test_hostile_json_bodies(endpoint: Endpoint, probe: Probe, credentials: Credentials) -> None:
    users = user_count()
    path = home_path(endpoint, probe, credentials)
    for index, body in enumerate(JSON_BODIES):
        # The whole corpus as POST; PUT and PATCH (refused by every endpoint today) get a sample.
        methods = ("POST", "PUT", "PATCH") if index % 8 == 0 else ("POST",)
        for method in methods:
            for authorization in authorizations(credentials):
                probe(method, path, body, "application/json", authorization)
    assert user_count() == users


@pytest.mark.parametrize("endpoint", [e for e in ENDPOINTS if e.params], ids=str)
def test_odd_path_parameters(endpoint: Endpoint, probe: Probe, credentials: Credentials) -> None:
    for value in ODD_PARAMS:
        path = endpoint.path(**dict.fromkeys(endpoint.params, value))
        for method in ("GET", "POST", "DELETE"):
            for authorization in authorizations(credentials):
                response = probe(method, path, b"{}", "application/json", authorization)
                if authorization is None:
                    assert response.status_code >= 400


def test_the_checks_can_fail() -> None:
    """The sweep's assertions catch what they are meant to catch."""
    from django.http import HttpResponse, JsonResponse

    from tests.hostile.checks import assert_sane

    endpoint = next(e for e in ENDPOINTS if e.route == "auth/me/")
    cases = [
        HttpResponse("boom", status=500),
        HttpResponse("<h1>Bad Request</h1>", status=400, content_type="text/html"),
        JsonResponse({"detail": "no"}, status=401),
        JsonResponse({"error": {"code": "Not-Snake", "message": "x"}}, status=400),
        JsonResponse({"error": {"code": "bad", "message": ""}}, status=400),
        JsonResponse({"ok": True, "session_key": "s3cr3t-session-key"}, status=200),
        JsonResponse({"error": {"code": "a_b", "message": "m"}}, status=401),  # cacheable
    ]
    for response in cases:
        with pytest.raises(AssertionError):
            assert_sane(endpoint, "GET", "/auth/me/", response, ["s3cr3t-session-key"])
    fine = JsonResponse({"error": {"code": "a_b", "message": "m"}}, status=401)
    fine["Cache-Control"] = "no-store"
    assert_sane(endpoint, "GET", "/auth/me/", fine, [])
