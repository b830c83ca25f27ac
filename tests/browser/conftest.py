"""Browser tests: Debian's headless Chromium, driven by Playwright, against pytest-django's
live server, on the region demo network.

How the database is handled
- The demo network is generated once per test process (xdist worker) and per visit of this
  package (`demo`, package scope): with the stock and cold-chain demo data, `demo_generate`
  takes several seconds, too slow to repeat for every test. The tests therefore must not
  depend on each other's changes: each signs in in its own browser context, and a test that
  changes shared data (the census import) puts it back.
- pytest-django gives every test that uses `live_server` a `transactional_db`, which flushes
  the database after each test. The `_live_server_helper` fixture below overrides
  pytest-django's one for this package only: it keeps the database unblocked during the test
  and enables the live server's settings, but asks for no flush. `demo` flushes once when
  the package is left and loads the territory reference data again (the data migration's own
  function), so the tests that run later in the same process find the database as migrations
  left it.
- The test database must exist before pytest-django builds its (session-scoped) live server,
  so that the server shares the in-memory SQLite connection: `_test_database_first`.
- Playwright's sync API runs an asyncio loop in the test thread. Django refuses ORM calls from
  a thread with a running loop unless DJANGO_ALLOW_ASYNC_UNSAFE is set (set here, before
  Django touches the database), and Django's connection storage changes while that loop runs:
  see `browser`.
- The live server shares the in-memory SQLite connection with the test thread: a test may
  read or write the database directly, but only while the page is idle.
- Only the live server is reachable from the browser (no tile server, no CDN): any other
  request is aborted and recorded; `Session.assert_clean()` fails on it and on JS errors.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

from .helpers import CHROMIUM, CHROMIUM_ARGS, Session, open_session, territory_reference_load

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"


@pytest.fixture(scope="session", autouse=True)
def _test_database_first(django_db_setup: None) -> None:
    """Create the test database before the live server (session fixtures set up first)."""


@pytest.fixture(autouse=True)
def _live_server_helper(request: pytest.FixtureRequest, django_db_blocker: Any) -> Iterator[None]:
    """Override of pytest-django's helper for this package: no transactional_db per test."""
    if "live_server" not in request.fixturenames:
        yield
        return
    live_server = request.getfixturevalue("live_server")
    live_server._live_server_modified_settings.enable()
    try:
        with django_db_blocker.unblock():
            yield
    finally:
        live_server._live_server_modified_settings.disable()


@pytest.fixture(scope="package")
def browser(django_db_setup: None) -> Iterator[Any]:
    """One headless Chromium per test process (per xdist worker), for the browser tests.

    Django keeps database connections in an asgiref Local that switches to separate,
    per-context storage while an asyncio loop runs in the thread, and Playwright's sync API
    keeps its loop running in the test thread from start() to stop(). Without care the test
    thread would open *new* connection objects after start(): a second connection to the
    in-memory test database, beside the one the live server uses. The connection objects of
    before start() are put into the new storage. Package scope: Playwright stops after the
    last browser test, so the tests that run later in the process see a normal thread.
    """
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is not installed")
    from django.db import connections
    from playwright.sync_api import sync_playwright

    wrappers = {alias: connections[alias] for alias in connections}
    playwright = sync_playwright().start()
    try:
        for alias, wrapper in wrappers.items():
            connections[alias] = wrapper
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()
    finally:
        playwright.stop()


def _database_as_migrated() -> None:
    from django.core.management import call_command
    from django.db import connection

    # Never flush anything but the test database.
    name = str(connection.settings_dict["NAME"])
    assert "mode=memory" in name or name.startswith("test_"), name
    from bonnebouffe.inventory.ledger_guard import ledger_purge

    with ledger_purge():  # SQLite's flush deletes the ledger's rows one by one
        call_command("flush", interactive=False, verbosity=0)
    territory_reference_load()


@pytest.fixture(scope="package")
def demo(django_db_setup: None, django_db_blocker: Any) -> Iterator[Any]:
    """The whole region demo network, committed so the live server sees it."""
    from bonnebouffe.demo.services import demo_generate

    with django_db_blocker.unblock():
        _database_as_migrated()  # whatever an earlier test left
        summary = demo_generate(scale="region", seed=42)
    yield summary
    with django_db_blocker.unblock():
        _database_as_migrated()


@pytest.fixture
def session(demo: Any, browser: Any, live_server: Any) -> Iterator[Session]:
    """A French-speaking browser context of its own (its own cookies) on the live server."""
    s = open_session(browser, live_server.url)
    yield s
    s.context.close()


@pytest.fixture
def page(session: Session) -> Any:
    return session.page
