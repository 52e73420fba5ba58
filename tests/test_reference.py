"""Tests for the empirical reference class (issue 6, part 1).

Covers the derived table (hand-checked records, deduplication, byte-for-byte
re-derivation), Kaplan-Meier on a hand-worked table, filters, the comparison with
simulated runs, the plotting helper and the `ceasefire reference` command.
"""

from __future__ import annotations

import csv
import importlib.util
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.cli import main
from sim.errors import UserError
from sim.reference import (
    ReferenceFilter,
    compare_with_simulated,
    load_reference_table,
    plot_reference,
    reference_class,
    summarize,
)

ROOT = Path(__file__).resolve().parent.parent
RAW = ROOT.parent / "shared" / "data" / "ethprio_ceasefires.csv"
SHIPPED = ROOT / "sim" / "data" / "reference_ceasefires.csv"
needs_raw = pytest.mark.skipif(
    not RAW.is_file(),
    reason=f"raw ETH/PRIO CSV not present at {RAW} (not shipped with the package)",
)


def _derive_module():
    spec = importlib.util.spec_from_file_location(
        "derive_reference", ROOT / "scripts" / "derive_reference.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return load_reference_table().set_index("id", drop=False)


# --------------------------------------------------------------------- hand-checked rows


def test_single_actor_breakdown_mexico_70001(table):
    # Raw row (uniq_id 70001, Government of Mexico, one actor row): effect
    # 1994-01-12, ended = 2, end 1995-02-09, mediator_nego 0.
    # Duration: 1994-01-12 -> 1995-01-12 is 365 days, + 28 days to 02-09 = 393.
    # ended 2 = breakdown -> event 1.
    row = table.loc["70001"]
    assert row["start_date"] == "1994-01-12" and row["start_basis"] == "effect"
    assert row["end_date"] == "1995-02-09"
    assert row["duration_days"] == 393.0
    assert (row["outcome"], row["event"], row["included"]) == ("breakdown", 1.0, 1)
    assert row["mediated"] == 0 and row["mediators"] == ""


def test_multi_actor_disagreeing_endings_drc_490021(table):
    # Raw: 12 actor rows, all effect 2000-08-15, mediator_send "Zambia".
    # Government of DR Congo rows: ended 2, end 2000-08-25 (breakdown);
    # Zimbabwe/Namibia/Uganda/Rwanda: ended 4, end 2000-10-15; RCD: ended 4,
    # end 2000-12-14; Angola and MLC: ended -1 (unclear, ignored).
    # Rule: any breakdown row -> the ceasefire broke down at the earliest
    # breakdown date: 2000-08-25, 10 days, event 1, codes flagged as disagreeing.
    row = table.loc["490021"]
    assert row["n_actor_rows"] == 12
    assert (row["start_date"], row["end_date"], row["duration_days"]) == (
        "2000-08-15",
        "2000-08-25",
        10.0,
    )
    assert (row["outcome"], row["event"], row["ended_codes_disagree"]) == ("breakdown", 1.0, 1)
    assert (row["mediated"], row["mediators"]) == (1, "Zambia")


def test_replaced_is_censored_mexico_70003(table):
    # Raw: declared 1994-12-30, effect 1995-01-01, ended 4 (replaced by the linked
    # ceasefire 70004), end 1995-01-06. Start = effect date; 5 days; censored.
    row = table.loc["70003"]
    assert (row["declared"], row["start_date"], row["end_date"]) == (
        "1994-12-30",
        "1995-01-01",
        "1995-01-06",
    )
    assert (row["duration_days"], row["outcome"], row["event"]) == (5.0, "replaced", 0.0)


def test_reused_id_is_split_colombia_100033(table):
    # Raw uniq_id 100033 holds two different ELN ceasefires: one from 2001
    # (recentadditions 0: effect 2001-05-14, ended 4, end 2001-05-24) and one
    # from 2020 (recentadditions 1: effect 2020-04-01, ended 1 = expired after its
    # 30-day term, end 2020-04-30). They become "100033" and "100033r".
    old, new = table.loc["100033"], table.loc["100033r"]
    assert (old["duration_days"], old["outcome"], old["event"]) == (10.0, "replaced", 0.0)
    assert (new["start_date"], new["end_date"]) == ("2020-04-01", "2020-04-30")
    assert (new["duration_days"], new["outcome"], new["event"]) == (29.0, "expired", 0.0)


def test_in_force_is_censored_at_data_end_morocco_600003(table):
    # Raw: POLISARIO and Morocco rows, effect 1991-09-06, ended 0 with end date
    # coded 0/0/0 (not applicable): still in force -> censored at 2020-12-31,
    # 10,709 days later.
    row = table.loc["600003"]
    assert (row["end_date"], row["outcome"], row["event"]) == ("2020-12-31", "in_force", 0.0)
    assert row["duration_days"] == 10709.0


def test_unclear_ending_is_excluded_syria_652001(table):
    row = table.loc["652001"]
    assert (row["outcome"], row["included"], row["exclusion"]) == (
        "unknown",
        0,
        "ending_unknown",
    )
    assert math.isnan(row["event"])


# --------------------------------------------------------------------- deduplication


def test_one_row_per_ceasefire(table):
    assert table["id"].is_unique
    # Every row is either used or excluded for one documented reason.
    counts = table["exclusion"].value_counts()
    assert (table["included"] == 1).sum() + counts.drop("", errors="ignore").sum() == len(table)
    assert set(counts.index) <= {
        "",
        "ending_unknown",
        "never_in_effect",
        "start_date_unknown",
        "end_date_unknown",
        "end_before_start",
    }
    # Split re-used ids are the only ids beyond the distinct uniq_ids.
    assert table["uniq_id"].nunique() + table["id"].str.endswith("r").sum() == len(table)
    assert (table.loc[table["included"] == 1, "event"].isin([0.0, 1.0])).all()


@needs_raw
def test_deduplication_matches_raw_ids(table):
    with RAW.open(encoding="utf-8-sig", newline="") as fh:
        raw = list(csv.DictReader(fh))
    keys = {(r["uniq_id"], r["recentadditions"]) for r in raw}
    uids = {r["uniq_id"] for r in raw}
    collisions = len(keys) - len(uids)
    assert collisions == 15
    assert len(table) == len(keys) == len(uids) + collisions == 2218
    assert int(table["n_actor_rows"].sum()) == len(raw)


@needs_raw
def test_derivation_reproduces_shipped_csv(tmp_path):
    out = tmp_path / "reference_ceasefires.csv"
    assert _derive_module().main([str(RAW), "--out", str(out)]) == 0
    assert out.read_bytes() == SHIPPED.read_bytes()


# --------------------------------------------------------------------- Kaplan-Meier


def _tiny_table(durations, events, **columns) -> pd.DataFrame:
    n = len(durations)
    base = load_reference_table().iloc[:n].copy().reset_index(drop=True)
    base["id"] = [f"t{i}" for i in range(n)]
    base["duration_days"] = np.asarray(durations, dtype=float)
    base["event"] = np.asarray(events, dtype=float)
    base["outcome"] = ["breakdown" if e else "expired" for e in events]
    base["included"] = 1
    base["exclusion"] = ""
    base["start_day_imputed"] = 0
    base["end_day_imputed"] = 0
    for key, values in columns.items():
        base[key] = values
    return base


def test_km_by_hand():
    # durations 1, 2, 2+, 3, 5+ (+ = censored):
    #   t=1: 5 at risk, 1 breakdown -> S = 4/5 = 0.8
    #   t=2: 4 at risk (the one censored at 2 is still at risk), 1 breakdown
    #        -> S = 0.8 * 3/4 = 0.6
    #   t=3: 2 at risk, 1 breakdown -> S = 0.6 * 1/2 = 0.3
    #   t=5: censored, S stays 0.3.  Median = first t with S <= 0.5 = 3 days.
    tiny = _tiny_table([1, 2, 2, 3, 5], [1, 1, 0, 1, 0])
    summary = summarize(reference_class(table=tiny), share_days=(1, 2, 14), km_days=(0, 1, 2, 3, 5))
    assert summary["n"] == 5 and summary["events"] == 3 and summary["censored"] == 2
    assert summary["censored_by_reason"]["expired"] == 2
    km = {row["days"]: row["survival"] for row in summary["survival"]}
    assert km == pytest.approx({0.0: 1.0, 1.0: 0.8, 2.0: 0.6, 3.0: 0.3, 5.0: 0.3})
    shares = [row["share"] for row in summary["ending_within"]]
    assert shares == pytest.approx([0.2, 0.4, 0.7])
    assert summary["median_days"]["estimate"] == 3.0
    assert summary["median_hours"]["estimate"] == 72.0
    for row in summary["ending_within"]:
        assert row["ci_low"] <= row["share"] <= row["ci_high"]


def test_median_not_reached_is_none():
    tiny = _tiny_table([1, 10, 10, 10], [1, 0, 0, 0])
    assert summarize(reference_class(table=tiny))["median_days"]["estimate"] is None


# --------------------------------------------------------------------- filters


def test_filters_select_what_they_say(table):
    syria = reference_class(ReferenceFilter(country="syria")).sample
    assert len(syria) > 0 and (syria["country"] == "Syria").all()
    russia = reference_class(ReferenceFilter(mediator="Russia")).sample
    assert russia["mediators"].str.contains("Russia").all()
    written = reference_class(ReferenceFilter(written=True)).sample
    assert written["written"].isin([1, 2]).all()
    unwritten = reference_class(ReferenceFilter(written=False)).sample
    assert (unwritten["written"] == 0).all()
    fixed = reference_class(ReferenceFilter(fixed_term=True)).sample
    assert (fixed["fixed"] == 1).all()
    years = reference_class(ReferenceFilter(since=2015, until=2016)).sample
    assert years["year"].between(2015, 2016).all()
    exact = reference_class(ReferenceFilter(country="Sudan", country_exact=True)).sample
    assert (exact["country"] == "Sudan").all()
    both = reference_class(ReferenceFilter(country="Syria", mediator="Russia"))
    assert len(both.sample) <= min(len(syria), len(russia))


def test_sensitivity_options_add_rows():
    base = reference_class()
    pessimistic = reference_class(ReferenceFilter(unknown_endings="breakdown"))
    never = reference_class(ReferenceFilter(include_never_in_effect=True))
    assert len(pessimistic.sample) > len(base.sample)
    assert pessimistic.events.sum() > base.events.sum()
    added = never.sample[never.sample["outcome"] == "never_in_effect"]
    assert len(added) > 0 and (added["event"] == 1.0).all()
    assert "never_in_effect" not in never.excluded


def test_no_match_raises_user_error():
    with pytest.raises(UserError, match="country contains 'Atlantis'"):
        reference_class(ReferenceFilter(country="Atlantis"))


def test_cli_no_match_exits_2_without_traceback(capsys):
    assert main(["reference", "--country", "Atlantis"]) == 2
    err = capsys.readouterr().err
    assert "Atlantis" in err and "no ceasefire" in err and "Traceback" not in err


def test_cli_prints_summary(capsys, tmp_path):
    plot = tmp_path / "km.png"
    code = main(["reference", "--country", "Syria", "--no-written", "--plot", str(plot)])
    out = capsys.readouterr().out
    assert code == 0
    assert "country contains 'Syria', not written" in out
    assert "Median time to breakdown" in out and "14 days" in out
    assert plot.stat().st_size > 0


def test_cli_json(capsys):
    import json

    assert main(["reference", "--mediator", "Russia", "--fixed-term", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["filter"]["mediator"] == "Russia" and data["filter"]["fixed_term"] is True
    assert [row["days"] for row in data["ending_within"]] == [1.0, 7.0, 14.0]


# --------------------------------------------------------------------- comparison, plot


def test_compare_censors_reference_at_horizon():
    # Reference: breakdowns at 1 day (24 h) and at 20 days (480 h, beyond the
    # 336 h horizon: counts as surviving it), plus one censored at 30 days.
    tiny = _tiny_table([1, 20, 30], [1, 1, 0])
    ref = reference_class(table=tiny)
    sim_h = np.array([5.0, 10.0, 336.0, 336.0])
    collapsed = np.array([True, True, False, False])
    result = compare_with_simulated(ref, sim_h, collapsed)
    assert result["events_reference"] == 1  # the 20-day breakdown is censored at 336 h
    surv = result["survival_at_horizon"]
    assert surv["reference"]["estimate"] == pytest.approx(2 / 3)
    assert surv["simulated"]["estimate"] == pytest.approx(0.5)
    assert surv["difference"]["estimate"] == pytest.approx(2 / 3 - 0.5)
    assert 0.0 <= result["logrank"]["p_value"] <= 1.0
    assert "336 h" in result["note"] and result["statement"].startswith("Real ceasefires")


def test_compare_rejects_mismatched_inputs():
    with pytest.raises(UserError):
        compare_with_simulated(reference_class(), [1.0, 2.0], [True])


def test_plot_reference_draws_curve_and_band():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    plot_reference(ax, reference_class(ReferenceFilter(country="Syria")), max_time=336)
    assert len(ax.lines) == 1 and ax.lines[0].get_linestyle() == "--"
    assert max(ax.lines[0].get_xdata()) == 336
    assert len(ax.collections) == 1
    plt.close(fig)
