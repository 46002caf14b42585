"""The dashboard in a real browser: every page against the registry, sign-off and rollback.

Each test opens pages in headless Chromium against one ``charter ui`` process, compares what a
page shows with what the registry holds, saves screenshots, and fails on any JavaScript console
error (the error-page test expects the browser's own "failed to load" lines and nothing else).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from ui_kit import MODEL, NEW_OWNER, OWNER, REVIEWERS, Filled, open_registry

from charter.governance import GovernanceService, verify_audit
from charter.reports.monitor_layout import format_number
from charter.reports.monitor_series import PointIndex, parse_metric, worst_status

pytestmark = pytest.mark.slow
GATE_WORDS = {"pass": "OK", "warn": "WARN", "fail": "ALERT"}


@dataclass
class Tab:
    """A browser page, the console errors it logged and where its screenshots go."""

    page: Any
    url: str
    shots: Path
    errors: list[str] = field(default_factory=list)

    def open(self, path: str, *, status: int = 200) -> Any:
        response = self.page.goto(f"{self.url}{path}")
        assert response is not None
        assert status == response.status, f"{path}: {response.status}"
        return response

    def shot(self, name: str) -> None:
        self.page.screenshot(path=str(self.shots / f"{name}.png"), full_page=True)

    def sign_in(self, token: str) -> None:
        self.open("/login")
        self.page.fill("#token", token)
        self.page.click("form.login button[type=submit]")
        self.page.wait_for_load_state()

    def sign_out(self) -> None:
        self.page.click("header .who button")
        self.page.wait_for_load_state()


def _tab(browser: Any, url: str, artifacts: Path, **context: Any) -> Iterator[Tab]:
    browser_context = browser.new_context(**context)
    page = browser_context.new_page()
    tab = Tab(page, url, artifacts)
    page.on("console", lambda m: tab.errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda exc: tab.errors.append(f"uncaught: {exc}"))
    try:
        yield tab
    finally:
        browser_context.close()


@pytest.fixture
def tab(browser: Any, ui_url: str, artifacts: Path) -> Iterator[Tab]:
    """A fresh browser context (no cookies) on a laptop-sized screen; no console errors."""
    for opened in _tab(browser, ui_url, artifacts, viewport={"width": 1280, "height": 900}):
        yield opened
        assert opened.errors == []


def test_overview_shows_every_model_and_its_health(tab: Tab, filled: Filled) -> None:
    tab.open("/")
    row = tab.page.locator(f"tr[data-model='{MODEL}']")
    with open_registry(filled.home) as registry:
        versions = registry.versions(MODEL)
        production = next(v for v in versions if v.stage == "production")
        run = registry.store.latest_validation_run(MODEL, production.version)
        points = registry.store.list_points(MODEL)
    assert f"v{production.version}" == row.get_by_test_id("production").inner_text()
    assert f"v{versions[-1].version}" == row.get_by_test_id("latest").inner_text()
    assert run is not None
    gate = row.locator("td[data-area='gate'] .badge")
    assert GATE_WORDS[run.status] == gate.inner_text()
    assert f"gate run #{run.id}" in (gate.get_attribute("title") or "")
    drift = [p for p in points if parse_metric(p.metric).family in ("drift", "prediction")]
    last = max(p.window_start for p in drift)
    expected = worst_status(p.status for p in drift if p.window_start == last)
    assert expected == row.locator("td[data-area='drift']").get_attribute("data-status")
    areas = row.locator("td.light").evaluate_all("cells => cells.map(c => c.dataset.area)")
    assert areas == ["gate", "drift", "quality", "performance", "delivery", "serving"]
    tab.page.keyboard.press("Tab")  # keyboard users land on the skip link first
    assert tab.page.evaluate("document.activeElement.textContent") == "Skip to content"
    tab.shot("overview")


def test_model_page_lists_versions_gate_verdicts_and_approvals(tab: Tab, filled: Filled) -> None:
    tab.open(f"/models/{MODEL}")
    with open_registry(filled.home) as registry:
        versions = registry.versions(MODEL)
        runs = {r.version: r for r in registry.store.list_validation_runs(MODEL)}
        approvals = registry.store.list_approvals(MODEL)
    rows = tab.page.locator("table[data-testid=versions] tbody tr")
    assert len(versions) == rows.count()
    for version in versions:
        row = tab.page.locator(f"table[data-testid=versions] tr[data-version='{version.version}']")
        assert row.get_by_test_id("stage").inner_text().startswith(version.stage)
        assert f"run #{runs[version.version].id}" in row.get_by_test_id("gate").inner_text()
    shown = tab.page.locator("table[data-testid=approvals] tbody tr")
    assert len(approvals) == shown.count()
    text = tab.page.locator("table[data-testid=approvals]").inner_text()
    for _, reviewer, note in REVIEWERS:
        assert reviewer in text and note in text
    tab.shot("model")
    tab.open(f"/models/{MODEL}/versions/1")
    assert versions[0].artifact_sha256 == tab.page.get_by_test_id("sha256").inner_text()
    tab.shot("version")


def test_validation_report_shows_the_stored_gate_run(tab: Tab, filled: Filled) -> None:
    tab.open(f"/models/{MODEL}/versions/2/validation")
    with open_registry(filled.home) as registry:
        run = registry.store.list_validation_runs(MODEL, 2)[-1]
    checks = run.report["checks"]
    rows = tab.page.locator(".gate table").first.locator("tbody tr")
    assert len(checks) == rows.count()
    for i, check in enumerate(checks):
        cells = rows.nth(i).locator("td")
        assert check["name"] == cells.nth(0).inner_text()
        assert check["verdict"].upper() == cells.nth(1).inner_text()
    assert run.status.upper() in tab.page.locator("h1").inner_text()
    assert tab.page.locator(".gate svg").count() >= 2  # the curves and the fairness rates
    tab.shot("validation")


def test_charter_page_renders_history_and_the_diff(tab: Tab, filled: Filled) -> None:
    tab.open(f"/models/{MODEL}/charter?version=2&against=1")
    with open_registry(filled.home) as registry:
        charters = registry.store.list_charters(MODEL)
        second = registry.get(f"{MODEL}@2")
    assert second.charter_hash == tab.page.get_by_test_id("charter-hash").inner_text()
    diff = tab.page.get_by_test_id("diff")
    assert f"-owner: {OWNER}" == diff.locator(".d-remove").inner_text()
    assert f"+owner: {NEW_OWNER}" == diff.locator(".d-add").inner_text()
    assert len(charters) == tab.page.locator("table[data-testid=charter-history] tbody tr").count()
    assert f"owner: {NEW_OWNER}" in tab.page.get_by_test_id("charter-text").inner_text()
    tab.shot("charter")


def test_monitoring_heat_map_opens_the_distributions_of_a_cell(tab: Tab, filled: Filled) -> None:
    tab.open(f"/models/{MODEL}/monitoring")
    with open_registry(filled.home) as registry:
        index = PointIndex(registry.store.list_points(MODEL))
    features = {
        s.key.column: s
        for s in index.family("drift")
        if s.version == 1 and s.key.is_feature and s.key.column
    }
    heatmap = tab.page.get_by_test_id("heatmap")
    assert len(features) == heatmap.locator("tbody tr").count()
    age = features["age"]
    cells = heatmap.locator("tr[data-feature='age'] a.cell")
    assert len(age.values) == cells.count()
    assert [format_number(v) for v in age.values] == cells.locator(".v").all_inner_texts()
    assert [s for s in age.statuses if s in ("warn", "alert")] == [
        w.lower() for w in cells.locator(".w").all_inner_texts()
    ]
    cells.last.click()
    panel = tab.page.get_by_test_id("distribution")
    panel.wait_for()
    assert (
        f"{age.metric} = {format_number(age.values[-1])}"
        == panel.get_by_test_id("statistic").inner_text()
    )
    assert panel.locator("svg").count() == 1
    families = tab.page.locator("table[data-testid=families] tbody tr")
    assert len(index.families()) <= families.count()
    for section in ("performance", "fairness", "quality", "health"):
        assert tab.page.locator(f"section#{section} svg").count() > 0, section
    tab.shot("monitoring")
    heatmap.screenshot(path=str(tab.shots / "heatmap.png"))
    panel.screenshot(path=str(tab.shots / "heatmap-cell.png"))
    tab.open(f"/models/{MODEL}/monitoring/distribution?feature=age&version=1&start="
             + age.starts[-1].isoformat().replace("+", "%2B"))  # fmt: skip
    tab.shot("distribution")


def test_audit_page_filters_events_and_verifies_the_chain(tab: Tab, filled: Filled) -> None:
    tab.open("/audit")
    with open_registry(filled.home) as registry:
        verdict = verify_audit(registry.store)
        approved = [e for e in registry.store.list_events() if e.action == "version.approved"]
    assert verdict.ok
    assert tab.page.get_by_test_id("chain").inner_text().startswith("Chain verified")
    tab.page.select_option("#f-action", "version.approved")
    tab.page.click("form.filters button[type=submit]")
    tab.page.wait_for_load_state()
    assert len(approved) == tab.page.locator("table[data-testid=events] tbody tr").count()
    tab.shot("audit")


def test_bad_input_gets_a_clear_error_page(browser: Any, ui_url: str, artifacts: Path,
                                           filled: Filled) -> None:  # fmt: skip
    for tab in _tab(browser, ui_url, artifacts):
        tab.open("/models/no-such-model", status=404)
        assert "no-such-model" in tab.page.get_by_test_id("error").inner_text()
        tab.open(f"/models/{MODEL}/versions/99", status=404)
        tab.open(f"/models/{MODEL}/versions/two", status=400)
        tab.shot("error-bad-version")
        tab.open("/login")
        tab.page.fill("#token", "chr_not-a-token")
        tab.page.click("form.login button[type=submit]")
        assert "not valid" in tab.page.get_by_test_id("error").inner_text()
        tab.sign_in(filled.tokens["viewer"])
        tab.open(f"/models/{MODEL}/versions/2")
        tab.page.click("button[value=approve]")
        tab.page.wait_for_load_state()
        error = tab.page.get_by_test_id("error").inner_text()
        assert "refused by rule 'token-role'" in error
        tab.shot("error-wrong-role")
        # only the browser's own lines for the 4xx documents above, never a script error
        assert all("Failed to load resource" in e for e in tab.errors), tab.errors


def _sign_off(tab: Tab, token: str, role: str, note: str) -> None:
    tab.sign_in(token)
    tab.open(f"/models/{MODEL}/versions/2")
    assert f"approver:{role}" in tab.page.locator("header .who").inner_text()
    tab.page.select_option("#role", role)
    tab.page.fill("#note", note)
    tab.page.click("button[value=approve]")
    tab.page.wait_for_load_state()
    assert f"approved as {role}" in tab.page.get_by_test_id("notice").inner_text()
    decision = tab.page.locator(f"table[data-testid=roles] tr[data-role='{role}']")
    assert decision.get_by_test_id("decision").inner_text() == "approved"
    tab.shot(f"signoff-{role}")
    tab.sign_out()


def test_a_reviewer_signs_off_and_an_operator_rolls_back(tab: Tab, filled: Filled) -> None:
    notes = {role: f"{role} review done in the dashboard" for role, _, _ in REVIEWERS}
    for role, _, _ in REVIEWERS:
        _sign_off(tab, filled.tokens[f"approver:{role}"], role, notes[role])
    with open_registry(filled.home) as registry:
        assert GovernanceService(registry.store).readiness(f"{MODEL}@2").is_ready
        decisions = registry.store.list_approvals(MODEL, 2)
    assert {d.role: d.note for d in decisions} == notes
    assert all(d.actor.startswith("token:") for d in decisions)

    tab.sign_in(filled.tokens["deployer"])
    tab.open(f"/models/{MODEL}/versions/2")
    assert tab.page.get_by_test_id("readiness").inner_text().startswith("Ready for production")
    tab.page.fill("#promote-reason", "signed off in the dashboard")
    tab.page.click("form[data-testid=promote-form] button[type=submit]")
    tab.page.wait_for_load_state()
    assert "promoted to production" in tab.page.get_by_test_id("notice").inner_text()
    with open_registry(filled.home) as registry:
        assert registry.get(f"{MODEL}@2").stage == "production"

    tab.page.fill("#rollback-reason", "v2 misbehaves")
    tab.page.click("form[action$='/rollback'] button[type=submit]")
    tab.page.wait_for_load_state()
    assert "production is now v1" in tab.page.get_by_test_id("notice").inner_text()
    tab.shot("rolled-back")
    with open_registry(filled.home) as registry:
        assert registry.get(f"{MODEL}@1").stage == "production"
        events = registry.store.list_events(MODEL)
        assert verify_audit(registry.store).ok
    rolled = [e for e in events if e.action == "version.rolled_back"]
    assert len(rolled) == 1
    assert rolled[0].actor.endswith(":deployer")
    assert rolled[0].reason == "v2 misbehaves"
    tab.open("/")
    assert (
        tab.page.locator(f"tr[data-model='{MODEL}']").get_by_test_id("production").inner_text()
        == "v1"
    )


def test_pages_fit_a_phone_screen(browser: Any, ui_url: str, artifacts: Path) -> None:
    for tab in _tab(browser, ui_url, artifacts, viewport={"width": 390, "height": 844},
                    is_mobile=True, has_touch=True):  # fmt: skip
        pages = {"overview": "/", "model": f"/models/{MODEL}",
                 "monitoring": f"/models/{MODEL}/monitoring", "audit": "/audit"}  # fmt: skip
        for name, path in pages.items():
            tab.open(path)
            overflow = tab.page.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            assert overflow <= 1, f"{path} scrolls sideways by {overflow}px on a phone"
            if name == "overview":  # one card per model: every light in view, no scrolling
                edges = tab.page.locator("td.light .badge").evaluate_all(
                    "badges => badges.map(b => b.getBoundingClientRect().right)"
                )
                assert len(edges) == 6 and max(edges) <= 390
            tab.shot(f"phone-{name}")
        assert tab.errors == []
