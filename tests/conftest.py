"""Shared test set-up: every plot renders headless."""

import matplotlib

matplotlib.use("Agg")
