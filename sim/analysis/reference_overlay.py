"""Real ceasefires beside the simulated ones: the reference overlay of compare and report.

`ceasefire compare DIR --reference "country=Syria,mediator=Russia"` (and the same
option of `ceasefire report`) selects a reference class of real ceasefires from
the ETH/PRIO table (`sim.reference`), draws its Kaplan-Meier curve on the
simulated survival figure and says, per variant, how far apart they are: the
two-sample log-rank test after censoring the reference at the simulated horizon
and the difference in survival at the horizon with its 95% interval.

The filter is written compactly, ``KEY=VALUE`` pairs separated by commas, so one
option carries it (see `FILTER_KEYS` and `parse_reference_filter`); ``all`` (or
an empty string) is every ceasefire.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sim.errors import UserError

if TYPE_CHECKING:  # pragma: no cover
    from sim.analysis import BatchAnalysis
    from sim.analysis.reference_class import ReferenceClass
    from sim.presentation.html import Section

#: Filter keys of `--reference`, with what each takes (shown in errors and --help).
FILTER_KEYS: dict[str, str] = {
    "country": "text the country name contains (e.g. Syria)",
    "country_exact": "true/false: match country as the whole name",
    "mediator": "text a mediator's name contains (e.g. Russia)",
    "mediated": "true/false",
    "written": "true/false",
    "fixed_term": "true/false (false = open-ended)",
    "class": "ETH/PRIO ceasefire_class: 1, 2 or 3",
    "enforcement": "ETH/PRIO enforcement codes joined by + (e.g. 1+2)",
    "purpose": "purpose flag that must be set (repeatable): humanitarian, peaceprocess, "
    "holiday, election, other, unclear",
    "since": "first start year",
    "until": "last start year",
    "exact_dates": "true/false: leave out ceasefires with an imputed day",
    "include_never_in_effect": "true/false: count never-in-effect ceasefires as day-0 breakdowns",
    "unknown_endings": "exclude, breakdown or censor",
    "min_term_days": "number: open-ended ceasefires and fixed-term ones with a stated term of "
    "at least this many days",
}
FILTER_HELP = (
    'reference class of real ceasefires as "KEY=VALUE,...", e.g. "country=Syria,mediator=Russia"'
    " (alone or 'all': every ceasefire); keys: " + ", ".join(FILTER_KEYS)
)
_TRUE = {"true", "yes", "1", "y", "on"}
_FALSE = {"false", "no", "0", "n", "off"}
_BOOL_FIELDS = {
    "country_exact": "country_exact",
    "mediated": "mediated",
    "written": "written",
    "fixed_term": "fixed_term",
    "exact_dates": "exact_dates_only",
    "include_never_in_effect": "include_never_in_effect",
}


def _bool(key: str, value: str) -> bool:
    low = value.strip().lower()
    if low in _TRUE:
        return True
    if low in _FALSE:
        return False
    raise UserError(f"expected true or false, got {value!r}", key=f"--reference {key}")


def _int(key: str, value: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise UserError(f"expected an integer, got {value!r}", key=f"--reference {key}") from None


def _number(key: str, value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        number = float("nan")
    if not number >= 0:  # also catches NaN
        raise UserError(f"expected a number of days >= 0, got {value!r}", key=f"--reference {key}")
    return number


def parse_reference_filter(text: str | None):
    """Parse ``"country=Syria,mediator=Russia"`` into a `sim.reference.ReferenceFilter`.

    Keys may use ``-`` or ``_``; ``all`` or an empty string selects every ceasefire.

    Args:
        text: the option's value.

    Returns:
        The filter.

    Raises:
        UserError: a malformed pair, an unknown key (naming the known ones) or a bad value.
    """
    from sim.analysis.reference_class import ReferenceFilter

    text = (text or "").strip()
    if text.lower() in ("", "all"):
        return ReferenceFilter()
    fields: dict[str, Any] = {}
    purposes: list[str] = []
    for item in text.split(","):
        if not item.strip():
            continue
        key, sep, value = item.partition("=")
        key = key.strip().lower().replace("-", "_")
        value = value.strip()
        if not sep or not key or not value:
            raise UserError(
                f"expected KEY=VALUE pairs separated by commas, got {item.strip()!r} "
                f'(e.g. --reference "country=Syria,mediator=Russia")'
            )
        if key not in FILTER_KEYS:
            raise UserError(
                f"unknown reference filter key {key!r}; expected one of {', '.join(FILTER_KEYS)}",
                key=f"--reference {key}",
            )
        if key in ("country", "mediator"):
            fields[key] = value
        elif key in _BOOL_FIELDS:
            fields[_BOOL_FIELDS[key]] = _bool(key, value)
        elif key == "class":
            code = {"definitive": "3"}.get(value.lower(), value)
            fields["ceasefire_class"] = _int(key, code)
        elif key == "enforcement":
            fields["enforcement"] = tuple(_int(key, v) for v in value.split("+"))
        elif key == "purpose":
            purposes.append(value.lower())
        elif key in ("since", "until"):
            fields[key] = _int(key, value)
        elif key == "min_term_days":
            fields[key] = _number(key, value)
        else:  # unknown_endings
            fields["unknown_endings"] = value.lower()
    if purposes:
        fields["purposes"] = tuple(purposes)
    if fields.get("country_exact") and "country" not in fields:
        raise UserError("country_exact needs country", key="--reference country_exact")
    return ReferenceFilter(**fields)


@dataclass
class ReferenceOverlay:
    """A reference class and how each simulated variant compares with it.

    Attributes:
        reference: the selected real ceasefires.
        horizon_h: the simulated horizon the comparison covers.
        survival: reference survival at the horizon {estimate, ci_low, ci_high}.
        median_h: reference median survival in hours {estimate, ci_low, ci_high}
            (None = not reached).
        comparisons: per variant, `sim.reference.compare_with_simulated`'s result.
    """

    reference: ReferenceClass
    horizon_h: float
    survival: dict[str, float]
    median_h: dict[str, float | None]
    comparisons: dict[str, dict[str, Any]] = field(default_factory=dict)
    at_risk: dict[str, int] = field(default_factory=dict)
    """Still under observation at the horizon: the reference (key "reference") and each
    variant; an estimate at the horizon rests on these."""

    @property
    def label(self) -> str:
        """Legend label of the reference curve."""
        return f"real ceasefires: {self.reference.filter.describe()} (n={self.n})"

    @property
    def n(self) -> int:
        """Number of real ceasefires used."""
        return len(self.reference.sample)

    @property
    def events(self) -> int:
        """Breakdowns among them (over their whole observed life)."""
        return int(self.reference.events.sum())

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: filter, n, events, survival at the horizon, median, per-variant tests."""
        key = f"p_survive_{self.horizon_h:g}h"
        variants = {}
        for label, result in self.comparisons.items():
            diff = result["survival_at_horizon"]["difference"]
            variants[label] = {
                "logrank_p": result["logrank"]["p_value"],
                "logrank_statistic": result["logrank"]["statistic"],
                "difference_" + key: diff["estimate"],
                "difference_" + key + "_ci": [diff["ci_low"], diff["ci_high"]],
                "statement": result["statement"],
            }
        return {
            "filter": self.reference.filter.as_dict(),
            "filter_text": self.reference.filter.describe(),
            "source": "ETH/PRIO Civil Conflict Ceasefire Dataset, 1989-2020",
            "n": self.n,
            "events": self.events,
            "at_risk_at_horizon": dict(self.at_risk),
            key: self.survival["estimate"],
            key + "_ci": [self.survival["ci_low"], self.survival["ci_high"]],
            "median_h": self.median_h["estimate"],
            "median_ci_h": [self.median_h["ci_low"], self.median_h["ci_high"]],
            "difference": "reference minus simulated",
            "variants": variants,
            "note": next(iter(self.comparisons.values()))["note"] if self.comparisons else "",
        }

    def table(self) -> tuple[list[str], list[list[str]]]:
        """Headers and rows: the reference, then each variant's test against it."""
        from sim.analysis.compare import format_p
        from sim.analysis.tables import fmt_pct

        days = f"{self.horizon_h / 24:g} d"
        headers = ["", f"holding at {days}", f"at risk at {days}"]
        headers += [f"reference − simulated at {days}", "log-rank"]
        s = self.survival
        rows = [
            [
                f"reference (n={self.n}, {self.events} breakdowns)",
                fmt_pct(s["estimate"], s["ci_low"], s["ci_high"]),
                self._at_risk("reference"),
                "",
                "",
            ]
        ]
        for label, result in self.comparisons.items():
            sim = result["survival_at_horizon"]["simulated"]
            diff = result["survival_at_horizon"]["difference"]
            rows.append(
                [
                    label,
                    fmt_pct(sim["estimate"], sim["ci_low"], sim["ci_high"]),
                    self._at_risk(label),
                    f"{100 * diff['estimate']:+.1f} points ({100 * diff['ci_low']:+.1f} to "
                    f"{100 * diff['ci_high']:+.1f})",
                    format_p(result["logrank"]["p_value"]),
                ]
            )
        return headers, rows

    def _at_risk(self, key: str) -> str:
        return f"{self.at_risk[key]:,}" if key in self.at_risk else "–"

    def reading_note(self) -> str:
        """What the reference's share at the horizon is, and how many ceasefires it rests on."""
        days = f"{self.horizon_h / 24:g} days"
        text = (
            f"The reference's {100 * self.survival['estimate']:.1f}% is the Kaplan-Meier "
            f"estimate of not having broken down by {days} (expiries and replacements "
            f"censored), not the share still in force"
        )
        if "reference" in self.at_risk:
            text += (
                f": only {self.at_risk['reference']} of the {self.n} ceasefires were still "
                f"observed after {days}"
            )
        return text + "."

    def _median_text(self) -> str:
        from sim.analysis.tables import fmt_hours

        m = self.median_h
        if m["estimate"] is None:
            return "not reached"
        return f"{fmt_hours(m['estimate'])}"

    def format_text(self) -> str:
        """The 'Reference class' block of `ceasefire compare`."""
        from sim.presentation.tables import text_table

        out = [
            f"Reference class: {self.label}",
            "  (ETH/PRIO Civil Conflict Ceasefire Dataset 1989-2020; expiries, replacements and "
            "ceasefires in force censored)",
            f"  median time to breakdown: {self._median_text()}",
            text_table(*self.table()),
            f"  {self.reading_note()}",
        ]
        out += [f"  {label}: {r['statement']}" for label, r in self.comparisons.items()]
        if self.comparisons:
            out.append(f"  Note: {next(iter(self.comparisons.values()))['note']}")
        return "\n".join(out)

    def section(self) -> Section:
        """The report's "Reference class" section (id ``reference``)."""
        from sim.presentation.html import Section
        from sim.presentation.tables import html_table

        parts = [
            "<p>"
            + html.escape(
                f"Real ceasefires from the ETH/PRIO Civil Conflict Ceasefire Dataset "
                f"(civil conflicts, 1989-2020) selected by: {self.reference.filter.describe()}. "
                f"{self.n} ceasefires are used, {self.events} of which broke down; expiries, "
                f"replacements and ceasefires still in force are censored. Median time to "
                f"breakdown: {self._median_text()}. Their Kaplan-Meier curve is the dashed "
                f"grey line on the survival figure."
            )
            + "</p>",
            html_table(*self.table()),
            f"<p>{html.escape(self.reading_note())}</p>",
        ]
        parts += [
            f"<p><b>{html.escape(label)}</b>: {html.escape(r['statement'])}</p>"
            for label, r in self.comparisons.items()
        ]
        if self.comparisons:
            note = next(iter(self.comparisons.values()))["note"]
            parts.append(f'<p class="note">{html.escape(note)}</p>')
        return Section("reference", "Reference class: real ceasefires", "\n".join(parts))


