"""`ceasefire run`: one world, told hour by hour."""

from __future__ import annotations

import argparse

from sim.commands._common import (
    add_command,
    add_override_arguments,
    add_scenario_argument,
    check_output_file,
    overlay_names,
    parse_overrides,
)

HELP = "simulate one truce and print its timeline"
DESCRIPTION = """\
Simulate one world of the scenario and print its timeline (hour, actor, event)
and outcome. The same seed always gives the same story."""


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = add_command(subparsers, "run", HELP, DESCRIPTION)
    add_scenario_argument(parser)
    parser.add_argument(
        "--mediator",
        default=None,
        help="mediator in charge at hour 0: a name (any case) or a file path (default: the "
        "scenario's first)",
    )
    parser.add_argument("--seed", type=int, default=7, help="random seed (default: 7)")
    parser.add_argument(
        "--plot",
        metavar="FILE.png",
        default=None,
        help="also draw the timeline to this file (.png, .svg or .pdf)",
    )
    add_override_arguments(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import numpy as np

    from sim.analysis.style import register_parties
    from sim.model import CeasefireModel
    from sim.scenario import load_scenario
    from sim.timeline import format_timeline, save_timeline_plot

    plot_path = check_output_file(args.plot)
    if args.seed < 0:
        from sim.errors import UserError

        raise UserError(f"--seed: expected a non-negative integer, got {args.seed}")
    scenario = load_scenario(
        args.scenario,
        mediators=[args.mediator] if args.mediator else None,
        variants=overlay_names(args.variants),
        overrides=parse_overrides(args.overrides),
    )
    mediator = scenario.resolve_mediator(args.mediator or scenario.default_mediators[0])
    model = CeasefireModel(
        scenario, mediator, n_worlds=1, rng=np.random.SeedSequence(args.seed), trace=True
    )
    register_parties((p.key, p.label) for p in scenario.parties)
    outcomes = model.run()
    outcome = {key: value[0] for key, value in outcomes.items()}
    outcome["horizon_h"] = scenario.horizon_h
    print(
        format_timeline(
            model.events, outcome, mediator=mediator, scenario_title=scenario.title, seed=args.seed
        )
    )
    if plot_path is not None:
        title = f"{scenario.title}: one run under {mediator} (seed {args.seed})"
        save_timeline_plot(plot_path, model.events, outcome, title=title)
        print(f"\ntimeline drawn to {plot_path}")
    return 0
