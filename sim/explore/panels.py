"""The explorer's result panels: many worlds, one world, and saving the settings.

Mesa's `ModelController` (the play/step/reset bar of SolaraViz) drives the one-world
panel; the many-worlds view is plain Solara, since Mesa's components show one model
instance while here one model carries thousands of worlds.
"""

from __future__ import annotations

import warnings

import solara
import solara.lab

with warnings.catch_warnings():
    # Solara's hook checker flags Mesa's own ComponentsView at import; not ours to fix.
    warnings.filterwarnings("ignore", message=".*ComponentsView.*", category=UserWarning)
    from mesa.visualization.solara_viz import ModelController
from mesa.visualization.utils import update_counter

from sim.explore import backend, figures, saving
from sim.explore.widgets import Command, Figure, Table

#: Milliseconds between steps while playing one world (an hour of model time per step).
PLAY_INTERVAL_MS = 150
#: Redraw the progress bar only every 10% (each redraw is a message to the browser).
_PROGRESS_QUANTUM = 0.1


@solara.component
def ManyWorldsPanel(settings: backend.Settings) -> None:
    """Survival curves, causes of collapse and first violators, recomputed on every change."""

    def compute() -> backend.ManyResult | None:
        shown = [0.0]

        def progress(share: float) -> None:
            if share - shown[0] >= _PROGRESS_QUANTUM:
                shown[0] = share
                task.progress = 100 * share

        try:
            return backend.run_many(
                settings, progress=progress, cancelled=lambda: not task.is_current()
            )
        except backend.Cancelled:
            return None

    task = solara.lab.use_task(compute, dependencies=[settings], raise_error=False)
    result = task.value if task.finished else task.latest
    # Drawn once per result, not on every progress tick (a figure costs ~0.1 s).
    drawn = solara.use_memo(lambda: _draw(result), [id(result)])
    n_med = len(settings.mediators)
    with solara.Card("Many worlds: how long the truce holds"):
        if task.pending:
            percent = task.progress or 0
            solara.Text(
                f"Computing {settings.n_worlds:,} worlds x {n_med} mediator(s): {percent:.0f}%",
                classes=["explore-progress"],
            )
            solara.ProgressLinear(percent if percent else True)
        if task.error:
            solara.Error(f"The simulation failed: {task.exception}")
        if result is None or drawn is None:
            return
        solara.Text(
            f"{result.by_mediator[0].n:,} worlds per mediator, seed {result.settings.seed}; "
            f"computed in {result.elapsed_s:.1f} s.",
            classes=["explore-status"],
        )
        png, alt, summary, causes, first = drawn
        Figure(png, alt, "survival-figure")
        Table(summary, "Share of truces still holding (95% interval)", "survival-table")
        Table(causes, "Causes of collapse (share of all worlds)", "causes-table")
        Table(first, "First violator (share of all worlds)", "first-violator-table")


def _draw(result: backend.ManyResult | None) -> tuple | None:
    if result is None:
        return None
    png, alt = figures.survival_png(result)
    causes = figures.share_table([(m.label, m.causes, m.n) for m in result.by_mediator])
    first = figures.share_table([(m.label, m.first_violators, m.n) for m in result.by_mediator])
    return png, alt, figures.summary_rows(result), causes, first


@solara.component
def OneWorldPanel(settings: backend.Settings) -> None:
    """One world stepped hour by hour with Mesa's play/step/reset controller."""
    mediator = solara.use_reactive(settings.mediators[0])
    seed = solara.use_reactive(7)
    # The mediators picked may have changed since this one was chosen.
    chosen = mediator.value if mediator.value in settings.mediators else settings.mediators[0]
    params = {"settings": settings, "mediator": chosen, "seed": max(seed.value, 0)}
    key = repr(params)
    world = solara.use_reactive(None)
    model_parameters = solara.use_reactive(params)
    # Mesa's controller reads these as reactive variables.
    play_interval = solara.use_reactive(PLAY_INTERVAL_MS)
    render_interval = solara.use_reactive(1)
    use_threads = solara.use_reactive(False)

    def rebuild() -> None:
        model_parameters.set(params)
        world.set(backend.OneWorld(**params))

    solara.use_effect(rebuild, [key])
    with solara.Card("One world, hour by hour"):
        with solara.Row():
            solara.Select(
                "mediator of this world", list(settings.mediators), chosen, on_value=mediator.set
            )
            solara.InputInt("seed of this world", seed, continuous_update=False)
        if seed.value < 0:
            solara.Error("seed: expected a non-negative integer")
        if world.value is None or repr(model_parameters.value) != key:
            solara.Text("Preparing the world...")
            return
        ModelController(
            world,
            model_parameters=model_parameters,
            play_interval=play_interval,
            render_interval=render_interval,
            use_threads=use_threads,
        ).key(key)
        WorldView(world.value)


@solara.component
def WorldView(world: backend.OneWorld) -> None:
    """The stepped world: figure, its numbers, the outcome and the timeline."""
    update_counter.get()  # redraw whenever Mesa's controller steps the world
    state = world.state()
    solara.Text(f"Hour {state.hour:g} of {state.horizon_h:g}", classes=["explore-hour"])
    # Nothing to draw at hour 0: skipping that figure keeps a settings change fast.
    drawn = solara.use_memo(
        lambda: figures.world_png(state) if state.steps else None, [id(world), state.steps]
    )
    if drawn is None:
        solara.Text("Press Step or the play button to advance this world hour by hour.")
    else:
        Figure(drawn[0], drawn[1], "world-figure")
    Table(figures.sampled_rows(state), "Credibility and grievance every 12 hours", "world-table")
    if state.outcome is not None:
        cause = state.outcome["cause"]
        text = "held to the horizon" if cause == "none" else f"collapsed ({cause})"
        solara.Success(f"The truce {text} at hour {state.outcome['duration_h']:g}.")
    events = [
        {"hour": f"{e.hour:g}", "who": e.actor, "what": e.kind, "detail": e.detail}
        for e in state.events
    ]
    Table(events[-40:], "Timeline (latest 40 events)", "timeline-table")


@solara.component
def SavePanel(settings: backend.Settings) -> None:
    """Write the settings as a variant file and show the batch command that reproduces them."""
    default_name = f"explore_{backend.load(settings, with_overrides=False).name}"
    name = solara.use_reactive(default_name)
    folder = solara.use_reactive("results/explore")
    saved = solara.use_reactive(None)
    error = solara.use_reactive(None)

    def save() -> None:
        try:
            path, command = saving.save_variant(settings, folder.value, name.value)
        except backend.UserError as problem:
            error.set(str(problem))
            saved.set(None)
            return
        error.set(None)
        saved.set((str(path), command))

    with solara.Card("Keep these settings"):
        with solara.Row():
            solara.InputText("variant name", name)
            solara.InputText("folder", folder)
        solara.Button("Save as variant file", on_click=save, color="primary")
        if error.value:
            solara.Error(error.value)
        if saved.value:
            path, command = saved.value
            solara.Success(f"Written {path}. The batch that reproduces these runs:")
            Command(command, "batch-command")
