"""Regression tests for accessibility problems axe found in the app, since fixed (commit
72a9eee): each checks its one axe rule on the pages that had it."""

from __future__ import annotations

import pytest

from .helpers import LOGIN_PATH, path, sign_in, submit_sign_in, wait_for_map_points

pytestmark = pytest.mark.browser


def _rule_violations(page, rule: str) -> list:
    from axe_playwright_python.sync_playwright import Axe

    result = Axe().run(page, options={"runOnly": {"type": "rule", "values": [rule]}})
    return [n["target"] for v in result.response["violations"] for n in v["nodes"]]


def test_maps_have_no_nested_interactive_controls(session, live_server):
    page = session.page
    sign_in(page, live_server, "coord.roussillon")
    found = {}
    for name in ("territory:map", "network:organisation_map", "partners:map"):
        page.goto(session.url(path(name)))
        assert wait_for_map_points(page) > 0
        found[name] = _rule_violations(page, "nested-interactive")
    assert found == {name: [] for name in found}


def test_overview_scroll_region_takes_the_focus(session, live_server):
    page = session.page
    sign_in(page, live_server, "evaluation")
    page.goto(session.url(path("network:overview")))
    assert _rule_violations(page, "scrollable-region-focusable") == []


def test_form_errors_are_a_list(session, live_server):
    page = session.page
    submit_sign_in(page, live_server, "admin.reseau", "not-the-password")
    assert LOGIN_PATH in page.url
    assert page.locator(".errorlist").count() == 1
    assert _rule_violations(page, "listitem") == []
