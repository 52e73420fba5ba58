"""`ceasefire scenarios`: what is shipped (scenarios, mediators, variants, priors)."""

from __future__ import annotations

import argparse

from sim.commands._common import add_command

HELP = "list the shipped scenarios, mediators, variants and priors"

DESCRIPTION = """\
List the scenario files shipped with ceasefire-sim, each with its one-line
description: scenarios, the case library of real truces, mediators (use with
--mediator NAME), variants (--variant NAME) and calibration priors. Your own files work too, by path
(--mediator path/to/yours.toml); copy a shipped one to start."""

_HEADINGS = {
    "scenario": "Scenarios (SCENARIO)",
    "case": "Cases: real truces (SCENARIO is scenarios/cases/NAME/NAME.toml; its mediators "
    "are in the mediators/ folder beside it)",
    "mediator": "Mediators (--mediator NAME)",
    "variant": "Variants (--variant NAME[+NAME])",
    "prior": "Priors (ceasefire calibrate --priors FILE; default: beside the scenario)",
    "parameters": "Parameter sets (ceasefire sensitivity --params-file FILE)",
}


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `scenarios` sub-command."""
    parser = add_command(subparsers, "scenarios", HELP, DESCRIPTION)
    parser.add_argument(
        "--paths", action="store_true", help="also print where each file is installed"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Print the shipped files, grouped by kind."""
    from sim.resources import scenarios_dir, shipped_files

    files = shipped_files()
    print(f"Shipped with ceasefire-sim ({scenarios_dir()}):")
    for kind, heading in _HEADINGS.items():
        group = [f for f in files if f.kind == kind]
        if not group:
            continue
        print(f"\n{heading}")
        width = max(len(f.name) for f in group)
        for item in group:
            line = f"  {item.name:<{width}}  {item.description}"
            print(line + (f"\n  {'':<{width}}  {item.path}" if args.paths else ""))
    return 0
