"""`ceasefire batch`: many runs per mediator and variant, in parallel, into a results folder."""

from __future__ import annotations

import argparse

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
    from sim.commands._common import add_scenario_argument

    parser = subparsers.add_parser(
        "batch",
        help="run many simulations in parallel into a results folder",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_scenario_argument(parser)
    parser.add_argument(
        "--mediator",
        dest="mediators",
        action="append",
        default=None,
        metavar="NAME",
        help="mediator in charge at hour 0 (repeatable; default: the scenario's mediators)",
    )
    parser.add_argument(
        "--variant",
        dest="variants",
        action="append",
        default=[],
        metavar="NAME[+NAME]",
        help="also simulate this overlay from scenarios/variants/ under every mediator "
        "(repeatable; NAME+NAME applies both, in order, as one variant)",
    )
    parser.add_argument(
        "--runs", type=int, default=10_000, help="runs per variant (default: 10000)"
    )
    parser.add_argument("--seed", type=int, default=20210828, help="batch seed (default: 20210828)")
    parser.add_argument("--out", required=True, metavar="DIR", help="results folder (new or empty)")
    parser.add_argument(
        "--workers",
        type=int,
        default=None,
        help="worker processes (default: all cores; 1 runs in this process)",
    )
    parser.add_argument(
        "--dask",
        metavar="ADDRESS",
        default=None,
        help="run on a Dask cluster: a scheduler address (tcp://host:8786) or 'local' to "
        "start a LocalCluster on 127.0.0.1 with --workers workers",
    )
    parser.add_argument(
        "--chunk-size",
        type=int,
        default=None,
        metavar="K",
        help="worlds per chunk (default: 50000); part of the design: another size gives "
        "other random numbers",
    )
    parser.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a parameter by its dotted path for every variant, e.g. "
        "actors.regime.base=-6 or mediator.conduct.resolve=0.8 (repeatable; validated "
        "like the file)",
    )
    parser.add_argument(
        "--resume",
        action="store_true",
        help="finish the batch started in DIR (same options): run only the missing chunks",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress bar or summary")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run the batch; status 2 on bad input, 1 if a chunk failed (finished chunks kept)."""
    import shlex
    import sys

    from sim.batch import BatchFailed, run_batch
    from sim.commands._common import parse_overrides

    command = shlex.join(["ceasefire", *sys.argv[1:]]) if sys.argv[1:2] == ["batch"] else None
    if command is None:
        command = _reconstruct(args)
    try:
        result = run_batch(
            args.scenario,
            mediators=args.mediators,
            variants=args.variants,
            overrides=parse_overrides(args.overrides),
            runs=args.runs,
            seed=args.seed,
            out=args.out,
            chunk_size=args.chunk_size,
            workers=args.workers,
            dask=args.dask,
            resume=args.resume,
            progress=not args.quiet,
            command=command,
        )
    except BatchFailed as error:
        print(f"ceasefire batch: {error}", file=sys.stderr)
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


def _reconstruct(args: argparse.Namespace) -> str:
    """The command line, rebuilt from the options (when called other than from a shell)."""
    import shlex

    parts = ["ceasefire", "batch", args.scenario]
    for name in args.mediators or ():
        parts += ["--mediator", name]
    for name in args.variants:
        parts += ["--variant", name]
    for item in args.overrides:
        parts += ["--set", item]
    parts += ["--runs", str(args.runs), "--seed", str(args.seed), "--out", args.out]
    if args.chunk_size is not None:
        parts += ["--chunk-size", str(args.chunk_size)]
    if args.workers is not None:
        parts += ["--workers", str(args.workers)]
    if args.dask is not None:
        parts += ["--dask", args.dask]
    if args.resume:
        parts.append("--resume")
    return shlex.join(parts)
