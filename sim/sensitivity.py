"""Sensitivity analysis: moved to the experiment layer (`sim.experiments.sensitivity`,
`sensitivity_analysis`, `sensitivity_figures`); these names stay importable from here."""

from sim.experiments.sensitivity import (
    DEFAULT_SAMPLES,
    DESIGN_FILE,
    DESIGN_MATRIX_FILE,
    MAX_POINTS,
    METHODS,
    OUTPUTS,
    RESULTS_FILE,
    Design,
    check_design,
    load_design,
    make_design,
    run_sensitivity,
)
from sim.experiments.sensitivity_analysis import (
    SensitivityAnalysis,
    analyse_sensitivity,
    point_outputs,
    write_results,
)
from sim.experiments.sensitivity_figures import (
    sensitivity_figure,
    sensitivity_sections,
    write_sensitivity_figures,
)
from sim.experiments.sensitivity_params import (
    DEFAULT_PARAMS_FILE,
    SensitivityParam,
    load_default_params,
    make_param,
    parse_param,
)

__all__ = [
    "DEFAULT_PARAMS_FILE",
    "DEFAULT_SAMPLES",
    "DESIGN_FILE",
    "DESIGN_MATRIX_FILE",
    "MAX_POINTS",
    "METHODS",
    "OUTPUTS",
    "RESULTS_FILE",
    "Design",
    "SensitivityAnalysis",
    "SensitivityParam",
    "analyse_sensitivity",
    "check_design",
    "load_default_params",
    "load_design",
    "make_design",
    "make_param",
    "parse_param",
    "point_outputs",
    "run_sensitivity",
    "sensitivity_figure",
    "sensitivity_sections",
    "write_results",
    "write_sensitivity_figures",
]
