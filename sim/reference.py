"""The empirical reference class: how long real ceasefires lasted.

A simulated survival curve means more beside what real ceasefires did. This module
loads the table derived from the ETH/PRIO Civil Conflict Ceasefire Dataset
(`sim/data/reference_ceasefires.csv`, one row per ceasefire, 1989-2020; how it was
derived and coded is in `sim/data/reference_ceasefires.md`), selects a reference
class with `ReferenceFilter`, and estimates its survival with the Kaplan-Meier
estimator (lifelines), treating expiries, replacements and ceasefires still in
force as right-censored rather than as failures.

Durations in the table are whole calendar days (end date minus start date: 0 means
it ended the day it took effect). The simulator works in hours, so the API also
gives hours (days * 24); a day-resolution duration of d days means the truce ended
somewhere between about d - 1 and d + 1 days after it started.

Typical use::

    ref = reference_class(ReferenceFilter(country="Syria", mediator="Russia"))
    summary = summarize(ref)                      # counts, median, shares, KM table
    result = compare_with_simulated(ref, runs.duration_h, runs.collapsed)
    plot_reference(ax, ref, label="Real ceasefires: Syria, Russia mediating")

The code lives by job in `sim.analysis.reference_class` (the table, filters, the
class) and `sim.analysis.reference_survival` (estimates, comparison, the curve); this
module keeps the names where the rest of the project imports them.
"""

from __future__ import annotations

from sim.analysis.reference_class import (  # noqa: F401 (re-exported)
    ALPHA,
    CENSOR_REASONS,
    CLASS_NAMES,
    DEFAULT_KM_DAYS,
    DEFAULT_SHARE_DAYS,
    FIXED_CODES,
    HOURS_PER_DAY,
    PURPOSES,
    SIM_HORIZON_H,
    TABLE_FILE,
    WRITTEN_CODES,
    ReferenceClass,
    ReferenceFilter,
    UnknownEndings,
    _load_cached,
    _no_match_message,
    left_out_lines,
    load_reference_table,
    reference_class,
    term_days,
)
from sim.analysis.reference_survival import (  # noqa: F401 (re-exported)
    _pct,
    _plain_statement,
    compare_with_simulated,
    fit_km,
    greenwood_variance,
    median_with_ci,
    plot_reference,
    summarize,
    survival_at,
)
