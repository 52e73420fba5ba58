"""Exact Shapley values over k players from the values of all 2^k coalitions.

Coalition `c` is a bit mask: player j is in it when bit j is set. The Shapley value is
linear in the coalition values, phi = W v, with W a k x 2^k matrix, so the
contributions of a mean are the mean of per-run contributions, and a bootstrap over runs
needs only the per-run contributions.
"""

from __future__ import annotations

from math import factorial

import numpy as np

MAX_PLAYERS = 20  # 2^20 coalitions: beyond this the exact computation is not practical


def coalitions(k: int) -> np.ndarray:
    """Membership of every coalition: a (2^k, k) boolean array, row c = bits of c."""
    if not 0 <= k <= MAX_PLAYERS:
        raise ValueError(f"expected 0 to {MAX_PLAYERS} players, got {k}")
    masks = np.arange(2**k, dtype=np.int64)
    return ((masks[:, None] >> np.arange(k)) & 1).astype(bool)


def weight_matrix(k: int) -> np.ndarray:
    """W (k x 2^k) such that W @ v are the Shapley values of coalition values v.

    phi_j = sum over S without j of |S|! (k - |S| - 1)! / k! * (v(S + j) - v(S)).
    """
    members = coalitions(k)
    sizes = members.sum(axis=1)
    weights = np.array([factorial(s) * factorial(k - s - 1) / factorial(k) for s in range(k)])
    w = np.zeros((k, 2**k))
    for j in range(k):
        without = np.flatnonzero(~members[:, j])
        w[j, without | (1 << j)] += weights[sizes[without]]
        w[j, without] -= weights[sizes[without]]
    return w


def shapley(values: np.ndarray) -> np.ndarray:
    """Shapley values of coalition values (last axis of length 2^k), over that axis.

    They add up to v(everyone) - v(nobody) (efficiency), up to rounding.
    """
    values = np.asarray(values, dtype=float)
    k = values.shape[-1].bit_length() - 1
    if 2**k != values.shape[-1]:
        raise ValueError(f"expected 2^k coalition values, got {values.shape[-1]}")
    return values @ weight_matrix(k).T
