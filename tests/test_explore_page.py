"""The explorer page rendered without a browser, with Solara's own `solara.render`."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from sim.scenario import load_scenario, override_param
from tests.helpers import DEFAULT, edit, scenario_copy

solara = pytest.importorskip("solara", reason="the [explore] extra is not installed")
v = pytest.importorskip("ipyvuetify")
pytest.importorskip("altair", reason="the [explore] extra is not installed")

from sim.explore.page import Explorer  # noqa: E402

PATROLS = "patrol coverage"


def wait_for(condition: Callable[[], Any], timeout: float = 30.0) -> Any:
    """Poll until `condition()` is truthy (the page computes in a thread)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError("the page did not get there in time")


def html_by_id(rc: Any, test_id: str) -> list[Any]:
    return [
        w
        for w in rc.find(solara.widgets.HTML).widgets
        if (w.attributes or {}).get("data-testid") == test_id
    ]


def slider(rc: Any, name: str) -> Any:
    """The slider whose label starts with `name` (the label goes on with the value)."""
    (found,) = [w for w in rc.find(v.Slider).widgets if w.label.startswith(name + ":")]
    return found


def survival_alt(rc: Any) -> str | None:
    found = html_by_id(rc, "survival-figure")
    return found[0].attributes["alt"] if found else None


def texts(rc: Any) -> str:
    return " ".join(str(w.children) for w in rc.find(v.Html).widgets) + " ".join(
        str(w.children) for w in rc.find(v.Alert).widgets
    )


@pytest.fixture
def page() -> Any:
    _box, rc = solara.render(Explorer(str(DEFAULT)), handle_error=False)
    wait_for(lambda: survival_alt(rc))
    yield rc
    rc.close()


def test_page_shows_curves_tables_and_levers_within_their_ranges(page: Any) -> None:
    alt = survival_alt(page)
    assert "Russia, 2000 worlds" in alt and "Turkey, 2000 worlds" in alt
    assert "holding at 336 h" in alt
    for table in ("survival-table", "causes-table", "first-violator-table"):
        inner = html_by_id(page, table)[0].unsafe_innerHTML
        assert "<th" in inner and "%" in inner
    assert "militia" in html_by_id(page, "causes-table")[0].unsafe_innerHTML
    sliders = page.find(v.Slider).widgets
    assert len(sliders) >= 13
    patrols = slider(page, PATROLS)
    param = override_param("mediator.conduct.patrol_capacity", load_scenario(DEFAULT))
    assert (patrols.min, patrols.max) == (param.low, param.high)
    bias = slider(page, "closeness to Assad regime (bias)")
    assert (bias.min, bias.max) == (0.0, 1.0)


def test_moving_a_slider_recomputes_the_curves(page: Any) -> None:
    before = survival_alt(page)
    slider(page, PATROLS).v_model = 1.0
    after = wait_for(lambda: (a := survival_alt(page)) != before and a)
    russia_before, turkey_before = before.split(". Turkey")
    russia_after, turkey_after = after.split(". Turkey")
    assert russia_after != russia_before  # the lever is Russia's ...
    assert turkey_after == turkey_before  # ... Turkey's worlds are untouched
    assert "patrol_capacity=1" in texts(page)
    assert slider(page, PATROLS).label == f"{PATROLS}: 1"


def test_one_world_steps_and_resets_with_mesas_controller(page: Any) -> None:
    assert "Hour 0 of 336" in texts(page)
    step = page.find(v.Btn, children=["Step"]).widget
    step.click()
    step.click()
    wait_for(lambda: "Hour 2 of 336" in texts(page))
    alt = html_by_id(page, "world-figure")[0].attributes["alt"]
    assert alt.startswith("One world at hour 2") and "credibility" in alt
    assert "<td" in html_by_id(page, "world-table")[0].unsafe_innerHTML
    page.find(v.Btn, children=["Reset"]).widget.click()
    wait_for(lambda: "Hour 0 of 336" in texts(page))


def test_save_writes_a_variant_and_shows_the_batch_command(
    page: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    page.find(v.Btn, children=["Save as variant file"]).widget.click()
    command = wait_for(lambda: html_by_id(page, "batch-command"))[0].unsafe_innerHTML
    assert command.startswith("ceasefire batch ") and "--variant results/explore/" in command
    assert (tmp_path / "results" / "explore" / "explore_daraa_2021.toml").is_file()


def test_a_scenario_that_fails_validation_is_shown_in_the_page(tmp_path: Path) -> None:
    path = scenario_copy(tmp_path)
    edit(path, "horizon_h = { value = 336.0", "horizon_h = { value = -5.0")
    _box, rc = solara.render(Explorer(str(path)), handle_error=False)
    alerts = " ".join(str(w.children) for w in rc.find(v.Alert).widgets)
    assert "This scenario does not load" in alerts and "time.horizon_h" in alerts
    assert "Traceback" not in alerts
    assert not rc.find(v.Slider).widgets  # nothing to set on a scenario that does not load
    rc.close()


def test_picking_a_variant_moves_levers_and_curves(page: Any) -> None:
    before = survival_alt(page)
    page.find(v.Select, label="variants (applied in order)").widget.v_model = ["patrols_in_force"]
    wait_for(lambda: survival_alt(page) != before)
    assert slider(page, PATROLS).label == f"{PATROLS}: 0.9"  # the overlay's value


def test_picking_a_scenario_that_does_not_load_shows_why(page: Any) -> None:
    other = str(DEFAULT.parent / "sensitivity_default.toml")
    page.find(v.Select, label="scenario").widget.v_model = other
    alerts = wait_for(lambda: " ".join(str(w.children) for w in page.find(v.Alert).widgets))
    assert "This scenario does not load" in alerts and "sensitivity_default.toml" in alerts
    assert "Traceback" not in alerts
