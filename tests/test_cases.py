"""The case library: every shipped real truce validates, runs, and cites only what was known.

The citation rule (issue 14, docs/scenario-format.md): a scenario or mediator file of a
case sets its numbers from facts known when the truce was signed, never from the fact
sheet's Outcome section, which records what happened and is kept for testing the model.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
import shutil
from pathlib import Path

import numpy as np
import pytest

from sim.cases import (
    Case,
    check_citations,
    cited_ids,
    list_cases,
    read_fact_sheet,
    read_outcome,
    source_notes,
)
from sim.cli import main
from sim.errors import UserError
from sim.model import simulate_worlds
from sim.scenario import load_scenario
from tests.helpers import ROOT, SCENARIOS, edit

CASES = list_cases()
IDS = [c.name for c in CASES]
ENDINGS = {"breakdown", "replaced", "expired", "in_force"}
RUNS = 200


def _mediators(case: Case) -> list[str]:
    return sorted(p.stem for p in case.mediators_dir.glob("*.toml"))


def test_the_library_holds_the_cases_of_the_issue():
    """At least eight truces, with Russia, Turkey, both together, the UN and the OSCE."""
    assert len(CASES) >= 8
    assert {"daraa_2018", "ghouta_2018", "aleppo_2016", "idlib_2018", "idlib_2019_aug"} <= set(IDS)
    assert {"idlib_2019_aug31", "idlib_2020", "hodeidah_2018", "minsk_2015"} <= set(IDS)
    for case in CASES:
        assert case.scenario == SCENARIOS / "cases" / case.name / f"{case.name}.toml"
        assert case.fact_sheet == ROOT / "seeds" / f"{case.name}.md", case.name
        assert case.outcome.is_file(), case.name


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_case_validates_strictly_and_runs_under_each_mediator(case: Case):
    """Strict provenance; 200 worlds per mediator end in states the outputs can describe."""
    scenario = load_scenario(case.scenario, mediators=_mediators(case), strict=True)
    assert scenario.name == case.name
    assert set(scenario.default_mediators) <= set(_mediators(case))
    for mediator in _mediators(case):
        assert scenario.mediators[mediator].name == mediator  # name equals the file stem
        out = simulate_worlds(scenario, mediator, RUNS, seed=1)
        duration = out["duration_h"]
        assert len(duration) == RUNS
        assert np.all((duration > 0) & (duration <= scenario.horizon_h)), mediator
        collapsed = out["collapsed"].astype(bool)
        # A first truce that held reached the horizon, unless a campaign replaced it by a
        # broader agreement first (ODD 7.11), which ends the campaign after one truce.
        early = ~collapsed & (duration < scenario.horizon_h)
        if float(scenario["campaign.length_h"]) == 0:
            assert not early.any(), mediator
        assert set(out["campaign_end"][early]) <= {"agreement"}, mediator
        assert np.all(out["n_truces"][early] == 1), mediator
        assert np.all(out["n_truces"] >= 1), mediator
        assert set(out["cause"][collapsed]) <= set(scenario.causes) - {"none"}, mediator
        assert set(out["cause"][~collapsed]) <= {"none"}, mediator
        first = out["first_violation_h"]
        seen = ~np.isnan(first)
        assert np.all(first[seen] <= duration[seen]), mediator
        assert np.all(seen[collapsed]), "a truce collapsed with no violation"


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_case_cites_only_facts_known_at_signing(case: Case):
    """Cited IDs exist in the case's sheet, none from its Outcome section."""
    sheet = read_fact_sheet(case.fact_sheet)
    assert sheet.known and sheet.outcome, "a case's sheet has facts and an Outcome section"
    assert not sheet.known & sheet.outcome
    check_citations(case)  # raises on an unknown or outcome ID
    # And every source leads with its facts or says "assumption:" with the reasoning.
    for path in (case.scenario, *sorted(case.mediators_dir.glob("*.toml"))):
        for key, note in source_notes(path):
            leading = re.match(r"[A-Z]{1,2}\d+\b", note)
            assert (leading and leading.group(0) in sheet.known) or re.match(
                r"assumption: \S", note
            ), f"{path.name} {key}: {note!r}"


def _copy_case(tmp_path: Path, name: str) -> Path:
    """A copy of a case folder; its fact sheet is still found in the checkout's seeds/."""
    target = tmp_path / name
    shutil.copytree(SCENARIOS / "cases" / name, target)
    return target / f"{name}.toml"


def test_a_scenario_citing_an_outcome_fact_is_refused(tmp_path, capsys):
    path = _copy_case(tmp_path, "daraa_2018")
    old = 'spoiling = { value = 0.0, source = "T1: '
    edit(path, old, old.replace('"T1: ', '"O3, T1: '))
    with pytest.raises(UserError) as caught:
        check_citations(path)
    message = str(caught.value)
    assert str(path) in message and "'actors.regime.spoiling'" in message and "O3" in message
    assert "Outcome" in message
    # The command line gives the same refusal: one line, exit status 2, no traceback.
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert str(path) in err and "'actors.regime.spoiling'" in err and "O3" in err


