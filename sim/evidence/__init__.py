"""Evidence across cases: predictive distributions, scores, baselines and the backtest.

- `distribution`: the shared discretisation of an outcome (ending, time bin) and a
  predictive distribution over it, from simulated samples or cumulative incidences.
- `scores`: Brier score of breakdown within 1, 7 and 14 days, log score of the
  observed ending and time, skill against a baseline.
- `baselines`: the ETH/PRIO reference-class base rate and a survival regression on
  ETH/PRIO covariates, both leave-one-out friendly.
- `reference_competing`: the reference class read as competing risks (breakdown,
  replacement, expiry), restricted to terms of at least a week or open-ended.
- `backtest`: the scoring engine over cases and predictors.
"""
