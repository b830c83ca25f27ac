"""Helpers of the browser tests: sign-in through the real form, axe checks, screenshots."""

from __future__ import annotations

import importlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
DEMO_PASSWORD = "bonnebouffe-demo"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING_IMPACTS = {"serious", "critical"}
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
LOGIN_PATH = "/comptes/connexion/"


@dataclass(frozen=True)
class KnownIssue:
    """An accessibility violation of the app, reported and tracked by an xfail test, that the
    tours tolerate meanwhile (none at the moment: see test_accessibility.py for the fixed ones).
    """

    rule: str
    target: str
    reason: str


@dataclass
class Session:
    """One browser context (its own cookies) on the live server, and what went wrong in it."""

    context: Any
    page: Any
    base_url: str
    js_errors: list[str] = field(default_factory=list)
    external_requests: list[str] = field(default_factory=list)

    def url(self, path: str) -> str:
        return self.base_url + path

    def assert_clean(self) -> None:
        assert not self.js_errors, f"JavaScript errors: {self.js_errors}"
        assert not self.external_requests, (
            f"Requests outside the live server: {self.external_requests}"
        )


def _expected_console_error(text: str) -> bool:
    # Chromium logs every 4xx/5xx response; the tests that expect one check the status.
    return text.startswith("Failed to load resource: the server responded with a status of")


def open_session(
    browser: Any, base_url: str, *, locale: str = "fr-CA", viewport: dict[str, int] = DESKTOP
) -> Session:
    """A new context (French browser by default) where only the live server is reachable."""
    context = browser.new_context(
        locale=locale, viewport=viewport, base_url=base_url, accept_downloads=True
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    session = Session(context=context, page=page, base_url=base_url)

    def route(route: Any) -> None:
        url = route.request.url
        if url.startswith(base_url) or url.startswith("data:"):
            route.continue_()
        else:
            session.external_requests.append(url)
            route.abort()

    context.route("**/*", route)
    page.on("pageerror", lambda exc: session.js_errors.append(str(exc)))
    page.on(
        "console",
        lambda msg: (
            session.js_errors.append(msg.text)
            if msg.type == "error" and not _expected_console_error(msg.text)
            else None
        ),
    )
    return session


def path(name: str, *args: Any) -> str:
    from django.urls import reverse

    return reverse(name, args=args)


def submit_sign_in(page: Any, live_server: Any, username: str, password: str) -> Any:
    """Fill and send the real sign-in form; return the response to the POST."""
    page.goto(str(live_server) + LOGIN_PATH)
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(password)
    with page.expect_response(
        lambda r: r.request.method == "POST" and LOGIN_PATH in r.url
    ) as response:
        page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    return response.value


def sign_in(page: Any, live_server: Any, username: str, password: str = DEMO_PASSWORD) -> None:
    """Sign in through the real form (django-axes needs a real request) and check it worked."""
    submit_sign_in(page, live_server, username, password)
    assert LOGIN_PATH not in page.url, (
        f"sign-in as {username} failed: {words(page.locator('body').inner_text())[:500]}"
    )
    assert page.locator(".header-tools").get_by_text(f"({username})").count() == 1


def check_axe(
    page: Any, name: str | None = None, *, known: Iterable[KnownIssue] = ()
) -> dict[str, Any]:
    """Run axe-core with the WCAG 2.0/2.1 A and AA rules; fail on serious or critical
    violations. Every violation, whatever its impact, is written to screenshots/<name>.axe.json.

    `known`: app bugs already reported, each tracked by its own xfail test; a violation is
    tolerated only if every node it flags is one of the known (rule, CSS target) pairs.
    """
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(
        page,
        options={
            "runOnly": {"type": "tag", "values": WCAG_TAGS},
            "resultTypes": ["violations"],
        },
    )
    violations = results.response["violations"]
    report = SCREENSHOTS / f"{name}.axe.json"
    if name and not violations:
        report.unlink(missing_ok=True)  # from an earlier run
    if name and violations:
        SCREENSHOTS.mkdir(exist_ok=True)
        report.write_text(
            json.dumps(
                [
                    {
                        "id": v["id"],
                        "impact": v["impact"],
                        "help": v["help"],
                        "targets": [n["target"] for n in v["nodes"]],
                        "summary": [n.get("failureSummary", "") for n in v["nodes"]][:3],
                    }
                    for v in violations
                ],
                indent=2,
                ensure_ascii=False,
            )
        )
    tolerated = {(k.rule, k.target) for k in known}
    blocking = [
        v
        for v in violations
        if v["impact"] in BLOCKING_IMPACTS
        and not all((v["id"], ", ".join(n["target"])) in tolerated for n in v["nodes"])
    ]
    assert not blocking, f"axe on {page.url}:\n" + "\n".join(
        f"- {v['id']} ({v['impact']}): {v['help']}; targets: "
        f"{[n['target'] for n in v['nodes']][:8]}"
        for v in blocking
    )
    return results.response  # type: ignore[no-any-return]


def screenshot(page: Any, name: str) -> Path:
    SCREENSHOTS.mkdir(exist_ok=True)
    target = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(target), full_page=True)
    return target


def checkpoint(page: Any, name: str, *, known: Iterable[KnownIssue] = ()) -> None:
    """What every visited page gets: a full-page screenshot, then the axe check."""
    page.wait_for_load_state("load")
    screenshot(page, name)
    check_axe(page, name, known=known)


def wait_for_map_points(page: Any) -> int:
    """Wait until bb/maps.js has drawn the map (it sets #map[data-points]); return the count."""
    page.wait_for_function(
        "() => { const m = document.getElementById('map');"
        " return m !== null && m.hasAttribute('data-points'); }"
    )
    return int(page.locator("#map").get_attribute("data-points") or "0")


def nav_links(page: Any) -> dict[str, str]:
    """The main menu as {href: label}."""
    links = page.locator("header nav a")
    return {
        str(links.nth(i).get_attribute("href")): words(links.nth(i).inner_text())
        for i in range(links.count())
    }


def html_lang(page: Any) -> str | None:
    return page.locator("html").get_attribute("lang")  # type: ignore[no-any-return]


def words(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def mark_page(page: Any) -> None:
    """Leave a mark on the window: it survives HTMX swaps, not a full page load."""
    page.evaluate("() => { window.__bbNoReload = 'still here'; }")


def page_was_not_reloaded(page: Any) -> bool:
    return page.evaluate("() => window.__bbNoReload === 'still here'")  # type: ignore[no-any-return]


def territory_reference_load() -> None:
    """Load the shipped territory as its data migration does (idempotent: it also puts the
    2021 populations back)."""
    from django.apps import apps

    migration = importlib.import_module(
        "bonnebouffe.territory.migrations.0002_load_west_monteregie"
    )
    migration.load(apps, None)