def reference_overlay(analysis: BatchAnalysis, filt: Any) -> ReferenceOverlay:
    """Select the reference class and compare every variant of `analysis` with it.

    Args:
        analysis: the batch analysis.
        filt: a `ReferenceFilter`, or its compact text form (see `parse_reference_filter`).

    Returns:
        The overlay.

    Raises:
        UserError: a bad filter, or one that matches no usable ceasefire.
    """
    from sim.analysis.reference_class import HOURS_PER_DAY, reference_class
    from sim.analysis.reference_survival import (
        compare_with_simulated,
        fit_km,
        median_with_ci,
        survival_at,
    )
    from sim.analysis.survival import variant_groups
    from sim.stats import number_at_risk

    if filt is None or isinstance(filt, str):
        filt = parse_reference_filter(filt)
    ref = reference_class(filt)
    horizon = max(r.horizon_h for r in analysis.survival)
    km = fit_km(ref.durations_h, ref.events, "reference")
    estimate, low, high = survival_at(km, horizon)
    median_days = median_with_ci(fit_km(ref.durations_days, ref.events, "reference"))
    median_h = {k: (None if v is None else v * HOURS_PER_DAY) for k, v in median_days.items()}
    runs = analysis.runs
    comparisons = {}
    # A real ceasefire counts if it lasted past the horizon (as in `ceasefire reference`); a
    # run if it held to the horizon (runs end there).
    at_risk = {"reference": number_at_risk(ref.durations_h, horizon)}
    groups = variant_groups(runs)
    for label in analysis.variants:
        group = groups[label]
        at_risk[label] = number_at_risk(
            group["duration_h"], float(group["horizon_h"].max()), just_after=False
        )
        comparisons[label] = compare_with_simulated(
            ref, group["duration_h"], group["collapsed"], horizon_h=float(group["horizon_h"].max())
        )
    return ReferenceOverlay(
        reference=ref,
        horizon_h=horizon,
        survival={"estimate": estimate, "ci_low": low, "ci_high": high},
        median_h=median_h,
        comparisons=comparisons,
        at_risk=at_risk,
    )
