"""`ceasefire reference`: how long did real ceasefires like this one last?

Prints the empirical survival of a reference class drawn from the ETH/PRIO Civil
Conflict Ceasefire Dataset (1989-2020): counts, median duration with its 95% CI,
the share that broke down within 1, 7 and 14 days, and the Kaplan-Meier curve at a
few times. Expiries, replacements and ceasefires still in force are censored, not
counted as breakdowns.

With --competing, breakdown, replacement and expiry are competing endings: the
cumulative incidence of each (Aalen-Johansen) with its 95% CI and the number at
risk, and what the ceasefires with unclear endings could change. Compare like with
like with --min-term-days 7 (open-ended or a stated term of at least a week).
"""

from __future__ import annotations

import argparse
from typing import Any

from sim.commands._common import add_command

CLASS_CHOICES = {"1": 1, "2": 2, "3": 3, "definitive": 3}
UNKNOWN_CHOICES = ("exclude", "breakdown", "censor")
HELP = "empirical survival of real ceasefires (ETH/PRIO 1989-2020) like this one"


def register(subparsers: Any) -> None:
    """Add the `reference` sub-command."""
    parser = add_command(subparsers, "reference", HELP, __doc__)
    parser.add_argument(
        "filter",
        nargs="?",
        default=None,
        metavar="FILTER",
        help='the reference class as compare/study --reference take it: "KEY=VALUE,...", '
        'e.g. "country=Syria,mediator=Russia" (default: every ceasefire; or use the '
        "options below, not both)",
    )
    parser.add_argument("--country", help="country name contains this (e.g. Syria)")
    parser.add_argument(
        "--country-exact", action="store_true", help="match --country as the whole name"
    )
    parser.add_argument("--mediator", help="a mediator's name contains this (e.g. Russia)")
    parser.add_argument(
        "--mediated",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="only mediated (--mediated) or unmediated (--no-mediated) ceasefires",
    )
    parser.add_argument(
        "--written",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="only written (--written) or unwritten (--no-written) ceasefires",
    )
    term = parser.add_mutually_exclusive_group()
    term.add_argument(
        "--fixed-term",
        dest="fixed_term",
        action="store_const",
        const=True,
        default=None,
        help="only ceasefires with a fixed term",
    )
    term.add_argument(
        "--open-ended",
        dest="fixed_term",
        action="store_const",
        const=False,
        help="only open-ended ceasefires",
    )
    parser.add_argument(
        "--class",
        dest="ceasefire_class",
        choices=sorted(CLASS_CHOICES),
        help="ETH/PRIO ceasefire_class code (3 = definitive)",
    )
    parser.add_argument(
        "--enforcement",
        type=int,
        action="append",
        metavar="CODE",
        help="ETH/PRIO enforcement code to keep (repeatable)",
    )
    parser.add_argument(
        "--purpose",
        action="append",
        default=[],
        metavar="NAME",
        help="purpose flag that must be set: humanitarian, peaceprocess, holiday, election, "
        "other, unclear (repeatable)",
    )
    parser.add_argument("--since", type=int, metavar="YEAR", help="first start year")
    parser.add_argument("--until", type=int, metavar="YEAR", help="last start year")
    parser.add_argument(
        "--exact-dates", action="store_true", help="leave out ceasefires with an imputed day"
    )
    parser.add_argument(
        "--include-never-in-effect",
        action="store_true",
        help="count ceasefires declared but never in effect as breakdowns at day 0",
    )
    parser.add_argument(
        "--unknown-endings",
        choices=UNKNOWN_CHOICES,
        default="exclude",
        help="ceasefires whose ending is unclear: exclude (default), or count as "
        "breakdown / censored (sensitivity bounds)",
    )
    parser.add_argument(
        "--min-term-days",
        type=float,
        metavar="DAYS",
        help="only open-ended ceasefires and fixed-term ones whose stated term is at least "
        "DAYS days (e.g. 7); ceasefires with an unclear term are left out",
    )
    parser.add_argument(
        "--competing",
        action="store_true",
        help="read breakdown, replacement and expiry as competing risks (Aalen-Johansen "
        "cumulative incidence of each) instead of censoring replacement and expiry",
    )
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")
    parser.add_argument(
        "--plot",
        metavar="FILE.png",
        help="write the Kaplan-Meier curve (with --competing: the cumulative incidence "
        "curves with the number at risk) here",
    )
    parser.set_defaults(func=run)


def _pct(x: float) -> str:
    return f"{100 * x:5.1f}%"


def _days(x: float | None) -> str:
    if x is None:
        return "not reached"
    return f"{x:g} days"


