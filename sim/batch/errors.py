"""The batch's own failure (bad input is a `sim.errors.UserError`)."""

from __future__ import annotations


class BatchFailed(RuntimeError):
    """A chunk failed (a worker died, a cluster went away): finished chunks are kept.

    The message says how to resume.
    """
