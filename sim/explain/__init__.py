"""Why one mediator beats another: exact Shapley decomposition over parameter groups.

- `groups`: the parameter groups (one table, extensible) and how a mediator's values
  fall into them.
- `shapley`: coalitions and the exact Shapley weights (pure arithmetic, no simulation).
- `decompose`: every coalition as a point of a parameter design (`coalition_design`),
  run with common random numbers by the experiment ``explain``
  (`sim.experiments.explain`, in memory), and the analysis of its per-point outcomes
  (`analyse`): the contributions and their paired bootstrap intervals.
- `output`: the table, the sentence, the waterfall figure and the files.
"""
