"""`ceasefire calibrate`: fit actor parameters to what happened in the case (ABC)."""

from __future__ import annotations

import argparse

from sim.commands._common import add_command, add_scenario_argument

HELP = "fit actor parameters to the case's facts (ABC); writes a posterior file"

DESCRIPTION = """\
Approximate Bayesian Computation on the many-worlds model. Draws actor
parameters from the priors declared in a priors file (default:
scenarios/priors/<scenario>.toml), simulates --replicates worlds per draw up to
the report's observation window, scores each world on the facts the case
showed (broken within hours, by the regime and the militias, the opposition
holding, the crossing closed...), and keeps the draws that reproduce them:
weighted by how well they do (--method kernel, for one case's yes/no facts) or
the best --accept share by distance (--method rejection, for observed
frequencies). Writes DIR/posterior.parquet (accepted parameter sets and their
weights; `--posterior` of batch and study reads it), DIR/calibration.json
(priors, facts, rule, seed, scenario hash, results) and prior-vs-posterior
figures in DIR/figures/, and prints per parameter the prior and posterior mean,
median and 90% interval."""


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `calibrate` sub-command."""
    parser = add_command(subparsers, "calibrate", HELP, DESCRIPTION)
    add_scenario_argument(parser)
    parser.add_argument(
        "--priors", metavar="FILE", help="priors file (default: scenarios/priors/<scenario>.toml)"
    )
    parser.add_argument(
        "--draws", type=int, default=4000, help="prior draws (default: 4000; at most 1,000,000)"
    )
    parser.add_argument(
        "--replicates",
        type=int,
        default=100,
        help="worlds per draw (default: 100; at most 1,000,000)",
    )
    parser.add_argument(
        "--method",
        choices=("kernel", "rejection"),
        default="kernel",
        help="kernel: weight each draw by how well its worlds reproduce the facts (default); "
        "rejection: keep the --accept share closest to the observed frequencies",
    )
    parser.add_argument(
        "--accept",
        type=float,
        default=0.02,
        help="share of draws kept by --method rejection (default: 0.02)",
    )
    parser.add_argument("--seed", type=int, default=20210828, help="seed (default: 20210828)")
    parser.add_argument(
        "--out",
        metavar="DIR",
        help="output folder (default: results/<scenario>-calibration-<time>)",
    )
    parser.add_argument("--workers", type=int, default=1, help="worker processes (default: 1)")
    parser.add_argument(
        "--force", action="store_true", help="overwrite a calibration already in --out"
    )
    parser.set_defaults(func=run)


MAX_DRAWS = 1_000_000
"""Upper bound of --draws: the draws table is held in memory (about 1 KB a draw)."""
MAX_REPLICATES = 1_000_000
"""Upper bound of --replicates (worlds per draw, simulated together in one chunk)."""


def format_summary(result) -> str:
    """The per-parameter table that `ceasefire calibrate` prints."""
    from sim.analysis.report import text_table

    rows = []
    for _, r in result.summary().iterrows():
        rows.append(
            [
                r["parameter"],
                f"{r['prior_mean']:.2f} / {r['prior_median']:.2f}",
                f"{r['prior_q05']:.2f} to {r['prior_q95']:.2f}",
                f"{r['posterior_mean']:.2f} / {r['posterior_median']:.2f}",
                f"{r['posterior_q05']:.2f} to {r['posterior_q95']:.2f}",
                f"{r['spread_ratio']:.0%}",
                f"{r['shift']:+.2f}",
            ]
        )
    headers = [
        "parameter",
        "prior mean / median",
        "prior 90%",
        "posterior mean / median",
        "posterior 90%",
        "width vs prior",
        "shift (prior sd)",
    ]
    return text_table(headers, rows)


def run(args: argparse.Namespace) -> int:
    """Calibrate, write the outputs, print the summary."""
    from datetime import UTC, datetime
    from pathlib import Path

    from sim.presentation.figures import pyplot

    pyplot()  # headless, set in one place
    from sim.batch.limits import MAX_WORKERS, bounded, check_worlds
    from sim.calibration import default_priors_path, load_priors, run_abc
    from sim.commands._common import check_writable
    from sim.errors import UserError
    from sim.results import ResultsFolder
    from sim.scenario import load_scenario

    scenario = load_scenario(args.scenario)
    priors_path = args.priors or default_priors_path(args.scenario)
    spec = load_priors(priors_path, scenario)
    out = Path(
        args.out
        or Path("results")
        / f"{scenario.name}-calibration-{datetime.now().strftime('%Y%m%d-%H%M%S')}"
    )
    if out.exists() and not out.is_dir():
        raise UserError("exists and is not a folder", file=str(out))
    existing = [n for n in ("calibration.json", "posterior.parquet") if (out / n).exists()]
    if existing and not args.force:
        raise UserError(
            f"holds a calibration already ({', '.join(existing)}); choose another --out or "
            "add --force to overwrite it",
            file=str(out),
        )
    bounded("--draws", args.draws, 1, MAX_DRAWS)
    bounded("--replicates", args.replicates, 1, MAX_REPLICATES)
    bounded("--workers", args.workers, 1, MAX_WORKERS)
    check_worlds(args.draws * args.replicates, "--draws x --replicates", args.workers)
    check_writable(out)
    started = datetime.now(UTC)
    result = run_abc(
        scenario,
        spec,
        draws=args.draws,
        replicates=args.replicates,
        method=args.method,
        accept=args.accept,
        seed=args.seed,
        workers=args.workers,
    )
    folder = ResultsFolder(out, "calibration.json")
    with folder.undo_on_error():
        record = _write_outputs(folder, result, scenario, spec, started)
    print(
        f"Calibrated {len(spec.priors)} actor parameter(s) of {scenario.name} "
        f"(mediator {spec.mediator}) to {len(spec.facts)} facts: {len(result.draws):,} prior "
        f"draws x {result.replicates} worlds = {result.n_simulations:,} simulated worlds in "
        f"{result.seconds:.1f} s; method {result.method}, "
        + (
            f"effective sample size {result.effective_sample_size:.0f}"
            if result.method == "kernel"
            else f"{record['accepted']} draws accepted (distance <= {result.threshold:.3g})"
        )
    )
    print()
    print(format_summary(result))
    print()
    print(f"Posterior: {out / 'posterior.parquet'}")
    print(f"Record: {out / 'calibration.json'}")
    print(f"Figures: {out / 'figures'}")
    return 0


def _write_outputs(folder, result, scenario, spec, started) -> dict:
    """Write the posterior, the draws, the figures and calibration.json; return the record."""
    import shlex
    import sys

    from sim.calibration import write_posterior
    from sim.calibration.plots import write_posterior_figures

    out = folder.root
    folder.note(write_posterior(result, out / "posterior.parquet"))
    folder.write_with("draws.parquet", lambda h: result.draws.to_parquet(h, index=False))
    figures = [folder.note(p) for p in write_posterior_figures(result, out / "figures")]
    summary = result.summary()
    record = {
        "kind": "calibration",
        "scenario": {
            "path": scenario.source.path,
            "name": scenario.name,
            "sha256": scenario.source.sha256,
        },
        "calibration": spec.as_dict(),
        "method": result.method,
        "acceptance": (
            "kernel: each draw weighted by the mean over its worlds of "
            "prod_j (1 if the world shows fact j as observed else 1 - weight_j)"
            if result.method == "kernel"
            else f"rejection: the {result.accept:g} share of draws with the smallest weighted "
            f"distance between simulated fact frequencies and observed values "
            f"(threshold {result.threshold:.4g})"
        ),
        "draws": len(result.draws),
        "replicates": result.replicates,
        "simulations": result.n_simulations,
        "accepted": int((result.draws["weight"] > 0).sum()),
        "effective_sample_size": result.effective_sample_size,
        "seed": result.seed,
        "seeding": "prior draws: SeedSequence(seed, spawn_key=(0,)); worlds: the batch "
        "engine's, key SeedSequence(seed), luck keyed by run (draw d's replicate r is run "
        "d * replicates + r)",
        **result.extra,
        "workers": result.workers,
        "seconds": result.seconds,
        "started": started.isoformat(timespec="seconds"),
        "command": shlex.join(["ceasefire", *sys.argv[1:]])
        if sys.argv[1:2] == ["calibrate"]
        else None,
        "parameters": summary.to_dict(orient="records"),
        "files": {
            "posterior": "posterior.parquet",
            "draws": "draws.parquet",
            "figures": [str(p.relative_to(out)) for p in figures],
        },
    }
    folder.write_manifest(record)
    return record
