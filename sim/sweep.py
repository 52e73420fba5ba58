"""Parameter sweeps: moved to the experiment layer (`sim.experiments.sweep`,
`sweep_analysis`, `sweep_figures`); these names stay importable from here."""

from sim.experiments.params import (
    SIGNIFICANT_DIGITS,
    check_in_range,
    numeric_param,
    parse_number,
    round_value,
)
from sim.experiments.sweep import (
    MAX_GRID_POINTS,
    SWEEP_FILE,
    GridAxis,
    SweepPlan,
    SweepPoint,
    parse_grid,
    plan_sweep,
    run_sweep,
)
from sim.experiments.sweep_analysis import SweepAnalysis, analyse_sweep, format_median
from sim.experiments.sweep_figures import (
    baseline_values,
    save_figure,
    sweep_figure,
    sweep_sections,
    write_sweep_figures,
)

__all__ = [
    "MAX_GRID_POINTS",
    "SIGNIFICANT_DIGITS",
    "SWEEP_FILE",
    "GridAxis",
    "SweepAnalysis",
    "SweepPlan",
    "SweepPoint",
    "analyse_sweep",
    "baseline_values",
    "check_in_range",
    "format_median",
    "numeric_param",
    "parse_grid",
    "parse_number",
    "plan_sweep",
    "round_value",
    "run_sweep",
    "save_figure",
    "sweep_figure",
    "sweep_sections",
    "write_sweep_figures",
]
