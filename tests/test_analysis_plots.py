"""Figures render headless (Agg, set in conftest.py) and their files are not empty."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from sim.analysis import analyse
from sim.analysis.plots import (
    FIGURES,
    causes_plot,
    collapse_times_plot,
    first_violator_plot,
    hour_ticks,
    survival_plot,
    timelines_plot,
    violations_plot,
    write_figures,
)
from sim.analysis.style import MEDIATOR_COLOURS, actor_name, variant_colours
from tests.helpers import DARAA_MANIFEST


def small_runs(variants: dict[str, float], n: int = 150, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frames = []
    for variant, h in variants.items():
        t = rng.geometric(h, n).astype(float)
        collapsed = t <= 336
        first = np.where(rng.random(n) < 0.8, np.ceil(t * rng.random(n)), np.nan)
        first = np.minimum(first, np.minimum(t, 336))
        frames.append(
            pd.DataFrame(
                {
                    "variant": variant,
                    "run": np.arange(n),
                    "horizon_h": 336.0,
                    "duration_h": np.minimum(t, 336.0),
                    "collapsed": collapsed,
                    "cause": np.where(
                        collapsed,
                        rng.choice(["regime", "militia", "retaliation", "mediator_walkout"], n),
                        "none",
                    ),
                    "first_violation_h": first,
                    "first_violator": np.where(
                        np.isnan(first), None, rng.choice(["regime", "militia", "opposition"], n)
                    ),
                    "violations_regime": rng.poisson(1, n).astype("int32"),
                    "violations_militia": rng.poisson(2, n).astype("int32"),
                    "violations_opposition": rng.poisson(0.3, n).astype("int32"),
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


@pytest.fixture(scope="module")
def analysis():
    return analyse(
        small_runs({"russia": 0.01, "turkey": 0.006, "russia+patrols": 0.005}),
        manifest=DARAA_MANIFEST,
    )


def test_write_figures_writes_png_and_svg(analysis, tmp_path):
    paths = write_figures(analysis, tmp_path / "figures")
    assert len(paths) == 2 * len(FIGURES)
    assert {p.suffix for p in paths} == {".png", ".svg"}
    for path in paths:
        assert path.exists() and path.stat().st_size > 1000, path
    assert plt.get_fignums() == []  # every figure closed


@pytest.mark.parametrize(
    "draw",
    [
        lambda a, ax: survival_plot(a, ax=ax),
        lambda a, ax: survival_plot(a, endpoint="first_violation", ax=ax),
        lambda a, ax: causes_plot(a, ax=ax),
        lambda a, ax: first_violator_plot(a, ax=ax),
        lambda a, ax: violations_plot(a, ax=ax),
        lambda a, ax: timelines_plot(a, ax=ax, runs_per_variant=5),
    ],
)
def test_plot_functions_draw_on_the_given_axes(analysis, draw):
    fig, ax = plt.subplots()
    try:
        assert draw(analysis, ax) is ax
        assert ax.get_title()
    finally:
        plt.close(fig)


def test_collapse_times_returns_both_axes(analysis):
    fig, axes = plt.subplots(1, 2)
    try:
        assert collapse_times_plot(analysis, axes=tuple(axes)) == tuple(axes)
    finally:
        plt.close(fig)


def test_actor_names_appear_in_breakdown_figure(analysis):
    ax = first_violator_plot(analysis)
    try:
        labels = [t.get_text() for t in ax.get_xticklabels()]
        assert actor_name("militia") in labels and "Iranian militias" in labels
    finally:
        plt.close(ax.figure)


def test_variant_colours_are_fixed_for_mediators_and_stable():
    colours = variant_colours(["turkey", "russia", "none", "russia+patrols"])
    assert colours["russia"] == MEDIATOR_COLOURS["russia"]
    assert colours["turkey"] == MEDIATOR_COLOURS["turkey"]
    assert len(set(colours.values())) == 4
    assert variant_colours(["russia+patrols", "none", "russia", "turkey"]) == colours
    many = variant_colours([f"v{i}" for i in range(30)])
    assert len(set(many.values())) >= 20


def test_hour_ticks_are_whole_days():
    ticks = hour_ticks(336)
    assert ticks[0] == 0 and ticks[-1] == 336
    assert all(t % 24 == 0 for t in ticks)


def test_single_variant_figures_render(tmp_path):
    single = analyse(small_runs({"russia": 0.01}, n=60, seed=3))
    paths = write_figures(single, tmp_path, formats=("png",))
    assert all(p.stat().st_size > 1000 for p in paths)


def test_first_violation_axis_zooms_to_where_the_events_are():
    """First violations within hours would be a vertical line on a two-week axis."""
    import numpy as np
    import pandas as pd

    from sim.analysis import analyse
    from sim.analysis.plots import survival_plot

    rng = np.random.default_rng(0)
    n = 2_000
    frame = pd.DataFrame(
        {
            "variant": "russia",
            "mediator": "russia",
            "run": np.arange(n),
            "horizon_h": 336.0,
            "duration_h": 336.0,
            "collapsed": False,
            "cause": "none",
            "first_violation_h": np.ceil(rng.exponential(2.0, n)),
            "first_violator": "militia",
            "violations_regime": 0,
            "violations_militia": 1,
            "violations_opposition": 0,
            "crossing_open_h": 0.0,
            "agreement": False,
            "credibility_regime": 0.5,
            "credibility_militia": 0.5,
            "credibility_opposition": 0.5,
            "switch_h": np.nan,
            "final_mediator": "russia",
        }
    )
    analysis = analyse(frame)
    ax = survival_plot(analysis, endpoint="first_violation")
    assert ax.get_xlim()[1] < 336 / 4  # zoomed in on the first day(s)
    assert "first 24 h of 336 h" in ax.get_title()
    collapse_ax = survival_plot(analysis, endpoint="collapse")
    assert collapse_ax.get_xlim()[1] > 336  # time to collapse keeps the whole horizon
