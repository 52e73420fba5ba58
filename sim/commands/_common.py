"""Options and checks shared by several sub-commands."""

from __future__ import annotations

import argparse
from pathlib import Path

from sim.errors import UserError


def add_scenario_argument(parser: argparse.ArgumentParser, *, optional: bool = True) -> None:
    """The SCENARIO positional argument (default: the Daraa 2021 scenario)."""
    from sim.scenario import DEFAULT_SCENARIO

    parser.add_argument(
        "scenario",
        nargs="?" if optional else None,
        default=str(DEFAULT_SCENARIO) if optional else None,
        metavar="SCENARIO",
        help="scenario TOML file (default: scenarios/daraa_2021.toml)",
    )


def add_override_arguments(parser: argparse.ArgumentParser) -> None:
    """--set KEY=VALUE and --variant NAME, as every simulating command takes them."""
    parser.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a parameter by its dotted path, e.g. actors.regime.base=-6 or "
        "mediator.conduct.resolve=0.8 (repeatable; validated like the file)",
    )
    parser.add_argument(
        "--variant",
        dest="variants",
        action="append",
        default=[],
        metavar="NAME",
        help="apply a variant overlay from scenarios/variants/ (repeatable, in order)",
    )


def parse_overrides(items: list[str]) -> dict[str, str]:
    """`--set` items as a dict, refusing malformed ones."""
    from sim.scenario import parse_assignment

    return dict(parse_assignment(item) for item in items)


def check_output_file(
    path: str | None, suffixes: tuple[str, ...] = (".png", ".svg", ".pdf")
) -> Path | None:
    """Refuse an output file we could not write, before any work starts."""
    if path is None:
        return None
    out = Path(path)
    if out.suffix.lower() not in suffixes:
        raise UserError(f"expected a file ending in {' or '.join(suffixes)}, got '{path}'")
    if not out.parent.exists():
        raise UserError(f"folder '{out.parent}' does not exist (for '{path}')")
    return out