def format_summary(summary: dict[str, Any]) -> str:
    """The summary as readable text."""
    from sim.reference import left_out_lines

    lines = [
        f"Reference class: {summary['filter_text']}",
        "Source: ETH/PRIO Civil Conflict Ceasefire Dataset, ceasefires 1989-2020",
        "",
        f"Ceasefires used: {summary['n']}  (breakdowns {summary['events']}, "
        f"censored {summary['censored']}: "
        + ", ".join(f"{k} {v}" for k, v in summary["censored_by_reason"].items())
        + ")",
    ]
    lines += left_out_lines(summary["excluded_by_reason"])
    med = summary["median_days"]
    ci = (
        f"95% CI {_days(med['ci_low'])} to {_days(med['ci_high'])}"
        if med["ci_low"] is not None or med["ci_high"] is not None
        else "95% CI not available"
    )
    lines += ["", f"Median time to breakdown: {_days(med['estimate'])}  ({ci})", ""]
    lines.append("Share broken down within (1 - KM survival, 95% CI):")
    for row in summary["ending_within"]:
        lines.append(
            f"  {row['days']:>4g} days ({row['hours']:>4g} h): {_pct(row['share'])}  "
            f"({_pct(row['ci_low']).strip()} to {_pct(row['ci_high']).strip()})"
        )
    lines += ["", "Kaplan-Meier survival:", "      days   survival   95% CI            at risk"]
    for row in summary["survival"]:
        lines.append(
            f"  {row['days']:>8g}   {_pct(row['survival'])}    "
            f"{_pct(row['ci_low'])} - {_pct(row['ci_high'])}   {row['at_risk']:>7d}"
        )
    lines += [""] + [f"Note: {note}" for note in summary["notes"]]
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    """Print the reference class's survival (and optionally plot it)."""
    import json

    from sim.errors import UserError
    from sim.reference import ReferenceFilter, reference_class, summarize

    filt = ReferenceFilter(
        country=args.country,
        country_exact=args.country_exact,
        mediator=args.mediator,
        mediated=args.mediated,
        written=args.written,
        fixed_term=args.fixed_term,
        ceasefire_class=CLASS_CHOICES[args.ceasefire_class] if args.ceasefire_class else None,
        enforcement=tuple(args.enforcement) if args.enforcement else None,
        purposes=tuple(args.purpose),
        since=args.since,
        until=args.until,
        exact_dates_only=args.exact_dates,
        include_never_in_effect=args.include_never_in_effect,
        unknown_endings=args.unknown_endings,
        min_term_days=args.min_term_days,
    )
    if args.country_exact and args.country is None:
        raise UserError("--country-exact needs --country")
    if args.filter is not None:
        from sim.analysis.reference_overlay import parse_reference_filter

        if filt != ReferenceFilter():
            raise UserError(
                f"give the reference class either as FILTER ('{args.filter}') or as options "
                "such as --country, not both"
            )
        filt = parse_reference_filter(args.filter)
    ref = reference_class(filt)
    if args.plot:
        from sim.presentation.figures import pyplot

        pyplot()  # headless, set in one place
    if args.competing:
        from sim.evidence.reference_competing import (
            format_competing,
            plot_competing,
            summarize_competing,
        )

        summary, text, draw = summarize_competing(filt), format_competing, plot_competing
    else:
        summary, text, draw = summarize(ref), format_summary, _draw_km
    if args.plot:
        _save(draw(ref), args.plot)
        summary["plot"] = args.plot
    if args.json:
        print(json.dumps(summary, indent=2))
    else:
        print(text(summary))
        if args.plot:
            print(f"\nPlot written to {args.plot}")
    return 0


def _draw_km(ref: Any) -> Any:
    """The Kaplan-Meier curve of the class over its first 90 days (a Figure)."""
    import matplotlib.pyplot as plt

    from sim.reference import plot_reference

    fig, ax = plt.subplots(figsize=(7, 4.5))
    plot_reference(ax, ref, in_hours=False, max_time=90)
    ax.axvline(14, color="0.7", linewidth=0.8)
    ax.set_xlabel("days since the ceasefire took effect")
    ax.set_ylabel("share still holding (Kaplan-Meier)")
    ax.set_ylim(0, 1.02)
    ax.set_xlim(0, 90)
    ax.set_title("Real ceasefires, ETH/PRIO 1989-2020 (first 90 days)")
    ax.legend(loc="lower left", fontsize=8)
    fig.tight_layout()
    return fig


def _save(fig: Any, path: str) -> None:
    """Write the figure through the one results writer (atomic; OS errors as one line)."""
    from pathlib import Path

    import matplotlib.pyplot as plt

    from sim.results.writer import save_figure

    try:
        save_figure(fig, Path(path), dpi=120)
    finally:
        plt.close(fig)
