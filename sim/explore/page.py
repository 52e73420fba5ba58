"""The explorer page (run by `ceasefire explore`, or `solara run sim.explore.page`).

Left: what to simulate (scenario, mediators, variants, worlds, seed) and the levers,
whose sliders span exactly the valid range of each parameter in the schema. Right:
thousands of worlds per mediator (recomputed on every change), one world stepped
hour by hour, and a button that keeps the settings as a variant file.
"""

from __future__ import annotations

import os
from pathlib import Path

import solara

from sim.explore import backend
from sim.explore.panels import ManyWorldsPanel, OneWorldPanel, SavePanel

SCENARIO_ENV = backend.SCENARIO_ENV
WORLD_CHOICES = [500, 1000, 2000, 5000, 10_000]


def initial_scenario() -> str:
    """The scenario given to `ceasefire explore` (through the environment), or the default."""
    from sim.scenario import DEFAULT_SCENARIO

    return os.environ.get(SCENARIO_ENV) or str(DEFAULT_SCENARIO)


def scenario_choices(current: str) -> list[str]:
    """Scenario files beside the current one, and the current one."""
    folder = Path(current).parent
    found = sorted(str(p) for p in folder.glob("*.toml")) if folder.is_dir() else []
    return list(dict.fromkeys([current, *found]))


def check(settings: backend.Settings) -> str | None:
    """The validation message of these settings, or None if they load.

    Errors from the scenario files are expected (UserError: file, key, expected);
    anything else is shown as one line too, never as a traceback in the page.
    """
    try:
        backend.load(settings)
    except backend.UserError as error:
        return str(error)
    except Exception as error:  # the page's boundary: one line, whatever went wrong
        return f"{type(error).__name__}: {error}"
    return None


@solara.component
def Page() -> None:
    """The whole explorer, for the scenario `ceasefire explore` was started with."""
    Explorer(initial_scenario())


@solara.component
def Explorer(scenario_path: str) -> None:
    """The explorer for one scenario file (another can be picked on the page)."""
    initial = solara.use_memo(lambda: backend.default_settings(scenario_path)[0], [scenario_path])
    settings = solara.use_reactive(initial)
    error = solara.use_memo(lambda: check(settings.value), [settings.value])
    solara.Title("ceasefire explore")
    with solara.Column(style={"padding": "1em"}):
        solara.Markdown(
            "## Ceasefire explorer\nChange the mediator and watch thousands of truces respond."
        )
        with solara.Columns([2, 3]):
            with solara.Column():
                SettingsPanel(settings)
                if error is None and settings.value.mediators:
                    LeverPanel(settings)
            with solara.Column():
                if error is not None:
                    solara.Error(f"This scenario does not load: {error}", classes=["explore-error"])
                elif not settings.value.mediators:
                    solara.Warning("Pick at least one mediator.")
                else:
                    ManyWorldsPanel(settings.value)
                    OneWorldPanel(settings.value)
                    SavePanel(settings.value)


@solara.component
def SettingsPanel(settings: solara.Reactive[backend.Settings]) -> None:
    """Scenario, mediators, variants, worlds per mediator and seed."""
    current = settings.value

    def pick_scenario(path: str) -> None:
        settings.set(backend.default_settings(path)[0])

    def change(**fields: object) -> None:
        values = {**current.__dict__, **fields}
        settings.set(backend.Settings(**values))  # type: ignore[arg-type]

    seed_error = solara.use_reactive(None)

    def set_seed(seed: int | None) -> None:
        if seed is None or seed < 0:
            seed_error.set(f"seed: expected a non-negative integer, got {seed}")
            return
        seed_error.set(None)
        change(seed=seed)

    with solara.Card("What to simulate"):
        solara.Select(
            "scenario", scenario_choices(current.scenario), current.scenario, on_value=pick_scenario
        )
        mediators = backend.available(current.scenario, "mediators")
        solara.SelectMultiple(
            "mediators",
            list(current.mediators),
            mediators,
            on_value=lambda names: change(mediators=tuple(names)),
        )
        solara.SelectMultiple(
            "variants (applied in order)",
            list(current.variants),
            backend.available(current.scenario, "variants"),
            on_value=lambda names: change(variants=tuple(names)),
        )
        with solara.Row():
            solara.Select(
                "worlds per mediator",
                WORLD_CHOICES,
                current.n_worlds,
                on_value=lambda n: change(n_worlds=int(n)),
            )
            solara.InputInt("seed", current.seed, on_value=set_seed)
        if seed_error.value:
            solara.Error(seed_error.value)


@solara.component
def LeverPanel(settings: solara.Reactive[backend.Settings]) -> None:
    """Sliders for the levers; each spans the parameter's valid range from the schema."""
    current = settings.value
    tuned = solara.use_reactive(current.mediators[0])
    # The mediators picked may have changed since this one was chosen.
    chosen = tuned.value if tuned.value in current.mediators else current.mediators[0]
    scenario = solara.use_memo(lambda: backend.load(current), [current])
    found = backend.levers(scenario, chosen)

    def set_lever(key: str, value: float) -> None:
        settings.set(settings.value.with_override(key, round(float(value), 6)))

    def reset() -> None:
        settings.set(backend.Settings(**{**current.__dict__, "overrides": ()}))

    with solara.Card("Levers"):
        solara.Select(
            "mediator whose levers these are", list(current.mediators), chosen, on_value=tuned.set
        )
        first_party = next((lv.key for lv in found if lv.key.startswith("actors.")), None)
        for lever in found:
            if lever.key == first_party:
                solara.Text("The parties", style={"font-weight": "bold"})
            solara.SliderFloat(
                f"{lever.label}: {lever.value:g}",
                value=lever.value,
                min=lever.low,
                max=lever.high,
                step=lever.step,
                on_value=lambda v, key=lever.key: set_lever(key, v),
            )
        solara.Button("Reset the levers", on_click=reset, outlined=True)
        if current.overrides:
            changed = ", ".join(f"{k.split('.', 2)[-1]}={v:g}" for k, v in current.overrides)
            solara.Text(f"Changed: {changed}", classes=["explore-changed"])
