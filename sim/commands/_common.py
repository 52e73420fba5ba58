"""Options and checks shared by several sub-commands."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from sim.errors import UserError


def add_command(
    subparsers: argparse._SubParsersAction, name: str, help: str, description: str
) -> argparse.ArgumentParser:
    """The parser of sub-command `name`, listed in `ceasefire --help` with `help`.

    `description` (the command's own --help) is printed as written: its paragraphs,
    line breaks and examples are kept.
    """
    return subparsers.add_parser(
        name,
        help=help,
        description=description,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )


def add_scenario_argument(parser: argparse.ArgumentParser, *, optional: bool = True) -> None:
    """The SCENARIO positional argument (default: the Daraa 2021 scenario)."""
    # From sim.resources, not sim.scenario: every command registers at start-up, and the
    # scenario package (its loader and schema) is not needed by the readers.
    from sim.resources import default_scenario

    parser.add_argument(
        "scenario",
        nargs="?" if optional else None,
        default=str(default_scenario()) if optional else None,
        metavar="SCENARIO",
        help="scenario TOML file (default: scenarios/daraa_2021.toml)",
    )


def add_override_arguments(parser: argparse.ArgumentParser) -> None:
    """--set KEY=VALUE and --variant NAME, as every simulating command takes them."""
    add_set_argument(parser)
    parser.add_argument(
        "--variant",
        dest="variants",
        action="append",
        type=split_variant,
        default=[],
        metavar="NAME[+NAME]",
        help="simulate this variant instead of the plain scenario: overlays from "
        "scenarios/variants/ (or files by path), NAME+NAME applies both in order, as on "
        "batch and study (repeatable: the same as joining with +; default: none)",
    )


def add_set_argument(parser: argparse.ArgumentParser, scope: str = "") -> None:
    """--set KEY=VALUE (repeatable) into ``args.overrides``; `scope` says where it applies."""
    parser.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help=f"override a parameter by its dotted path{scope}, e.g. actors.regime.base=-6 or "
        "mediator.conduct.resolve=0.8 (repeatable; validated like the file)",
    )


def add_mediators_argument(
    parser: argparse.ArgumentParser, help: str, *, default: list[str] | None = None
) -> None:
    """--mediator NAME (repeatable) into ``args.mediators`` (`default` when not given)."""
    parser.add_argument(
        "--mediator",
        dest="mediators",
        action="append",
        default=default,
        metavar="NAME",
        help=help,
    )


def split_variant(text: str) -> str:
    """Check a NAME[+NAME] variant; kept as text, split by `overlay_names`."""
    if not all(part.strip() for part in text.split("+")):
        raise argparse.ArgumentTypeError(f"expected NAME or NAME+NAME, got '{text}'")
    return text


def overlay_names(items: list[str]) -> list[str]:
    """The overlays of repeated --variant NAME[+NAME] options, in order."""
    return [part.strip() for item in items for part in item.split("+")]


DEFAULT_SEED = 20210828  # the Saturday the report's truce was agreed is unknown; any fixed seed


def add_mediator_group_arguments(parser: argparse.ArgumentParser) -> None:
    """--mediator (repeatable) and --variant as batch groups, for `batch` and `study`.

    Unlike `add_override_arguments`, each --variant here adds a group of runs under
    every mediator, so the variants are compared beside the plain mediators.
    """
    add_mediators_argument(
        parser,
        "mediator in charge at hour 0: a name from scenarios/mediators/ (any case) or a "
        "file path (repeatable; default: the scenario's mediators)",
    )
    parser.add_argument(
        "--variant",
        dest="variants",
        action="append",
        default=[],
        metavar="NAME[+NAME]",
        help="also simulate this variant under every mediator, beside the plain mediators: "
        "overlays from scenarios/variants/ (or files by path), NAME+NAME applies both in "
        "order (repeatable: one more variant each; default: none)",
    )


def add_batch_parameter_arguments(parser: argparse.ArgumentParser) -> None:
    """--set for every variant of a batch, and --posterior, for `batch` and `study`."""
    add_set_argument(parser, " for every variant")
    parser.add_argument(
        "--posterior",
        metavar="FILE",
        default=None,
        help="draw each run's actor parameters from this posterior (from ceasefire "
        "calibrate), the same draws for every variant",
    )


def add_execution_arguments(
    parser: argparse.ArgumentParser,
    *,
    out_help: str = "results folder (new or empty)",
    out_required: bool = True,
) -> None:
    """How a batch runs: seed, folder, workers or Dask, chunk size, resume, quiet."""
    parser.add_argument(
        "--seed",
        type=int,
        default=DEFAULT_SEED,
        help=f"seed of the whole batch (default: {DEFAULT_SEED})",
    )
    parser.add_argument("--out", required=out_required, default=None, metavar="DIR", help=out_help)
    parser.add_argument(
        "--workers",
        type=int,
        default=None,
        help="local worker processes (default: all cores; 1 runs in this process)",
    )
    parser.add_argument(
        "--dask",
        metavar="ADDRESS",
        default=None,
        help="run on a Dask cluster: a scheduler address (tcp://host:8786) "
        "or 'local' to start a LocalCluster on 127.0.0.1 with --workers workers",
    )
    parser.add_argument(
        "--chunk-size",
        type=int,
        default=None,
        metavar="K",
        help="worlds per chunk (default: 50000); part of the design: another "
        "size gives other random numbers",
    )
    parser.add_argument(
        "--resume",
        action="store_true",
        help="finish the run started in DIR (same options): only what is missing",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress bar")


def add_batch_run_arguments(
    parser: argparse.ArgumentParser,
    *,
    runs_default: int,
    runs_help: str,
    out_required: bool = True,
    out_help: str = "results folder (new or empty)",
) -> None:
    """What `batch` and `study` simulate and how: SCENARIO, --mediator and --variant
    groups, --runs, the execution options, --set for every variant and --posterior."""
    add_scenario_argument(parser)
    add_mediator_group_arguments(parser)
    parser.add_argument(
        "--runs", type=int, default=runs_default, help=f"{runs_help} (default: {runs_default:,})"
    )
    add_execution_arguments(parser, out_required=out_required, out_help=out_help)
    add_batch_parameter_arguments(parser)


def run_batch_into(args: argparse.Namespace, scenario: Any, out: str | Path) -> Any | None:
    """Run the batch that `add_batch_run_arguments` describes into `out`.

    A folder this call created is removed if the batch fails before any chunk is saved.
    Returns the batch's result, or None once a failed chunk is reported on stderr
    (the finished chunks are kept for --resume).
    """
    import sys

    from sim.api import nothing_left_on_failure
    from sim.batch import BatchFailed, run_batch

    try:
        with nothing_left_on_failure(Path(out), args.resume):
            return run_batch(
                scenario,
                mediators=args.mediators,
                variants=args.variants,
                overrides=parse_overrides(args.overrides),
                runs=args.runs,
                seed=args.seed,
                out=out,
                **execution_options(args),
                posterior=args.posterior,
            )
    except BatchFailed as error:
        print(f"ceasefire {args.command}: {error}", file=sys.stderr)
        return None


def execution_options(args: argparse.Namespace) -> dict:
    """The keyword arguments of the batch engine that `add_execution_arguments` collects."""
    return {
        "workers": args.workers,
        "dask": args.dask,
        "chunk_size": args.chunk_size,
        "resume": args.resume,
        "progress": not args.quiet,
        "command": command_line(args),
    }


def command_line(args: argparse.Namespace) -> str:
    """The command as the user gave it, for manifests and "how to reproduce"."""
    import shlex

    return shlex.join(["ceasefire", *getattr(args, "argv", [])])


def parse_overrides(items: list[str]) -> dict[str, str]:
    """`--set` items as a dict, refusing malformed ones."""
    from sim.scenario import parse_assignment

    return dict(parse_assignment(item) for item in items)


def check_output_file(
    path: str | None, suffixes: tuple[str, ...] = (".png", ".svg", ".pdf")
) -> Path | None:
    """Refuse an output file we could not write, before any work starts."""
    import os

    if path is None:
        return None
    out = Path(path)
    if out.suffix.lower() not in suffixes:
        raise UserError(f"expected a file ending in {' or '.join(suffixes)}, got '{path}'")
    if not out.parent.exists():
        raise UserError(f"folder '{out.parent}' does not exist (for '{path}')")
    if out.is_dir():
        raise UserError("it is a folder, expected a file", file=str(out))
    if not os.access(out.parent, os.W_OK | os.X_OK):
        raise UserError(f"cannot write into folder '{out.parent}' (no permission)", file=path)
    return out


def check_writable(path: str | Path) -> None:
    """Refuse, before any work, an output path whose nearest existing folder we cannot write."""
    import os

    target = Path(path)
    existing = target
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if (target.exists() and not target.is_dir()) or not existing.is_dir():
        raise UserError(f"expected a folder, but '{existing}' is a file", file=str(path))
    if not os.access(existing, os.W_OK | os.X_OK):
        raise UserError(f"cannot write into '{existing}' (no permission)", file=str(path))
    if len(target.name.encode()) > 255:
        raise UserError("the name is too long (more than 255 bytes)", file=str(path))


def add_uncertainty_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of the answers under parameter uncertainty (`sim.experiments.uncertainty`)."""
    from sim.experiments.uncertainty import DEFAULT_DRAWS, DEFAULT_RUNS_PER_DRAW

    group = parser.add_argument_group(
        "answers under parameter uncertainty",
        "compare the mediators over parameter draws as well as over runs: the probability "
        "that the second does better, an interval integrating both sources, and the "
        "parameters the sign depends on (written to DIR/uncertainty/)",
    )
    group.add_argument(
        "--vary",
        action="append",
        default=[],
        metavar="KEY=LOW:HIGH",
        help="an uncertain parameter and its declared range (repeatable), e.g. "
        "mediators.turkey.leverage.militia=0:0.4",
    )
    group.add_argument(
        "--uncertainty-posterior",
        metavar="FILE",
        help="draw the uncertain parameters from this calibrated posterior instead",
    )
    group.add_argument(
        "--draws",
        type=int,
        default=DEFAULT_DRAWS,
        help=f"parameter draws (default {DEFAULT_DRAWS}; P(better) to about sqrt(0.25/D))",
    )
    group.add_argument(
        "--runs-per-draw",
        type=int,
        default=DEFAULT_RUNS_PER_DRAW,
        help=f"paired runs per draw and mediator (default {DEFAULT_RUNS_PER_DRAW})",
    )


def uncertainty_requested(args: argparse.Namespace) -> bool:
    return bool(getattr(args, "vary", None) or getattr(args, "uncertainty_posterior", None))


def check_uncertainty(args: argparse.Namespace, scenario: Any, mediators: list[str]) -> None:
    """Refuse bad uncertainty options before any work starts."""
    from sim.experiments.uncertainty import design

    if len(dict.fromkeys(mediators)) < 2:
        raise UserError("--vary/--uncertainty-posterior: expected at least two mediators")
    design(
        scenario.with_mediators(mediators),
        ranges=args.vary,
        posterior=args.uncertainty_posterior,
        draws=args.draws,
        replicates=args.runs_per_draw,
    )


def run_uncertainty_for(args: argparse.Namespace, directory: str | Path) -> Any:
    """Run the uncertainty analysis of the batch in `directory` with the command's options."""
    from sim.experiments.uncertainty_batch import run_uncertainty

    return run_uncertainty(
        directory,
        ranges=args.vary,
        posterior=args.uncertainty_posterior,
        draws=args.draws,
        replicates=args.runs_per_draw,
        workers=getattr(args, "workers", None),
        dask=getattr(args, "dask", None),
        progress=not getattr(args, "quiet", False),
        command=command_line(args) + " (uncertainty)",
    )


def add_batch_arguments(
    parser: argparse.ArgumentParser, *, runs_default: int, runs_help: str, runs_flag: str = "--runs"
) -> None:
    """Options shared by `sweep` and `sensitivity`: mediators, runs, overlays, execution."""
    add_mediators_argument(
        parser,
        "mediator to compare: a name (any case) or a file path (repeatable; default: "
        "the scenario's scenario.mediators)",
        default=[],
    )
    parser.add_argument(
        runs_flag,
        dest="runs",
        type=int,
        default=runs_default,
        metavar="N",
        help=f"{runs_help} (default: {runs_default:,})",
    )
    add_override_arguments(parser)
    add_execution_arguments(parser, out_help="results folder")


def design_inputs(args: argparse.Namespace) -> tuple[Any, list[str], dict[str, str]]:
    """What a design command (`sweep`, `sensitivity`) reads from `add_batch_arguments`:
    the scenario with every file its workers need, read once; the overlays of its
    --variant options (applied at every point); its --set overrides."""
    from sim.batch import load_for_batch

    overlays = overlay_names(args.variants)
    scenario = load_for_batch(
        args.scenario, args.mediators or None, ["+".join(overlays)] if overlays else []
    )
    return scenario, overlays, parse_overrides(args.overrides)


def print_design_result(args: argparse.Namespace, analysis: Any, figures: list[Path]) -> None:
    """A design's analysis as JSON (``--json``) or tables, and where its figures went."""
    if args.json:
        import json

        print(json.dumps(analysis.to_dict(), indent=2))
    else:
        print(analysis.format_table())
        print(f"\nFigures written to {Path(args.out) / 'figures'} ({len(figures)} files).")


def add_reference_argument(parser: argparse.ArgumentParser) -> None:
    """--reference [FILTER]: overlay real ceasefires (shared with `ceasefire report`)."""
    # Spelled out here, not imported: importing sim.analysis would load pandas at --help.
    parser.add_argument(
        "--reference",
        nargs="?",
        const="all",
        default=None,
        metavar="FILTER",
        help="overlay real ceasefires (ETH/PRIO 1989-2020) on the survival curves and test "
        'each variant against them; FILTER is "KEY=VALUE,...", e.g. '
        '"country=Syria,mediator=Russia" (alone or "all": every ceasefire); keys: country, '
        "country_exact, mediator, mediated, written, fixed_term, class, enforcement (1+2), "
        "purpose, since, until, exact_dates, include_never_in_effect, unknown_endings. "
        "Put it last: its FILTER is optional.",
    )
