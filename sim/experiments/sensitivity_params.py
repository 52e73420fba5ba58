"""The parameters a sensitivity analysis samples: keys and bounds, from the command line
or a file (``scenarios/sensitivity_default.toml``), checked before any work."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sim.errors import UserError
from sim.experiments.params import check_in_range, numeric_param, parse_number
from sim.resources import scenarios_dir

if TYPE_CHECKING:  # pragma: no cover
    from sim.scenario import Scenario

DEFAULT_PARAMS_FILE = scenarios_dir() / "sensitivity_default.toml"


@dataclass(frozen=True)
class SensitivityParam:
    """One input of the analysis: a parameter and the bounds it is sampled between.

    Attributes:
        key: dotted parameter path (as for ``--set``).
        low: lower bound (inside the parameter's valid range).
        high: upper bound (> low, inside the valid range).
        kind: "float" or "int" (int values are rounded when simulated).
        reason: why these bounds (from the defaults file; empty for ``--param``).
    """

    key: str
    low: float
    high: float
    kind: str = "float"
    reason: str = ""


def make_param(
    key: str, low: float, high: float, scenario: Scenario, *, option: str, reason: str = ""
) -> SensitivityParam:
    """Validate bounds against the parameter's declared range and build the input.

    Raises:
        UserError: unknown or true/false parameter, LOW >= HIGH, or a bound out of range.
    """
    param = numeric_param(key, scenario, option=option)
    if not low < high:
        raise UserError(f"{option}: expected LOW < HIGH for '{key}', got {low:g}:{high:g}", key=key)
    for value in (low, high):
        check_in_range(key, value, param, option=option)
    return SensitivityParam(key, float(low), float(high), param.kind, reason)


def parse_param(text: str, scenario: Scenario, *, option: str = "--param") -> SensitivityParam:
    """Parse ``KEY=LOW:HIGH`` from the command line (`option`) and validate it."""
    key, sep, spec = text.partition("=")
    parts = spec.split(":")
    if not sep or not key.strip() or len(parts) != 2:
        raise UserError(
            f"{option}: expected KEY=LOW:HIGH (for example actors.militia.spoiling=1:3), "
            f"got '{text}'"
        )
    low = parse_number(parts[0], "LOW", option)
    high = parse_number(parts[1], "HIGH", option)
    return make_param(key.strip(), low, high, scenario, option=option)


def load_default_params(
    path: str | Path = DEFAULT_PARAMS_FILE, scenario: Scenario | None = None
) -> list[SensitivityParam]:
    """Read and validate the default parameter set (``scenarios/sensitivity_default.toml``).

    Raises:
        UserError: the file is missing or malformed, or a bound is out of range.
    """
    path = Path(path)
    if scenario is None:
        from sim.scenario import load_scenario

        scenario = load_scenario()
    from sim.safe_input import parse_toml
    from sim.scenario import SourceFile

    source = SourceFile.read(path)
    data = parse_toml(source.text, source.path)
    entries = data.get("param")
    if set(data) != {"param"} or not isinstance(entries, list) or not entries:
        raise UserError("expected one or more [[param]] tables and nothing else", file=str(path))
    params = []
    for number, entry in enumerate(entries, 1):
        where = f"param #{number}"
        if not isinstance(entry, dict) or set(entry) != {"key", "low", "high", "reason"}:
            raise UserError("expected key, low, high and reason", file=str(path), key=where)
        bounds = (entry["low"], entry["high"])
        if not isinstance(entry["key"], str) or not all(
            isinstance(b, int | float) and not isinstance(b, bool) for b in bounds
        ):
            raise UserError("expected a string key and numeric bounds", file=str(path), key=where)
        if not isinstance(entry["reason"], str) or not entry["reason"].strip():
            raise UserError("expected a non-empty reason", file=str(path), key=entry["key"])
        try:
            params.append(
                make_param(
                    entry["key"],
                    float(bounds[0]),
                    float(bounds[1]),
                    scenario,
                    option=str(path),
                    reason=entry["reason"],
                )
            )
        except UserError as error:
            raise UserError(error.detail, file=str(path), key=error.key) from None
    _refuse_repeats([p.key for p in params])
    return params


def _refuse_repeats(keys: Sequence[str]) -> None:
    repeated = sorted({k for k in keys if list(keys).count(k) > 1})
    if repeated:
        raise UserError(f"--param: '{repeated[0]}' is given twice", key=repeated[0])
