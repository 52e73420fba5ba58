"""`ceasefire batch`: many runs per mediator and variant, in parallel, into a results folder."""

from __future__ import annotations

import argparse

from sim.commands._common import add_batch_run_arguments, add_command

HELP = "run many simulations in parallel into a results folder"

DESCRIPTION = """\
Simulate RUNS runs of every variant and write DIR/runs.parquet (one row per
run) and DIR/manifest.json (what made them). A variant is a mediator, plus any
overlays from scenarios/variants/: every --mediator gives a baseline variant and
every --variant NAME (or NAME+NAME) adds that overlay group under every
mediator. Runs with the same index in different variants share their random
numbers, so comparisons are paired.

Work is split into chunks of --chunk-size worlds, each seeded from --seed and
its index alone: results are identical whatever the number of workers or the
executor. Each finished chunk is saved at once under DIR/chunks/; an
interrupted batch keeps them, and the same command with --resume finishes only
what is missing, giving the same runs.parquet as an uninterrupted run."""


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `batch` sub-command."""
    parser = add_command(subparsers, "batch", HELP, DESCRIPTION)
    add_batch_run_arguments(parser, runs_default=10_000, runs_help="runs per variant")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run the batch; status 2 on bad input, 1 if a chunk failed (finished chunks kept)."""
    from sim.batch import load_for_batch
    from sim.commands._common import run_batch_into

    scenario = load_for_batch(args.scenario, args.mediators, args.variants)  # every file, once
    result = run_batch_into(args, scenario, args.out)
    if result is None:
        return 1
    if not args.quiet:
        manifest = result.manifest
        labels = ", ".join(v["label"] for v in manifest["variants"])
        rate = result.runs_run / max(result.elapsed_s, 1e-9)
        print(
            f"{result.n_runs} runs ({manifest['runs_per_variant']} per variant: {labels}); "
            f"simulated {result.runs_run} in {result.elapsed_s:.1f} s ({rate:,.0f} runs/s); "
            f"written to {result.runs_path}"
        )
    return 0