def test_a_mediator_citing_an_outcome_fact_or_an_unknown_fact_is_refused(tmp_path, capsys):
    path = _copy_case(tmp_path, "minsk_2015")
    mediator = path.parent / "mediators" / "russia.toml"
    text = mediator.read_text()
    first = re.search(r'^(\w+) = \{ value = [^,]+, source = "', text, flags=re.M)
    assert first is not None
    mediator.write_text(text.replace(first.group(0), first.group(0) + "O2: ", 1))
    with pytest.raises(UserError, match=r"russia\.toml.*O2.*Outcome"):
        check_citations(path)
    assert main(["validate", str(path), "--mediator", "russia"]) == 2
    assert "O2" in capsys.readouterr().err
    mediator.write_text(text.replace(first.group(0), first.group(0) + "B99: ", 1))
    with pytest.raises(UserError, match=r"russia\.toml.*B99.*not a fact"):
        check_citations(path)


def test_a_source_with_neither_fact_nor_assumption_is_refused(tmp_path):
    path = _copy_case(tmp_path, "aleppo_2016")
    text = path.read_text()
    note = re.search(r'source = "(assumption: [^"]*)"', text)
    assert note is not None
    path.write_text(text.replace(note.group(0), 'source = "no reason given"', 1))
    with pytest.raises(UserError, match="states no assumption"):
        check_citations(path)


def test_the_outcome_section_is_found_by_its_heading(tmp_path):
    sheet = tmp_path / "x.md"
    sheet.write_text(
        "# Sheet\n\n| key | outlet |\n|---|---|\n| S1 | a paper |\n\n## Actors\n\n"
        "| ID | fact | source |\n|---|---|---|\n| A1 | a party | S1 |\n\n"
        "## Outcome (after signing)\n\n| ID | fact | source |\n|---|---|---|\n"
        "| O1 | it broke | S1 |\n| A9 | listed here, so outcome | S1 |\n"
    )
    facts = read_fact_sheet(sheet)
    assert facts.known == {"A1"} and facts.outcome == {"O1", "A9"}  # S1 is an outlet
    assert cited_ids("A1, O1: the M5 highway; S1", facts) == ["A1", "O1"]


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_outcome_json_has_the_keys_and_sane_values(case: Case):
    outcome = read_outcome(case)
    required = {
        "case",
        "ethprio_uniq_id",
        "signed",
        "first_violation_h",
        "ending",
        "ending_h",
        "n_truces",
    }
    assert required <= set(outcome), required - set(outcome)
    assert outcome["case"] == case.name
    assert list(outcome["ethprio_uniq_id"]) == list(case.ethprio_uniq_id)
    scenario_signed = load_scenario(case.scenario).strings.get("scenario.signed")
    assert outcome["signed"] == scenario_signed
    dt.date.fromisoformat(outcome["signed"])
    assert outcome["ending"] in ENDINGS
    first, end = outcome["first_violation_h"], outcome["ending_h"]
    if outcome["ending"] == "in_force":
        assert end is None
    else:
        assert isinstance(end, int | float) and math.isfinite(end) and end > 0
    if first is not None:
        assert isinstance(first, int | float) and first >= 0
        assert end is None or first <= end
    if outcome["ending"] == "breakdown":
        assert first is not None, "a breakdown without a violation"
    assert isinstance(outcome["n_truces"], int) and outcome["n_truces"] >= 1
    # The count within the campaign is given exactly when the scenario follows a campaign,
    # with a note citing the Outcome facts it was counted from.
    scenario = load_scenario(case.scenario)
    if float(scenario["campaign.length_h"]) > 0:
        n = outcome["n_truces_in_campaign"]
        assert isinstance(n, int) and not isinstance(n, bool) and 1 <= n <= 16
        assert re.search(r"\bO\d+\b", outcome["n_truces_in_campaign_note"])
    else:
        assert "n_truces_in_campaign" not in outcome
    sheet = read_fact_sheet(case.fact_sheet)
    assert set(outcome.get("outcome_fact_ids", [])) <= sheet.outcome


def test_cases_are_listed_by_the_scenarios_command(capsys):
    assert main(["scenarios"]) == 0
    out = capsys.readouterr().out
    for case in CASES:
        assert re.search(rf"^\s+{case.name}\s+\S", out, re.MULTILINE), case.name


def test_a_case_runs_from_the_command_line(capsys):
    path = SCENARIOS / "cases" / "idlib_2019_aug31" / "idlib_2019_aug31.toml"
    assert main(["validate", str(path), "--strict"]) == 0
    assert "Outcome section" in capsys.readouterr().out
    assert main(["run", str(path), "--seed", "1"]) == 0
    assert "russia_turkey" in capsys.readouterr().out


def test_docs_list_every_case():
    text = (ROOT / "docs" / "scenario-format.md").read_text()
    section = text[text.index("## Case library") :]
    for case in CASES:
        assert f"`{case.name}`" in section, case.name
        for uniq in case.ethprio_uniq_id:
            assert str(uniq) in section, (case.name, uniq)
        assert json.dumps(read_outcome(case)["ending"]).strip('"') in section
