"""Counter-based random numbers: a uniform is a pure function of (world, step, slot).

Each world gets a 64-bit key and an odd 64-bit stride from the batch key and its run
index; its draws are SplitMix64 outputs at counter `step * SLOTS + slot` along its own
stride (Steele, Lea and Flood 2014, the construction of Java's SplittableRandom).
Because a draw depends only on the run index and not on the order in which worlds are
stepped, run *i* meets the same luck under any mediator, variant or parameter set
(common random numbers), on any number of workers, and whether it is stepped in a batch
or one hour at a time by the Mesa model.
"""

from __future__ import annotations

import numpy as np

from sim.rules.jit import compiled, rule

SLOTS = 256
"""Draw slots per world and step (see `sim.rules.world` for who uses which)."""

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S30 = np.uint64(30)
_S27 = np.uint64(27)
_S31 = np.uint64(31)
_S11 = np.uint64(11)
_ONE = np.uint64(1)
_TO_UNIT = 1.0 / 9007199254740992.0  # 2**-53


@rule
def mix64(z: np.uint64) -> np.uint64:
    """The SplitMix64 finaliser: a bijective 64-bit mix."""
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


@compiled
def world_keys(batch_key: np.ndarray, run: np.int64) -> tuple[np.uint64, np.uint64]:
    """The key and the (odd) stride of run `run` under a batch key of two uint64 words."""
    r = np.uint64(run)
    key = mix64(batch_key[0] ^ mix64(r * _GOLDEN + _ONE))
    stride = mix64(batch_key[1] ^ mix64(r + _GOLDEN)) | _ONE
    return key, stride


@rule
def uniform(key: np.uint64, stride: np.uint64, step: np.int64, slot: np.int64) -> float:
    """A uniform on [0, 1) for one (world, step, slot)."""
    counter = np.uint64(step) * np.uint64(SLOTS) + np.uint64(slot) + _ONE
    return float(mix64(key + counter * stride) >> _S11) * _TO_UNIT


def batch_key(seed: int | np.random.SeedSequence) -> np.ndarray:
    """The two-word key of a batch, from its seed (an int or a SeedSequence)."""
    sequence = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    return sequence.generate_state(2, dtype=np.uint64)
