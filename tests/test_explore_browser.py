"""End to end in a real browser: the explorer page in the system Chromium, via Playwright.

Uses the fixtures of pytest-ipywidgets (a Solara server in this process, a browser page
kept open for the session). Chromium is Debian's (/usr/bin/chromium): Playwright never
downloads a browser here. Skipped with the reason when Chromium or the [explore] extra is
missing, except under CI (CI=true), where `.ci/run` installs both and a skip would hide
a broken set-up.
"""

from __future__ import annotations

import importlib.util
import io
import os
import shutil
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest

from tests.helpers import DEFAULT, ROOT

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOT = ROOT / "docs" / "explorer.png"
PATROLS = "patrol coverage"


def _missing() -> str | None:
    for module in ("playwright", "pytest_playwright", "solara", "solara_assets", "altair"):
        if importlib.util.find_spec(module) is None:
            return f"the Python package '{module}' (pip install -e \".[explore]\")"
    if not CHROMIUM.exists():
        return f"{CHROMIUM} (apt-get install chromium)"
    return None


_reason = _missing()
if _reason is not None:
    if os.environ.get("CI"):
        raise RuntimeError(f"CI must run the browser tests, but this machine lacks {_reason}")
    pytest.skip(f"the browser test needs {_reason}", allow_module_level=True)

from PIL import Image  # noqa: E402  (matplotlib's dependency)
from playwright.sync_api import expect  # noqa: E402
from solara.server.starlette import ServerStarlette  # noqa: E402

from sim.explore.backend import SCENARIO_ENV  # noqa: E402

pytestmark = pytest.mark.browser


@pytest.fixture(scope="session")
def solara_server(pytestconfig: pytest.Config) -> Iterator[ServerStarlette]:
    """Solara's test server on a free port the system picks: the plugin's own fixture
    always takes port 18865, so two test runs on one machine (or anything else holding
    that port) made this test fail for reasons of its own."""
    host = pytestconfig.getoption("--solara-host")
    with socket.socket() as probe:
        probe.bind((host, 0))
        port = probe.getsockname()[1]
    server = ServerStarlette(port, host)
    try:
        server.serve_threaded()
        server.wait_until_serving()
        yield server
    finally:
        server.stop_serving()


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    """The system Chromium, never a browser build of Playwright's own."""
    return {**browser_type_launch_args, "executable_path": str(CHROMIUM)}


def test_explorer_in_chromium(
    solara_app, solara_server, page_session, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv(SCENARIO_ENV, str(DEFAULT))
    page = page_session
    urls: list[str] = []
    page.on("request", lambda request: urls.append(request.url))
    page.set_viewport_size({"width": 1400, "height": 1800})
    t0 = time.perf_counter()
    with solara_app("sim.explore.page"):
        started = time.perf_counter()
        page.goto(solara_server.base_url)
        figure = page.locator("[data-testid=survival-figure]")
        figure.wait_for(timeout=30_000)
        load_s = time.perf_counter() - started
        before = figure.get_attribute("alt")
        assert before.startswith("Survival curves. Russia, 2000 worlds")

        # Move a slider with the keyboard, as a user without a mouse would.
        slider = page.get_by_role("slider", name=PATROLS)
        expect(slider).to_have_attribute("aria-valuemax", "1")
        slider.focus()
        started = time.perf_counter()
        slider.press("End")
        expect(slider).to_have_attribute("aria-valuenow", "1")
        page.wait_for_function(
            "old => document.querySelector('[data-testid=survival-figure]').alt !== old",
            arg=before,
            timeout=30_000,
        )
        recompute_s = time.perf_counter() - started
        assert figure.get_attribute("alt") != before

        # Step one world with Mesa's controller.
        step = page.get_by_role("button", name="Step")
        step.click()
        expect(page.get_by_text("Hour 1 of 336")).to_be_visible()
        for hour in (2, 3, 4):
            step.click()
            expect(page.get_by_text(f"Hour {hour} of 336")).to_be_visible()
        page.locator("[data-testid=world-figure]").wait_for()
        page.wait_for_timeout(300)  # let the last images paint
        page.get_by_text("Ceasefire explorer").scroll_into_view_if_needed()
        shot = page.screenshot()
        body = page.inner_text("body")
    print(f"(test body {time.perf_counter() - t0:.1f} s)")
    print(f"page with curves: {load_s:.1f} s; recompute after a slider move: {recompute_s:.1f} s")

    assert "Traceback" not in body and "Error" not in body
    hosts = {urlparse(u).hostname for u in urls if u.startswith("http")}
    assert hosts <= {"localhost", "127.0.0.1"}, f"fetched from outside: {hosts}"
    (tmp_path / "explorer.png").write_bytes(shot)
    image = Image.open(io.BytesIO(shot)).convert("RGB")
    assert image.width >= 1000 and image.height >= 1000
    colours = image.getcolors(maxcolors=1 << 20)
    assert colours is not None and len(colours) > 100  # curves, bands, text: not blank
    drawn = {rgb: count for count, rgb in colours}
    # The two mediators' curves, in matplotlib's first two colours, are on the screen.
    assert drawn.get((31, 119, 180), 0) > 200 and drawn.get((255, 127, 14), 0) > 200
    if os.environ.get("CEASEFIRE_UPDATE_SCREENSHOT"):  # refresh the README's copy on purpose
        shutil.copy(tmp_path / "explorer.png", SCREENSHOT)
