"""`ceasefire validate FILE`: check a scenario or mediator file and say what is wrong."""

from __future__ import annotations

import argparse
import tomllib
from pathlib import Path

from sim.commands._common import add_command, add_override_arguments, overlay_names, parse_overrides
from sim.errors import UserError

HELP = "check a scenario or mediator file"
DESCRIPTION = """\
Check a scenario file (with its mediators and any variants) or a single
mediator file. Prints what is wrong (exit status 2) or a summary
(exit status 0)."""


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = add_command(subparsers, "validate", HELP, DESCRIPTION)
    parser.add_argument("file", metavar="FILE", help="scenario or mediator TOML file")
    parser.add_argument(
        "--mediator", action="append", default=[], help="also load this mediator (repeatable)"
    )
    parser.add_argument(
        "--strict",
        action="store_true",
        help="also require a provenance note (source) on every number",
    )
    add_override_arguments(parser)
    parser.set_defaults(func=run)


def _is_mediator_file(path: Path) -> bool:
    try:
        return "mediator" in tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, RecursionError):
        return False  # let the scenario loader report the problem with its file name


def run(args: argparse.Namespace) -> int:
    from sim.cases import check_citations, fact_sheet_of
    from sim.scenario import load_mediator, load_scenario

    path = Path(args.file)
    if path.exists() and _is_mediator_file(path):
        mediator = load_mediator(str(path), path.parent, strict=args.strict)
        print(
            f"{path}: OK: mediator '{mediator.name}' ({mediator.label}), "
            f"{len(mediator.values)} parameters, {len(mediator.provenance)} with provenance"
        )
        return 0
    scenario = load_scenario(
        path,
        mediators=args.mediator,
        variants=overlay_names(args.variants),
        overrides=parse_overrides(args.overrides),
        strict=args.strict,
    )
    sheet = fact_sheet_of(path)
    if sheet is not None:  # the outcome-citation rule, for a scenario with a fact sheet
        loaded = [m.source.path for m in scenario.mediators.values() if m.source is not None]
        check_citations(path, mediators=map(Path, loaded), sheet_path=sheet)
    n_values = len(scenario.values)
    n_sourced = sum(key in scenario.provenance for key in scenario.values)
    mediators = ", ".join(sorted(scenario.mediators))
    print(f"{path}: OK: scenario '{scenario.name}' ({scenario.title})")
    if sheet is not None:
        print(f"  sources cite facts of {sheet.name} from outside its Outcome section only")
    print(
        f"  {n_values} parameters, {n_sourced} with provenance; horizon "
        f"{scenario.horizon_h:g} h in steps of {scenario.step_h:g} h"
    )
    print(
        f"  mediators loaded: {mediators} (compared by default: "
        f"{', '.join(scenario.default_mediators)})"
    )
    if scenario.variant_names:
        print(f"  variants applied: {', '.join(scenario.variant_names)}")
    if scenario.overrides:
        print("  overrides: " + ", ".join(f"{k}={v}" for k, v in scenario.overrides.items()))
    if not args.strict and n_sourced < n_values:
        unsourced = [k for k in scenario.values if k not in scenario.provenance]
        print(
            f"  note: {len(unsourced)} numbers carry no source (e.g. {unsourced[0]}); "
            "--strict requires one on each"
        )
    return 0


__all__ = ["UserError", "register", "run"]
