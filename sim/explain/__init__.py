"""Why one mediator beats another: exact Shapley decomposition over parameter groups.

- `groups`: the parameter groups (one table, extensible) and how a mediator's values
  fall into them.
- `shapley`: coalitions and the exact Shapley weights (pure arithmetic, no simulation).
- `decompose`: every coalition as a parameter set of one many-worlds run with common
  random numbers, the contributions and their paired bootstrap intervals.
- `output`: the table, the sentence, the waterfall figure and the files.
"""
