"""Derive the shipped empirical reference table from the ETH/PRIO ceasefire dataset.

Reads the raw ETH/PRIO Civil Conflict Ceasefire Dataset (one row per ceasefire
AND actor) and writes `sim/data/reference_ceasefires.csv`: one row per ceasefire
with its start, end, duration in days, how it ended and whether that counts as a
breakdown (event) or as right-censoring. Every coding decision is documented in
`sim/data/reference_ceasefires.md`; the constants below are the single place in
code where those decisions live.

Usage (from the project root)::

    .venv/bin/python scripts/derive_reference.py [RAW_CSV] [--out sim/data/reference_ceasefires.csv]

The derivation is deterministic: the same raw file gives the same bytes, which
`tests/test_reference.py` checks against the shipped table.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import sys
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_RAW = PROJECT_ROOT.parent / "shared" / "data" / "ethprio_ceasefires.csv"
DEFAULT_OUT = PROJECT_ROOT / "sim" / "data" / "reference_ceasefires.csv"

# The dataset covers ceasefires declared 1989-2020; ceasefires still in force are
# right-censored at the last day it covers.
DATA_END = dt.date(2020, 12, 31)

# Day of month used when the raw day is unknown (-1) but year and month are known.
MID_MONTH = 15

# How each raw `ended` code is read. The codebook was not available to us; the
# reading was inferred from the data (see reference_ceasefires.md for the evidence).
OUTCOME_BY_CODE = {
    2: "breakdown",  # ended by violations / a party walking away: the truce failed
    1: "expired",  # a fixed term ran out (99% fixed-term; 92% end exactly at the term)
    4: "replaced",  # superseded by a linked later ceasefire or agreement (94% linked)
    0: "in_force",  # did not end (end date coded 0 = not applicable)
    3: "never_in_effect",  # declared but never took effect (effect date coded 0)
    -1: "unknown",  # how (or whether) it ended is unclear
}

# Columns copied from the raw data where actor rows (nearly always) agree; on the
# rare disagreement the most common value wins, ties to the larger code.
MODE_COLUMNS = ("written", "fixed", "fixed_time", "ceasefire_class", "enforcement")
# Purpose flags are 0/1 per actor row: a ceasefire has a purpose if any actor row says so.
PURPOSE_COLUMNS = (
    "p_humanitarian",
    "p_peaceprocess",
    "p_holiday",
    "p_election",
    "p_other",
    "p_unclear",
)

OUTPUT_COLUMNS = (
    "id",
    "uniq_id",
    "country",
    "conflict_ids",
    "actors",
    "n_actor_rows",
    "declared",
    "start_date",
    "start_basis",
    "start_day_imputed",
    "end_date",
    "end_day_imputed",
    "duration_days",
    "ended_code",
    "outcome",
    "event",
    "included",
    "exclusion",
    "ended_codes_disagree",
    "mediated",
    "mediators",
    *MODE_COLUMNS,
    *PURPOSE_COLUMNS,
    "year",
)


def parse_date(year: str, month: str, day: str) -> tuple[dt.date | None, bool, str]:
    """Turn the raw split date into a date.

    Args:
        year: raw year ("-1" unknown, "0" not applicable).
        month: raw month, same sentinels.
        day: raw day, same sentinels.

    Returns:
        (date or None, whether the day was imputed to mid-month, why it is None:
        "" if a date was made, "not_applicable" if coded 0, "unknown" otherwise).
    """
    y, m, d = int(year), int(month), int(day)
    if y == 0 and m <= 0:
        return None, False, "not_applicable"
    if y <= 0 or m <= 0:
        return None, False, "unknown"
    if d <= 0:
        # A known month but unknown day: mid-month keeps the error below ~15 days
        # either way; the row is flagged so it can be left out.
        return dt.date(y, m, MID_MONTH), True, ""
    try:
        return dt.date(y, m, d), False, ""
    except ValueError:
        # An impossible day (two rows: 31 February, 31 June): the coder meant the
        # month's end, so clamp to its last day and flag the day as imputed.
        last = (dt.date(y + m // 12, m % 12 + 1, 1) - dt.timedelta(days=1)).day
        return dt.date(y, m, min(d, last)), True, ""


def mode_value(values: Iterable[str]) -> str:
    """Most common raw value; ties go to the numerically largest (then lexically)."""
    counts = Counter(values)
    best = max(counts.values())
    tied = [v for v, c in counts.items() if c == best]

    def key(v: str) -> tuple[int, float, str]:
        try:
            return (1, float(v), v)
        except ValueError:
            return (0, 0.0, v)

    return max(tied, key=key)


def ceasefire_key(row: dict[str, str], colliding: set[str]) -> str:
    """Identifier of the ceasefire an actor row belongs to.

    `uniq_id` (country code * 1000 + cf_id) identifies a ceasefire, except that the
    dataset's 2020 additions (`recentadditions` = 1) re-used a few existing ids for
    different ceasefires years apart; those are told apart by a suffix "r".
    """
    uid = row["uniq_id"]
    if uid in colliding and row["recentadditions"] == "1":
        return f"{uid}r"
    return uid


def combine_ending(
    rows: Sequence[dict[str, str]],
) -> tuple[int, dt.date | None, bool, str, bool]:
    """Ceasefire-level ending from its actor rows.

    Rules, in order (actor rows coded -1, "unclear", give way to any known code):
    1. any actor row coded breakdown (2): the ceasefire broke down, at the
       earliest breakdown end date (one party's collapse ends the truce);
    2. else any expired/replaced (1/4): the code and date of the earliest end;
    3. else any never-in-effect (3); 4. else any in force (0); 5. else unknown.

    Returns:
        (ended code, end date or None, day imputed, reason the date is missing,
        whether the known codes disagreed).
    """
    parsed = []
    for r in rows:
        end, imputed, why = parse_date(r["end_yr"], r["end_month"], r["end_day"])
        parsed.append((int(r["ended"]), end, imputed, why))
    known = {code for code, *_ in parsed if code != -1}
    disagree = len(known) > 1

    def earliest(codes: set[int]) -> tuple[int, dt.date | None, bool, str]:
        cands = [p for p in parsed if p[0] in codes]
        dated = [p for p in cands if p[1] is not None]
        if dated:
            # Earliest date; on the same date prefer an exact day, then the lower code.
            return min(dated, key=lambda p: (p[1], p[2], p[0]))
        return min(cands, key=lambda p: p[0])

    for codes in ({2}, {1, 4}, {3}, {0}, {-1}):
        if any(p[0] in codes for p in parsed):
            # For "all unclear" (-1) this still keeps the earliest end date, if any,
            # so a sensitivity analysis can use it.
            code, end, imputed, why = earliest(codes)
            return code, end, imputed, why, disagree
    raise AssertionError("unreachable: every row has an ended code")


def combine_start(rows: Sequence[dict[str, str]]) -> tuple[dt.date | None, str, bool]:
    """Start of the ceasefire: earliest effect date, else earliest declaration date.

    The effect date is when the guns were meant to fall silent, which is what the
    simulator's hour 0 stands for; when it is unknown the declaration date is the
    best stand-in (for most ceasefires they coincide or differ by a day or two).

    Returns:
        (start date or None, "effect" or "declaration" or "", day imputed).
    """
    for basis, cols in (
        ("effect", ("cf_effect_yr", "cf_effect_month", "cf_effect_day")),
        ("declaration", ("cf_dec_yr", "cf_dec_month", "cf_dec_day")),
    ):
        dates = []
        for r in rows:
            date, imputed, _ = parse_date(*(r[c] for c in cols))
            if date is not None:
                dates.append((date, imputed))
        if dates:
            # Exact days beat imputed ones on the same date; earliest overall wins
            # because a ceasefire is in effect from its first party's observance.
            date, imputed = min(dates)
            return date, basis, imputed
    return None, "", False


def earliest_declaration(rows: Sequence[dict[str, str]]) -> dt.date | None:
    """Earliest known declaration date (for display and the year filter fallback)."""
    dates = [parse_date(r["cf_dec_yr"], r["cf_dec_month"], r["cf_dec_day"])[0] for r in rows]
    known = [d for d in dates if d is not None]
    return min(known) if known else None


def combine_mediators(rows: Sequence[dict[str, str]]) -> tuple[int, str]:
    """Whether mediated (1/0/-1) and the mediator names ("; " between distinct entries).

    `mediator_nego` says whether a third party mediated; `mediator_send` lists who
    (free text, "0" none, "-1" unknown). A ceasefire is mediated if any actor row
    says so, unmediated if all say not, else unknown.
    """
    flags = {int(r["mediator_nego"]) for r in rows}
    mediated = 1 if 1 in flags else (0 if flags == {0} else -1)
    names = sorted({r["mediator_send"].strip() for r in rows} - {"0", "-1", ""})
    return mediated, "; ".join(names)


def derive(raw_rows: Sequence[dict[str, str]]) -> tuple[list[dict[str, str]], Counter]:
    """Collapse actor rows to ceasefires and code each one.

    Args:
        raw_rows: rows of the raw CSV as dicts of strings.

    Returns:
        (output rows in id order, counts of exclusions and other decisions).
    """
    groups_by_uid: dict[str, set[str]] = {}
    for r in raw_rows:
        groups_by_uid.setdefault(r["uniq_id"], set()).add(r["recentadditions"])
    colliding = {uid for uid, flags in groups_by_uid.items() if len(flags) > 1}

    groups: dict[str, list[dict[str, str]]] = {}
    for r in raw_rows:
        groups.setdefault(ceasefire_key(r, colliding), []).append(r)

    stats: Counter = Counter()
    stats["raw_rows"] = len(raw_rows)
    stats["ceasefires"] = len(groups)
    stats["split_id_collisions"] = len(colliding)
    out = []
    for key in sorted(groups, key=lambda k: (int(k.rstrip("r")), k)):
        rows = groups[key]
        start, basis, start_imp = combine_start(rows)
        code, end, end_imp, _why, disagree = combine_ending(rows)
        outcome = OUTCOME_BY_CODE[code]
        declared = earliest_declaration(rows)
        stats["ended_codes_disagree"] += disagree

        exclusion = ""
        event = ""
        if outcome == "in_force" and end is None:
            end = DATA_END  # censored at the end of the data
        if outcome == "never_in_effect":
            # Never observed: no period of observance to measure. Kept with
            # duration 0 from the declaration so a sensitivity run can count it.
            exclusion = "never_in_effect"
            if start is None:
                start, basis = declared, "declaration" if declared else ""
            end, end_imp = start, start_imp
        elif outcome == "unknown":
            exclusion = "ending_unknown"
        elif start is None:
            exclusion = "start_date_unknown"
        elif end is None:
            exclusion = "end_date_unknown"

        duration = ""
        if start is not None and end is not None:
            days = (end - start).days
            if days < 0:
                if not exclusion:
                    exclusion = "end_before_start"
            else:
                duration = f"{float(days):.1f}"
        if not exclusion:
            event = "1" if outcome == "breakdown" else "0"
        stats[f"outcome_{outcome}"] += 1
        stats[f"excluded_{exclusion}" if exclusion else "included"] += 1
        if not exclusion and (start_imp or end_imp):
            stats["included_with_imputed_day"] += 1

        mediated, mediators = combine_mediators(rows)
        year = start.year if start else (declared.year if declared else "")
        rec = {
            "id": key,
            "uniq_id": rows[0]["uniq_id"],
            "country": rows[0]["location"],
            "conflict_ids": ";".join(sorted({r["ucdp_acd_id"] for r in rows} - {"-1"}, key=int)),
            "actors": "; ".join(sorted({" ".join(r["actor_name"].split()) for r in rows})),
            "n_actor_rows": str(len(rows)),
            "declared": declared.isoformat() if declared else "",
            "start_date": start.isoformat() if start else "",
            "start_basis": basis,
            "start_day_imputed": str(int(start_imp)),
            "end_date": end.isoformat() if end else "",
            "end_day_imputed": str(int(end_imp)),
            "duration_days": duration,
            "ended_code": str(code),
            "outcome": outcome,
            "event": event,
            "included": "0" if exclusion else "1",
            "exclusion": exclusion,
            "ended_codes_disagree": str(int(disagree)),
            "mediated": str(mediated),
            "mediators": mediators,
            "year": str(year),
        }
        for col in MODE_COLUMNS:
            rec[col] = " ".join(mode_value(r[col] for r in rows).split())
        for col in PURPOSE_COLUMNS:
            rec[col] = str(max(int(r[col]) for r in rows))
        out.append(rec)
    return out, stats


def read_raw(path: Path) -> list[dict[str, str]]:
    """Read the raw CSV as strings (the file starts with a UTF-8 byte-order mark)."""
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def write_table(rows: Sequence[dict[str, str]], path: Path) -> None:
    """Write the table with fixed quoting and "\\n" line ends, so bytes are stable."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(
            fh, fieldnames=OUTPUT_COLUMNS, lineterminator="\n", quoting=csv.QUOTE_MINIMAL
        )
        writer.writeheader()
        writer.writerows(rows)


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point; prints the decision counts quoted in the docs."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("raw", nargs="?", type=Path, default=DEFAULT_RAW, help="raw ETH/PRIO CSV")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="where to write the table")
    args = parser.parse_args(argv)
    if not args.raw.is_file():
        print(f"derive_reference: raw CSV not found: {args.raw}", file=sys.stderr)
        return 2
    rows, stats = derive(read_raw(args.raw))
    write_table(rows, args.out)
    for name in sorted(stats):
        print(f"{name}: {stats[name]}")
    print(f"wrote {len(rows)} ceasefires to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
