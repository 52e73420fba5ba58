"""`ceasefire study`: the main job. Batch, comparison and report in one command."""

from __future__ import annotations

import argparse

from sim.commands._common import (
    add_batch_run_arguments,
    add_command,
    add_reference_argument,
    add_uncertainty_arguments,
)

DEFAULT_RUNS = 100_000

HELP = "the main job: batch + comparison + report (default: Daraa, Russia vs Turkey)"

DESCRIPTION = f"""\
Answer "how long does this truce hold, and would another mediator do better?"
in one go: run a batch of the scenario under each mediator (default: the Daraa
2021 scenario, Russia against Turkey, {DEFAULT_RUNS:,} runs each), compare them
(Kaplan-Meier survival with censoring, log-rank and paired tests, causes of
collapse, first violators), draw the figures and write a self-contained HTML
report, all into results/<scenario>-<timestamp>/ (or --out). Prints the table
and where the report is."""


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `study` sub-command."""
    parser = add_command(subparsers, "study", HELP, DESCRIPTION)
    add_batch_run_arguments(
        parser,
        runs_default=DEFAULT_RUNS,
        runs_help="runs per mediator and variant",
        out_required=False,
        out_help="results folder (default: results/<scenario>-<timestamp>)",
    )
    add_reference_argument(parser)
    add_uncertainty_arguments(parser)
    parser.set_defaults(func=run)


def _default_out(name: str, args: argparse.Namespace | None = None) -> str:
    """``results/<scenario>[-<what made it>]-<timestamp>``: overrides, variants, posterior."""
    import re
    from datetime import datetime
    from pathlib import Path

    tags = []
    if args is not None:
        tags += [v.replace("+", "_") for v in args.variants]
        tags += [item.replace("=", "_") for item in args.overrides]
        if args.posterior:
            tags.append("posterior")
    tag = re.sub(r"[^A-Za-z0-9_.-]+", "_", "-".join(tags))[:80]
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    return str(Path("results") / "-".join(part for part in (name, tag, stamp) if part))


def run(args: argparse.Namespace) -> int:
    """Batch, analyse, plot, report; print the table and the report's path."""
    from pathlib import Path

    from sim.presentation.figures import pyplot

    pyplot()  # headless, set in one place
    from sim.analysis import analyse, write_report
    from sim.batch import load_for_batch
    from sim.commands._common import (
        check_uncertainty,
        parse_overrides,
        run_batch_into,
        run_uncertainty_for,
        uncertainty_requested,
    )
    from sim.errors import UserError

    parse_overrides(args.overrides)  # refuse a malformed --set before anything else
    if args.resume and args.out is None:
        raise UserError("--resume needs --out DIR: the folder of the study to finish")
    scenario = load_for_batch(args.scenario, args.mediators, args.variants)  # every file, once
    uncertain = uncertainty_requested(args)
    if uncertain:  # refuse bad ranges, a bad posterior or one mediator before any work
        from sim.batch.variants import plan_specs

        names = [s.mediator for s in plan_specs(scenario, args.mediators, []) if not s.overlays]
        check_uncertainty(args, scenario, names)
    out = args.out or _default_out(scenario.name, args)  # run_batch creates it once input is valid
    reference = args.reference
    if reference is not None:  # check the filter before any work starts
        from sim.analysis.reference_overlay import parse_reference_filter

        parse_reference_filter(reference)
    result = run_batch_into(args, scenario, out)
    if result is None:
        return 1
    analysis = analyse(result.path)
    print(analysis.format_table())
    overlay = None
    if reference is not None:
        from sim.analysis.reference_overlay import reference_overlay

        overlay = reference_overlay(analysis, reference)
        print("\n" + overlay.format_text())
    extra = []
    if uncertain:
        uncertainty = run_uncertainty_for(args, result.path)
        print("\n" + uncertainty.format_text())
        extra = uncertainty.sections()
    report = write_report(result.path, analysis, reference=overlay, extra_sections=extra)
    print(f"\n{result.n_runs:,} runs in {result.path}")
    print(f"Report: {report}")
    print(f"Figures: {Path(result.path) / 'figures'}")
    return 0
