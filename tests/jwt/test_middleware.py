"""JWTSessionMiddleware: who the request is, what it costs, what it writes."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.db import OperationalError, connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from djwechat.jwt.models import JWTSession
from djwechat.jwt.record_cache import purge
from tests.jwt.conftest import API, error_code
from tests.jwt.hooks_for_tests import OtherJSONSerializer
from tests.shared_cache import clear_worker_cache

pytestmark = [pytest.mark.urls("tests.jwt.views"), pytest.mark.django_db]


def jwt_settings(**jwt_overrides: Any) -> override_settings:
    return override_settings(WECHAT={**settings.WECHAT, "JWT": {**settings.WECHAT["JWT"], **jwt_overrides}})


def test_anonymous_request(api: API) -> None:
    body = api.get("/t/whoami/").json()
    assert body == {
        "pk": None,
        "session_key_known": False,
        "error": None,
        "request_user_authenticated": False,
    }


@pytest.mark.parametrize("scheme", ["Bearer", "JWT", "bearer"])
def test_both_header_types(api: API, issue: Callable[..., dict[str, Any]], user: Any, scheme: str) -> None:
    token = issue()["access"]
    body = api.get("/t/whoami/", header=f"{scheme} {token}").json()
    assert body["pk"] == user.pk
    assert body["session_key_known"] is True


def test_configured_header_types_only(api: API, issue: Callable[..., dict[str, Any]]) -> None:
    token = issue()["access"]
    with jwt_settings(AUTH_HEADER_TYPES=["Token"]):
        assert api.get("/t/whoami/", header=f"Bearer {token}").json()["pk"] is None
        assert api.get("/t/whoami/", header=f"Token {token}").json()["pk"] is not None


def test_bad_token_means_anonymous_with_a_reason(api: API) -> None:
    body = api.get("/t/whoami/", "garbage").json()
    assert body["pk"] is None
    assert body["error"] == "invalid_token"
    assert body["session_key_known"] is False


def test_pk_without_a_user_query(api: API, issue: Callable[..., dict[str, Any]], user: Any) -> None:
    token = issue()["access"]
    api.get("/t/whoami/", token)  # warm the session cache
    with CaptureQueriesContext(connection) as queries:
        assert api.get("/t/whoami/", token).json()["pk"] == user.pk
    user_table = user._meta.db_table
    assert not [q for q in queries.captured_queries if user_table in q["sql"]]


def test_session_lookup_reads_the_database_only_on_a_cache_miss(
    api: API, issue: Callable[..., dict[str, Any]]
) -> None:
    token = issue()["access"]
    session_table = JWTSession._meta.db_table

    def session_reads() -> list[str]:
        with CaptureQueriesContext(connection) as queries:
            assert api.get("/t/whoami/", token).json()["session_key_known"] is True
        return [q["sql"] for q in queries.captured_queries if session_table in q["sql"]]

    # A miss (the record purged, as after any change of the row) reads the row once ...
    purge(JWTSession.objects.get().session_key, "default")
    assert len(session_reads()) == 1
    # ... and refills the cache, so the next requests are hits that never reach the table.
    assert session_reads() == []
    assert session_reads() == []


def _session_table_down(statement: str) -> Callable[..., Any]:
    """A query wrapper: statements on the session table starting with ``statement`` fail as if the
    database were restarting (everything else, the database cache included, still works)."""

    def wrapper(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        if JWTSession._meta.db_table in sql and sql.lstrip().upper().startswith(statement):
            raise OperationalError("connection failed: the server is restarting")
        return execute(sql, params, many, context)

    return wrapper


def test_a_session_lookup_while_the_database_is_down_is_a_json_503(
    api: API, issue: Callable[..., dict[str, Any]]
) -> None:
    token = issue()["access"]
    purge(JWTSession.objects.get().session_key, "default")  # a miss: the lookup needs the row
    with connection.execute_wrapper(_session_table_down("SELECT")):
        response = api.get("/t/whoami/", token)
    assert response.status_code == 503
    assert error_code(response) == "database_unavailable"
    assert response["Cache-Control"] == "no-store"
    assert api.get("/t/whoami/", token).json()["session_key_known"] is True  # and back


# Outside a test transaction, as a request runs: inside one, the failed UPDATE would doom it.
@pytest.mark.django_db(transaction=True)
def test_a_last_seen_that_cannot_be_written_does_not_fail_the_request(
    api: API, issue: Callable[..., dict[str, Any]]
) -> None:
    token = issue()["access"]
    past = timezone.now() - timedelta(minutes=5)
    JWTSession.objects.update(last_seen=past)
    from djwechat.jwt.record_cache import clear_local_cache

    clear_local_cache()
    clear_worker_cache()
    with connection.execute_wrapper(_session_table_down("UPDATE")):
        assert api.get("/t/whoami/", token).status_code == 200
    assert JWTSession.objects.get().last_seen == past


def test_reads_never_write(api: API, issue: Callable[..., dict[str, Any]]) -> None:
    token = issue()["access"]
    for _ in range(3):
        with CaptureQueriesContext(connection) as queries:
            assert api.get("/t/protected/", token).status_code == 200
        writes = [q["sql"] for q in queries.captured_queries if q["sql"].startswith(("UPDATE", "INSERT"))]
        assert not [sql for sql in writes if JWTSession._meta.db_table in sql]


def test_last_seen_is_refreshed_once_per_interval(api: API, issue: Callable[..., dict[str, Any]]) -> None:
    token = issue()["access"]
    past = timezone.now() - timedelta(minutes=5)
    JWTSession.objects.update(last_seen=past)
    from djwechat.jwt.record_cache import clear_local_cache

    clear_local_cache()
    clear_worker_cache()
    api.get("/t/whoami/", token)
    seen = JWTSession.objects.get().last_seen
    assert seen > past + timedelta(minutes=4)
    # The next requests within the interval write nothing.
    JWTSession.objects.update(last_seen=past)
    api.get("/t/whoami/", token)
    api.get("/t/whoami/", token)
    assert JWTSession.objects.get().last_seen == past


def test_session_data_is_saved(api: API, issue: Callable[..., dict[str, Any]]) -> None:
    token = issue(session_data={"seed": "x"})["access"]
    assert api.get("/t/counter/", token).json() == {"count": 1}
    assert api.get("/t/counter/", token).json() == {"count": 2}
    decoded = JWTSession.objects.get().get_decoded()
    assert decoded == {"seed": "x", "count": 2}


def test_set_request_user(api: API, issue: Callable[..., dict[str, Any]]) -> None:
    token = issue()["access"]
    assert api.get("/t/whoami/", token).json()["request_user_authenticated"] is False
    with jwt_settings(SET_REQUEST_USER=True):
        assert api.get("/t/whoami/", token).json()["request_user_authenticated"] is True


def test_login_required_without_token(api: API) -> None:
    response = api.get("/t/protected/")
    assert response.status_code == 401
    assert error_code(response) == "not_authenticated"
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_drf_view_without_token(api: API) -> None:
    response = api.get("/t/drf/")
    assert response.status_code == 401
    assert response.json() == {"detail": "Authentication credentials were not provided."}
    response = api.get("/auth/me/")
    assert response.status_code == 401
    assert error_code(response) == "not_authenticated"


def test_public_view_costs_nothing(api: API) -> None:
    with CaptureQueriesContext(connection) as queries:
        assert api.get("/t/public/", "garbage").status_code == 200
    assert queries.captured_queries == []


@override_settings(MIDDLEWARE=[m for m in settings.MIDDLEWARE if "JWTSession" not in m])
def test_decorator_and_drf_work_without_the_middleware(
    api: API, issue: Callable[..., dict[str, Any]]
) -> None:
    token = issue()["access"]
    assert api.get("/t/protected/", token).json() == {"username": "alice"}
    assert api.get("/t/drf/", token).status_code == 200
    assert api.get("/auth/me/", token).json()["username"] == "alice"
    assert api.get("/t/drf/", "garbage").status_code == 401


def test_local_session_cache_trades_revocation_delay(api: API, issue: Callable[..., dict[str, Any]]) -> None:
    token = issue()["access"]
    with jwt_settings(SESSION_CACHE_SECONDS=30):
        assert api.get("/t/whoami/", token).json()["pk"] is not None
        with CaptureQueriesContext(connection) as queries:
            assert api.get("/t/whoami/", token).json()["pk"] is not None
        assert queries.captured_queries == []
        # Revocation through this process is still immediate.
        assert api.post("/auth/logout/", {}, token).status_code == 204
        assert api.get("/t/whoami/", token).json()["error"] == "session_revoked"


def test_a_store_is_set_up_as_django_sets_up_its_own() -> None:
    """``SessionStore.__init__`` sets SessionBase's attributes itself: none may be missing or differ."""
    from django.contrib.sessions.backends.db import SessionStore as DBStore

    from djwechat.jwt.session_store import SessionStore

    ours, django = vars(SessionStore("a-key")), vars(DBStore("a-key"))
    assert {name: ours.get(name) for name in django} == django
    with override_settings(SESSION_SERIALIZER="tests.jwt.hooks_for_tests.OtherJSONSerializer"):
        assert SessionStore().serializer is OtherJSONSerializer
