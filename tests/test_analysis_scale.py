"""Analysis that scales: lean reading and frequency cells give the same answers.

`analyse(DIR)` reads only the columns it needs with strings as categories, and every
Kaplan-Meier, log-rank and Aalen-Johansen fit runs on (time, event) cells with counts;
these tests hold that the results are those of the plain, row-by-row computation.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from lifelines import AalenJohansenFitter, KaplanMeierFitter
from lifelines.statistics import logrank_test

from sim.analysis import analyse
from sim.analysis.load import load_batch
from sim.stats.competing import cumulative_incidence
from sim.stats.km import fit_km, frequency_cells
from sim.stats.twosample import logrank
from tests.test_cli_compare_report import write_batch


def test_lean_reading_gives_the_same_analysis_as_reading_everything(tmp_path):
    folder = write_batch(tmp_path / "b", {"russia": 0.012, "turkey": 0.008, "un": 0.01}, n=150)
    lean = load_batch(folder, lean=True)
    full = load_batch(folder)
    assert isinstance(lean.runs["variant"].dtype, pd.CategoricalDtype)
    assert isinstance(lean.runs["cause"].dtype, pd.CategoricalDtype)
    assert full.runs["variant"].dtype == object
    assert lean.runs["variant"].astype(str).tolist() == full.runs["variant"].tolist()
    assert lean.runs["cause"].astype(str).tolist() == full.runs["cause"].tolist()
    assert analyse(lean).to_json() == analyse(full).to_json()
    assert analyse(lean).format_table() == analyse(full).format_table()


def test_frequency_cells_count_every_observation():
    durations = np.array([3.0, 1.0, 3.0, 2.0, 3.0, 1.0])
    events = np.array([True, False, True, True, False, False])
    times, observed, counts = frequency_cells(durations, events)
    cells = sorted(zip(times.tolist(), observed.tolist(), counts.tolist(), strict=True))
    assert cells == [(1.0, False, 2.0), (2.0, True, 1.0), (3.0, False, 1.0), (3.0, True, 2.0)]


@pytest.fixture
def sample():
    rng = np.random.default_rng(7)
    t = np.minimum(np.ceil(rng.exponential(80.0, 3000)), 336.0)
    return t, t < 336.0


def test_kaplan_meier_on_cells_equals_the_fit_on_rows(sample):
    t, e = sample
    rows = KaplanMeierFitter(alpha=0.05).fit(t, e, label="KM")
    cells = fit_km(t, e)
    pd.testing.assert_frame_equal(
        rows.survival_function_, cells.survival_function_, check_names=False
    )
    np.testing.assert_allclose(
        rows.confidence_interval_.to_numpy(), cells.confidence_interval_.to_numpy(), rtol=1e-12
    )


def test_logrank_on_cells_equals_the_test_on_rows(sample):
    t, e = sample
    u = np.minimum(t + (np.arange(len(t)) % 3), 336.0)
    rows = logrank_test(t, u, event_observed_A=e, event_observed_B=u < 336.0)
    cells = logrank(t, e, u, u < 336.0)
    assert cells.statistic == pytest.approx(rows.test_statistic, rel=1e-12)
    assert cells.p_value == pytest.approx(rows.p_value, rel=1e-9)


def test_aalen_johansen_on_cells_equals_the_fit_on_rows(sample):
    t, e = sample
    ending = np.where(e, np.where(np.arange(len(t)) % 4 == 0, "replaced", "breakdown"), None)
    cif = cumulative_incidence(t, ending, ending_names=["breakdown", "replaced"])
    # The same tie-breaking by hand, row by row: ending k moves k * eps later, censoring last.
    eps = 1.0 / (4.0 * 4)
    code = np.where(ending == "breakdown", 1, np.where(ending == "replaced", 2, 0))
    split = t + np.where(code > 0, code * eps, 3 * eps)
    rows = AalenJohansenFitter(alpha=0.05).fit(split, code, event_of_interest=1)
    expected = rows.cumulative_density_.iloc[:, 0].to_numpy()
    np.testing.assert_allclose(cif.curves["breakdown"]["estimate"].to_numpy(), expected)
    assert cif.counts() == {
        "breakdown": int(np.sum(ending == "breakdown")),
        "replaced": int(np.sum(ending == "replaced")),
        "censored": int(np.sum(ending == None)),  # noqa: E711 (elementwise)
    }
