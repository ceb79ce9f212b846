"""The README's "Use it in a project", followed to the letter in a fresh ``startproject``.

The wheel built from this checkout goes into a new virtualenv; ``django-admin startproject``
makes the project; the README's snippets, read from README.md itself, are added to it; then
``check``, ``migrate`` and ``check --deploy`` (production-like settings) run, and the running
site serves a Mini Program login against the simulator (the one in the wheel), an authenticated
DRF request and an Official Account push.  Once with the default ``auth.User``, once with a
custom user model made with the profile mixin (the quickstart's snippet).
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from djwechat.testing import SimulatorControl, push_message, text_message
from tests.fresh_project.support import (
    apply,
    build_virtualenv,
    cache_settings,
    database,
    drop_database,
    forget_cache_keys,
    run,
    secret,
    snippets,
)

pytestmark = pytest.mark.timeout(900)

#: The apps the README configures, with credentials the simulator knows.
APPS = {
    "WECHAT_MP_APP_ID": "wxfresh0mp00000001",
    "WECHAT_MP_APP_SECRET": "fresh-mp-secret-000000000000001",
    "WECHAT_WEB_APP_ID": "wxfresh0web0000001",
    "WECHAT_WEB_APP_SECRET": "fresh-web-secret-00000000000001",
    "WECHAT_OA_APP_ID": "wxfresh0oa00000001",
    "WECHAT_OA_APP_SECRET": "fresh-oa-secret-000000000000001",
    "WECHAT_OA_TOKEN": "fresh-oa-token",
    "WECHAT_OA_ENCODING_AES_KEY": "0123456789abcdefghijklmnopqrstuvwxyzABCDEFG",
}

#: What a deployment sets around the README's snippet: database, secrets, hosts, HTTPS.
ENVIRONMENT = """
# ---- this run's environment (what a deployment sets) ----
DATABASES = {{"default": {database!r}}}
{cache}SECRET_KEY = os.environ["DJANGO_SECRET_KEY"]
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
if os.environ.get("WECHAT_SIMULATOR_URL"):  # development: the local simulator stands in for WeChat
    WECHAT["API_BASE_URL"] = WECHAT["OPEN_BASE_URL"] = os.environ["WECHAT_SIMULATOR_URL"]
else:  # production: HTTPS only
    SECURE_SSL_REDIRECT = True
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    # Django 6.1's startproject sends mail to the console, which its deploy check refuses.
    MAILERS = {{"default": {{"BACKEND": "django.core.mail.backends.smtp.EmailBackend"}}}}
"""

#: The project's own DRF view, authenticated by the README's REST_FRAMEWORK setting.
API_VIEW = """
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView


class WhoAmI(APIView):
    permission_classes = [IsAuthenticated]

    def get(self, request):
        return Response({"id": request.user.pk, "username": request.user.get_username()})
"""
API_URL = """
from myproject.api import WhoAmI

