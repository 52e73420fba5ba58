"""Parameters a design may vary: which keys, what values, checked before any work.

Shared by every design of the experiment layer (sweep grids, sensitivity samples,
uncertainty ranges), so each refuses a bad key or value in the same words.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from sim.errors import UserError

if TYPE_CHECKING:
    from sim.scenario import Scenario
    from sim.schema import Param

SIGNIFICANT_DIGITS = 6
"""Swept and sampled values are rounded to this many significant digits, so a value
printed with ``%g`` names exactly the value simulated."""


def numeric_param(key: str, scenario: Scenario, *, option: str) -> Param:
    """The declaration of a parameter that can be swept or sampled.

    Args:
        key: dotted path (``actors.militia.spoiling``, ``mediator.conduct.resolve``,
            ``mediators.russia.leverage.regime``).
        scenario: the scenario with the run's mediators loaded (its parties, terms and
            mediators say which keys exist).
        option: the option the key came from, for the error message.

    Raises:
        UserError: unknown key, or a true/false parameter (nothing to sweep between).
    """
    from sim.scenario import override_param

    try:
        param = override_param(key, scenario)
    except UserError as error:
        raise UserError(f"{option}: {error}") from None
    if param.kind == "bool":
        raise UserError(
            f"{option}: '{key}' is true or false, so it cannot be swept or sampled; "
            "compare its two settings as variants (--set or a variant overlay) instead",
            key=key,
        )
    return param


def round_value(value: float, param: Param) -> float | int:
    """`value` as it will be simulated: an integer for int parameters, else 6 significant digits."""
    if param.kind == "int":
        return round(float(value))
    return float(f"{value:.{SIGNIFICANT_DIGITS}g}")


def check_in_range(key: str, value: float, param: Param, *, option: str) -> None:
    """Refuse a value outside the parameter's valid range, naming the range."""
    if not math.isfinite(value) or not param.accepts(value):
        raise UserError(
            f"{option}: {value:g} is outside the valid range of '{key}' ({param.expected()})",
            key=key,
        )


def parse_number(text: str, what: str, option: str) -> float:
    """A float from the command line, or a UserError naming the option."""
    try:
        if not text.isascii():  # float("٦") is 6.0: not what the user typed
            raise ValueError(text)
        value = float(text)
    except ValueError:
        raise UserError(f"{option}: expected a number for {what}, got '{text}'") from None
    if not math.isfinite(value):
        raise UserError(f"{option}: expected a finite number for {what}, got '{text}'")
    return value
