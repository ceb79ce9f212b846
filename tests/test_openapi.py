"""The OpenAPI schema: valid without a warning, complete (every URL of djwechat.urls), and true
about security and errors; served by the example site with an offline Swagger UI."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.conf import settings
from django.core.management import call_command
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver
from drf_spectacular.settings import patched_settings

from example import settings as example_settings

ROOT = Path(__file__).resolve().parents[1]
METHODS = ("get", "post", "put", "patch", "delete")


def _generate(tmp_path: Path, *args: str) -> dict[str, Any]:
    target = tmp_path / "schema.yaml"
    # --fail-on-warn: any error or warning of drf-spectacular fails the command.
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target), *args)
    schema: dict[str, Any] = yaml.safe_load(target.read_text())
    return schema


@pytest.fixture(scope="module")
def schema(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The schema of a project that mounts djwechat.urls and sets no REST_FRAMEWORK at all."""
    return _generate(tmp_path_factory.mktemp("schema"))


def _url_patterns(resolver: URLResolver, prefix: str = "") -> list[tuple[str, Any]]:
    found: list[tuple[str, Any]] = []
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            found.extend(_url_patterns(entry, route))
        elif isinstance(entry, URLPattern):
            found.append((route, entry.callback))
    return found


def _openapi_path(route: str) -> str:
    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route)


def _methods(callback: Any) -> set[str]:
    cls = getattr(callback, "cls", None)
    assert cls is not None, f"{callback} is not described for the schema"
    return {m for m in METHODS if hasattr(cls, m)}


def test_the_example_site_schema_validates_without_warnings() -> None:
    """What CI asks of the example site: ``manage.py spectacular --validate --fail-on-warn``."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)])}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    result = subprocess.run(
        [
            sys.executable,
            "example/manage.py",
            "spectacular",
            "--validate",
            "--fail-on-warn",
            "--file",
            os.devnull,
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "Warning" not in result.stderr, result.stderr
    assert "Error" not in result.stderr, result.stderr


def test_every_djwechat_url_and_method_is_in_the_schema(schema: dict[str, Any]) -> None:
    routes = _url_patterns(get_resolver("djwechat.urls"))
    assert any(route.startswith("auth/") for route, _ in routes)
    for route, callback in routes:
        path = _openapi_path(route)
        assert path in schema["paths"], f"{path} is missing from the schema"
        assert set(schema["paths"][path]) == _methods(callback), path
    assert len(schema["paths"]) == len(routes)


def test_operations_have_summaries_bodies_and_the_error_envelope(schema: dict[str, Any]) -> None:
    envelope = {"$ref": "#/components/schemas/ErrorEnvelope"}
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            assert operation.get("summary"), (method, path)
            answers = operation["responses"]
            assert any(code.startswith(("2", "3")) for code in answers), (method, path)
            errors = [code for code in answers if code.startswith(("4", "5"))]
            assert errors, (method, path)
            for code in errors:
                content = answers[code]["content"]
                if "application/json" in content:
                    assert content["application/json"]["schema"] == envelope, (method, path, code)
                else:
                    assert set(content) == {"text/html"}, (method, path, code)
            if "429" in answers:
                assert "Retry-After" in answers["429"]["headers"], (method, path)
            if method == "post" and path not in {"/auth/website/{app}/qr/"}:
                assert "requestBody" in operation, (method, path)


def test_the_bearer_scheme_guards_exactly_the_authenticated_endpoints(schema: dict[str, Any]) -> None:
    assert schema["components"]["securitySchemes"]["jwtAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
        "description": "The `access` token of a token pair. `Authorization: JWT <access>` works too.",
    }
    security = {
        (method, path): operation.get("security", [])
        for path, item in schema["paths"].items()
        for method, operation in item.items()
    }
    required = {key for key, value in security.items() if value == [{"jwtAuth": []}]}
    assert required == {
        ("post", "/auth/logout/"),
        ("get", "/auth/me/"),
        ("get", "/auth/sessions/"),
        ("delete", "/auth/sessions/{public_id}/"),
        ("post", "/auth/miniprogram/{app}/phone/"),
        ("post", "/auth/miniprogram/{app}/link/"),
        ("get", "/auth/identities/"),
        ("delete", "/auth/identities/{identity_id}/"),
    }
    # With a token, a QR ticket links WeChat to the caller; without one it is a login.
    optional = {key for key, value in security.items() if value == [{"jwtAuth": []}, {}]}
    assert optional == {("post", "/auth/website/{app}/qr/")}
    assert all(value == [] for key, value in security.items() if key not in required | optional)
    for method, path in required | optional:
        assert "401" in schema["paths"][path][method]["responses"]


def test_the_token_pair_is_what_a_login_answers(
    schema: dict[str, Any], client: Client, django_user_model: Any
) -> None:
    django_user_model.objects.create_user(username="ada", password="pw-123456")
    answer = client.post(
        "/auth/token/", {"username": "ada", "password": "pw-123456"}, content_type="application/json"
    )
    assert answer.status_code == 200
    pair = schema["components"]["schemas"]["TokenPair"]
    assert set(answer.json()) == set(pair["properties"]) == set(pair["required"])
    user = schema["components"]["schemas"]["User"]["properties"]
    assert set(answer.json()["user"]) <= set(user)
    refused = client.post(
        "/auth/token/", {"username": "ada", "password": "no"}, content_type="application/json"
    )
    envelope = schema["components"]["schemas"]["Error"]
    assert set(refused.json()["error"]) <= set(envelope["properties"])
    assert set(envelope["required"]) <= set(refused.json()["error"])


@override_settings(
    ROOT_URLCONF="example.urls",
    REST_FRAMEWORK=example_settings.REST_FRAMEWORK,
    INSTALLED_APPS=[*settings.INSTALLED_APPS, "drf_spectacular_sidecar"],
)
def test_the_example_site_serves_the_schema_and_an_offline_swagger_ui(client: Client) -> None:
    # drf-spectacular reads SPECTACULAR_SETTINGS once; its own context manager patches them.
    patches = {k: v for k, v in example_settings.SPECTACULAR_SETTINGS.items() if not k.startswith("SERVE_")}
    with patched_settings(patches):
        _check_example_schema_and_docs(client)


def _check_example_schema_and_docs(client: Client) -> None:
    answer = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert answer.status_code == 200
    assert "/auth/token/" in answer.json()["paths"]
    page = client.get("/api/docs/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "/api/schema/" in html
    # The sidecar's static files, never a CDN.
    assert "drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    assert "cdn" not in html.lower()