urlpatterns += [path("api/whoami/", WhoAmI.as_view())]
"""


@pytest.fixture(scope="session")
def fresh_python(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A virtualenv holding the wheel of this checkout and its dependencies, nothing else."""
    return build_virtualenv(tmp_path_factory.mktemp("fresh-venv"))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def serve() -> Iterator[Any]:
    """Start a process of the fresh virtualenv that serves HTTP; stopped after the test."""
    processes: list[subprocess.Popen[str]] = []

    def start(args: list[str | Path], *, url: str, env: dict[str, str], cwd: Path) -> str:
        process = subprocess.Popen(
            [str(a) for a in args],
            cwd=cwd,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        processes.append(process)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            assert process.poll() is None, process.stdout.read() if process.stdout else ""
            try:
                httpx.get(url, timeout=1)
                return url
            except httpx.TransportError:
                time.sleep(0.1)
        raise AssertionError(f"{args} did not answer on {url}")

    yield start
    for process in processes:
        process.terminate()
        process.wait(timeout=10)


@pytest.mark.parametrize("user_model", ["auth.User", "custom"])
def test_the_readme_quickstart_in_a_fresh_startproject(
    user_model: str, fresh_python: Path, tmp_path: Path, serve: Any
) -> None:
    venv_bin = fresh_python.parent
    label = f"{os.environ.get('TEST_DB_NAME') or 'djwechat'}_fresh_{'custom' if user_model == 'custom' else 'auth'}"
    project = tmp_path / "myproject"
    project.mkdir()
    run(venv_bin / "django-admin", "startproject", "myproject", project)
    apply(project, snippets("README.md", "## Use it in a project"))
    if user_model == "custom":
        run(fresh_python, "manage.py", "startapp", "accounts", cwd=project)
        apply(project, snippets("docs/quickstart.md", "### A custom user model"))
    settings_py = project / "myproject" / "settings.py"
    settings_py.write_text(
        settings_py.read_text()
        + ENVIRONMENT.format(database=database(label, project), cache=cache_settings(label)),
        encoding="utf-8",
    )
    (project / "myproject" / "api.py").write_text(API_VIEW, encoding="utf-8")
    urls_py = project / "myproject" / "urls.py"
    urls_py.write_text(urls_py.read_text() + API_URL, encoding="utf-8")

    production = {
        "PATH": os.environ["PATH"],
        "DJANGO_SECRET_KEY": secret(),
        "JWT_SIGNING_KEY": secret(64),
        "REDIS_URL": os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0",
        **APPS,
    }
    manage = [fresh_python, "manage.py"]
    try:
        run(*manage, "check", "--fail-level", "WARNING", cwd=project, env=production)
        if user_model == "custom":
            run(*manage, "makemigrations", "accounts", cwd=project, env=production)
        run(*manage, "migrate", "--noinput", cwd=project, env=production)
        if not os.environ.get("REDIS_URL"):
            run(*manage, "createcachetable", cwd=project, env=production)
        run(*manage, "check", "--deploy", "--fail-level", "WARNING", cwd=project, env=production)

        sim_url = _start_simulator(serve, fresh_python, tmp_path)
        development = {**production, "WECHAT_SIMULATOR_URL": sim_url}
        # The deploy checks see through a development setup left in place.
        with pytest.raises(AssertionError, match=r"djwechat\.W003"):
            run(*manage, "check", "--deploy", "--fail-level", "WARNING", cwd=project, env=development)
        site = _start_site(serve, manage, project, development)
        _exercise(site, sim_url, custom_user=user_model == "custom")
        # Whatever the user model, the identity keeps the WeChat profile and the verified phone.
        kept = run(*manage, "shell", "-c", KEPT_PROFILE, cwd=project, env=development)
        assert "Alice 🌸|1|13800138000" in kept, kept
        # The wheel ships the compiled zh-hans messages.
        chinese = run(*manage, "shell", "-c", IN_CHINESE, cwd=project, env=development)
        assert "令牌无效。" in chinese, chinese
        # ... and the simulator's, which it reads without Django settings.
        page = httpx.get(f"{sim_url}/connect/qrconnect", headers={"Accept-Language": "zh-CN"}, timeout=10)
        assert page.status_code == 400, page.text
        assert "<h1>该链接无法访问</h1>" in page.text, page.text
        assert "缺少 appid" in page.text, page.text
    finally:
        drop_database(label)
        forget_cache_keys(label)


KEPT_PROFILE = (
    "from djwechat.accounts.models import Identity; i = Identity.objects.get(); "
    "print(f'{i.nickname}|{i.gender}|{i.phone_number}')"
)


IN_CHINESE = (
    "from django.utils import translation; translation.activate('zh-hans'); "
    "from djwechat.exceptions import InvalidTokenError; print(InvalidTokenError().message)"
)


def _start_simulator(serve: Any, python: Path, cwd: Path) -> str:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    serve(
        [python, "-m", "djwechat.simulator", "--port", str(port), "--quiet"],
        url=f"{base}/_sim/apps",
        env={"PATH": os.environ["PATH"]},
        cwd=cwd,
    )
    return base


def _start_site(serve: Any, manage: list[Any], project: Path, env: dict[str, str]) -> str:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    serve(
        [*manage, "runserver", "--noreload", f"127.0.0.1:{port}"],
        url=f"{base}/auth/me/",
        env=env,
        cwd=project,
    )
    return base


def _exercise(site: str, sim_url: str, *, custom_user: bool) -> None:
    with SimulatorControl(sim_url) as sim, httpx.Client(base_url=site, timeout=30) as http:
        sim.register_app(APPS["WECHAT_MP_APP_ID"], APPS["WECHAT_MP_APP_SECRET"], type="miniprogram")
        sim.register_app(
            APPS["WECHAT_OA_APP_ID"],
            APPS["WECHAT_OA_APP_SECRET"],
            type="official_account",
            token=APPS["WECHAT_OA_TOKEN"],
            encoding_aes_key=APPS["WECHAT_OA_ENCODING_AES_KEY"],
        )
        alice = sim.create_user("alice", nickname="Alice 🌸", sex=1, phone_number="13800138000")
        mp = APPS["WECHAT_MP_APP_ID"]

        # A Mini Program login: wx.login's code and the user's profile (kept on the identity, and
        # on the user too with the profile mixin).
        body: dict[str, Any] = {"code": sim.mint_code(mp, alice.id)}
        body.update(sim.encrypted_data(mp, alice.id).fields())
        login = http.post("/auth/miniprogram/mp/login/", json=body)
        assert login.status_code == 200, login.text
        pair = login.json()
        assert pair["is_new_user"] is True
        assert pair["user"].get("nickname") == ("Alice 🌸" if custom_user else None)
        bearer = {"Authorization": f"Bearer {pair['access']}"}
        (identity,) = http.get("/auth/identities/", headers=bearer).json()["identities"]
        assert identity["nickname"] == "Alice 🌸"
        phone = http.post(
            "/auth/miniprogram/mp/phone/", json={"code": sim.mint_code(mp, alice.id, "phone")}, headers=bearer
        )
        assert phone.status_code == 200, phone.text

        # The project's own DRF view, authenticated with the access token.
        whoami = http.get("/api/whoami/", headers=bearer)
        assert whoami.status_code == 200, whoami.text
        assert whoami.json()["id"] == pair["user"]["id"]
        assert http.get("/api/whoami/").status_code == 401

        # The Official Account: a safe-mode push answered by the README's router.
        oa = APPS["WECHAT_OA_APP_ID"]
        pushed = push_message(
            f"{site}/wechat/oa/",
            token=APPS["WECHAT_OA_TOKEN"],
            xml=text_message(f"gh_{oa[-12:]}", alice.openid(oa), "hello from a fresh project"),
            app_id=oa,
            encoding_aes_key=APPS["WECHAT_OA_ENCODING_AES_KEY"],
            mode="safe",
        )
        assert pushed.ok, (pushed.error, pushed.body)
        assert pushed.encrypted
        assert pushed.fields["Content"] == "hello from a fresh project"
