"""A parameter design run as worlds of one batch: P parameter points x R replicates.

A design gives every variant of a batch the same P points (a sweep grid, a Morris or
Sobol sample, draws from a posterior or from declared ranges), each simulated R times.
Run ``r`` of a variant is replicate ``r % R`` of point ``r // R``: runs of one point sit
together, so a chunk touches few points and reads them as parameter sets
(`sim.rules.layout.Params`), not one copy per world.

Common random numbers: a world's luck is keyed by its *replicate*, not its run
(`sim.rules.rng`), so replicate i meets the same luck at every point and under every
variant. Differences between points or mediators are then differences of parameters,
not of luck (the pairing that makes per-point comparisons sharp). A design that wants
independent luck at every point instead (ABC's prior draws, whose weights should not
share one sample of luck) keys it by run: ``luck="run"``.

The runs table gets a `point` column and one ``design.<key>`` column per parameter, so
each run carries the values it was simulated with.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.errors import UserError

if TYPE_CHECKING:
    from sim.scenario import Scenario

DESIGN_POINT = "point"
"""The runs.parquet column holding each run's design point (0 .. P-1)."""

DESIGN_PREFIX = "design."
"""Prefix of the runs.parquet columns holding each run's design values."""

POSTERIOR_PREFIX = "posterior."
"""Prefix of the runs.parquet columns that hold parameters drawn from a posterior."""

LUCK = ("replicate", "run")
"""What a design's worlds may key their random numbers by."""


@dataclass(frozen=True, eq=False)
class ParameterDesign:
    """P points over K parameters, each run `replicates` times in every variant.

    Attributes:
        keys: dotted parameter keys (anything `--set` accepts), in column order.
        values: a (P, K) array; row p is point p.
        replicates: runs per point and variant (R >= 1).
        kind: what made the design (``"sweep"``, ``"sobol"``, ``"uncertainty"``, ...), recorded.
        source: where its values came from, in words (recorded; not part of its identity).
        luck: what a world's random numbers are keyed by: ``"replicate"`` (common random
            numbers across points) or ``"run"`` (independent luck at every point).
    """

    keys: tuple[str, ...]
    values: np.ndarray
    replicates: int
    kind: str = "design"
    source: str = ""
    luck: str = "replicate"

    def __post_init__(self) -> None:
        values = np.ascontiguousarray(self.values, dtype=np.float64)
        object.__setattr__(self, "keys", tuple(self.keys))
        object.__setattr__(self, "values", values)
        if not self.keys or len(set(self.keys)) != len(self.keys):
            raise UserError(f"a design needs distinct parameter keys, got {list(self.keys)}")
        if values.ndim != 2 or values.shape[1] != len(self.keys) or values.shape[0] < 1:
            raise UserError(
                f"a design needs a (points, {len(self.keys)}) array, got shape {values.shape}"
            )
        if isinstance(self.replicates, bool) or int(self.replicates) < 1:
            raise UserError(f"replicates: expected an integer >= 1, got {self.replicates!r}")
        object.__setattr__(self, "replicates", int(self.replicates))
        if self.luck not in LUCK:
            raise UserError(f"luck: expected one of {', '.join(LUCK)}, got {self.luck!r}")

    @classmethod
    def from_points(
        cls,
        points: Sequence[Mapping[str, float]],
        replicates: int,
        kind: str = "design",
        source: str = "",
    ) -> ParameterDesign:
        """A design from a list of ``{key: value}`` points (every point with the same keys)."""
        if not points:
            raise UserError("a design needs at least one point")
        keys = tuple(points[0])
        if any(tuple(p) != keys for p in points):
            raise UserError("every point of a design must set the same keys, in the same order")
        values = np.array([[p[k] for k in keys] for p in points], float)
        return cls(keys, values, replicates, kind, source)

    @classmethod
    def from_sets(
        cls, sets: Mapping[str, np.ndarray], replicates: int, **described: Any
    ) -> ParameterDesign:
        """A design whose point p takes ``sets[key][p]`` for every key (the inverse of
        `sets`); `described`: its kind, source and luck."""
        values = np.column_stack([np.asarray(v, float) for v in sets.values()])
        return cls(tuple(sets), values, replicates, **described)

    @property
    def n_points(self) -> int:
        return int(self.values.shape[0])

    @property
    def runs(self) -> int:
        """Runs per variant: points x replicates."""
        return self.n_points * self.replicates

    @property
    def columns(self) -> list[str]:
        """The ``design.<key>`` columns of runs.parquet."""
        return [f"{DESIGN_PREFIX}{k}" for k in self.keys]

    def sets(self) -> dict[str, np.ndarray]:
        """Every point as parameter sets: ``{key: values over points}``."""
        return {k: self.values[:, j].copy() for j, k in enumerate(self.keys)}

    def point(self, p: int) -> dict[str, float]:
        return {k: float(v) for k, v in zip(self.keys, self.values[p], strict=True)}

    def chunk(self, start: int, stop: int) -> ChunkDesign:
        """What runs ``[start, stop)`` of a variant need: their points' sets, which set each
        world reads, the luck (replicate) of each world, and each run's point."""
        runs = np.arange(start, stop, dtype=np.int64)
        point = runs // self.replicates
        first, last = int(point[0]), int(point[-1])
        sets = {k: self.values[first : last + 1, j].copy() for j, k in enumerate(self.keys)}
        luck = runs % self.replicates if self.luck == "replicate" else runs
        return ChunkDesign(sets, point - first, luck, point)

    def sha256(self) -> str:
        """A digest of keys, values and replicates: what must match to resume."""
        digest = hashlib.sha256()
        digest.update(repr((self.keys, self.replicates, self.values.shape)).encode())
        digest.update(self.values.tobytes())
        if self.luck != "replicate":  # so that designs made before `luck` keep their digest
            digest.update(self.luck.encode())
        return digest.hexdigest()

    def manifest_entry(self) -> dict:
        return {
            "kind": self.kind,
            "source": self.source,
            "keys": list(self.keys),
            "points": self.n_points,
            "replicates": self.replicates,
            "luck": self.luck,
            "sha256": self.sha256(),
            "point_column": DESIGN_POINT,
            "columns": self.columns,
        }


@dataclass(frozen=True)
class ChunkDesign:
    """One chunk's share of a design (see `ParameterDesign.chunk`)."""

    sets: dict[str, np.ndarray]
    psets: np.ndarray
    luck: np.ndarray
    point: np.ndarray

    def columns(self, design: ParameterDesign) -> dict[str, np.ndarray]:
        """The per-run design columns of this chunk: `point`, then ``design.<key>``."""
        out: dict[str, np.ndarray] = {DESIGN_POINT: self.point}
        for j, key in enumerate(design.keys):
            out[f"{DESIGN_PREFIX}{key}"] = design.values[self.point, j]
        return out


def check_design(design: ParameterDesign, scenario: Scenario, mediator: str) -> None:
    """Refuse, naming the key, a design value a scenario cannot take (before any work)."""
    from sim.rules.layout import FIXED_KEYS
    from sim.worlds import mediator_order, parameter_sets

    for key in design.keys:
        if key in FIXED_KEYS:
            raise UserError(
                "sets the number of steps, which must be the same in every world of a batch; "
                "run one batch per value instead",
                key=key,
            )
    start = scenario.resolve_mediator(mediator)
    try:  # as a worker will: every key known (UserError naming it), every value in range
        parameter_sets(scenario, mediator_order(scenario, start), design.sets())
    except ValueError as error:
        raise UserError(f"design: {error}") from None
