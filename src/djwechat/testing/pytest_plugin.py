"""pytest plugin shipped with djwechat (registered through the ``pytest11`` entry point).

Fixtures for projects that test their own WeChat integration against the simulator; see
:mod:`djwechat.testing` for the whole public test API. Imports happen inside the fixtures, so
loading the plugin costs nothing in projects that do not use them.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from djwechat.conf import AppSettings
    from djwechat.simulator.server import SimulatorServer
    from djwechat.testing.control import SimulatorControl, SimUser


@pytest.fixture(scope="session")
def wechat_simulator() -> Iterator[SimulatorServer]:
    """A simulator serving real HTTP on 127.0.0.1 (a free port) for the whole session.

    ``.url`` is its base URL; ``.state`` the process-wide state it serves (the in-process
    transport serves the same state).  ``timeout`` faults hold a connection for 10 seconds.
    """
    from djwechat.simulator.server import SimulatorServer

    server = SimulatorServer("127.0.0.1", 0, hang_seconds=10.0).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def sim(wechat_simulator: SimulatorServer) -> Iterator[SimulatorControl]:
    """A :class:`~djwechat.testing.SimulatorControl` of the session simulator, reset before the test."""
    from djwechat.testing.control import SimulatorControl

    control = SimulatorControl(wechat_simulator.url)
    control.reset()
    try:
        yield control
    finally:
        control.close()


@pytest.fixture
def sim_user(sim: SimulatorControl) -> SimUser:
    """A fake user ``alice`` (nickname ``Alice``, phone 13800138000)."""
    return sim.create_user("alice", nickname="Alice", phone_number="13800138000")


@pytest.fixture
def wechat_apps(sim: SimulatorControl, settings: Any) -> dict[str, AppSettings]:
    """Every app of ``settings.WECHAT``, registered with the simulator as configured (an Official
    Account's ``ROUTER`` keeps running), plus the test apps ``mp`` (mini program), ``web``
    (website) and ``oa`` (Official Account, compatible mode) under the aliases the project leaves
    free; ``API_BASE_URL`` and ``OPEN_BASE_URL`` now point at the simulator. Returns
    ``{alias: AppSettings}`` of them all. Needs pytest-django."""
    from djwechat.conf import get_settings
    from djwechat.testing.apps import settings_with_apps

    settings.WECHAT = settings_with_apps(getattr(settings, "WECHAT", {}), sim.base_url)
    configured = dict(get_settings().apps)
    for app in configured.values():
        sim.register_settings_app(app)
    return configured


@pytest.fixture
def wechat_in_process(wechat_apps: dict[str, AppSettings], settings: Any) -> dict[str, AppSettings]:
    """Like ``wechat_apps``, but the client reaches the simulator through the in-process transport
    (``CLIENT.TRANSPORT``) instead of a socket. Same state, same ``sim`` control."""
    wechat = dict(settings.WECHAT)
    wechat["CLIENT"] = {
        **dict(wechat.get("CLIENT") or {}),
        "TRANSPORT": "djwechat.simulator.transport.SimulatorTransport",
    }
    settings.WECHAT = wechat
    return wechat_apps
