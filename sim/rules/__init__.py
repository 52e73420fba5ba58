"""The rules of one world, written once as plain code and compiled with numba.

- `layout`: where each parameter sits in the arrays the rules read (parameter sets).
- `derive`: constants computed once per parameter set (leverage, per-step shares, ...),
  so that a world-step only reads them.
- `rng`: the counter-based random numbers (world, step, slot) -> uniform.
- `state`: the state of every world, as arrays over worlds.
- `world`: the rules of one world, one function per rule of `docs/ODD.md` section 7.
- `drive`: the loops that apply the rules: all steps of each world (batches) or one
  step of many worlds (the Mesa model's `step()`); both call the same rule functions.
"""
